/* The kernel's `task` walker: every task_struct, as ::ps lists them. */
#include "cmds.h"
#include "registry.h"
#include "../kernel/kernel.h"

#include <stdlib.h>

struct task_walk {
	struct pm_ktask *tasks;
	size_t n, next;
};

int pm_walk_task_init(pmdb_ctx *ctx, struct pmdb_walk_state *ws)
{
	struct pm_target *t = pm_db(ctx)->t;
	if (!t || !t->kernel)
		return pm_svc_fail_err(pm_err_new(PM_ERR_LOOKUP, "walker task: not a kernel crash dump"));
	struct task_walk *tw = calloc(1, sizeof(*tw));
	if (!tw)
		return pm_svc_fail_err(pm_err_new(PM_ERR_NOMEM, "out of memory"));
	struct pm_err *err = pm_kernel_tasks(t, &tw->tasks, &tw->n);
	ws->data = tw;
	return err ? pm_svc_fail_err(err) : PMDB_WALK_NEXT;
}

int pm_walk_task_step(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem)
{
	(void)ctx;
	struct task_walk *tw = ws->data;
	if (!tw || tw->next >= tw->n)
		return PMDB_WALK_DONE;
	*elem = tw->tasks[tw->next++].addr;
	return PMDB_WALK_NEXT;
}

void pm_walk_task_fini(pmdb_ctx *ctx, struct pmdb_walk_state *ws)
{
	(void)ctx;
	struct task_walk *tw = ws->data;
	if (tw)
		free(tw->tasks);
	free(tw);
}
