/* Built-in walkers over what the dump lists: threads, mappings, modules.
 * The cursor (ws->addr) is an index; a start address is ignored. */
#include "cmds.h"
#include "registry.h"

int pm_walk_init_index(pmdb_ctx *ctx, struct pmdb_walk_state *ws)
{
	(void)ctx;
	ws->addr = 0;
	return PMDB_WALK_NEXT;
}

/* On a kernel dump the target's threads are its CPUs; the threads there
 * are the tasks, so `thread` walks them as `task` does (kwalk.c). */
int pm_walk_thread_init(pmdb_ctx *ctx, struct pmdb_walk_state *ws)
{
	struct pm_target *t = pm_db(ctx)->t;
	if (t && t->kernel)
		return pm_walk_task_init(ctx, ws);
	return pm_walk_init_index(ctx, ws);
}

int pm_walk_thread_step(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem)
{
	struct pm_target *t = pm_db(ctx)->t;
	if (t && t->kernel)
		return pm_walk_task_step(ctx, ws, elem);
	if (!t || ws->addr >= t->nthreads)
		return PMDB_WALK_DONE;
	*elem = (uint64_t)t->threads[ws->addr++].tid;
	return PMDB_WALK_NEXT;
}

int pm_walk_mapping_step(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem)
{
	struct pm_target *t = pm_db(ctx)->t;
	if (!t || ws->addr >= t->nmaps)
		return PMDB_WALK_DONE;
	*elem = t->maps[ws->addr++].start;
	return PMDB_WALK_NEXT;
}

int pm_walk_module_step(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem)
{
	struct pmdb *db = pm_db(ctx);
	struct pm_module_info *mods;
	size_t n = db->dw ? pm_dwarf_modules(db->dw, &mods) : 0;
	if (ws->addr >= n)
		return PMDB_WALK_DONE;
	*elem = mods[ws->addr++].start;
	return PMDB_WALK_NEXT;
}

void pm_walk_thread_fini(pmdb_ctx *ctx, struct pmdb_walk_state *ws)
{
	struct pm_target *t = pm_db(ctx)->t;
	if (t && t->kernel)
		pm_walk_task_fini(ctx, ws);
}
