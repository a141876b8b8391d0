/* Symbols by name for expressions (`printf`, `libc.so.6`malloc`): one
 * sorted index of every module's symbols, built on the first lookup of a
 * session, so that a lookup is a binary search and not a walk of every
 * symbol table (a script or a count repeating a name looked each one up
 * from scratch: 34,000 lookups took 16 s). */
#include "internal.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	const char *name;       /* libdwfl's, valid while the session is open */
	uint64_t addr;
	uint32_t mod, idx;      /* the module's place in libdwfl's order, the symbol's in its table */
	uint8_t rank;           /* 2: a function or object, 1: anything else defined */
};

struct pm_symnames {
	struct entry *v;
	size_t n, cap;
	const char **modnames;
	size_t nmods, mods_cap;
};

static int add_module(Dwfl_Module *mod, void **ud, const char *mname, Dwarf_Addr start, void *arg)
{
	(void)ud;
	(void)start;
	struct pm_symnames *s = arg;
	uint32_t m = (uint32_t)s->nmods;
	vec_reserve(&s->modnames, &s->mods_cap, s->nmods + 1, sizeof(*s->modnames));
	s->modnames[s->nmods++] = mname;
	int n = dwfl_module_getsymtab(mod);
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, NULL, NULL, NULL);
		if (!name || !*name || sym.st_shndx == SHN_UNDEF)
			continue;
		unsigned type = GELF_ST_TYPE(sym.st_info);
		vec_reserve(&s->v, &s->cap, s->n + 1, sizeof(*s->v));
		s->v[s->n++] = (struct entry){ name, addr, m, (uint32_t)i,
			(uint8_t)(type == STT_FUNC || type == STT_OBJECT || type == STT_GNU_IFUNC ? 2 : 1) };
	}
	return DWARF_CB_OK;
}

static int by_name(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->mod != y->mod)
		return x->mod < y->mod ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static struct pm_symnames *build(struct pm_dwarf *d)
{
	struct pm_symnames *s = xcalloc(1, sizeof(*s));
	dwfl_getmodules(d->dwfl, add_module, s, 0);
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), by_name);
	return s;
}

void pm_symnames_free(struct pm_symnames *s)
{
	if (!s)
		return;
	free(s->v);
	free(s->modnames);
	free(s);
}

bool pm_symnames_lookup(struct pm_dwarf *d, const char *module, const char *name, uint64_t *addr)
{
	if (!d->symnames)
		d->symnames = build(d);
	struct pm_symnames *s = d->symnames;
	size_t len = strlen(name), lo = 0, hi = s->n;
	while (lo < hi) {        /* the first name not below NAME: where its prefix range starts */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* NAME itself, or a versioned NAME@VER / NAME@@VER; the best rank, then
	 * the first module in libdwfl's order, then the first in its table */
	const struct entry *best = NULL;
	for (size_t i = lo; i < s->n && strncmp(s->v[i].name, name, len) == 0; i++) {
		const struct entry *e = &s->v[i];
		if ((e->name[len] != 0 && e->name[len] != '@') ||
		    (module && !pm_module_matches(s->modnames[e->mod], module)))
			continue;
		if (!best || e->rank > best->rank ||
		    (e->rank == best->rank && (e->mod < best->mod || (e->mod == best->mod && e->idx < best->idx))))
			best = e;
	}
	if (best)
		*addr = best->addr;
	return best != NULL;
}
