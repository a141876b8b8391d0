/* Kernel data symbols found in the kernel's own code, for a kernel whose
 * kallsyms names functions only (no CONFIG_KALLSYMS_ALL: Debian's arm64
 * one).  Each architecture has one table (kdata_a64.c) of data symbol ->
 * a function in kallsyms whose machine code forms the symbol's address;
 * an architecture's walker (kcode_a64.c) lists the addresses a function's
 * instructions form, and kcode.c picks the one the table names, checks it
 * (inside the image's data, then the entry's own BTF check) and remembers
 * where it came from. */
#ifndef PM_KCODE_H
#define PM_KCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../target/target.h"

/* What a function's code does with an address it forms (PC-relative:
 * AArch64's ADRP, then ADD / LDR / STR on the same register). */
enum pm_kref_kind {
	PM_KREF_PAIR,      /* the page plus its low 12 bits (ADRP + ADD): the address itself */
	PM_KREF_ACCESS,    /* a load or store at the address plus a constant offset */
	PM_KREF_INDEXED,   /* a load or store at the address plus a register (an array's base) */
	PM_KREF_ARG,       /* the address in an argument register at a call */
};

struct pm_kref {
	enum pm_kref_kind kind;
	uint64_t pc, addr;
	unsigned arg;      /* PM_KREF_ARG: which argument register */
};

#define PM_KREF_MAX 64u      /* references kept from one function */
#define PM_KREF_INSNS 512u   /* instructions read from one function */

/* Where a symbol must lie: the image's data and bss (after the freed init
 * sections), or the per-CPU section's template (inside them). */
enum pm_kref_region { PM_KREF_DATA, PM_KREF_PERCPU };

/* One table row: NAME is the NTH reference of KIND (for PM_KREF_ARG, to
 * argument ARG) in function FUNC's code; minus the offset that check
 * returns in *addr's adjustment, and only if check (when set) accepts it,
 * else it writes why not into why. */
struct pm_kcode_sym {
	const char *name, *func;
	enum pm_kref_kind kind;
	unsigned nth, arg;
	enum pm_kref_region region;
	bool (*check)(struct pm_target *t, uint64_t *addr, char *why, size_t whylen);
};

/* An architecture's walker: the references of the code at [start, start
 * + len), in order; returns how many (at most max). */
typedef size_t pm_kref_scan_fn(struct pm_target *t, uint64_t start, uint64_t len, struct pm_kref *out,
			       size_t max);

extern const struct pm_kcode_sym pm_kcode_syms_a64[];   /* kdata_a64.c */
size_t pm_kref_scan_a64(struct pm_target *t, uint64_t start, uint64_t len, struct pm_kref *out, size_t max);

/* NAME's address from the architecture's table (0 if the table has no
 * such row or its check failed: pm_kernel_code_why says why). */
uint64_t pm_kernel_code_symbol(struct pm_target *t, const char *name);
/* Why NAME could not be found, or where it was ("get_avenrun+0x1c"); NULL
 * when the table has no row for it. */
const char *pm_kernel_code_why(struct pm_target *t, const char *name, bool *found);
/* One line per row, for ::vmcoreinfo: "# SYMBOL(avenrun)=ADDR from code: get_avenrun+0x1c". */
void pm_kernel_code_report(struct pm_target *t, FILE *out);
struct pm_kcode;
void pm_kernel_code_free(struct pm_kcode *c);

#endif
