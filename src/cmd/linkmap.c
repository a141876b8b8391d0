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

/* In pointers: struct link_map is l_addr, l_name, l_ld, l_next, l_prev;
 * r_debug is int r_version, then struct link_map *r_map. */
#define LINK_MAP_NEXT 3
#define R_DEBUG_MAP 1

/* One program header as the process has it in memory (Elf32_Phdr or
 * Elf64_Phdr): its type, vaddr and memsz. */
static struct pm_err *read_phdr(struct pm_target *t, uint64_t at, uint32_t *type, uint64_t *vaddr,
				uint64_t *memsz)
{
	if (t->arch->ptr_size == 4) {
		Elf32_Phdr p;
		struct pm_err *err = pm_target_read(t, at, &p, sizeof(p), "program headers");
		*type = p.p_type, *vaddr = p.p_vaddr, *memsz = p.p_memsz;
		return err;
	}
	Elf64_Phdr p;
	struct pm_err *err = pm_target_read(t, at, &p, sizeof(p), "program headers");
	*type = p.p_type, *vaddr = p.p_vaddr, *memsz = p.p_memsz;
	return err;
}

/* The executable's DT_DEBUG value, or 0. */
static uint64_t dt_debug(struct pm_target *t)
{
	bool f1, f2;
	uint64_t phdr = pm_target_auxv(t, AT_PHDR, &f1), phnum = pm_target_auxv(t, AT_PHNUM, &f2);
	if (!f1 || !f2 || phnum == 0 || phnum > 256)
		return 0;
	size_t phent = t->arch->ptr_size == 4 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
	uint64_t bias = 0, dyn = 0, dynsz = 0;
	bool has_phdr = false;
	for (size_t i = 0; i < phnum; i++) {
		uint32_t type;
		uint64_t vaddr, memsz;
		struct pm_err *err = read_phdr(t, phdr + i * phent, &type, &vaddr, &memsz);
		if (err) {
			pm_err_free(err);
			return 0;
		}
		if (type == PT_PHDR) {
			bias = phdr - vaddr;
			has_phdr = true;
		} else if (type == PT_DYNAMIC) {
			dyn = vaddr;
			dynsz = memsz;
		}
	}
	return has_phdr && dyn ? pm_target_dt_debug(t, dyn + bias, dynsz) : 0;
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
		if ((err = pm_target_read_ptr(db->t, r_debug + R_DEBUG_MAP * db->t->arch->ptr_size,
					      &ws->addr, "r_debug.r_map")))
			return pm_svc_fail_err(err);
	}
	pm_walk_list_begin(ws, LINK_MAP_NEXT * db->t->arch->ptr_size, "link_map.l_next");
	return PMDB_WALK_NEXT;
}
