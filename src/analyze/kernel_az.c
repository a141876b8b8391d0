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

/* "INFO: task COMM:PID blocked for more than N seconds.": that task
 * (the first one the detector reported) becomes the verdict's subject. */
static void blocked_task(struct actx *a, const struct klog *l)
{
	const char *line = NULL;
	for (size_t i = 0; i < l->n && !line; i++)
		if (strstr(l->lines[i], "blocked for more than"))
			line = l->lines[i];
	const char *end = line ? strstr(line, " blocked for more than") : NULL;
	const char *colon = end;
	while (colon && colon > line && *colon != ':')
		colon--;
	if (!colon || colon == line)
		return;
	int pid = atoi(colon + 1);
	struct pm_ktask *v;
	size_t n;
	struct pm_err *err = pm_kernel_tasks(a->db->t, &v, &n);
	if (err) {
		pm_err_free(err);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].pid == pid) {
			pm_fact(a->v, "blocked_task", "%s (pid %d, task_struct 0x%" PRIx64 ", state %s)", v[i].comm,
				v[i].pid, v[i].addr, pm_ktask_state(&v[i]));
			a->v->task = v[i].addr;
			break;
		}
	free(v);
}

/* The address an Oops names: "... address: 0000000000000008" (a page
 * fault) or "... non-canonical address 0x6b6b6b6b6b6b6b73: ..." (a
 * general protection fault). */
static bool log_address(const char *line, uint64_t *addr)
{
	const char *p = line ? strstr(line, "address: ") : NULL;
	if (p)
		p += 9;
	else if (line && (p = strstr(line, "address 0x")))
		p += 8;
	else
		return false;
	char *end;
	*addr = strtoull(p, &end, 16);
	return end > p;
}

/* An Oops on a bad pointer: NULL, slab poison (a use after free), or
 * another address the kernel may not touch. */
static void bad_pointer(struct actx *a, const char *bug, const char *gpf, const char *rip, const char *task,
			size_t cpu)
{
	struct pm_verdict *v = a->v;
	uint64_t addr = 0;
	bool has_addr = log_address(gpf ? gpf : bug, &addr);
	if (has_addr)
		pm_fact(v, "fault_address", "0x%" PRIx64, addr);
	int64_t poison_off = 0;
	bool poison = pm_az_kernel_fault(a, has_addr && !gpf, addr, &poison_off);
	const char *access = pm_fact_get(v, "access") ? pm_fact_get(v, "access") : "access";
	char *in = rip ? xasprintf(" in %s", rip) : xstrdup("");
	char *at = has_addr ? xasprintf(" at 0x%" PRIx64, addr) : xstrdup("");
	if (bug && strstr(bug, "NULL pointer dereference")) {
		v->cls = PM_CLASS_NULL_DEREF;
		v->summary = xasprintf("kernel NULL pointer %s%s%s, by %s on CPU %zu", access, at, in, task, cpu);
		pm_az_cert(a, strcmp(access, "write") == 0 ? "DestAvNearNull" : "SourceAvNearNull");
	} else if (poison) {
		v->cls = PM_CLASS_USE_AFTER_FREE;
		v->summary = xasprintf("kernel use after free: %s%s (slab poison 0x6b6b6b6b6b6b6b6b %c 0x%" PRIx64
				       ", a pointer read from a freed object)%s, by %s on CPU %zu",
				       access, at, poison_off < 0 ? '-' : '+',
				       poison_off < 0 ? (uint64_t)-poison_off : (uint64_t)poison_off, in, task, cpu);
		pm_az_cert(a, "AccessViolation");
	} else {
		v->cls = PM_CLASS_BAD_ACCESS;
		v->summary = xasprintf("kernel %s%s%s, by %s on CPU %zu",
				       gpf ? "general protection fault" : "page fault", at, in, task, cpu);
		pm_az_cert(a, "AccessViolation");
	}
	free(at);
	free(in);
}

void pm_az_kernel(struct actx *a)
{
	struct pm_verdict *v = a->v;
	struct klog l = { 0 };
	read_log(a->db->t, &l);
	int panicked = pm_kernel_panic_cpu(a->db->t);
	size_t cpu = panicked >= 0 ? (size_t)panicked : 0;
	v->thread = cpu;
	if (panicked >= 0)
		pm_fact(v, "cpu", "%zu (the CPU that ran panic())", cpu);
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
	if (gpf)
		pm_fact(v, "gpf", "%s", gpf);
	if (rip)
		pm_fact(v, "faulting_rip", "%s", rip + 10);
	char *task = pm_fact_get(v, "task") ? xstrdup(pm_fact_get(v, "task")) : xstrdup("?");
	if (sysrq && panic && strstr(panic, "sysrq triggered crash")) {
		v->cls = PM_CLASS_KERNEL_SYSRQ;
		v->summary = xasprintf("crash triggered on purpose through sysrq ('echo c > "
				       "/proc/sysrq-trigger') by %s on CPU %zu", task, cpu);
		pm_az_cert(a, "BenignSignal");
	} else if (gpf || (bug && (strstr(bug, "NULL pointer dereference") ||
				   strstr(bug, "unable to handle page fault")))) {
		bad_pointer(a, bug, gpf, rip ? rip + 10 : NULL, task, cpu);
	} else if (hung) {
		v->cls = PM_CLASS_KERNEL_HUNG;
		pm_fact(v, "hung_task", "%s", hung);
		blocked_task(a, &l);
		v->summary = xasprintf("hung task: %s", hung);
		pm_az_cert(a, "BenignSignal");
	} else if (lockup) {
		v->cls = PM_CLASS_KERNEL_LOCKUP;
		pm_fact(v, "lockup", "%s", lockup);
		v->summary = xasprintf("soft lockup: %s%s%s", lockup, rip ? " in " : "", rip ? rip + 10 : "");
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
