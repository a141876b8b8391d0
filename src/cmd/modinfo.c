/* ::modinfo: for each module, every place its file and its debug file were
 * looked for, in order, and what was found there (target/looklog.h). */
#include "cmds.h"
#include "../target/looklog.h"

#include <inttypes.h>
#include <string.h>

/* The log is kept under the names the lookups were asked for: the path
 * NT_FILE records (target side), and libdwfl's module name, which for a
 * link_map entry is the file name only. */
static size_t log_keys(const struct pmdb *db, const struct pm_module_info *m, const char *keys[3])
{
	size_t n = 0;
	keys[n++] = m->name;
	const struct pm_target *t = db->t;
	for (size_t i = 0; i < t->nfiles; i++)
		if (t->files[i].offset == 0 && m->start >= t->files[i].start &&
		    m->start < t->files[i].end) {
			if (strcmp(t->files[i].path, m->name) != 0)
				keys[n++] = t->files[i].path;
			break;
		}
	if (n == 1 && m->file && t->exe_path && t->exe_name && strcmp(m->file, t->exe_path) == 0 &&
	    strcmp(t->exe_name, m->name) != 0)
		keys[n++] = t->exe_name;
	return n;
}

static void print_steps(FILE *out, const char *const *keys, size_t nkeys, enum pm_look_kind kind,
			int *k)
{
	for (size_t j = 0; j < nkeys; j++) {
		const struct pm_look *steps;
		size_t n = pm_looklog_get(keys[j], &steps);
		for (size_t i = 0; i < n; i++)
			if (steps[i].kind == kind)
				fprintf(out, "    %d. %-14s %s%s%s\n", ++*k, steps[i].place,
					steps[i].path, steps[i].path[0] ? ": " : "", steps[i].outcome);
	}
}

struct pm_err *pm_cmd_modinfo(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_module_info *mods;
	pm_dwarf_load_kernel(db->dw);    /* a kernel dump's, found when first needed */
	size_t n = pm_dwarf_modules(db->dw, &mods);
	FILE *out = db->out;
	for (size_t i = 0; i < n; i++) {
		const struct pm_module_info *m = &mods[i];
		const char *keys[3];
		size_t nk = log_keys(db, m, keys);
		fprintf(out, "%s  %" PRIx64 "-%" PRIx64 "  build-id %s\n", m->name, m->start, m->end,
			m->build_id[0] ? m->build_id : "-");
		int k = 0;
		fprintf(out, "  file:\n");
		print_steps(out, keys, nk, PM_LOOK_FILE, &k);
		fprintf(out, "    => %s\n", m->file ? m->file : "(none on disk: symbols from memory if any)");
		k = 0;
		fprintf(out, "  debug:\n");
		if (m->file)
			fprintf(out, "    %d. %-14s %s: %s\n", ++k, "module's file", m->file,
				m->has_dwarf && !m->debug_file ? "used (has DWARF)" : "no DWARF");
		print_steps(out, keys, nk, PM_LOOK_DEBUG, &k);
		if (m->debug_file)
			fprintf(out, "    => %s%s\n", m->debug_file,
				m->debuginfod ? " (from debuginfod)" : "");
		else
			fprintf(out, "    => %s\n", m->has_dwarf ? m->file : "(none: symbols only)");
		if (m->dwp)
			fprintf(out, "    => split DWARF units from %s\n", m->dwp);
	}
	return NULL;
}
