/* What a kernel dump's architecture decides: where the kernel's page
 * tables are and how they translate (pgtable_x86.c, pgtable_a64.c), and
 * how a kernel stack unwinds (orc.c for x86-64, unwind_a64.c's frame
 * records for AArch64).  One instance per architecture; kernel.c picks it
 * by the dump's ELF machine. */
#ifndef PM_KARCH_H
#define PM_KARCH_H

#include "kernel.h"
#include "kcode.h"
#include "kmem.h"

/* The open's page-table walk: leaves become t->mem's virtual mappings. */
struct pm_kwalk {
	struct pm_target *t;
	struct pm_kernel *k;
	uint64_t va, end, off;      /* the mapping being extended */
	struct pm_backing *backing;
	bool truncated;
	size_t tables_cap;
};

#define PM_KWALK_MAX_LEAVES (64u << 20)   /* a bound for hostile page tables */
/* Tables visited: 1M page-table pages map 2 TiB in 4 KiB pages; tables
 * that point back at themselves would otherwise be walked 512^3 times. */
#define PM_KWALK_MAX_TABLES (1u << 20)

/* Read the 512 entries of the table at physical pa and note it as one of
 * the kernel's page tables of LEVEL; false if unreadable or over budget. */
bool pm_kwalk_table(struct pm_kwalk *w, uint64_t pa, int level, uint64_t *entries);
/* Virtual [va, va+size) maps physical pa. */
void pm_kwalk_leaf(struct pm_kwalk *w, uint64_t va, uint64_t pa, uint64_t size);

/* A 4 KiB-granule page-table entry at LEVEL (1 = last), as the
 * architecture reads it: absent, a next-level table, or a leaf mapping
 * 1 << (12 + 9 * (level - 1)) bytes; *pa the table's or block's address. */
enum pm_kpte { PM_KPTE_ABSENT, PM_KPTE_TABLE, PM_KPTE_LEAF };
typedef enum pm_kpte pm_kpte_fn(const struct pm_kernel *k, uint64_t e, int level, uint64_t *pa);
/* The translation of va through LEVELS levels from k->pgd, shared by the
 * architectures' vtop (kernel.c). */
struct pm_err *pm_kvtop_walk(struct pm_kernel *k, uint64_t va, int levels, pm_kpte_fn *decode,
			     struct pm_vtop *out);

struct pm_karch {
	const char *arch;           /* pm_arch's name */
	bool kallsyms_absolute_percpu;   /* CONFIG_KALLSYMS_ABSOLUTE_PERCPU (kallsyms.c) */
	/* k->pgd and what the walk needs, from VMCOREINFO */
	struct pm_err *(*locate)(struct pm_target *t, struct pm_kernel *k);
	void (*walk)(struct pm_kwalk *w);
	struct pm_err *(*vtop)(struct pm_kernel *k, uint64_t va, struct pm_vtop *out);
	/* a sleeping task's registers, as its last context switch saved them */
	struct pm_err *(*switch_regs)(struct pm_target *t, uint64_t task, uint64_t *regs);
	/* the stack from regs; *exception (if not NULL) gets the address of
	 * the first pt_regs of an exception taken in kernel mode */
	struct pm_err *(*unwind)(struct pm_target *t, const uint64_t *regs, struct pm_stack *out,
				 uint64_t *exception);
	/* the address space's regions (kmem.h: direct map, page array,
	 * vmalloc, image, modules); m->page_size is known */
	struct pm_err *(*layout)(struct pm_target *t, struct pm_kmem *m);
	/* the registers a pt_regs at ADDR holds (PM_MAX_REGS entries) */
	struct pm_err *(*pt_regs)(struct pm_target *t, uint64_t addr, uint64_t *out);
	/* data symbols kallsyms may lack, from code (kcode.h): the table (a
	 * NULL name ends it; NULL: none) and the walker of a function's code */
	const struct pm_kcode_sym *code_syms;
	pm_kref_scan_fn *kref_scan;
};

extern const struct pm_karch pm_karch_x86_64, pm_karch_aarch64;

/* x86-64's: orc.c, tasks.c */
struct pm_err *pm_orc_unwind(struct pm_target *t, const uint64_t *regs, struct pm_stack *out,
			     uint64_t *exception);
struct pm_err *pm_x86_pt_regs(struct pm_target *t, uint64_t addr, uint64_t *out);
struct pm_err *pm_x86_switch_regs(struct pm_target *t, uint64_t task, uint64_t *regs);
struct pm_err *pm_x86_layout(struct pm_target *t, struct pm_kmem *m);   /* kmem.c */
/* AArch64's: unwind_a64.c */
struct pm_err *pm_a64_unwind(struct pm_target *t, const uint64_t *regs, struct pm_stack *out,
			     uint64_t *exception);
struct pm_err *pm_a64_pt_regs(struct pm_target *t, uint64_t addr, uint64_t *out);
struct pm_err *pm_a64_switch_regs(struct pm_target *t, uint64_t task, uint64_t *regs);

/* shared by the unwinders: a frame at pc (a return address unless exact) */
void pm_kstack_push(struct pm_target *t, struct pm_stack *s, uint64_t pc, uint64_t sp, bool exact);
/* the last frame of an entry from user space: the user pc and sp, no name */
void pm_kstack_push_user(struct pm_stack *s, uint64_t pc, uint64_t sp);

#endif
