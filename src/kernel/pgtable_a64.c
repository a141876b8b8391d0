/* AArch64's kernel page tables: swapper_pg_dir, the TTBR1 tables of the
 * upper half of the address space (4 KiB granule: 3 or 4 levels as
 * VA_BITS says, 9 bits each; 1 GiB and 2 MiB blocks), placed by
 * VMCOREINFO's kimage_voffset (kernel image va - pa).  VA_BITS comes from
 * TCR_EL1_T1SZ when the kernel gives it (64 - T1SZ: the bits TTBR1 really
 * translates), else from VA_BITS. */
#include "karch.h"

#include <stdlib.h>
#include <string.h>

#define DESC_VALID 0x1ull
#define DESC_TABLE 0x2ull           /* levels 0-2: table, not block; level 3: page */
#define DESC_ADDR 0x0000fffffffff000ull

/* arm64 prints NUMBER(kimage_voffset) and NUMBER(PHYS_OFFSET) in hex,
 * the others in decimal: take either. */
static bool number(struct pm_kernel *k, const char *key, uint64_t *v)
{
	const char *s = pm_vmcoreinfo_get(&k->vi, key);
	char *end;
	if (!s || !*s)
		return false;
	*v = strtoull(s, &end, 0);
	return *end == '\0' || *end == '\n';
}

/* The levels a va_bits address space takes (3 for 39 bits, 4 for 48). */
static int levels(const struct pm_kernel *k)
{
	return (int)((k->va_bits - 12 + 8) / 9);
}

static struct pm_err *locate(struct pm_target *t, struct pm_kernel *k)
{
	uint64_t va_bits = 0, t1sz = 0, voff, pgd;
	if (!number(k, "NUMBER(VA_BITS)", &va_bits) || !number(k, "NUMBER(kimage_voffset)", &voff) ||
	    !pm_vmcoreinfo_symbol(&k->vi, "swapper_pg_dir", &pgd))
		return pm_err_new(PM_ERR_FORMAT, "%s: VMCOREINFO lacks VA_BITS, kimage_voffset or "
				  "swapper_pg_dir: cannot translate kernel addresses", t->path);
	uint64_t page = 4096;
	if (pm_vmcoreinfo_get(&k->vi, "PAGESIZE") && (!number(k, "PAGESIZE", &page) || page != 4096))
		return pm_err_new(PM_ERR_FORMAT, "%s: a kernel with %llu-byte pages: only the 4 KiB "
				  "granule's page tables are supported", t->path, (unsigned long long)page);
	if (number(k, "NUMBER(TCR_EL1_T1SZ)", &t1sz) && t1sz >= 16 && t1sz < 64)
		va_bits = 64 - t1sz;
	if (va_bits < 36 || va_bits > 48)
		return pm_err_new(PM_ERR_FORMAT, "%s: VA_BITS %llu: only 4 KiB-granule kernels of 36 to "
				  "48 address bits are supported", t->path, (unsigned long long)va_bits);
	k->va_bits = (unsigned)va_bits;
	k->kimage_voffset = voff;
	number(k, "NUMBER(PHYS_OFFSET)", &k->phys_offset);
	number(k, "NUMBER(KERNELPACMASK)", &k->pac_mask);
	k->pgd = pgd - voff;
	return NULL;
}

static void walk_table(struct pm_kwalk *w, uint64_t table, int level, uint64_t va_base)
{
	uint64_t e[512];
	if (!pm_kwalk_table(w, table, level, e))
		return;
	int top = levels(w->k);
	/* levels counted from the leaf: 1 maps 4 KiB pages, top the whole space */
	unsigned shift = 12 + 9 * (unsigned)(level - 1);
	/* the top table has only the entries VA_BITS reaches */
	unsigned n = level == top ? 1u << (w->k->va_bits - shift) : 512;
	for (unsigned i = 0; i < n && i < 512; i++) {
		if (!(e[i] & DESC_VALID))
			continue;
		if (w->k->pages_mapped >= PM_KWALK_MAX_LEAVES) {
			w->truncated = true;
			return;
		}
		uint64_t va = va_base | ((uint64_t)i << shift);
		if (level == top)
			va |= ~0ull << w->k->va_bits;          /* TTBR1: the upper half */
		bool table_desc = (e[i] & DESC_TABLE) != 0;
		if (level == 1) {
			if (table_desc)                          /* a page; 0b01 is reserved */
				pm_kwalk_leaf(w, va, e[i] & DESC_ADDR, 4096);
		} else if (table_desc) {
			walk_table(w, e[i] & DESC_ADDR, level - 1, va);
		} else if (level <= 3) {                         /* a 2 MiB or 1 GiB block */
			uint64_t size = 1ull << shift;
			pm_kwalk_leaf(w, va, e[i] & DESC_ADDR & ~(size - 1), size);
		}
	}
}

static void walk(struct pm_kwalk *w)
{
	walk_table(w, w->k->pgd, levels(w->k), 0);
}

/* A level-1 entry must be a page (bits 1:0 = 3); above it, bit 1 tells
 * a table from a block. */
static enum pm_kpte decode(const struct pm_kernel *k, uint64_t e, int level, uint64_t *pa)
{
	(void)k;
	*pa = e & DESC_ADDR;
	if (!(e & DESC_VALID) || (level == 1 && !(e & DESC_TABLE)))
		return PM_KPTE_ABSENT;
	return level == 1 || !(e & DESC_TABLE) ? PM_KPTE_LEAF : PM_KPTE_TABLE;
}

static struct pm_err *vtop(struct pm_kernel *k, uint64_t va, struct pm_vtop *out)
{
	if (va >> k->va_bits != (~0ull >> k->va_bits))
		return pm_err_new(PM_ERR_FAULT, "0x%llx is not a kernel (TTBR1) address",
				  (unsigned long long)va);
	return pm_kvtop_walk(k, va, levels(k), decode, out);
}

/* The linear map: __va(pa) = pa - PHYS_OFFSET + PAGE_OFFSET (PAGE_OFFSET
 * the lowest TTBR1 address); the page array: vmemmap = VMEMMAP_START -
 * (PHYS_OFFSET >> 12) pages (PHYS_OFFSET may be "negative" with KASLR);
 * vmalloc and modules from VMCOREINFO's NUMBERs. */
static struct pm_err *layout(struct pm_target *t, struct pm_kmem *m)
{
	struct pm_kernel *k = t->kernel;
	uint64_t vmemmap_start;
	if (!number(k, "NUMBER(PHYS_OFFSET)", &k->phys_offset) ||
	    !number(k, "NUMBER(VMEMMAP_START)", &vmemmap_start) ||
	    !number(k, "NUMBER(VMALLOC_START)", &m->vmalloc) || !number(k, "NUMBER(VMALLOC_END)", &m->vmalloc_end) ||
	    !number(k, "NUMBER(MODULES_VADDR)", &m->modules) || !number(k, "NUMBER(MODULES_END)", &m->modules_end))
		return pm_err_new(PM_ERR_LOOKUP, "VMCOREINFO lacks PHYS_OFFSET, VMEMMAP_START, VMALLOC_START/END "
				  "or MODULES_VADDR/END: the memory layout is unknown");
	m->kernel_space = ~0ull << k->va_bits;
	m->page_offset = m->kernel_space - k->phys_offset;
	m->vmemmap = vmemmap_start - (uint64_t)((int64_t)k->phys_offset >> 12) * m->page_size;
	m->image = pm_kernel_data_symbol(t, "_text");
	if (!m->image)
		m->image = pm_kernel_data_symbol(t, "_stext");
	return NULL;
}

const struct pm_karch pm_karch_aarch64 = {
	.arch = "aarch64",
	.locate = locate,
	.walk = walk,
	.vtop = vtop,
	.switch_regs = pm_a64_switch_regs,
	.unwind = pm_a64_unwind,
	.pt_regs = pm_a64_pt_regs,
	.layout = layout,
	.code_syms = pm_kcode_syms_a64,
	.kref_scan = pm_kref_scan_a64,
};
