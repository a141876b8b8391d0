/* The link_map walker: glibc's list of loaded objects, read from target
 * memory.  The list head is r_debug.r_map; r_debug is found through the
 * executable's DT_DEBUG entry (its dynamic section located through the
 * auxiliary vector's AT_PHDR), else through ld.so's _r_debug symbol. */
#include "cmds.h"
#include "registry.h"
#include "../base/util.h"

#include <elf.h>
#include <inttypes.h>
#include <stdlib.h>

/* struct link_map: l_addr, l_name, l_ld, l_next, l_prev (LP64) */
#define LINK_MAP_NEXT 24
#define R_DEBUG_MAP 8      /* int r_version, then struct link_map *r_map */

/* The executable's DT_DEBUG value, or 0. */
static uint64_t dt_debug(struct pm_target *t)
{
	bool f1, f2;
	uint64_t phdr = pm_target_auxv(t, AT_PHDR, &f1), phnum = pm_target_auxv(t, AT_PHNUM, &f2);
	if (!f1 || !f2 || phnum == 0 || phnum > 256)
		return 0;
	Elf64_Phdr *ph = xcalloc(phnum, sizeof(*ph));
	uint64_t r = 0;
	struct pm_err *err = pm_target_read(t, phdr, ph, phnum * sizeof(*ph), "program headers");
	if (err)
		goto out;
	uint64_t bias = 0, dyn = 0, dynsz = 0;
	bool has_phdr = false;
	for (size_t i = 0; i < phnum; i++) {
		if (ph[i].p_type == PT_PHDR) {
			bias = phdr - ph[i].p_vaddr;
			has_phdr = true;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = ph[i].p_vaddr;
			dynsz = ph[i].p_memsz;
		}
	}
	if (!has_phdr || !dyn)
		goto out;
	for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= dynsz; off += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;
		if ((err = pm_target_read(t, dyn + bias + off, &d, sizeof(d), "dynamic section")) ||
		    d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_DEBUG) {
			r = d.d_un.d_ptr;
			break;
		}
	}
out:
	pm_err_free(err);
	free(ph);
	return r;
}

int pm_walk_link_map_init(pmdb_ctx *ctx, struct pmdb_walk_state *ws)
{
	struct pmdb *db = pm_db(ctx);
	if (!ws->has_addr) {
		uint64_t r_debug = dt_debug(db->t);
		struct pm_err *err = NULL;
		if (!r_debug && db->dw && (err = pm_sym_by_name(db->dw, "_r_debug", &r_debug))) {
			pm_err_free(err);   /* replaced by the message below */
			r_debug = 0;
		}
		if (!r_debug)
			return pm_svc_fail_err(pm_err_new(PM_ERR_LOOKUP,
				"walker link_map: no r_debug (neither DT_DEBUG in the executable nor a _r_debug symbol): is it static?"));
		if ((err = pm_target_read_u64(db->t, r_debug + R_DEBUG_MAP, &ws->addr, "r_debug.r_map")))
			return pm_svc_fail_err(err);
	}
	pm_walk_list_begin(ws, LINK_MAP_NEXT, "link_map.l_next");
	return PMDB_WALK_NEXT;
}
