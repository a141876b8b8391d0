/* Which CPU panicked: the kernel's own `panic_cpu` (set by panic() and
 * crash_kexec(), PANIC_CPU_INVALID = -1 otherwise), else the CPU whose
 * ORC-unwound stack holds panic(). */
#include "kernel.h"

#include <string.h>

static bool stack_holds_panic(struct pm_target *t, const uint64_t *regs)
{
	struct pm_stack s;
	struct pm_err *err = pm_kernel_unwind(t, regs, &s);
	bool found = false;
	for (size_t k = 0; !err && k < s.nframes && !found; k++)
		found = s.frames[k].func && (strcmp(s.frames[k].func, "panic") == 0 ||
					     strcmp(s.frames[k].func, "vpanic") == 0);
	pm_err_free(err);
	pm_stack_free(&s);      /* zeroed by pm_kernel_unwind on error too */
	return found;
}

int pm_kernel_panic_cpu(struct pm_target *t)
{
	if (!t->kernel || t->nthreads == 0)
		return -1;
	const struct pm_ksym *pc = pm_ksym_by_name(t, "panic_cpu");
	int32_t cpu = -1;
	if (pc && pm_memmap_read_partial(&t->mem, pc->addr, &cpu, 4) == 4 && cpu >= 0 &&
	    (size_t)cpu < t->nthreads)
		return cpu;
	for (size_t i = 0; i < t->nthreads; i++)
		if (stack_holds_panic(t, t->threads[i].regs))
			return (int)i;
	return -1;
}
