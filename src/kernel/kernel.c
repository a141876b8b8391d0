/* Opening a kernel dump: physical segments, VMCOREINFO, and the walk of
 * the kernel's page tables (x86-64, 4 or 5 levels) that turns them into
 * virtual mappings. */
#include "kernel.h"
#include "kfind.h"
#include "kmem.h"
#include "ktypes.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

#define START_KERNEL_MAP 0xffffffff80000000ull
#define PTE_PRESENT 0x1ull
#define PTE_LARGE 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define MAX_LEAVES (64u << 20)      /* a bound for hostile page tables */
/* Tables visited: 1M page-table pages map 2 TiB in 4 KiB pages; tables
 * that point back at themselves would otherwise be walked 512^3 times. */
#define MAX_TABLES (1u << 20)

struct walk {
	struct pm_target *t;
	struct pm_kernel *k;
	uint64_t sme_mask;
	/* the mapping being extended */
	uint64_t va, end, off;
	struct pm_backing *backing;
	bool truncated;
	size_t tables_cap;
};

static void flush(struct walk *w)
{
	if (w->end > w->va)
		pm_memmap_add(&w->t->mem, w->va, w->end, w->backing, w->off);
	w->end = w->va = 0;
}

/* The start of the first segment above pa (UINT64_MAX if none). */
static uint64_t next_start(const struct pm_memmap *m, uint64_t pa)
{
	size_t lo = 0, hi = m->nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->segs[mid].start <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nsegs ? m->segs[lo].start : UINT64_MAX;
}

/* Virtual [va, va+size) maps physical pa: the parts the dump holds. */
static void add_leaf(struct walk *w, uint64_t va, uint64_t pa, uint64_t size)
{
	w->k->pages_mapped++;
	for (uint64_t done = 0; done < size;) {
		const struct pm_segment *s = pm_memmap_find(&w->k->phys, pa + done);
		if (!s || !s->backing) {
			/* a hole: jump to the next segment, not 4 KiB at a time (a
			 * hostile 1 GiB leaf over nothing would take 262144 steps) */
			uint64_t next = next_start(&w->k->phys, pa + done);
			if (next <= pa + done || next - pa >= size)
				break;
			done = next - pa;
			continue;
		}
		uint64_t len = s->end - (pa + done);
		if (len > size - done)
			len = size - done;
		uint64_t off = s->offset + (pa + done - s->start);
		if (w->end == va + done && w->backing == s->backing && w->off + (w->end - w->va) == off) {
			w->end += len;
		} else {
			flush(w);
			w->va = va + done;
			w->end = va + done + len;
			w->backing = s->backing;
			w->off = off;
		}
		done += len;
	}
}

static void walk_table(struct walk *w, uint64_t table, int level, uint64_t va_base)
{
	uint64_t e[512];
	if (pm_memmap_read_partial(&w->k->phys, table, e, sizeof(e)) != sizeof(e))
		return;
	if (w->k->ntables >= MAX_TABLES) {
		w->truncated = true;
		return;
	}
	vec_reserve(&w->k->tables, &w->tables_cap, w->k->ntables + 1, sizeof(*w->k->tables));
	w->k->tables[w->k->ntables++] = (struct pm_ktable){ table, level };
	unsigned shift = 12 + 9 * (unsigned)(level - 1);
	/* the top level: the kernel's half only (user space is not in init's tables) */
	unsigned first = level == (w->k->l5 ? 5 : 4) ? 256 : 0;
	for (unsigned i = first; i < 512; i++) {
		if (!(e[i] & PTE_PRESENT))
			continue;
		if (w->k->pages_mapped >= MAX_LEAVES) {
			w->truncated = true;
			return;
		}
		uint64_t pte = e[i] & ~w->sme_mask;
		uint64_t va = va_base | ((uint64_t)i << shift);
		if (level == (w->k->l5 ? 5 : 4))
			va |= w->k->l5 ? 0xfe00000000000000ull : 0xffff000000000000ull;   /* canonical */
		if (level == 1 || ((level == 2 || level == 3) && (pte & PTE_LARGE))) {
			uint64_t size = 1ull << shift;
			add_leaf(w, va, pte & PTE_ADDR & ~(size - 1), size);
		} else if (level > 1) {
			walk_table(w, pte & PTE_ADDR, level - 1, va);
		}
	}
}

static int by_pa(const void *a, const void *b)
{
	const struct pm_ktable *x = a, *y = b;
	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

int pm_kernel_table_level(struct pm_target *t, uint64_t pa)
{
	struct pm_kernel *k = t->kernel;
	size_t lo = 0, hi = k ? k->ntables : 0;
	pa &= ~0xfffull;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->tables[mid].pa == pa)
			return k->tables[mid].level;
		if (k->tables[mid].pa < pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The page-table root and the kernel's place from VMCOREINFO. */
static struct pm_err *from_vmcoreinfo(struct pm_target *t, struct pm_kernel *k, const char *vmcoreinfo,
				      size_t len, int64_t *sme)
{
	pm_vmcoreinfo_parse(&k->vi, vmcoreinfo, len);
	int64_t base = 0, l5 = 0;
	uint64_t pgt;
	const char *off = pm_vmcoreinfo_get(&k->vi, "KERNELOFFSET");
	if (off)
		k->kaslr_offset = strtoull(off, NULL, 16);
	if (!pm_vmcoreinfo_number(&k->vi, "NUMBER", "phys_base", &base) ||
	    !(pm_vmcoreinfo_symbol(&k->vi, "init_top_pgt", &pgt) ||
	      pm_vmcoreinfo_symbol(&k->vi, "swapper_pg_dir", &pgt)))
		return pm_err_new(PM_ERR_FORMAT, "%s: VMCOREINFO lacks phys_base or init_top_pgt: cannot "
				  "translate kernel addresses", t->path);
	pm_vmcoreinfo_number(&k->vi, "NUMBER", "pgtable_l5_enabled", &l5);
	pm_vmcoreinfo_number(&k->vi, "NUMBER", "sme_mask", sme);
	k->phys_base = (uint64_t)base;
	k->l5 = l5 != 0;
	k->pgd = pgt - START_KERNEL_MAP + k->phys_base;
	return NULL;
}

struct pm_err *pm_kernel_attach(struct pm_target *t, struct pm_backing *dump,
				const struct pm_memmap *phys_segments, const char *vmcoreinfo,
				size_t len)
{
	(void)dump;
	/* page tables, ORC and the register layout below are x86-64's */
	if (t->arch && strcmp(t->arch->name, "x86_64") != 0)
		return pm_err_new(PM_ERR_FORMAT, "%s: %s kernel dumps are not supported yet (x86-64 only)",
				  t->path, t->arch->name);
	struct pm_kernel *k = xcalloc(1, sizeof(*k));
	t->kernel = k;
	k->phys = *phys_segments;
	int64_t sme = 0;
	if (vmcoreinfo) {
		struct pm_err *err = from_vmcoreinfo(t, k, vmcoreinfo, len, &sme);
		if (err)
			return err;
	} else {
		struct pm_err *err = pm_kernel_find_pgd(t);
		if (err)
			return err;
	}
	struct walk w = { .t = t, .k = k, .sme_mask = (uint64_t)sme };
	walk_table(&w, k->pgd, k->l5 ? 5 : 4, 0);
	flush(&w);
	if (k->ntables)
		qsort(k->tables, k->ntables, sizeof(*k->tables), by_pa);
	pm_memmap_finish(&t->mem);
	if (w.truncated)
		pm_warn("%s: more than %u pages mapped or %u page tables visited; the rest of the "
			"page tables were not read", t->path, MAX_LEAVES, MAX_TABLES);
	if (k->pages_mapped == 0)
		return pm_err_new(PM_ERR_FORMAT, "%s: the kernel's page tables at physical 0x%llx are "
				  "not in the dump (a truncated or filtered dump, or a wrong phys_base)",
				  t->path, (unsigned long long)k->pgd);
	return vmcoreinfo ? NULL : pm_vmcoreinfo_rebuild(t);
}

void pm_kernel_free(struct pm_kernel *k)
{
	if (!k)
		return;
	pm_vmcoreinfo_free(&k->vi);
	pm_memmap_free(&k->phys);
	free(k->syms);
	free(k->names);
	free(k->module_names);
	free(k->by_name);
	free(k->tables);
	pm_orc_free(k->orc);
	pm_btf_free(&k->btf);
	pm_kmem_free(k->kmem);
	pm_ktypes_free(k->ktypes);
	free(k);
}

size_t pm_kernel_read_phys(struct pm_target *t, uint64_t pa, void *buf, size_t len)
{
	return t->kernel ? pm_memmap_read_partial(&t->kernel->phys, pa, buf, len) : 0;
}

struct pm_err *pm_kernel_vtop(struct pm_target *t, uint64_t va, struct pm_vtop *out)
{
	struct pm_kernel *k = t->kernel;
	memset(out, 0, sizeof(*out));
	if (!k)
		return pm_err_new(PM_ERR_LOOKUP, "not a kernel dump");
	int levels = k->l5 ? 5 : 4;
	uint64_t table = k->pgd;
	for (int level = levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		unsigned idx = (unsigned)(va >> shift) & 511;
		uint64_t e;
		if (pm_memmap_read_partial(&k->phys, table + idx * 8, &e, 8) != 8)
			return pm_err_new(PM_ERR_FAULT, "page table at physical 0x%llx is not in the dump",
					  (unsigned long long)(table + idx * 8));
		out->entries[out->nentries++] = e;
		if (!(e & PTE_PRESENT))
			return pm_err_new(PM_ERR_FAULT, "0x%llx is not mapped (level-%d entry 0x%llx not present)",
					  (unsigned long long)va, level, (unsigned long long)e);
		uint64_t pa = e & PTE_ADDR;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_LARGE))) {
			uint64_t size = 1ull << shift;
			out->page_size = size;
			out->pa = (pa & ~(size - 1)) + (va & (size - 1));
			return NULL;
		}
		table = pa;
	}
	return pm_err_new(PM_ERR_FAULT, "0x%llx: no page-table leaf", (unsigned long long)va);
}
