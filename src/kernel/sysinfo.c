/* The facts crash's `sys` prints beyond utsname and the log: the wall
 * clock, the load average, the CPU clock, which CPUs were online, and the
 * task that panicked. */
#include "sysinfo.h"
#include "kernel.h"

#include <string.h>

static bool read_sym(struct pm_target *t, const char *name, uint64_t off, void *buf, size_t len)
{
	uint64_t a = pm_kernel_data_symbol(t, name);
	return a && pm_memmap_read_partial(&t->mem, a + off, buf, len) == len;
}

bool pm_kernel_date(struct pm_target *t, int64_t *secs)
{
	/* static struct { seqcount_raw_spinlock_t seq; struct timekeeper timekeeper; } tk_core */
	struct pm_btf *b;
	struct pm_err *err = pm_kernel_btf(t, &b);
	if (err) {
		pm_err_free(err);
		return false;
	}
	uint32_t seq = pm_btf_find_typedef(b, "seqcount_raw_spinlock_t");
	uint32_t tk = pm_btf_find_struct(b, "timekeeper");
	uint64_t xtime;
	if (!seq || !tk || !pm_btf_member(b, tk, "xtime_sec", &xtime, NULL))
		return false;
	uint64_t at = ((pm_btf_size(b, seq) + 7) & ~7ull) + xtime;
	return read_sym(t, "tk_core", at, secs, 8) && *secs > 0;
}

bool pm_kernel_loadavg(struct pm_target *t, uint64_t avenrun[3])
{
	return read_sym(t, "avenrun", 0, avenrun, 3 * 8);
}

unsigned pm_kernel_cpu_mhz(struct pm_target *t)
{
	uint32_t khz = 0;
	return read_sym(t, "cpu_khz", 0, &khz, 4) ? khz / 1000 : 0;
}

int pm_kernel_cpus_online(struct pm_target *t, unsigned ncpus)
{
	uint64_t mask[16];
	if (ncpus == 0 || ncpus > 64 * 16 || !read_sym(t, "__cpu_online_mask", 0, mask, (ncpus + 63) / 64 * 8))
		return -1;
	int n = 0;
	for (unsigned i = 0; i < ncpus; i++)
		n += (mask[i / 64] >> (i % 64)) & 1;
	return n;
}
