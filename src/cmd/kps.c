/* Kernel dumps: ::ps and ::pgrep, in crash's columns. */
#include "cmds.h"
#include "../kernel/kernel.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>

static void row(FILE *out, const struct pm_ktask *k)
{
	fprintf(out, "%c%6d %7d %4d  %016" PRIx64 "  %s  %s%s%s\n", k->on_cpu ? '>' : ' ', k->pid,
		k->ppid, k->cpu, k->addr, pm_ktask_state(k), k->kthread ? "[" : "", k->comm,
		k->kthread ? "]" : "");
}

/* Into a pipeline (mdb's ::ps | ...), the values are the task_struct
 * addresses, one a line; to a person, crash's columns. */
static struct pm_err *list_tasks(struct pmdb *db, const char *pattern, bool in_pipe)
{
	if (!db->t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "not a kernel crash dump");
	struct pm_ktask *v;
	size_t n;
	struct pm_err *err = pm_kernel_tasks(db->t, &v, &n);
	if (err)
		return err;
	if (!in_pipe)
		fprintf(db->out, " %6s %7s %4s  %-16s  %s  %s\n", "PID", "PPID", "CPU", "TASK", "ST", "COMM");
	for (size_t i = 0; i < n; i++) {
		if (pattern && fnmatch(pattern, v[i].comm, 0) != 0)
			continue;
		if (in_pipe)
			fprintf(db->out, "0x%" PRIx64 "\n", v[i].addr);
		else
			row(db->out, &v[i]);
	}
	free(v);
	return NULL;
}

/* ::ps and ::lsmod take nothing: a stray word is a typo, not a filter */
static struct pm_err *no_arguments(const struct pm_call *call)
{
	if (call->argc > 1 || call->has_addr)
		return pm_err_new(PM_ERR_SYNTAX, "::%s takes no %s (see ::help %s)", call->argv[0],
				  call->has_addr ? "address" : "arguments", call->argv[0]);
	return NULL;
}

struct pm_err *pm_cmd_ps(struct pmdb *db, const struct pm_call *call)
{
	struct pm_err *err = no_arguments(call);
	return err ? err : list_tasks(db, NULL, call->in_pipe);
}

struct pm_err *pm_cmd_pgrep(struct pmdb *db, const struct pm_call *call)
{
	if (call->argc != 2)
		return pm_err_new(PM_ERR_SYNTAX, "usage: ::pgrep PATTERN (a shell glob on the command name)");
	return list_tasks(db, call->argv[1], call->in_pipe);
}

struct pm_err *pm_cmd_lsmod(struct pmdb *db, const struct pm_call *call)
{
	struct pm_err *argerr = no_arguments(call);
	if (argerr)
		return argerr;
	if (!db->t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "not a kernel crash dump");
	struct pm_kmodule *v;
	size_t n;
	struct pm_err *err = pm_kernel_modules(db->t, &v, &n);
	if (err)
		return err;
	fprintf(db->out, "%-16s  %-20s %-16s  %8s\n", "MODULE", "NAME", "BASE", "SIZE");
	for (size_t i = 0; i < n; i++)
		fprintf(db->out, "%016" PRIx64 "  %-20s %016" PRIx64 "  %8u\n", v[i].addr, v[i].name,
			v[i].base, v[i].size);
	pm_kernel_modules_free(v, n);
	return NULL;
}

struct pm_err *pm_cmd_vtop(struct pmdb *db, const struct pm_call *call)
{
	if (!db->t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "::vtop: not a kernel crash dump");
	uint64_t va = call->has_addr ? call->addr : db->dot;
	struct pm_vtop v;
	struct pm_err *err = pm_kernel_vtop(db->t, va, &v);
	if (err)
		return err;
	static const char *const l5[] = { "PGD", "P4D", "PUD", "PMD", "PTE" };
	static const char *const l4[] = { "PGD", "PUD", "PMD", "PTE" };
	const char *const *names = db->t->kernel->l5 ? l5 : l4;
	fprintf(db->out, "virtual %016" PRIx64 " physical %016" PRIx64 " (%" PRIu64 " KiB page)\n", va,
		v.pa, v.page_size / 1024);
	for (int i = 0; i < v.nentries; i++)
		fprintf(db->out, "  %s: %016" PRIx64 "\n", names[i], v.entries[i]);
	return NULL;
}
