/* The slab object an address is in (crash's `kmem ADDR`): the struct
 * page of its physical address, the head of that compound page, PG_slab,
 * slab_cache (which must be a cache of the slab_caches list), the
 * object's index, and whether it is on the slab's freelist or on the
 * lockless freelist of the CPU whose slab it is. */
#include "slub_layout.h"
#include "kernel.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static struct pm_err *find_cache(struct pm_target *t, uint64_t addr, struct pm_slub_cache *out)
{
	struct pm_slub_cache *v;
	size_t n;
	struct pm_err *err = pm_slub_caches(t, &v, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		if (v[i].addr == addr) {
			*out = v[i];
			free(v);
			return NULL;
		}
	free(v);
	return pm_err_new(PM_ERR_FORMAT, "its slab names kmem_cache 0x%" PRIx64 ", which is not on the "
			  "slab_caches list", addr);
}

/* The slab page holding physical address pa, or 0. */
static uint64_t slab_page(struct pm_target *t, const struct pm_kmem *m, uint64_t pa)
{
	if (pa / PM_KMEM_PAGE >= m->max_pfn || m->pg_slab < 0 || m->pg_slab > 63)
		return 0;
	uint64_t head = pm_kmem_compound_head(t, m, pm_kmem_pfn_page(m, pa / PM_KMEM_PAGE));
	bool ok = true;
	uint64_t flags = pm_kmem_rd(t, head + m->off_flags, 8, &ok);
	return ok && (flags >> m->pg_slab & 1) ? head : 0;
}

struct pm_err *pm_slub_object(struct pm_target *t, uint64_t addr, struct pm_slub_object *o,
			      bool *found)
{
	const struct pm_kmem *m;
	struct pm_slub_layout l;
	struct pm_vtop vt;
	struct pm_err *err;
	*found = false;
	memset(o, 0, sizeof(*o));
	if ((err = pm_kmem(t, &m)) || (err = pm_slub_layout(t, &l)))
		return err;
	if ((err = pm_kernel_vtop(t, addr, &vt))) {     /* not mapped: not a slab */
		pm_err_free(err);
		return NULL;
	}
	uint64_t slab = slab_page(t, m, vt.pa);
	if (!slab)
		return NULL;
	*found = true;
	bool ok = true;
	uint64_t cache = pm_kmem_rd(t, slab + l.s_cache, 8, &ok);
	struct pm_slab s;
	if (!ok)
		return pm_err_fault(slab + l.s_cache, "slab.slab_cache");
	if ((err = find_cache(t, cache, &o->cache)) || (err = pm_slab_read(t, m, &l, slab, &s)))
		return err;
	const struct pm_slub_cache *c = &o->cache;
	o->slab = slab;
	o->mem = s.mem;
	o->objects = s.objects;
	o->node = pm_kmem_pfn_node(m, pm_kmem_page_pfn(m, slab));
	o->cpu = -1;
	/* the object's place in the slab, from its direct-map address */
	uint64_t at = m->page_offset + vt.pa - s.mem;
	if (at / c->size < s.objects)
		o->object = s.mem + at / c->size * c->size + c->red_left_pad;
	struct pm_slub_cpu cpu = { 0 };
	for (unsigned i = 0; i < m->ncpus && o->cpu < 0; i++)
		if (m->cpu_ids[i] != UINT32_MAX && pm_slub_cpu_read(t, &l, c, m->percpu[i], &cpu) &&
		    cpu.slab == slab)
			o->cpu = (int)m->cpu_ids[i];
	unsigned on_slab, on_cpu = 0;
	bool free_slab, free_cpu = false;
	if ((err = pm_slub_freelist(t, c, &s, s.freelist, o->object, &on_slab, &free_slab)))
		return err;
	if (o->cpu >= 0 && (err = pm_slub_freelist(t, c, &s, cpu.freelist, o->object, &on_cpu, &free_cpu)))
		return err;
	o->is_free = o->object && (free_slab || free_cpu);
	/* a CPU's slab counts its objects as in use; those on the CPU's
	 * lockless freelist are free */
	o->nfree = s.objects - s.inuse + on_cpu;
	if (o->nfree > s.objects)
		return pm_err_new(PM_ERR_FORMAT, "slab 0x%" PRIx64 ": %u free objects of %u", slab, o->nfree,
				  s.objects);
	o->allocated = s.objects - o->nfree;
	return NULL;
}
