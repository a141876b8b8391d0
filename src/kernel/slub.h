/* SLUB slab caches (struct kmem_cache on the slab_caches list): their
 * object counts as /proc/slabinfo and crash's `kmem -s` give them, and
 * the slab object an address is in.  Layouts come from ktypes.h. */
#ifndef PM_SLUB_H
#define PM_SLUB_H

#include <stdbool.h>
#include <stdint.h>

#include "../target/target.h"

struct pm_slub_cache {
	uint64_t addr;
	char name[64];
	uint32_t object_size;      /* what the user asked for */
	uint32_t size;             /* object to object, with metadata */
	uint32_t offset;           /* of the free pointer in a free object */
	uint32_t red_left_pad;     /* before each object (SLAB_RED_ZONE) */
	uint32_t objects;          /* per slab of the cache's order */
	uint64_t slab_bytes;       /* PAGE_SIZE << order */
	uint64_t cpu_slab;         /* per-CPU pointer to struct kmem_cache_cpu */
	uint64_t random;           /* free pointer key (CONFIG_SLAB_FREELIST_HARDENED) */
	bool hardened;
};

struct pm_slub_stats {
	uint64_t total, allocated, slabs;
};

/* The caches of the slab_caches list, in its order (newest first). */
struct pm_err *pm_slub_caches(struct pm_target *t, struct pm_slub_cache **out, size_t *n);
/* Objects and slabs of one cache: every node's nr_slabs and
 * total_objects (CONFIG_SLUB_DEBUG), less the free objects of the
 * partial slabs, each CPU's slab, freelist and partial slabs. */
struct pm_err *pm_slub_stats(struct pm_target *t, const struct pm_slub_cache *c,
			     struct pm_slub_stats *s);

/* The slab object holding an address. */
struct pm_slub_object {
	struct pm_slub_cache cache;
	uint64_t slab;             /* struct slab (the head struct page) */
	uint64_t mem;              /* the slab's first byte (direct map) */
	int node;                  /* -1 if unknown */
	int cpu;                   /* the CPU whose slab it is, -1 if none */
	unsigned objects, allocated, nfree;
	uint64_t object;           /* the object holding addr, 0 if addr is past the last */
	bool is_free;              /* on the slab's or its CPU's freelist */
};

/* *found is false when addr is not in a slab page. */
struct pm_err *pm_slub_object(struct pm_target *t, uint64_t addr, struct pm_slub_object *o,
			      bool *found);

#endif
