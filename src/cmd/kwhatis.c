/* addr::whatis on a kernel dump: the slab object (cache, object, free or
 * allocated), the task whose task_struct or stack holds it, a CPU's
 * per-CPU variable, the vmalloc area, and the region of the address
 * space with the physical page and what that page is. */
#include "cmds.h"
#include "../kernel/kernel.h"
#include "../kernel/kmem.h"
#include "../kernel/ktypes.h"
#include "../kernel/slub.h"
#include "../kernel/vmalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define THREAD_SIZE (16u << 10)     /* x86-64's kernel stacks (without KASAN) */

static void say_object(struct pmdb *db, uint64_t a, const struct pm_slub_object *o)
{
	const struct pm_slub_cache *c = &o->cache;
	if (!o->object)
		fprintf(db->out, "0x%" PRIx64 " is in a slab of %s, past its last object\n", a, c->name);
	else if (a == o->object)
		fprintf(db->out, "0x%" PRIx64 " is %s from %s\n", a, o->is_free ? "freed" : "allocated",
			c->name);
	else
		fprintf(db->out, "0x%" PRIx64 " is 0x%" PRIx64 "%c0x%" PRIx64 ", %s from %s\n", a, o->object,
			a > o->object ? '+' : '-', a > o->object ? a - o->object : o->object - a,
			o->is_free ? "freed" : "allocated", c->name);
	fprintf(db->out, "  cache 0x%" PRIx64 ": object size %u, %u bytes apart, %u per %" PRIu64 "k slab\n",
		c->addr, c->object_size, c->size, c->objects, c->slab_bytes / 1024);
	fprintf(db->out, "  slab 0x%" PRIx64 ": memory 0x%" PRIx64 ", node %d, %u objects, %u allocated, %u free",
		o->slab, o->mem, o->node, o->objects, o->allocated, o->nfree);
	if (o->cpu >= 0)
		fprintf(db->out, "; CPU %d's slab%s", o->cpu, o->is_free ? " (the object is in its cache)" : "");
	fputc('\n', db->out);
}

/* A task whose task_struct or stack holds a. */
static void say_task(struct pmdb *db, uint64_t a)
{
	struct pm_ktask *v;
	size_t n;
	uint64_t stack_off, tsize = pm_ktype_size(db->t, "task_struct");
	/* x86's task_struct ends in the FPU state, sized at boot */
	const struct pm_ksym *arch_size = pm_ksym_by_name(db->t, "arch_task_struct_size");
	bool size_ok = true;
	uint64_t boot_size = arch_size ? pm_kmem_rd(db->t, arch_size->addr, 4, &size_ok) : 0;
	if (size_ok && boot_size >= 64 && boot_size < (1u << 20))
		tsize = boot_size;
	struct pm_err *err = pm_kernel_tasks(db->t, &v, &n);
	if (err) {
		pm_err_free(err);
		return;
	}
	bool has_stack = pm_ktype_member(db->t, "task_struct", "stack", &stack_off, NULL);
	for (size_t i = 0; i < n; i++) {
		const struct pm_ktask *k = &v[i];
		bool ok = true;
		uint64_t stack = has_stack ? pm_kmem_rd(db->t, k->addr + stack_off, 8, &ok) : 0;
		if (a >= k->addr && a - k->addr < tsize)
			fprintf(db->out, "0x%" PRIx64 " is in the task_struct 0x%" PRIx64 " of pid %d (%s)\n", a,
				k->addr, k->pid, k->comm);
		else if (ok && stack && a >= stack && a - stack < THREAD_SIZE)
			fprintf(db->out, "0x%" PRIx64 " is on the stack of pid %d (%s, task 0x%" PRIx64 "), "
				"0x%" PRIx64 "-0x%" PRIx64 "\n", a, k->pid, k->comm, k->addr, stack,
				stack + THREAD_SIZE);
	}
	free(v);
}

/* A per-CPU variable: a in a CPU's copy of .data..percpu. */
static void say_percpu(struct pmdb *db, const struct pm_kmem *m, uint64_t a)
{
	uint64_t start = pm_kernel_data_symbol(db->t, "__per_cpu_start");
	uint64_t end = pm_kernel_data_symbol(db->t, "__per_cpu_end");
	const struct pm_ksym *syms;
	size_t n = pm_ksyms(db->t, &syms);
	if (!start || !end)
		return;
	for (unsigned i = 0; i < m->ncpus; i++) {
		uint64_t off = a - m->percpu[i];
		if (m->cpu_ids[i] == UINT32_MAX || off < start || off >= end)
			continue;
		/* the last symbol at or below off (kallsyms is sorted) */
		const struct pm_ksym *best = NULL;
		for (size_t j = 0; j < n && syms[j].addr <= off; j++)
			if (syms[j].addr >= start)
				best = &syms[j];
		fprintf(db->out, "0x%" PRIx64 " is in CPU %u's per-CPU area", a, m->cpu_ids[i]);
		if (best)
			fprintf(db->out, ": %s+0x%" PRIx64, best->name, off - best->addr);
		fputc('\n', db->out);
	}
}

static void say_vmalloc(struct pmdb *db, uint64_t a)
{
	struct pm_vmap_area va;
	bool found;
	struct pm_err *err = pm_vmap_area(db->t, a, &va, &found);
	if (err) {
		fprintf(db->out, "0x%" PRIx64 " is in vmalloc space (%s)\n", a, err->msg);
		pm_err_free(err);
		return;
	}
	if (!found) {
		fprintf(db->out, "0x%" PRIx64 " is in vmalloc space, in no vmap_area\n", a);
		return;
	}
	fprintf(db->out, "0x%" PRIx64 " is in vmalloc area 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64
		" bytes, vmap_area 0x%" PRIx64 ", vm_struct 0x%" PRIx64 ")", a, va.start, va.end,
		va.end - va.start, va.addr, va.vm);
	if (va.caller) {
		fputs(" allocated by ", db->out);
		pm_sym_print(db->dw, db->out, va.caller);
	}
	fputc('\n', db->out);
}

/* The kernel image's part holding a, by its section symbols. */
static const char *image_part(struct pmdb *db, uint64_t a)
{
	static const char *const parts[][3] = {
		{ "_stext", "_etext", "text" }, { "__start_rodata", "__end_rodata", "read-only data" },
		{ "_sdata", "_edata", "data" }, { "__bss_start", "__bss_stop", "bss" },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const struct pm_ksym *s = pm_ksym_by_name(db->t, parts[i][0]);
		const struct pm_ksym *e = pm_ksym_by_name(db->t, parts[i][1]);
		if (s && e && a >= s->addr && a < e->addr)
			return parts[i][2];
	}
	return NULL;
}

/* The names of page.flags' bits, from enum pageflags (the first name of
 * each bit: later ones are aliases such as PG_checked). */
static void say_flags(struct pmdb *db, uint64_t flags)
{
	const char *names[64] = { 0 }, *name;
	int64_t v, nr = 64;
	for (unsigned i = 0; pm_ktype_enumerator(db->t, "pageflags", i, &name, &v); i++) {
		if (strcmp(name, "__NR_PAGEFLAGS") == 0)
			nr = v;
		else if (v >= 0 && v < 64 && !names[v] && strncmp(name, "PG_", 3) == 0)
			names[v] = name + 3;
	}
	for (int64_t bit = 0; bit < nr && bit < 64; bit++)
		if ((flags >> bit & 1) && names[bit])
			fprintf(db->out, " %s", names[bit]);
}

/* What the page at pfn is, as far as its struct page says. */
static void say_page(struct pmdb *db, const struct pm_kmem *m, uint64_t pa)
{
	uint64_t pfn = pa / PM_KMEM_PAGE, page = pm_kmem_pfn_page(m, pfn);
	bool ok = true;
	uint64_t flags = pm_kmem_rd(db->t, page + m->off_flags, 8, &ok);
	int64_t type = (int32_t)pm_kmem_rd(db->t, page + m->off_page_type, 4, &ok);
	fprintf(db->out, "  physical 0x%" PRIx64 ", page 0x%" PRIx64 " (pfn 0x%" PRIx64 ")", pa, page, pfn);
	if (!ok || pfn >= m->max_pfn) {
		fputs(", its struct page is not in the dump\n", db->out);
		return;
	}
	fprintf(db->out, ", flags 0x%" PRIx64, flags);
	say_flags(db, flags);
	int level = pm_kernel_table_level(db->t, pa);
	static const char *const levels[] = { "", "PTE", "PMD", "PUD", "P4D", "PGD" };
	if (level)
		fprintf(db->out, ": a page table of the kernel (%s)",
			levels[level == 4 && !db->t->kernel->l5 ? 5 : level]);
	else if (m->buddy_type && type == m->buddy_type)
		fprintf(db->out, ": free (buddy allocator, order %" PRIu64 ")",
			pm_kmem_rd(db->t, page + m->off_private, 8, &ok));
	else if (m->offline_type && type == m->offline_type)
		fputs(": offline", db->out);
	fputc('\n', db->out);
}

static void say_region(struct pmdb *db, const struct pm_kmem *m, uint64_t a)
{
	uint64_t direct_end = m->page_offset + m->max_pfn * PM_KMEM_PAGE;
	uint64_t vmemmap_end = m->vmemmap + m->max_pfn * m->page_size;
	/* the image's end: _end, or (kallsyms without it) its data's mapping's */
	uint64_t end = pm_kernel_data_symbol(db->t, "_end"), data;
	if (!end)
		pm_kernel_image_data(db->t, &data, &end);
	const char *part = image_part(db, a);
	if (a >= m->page_offset && a < direct_end)
		fprintf(db->out, "0x%" PRIx64 " is in the direct map of physical memory\n", a);
	else if (a >= m->vmemmap && a < vmemmap_end)
		fprintf(db->out, "0x%" PRIx64 " is in the struct page of pfn 0x%" PRIx64 " (+0x%" PRIx64 ")\n",
			a, (a - m->vmemmap) / m->page_size, (a - m->vmemmap) % m->page_size);
	else if (a >= m->vmalloc && a < m->vmalloc_end)
		say_vmalloc(db, a);
	else if (a >= m->image && end && a < end)
		fprintf(db->out, "0x%" PRIx64 " is in the kernel image%s%s\n", a, part ? ", " : "",
			part ? part : "");
	else if (a >= (m->modules ? m->modules : end) && end && a < m->modules_end)
		fprintf(db->out, "0x%" PRIx64 " is in the module area\n", a);
	else if (a < m->kernel_space)
		fprintf(db->out, "0x%" PRIx64 " is not a kernel address (user space; the dump holds the "
			"kernel's page tables)\n", a);
	else
		fprintf(db->out, "0x%" PRIx64 " is a kernel address outside the direct map, vmalloc space, "
			"the page array, the kernel image and modules\n", a);
	struct pm_vtop vt;
	struct pm_err *err = pm_kernel_vtop(db->t, a, &vt);
	if (err) {
		fprintf(db->out, "  %s\n", err->msg);
		pm_err_free(err);
		return;
	}
	say_page(db, m, vt.pa);
}

struct pm_err *pm_kernel_whatis(struct pmdb *db, uint64_t a)
{
	const struct pm_kmem *m;
	struct pm_err *err = pm_kmem(db->t, &m);
	if (err)
		return err;
	struct pm_slub_object o;
	bool slab = false;
	err = pm_slub_object(db->t, a, &o, &slab);
	if (err) {
		fprintf(db->out, "0x%" PRIx64 " is in a slab page, but: %s\n", a, err->msg);
		pm_err_free(err);
	} else if (slab) {
		say_object(db, a, &o);
	}
	say_task(db, a);
	say_percpu(db, m, a);
	say_region(db, m, a);
	return NULL;
}
