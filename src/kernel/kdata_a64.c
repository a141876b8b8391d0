/* AArch64's table of kernel data symbols found in code (kcode.h), for
 * kernels without CONFIG_KALLSYMS_ALL.  Each function was chosen because
 * its first reference of that kind is the symbol, in 6.1's source as in
 * Debian's build: get_avenrun reads avenrun[0] first; ktime_get_real_seconds
 * loads tk_core.timekeeper.xtime_sec; single_task_running forms
 * this_rq()'s per-CPU address; nr_iowait_cpu indexes __per_cpu_offset[cpu];
 * first_online_pgdat indexes node_data[]; slab_next passes &slab_caches
 * to seq_list_next.  Every candidate is checked against what BTF says the
 * object must hold, and refused when it does not. */
#include "kcode.h"
#include "kernel.h"
#include "kmem.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>

#define MAX_CPUS 4096u
#define CACHELINE 64u          /* arm64's L1_CACHE_BYTES: ____cacheline_aligned */

static bool fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return false;
}

static struct pm_btf *btf(struct pm_target *t)
{
	struct pm_btf *b;
	struct pm_err *err = pm_kernel_btf(t, &b);
	if (err) {
		pm_err_free(err);
		return NULL;
	}
	return b;
}

static bool member(struct pm_target *t, const char *type, const char *path, uint64_t *off)
{
	struct pm_btf *b = btf(t);
	return b && pm_btf_member(b, pm_btf_find_struct(b, type), path, off, NULL);
}

/* A C string at addr: NUL-terminated within 64 bytes, printable, not empty. */
static bool name_at(struct pm_target *t, uint64_t addr)
{
	char s[64];
	size_t n = pm_memmap_read_partial(&t->mem, addr, s, sizeof(s));
	size_t i = 0;
	while (i < n && s[i] && isprint((unsigned char)s[i]))
		i++;
	return i > 0 && i < n && s[i] == 0;
}

static unsigned ncpus(struct pm_target *t)
{
	size_t n = pm_kernel_ncpus(t);
	return n > MAX_CPUS ? MAX_CPUS : (unsigned)n;
}

/* __per_cpu_offset[cpu] of each CPU the dump has: set, and all different. */
static bool check_percpu_offset(struct pm_target *t, uint64_t *addr, char *why, size_t len)
{
	uint64_t prev = 0;
	for (unsigned c = 0; c < ncpus(t); c++) {
		bool ok = true;
		uint64_t v = pm_kmem_rd(t, *addr + 8ull * c, 8, &ok);
		if (!ok || v == 0 || (c && v == prev))
			return fail(why, len, "its entry for CPU %u (0x%llx) is no per-CPU offset", c,
				    (unsigned long long)v);
		prev = v;
	}
	return true;
}

/* Each CPU's copy of runqueues is the struct rq of that CPU (rq.cpu). */
static bool check_runqueues(struct pm_target *t, uint64_t *addr, char *why, size_t len)
{
	uint64_t off, offsets = pm_kernel_data_symbol(t, "__per_cpu_offset");
	if (!member(t, "rq", "cpu", &off))
		return fail(why, len, "BTF has no struct rq.cpu to check it");
	if (!offsets)
		return fail(why, len, "__per_cpu_offset, needed to check it, is unknown");
	for (unsigned c = 0; c < ncpus(t); c++) {
		bool ok = true;
		uint64_t base = pm_kmem_rd(t, offsets + 8ull * c, 8, &ok);
		uint64_t cpu = pm_kmem_rd(t, base + *addr + off, 4, &ok);
		if (!ok || cpu != c)
			return fail(why, len, "CPU %u's copy is not the struct rq of CPU %u", c, c);
	}
	return true;
}

/* The per-CPU template's bounds: runqueues less its offset in BTF's
 * .data..percpu, and that section's size. */
static bool percpu_bound(struct pm_target *t, uint64_t *addr, char *why, size_t len, bool end)
{
	struct pm_btf *b = btf(t);
	uint64_t rq = pm_kernel_data_symbol(t, "runqueues");
	uint32_t off, size;
	if (!rq)
		return fail(why, len, "runqueues, which it is found from, is unknown");
	if (!b || !pm_btf_datasec_var(b, ".data..percpu", "runqueues", &off, &size) || off > rq)
		return fail(why, len, "BTF's .data..percpu does not place runqueues");
	*addr = rq - off + (end ? size : 0);
	snprintf(why, len, "runqueues - 0x%x%s (BTF's .data..percpu)", off, end ? " + the section's size" : "");
	return (*addr - (end ? size : 0)) % CACHELINE == 0 ||
	       fail(why, len, "runqueues - 0x%x (BTF's .data..percpu) is not cacheline-aligned", off);
}

static bool check_percpu_start(struct pm_target *t, uint64_t *addr, char *why, size_t len)
{
	return percpu_bound(t, addr, why, len, false);
}

static bool check_percpu_end(struct pm_target *t, uint64_t *addr, char *why, size_t len)
{
	return percpu_bound(t, addr, why, len, true);
}

/* avenrun[3]: fixed-point loads (FIXED_1 is 2048), far below 2^32. */
static bool check_avenrun(struct pm_target *t, uint64_t *addr, char *why, size_t len)
{
	for (int i = 0; i < 3; i++) {
		bool ok = true;
		uint64_t v = pm_kmem_rd(t, *addr + 8ull * i, 8, &ok);
		if (!ok || v >> 32)
			return fail(why, len, "avenrun[%d] there (0x%llx) is no load average", i,
				    (unsigned long long)v);
	}
	return true;
}

/* The code loads tk_core.timekeeper.xtime_sec: tk_core is that less
 * BTF's offsets (its seqcount, 8-aligned, then the timekeeper), is
 * cacheline-aligned, and its tkr_mono.clock is a named clocksource. */
static bool check_tk_core(struct pm_target *t, uint64_t *addr, char *why, size_t len)
{
	struct pm_btf *b = btf(t);
	uint32_t seq = b ? pm_btf_find_typedef(b, "seqcount_raw_spinlock_t") : 0;
	uint64_t xtime, clock, name;
	if (!seq || !member(t, "timekeeper", "xtime_sec", &xtime) ||
	    !member(t, "timekeeper", "tkr_mono.clock", &clock) || !member(t, "clocksource", "name", &name))
		return fail(why, len, "BTF lacks the timekeeper's layout to check it");
	uint64_t tk = ((pm_btf_size(b, seq) + 7) & ~7ull), at = *addr - tk - xtime;
	bool ok = true;
	int64_t secs = (int64_t)pm_kmem_rd(t, *addr, 8, &ok);
	uint64_t cs = pm_kmem_rd(t, at + tk + clock, 8, &ok);
	uint64_t str = ok ? pm_kmem_rd(t, cs + name, 8, &ok) : 0;
	if (at % CACHELINE || !ok || secs <= 0 || !name_at(t, str))
		return fail(why, len, "0x%llx is no tk_core (aligned, with a positive xtime_sec and a named "
			    "clocksource)", (unsigned long long)at);
	*addr = at;
	return true;
}

/* node_data[n] of each node of node_online_map (VMCOREINFO) is the
 * pglist_data of node n. */
static bool check_node_data(struct pm_target *t, uint64_t *addr, char *why, size_t len)
{
	uint64_t online, id;
	if (!pm_vmcoreinfo_symbol(&t->kernel->vi, "node_online_map", &online) ||
	    !member(t, "pglist_data", "node_id", &id))
		return fail(why, len, "no node_online_map in VMCOREINFO or pglist_data.node_id in BTF to check it");
	unsigned *ids;
	unsigned nodes = pm_kmem_online_nodes(t, &ids);
	for (unsigned i = 0; i < nodes; i++) {
		bool ok = true;
		uint64_t pgdat = pm_kmem_rd(t, *addr + 8ull * ids[i], 8, &ok);
		if (!ok || !pgdat || pm_kmem_rd(t, pgdat + id, 4, &ok) != ids[i] || !ok) {
			unsigned n = ids[i];
			free(ids);
			return fail(why, len, "its entry for node %u is not that node's pglist_data", n);
		}
	}
	free(ids);
	return nodes > 0 || fail(why, len, "node_online_map has no node online");
}

/* slab_caches: a list_head whose first entry is a kmem_cache (its list
 * pointing back, a name, object_size <= size). */
static bool check_slab_caches(struct pm_target *t, uint64_t *addr, char *why, size_t len)
{
	uint64_t list, name, osize, size;
	if (!member(t, "kmem_cache", "list", &list) || !member(t, "kmem_cache", "name", &name) ||
	    !member(t, "kmem_cache", "object_size", &osize) || !member(t, "kmem_cache", "size", &size))
		return fail(why, len, "BTF lacks struct kmem_cache to check it");
	bool ok = true;
	uint64_t next = pm_kmem_rd(t, *addr, 8, &ok);
	uint64_t back = pm_kmem_rd(t, next + 8, 8, &ok);
	uint64_t cache = next - list;
	uint64_t str = pm_kmem_rd(t, cache + name, 8, &ok);
	uint64_t os = pm_kmem_rd(t, cache + osize, 4, &ok), s = pm_kmem_rd(t, cache + size, 4, &ok);
	if (!ok || back != *addr || next == *addr || !name_at(t, str) || os > s || s == 0)
		return fail(why, len, "it is no list of struct kmem_cache");
	return true;
}

const struct pm_kcode_sym pm_kcode_syms_a64[] = {
	{ "__per_cpu_offset", "nr_iowait_cpu", PM_KREF_INDEXED, 0, 0, PM_KREF_DATA, check_percpu_offset },
	{ "runqueues", "single_task_running", PM_KREF_PAIR, 0, 0, PM_KREF_PERCPU, check_runqueues },
	{ "__per_cpu_start", NULL, PM_KREF_PAIR, 0, 0, PM_KREF_PERCPU, check_percpu_start },
	{ "__per_cpu_end", NULL, PM_KREF_PAIR, 0, 0, PM_KREF_PERCPU, check_percpu_end },
	{ "avenrun", "get_avenrun", PM_KREF_ACCESS, 0, 0, PM_KREF_DATA, check_avenrun },
	{ "tk_core", "ktime_get_real_seconds", PM_KREF_ACCESS, 0, 0, PM_KREF_DATA, check_tk_core },
	{ "node_data", "first_online_pgdat", PM_KREF_INDEXED, 0, 0, PM_KREF_DATA, check_node_data },
	{ "slab_caches", "slab_next", PM_KREF_ARG, 0, 1, PM_KREF_DATA, check_slab_caches },
	{ NULL, NULL, 0, 0, 0, 0, NULL },
};
