/* The generic list walker: addr::walk list [OFFSET] follows the pointer
 * (of the process's size) at byte OFFSET of each node until NULL, a node seen before (a cycle), or
 * memory the dump does not hold. */
#include "cmds.h"
#include "registry.h"
#include "../base/addrset.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>

struct list_walk {
	uint64_t offset;
	const char *what;     /* names the pointer in a read error */
	struct pm_addrset seen;
};

void pm_walk_list_begin(struct pmdb_walk_state *ws, uint64_t offset, const char *what)
{
	struct list_walk *lw = xcalloc(1, sizeof(*lw));
	lw->offset = offset;
	lw->what = what;
	ws->data = lw;
}

int pm_walk_list_init(pmdb_ctx *ctx, struct pmdb_walk_state *ws)
{
	if (!ws->has_addr)
		return pm_svc_fail_err(pm_err_new(PM_ERR_SYNTAX,
			"walker list needs the first node: addr::walk list [OFFSET]"));
	uint64_t offset = 0;
	if (ws->arg) {
		struct pm_err *err = pm_arg_number(pm_db(ctx), ws->arg, &offset);
		if (err)
			return pm_svc_fail_err(err);
	}
	pm_walk_list_begin(ws, offset, "the next pointer of a list node");
	return PMDB_WALK_NEXT;
}

int pm_walk_list_step(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem)
{
	struct list_walk *lw = ws->data;
	if (ws->addr == 0)
		return PMDB_WALK_DONE;
	if (!pm_addrset_add(&lw->seen, ws->addr)) {
		pm_warn("walk: node 0x%" PRIx64 " comes again after %zu nodes: the list has a cycle",
			ws->addr, lw->seen.n);
		return PMDB_WALK_DONE;
	}
	uint64_t next;
	struct pm_err *err = pm_target_read_ptr(pm_db(ctx)->t, ws->addr + lw->offset, &next, lw->what);
	if (err) {
		struct pm_err *e = pm_err_new(PM_ERR_FAULT, "walk: cannot read the node at 0x%" PRIx64
					      " (node %zu): %s", ws->addr, lw->seen.n, err->msg);
		e->addr = err->addr;
		pm_err_free(err);
		return pm_svc_fail_err(e);
	}
	*elem = ws->addr;
	ws->addr = next;
	return PMDB_WALK_NEXT;
}

void pm_walk_list_fini(pmdb_ctx *ctx, struct pmdb_walk_state *ws)
{
	(void)ctx;
	struct list_walk *lw = ws->data;
	if (lw)
		pm_addrset_free(&lw->seen);
	free(lw);
}
