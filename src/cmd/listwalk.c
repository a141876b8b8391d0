/* The generic list walker: addr::walk list [OFFSET] follows the pointer at
 * byte OFFSET of each node until NULL, a node seen before (a cycle), or
 * memory the dump does not hold. */
#include "cmds.h"
#include "registry.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>

struct list_walk {
	uint64_t offset;
	const char *what;     /* names the pointer in a read error */
	uint64_t *seen;       /* open addressing; 0 is empty (NULL ends the walk) */
	size_t cap, n;
};

static size_t slot(uint64_t addr, size_t cap)
{
	return (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

/* Insert addr; false if it was there already. */
static bool seen_add(struct list_walk *lw, uint64_t addr)
{
	if (2 * (lw->n + 1) > lw->cap) {
		size_t cap = lw->cap ? 2 * lw->cap : 64;
		uint64_t *set = xcalloc(cap, sizeof(*set));
		for (size_t i = 0; i < lw->cap; i++) {
			if (!lw->seen[i])
				continue;
			size_t k = slot(lw->seen[i], cap);
			while (set[k])
				k = (k + 1) & (cap - 1);
			set[k] = lw->seen[i];
		}
		free(lw->seen);
		lw->seen = set;
		lw->cap = cap;
	}
	size_t k = slot(addr, lw->cap);
	for (; lw->seen[k]; k = (k + 1) & (lw->cap - 1))
		if (lw->seen[k] == addr)
			return false;
	lw->seen[k] = addr;
	lw->n++;
	return true;
}

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
	if (!seen_add(lw, ws->addr)) {
		pm_warn("walk: node 0x%" PRIx64 " comes again after %zu nodes: the list has a cycle",
			ws->addr, lw->n);
		return PMDB_WALK_DONE;
	}
	uint64_t next;
	struct pm_err *err = pm_target_read_u64(pm_db(ctx)->t, ws->addr + lw->offset, &next, lw->what);
	if (err) {
		struct pm_err *e = pm_err_new(PM_ERR_FAULT, "walk: cannot read the node at 0x%" PRIx64
					      " (node %zu): %s", ws->addr, lw->n, err->msg);
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
		free(lw->seen);
	free(lw);
}
