/* Opening a kernel dump: physical segments, VMCOREINFO, and the walk of
 * the kernel's page tables (the architecture's, karch.h) that turns them
 * into virtual mappings. */
#include "karch.h"
#include "kfind.h"
#include "kmem.h"
#include "ktypes.h"
#include "../base/util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static void flush(struct pm_kwalk *w)
{
	if (w->end > w->va)
		pm_memmap_add(&w->t->mem, w->va, w->end, w->backing, w->off);
	w->end = w->va = 0;
}

/* The start of the first segment above pa (UINT64_MAX if none). */
static uint64_t next_start(const struct pm_memmap *m, uint64_t pa)
{
	size_t lo = pm_count_le(m->segs, m->nsegs, sizeof(*m->segs), offsetof(struct pm_segment, start),
				pa);
	return lo < m->nsegs ? m->segs[lo].start : UINT64_MAX;
}

/* the parts the dump holds */
void pm_kwalk_leaf(struct pm_kwalk *w, uint64_t va, uint64_t pa, uint64_t size)
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

bool pm_kwalk_table(struct pm_kwalk *w, uint64_t pa, int level, uint64_t *entries)
{
	if (pm_memmap_read_partial(&w->k->phys, pa, entries, 512 * 8) != 512 * 8)
		return false;
	if (w->k->ntables >= PM_KWALK_MAX_TABLES) {
		w->truncated = true;
		return false;
	}
	vec_reserve(&w->k->tables, &w->tables_cap, w->k->ntables + 1, sizeof(*w->k->tables));
	w->k->tables[w->k->ntables++] = (struct pm_ktable){ pa, level };
	return true;
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

struct pm_err *pm_kvtop_walk(struct pm_kernel *k, uint64_t va, int levels, pm_kpte_fn *decode,
			     struct pm_vtop *out)
{
	uint64_t table = k->pgd;
	for (int level = levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		unsigned idx = (unsigned)(va >> shift) & 511;
		uint64_t e, pa = 0;
		if (pm_memmap_read_partial(&k->phys, table + idx * 8, &e, 8) != 8)
			return pm_err_new(PM_ERR_FAULT, "page table at physical 0x%llx is not in the dump",
					  (unsigned long long)(table + idx * 8));
		out->entries[out->nentries++] = e;
		enum pm_kpte kind = decode(k, e, level, &pa);
		if (kind == PM_KPTE_ABSENT)
			return pm_err_new(PM_ERR_FAULT, "0x%llx is not mapped (level-%d entry 0x%llx not present)",
					  (unsigned long long)va, level, (unsigned long long)e);
		if (kind == PM_KPTE_LEAF) {
			uint64_t size = 1ull << shift;
			out->page_size = size;
			out->pa = (pa & ~(size - 1)) + (va & (size - 1));
			return NULL;
		}
		table = pa;
	}
	return pm_err_new(PM_ERR_FAULT, "0x%llx: no page-table leaf", (unsigned long long)va);
}

static const struct pm_karch *const karchs[] = { &pm_karch_x86_64, &pm_karch_aarch64 };

struct pm_err *pm_kernel_attach(struct pm_target *t, struct pm_backing *dump,
				const struct pm_memmap *phys_segments, const char *vmcoreinfo,
				size_t len)
{
	(void)dump;
	const struct pm_karch *ka = NULL;
	for (size_t i = 0; i < sizeof(karchs) / sizeof(*karchs); i++)
		if (!t->arch || strcmp(t->arch->name, karchs[i]->arch) == 0)
			ka = ka ? ka : karchs[i];
	if (!ka)
		return pm_err_new(PM_ERR_FORMAT, "%s: %s kernel dumps are not supported (x86-64 and "
				  "AArch64 only)", t->path, t->arch->name);
	struct pm_kernel *k = xcalloc(1, sizeof(*k));
	t->kernel = k;
	k->arch = ka;
	k->phys = *phys_segments;
	if (vmcoreinfo) {
		pm_vmcoreinfo_parse(&k->vi, vmcoreinfo, len);
		const char *off = pm_vmcoreinfo_get(&k->vi, "KERNELOFFSET");
		if (off)
			k->kaslr_offset = strtoull(off, NULL, 16);
		struct pm_err *err = ka->locate(t, k);
		if (err)
			return err;
	} else {
		struct pm_err *err = pm_kernel_find_pgd(t);
		if (err)
			return err;
	}
	struct pm_kwalk w = { .t = t, .k = k };
	ka->walk(&w);
	flush(&w);
	if (k->ntables)
		qsort(k->tables, k->ntables, sizeof(*k->tables), by_pa);
	pm_memmap_finish(&t->mem);
	if (w.truncated)
		pm_warn("%s: more than %u pages mapped or %u page tables visited; the rest of the "
			"page tables were not read", t->path, PM_KWALK_MAX_LEAVES, PM_KWALK_MAX_TABLES);
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
	pm_kernel_code_free(k->kcode);
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
	return k->arch->vtop(k, va, out);
}

struct pm_err *pm_kernel_unwind(struct pm_target *t, const uint64_t *regs, struct pm_stack *out)
{
	return t->kernel->arch->unwind(t, regs, out, NULL);
}

struct pm_err *pm_kernel_exception_regs(struct pm_target *t, const uint64_t *regs, uint64_t *out)
{
	struct pm_stack s;
	uint64_t at = 0;
	struct pm_err *err = t->kernel->arch->unwind(t, regs, &s, &at);
	pm_stack_free(&s);
	if (err)
		return err;
	if (!at)
		return pm_err_new(PM_ERR_LOOKUP, "no exception or interrupt frame on this stack");
	return t->kernel->arch->pt_regs(t, at, out);
}

void pm_kstack_push(struct pm_target *t, struct pm_stack *s, uint64_t pc, uint64_t sp, bool exact)
{
	vec_reserve(&s->frames, &s->cap, s->nframes + 1, sizeof(*s->frames));
	struct pm_frame *f = &s->frames[s->nframes++];
	memset(f, 0, sizeof(*f));
	f->kind = PM_FRAME_NORMAL;
	f->pc = pc;
	/* a return address: its call is the instruction before it */
	f->lookup_pc = exact ? pc : pc - 1;
	f->sp = sp;
	const struct pm_ksym *k = pm_ksym_by_addr(t, f->lookup_pc);
	if (k) {
		f->func = k->name;
		f->has_off = true;
		f->func_off = pc - k->addr;
	}
}

void pm_kstack_push_user(struct pm_stack *s, uint64_t pc, uint64_t sp)
{
	vec_reserve(&s->frames, &s->cap, s->nframes + 1, sizeof(*s->frames));
	struct pm_frame *f = &s->frames[s->nframes++];
	memset(f, 0, sizeof(*f));
	f->kind = PM_FRAME_NORMAL;
	f->pc = f->lookup_pc = pc;
	f->sp = sp;        /* no name: printed as the bare user address */
}
