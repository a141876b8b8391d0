/* x86-64's kernel page tables: init_top_pgt (4 or 5 levels, 4 KiB pages,
 * 2 MiB and 1 GiB leaves), placed by VMCOREINFO's phys_base, with AMD
 * SME's encryption bit masked off. */
#include "karch.h"

#include <stdlib.h>

#define START_KERNEL_MAP 0xffffffff80000000ull
#define PTE_PRESENT 0x1ull
#define PTE_LARGE 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

static void walk_table(struct pm_kwalk *w, uint64_t table, int level, uint64_t va_base)
{
	uint64_t e[512];
	if (!pm_kwalk_table(w, table, level, e))
		return;
	unsigned shift = 12 + 9 * (unsigned)(level - 1);
	int top = w->k->l5 ? 5 : 4;
	/* the top level: the kernel's half only (user space is not in init's tables) */
	unsigned first = level == top ? 256 : 0;
	for (unsigned i = first; i < 512; i++) {
		if (!(e[i] & PTE_PRESENT))
			continue;
		if (w->k->pages_mapped >= PM_KWALK_MAX_LEAVES) {
			w->truncated = true;
			return;
		}
		uint64_t pte = e[i] & ~w->k->pte_mask;
		uint64_t va = va_base | ((uint64_t)i << shift);
		if (level == top)
			va |= w->k->l5 ? 0xfe00000000000000ull : 0xffff000000000000ull;   /* canonical */
		if (level == 1 || ((level == 2 || level == 3) && (pte & PTE_LARGE))) {
			uint64_t size = 1ull << shift;
			pm_kwalk_leaf(w, va, pte & PTE_ADDR & ~(size - 1), size);
		} else if (level > 1) {
			walk_table(w, pte & PTE_ADDR, level - 1, va);
		}
	}
}

static void walk(struct pm_kwalk *w)
{
	walk_table(w, w->k->pgd, w->k->l5 ? 5 : 4, 0);
}

/* The page-table root and the kernel's place from VMCOREINFO. */
static struct pm_err *locate(struct pm_target *t, struct pm_kernel *k)
{
	int64_t base = 0, l5 = 0, sme = 0;
	uint64_t pgt;
	if (!pm_vmcoreinfo_number(&k->vi, "NUMBER", "phys_base", &base) ||
	    !(pm_vmcoreinfo_symbol(&k->vi, "init_top_pgt", &pgt) ||
	      pm_vmcoreinfo_symbol(&k->vi, "swapper_pg_dir", &pgt)))
		return pm_err_new(PM_ERR_FORMAT, "%s: VMCOREINFO lacks phys_base or init_top_pgt: cannot "
				  "translate kernel addresses", t->path);
	pm_vmcoreinfo_number(&k->vi, "NUMBER", "pgtable_l5_enabled", &l5);
	pm_vmcoreinfo_number(&k->vi, "NUMBER", "sme_mask", &sme);
	k->phys_base = (uint64_t)base;
	k->l5 = l5 != 0;
	k->pte_mask = (uint64_t)sme;
	k->pgd = pgt - START_KERNEL_MAP + k->phys_base;
	return NULL;
}

static enum pm_kpte decode(const struct pm_kernel *k, uint64_t e, int level, uint64_t *pa)
{
	(void)k;
	*pa = e & PTE_ADDR;
	if (!(e & PTE_PRESENT))
		return PM_KPTE_ABSENT;
	return level == 1 || ((level == 2 || level == 3) && (e & PTE_LARGE)) ? PM_KPTE_LEAF : PM_KPTE_TABLE;
}

static struct pm_err *vtop(struct pm_kernel *k, uint64_t va, struct pm_vtop *out)
{
	return pm_kvtop_walk(k, va, k->l5 ? 5 : 4, decode, out);
}

const struct pm_karch pm_karch_x86_64 = {
	.arch = "x86_64",
	.kallsyms_absolute_percpu = true,
	.locate = locate,
	.walk = walk,
	.vtop = vtop,
	.switch_regs = pm_x86_switch_regs,
	.unwind = pm_orc_unwind,
	.pt_regs = pm_x86_pt_regs,
	.layout = pm_x86_layout,
};
