/* The language's own dcmds: $d, $v, ::eval, ::grep, ::map, $< and $<<,
 * ::which. */
#include "cmds.h"
#include "../lang/vars.h"
#include "../base/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pm_err *pm_cmd_radix(struct pmdb *db, const struct pm_call *call)
{
	if (call->argc > 1)
		return pm_err_new(PM_ERR_SYNTAX, "$d takes no arguments (addr$d sets the radix)");
	if (call->has_addr) {
		if (call->addr < 2 || call->addr > 16)
			return pm_err_new(PM_ERR_GENERIC, "expected radix from 2 to 16");
		db->radix = (unsigned)call->addr;
	}
	fprintf(db->out, "radix = %u base ten\n", pm_radix(db));
	return NULL;
}

static int var_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pm_var *)a)->name, ((const struct pm_var *)b)->name);
}

struct pm_err *pm_cmd_vars(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_var sorted[PM_NVARS];
	memcpy(sorted, db->vars, db->nvars * sizeof(*sorted));
	qsort(sorted, db->nvars, sizeof(*sorted), var_cmp);
	for (size_t i = 0; i < db->nvars; i++) {
		if (!sorted[i].value)
			continue;
		fprintf(db->out, "%s = ", sorted[i].name);
		pm_print_radix(db, db->out, sorted[i].value);
		fputc('\n', db->out);
	}
	return NULL;
}

/* The one argument of ::eval, ::grep and ::map: the command text. */
static struct pm_err *one_command(const struct pm_call *call, const char **cmd)
{
	if (call->argc != 2)
		return pm_err_new(PM_ERR_SYNTAX, "::%s takes one command (quote it if it has spaces)",
				  call->argv[0]);
	*cmd = call->argv[1];
	return NULL;
}

struct pm_err *pm_cmd_eval(struct pmdb *db, const struct pm_call *call)
{
	const char *cmd = NULL;
	struct pm_err *err = one_command(call, &cmd);
	return err ? err : pm_exec_nested(db, cmd);
}

/* The command runs with dot at the address; ::grep passes the address on
 * if it leaves dot non-zero, ::map passes the new dot on. */
static struct pm_err *run_on_dot(struct pmdb *db, const struct pm_call *call, bool grep)
{
	const char *cmd = NULL;
	struct pm_err *err = one_command(call, &cmd);
	if (err)
		return err;
	uint64_t addr = call->has_addr ? call->addr : db->dot;
	db->dot = addr;
	if ((err = pm_exec_nested(db, cmd)))
		return err;
	if (grep && db->dot == 0)
		return NULL;
	pm_print_radix(db, db->out, grep ? addr : db->dot);
	fputc('\n', db->out);
	return NULL;
}

struct pm_err *pm_cmd_grep(struct pmdb *db, const struct pm_call *call)
{
	return run_on_dot(db, call, true);
}

struct pm_err *pm_cmd_map(struct pmdb *db, const struct pm_call *call)
{
	return run_on_dot(db, call, false);
}

static struct pm_err *read_file(const char *path, char **text)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return pm_err_new(PM_ERR_IO, "cannot open macro file %s: %s", path, strerror(errno));
	size_t cap = 0, len = 0;
	char *buf = NULL;
	for (;;) {
		vec_reserve(&buf, &cap, len + 4097, 1);
		size_t n = fread(buf + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	buf[len] = 0;
	if (bad || memchr(buf, 0, len)) {
		free(buf);
		return pm_err_new(PM_ERR_IO, "cannot read macro file %s", path);
	}
	*text = buf;
	return NULL;
}

/* $< stops the macro that ran it (mdb's "replace"); $<< returns to it. */
static struct pm_err *run_macro(struct pmdb *db, const struct pm_call *call, bool nested)
{
	if (call->argc != 2)
		return pm_err_new(PM_ERR_SYNTAX, "%s takes one macro file name", call->argv[0]);
	if (db->depth >= 32)
		return pm_err_new(PM_ERR_GENERIC, "macro files nested too deeply (32 levels)");
	char *text = NULL;
	struct pm_err *err = read_file(call->argv[1], &text);
	if (err)
		return err;
	if (call->has_count)
		pm_var_set(db, "9", call->count);
	int failed = 0;
	db->leave_macro = false;
	db->depth++;
	for (char *line = text, *next; line && !db->quit && !db->leave_macro; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		failed += pm_exec_line(db, line);
	}
	db->depth--;
	free(text);
	db->leave_macro = false;
	if (!nested && db->depth > 0)
		db->leave_macro = true;
	return failed ? pm_err_new(PM_ERR_REPORTED, "%d commands failed", failed) : NULL;
}

struct pm_err *pm_cmd_macro(struct pmdb *db, const struct pm_call *call)
{
	return run_macro(db, call, false);
}

struct pm_err *pm_cmd_macro_nested(struct pmdb *db, const struct pm_call *call)
{
	return run_macro(db, call, true);
}

struct pm_err *pm_cmd_which(struct pmdb *db, const struct pm_call *call)
{
	if (call->argc < 2)
		return pm_err_new(PM_ERR_SYNTAX, "::which needs a dcmd name");
	for (int i = 1; i < call->argc; i++) {
		const char *name = call->argv[i];
		if (name[0] == ':' && name[1] == ':')
			name += 2;
		if (!pm_dcmd_find(name))
			return pm_err_new(PM_ERR_LOOKUP, "unknown dcmd '%s%s'", name[0] == '$' ? "" : "::",
					  name);
		fprintf(db->out, "%s%s is a built-in dcmd\n", name[0] == '$' ? "" : "::", name);
	}
	return NULL;
}
