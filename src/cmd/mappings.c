/* ::mappings / $m and ::modules. */
#include "cmds.h"

#include <elf.h>
#include <inttypes.h>

static const char *data_name(enum pm_data d)
{
	switch (d) {
	case PM_DATA_CORE: return "core";
	case PM_DATA_FILE: return "file";
	case PM_DATA_PART: return "part";
	case PM_DATA_LIVE: return "live";
	default: return "none";
	}
}

struct pm_err *pm_cmd_mappings(struct pmdb *db, const struct pm_call *call)
{
	struct pm_target *t = db->t;
	FILE *out = db->out;
	int w = pm_addr_digits(db);
	fprintf(out, "%*s %*s %*s %-4s %-4s %s\n", w, "BASE", w, "LIMIT", w, "SIZE", "PERM", "DATA",
		"NAME");
	for (size_t i = 0; i < t->nmaps; i++) {
		const struct pm_mapping *m = &t->maps[i];
		if (call->has_addr && (call->addr < m->start || call->addr >= m->end))
			continue;
		fprintf(out, "%*" PRIx64 " %*" PRIx64 " %*" PRIx64 " %c%c%c  %-4s %s\n", w, m->start,
			w, m->end, w, m->end - m->start, m->prot & PF_R ? 'r' : '-', m->prot & PF_W ? 'w' : '-',
			m->prot & PF_X ? 'x' : '-', data_name(m->data), m->path ? m->path : m->label);
	}
	return NULL;
}

struct pm_err *pm_cmd_modules(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_module_info *mods;
	pm_dwarf_load_kernel(db->dw);    /* a kernel dump's, found when first needed */
	size_t n = pm_dwarf_modules(db->dw, &mods);
	FILE *out = db->out;
	int w = pm_addr_digits(db);
	fprintf(out, "%*s %*s %-40s %s\n", w, "BASE", w, "LIMIT", "BUILD-ID", "NAME");
	for (size_t i = 0; i < n; i++) {
		const struct pm_module_info *m = &mods[i];
		fprintf(out, "%*" PRIx64 " %*" PRIx64 " %-40s %s\n", w, m->start, w, m->end,
			m->build_id[0] ? m->build_id : "-", m->name);
		fprintf(out, "%*s file: %s\n", 2 * w + 2, "", m->file ? m->file : "(not found)");
		if (m->debug_file)
			fprintf(out, "%*s debug: %s%s\n", 2 * w + 2, "", m->debug_file,
				m->debuginfod ? " (from debuginfod)" : "");
		if (m->dwp)
			fprintf(out, "%34s dwp: %s\n", "", m->dwp);
	}
	return NULL;
}
