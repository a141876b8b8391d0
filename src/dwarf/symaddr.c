/* Symbols by address without a walk of the whole symbol table.
 *
 * libdwfl 0.188's dwfl_module_addrinfo reads every symbol of the module
 * for each lookup (about 4 million instructions for ceph-mon's 34,000
 * symbols: most of a names-only stack's time).  pmdb keeps, per module,
 * the symbols libdwfl would consider, sorted by address, and gives
 * libdwfl's answer whenever a symbol with a size holds the address:
 *
 * libdwfl looks at the global symbols first (table order), then, if none
 * fits, at the locals.  Among the sized symbols holding the address it
 * keeps, in table order, one that starts later or binds more strongly
 * (global > weak > local), or starts at the same place and is smaller
 * without binding less strongly, or is no larger and binds more
 * strongly.  A symbol without a size is only a fall-back, taken when no
 * sized one holds the address; and a global one at exactly the address
 * keeps libdwfl from the locals.  Those cases, and ARM (whose Thumb bit
 * libdwfl 0.188 handles its own way), are left to libdwfl itself. */
#include "internal.h"
#include "../base/util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct cand {
	const char *name;
	uint64_t value, size;   /* value: libdwfl's (biased) address */
	uint32_t idx;           /* in libdwfl's table order */
	uint8_t bind;           /* 3 global, 2 weak, 1 local, 0 other (libdwfl's ranking) */
};

struct symaddr_mod {
	Dwfl_Module *mod;
	struct cand *sized;     /* by value */
	uint64_t *max_end;      /* max_end[k]: the largest value + size of sized[0..k] */
	size_t nsized;
	uint64_t *sizeless_globals;   /* their values, sorted */
	size_t nsizeless_globals;
	int first_global;
	bool usable;
};

struct pm_symaddr {
	struct symaddr_mod *v;
	size_t n, cap;
};

static uint8_t bind_rank(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL: return 3;
	case STB_WEAK: return 2;
	case STB_LOCAL: return 1;
	default: return 0;
	}
}

/* Sorted by value with a radix sort, a byte at a time from the lowest
 * (qsort's compare calls were half the cost of a names-only stack's
 * symbols); passes where every value has the same byte are skipped. */
static void sort_by_value(struct cand *v, size_t n)
{
	struct cand *tmp = xmalloc(n * sizeof(*tmp));
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[257] = { 0 };
		for (size_t i = 0; i < n; i++)
			count[((v[i].value >> shift) & 0xff) + 1]++;
		if (count[((v[0].value >> shift) & 0xff) + 1] == n)
			continue;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			tmp[count[(v[i].value >> shift) & 0xff]++] = v[i];
		memcpy(v, tmp, n * sizeof(*v));
	}
	free(tmp);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void build(struct symaddr_mod *m)
{
	int n = dwfl_module_getsymtab(m->mod);
	m->first_global = dwfl_module_getsymtab_first_global(m->mod);
	if (n < 0 || m->first_global < 0)
		return;
	size_t cap = 0, gcap = 0;
	int globals_from = m->first_global == 0 ? 1 : m->first_global;
	for (int i = 1; i < n; i++) {
		GElf_Sym s;
		GElf_Addr value;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(m->mod, i, &s, &value, &shndx, NULL, NULL);
		unsigned type = GELF_ST_TYPE(s.st_info);
		if (!name || !*name || s.st_shndx == SHN_UNDEF || type == STT_SECTION ||
		    type == STT_FILE || type == STT_TLS)
			continue;
		if (s.st_size == 0) {
			if (i >= globals_from) {
				vec_reserve(&m->sizeless_globals, &gcap, m->nsizeless_globals + 1,
					    sizeof(*m->sizeless_globals));
				m->sizeless_globals[m->nsizeless_globals++] = value;
			}
			continue;
		}
		vec_reserve(&m->sized, &cap, m->nsized + 1, sizeof(*m->sized));
		m->sized[m->nsized++] = (struct cand){ name, value, s.st_size, (uint32_t)i,
						       bind_rank(s.st_info) };
	}
	if (m->nsized)
		sort_by_value(m->sized, m->nsized);
	if (m->nsizeless_globals)
		qsort(m->sizeless_globals, m->nsizeless_globals, sizeof(uint64_t), u64_cmp);
	m->max_end = xmalloc((m->nsized + 1) * sizeof(*m->max_end));
	uint64_t end = 0;
	for (size_t k = 0; k < m->nsized; k++) {
		uint64_t e = m->sized[k].value + m->sized[k].size;
		if (e < m->sized[k].value)      /* a size past the address space */
			e = UINT64_MAX;
		end = e > end ? e : end;
		m->max_end[k] = end;
	}
	m->usable = true;
}

static struct symaddr_mod *module_index(struct pm_dwarf *d, Dwfl_Module *mod)
{
	if (!d->symaddr)
		d->symaddr = xcalloc(1, sizeof(*d->symaddr));
	struct pm_symaddr *s = d->symaddr;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].mod == mod)
			return &s->v[i];
	vec_reserve(&s->v, &s->cap, s->n + 1, sizeof(*s->v));
	struct symaddr_mod *m = &s->v[s->n++];
	memset(m, 0, sizeof(*m));
	m->mod = mod;
	build(m);
	return m;
}

/* Whether c takes the place of best, as libdwfl decides for two sized
 * symbols holding the address. */
static bool better(const struct cand *c, const struct cand *best)
{
	if (!best || best->value < c->value || best->bind < c->bind)
		return true;
	return best->value == c->value &&
	       ((best->size > c->size && best->bind <= c->bind) ||
		(best->size >= c->size && best->bind < c->bind));
}

static int by_idx(const void *a, const void *b)
{
	const struct cand *x = *(const struct cand *const *)a, *y = *(const struct cand *const *)b;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

#define MAX_HOLDERS 256

/* libdwfl's pick among the sized symbols holding addr whose table index
 * is in [from, to): they are compared in table order.  NULL, and *many
 * set, when there are more than MAX_HOLDERS (libdwfl is then asked). */
static const struct cand *pick(const struct symaddr_mod *m, uint64_t addr, uint32_t from,
			       uint32_t to, bool *many)
{
	/* past the last symbol starting at or below addr */
	size_t lo = pm_count_le(m->sized, m->nsized, sizeof(*m->sized), offsetof(struct cand, value),
				addr);
	const struct cand *held[MAX_HOLDERS];
	size_t n = 0;
	for (size_t k = lo; k-- > 0 && m->max_end[k] > addr;) {
		const struct cand *c = &m->sized[k];
		if (c->idx < from || c->idx >= to || addr - c->value >= c->size)
			continue;
		if (n == MAX_HOLDERS) {
			*many = true;
			return NULL;
		}
		held[n++] = c;
	}
	if (n > 1)
		qsort(held, n, sizeof(*held), by_idx);
	const struct cand *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (better(held[i], best))
			best = held[i];
	return best;
}

static bool sizeless_global_at(const struct symaddr_mod *m, uint64_t addr)
{
	return m->nsizeless_globals && bsearch(&addr, m->sizeless_globals, m->nsizeless_globals, sizeof(uint64_t),
		       u64_cmp) != NULL;
}

bool pm_symaddr_lookup(struct pm_dwarf *d, Dwfl_Module *mod, uint64_t addr, const char **name,
		       uint64_t *value, uint64_t *size)
{
	if (d->t->arch->code_addr_tag)
		return false;
	const struct symaddr_mod *m = module_index(d, mod);
	if (!m->usable)
		return false;
	uint32_t globals_from = m->first_global == 0 ? 1 : (uint32_t)m->first_global;
	bool many = false;
	const struct cand *c = pick(m, addr, globals_from, UINT32_MAX, &many);
	if (!c && !many && m->first_global > 1 && !sizeless_global_at(m, addr))
		c = pick(m, addr, 1, (uint32_t)m->first_global, &many);
	if (!c)
		return false;
	*name = c->name;
	*value = c->value;
	*size = c->size;
	return true;
}

void pm_symaddr_free(struct pm_symaddr *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].sized);
		free(s->v[i].max_end);
		free(s->v[i].sizeless_globals);
	}
	free(s->v);
	free(s);
}
