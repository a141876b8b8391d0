/* The kernel's memory layout for the memory dcmds (see kmem.h). */
#include "karch.h"
#include "kernel.h"
#include "ktypes.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CPUS 8192u
#define MAX_NODES 1024u

uint64_t pm_kmem_rd(struct pm_target *t, uint64_t addr, unsigned n, bool *ok)
{
	uint64_t v = 0;
	if (n > 8 || pm_memmap_read_partial(&t->mem, addr, &v, n) != n)
		*ok = false;
	return v;
}

/* A kernel variable's value, or dflt when kallsyms does not have it. */
static uint64_t variable(struct pm_target *t, const char *name, uint64_t dflt, bool *ok)
{
	const struct pm_ksym *s = pm_ksym_by_name(t, name);
	return s ? pm_kmem_rd(t, s->addr, 8, ok) : dflt;
}

/* The bits set in a kernel bitmap of nbits bits (cpumask, nodemask). */
static unsigned bitmap_ids(struct pm_target *t, uint64_t addr, unsigned nbits, unsigned **ids)
{
	unsigned n = 0;
	*ids = xcalloc(nbits ? nbits : 1, sizeof(**ids));
	for (unsigned w = 0; w < (nbits + 63) / 64; w++) {
		bool ok = true;
		uint64_t word = pm_kmem_rd(t, addr + 8ull * w, 8, &ok);
		for (unsigned b = 0; ok && b < 64 && 64 * w + b < nbits; b++)
			if (word >> b & 1)
				(*ids)[n++] = 64 * w + b;
	}
	return n;
}

static void find_cpus(struct pm_target *t, struct pm_kmem *m)
{
	uint64_t offsets = pm_kernel_data_symbol(t, "__per_cpu_offset");
	const struct pm_ksym *possible = pm_ksym_by_name(t, "__cpu_possible_mask");
	const struct pm_ksym *nr = pm_ksym_by_name(t, "nr_cpu_ids");
	bool ok = true;
	unsigned ncpu = nr ? (unsigned)pm_kmem_rd(t, nr->addr, 4, &ok) : MAX_CPUS;
	if (!ok || ncpu == 0 || ncpu > MAX_CPUS)
		ncpu = MAX_CPUS;
	if (!offsets) {                /* a uniprocessor kernel: no per-CPU offsets */
		m->ncpus = 1;
		m->cpu_ids = xcalloc(1, sizeof(*m->cpu_ids));
		m->percpu = xcalloc(1, sizeof(*m->percpu));
		return;
	}
	if (possible) {
		m->ncpus = bitmap_ids(t, possible->addr, ncpu, &m->cpu_ids);
	} else {                       /* every CPU the dump has a note for */
		m->ncpus = (unsigned)(pm_kernel_ncpus(t) < ncpu ? pm_kernel_ncpus(t) : ncpu);
		m->cpu_ids = xcalloc(m->ncpus + 1, sizeof(*m->cpu_ids));
		for (unsigned i = 0; i < m->ncpus; i++)
			m->cpu_ids[i] = i;
	}
	m->percpu = xcalloc(m->ncpus + 1, sizeof(*m->percpu));
	for (unsigned i = 0; i < m->ncpus; i++) {
		ok = true;
		m->percpu[i] = pm_kmem_rd(t, offsets + 8ull * m->cpu_ids[i], 8, &ok);
		if (!ok)
			m->cpu_ids[i] = UINT32_MAX;   /* unreadable: skipped by users */
	}
}

/* Online nodes and their pfn ranges, from node_data[] (VMCOREINFO). */
unsigned pm_kmem_online_nodes(struct pm_target *t, unsigned **ids)
{
	const struct pm_vmcoreinfo *vi = &t->kernel->vi;
	uint64_t online;
	int64_t len = 64, mask = 0;
	/* node_data[]'s length, else as many as nodemask_t has bits (arm64's
	 * VMCOREINFO has neither node_data nor its length: kcode.h finds it),
	 * else one word: the map is one of node_states[], and the bits past
	 * its end are another state's */
	if (!pm_vmcoreinfo_number(vi, "LENGTH", "node_data", &len) &&
	    pm_vmcoreinfo_number(vi, "SIZE", "nodemask_t", &mask) && mask > 0 && mask <= MAX_NODES / 8)
		len = mask * 8;
	if (len <= 0 || len > MAX_NODES)
		len = 64;
	if (!pm_vmcoreinfo_symbol(vi, "node_online_map", &online)) {
		*ids = xcalloc(1, sizeof(**ids));
		return 0;
	}
	return bitmap_ids(t, online, (unsigned)len, ids);
}

static void find_nodes(struct pm_target *t, struct pm_kmem *m)
{
	const struct pm_vmcoreinfo *vi = &t->kernel->vi;
	uint64_t node_data;
	int64_t start_off, spanned_off;
	if (!(node_data = pm_kernel_data_symbol(t, "node_data")) ||
	    !pm_vmcoreinfo_number(vi, "OFFSET", "pglist_data.node_start_pfn", &start_off) ||
	    !pm_vmcoreinfo_number(vi, "OFFSET", "pglist_data.node_spanned_pages", &spanned_off))
		return;
	unsigned *ids;
	unsigned n = pm_kmem_online_nodes(t, &ids);
	m->node_ids = xcalloc(n + 1, sizeof(*m->node_ids));
	m->node_start = xcalloc(n + 1, sizeof(*m->node_start));
	m->node_end = xcalloc(n + 1, sizeof(*m->node_end));
	for (unsigned i = 0; i < n; i++) {
		bool ok = true;
		uint64_t pgdat = pm_kmem_rd(t, node_data + 8ull * ids[i], 8, &ok);
		uint64_t start = pm_kmem_rd(t, pgdat + (uint64_t)start_off, 8, &ok);
		uint64_t spanned = pm_kmem_rd(t, pgdat + (uint64_t)spanned_off, 8, &ok);
		if (!ok || start + spanned < start)
			continue;
		m->node_ids[m->nnodes] = ids[i];
		m->node_start[m->nnodes] = start;
		m->node_end[m->nnodes++] = start + spanned;
	}
	free(ids);
}

static int64_t vi_number(struct pm_target *t, const char *kind, const char *name, int64_t dflt)
{
	int64_t v;
	return pm_vmcoreinfo_number(&t->kernel->vi, kind, name, &v) ? v : dflt;
}

/* x86-64's: the bases that memory KASLR moves, else their fixed values */
struct pm_err *pm_x86_layout(struct pm_target *t, struct pm_kmem *m)
{
	struct pm_kernel *k = t->kernel;
	bool ok = true;
	m->page_offset = variable(t, "page_offset_base", k->l5 ? 0xff11000000000000ull : 0xffff888000000000ull, &ok);
	m->vmemmap = variable(t, "vmemmap_base", k->l5 ? 0xffd4000000000000ull : 0xffffea0000000000ull, &ok);
	m->vmalloc = variable(t, "vmalloc_base", k->l5 ? 0xffa0000000000000ull : 0xffffc90000000000ull, &ok);
	m->vmalloc_end = m->vmalloc + (k->l5 ? 12800ull : 32ull) * (1ull << 40);   /* VMALLOC_SIZE_TB */
	m->kernel_space = k->l5 ? 0xff00000000000000ull : 0xffff800000000000ull;
	m->image = 0xffffffff80000000ull;            /* __START_KERNEL_map */
	m->modules = 0;
	m->modules_end = 0xffffffffff000000ull;
	if (!ok)
		return pm_err_new(PM_ERR_FAULT, "page_offset_base, vmemmap_base or vmalloc_base is not in the dump");
	return NULL;
}

static struct pm_err *learn(struct pm_target *t, struct pm_kmem *m)
{
	struct pm_kernel *k = t->kernel;
	m->page_size = (uint64_t)vi_number(t, "SIZE", "page", 0);
	if (!m->page_size)
		m->page_size = pm_ktype_size(t, "page");
	int64_t flags = vi_number(t, "OFFSET", "page.flags", -1);
	int64_t head = vi_number(t, "OFFSET", "page.compound_head", -1);
	uint64_t o;
	if (flags < 0 && pm_ktype_member(t, "page", "flags", &o, NULL))
		flags = (int64_t)o;
	if (head < 0 && pm_ktype_member(t, "page", "compound_head", &o, NULL))
		head = (int64_t)o;
	if (m->page_size < 16 || m->page_size > 4096 || flags < 0 || head < 0)
		return pm_err_new(PM_ERR_LOOKUP, "the size of struct page or its flags and compound_head "
				  "members are unknown (neither VMCOREINFO nor BTF has them)");
	struct pm_err *err = k->arch->layout(t, m);
	if (err)
		return err;
	m->off_flags = (uint64_t)flags;
	m->off_compound_head = (uint64_t)head;
	m->off_page_type = pm_ktype_member(t, "page", "page_type", &o, NULL) ? o : (uint64_t)vi_number(t, "OFFSET", "page._mapcount", 0);
	m->off_private = pm_ktype_member(t, "page", "private", &o, NULL) ? o : (uint64_t)vi_number(t, "OFFSET", "page.private", 0);
	m->pg_slab = (int)vi_number(t, "NUMBER", "PG_slab", -1);
	const char *name;
	int64_t v;
	for (unsigned i = 0; m->pg_slab < 0 && pm_ktype_enumerator(t, "pageflags", i, &name, &v); i++)
		if (strcmp(name, "PG_slab") == 0 && v >= 0 && v < 64)
			m->pg_slab = (int)v;
	m->buddy_type = vi_number(t, "NUMBER", "PAGE_BUDDY_MAPCOUNT_VALUE", 0);
	m->offline_type = vi_number(t, "NUMBER", "PAGE_OFFLINE_MAPCOUNT_VALUE", 0);
	const struct pm_memmap *phys = &k->phys;
	uint64_t end = phys->nsegs ? phys->segs[phys->nsegs - 1].end : 0;
	m->max_pfn = (end + PM_KMEM_PAGE - 1) / PM_KMEM_PAGE;
	find_cpus(t, m);
	find_nodes(t, m);
	return NULL;
}

struct pm_err *pm_kmem(struct pm_target *t, const struct pm_kmem **out)
{
	struct pm_kernel *k = t->kernel;
	if (!k)
		return pm_err_new(PM_ERR_LOOKUP, "not a kernel crash dump");
	if (!k->kmem) {
		struct pm_kmem *m = xcalloc(1, sizeof(*m));
		struct pm_err *err = learn(t, m);
		if (err) {
			pm_kmem_free(m);
			return err;
		}
		k->kmem = m;
	}
	*out = k->kmem;
	return NULL;
}

void pm_kmem_free(struct pm_kmem *m)
{
	if (!m)
		return;
	free(m->cpu_ids);
	free(m->percpu);
	free(m->node_ids);
	free(m->node_start);
	free(m->node_end);
	free(m->caches);
	free(m);
}

bool pm_kmem_is_page(const struct pm_kmem *m, uint64_t p)
{
	return p >= m->vmemmap && (p - m->vmemmap) % m->page_size == 0 &&
	       (p - m->vmemmap) / m->page_size < m->max_pfn;
}

uint64_t pm_kmem_pfn_page(const struct pm_kmem *m, uint64_t pfn)
{
	return m->vmemmap + pfn * m->page_size;
}

uint64_t pm_kmem_page_pfn(const struct pm_kmem *m, uint64_t page)
{
	return (page - m->vmemmap) / m->page_size;
}

uint64_t pm_kmem_compound_head(struct pm_target *t, const struct pm_kmem *m, uint64_t page)
{
	bool ok = true;
	uint64_t head = pm_kmem_rd(t, page + m->off_compound_head, 8, &ok);
	/* a tail page holds its head's address + 1 */
	return ok && (head & 1) && pm_kmem_is_page(m, head - 1) ? head - 1 : page;
}

int pm_kmem_pfn_node(const struct pm_kmem *m, uint64_t pfn)
{
	for (unsigned i = 0; i < m->nnodes; i++)
		if (pfn >= m->node_start[i] && pfn < m->node_end[i])
			return (int)m->node_ids[i];
	return m->nnodes == 0 ? 0 : -1;
}
