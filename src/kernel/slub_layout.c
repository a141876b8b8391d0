/* SLUB's structures: their layouts, one slab's counters, a CPU's
 * kmem_cache_cpu, and the walk of a freelist (free pointers obfuscated
 * under CONFIG_SLAB_FREELIST_HARDENED). */
#include "slub_layout.h"
#include "ktypes.h"

#include <byteswap.h>
#include <inttypes.h>
#include <string.h>

struct lookup {
	struct pm_target *t;
	const char *missing;       /* the first member not found */
};

static uint64_t member(struct lookup *lk, const char *type, const char *name, uint64_t *size)
{
	uint64_t off = 0;
	if (!pm_ktype_member(lk->t, type, name, &off, size) && !lk->missing)
		lk->missing = name;
	return off;
}

struct pm_err *pm_slub_layout(struct pm_target *t, struct pm_slub_layout *l)
{
	struct lookup lk = { t, NULL };
	uint64_t node_size = 0;
	memset(l, 0, sizeof(*l));
	if (!pm_ktype_size(t, "kmem_cache") || !pm_ktype_size(t, "kmem_cache_cpu"))
		return pm_err_new(PM_ERR_LOOKUP, "the dump's types have no SLUB kmem_cache (a SLAB or SLOB "
				  "kernel, or no BTF): slab caches are unknown");
	l->c_list = member(&lk, "kmem_cache", "list", NULL);
	l->c_name = member(&lk, "kmem_cache", "name", NULL);
	l->c_object_size = member(&lk, "kmem_cache", "object_size", &l->sz_object_size);
	l->c_size = member(&lk, "kmem_cache", "size", &l->sz_size);
	l->c_offset = member(&lk, "kmem_cache", "offset", &l->sz_offset);
	l->c_oo = member(&lk, "kmem_cache", "oo", NULL);
	l->c_cpu_slab = member(&lk, "kmem_cache", "cpu_slab", NULL);
	l->c_node = member(&lk, "kmem_cache", "node", &node_size);
	l->c_flags = member(&lk, "kmem_cache", "flags", &l->sz_flags);
	l->cc_freelist = member(&lk, "kmem_cache_cpu", "freelist", NULL);
	l->n_nr_partial = member(&lk, "kmem_cache_node", "nr_partial", NULL);
	l->n_partial = member(&lk, "kmem_cache_node", "partial", NULL);
	/* struct slab since 5.17; before, the same members in struct page */
	const char *slab = pm_ktype_size(t, "slab") ? "slab" : "page";
	if (!pm_ktype_member(t, "kmem_cache_cpu", "slab", &l->cc_slab, NULL))
		l->cc_slab = member(&lk, "kmem_cache_cpu", "page", NULL);
	l->s_cache = member(&lk, slab, "slab_cache", NULL);
	l->s_list = member(&lk, slab, "slab_list", NULL);
	l->s_freelist = member(&lk, slab, "freelist", NULL);
	if (!pm_ktype_bits(t, slab, "inuse", &l->inuse_bit, &l->inuse_width) ||
	    !pm_ktype_bits(t, slab, "objects", &l->objects_bit, &l->objects_width))
		lk.missing = lk.missing ? lk.missing : "inuse/objects";
	if (lk.missing)
		return pm_err_new(PM_ERR_LOOKUP, "the dump's SLUB structures lack '%s'", lk.missing);
	if (l->sz_object_size > 8 || l->sz_size > 8 || l->sz_offset > 8 || l->sz_flags > 8 ||
	    l->inuse_width > 32 || l->objects_width > 32)
		return pm_err_new(PM_ERR_FORMAT, "the dump's SLUB structures have unexpected member sizes");
	l->node_slots = (unsigned)(node_size / 8);
	if (l->node_slots > 1024)
		l->node_slots = 1024;
	/* without CONFIG_SLUB_DEBUG the nodes do not count slabs and objects */
	if (!pm_ktype_member(t, "kmem_cache_node", "nr_slabs", &l->n_nr_slabs, NULL) ||
	    !pm_ktype_member(t, "kmem_cache_node", "total_objects", &l->n_total_objects, NULL))
		return pm_err_new(PM_ERR_LOOKUP, "kmem_cache_node has no nr_slabs/total_objects: the kernel "
				  "was built without CONFIG_SLUB_DEBUG, so slabs are not counted");
	l->has_random = pm_ktype_member(t, "kmem_cache", "random", &l->c_random, NULL);
	l->has_red_left_pad = pm_ktype_member(t, "kmem_cache", "red_left_pad", &l->c_red_left_pad,
					      &l->sz_red_left_pad) && l->sz_red_left_pad <= 8;
	l->has_cpu_partial = pm_ktype_member(t, "kmem_cache_cpu", "partial", &l->cc_partial, NULL) &&
			     pm_ktype_member(t, slab, "next", &l->s_next, NULL);
	return NULL;
}

static uint64_t bits(struct pm_target *t, uint64_t addr, uint64_t bit, unsigned width, bool *ok)
{
	uint64_t v = pm_kmem_rd(t, addr + bit / 8, 8, ok) >> (bit % 8);
	return width >= 64 ? v : v & ((1ull << width) - 1);
}

struct pm_err *pm_slab_read(struct pm_target *t, const struct pm_kmem *m,
			    const struct pm_slub_layout *l, uint64_t slab, struct pm_slab *s)
{
	bool ok = true;
	if (!pm_kmem_is_page(m, slab))
		return pm_err_new(PM_ERR_FORMAT, "0x%" PRIx64 " is not a struct slab (outside the page array)", slab);
	s->addr = slab;
	s->mem = m->page_offset + pm_kmem_page_pfn(m, slab) * PM_KMEM_PAGE;
	s->freelist = pm_kmem_rd(t, slab + l->s_freelist, 8, &ok);
	s->inuse = (unsigned)bits(t, slab, l->inuse_bit, l->inuse_width, &ok);
	s->objects = (unsigned)bits(t, slab, l->objects_bit, l->objects_width, &ok);
	if (!ok)
		return pm_err_fault(slab, "struct slab");
	if (s->inuse > s->objects)
		return pm_err_new(PM_ERR_FORMAT, "slab 0x%" PRIx64 ": %u objects in use of %u", slab,
				  s->inuse, s->objects);
	return NULL;
}

bool pm_slub_cpu_read(struct pm_target *t, const struct pm_slub_layout *l,
		      const struct pm_slub_cache *c, uint64_t percpu, struct pm_slub_cpu *out)
{
	bool ok = true;
	uint64_t cpu = c->cpu_slab + percpu;
	memset(out, 0, sizeof(*out));
	out->slab = pm_kmem_rd(t, cpu + l->cc_slab, 8, &ok);
	out->freelist = pm_kmem_rd(t, cpu + l->cc_freelist, 8, &ok);
	if (l->has_cpu_partial)
		out->partial = pm_kmem_rd(t, cpu + l->cc_partial, 8, &ok);
	return ok;
}

/* Is p a free-pointer target in slab s: the start of one of its objects? */
static bool in_slab(const struct pm_slub_cache *c, const struct pm_slab *s, uint64_t p)
{
	uint64_t first = s->mem + c->red_left_pad;
	return p >= first && (p - first) % c->size == 0 && (p - first) / c->size < s->objects;
}

/* The next free object after q: the free pointer inside q, stored as
 * ptr ^ random ^ swab(its own address) when hardened (before Linux 5.7
 * without the swab; the one that lands in the slab is right). */
static struct pm_err *next_free(struct pm_target *t, const struct pm_slub_cache *c,
				const struct pm_slab *s, uint64_t q, uint64_t *next)
{
	bool ok = true;
	uint64_t at = q + c->offset;
	uint64_t v = pm_kmem_rd(t, at, 8, &ok);
	if (!ok)
		return pm_err_fault(at, "a slab free pointer");
	if (c->hardened) {
		uint64_t swabbed = v ^ c->random ^ bswap_64(at), plain = v ^ c->random ^ at;
		v = swabbed && !in_slab(c, s, swabbed) && (!plain || in_slab(c, s, plain)) ? plain : swabbed;
	}
	if (v && !in_slab(c, s, v))
		return pm_err_new(PM_ERR_FORMAT, "%s: slab 0x%" PRIx64 ": free object 0x%" PRIx64
				  " points to 0x%" PRIx64 ", not an object of the slab", c->name, s->addr, q, v);
	*next = v;
	return NULL;
}

struct pm_err *pm_slub_freelist(struct pm_target *t, const struct pm_slub_cache *c,
				const struct pm_slab *s, uint64_t head, uint64_t want,
				unsigned *count, bool *found)
{
	*count = 0;
	*found = false;
	if (head && !in_slab(c, s, head))
		return pm_err_new(PM_ERR_FORMAT, "%s: slab 0x%" PRIx64 ": freelist 0x%" PRIx64
				  " is not an object of the slab", c->name, s->addr, head);
	/* every pointer lands on one of the slab's objects: a list longer
	 * than the slab has come back on itself */
	for (uint64_t q = head; q;) {
		if (++*count > s->objects)
			return pm_err_new(PM_ERR_FORMAT, "%s: slab 0x%" PRIx64 ": the freelist loops",
					  c->name, s->addr);
		if (q == want)
			*found = true;
		struct pm_err *err = next_free(t, c, s, q, &q);
		if (err)
			return err;
	}
	return NULL;
}
