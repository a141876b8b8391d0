/* ::analyze on a kernel dump: the panic, as the kernel reported it in its
 * log (the Oops or BUG line, the faulting RIP with function and module,
 * hung-task and soft-lockup reports, sysrq crashes), the CPU whose stack
 * holds panic(), and the task that was running there. */
#include "internal.h"
#include "../base/util.h"
#include "../kernel/kernel.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct klog {
	char *text;
	char **lines;
	size_t n;
};

static void read_log(struct pm_target *t, struct klog *l)
{
	size_t len = 0, cap = 0;
	FILE *f = open_memstream(&l->text, &len);
	struct pm_err *err = pm_kernel_msgbuf(t, f);
	fclose(f);
	pm_err_free(err);
	for (char *p = l->text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		/* past the "[    3.277688] " stamp */
		char *body = p[0] == '[' && strchr(p, ']') ? strchr(p, ']') + 2 : p;
		if (body > p + strlen(p))
			body = p + strlen(p);
		vec_reserve(&l->lines, &cap, l->n + 1, sizeof(*l->lines));
		l->lines[l->n++] = body;
	}
}

/* The last line that contains needle (not the "---[ end ..." trailer). */
static const char *last_line(const struct klog *l, const char *needle)
{
	for (size_t i = l->n; i-- > 0;)
		if (strstr(l->lines[i], needle) && strncmp(l->lines[i], "---[ end", 8) != 0)
			return l->lines[i];
	return NULL;
}

static size_t panic_cpu(struct actx *a)
{
	struct pm_target *t = a->db->t;
	for (size_t i = 0; i < t->nthreads; i++) {
		struct pm_stack s;
		struct pm_err *err = pm_dwarf_stack(a->db->dw, &t->threads[i], &s);
		if (err) {
			pm_err_free(err);
			continue;
		}
		bool found = false;
		for (size_t k = 0; k < s.nframes && !found; k++)
			found = s.frames[k].func && (strcmp(s.frames[k].func, "panic") == 0 ||
						     strcmp(s.frames[k].func, "vpanic") == 0);
		pm_stack_free(&s);
		if (found)
			return i;
	}
	return 0;
}

static void running_task(struct actx *a, size_t cpu)
{
	struct pm_ktask *v;
	size_t n;
	struct pm_err *err = pm_kernel_tasks(a->db->t, &v, &n);
	if (err) {
		pm_err_free(err);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].on_cpu && (size_t)v[i].cpu == cpu)
			pm_fact(a->v, "task", "%s (pid %d, task_struct 0x%" PRIx64 ")", v[i].comm, v[i].pid,
				v[i].addr);
	free(v);
}

void pm_az_kernel(struct actx *a)
{
	struct pm_verdict *v = a->v;
	struct klog l = { 0 };
	read_log(a->db->t, &l);
	size_t cpu = panic_cpu(a);
	v->thread = cpu;
	pm_fact(v, "cpu", "%zu (its stack holds panic())", cpu);
	running_task(a, cpu);
	const char *panic = last_line(&l, "Kernel panic - not syncing");
	if (panic)
		pm_fact(v, "panic_message", "%s", panic);
	const char *bug = last_line(&l, "BUG: ");
	const char *oops = last_line(&l, "Oops: ");
	const char *gpf = last_line(&l, "general protection fault");
	const char *rip = last_line(&l, "RIP: 0010:");
	const char *hung = last_line(&l, "blocked for more than");
	const char *lockup = last_line(&l, "soft lockup - CPU#");
	const char *sysrq = last_line(&l, "sysrq: Trigger a crash");
	if (bug)
		pm_fact(v, "bug", "%s", bug);
	if (oops)
		pm_fact(v, "oops", "%s", oops);
	if (rip)
		pm_fact(v, "faulting_rip", "%s", rip + 10);
	char *task = pm_fact_get(v, "task") ? xstrdup(pm_fact_get(v, "task")) : xstrdup("?");
	if (sysrq && panic && strstr(panic, "sysrq triggered crash")) {
		v->cls = PM_CLASS_KERNEL_SYSRQ;
		v->summary = xasprintf("crash triggered on purpose through sysrq ('echo c > "
				       "/proc/sysrq-trigger') by %s on CPU %zu", task, cpu);
		pm_az_cert(a, "BenignSignal");
	} else if (bug && strstr(bug, "NULL pointer dereference")) {
		v->cls = PM_CLASS_NULL_DEREF;
		v->summary = xasprintf("kernel NULL pointer dereference%s%s, by %s on CPU %zu",
				       rip ? " in " : "", rip ? rip + 10 : "", task, cpu);
		pm_az_cert(a, "SourceAvNearNull");
	} else if (gpf || (bug && strstr(bug, "unable to handle page fault"))) {
		v->cls = PM_CLASS_BAD_ACCESS;
		v->summary = xasprintf("kernel %s%s%s, by %s on CPU %zu", gpf ? "general protection fault" :
				       "page fault on a bad address", rip ? " in " : "", rip ? rip + 10 : "",
				       task, cpu);
		pm_az_cert(a, "AccessViolation");
	} else if (hung) {
		v->cls = PM_CLASS_KERNEL_HUNG;
		pm_fact(v, "hung_task", "%s", hung);
		v->summary = xasprintf("hung task: %s", hung);
		pm_az_cert(a, "BenignSignal");
	} else if (lockup) {
		v->cls = PM_CLASS_KERNEL_LOCKUP;
		pm_fact(v, "lockup", "%s", lockup);
		v->summary = xasprintf("soft lockup: %s", lockup);
		pm_az_cert(a, "BenignSignal");
	} else if (bug || oops) {
		v->cls = PM_CLASS_KERNEL_OOPS;
		v->summary = xasprintf("kernel %s%s%s", bug ? bug : oops, rip ? " in " : "", rip ? rip + 10 : "");
		pm_az_cert(a, "UncategorizedSignal");
	} else if (panic) {
		v->cls = PM_CLASS_KERNEL_PANIC;
		v->summary = xasprintf("%s (%s on CPU %zu)", panic, task, cpu);
		pm_az_cert(a, "UncategorizedSignal");
	}
	free(task);
	free(l.lines);
	free(l.text);
}
