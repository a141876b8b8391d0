/* Kernel dumps: ::cpuinfo, each CPU with the task it was running and
 * where (its registers from the dump's per-CPU notes); -v adds each
 * CPU's stack, as crash's `bt -a`. */
#include "cmds.h"
#include "../kernel/kernel.h"

#include <inttypes.h>
#include <stdlib.h>

/* The task on cpu: on_cpu set and its cpu field cpu (NULL if none). */
static const struct pm_ktask *running(const struct pm_ktask *v, size_t n, size_t cpu)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].on_cpu && v[i].cpu >= 0 && (size_t)v[i].cpu == cpu)
			return &v[i];
	return NULL;
}

struct pm_err *pm_cmd_cpuinfo(struct pmdb *db, const struct pm_call *call)
{
	if (!db->t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "::cpuinfo: not a kernel crash dump (::threads lists a core's threads)");
	struct pm_opts o;
	struct pm_err *err = pm_getopts(db, call, "v", "", &o);
	if (err)
		return err;
	if (o.first_arg < call->argc || call->has_addr)
		return pm_err_new(PM_ERR_SYNTAX, "::cpuinfo takes only -v (see ::help cpuinfo)");
	struct pm_ktask *v;
	size_t n;
	if ((err = pm_kernel_tasks(db->t, &v, &n)))
		return err;
	int panicked = pm_kernel_panic_cpu(db->t);
	fprintf(db->out, "%3s %-16s %7s  %-16s %s\n", "CPU", "TASK", "PID", "COMM", "PC");
	for (size_t cpu = 0; cpu < db->t->nthreads; cpu++) {
		const struct pm_ktask *k = running(v, n, cpu);
		fprintf(db->out, "%3zu ", cpu);
		if (k)
			fprintf(db->out, "%016" PRIx64 " %7d  %-16s ", k->addr, k->pid, k->comm);
		else
			fprintf(db->out, "%-16s %7s  %-16s ", "?", "?", "?");
		pm_sym_print(db->dw, db->out, db->t->threads[cpu].regs[db->t->arch->pc]);
		fputs(panicked >= 0 && (size_t)panicked == cpu ? "  (panicked)\n" : "\n", db->out);
		if (!o.flag['v'] || !k)
			continue;
		struct pm_stack s = { 0 };
		struct pm_err *serr = pm_kernel_task_stack(db, k->addr, &s);
		if (serr)
			fprintf(db->out, "    (no stack: %s)\n\n", serr->msg);
		else
			pm_print_stack_lines(db, &s);
		pm_stack_free(&s);
		pm_err_free(serr);
	}
	free(v);
	return NULL;
}
