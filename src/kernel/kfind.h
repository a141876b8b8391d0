/* Finding the kernel in a dump without VMCOREINFO (kfind.c), and the
 * VMCOREINFO text rebuilt from what was found (vmcoreinfo_rebuild.c). */
#ifndef PM_KFIND_H
#define PM_KFIND_H

#include <stdbool.h>
#include <stdint.h>

#include "../target/target.h"

/* The page-table root, KASLR offset and phys_base, from the QEMU CPU
 * state notes' CR3 (t->qemu_cpus); sets t->kernel's pgd, l5,
 * kaslr_offset and phys_base. */
struct pm_err *pm_kernel_find_pgd(struct pm_target *t);

/* Where the kallsyms tables are, as VMCOREINFO would have said. */
struct pm_kallsyms_at {
	uint64_t offsets, relative_base, num_syms, names, token_table, token_index;
};
/* Search the kernel image from text (its _text) for the tables. */
bool pm_kallsyms_locate(struct pm_target *t, uint64_t text, struct pm_kallsyms_at *at);

/* After the page-table walk: a VMCOREINFO text for t->kernel->vi with the
 * facts pmdb reads from one, from kallsyms, BTF and memory. */
struct pm_err *pm_vmcoreinfo_rebuild(struct pm_target *t);

#endif
