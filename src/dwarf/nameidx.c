/* The index of file-scope names (nameidx.h): one scan of every CU's
 * top-level DIEs keeps, per name and tag, the first DIE a CU-by-CU search
 * would find, so that a lookup through the index answers what the search
 * would.  The file: a header with the module's build-id, entries sorted
 * by name then DIE offset, then the names.  Only what a reader of an
 * untrusted cache file needs is checked: sizes and offsets. */
#include "nameidx.h"
#include "../base/util.h"

#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "PMDBNIX1"
#define MAX_ID 64
#define DECL_FLAG 1

struct header {
	char magic[8];
	uint32_t idlen, nentries;
	unsigned char id[MAX_ID];
	uint64_t strsize;
};

struct entry {
	uint32_t name;       /* offset in the names */
	uint16_t tag, flags;
	uint64_t die;
};

struct pm_nameidx {
	void *map;
	size_t size;
	const struct entry *e;
	uint32_t n;
	const char *strs;
	uint64_t strsize;
};

/* ---- building ---- */

/* The kinds a name is kept for: a bit each. */
static int kind_bit(int tag, bool decl)
{
	switch (tag) {
	case DW_TAG_typedef: return 0;
	case DW_TAG_base_type: return 1;
	case DW_TAG_structure_type: return 2;
	case DW_TAG_class_type: return 3;
	case DW_TAG_union_type: return 4;
	case DW_TAG_enumeration_type: return 5;
	case DW_TAG_unspecified_type: return 6;
	case DW_TAG_variable: return decl ? 8 : 7;
	default: return -1;
	}
}

struct slot {
	const char *name;    /* libdw's string, alive while the module is */
	uint32_t str;
	uint16_t seen;       /* kind bits already indexed */
};

struct builder {
	struct slot *slots;
	size_t cap, used;
	struct entry *e;
	size_t n, ecap;
	char *strs;
	size_t strsize, strcap;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;      /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct slot *slot_for(struct builder *b, const char *name);

static void grow(struct builder *b)
{
	struct slot *old = b->slots;
	size_t oldcap = b->cap;
	b->cap = oldcap ? oldcap * 2 : 1 << 16;
	b->slots = xcalloc(b->cap, sizeof(*b->slots));
	b->used = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].name)
			*slot_for(b, old[i].name) = old[i];
	free(old);
}

static struct slot *slot_for(struct builder *b, const char *name)
{
	if ((b->used + 1) * 2 > b->cap)
		grow(b);
	size_t i = hash(name) & (b->cap - 1);
	while (b->slots[i].name && strcmp(b->slots[i].name, name) != 0)
		i = (i + 1) & (b->cap - 1);
	if (!b->slots[i].name) {
		size_t len = strlen(name) + 1;
		vec_reserve(&b->strs, &b->strcap, b->strsize + len, 1);
		memcpy(b->strs + b->strsize, name, len);
		b->slots[i] = (struct slot){ name, (uint32_t)b->strsize, 0 };
		b->strsize += len;
		b->used++;
	}
	return &b->slots[i];
}

static bool is_declaration(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	bool flag = false;
	return dwarf_attr(die, DW_AT_declaration, &a) && dwarf_formflag(&a, &flag) == 0 && flag;
}

static void add_die(struct builder *b, Dwarf_Die *die)
{
	int tag = dwarf_tag(die);
	if (kind_bit(tag, false) < 0)
		return;
	const char *name = dwarf_diename(die);
	if (!name)
		return;
	bool decl = false;
	if (tag == DW_TAG_variable) {
		if (!dwarf_hasattr(die, DW_AT_location)) {
			if (!is_declaration(die) || !dwarf_hasattr(die, DW_AT_type))
				return;
			decl = true;
		}
	} else if (is_declaration(die)) {
		return;
	}
	struct slot *s = slot_for(b, name);
	int bit = kind_bit(tag, decl);
	if (s->seen & (1u << bit))
		return;
	s->seen |= (uint16_t)(1u << bit);
	vec_reserve(&b->e, &b->ecap, b->n + 1, sizeof(*b->e));
	b->e[b->n++] = (struct entry){ s->str, (uint16_t)tag, decl ? DECL_FLAG : 0,
				       dwarf_dieoffset(die) };
}

static const char *sort_strs;

static int by_name(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(sort_strs + x->name, sort_strs + y->name);
	return c ? c : x->die < y->die ? -1 : x->die > y->die;
}

struct pm_err *pm_nameidx_write(Dwfl_Module *mod, const unsigned char *id, int idlen, int fd)
{
	struct builder b = { 0 };
	Dwarf_Addr bias;
	Dwarf_Die *cu = NULL;
	while ((cu = dwfl_module_nextcu(mod, cu, &bias)) != NULL) {
		Dwarf_Die c;
		if (dwarf_child(cu, &c) == 0) {
			do
				add_die(&b, &c);
			while (dwarf_siblingof(&c, &c) == 0);
		}
	}
	struct pm_err *err = NULL;
	if (b.n > UINT32_MAX || b.strsize > UINT32_MAX || idlen < 0 || idlen > MAX_ID) {
		err = pm_err_new(PM_ERR_FORMAT, "too many names to index");
	} else {
		sort_strs = b.strs;
		qsort(b.e, b.n, sizeof(*b.e), by_name);
		struct header h = { .idlen = (uint32_t)idlen, .nentries = (uint32_t)b.n,
				    .strsize = b.strsize };
		memcpy(h.magic, MAGIC, sizeof(h.magic));
		memcpy(h.id, id, (size_t)idlen);
		if (!pm_write_all(fd, &h, sizeof(h)) || !pm_write_all(fd, b.e, b.n * sizeof(*b.e)) ||
		    !pm_write_all(fd, b.strs, b.strsize))
			err = pm_err_new(PM_ERR_IO, "writing the name index: %s", strerror(errno));
	}
	free(b.slots);
	free(b.e);
	free(b.strs);
	return err;
}

/* ---- reading ---- */

static bool header_ok(const struct header *h, uint64_t size)
{
	return memcmp(h->magic, MAGIC, sizeof(h->magic)) == 0 && h->idlen <= MAX_ID &&
	       h->strsize > 0 && size >= sizeof(*h) &&
	       (size - sizeof(*h)) / sizeof(struct entry) >= h->nentries &&
	       size - sizeof(*h) - (uint64_t)h->nentries * sizeof(struct entry) == h->strsize;
}

bool pm_nameidx_check(int fd, const unsigned char *id, int idlen)
{
	struct header h;
	struct stat st;
	return fstat(fd, &st) == 0 && pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
	       header_ok(&h, (uint64_t)st.st_size) && (int)h.idlen == idlen &&
	       memcmp(h.id, id, (size_t)idlen) == 0;
}

struct pm_nameidx *pm_nameidx_open(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < sizeof(struct header))
		return NULL;
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return NULL;
	const struct header *h = map;
	if (!header_ok(h, (uint64_t)st.st_size)) {
		munmap(map, (size_t)st.st_size);
		return NULL;
	}
	struct pm_nameidx *x = xcalloc(1, sizeof(*x));
	x->map = map;
	x->size = (size_t)st.st_size;
	x->e = (const struct entry *)(h + 1);
	x->n = h->nentries;
	x->strs = (const char *)(x->e + x->n);
	x->strsize = h->strsize;
	return x;
}

void pm_nameidx_close(struct pm_nameidx *x)
{
	if (!x)
		return;
	munmap(x->map, x->size);
	free(x);
}

/* The name of entry i; "" for an offset outside the names or a name
 * that does not end inside them. */
static const char *name_at(const struct pm_nameidx *x, uint32_t i)
{
	uint64_t off = x->e[i].name;
	if (off >= x->strsize || !memchr(x->strs + off, 0, (size_t)(x->strsize - off)))
		return "";
	return x->strs + off;
}

bool pm_nameidx_first(const struct pm_nameidx *x, const char *name, const int *tags, bool decl,
		      uint64_t *die)
{
	uint32_t lo = 0, hi = x->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (strcmp(name_at(x, mid), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the entries of NAME, in .debug_info order: the first wanted one */
	for (uint32_t i = lo; i < x->n && strcmp(name_at(x, i), name) == 0; i++) {
		if ((x->e[i].flags & DECL_FLAG) != (decl ? DECL_FLAG : 0))
			continue;
		for (const int *t = tags; *t; t++)
			if (x->e[i].tag == *t) {
				*die = x->e[i].die;
				return true;
			}
	}
	return false;
}
