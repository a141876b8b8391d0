/* The running kernel (/proc/kcore): no CPU notes, so the CPUs are counted
 * from the kernel itself, and registers of a running CPU are refused. */
#include "kernel.h"

#define MAX_LIVE_CPUS 8192u        /* NR_CPUS's largest value on x86-64 */

void pm_kernel_set_live(struct pm_target *t)
{
	struct pm_kernel *k = t->kernel;
	k->live = true;
	const struct pm_ksym *nr = pm_ksym_by_name(t, "nr_cpu_ids");
	uint32_t n = 0;
	if (nr && pm_memmap_read_partial(&t->mem, nr->addr, &n, 4) == 4 && n && n <= MAX_LIVE_CPUS)
		k->live_cpus = n;
	else
		k->live_cpus = 1;
}

size_t pm_kernel_live_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct pm_target *t = ctx;
	struct pm_vtop v;
	struct pm_err *err = pm_kernel_vtop(t, addr, &v);
	if (err) {
		pm_err_free(err);
		return 0;
	}
	uint64_t room = v.page_size - (addr & (v.page_size - 1));
	if (len > room)
		len = (size_t)room;
	return pm_kernel_read_phys(t, v.pa, buf, len);
}

size_t pm_kernel_ncpus(const struct pm_target *t)
{
	return t->kernel && t->kernel->live ? t->kernel->live_cpus : t->nthreads;
}

struct pm_err *pm_kernel_live_regs_err(int cpu)
{
	if (cpu >= 0)
		return pm_err_new(PM_ERR_LOOKUP, "the task is running on CPU %d of the live kernel: the "
				  "registers of a running CPU cannot be read (a sleeping task's can)", cpu);
	return pm_err_new(PM_ERR_LOOKUP, "a live kernel: the registers of its running CPUs cannot "
			  "be read; TASK::findstack or TASK$c shows a sleeping task's stack");
}
