/* SLUB caches and their object counts (see slub.h).  The counting is
 * the one /proc/slabinfo and crash's `kmem -s` do: totals from each
 * node's counters, free objects found in the slabs that have some. */
#include "slub_layout.h"
#include "kernel.h"
#include "../base/addrset.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CACHES 100000u
#define MAX_PARTIAL (1u << 24)     /* slabs on one partial list */
#define SLAB_RED_ZONE 0x400u
#define OO_SHIFT 16                /* kmem_cache.oo: order << 16 | objects */

static struct pm_err *read_cache(struct pm_target *t, const struct pm_slub_layout *l, uint64_t a,
				 struct pm_slub_cache *c)
{
	bool ok = true;
	memset(c, 0, sizeof(*c));
	c->addr = a;
	uint64_t name = pm_kmem_rd(t, a + l->c_name, 8, &ok);
	c->object_size = (uint32_t)pm_kmem_rd(t, a + l->c_object_size, (unsigned)l->sz_object_size, &ok);
	c->size = (uint32_t)pm_kmem_rd(t, a + l->c_size, (unsigned)l->sz_size, &ok);
	c->offset = (uint32_t)pm_kmem_rd(t, a + l->c_offset, (unsigned)l->sz_offset, &ok);
	uint32_t oo = (uint32_t)pm_kmem_rd(t, a + l->c_oo, 4, &ok);
	c->cpu_slab = pm_kmem_rd(t, a + l->c_cpu_slab, 8, &ok);
	uint64_t flags = pm_kmem_rd(t, a + l->c_flags, (unsigned)l->sz_flags, &ok);
	if (l->has_random) {
		c->random = pm_kmem_rd(t, a + l->c_random, 8, &ok);
		c->hardened = true;
	}
	if (l->has_red_left_pad && (flags & SLAB_RED_ZONE))
		c->red_left_pad = (uint32_t)pm_kmem_rd(t, a + l->c_red_left_pad, (unsigned)l->sz_red_left_pad, &ok);
	if (!ok)
		return pm_err_fault(a, "struct kmem_cache");
	size_t got = pm_memmap_read_partial(&t->mem, name, c->name, sizeof(c->name) - 1);
	c->name[got] = 0;
	if (!got)
		strcpy(c->name, "(unknown)");
	c->objects = oo & ((1u << OO_SHIFT) - 1);
	unsigned order = oo >> OO_SHIFT;
	c->slab_bytes = order < 20 ? PM_KMEM_PAGE << order : 0;
	if (!c->size || !c->objects || !c->slab_bytes || c->offset > c->size - 8 || c->size < 8 ||
	    (uint64_t)c->objects * c->size > c->slab_bytes || c->red_left_pad >= c->size)
		return pm_err_new(PM_ERR_FORMAT, "kmem_cache 0x%" PRIx64 " (%s): implausible size %u, "
				  "offset %u, %u objects of order %u", a, c->name, c->size, c->offset,
				  c->objects, order);
	return NULL;
}

static struct pm_err *read_caches(struct pm_target *t, struct pm_slub_cache **out, size_t *n)
{
	struct pm_slub_layout l;
	struct pm_err *err = pm_slub_layout(t, &l);
	if (err)
		return err;
	uint64_t head = pm_kernel_data_symbol(t, "slab_caches");
	if (!head) {
		char why[256];
		pm_kernel_data_why(t, "slab_caches", why, sizeof(why));
		return pm_err_new(PM_ERR_LOOKUP, "no slab_caches symbol: %s", why);
	}
	struct pm_slub_cache *v = NULL;
	size_t cap = 0;
	struct pm_addrset seen = { 0 };
	bool ok = true;
	*n = 0;
	for (uint64_t node = pm_kmem_rd(t, head, 8, &ok); ok && node != head;
	     node = pm_kmem_rd(t, node, 8, &ok)) {
		if (!pm_addrset_add(&seen, node) || *n >= MAX_CACHES) {
			pm_warn("the slab_caches list loops back after %zu caches", *n);
			break;
		}
		vec_reserve(&v, &cap, *n + 1, sizeof(*v));
		err = read_cache(t, &l, node - l.c_list, &v[*n]);
		if (err) {
			pm_warn("%s", err->msg);
			pm_err_free(err);
			continue;
		}
		++*n;
	}
	if (!ok)
		pm_warn("the slab_caches list is broken after %zu caches (unreadable memory)", *n);
	pm_addrset_free(&seen);
	*out = v;
	return NULL;
}

struct pm_err *pm_slub_caches(struct pm_target *t, struct pm_slub_cache **out, size_t *n)
{
	const struct pm_kmem *cm;
	struct pm_err *err = pm_kmem(t, &cm);
	if (err)
		return err;
	struct pm_kmem *m = (struct pm_kmem *)cm;    /* the cache of caches is kmem's to keep */
	if (!m->caches_read) {
		if ((err = read_caches(t, &m->caches, &m->ncaches)))
			return err;
		m->caches_read = true;
	}
	*n = m->ncaches;
	*out = xmalloc((m->ncaches ? m->ncaches : 1) * sizeof(**out));
	if (m->ncaches)
		memcpy(*out, m->caches, m->ncaches * sizeof(**out));
	return NULL;
}

/* Free objects of the slabs on a list: objects - inuse of each. */
struct counter {
	struct pm_target *t;
	const struct pm_kmem *m;
	const struct pm_slub_layout *l;
	const struct pm_slub_cache *c;
	uint64_t free;
};

static struct pm_err *count_slab(struct counter *k, uint64_t slab)
{
	struct pm_slab s;
	struct pm_err *err = pm_slab_read(k->t, k->m, k->l, slab, &s);
	if (!err)
		k->free += s.objects - s.inuse;
	return err;
}

/* A node's partial list: list_heads at slab_list in each struct slab. */
static struct pm_err *count_partial(struct counter *k, uint64_t node)
{
	uint64_t head = node + k->l->n_partial;
	struct pm_addrset seen = { 0 };
	struct pm_err *err = NULL;
	bool ok = true;
	for (uint64_t e = pm_kmem_rd(k->t, head, 8, &ok); ok && !err && e != head;
	     e = pm_kmem_rd(k->t, e, 8, &ok)) {
		if (!pm_addrset_add(&seen, e) || seen.n > MAX_PARTIAL)
			err = pm_err_new(PM_ERR_FORMAT, "%s: the partial list of node 0x%" PRIx64 " loops",
					 k->c->name, node);
		else
			err = count_slab(k, e - k->l->s_list);
	}
	pm_addrset_free(&seen);
	if (!err && !ok)
		err = pm_err_fault(head, "a kmem_cache_node partial list");
	return err;
}

/* A CPU's slab (its lockless freelist too) and its partial slabs,
 * linked by slab.next. */
static struct pm_err *count_cpu(struct counter *k, uint64_t percpu)
{
	struct pm_slub_cpu cpu;
	if (!pm_slub_cpu_read(k->t, k->l, k->c, percpu, &cpu))
		return pm_err_fault(k->c->cpu_slab + percpu, "struct kmem_cache_cpu");
	struct pm_err *err = NULL;
	if (cpu.slab) {
		struct pm_slab s;
		unsigned n;
		bool unused;
		if ((err = pm_slab_read(k->t, k->m, k->l, cpu.slab, &s)) ||
		    (err = pm_slub_freelist(k->t, k->c, &s, cpu.freelist, 0, &n, &unused)))
			return err;
		k->free += s.objects - s.inuse + n;
	}
	struct pm_addrset seen = { 0 };
	bool ok = true;
	for (uint64_t p = cpu.partial; p && ok && !err; p = pm_kmem_rd(k->t, p + k->l->s_next, 8, &ok)) {
		if (!pm_addrset_add(&seen, p) || seen.n > MAX_PARTIAL)
			err = pm_err_new(PM_ERR_FORMAT, "%s: a CPU's partial slab list loops", k->c->name);
		else
			err = count_slab(k, p);
	}
	pm_addrset_free(&seen);
	if (!err && !ok)
		err = pm_err_fault(cpu.partial, "a CPU's partial slab list");
	return err;
}

struct pm_err *pm_slub_stats(struct pm_target *t, const struct pm_slub_cache *c,
			     struct pm_slub_stats *st)
{
	const struct pm_kmem *m;
	struct pm_slub_layout l;
	struct pm_err *err;
	if ((err = pm_kmem(t, &m)) || (err = pm_slub_layout(t, &l)))
		return err;
	memset(st, 0, sizeof(*st));
	struct counter k = { t, m, &l, c, 0 };
	for (unsigned i = 0; i < m->ncpus && !err; i++)
		if (m->cpu_ids[i] != UINT32_MAX)
			err = count_cpu(&k, m->percpu[i]);
	/* the online nodes' kmem_cache_node, or every one set if unknown */
	unsigned nslots = m->nnodes ? m->nnodes : l.node_slots;
	for (unsigned i = 0; i < nslots && !err; i++) {
		unsigned nid = m->nnodes ? m->node_ids[i] : i;
		bool ok = true;
		if (nid >= l.node_slots)
			continue;
		uint64_t node = pm_kmem_rd(t, c->addr + l.c_node + 8ull * nid, 8, &ok);
		if (ok && !node)
			continue;
		st->slabs += pm_kmem_rd(t, node + l.n_nr_slabs, 8, &ok);
		st->total += pm_kmem_rd(t, node + l.n_total_objects, 8, &ok);
		err = ok ? count_partial(&k, node) : pm_err_fault(node, "struct kmem_cache_node");
	}
	if (!err && k.free > st->total)
		err = pm_err_new(PM_ERR_FORMAT, "%s: %" PRIu64 " free objects of %" PRIu64, c->name,
				 k.free, st->total);
	st->allocated = st->total - k.free;
	return err;
}
