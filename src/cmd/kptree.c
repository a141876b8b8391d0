/* Kernel dumps: ::ptree, the process tree by each task's real_parent, as
 * mdb's ::ptree draws it ("ADDR  COMM", four spaces a generation).
 * Only thread-group leaders are processes: a thread's real_parent is its
 * leader's, and the kernel keeps only leaders on a parent's children list. */
#include "cmds.h"
#include "../base/util.h"
#include "../kernel/kernel.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

struct ptree {
	struct pm_ktask *v;
	size_t n;
	size_t *parent, *first_child, *next_sibling, *last_child;  /* indexes into v, NONE */
	struct pm_ktask **by_addr;   /* the leaders, sorted by address */
	size_t nleaders;
};

static bool leader(const struct pm_ktask *k)
{
	return k->pid == k->tgid;
}

static int cmp_addr(const void *a, const void *b)
{
	uint64_t x = (*(struct pm_ktask *const *)a)->addr, y = (*(struct pm_ktask *const *)b)->addr;
	return x < y ? -1 : x > y;
}

static size_t find_leader(const struct ptree *pt, uint64_t addr)
{
	size_t lo = 0, hi = pt->nleaders;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pt->by_addr[mid]->addr == addr)
			return (size_t)(pt->by_addr[mid] - pt->v);
		if (pt->by_addr[mid]->addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NONE;
}

static void ptree_free(struct ptree *pt)
{
	free(pt->v);
	free(pt->parent);
	free(pt->first_child);
	free(pt->next_sibling);
	free(pt->last_child);
	free(pt->by_addr);
}

/* Children in the order ::ps lists them; a task whose parent is itself
 * (init_task) or no leader the walk found is a root. */
static struct pm_err *ptree_build(struct pmdb *db, struct ptree *pt)
{
	memset(pt, 0, sizeof(*pt));
	struct pm_err *err = pm_kernel_tasks(db->t, &pt->v, &pt->n);
	if (err)
		return err;
	size_t n = pt->n;
	pt->parent = xcalloc(n + 1, sizeof(size_t));
	pt->first_child = xcalloc(n + 1, sizeof(size_t));
	pt->next_sibling = xcalloc(n + 1, sizeof(size_t));
	pt->last_child = xcalloc(n + 1, sizeof(size_t));
	pt->by_addr = xcalloc(n + 1, sizeof(*pt->by_addr));
	for (size_t i = 0; i < n; i++) {
		pt->parent[i] = pt->first_child[i] = pt->next_sibling[i] = pt->last_child[i] = NONE;
		if (leader(&pt->v[i]))
			pt->by_addr[pt->nleaders++] = &pt->v[i];
	}
	qsort(pt->by_addr, pt->nleaders, sizeof(*pt->by_addr), cmp_addr);
	for (size_t i = 0; i < n; i++) {
		if (!leader(&pt->v[i]))
			continue;
		size_t p = find_leader(pt, pt->v[i].parent);
		if (p == NONE || p == i)
			continue;
		pt->parent[i] = p;
		if (pt->last_child[p] == NONE)
			pt->first_child[p] = i;
		else
			pt->next_sibling[pt->last_child[p]] = i;
		pt->last_child[p] = i;
	}
	return NULL;
}

static void line(struct pmdb *db, const struct pm_ktask *k, size_t depth)
{
	fprintf(db->out, "%*s%016" PRIx64 "  %s\n", (int)(depth * 4), "", k->addr, k->comm);
}

/* Task i's descendants, depth-first without recursion (a chain of forks
 * in a dump can be as long as its task list); i itself at depth.  A tree
 * prints each task once: the count bounds a loop of parent links that a
 * broken dump could make. */
static void subtree(struct pmdb *db, const struct ptree *pt, size_t i, size_t depth)
{
	line(db, &pt->v[i], depth);
	size_t node = pt->first_child[i], d = depth + 1;
	for (size_t printed = 1; node != NONE && printed < pt->n; printed++) {
		line(db, &pt->v[node], d);
		if (pt->first_child[node] != NONE) {
			node = pt->first_child[node];
			d++;
			continue;
		}
		/* climb until a sibling, not past i */
		while (node != i && pt->next_sibling[node] == NONE) {
			node = pt->parent[node];
			d--;
		}
		node = node == i ? NONE : pt->next_sibling[node];
	}
}

/* How many tasks no root leads to: their parent links go round in a cycle
 * (a corrupt dump), so the tree drawn from the roots leaves them out. */
static size_t in_cycles(const struct ptree *pt)
{
	enum { UNSEEN, ROOTED, CYCLIC, ON_PATH };
	unsigned char *st = xcalloc(pt->n ? pt->n : 1, 1);
	size_t *path = xcalloc(pt->n ? pt->n : 1, sizeof(size_t)), count = 0;
	for (size_t i = 0; i < pt->n; i++) {
		size_t len = 0, a = i;
		while (a != NONE && st[a] == UNSEEN) {
			st[a] = ON_PATH;
			path[len++] = a;
			a = pt->parent[a];
		}
		unsigned char end = a == NONE || st[a] == ROOTED ? ROOTED : CYCLIC;
		for (size_t k = 0; k < len; k++)
			st[path[k]] = end;
	}
	for (size_t i = 0; i < pt->n; i++)
		count += st[i] == CYCLIC;
	free(st);
	free(path);
	return count;
}

/* TASK::ptree: its ancestors from the root down, then its subtree. */
static struct pm_err *lineage(struct pmdb *db, const struct ptree *pt, uint64_t addr)
{
	size_t i = NONE;
	for (size_t k = 0; k < pt->n && i == NONE; k++)
		if (pt->v[k].addr == addr)
			i = k;
	if (i == NONE)
		return pm_err_new(PM_ERR_LOOKUP, "::ptree: 0x%" PRIx64 " is not a task (::ps lists them)", addr);
	if (!leader(&pt->v[i])) {           /* a thread: its process's tree */
		for (size_t k = 0; k < pt->n; k++)
			if (leader(&pt->v[k]) && pt->v[k].pid == pt->v[i].tgid)
				i = k;
		if (!leader(&pt->v[i]))
			return pm_err_new(PM_ERR_LOOKUP, "::ptree: thread 0x%" PRIx64 " has no group leader in the task list",
					  addr);
	}
	/* parent links come from build's tree: no cycles reach a root, and
	 * each step goes up one, so at most n steps */
	size_t *chain = xcalloc(pt->n + 1, sizeof(size_t)), nchain = 0;
	for (size_t a = pt->parent[i]; a != NONE && nchain < pt->n; a = pt->parent[a])
		chain[nchain++] = a;
	for (size_t k = nchain; k-- > 0;)
		line(db, &pt->v[chain[k]], nchain - 1 - k);
	free(chain);
	subtree(db, pt, i, nchain);
	return NULL;
}

struct pm_err *pm_cmd_ptree(struct pmdb *db, const struct pm_call *call)
{
	if (!db->t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "::ptree: not a kernel crash dump (it draws the kernel's task tree)");
	if (call->argc > 1)
		return pm_err_new(PM_ERR_SYNTAX, "::ptree takes no arguments: [TASK]::ptree (see ::help ptree)");
	struct ptree pt;
	struct pm_err *err = ptree_build(db, &pt);
	if (err)
		return err;
	if (call->has_addr) {
		err = lineage(db, &pt, call->addr);
	} else {
		for (size_t i = 0; i < pt.n; i++)
			if (leader(&pt.v[i]) && pt.parent[i] == NONE)
				subtree(db, &pt, i, 0);
		size_t lost = in_cycles(&pt);
		if (lost)
			pm_warn("::ptree: %zu tasks' parent links go round in a cycle and reach no root: "
				"not drawn (corrupt task list?)", lost);
	}
	ptree_free(&pt);
	return err;
}
