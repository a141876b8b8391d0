/* ::help, ::dcmds, ::formats, $G, $q, and the shared option parser.
 * Help text comes from the one table in table.c. */
#include "cmds.h"
#include "registry.h"
#include "../lang/format.h"

#include <ctype.h>
#include <string.h>

static void dcmd_title(FILE *out, const struct pm_dcmd *d)
{
	/* $C and :c are verbs of their own; the rest are ::name */
	fprintf(out, "%s%s", d->name[0] == '$' || d->name[0] == ':' ? "" : "::", d->name);
}

struct pm_err *pm_cmd_help(struct pmdb *db, const struct pm_call *call)
{
	FILE *out = db->out;
	if (call->argc < 2) {
		fputs("pmdb " PMDB_VERSION " - a modular post-mortem debugger for Linux\n\n"
		      "Each command is  [address] [,count] verb [arguments]\n"
		      "  ::name args    run a dcmd (::dcmds lists them)\n"
		      "  $X             a one-letter dcmd ($C stack, $r registers, $m mappings, $q quit)\n"
		      "  addr/fmt       show memory at addr (::formats lists the formats)\n"
		      "  value=fmt      show a value in a format\n"
		      "  a | b          run b on each value a prints;  cmd ! shell  pipes to a shell\n"
		      "  ; or newline   separates commands;  // starts a comment\n\n"
		      "Numbers are hexadecimal unless prefixed: 0t decimal, 0o octal, 0i binary.\n"
		      "<rip is a register of the current thread; . is the current address (dot).\n\n"
		      "::help NAME describes one dcmd.\n", out);
		return NULL;
	}
	const char *name = call->argv[1];
	if (name[0] == ':' && name[1] == ':')
		name += 2;
	const struct pm_dcmd *d = pm_dcmd_find(name);
	if (!d)
		return pm_err_new(PM_ERR_LOOKUP, "unknown dcmd '%s'", call->argv[1]);
	fputs("NAME\n  ", out);
	dcmd_title(out, d);
	fprintf(out, " - %s\n\nSYNOPSIS\n  ", d->summary);
	if (d->synopsis && strncmp(d->synopsis, "[addr]", 6) == 0) {
		fputs("[addr]", out);
		dcmd_title(out, d);
		fprintf(out, "%s\n", d->synopsis + 6);
	} else if (d->synopsis && strncmp(d->synopsis, "addr", 4) == 0) {
		fputs("addr", out);
		dcmd_title(out, d);
		fprintf(out, "%s\n", d->synopsis + 4);
	} else {
		dcmd_title(out, d);
		fprintf(out, "%s%s\n", d->synopsis && *d->synopsis ? " " : "", d->synopsis ? d->synopsis : "");
	}
	fprintf(out, "\nDESCRIPTION\n");
	/* indent each line of the description */
	for (const char *p = d->help; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(out, "  %.*s\n", (int)len, p);
		p += len + (nl ? 1 : 0);
	}
	if (d->examples) {
		fprintf(out, "\nEXAMPLES\n");
		for (const char *p = d->examples; *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			fprintf(out, "  %.*s\n", (int)len, p);
			p += len + (nl ? 1 : 0);
		}
	}
	return NULL;
}

struct pm_err *pm_cmd_dcmds(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	const char *mod = NULL;
	const struct pm_dcmd *d;
	for (size_t i = 0; (d = i < pm_ndcmds ? &pm_dcmds[i] : pm_dmod_dcmd_at(i - pm_ndcmds, &mod)); i++) {
		char title[64];
		snprintf(title, sizeof(title), "%s%s", d->name[0] == '$' ? "" : "::", d->name);
		fprintf(db->out, "%-14s - %s%s%s%s\n", title, d->summary, mod ? " (module " : "",
			mod ? mod : "", mod ? ")" : "");
	}
	return NULL;
}

struct pm_err *pm_cmd_formats(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	pm_format_list(db->out);
	return NULL;
}

struct pm_err *pm_cmd_demangle(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	if (!db->dw)
		return NULL;
	bool on = !pm_dwarf_demangle(db->dw);
	pm_dwarf_set_demangle(db->dw, on);
	fprintf(db->out, "C++ and Rust symbol demangling %s\n", on ? "enabled" : "disabled");
	return NULL;
}

struct pm_err *pm_cmd_quit(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	db->quit = true;
	return NULL;
}

struct pm_err *pm_getopts(struct pmdb *db, const struct pm_call *call, const char *flags,
			  const char *with_value, struct pm_opts *o)
{
	memset(o, 0, sizeof(*o));
	int i = 1;
	for (; i < call->argc; i++) {
		const char *a = call->argv[i];
		if (a[0] != '-' || !a[1] || isdigit((unsigned char)a[1]))
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		for (const char *p = a + 1; *p; p++) {
			unsigned char c = (unsigned char)*p;
			if (c < 128 && strchr(flags, c) && c) {
				o->flag[c] = true;
			} else if (c < 128 && strchr(with_value, c) && c) {
				const char *val = p[1] ? p + 1 : (i + 1 < call->argc ? call->argv[++i] : NULL);
				if (!val)
					return pm_err_new(PM_ERR_SYNTAX, "::%s: option -%c needs a value",
							  call->argv[0], c);
				struct pm_err *err = pm_arg_number(db, val, &o->value[c]);
				if (err)
					return err;
				o->flag[c] = true;
				break;
			} else {
				return pm_err_new(PM_ERR_SYNTAX, "::%s: unknown option -%c (see ::help %s)",
						  call->argv[0], *p, call->argv[0]);
			}
		}
	}
	o->first_arg = i;
	return NULL;
}
