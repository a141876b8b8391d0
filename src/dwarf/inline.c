/* One physical frame becomes its chain of inline frames, innermost first,
 * then the function itself.  Results are cached by pc: deep recursion
 * visits the same few call sites again and again.  Source lines are
 * looked up only when asked for (d->no_lines unset): libdw decodes a
 * CU's whole line table for the first line of it, the most costly part
 * of a names-only stack. */
#include "internal.h"
#include "scopes.h"
#include "../base/util.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INLINE 16
#define CACHE_SIZE 512

struct expansion {
	uint64_t lookup_pc;
	bool valid;
	bool lines;             /* files and lines were looked up */
	int n;
	struct {
		enum pm_frame_kind kind;
		const char *func;
		uint64_t func_off;
		bool has_off;
		const char *file;
		int line;
	} f[MAX_INLINE + 1];
};


static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *n = NULL;
	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		n = dwarf_formstring(&attr);
	if (!n)
		n = dwarf_diename(die);
	return n;
}

static const char *call_file(Dwarf_Die *cu, Dwarf_Die *inl, int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word fileidx = 0, lineno = 0;
	if (!dwarf_attr(inl, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &fileidx) != 0)
		return NULL;
	if (dwarf_attr(inl, DW_AT_call_line, &attr))
		dwarf_formudata(&attr, &lineno);
	Dwarf_Files *files;
	size_t nfiles;
	if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || fileidx >= nfiles)
		return NULL;
	*line = (int)lineno;
	return dwarf_filesrc(files, fileidx, NULL, NULL);
}

static void expand(struct pm_dwarf *d, uint64_t lookup_pc, struct expansion *e)
{
	memset(e, 0, sizeof(*e));
	e->lookup_pc = lookup_pc;
	e->valid = true;
	e->lines = !d->no_lines;

	const char *file = NULL;
	int line = 0;
	if (e->lines)
		pm_dwarf_line(d, lookup_pc, &file, &line);

	Dwfl_Module *mod = dwfl_addrmodule(d->dwfl, lookup_pc);
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = mod ? dwfl_module_addrdie(mod, lookup_pc, &bias) : NULL;
	Dwarf_Die *scopes = NULL;
	int nscopes = cu ? pm_scopes_pc_only(mod, cu, lookup_pc - bias, &scopes) : 0;
	if (cu && nscopes == 0)
		nscopes = pm_scopes(mod, cu, lookup_pc - bias, &scopes);
	for (int i = 0; i < nscopes && e->n < MAX_INLINE; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram)
			break;
		if (tag != DW_TAG_inlined_subroutine)
			continue;
		Dwarf_Die origin;
		Dwarf_Attribute attr;
		Dwarf_Die *named = &scopes[i];
		if (dwarf_attr(&scopes[i], DW_AT_abstract_origin, &attr) &&
		    dwarf_formref_die(&attr, &origin))
			named = &origin;
		e->f[e->n].kind = PM_FRAME_INLINE;
		e->f[e->n].func = die_name(named);
		e->f[e->n].file = file;
		e->f[e->n].line = line;
		e->n++;
		/* the caller's position is this inlined call's site */
		int cl = 0;
		const char *cf = e->lines ? call_file(cu, &scopes[i], &cl) : NULL;
		file = cf;
		line = cl;
	}
	/* The physical frame: the ELF symbol, as mdb and eu-stack name it;
	 * the DWARF subprogram when there is no symbol. */
	struct pm_sym sym;
	int k = e->n++;
	e->f[k].kind = PM_FRAME_NORMAL;
	e->f[k].file = file;
	e->f[k].line = line;
	if (pm_sym_by_addr(d, lookup_pc, &sym)) {
		e->f[k].func = sym.name;
		e->f[k].func_off = sym.offset;
		e->f[k].has_off = true;
	} else {
		for (int i = 0; i < nscopes; i++)
			if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram) {
				e->f[k].func = die_name(&scopes[i]);
				Dwarf_Addr lo;
				if (e->f[k].func && dwarf_lowpc(&scopes[i], &lo) == 0) {
					e->f[k].func_off = lookup_pc - bias - lo;
					e->f[k].has_off = true;
				}
				break;
			}
	}
	free(scopes);
}

void pm_inline_expand(struct pm_dwarf *d, struct pm_stack *s, uint64_t pc, uint64_t lookup_pc,
		      uint64_t sp)
{
	if (!d->inline_cache)
		d->inline_cache = xcalloc(CACHE_SIZE, sizeof(struct expansion));
	struct expansion *e = &((struct expansion *)d->inline_cache)[(lookup_pc ^ (lookup_pc >> 9)) % CACHE_SIZE];
	if (!e->valid || e->lookup_pc != lookup_pc || (!d->no_lines && !e->lines))
		expand(d, lookup_pc, e);
	vec_reserve(&s->frames, &s->cap, s->nframes + (size_t)e->n, sizeof(*s->frames));
	for (int i = 0; i < e->n; i++) {
		struct pm_frame *f = &s->frames[s->nframes++];
		f->kind = e->f[i].kind;
		f->pc = pc;
		f->lookup_pc = lookup_pc;
		f->sp = sp;
		f->func = e->f[i].func;
		f->func_off = e->f[i].func_off;
		/* the offset printed is of the pc shown, as gdb and mdb do */
		if (e->f[i].has_off)
			f->func_off += pc - lookup_pc;
		f->has_off = e->f[i].has_off;
		f->file = e->f[i].file;
		f->line = e->f[i].line;
	}
}
