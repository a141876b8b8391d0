/* What slub.c and slub_object.c share: the SLUB structures' layouts and
 * the walks over a slab's free objects. */
#ifndef PM_SLUB_LAYOUT_H
#define PM_SLUB_LAYOUT_H

#include "kmem.h"
#include "slub.h"

struct pm_slub_layout {
	/* struct kmem_cache */
	uint64_t c_list, c_name, c_object_size, c_size, c_offset, c_oo, c_cpu_slab, c_node,
		c_random, c_flags, c_red_left_pad;
	uint64_t sz_object_size, sz_size, sz_offset, sz_flags, sz_red_left_pad;
	unsigned node_slots;       /* entries of kmem_cache.node[] */
	bool has_random, has_red_left_pad;
	/* struct kmem_cache_node (nr_slabs, total_objects: CONFIG_SLUB_DEBUG) */
	uint64_t n_nr_partial, n_partial, n_nr_slabs, n_total_objects;
	/* struct kmem_cache_cpu */
	uint64_t cc_freelist, cc_slab, cc_partial;
	bool has_cpu_partial;
	/* struct slab (struct page before Linux 5.17) */
	uint64_t s_cache, s_list, s_next, s_freelist;
	uint64_t inuse_bit, objects_bit;
	unsigned inuse_width, objects_width;
};

struct pm_err *pm_slub_layout(struct pm_target *t, struct pm_slub_layout *l);

/* A slab as its struct slab says: its memory and counters. */
struct pm_slab {
	uint64_t addr, mem, freelist;
	unsigned objects, inuse;
};
struct pm_err *pm_slab_read(struct pm_target *t, const struct pm_kmem *m,
			    const struct pm_slub_layout *l, uint64_t slab, struct pm_slab *s);

/* A CPU's kmem_cache_cpu: its slab, the lockless freelist, partial slabs. */
struct pm_slub_cpu {
	uint64_t slab, freelist, partial;
};
bool pm_slub_cpu_read(struct pm_target *t, const struct pm_slub_layout *l,
		      const struct pm_slub_cache *c, uint64_t percpu, struct pm_slub_cpu *out);

/* Walk a freelist of slab s from head: how many objects are on it and
 * whether want is one of them.  A pointer outside the slab, or a list
 * longer than the slab, is an error. */
struct pm_err *pm_slub_freelist(struct pm_target *t, const struct pm_slub_cache *c,
				const struct pm_slab *s, uint64_t head, uint64_t want,
				unsigned *count, bool *found);

#endif
