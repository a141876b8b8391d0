/* The kernel's memory layout as the memory dcmds need it (x86-64): the
 * direct map, the struct page array (vmemmap), per-CPU areas and NUMA
 * nodes, learnt once per dump from VMCOREINFO, kallsyms and the layouts
 * of ktypes.h. */
#ifndef PM_KMEM_H
#define PM_KMEM_H

#include <stdbool.h>
#include <stdint.h>

#include "../target/target.h"

#define PM_KMEM_PAGE 4096ull

struct pm_kmem {
	uint64_t page_offset;      /* the direct map: physical 0 (page_offset_base) */
	uint64_t vmemmap;          /* struct page of pfn 0 (vmemmap_base) */
	uint64_t vmalloc, vmalloc_end;     /* vmalloc space (vmalloc_base) */
	/* the kernel's half of the address space from kernel_space on; the
	 * image from image on; modules in [modules, modules_end) (modules 0:
	 * from the image's end) -- the architecture's layout (karch.h) */
	uint64_t kernel_space, image, modules, modules_end;
	uint64_t page_size;        /* sizeof(struct page) */
	uint64_t max_pfn;          /* one past the dump's highest physical page */
	uint64_t off_flags, off_compound_head, off_page_type, off_private;
	int pg_slab;               /* PG_slab's bit in page.flags, -1 if unknown */
	int64_t buddy_type, offline_type;  /* page_type values (VMCOREINFO), 0 if unknown */
	/* possible CPUs and their per-CPU offsets (__per_cpu_offset) */
	unsigned ncpus;
	unsigned *cpu_ids;
	uint64_t *percpu;
	/* NUMA nodes: [start_pfn, end_pfn) of each online node */
	unsigned nnodes;
	unsigned *node_ids;
	uint64_t *node_start, *node_end;
	/* slub.c's list of caches, read once (what is wrong with it is said once) */
	struct pm_slub_cache *caches;
	size_t ncaches;
	bool caches_read;
};

/* The layout, learnt on first use; an error says what is missing. */
struct pm_err *pm_kmem(struct pm_target *t, const struct pm_kmem **out);
void pm_kmem_free(struct pm_kmem *m);

/* Read n (<= 8) bytes of kernel memory as a little-endian number;
 * *ok becomes false when they are not in the dump. */
uint64_t pm_kmem_rd(struct pm_target *t, uint64_t addr, unsigned n, bool *ok);

/* The NUMA nodes online (node_online_map's bits, as many as node_data[]
 * or nodemask_t has), ids in *ids (to free); 0 when VMCOREINFO has no map. */
unsigned pm_kmem_online_nodes(struct pm_target *t, unsigned **ids);

/* Is p the address of a struct page of the dump's memory? */
bool pm_kmem_is_page(const struct pm_kmem *m, uint64_t p);
/* The struct page of a physical address, and back. */
uint64_t pm_kmem_pfn_page(const struct pm_kmem *m, uint64_t pfn);
uint64_t pm_kmem_page_pfn(const struct pm_kmem *m, uint64_t page);
/* The head page of a compound page (the page itself otherwise). */
uint64_t pm_kmem_compound_head(struct pm_target *t, const struct pm_kmem *m, uint64_t page);
/* The node holding pfn, -1 if none. */
int pm_kmem_pfn_node(const struct pm_kmem *m, uint64_t pfn);

#endif
