/* ::walk and ::walkers over the walker registry: the built-in walkers of
 * table.c, then those of loaded modules. */
#include "cmds.h"
#include "registry.h"

#include <inttypes.h>
#include <string.h>

const struct pmdb_walker *pm_walker_find(const char *name)
{
	for (size_t i = 0; i < pm_nwalkers; i++)
		if (strcmp(pm_walkers[i].name, name) == 0)
			return &pm_walkers[i];
	return pm_dmod_walker_find(name);
}

struct pm_err *pm_walk(struct pmdb *db, const char *name, const uint64_t *start, const char *arg,
		       pmdb_walk_cb *cb, void *cbarg)
{
	const struct pmdb_walker *w = pm_walker_find(name);
	if (!w)
		return pm_err_new(PM_ERR_LOOKUP, "unknown walker '%s' (::walkers lists them)", name);
	struct pmdb_walk_state ws = { .addr = start ? *start : 0, .has_addr = start != NULL,
				      .arg = arg };
	pm_err_free(pm_svc_take_err(NULL));
	int rc = w->init ? w->init(pm_ctx(db), &ws) : PMDB_WALK_NEXT;
	while (rc == PMDB_WALK_NEXT) {
		uint64_t elem = 0;
		rc = w->step(pm_ctx(db), &ws, &elem);
		if (rc == PMDB_WALK_NEXT && cb(elem, cbarg) != 0)
			rc = PMDB_WALK_DONE;
	}
	if (w->fini)
		w->fini(pm_ctx(db), &ws);
	if (rc == PMDB_WALK_DONE)
		return NULL;
	return pm_svc_take_err(name);
}

struct print_walk {
	FILE *out;
	bool decimal;
};

static int print_elem(uint64_t elem, void *arg)
{
	struct print_walk *pw = arg;
	/* 0t / 0x: the next stage of a pipeline reads values back in the
	 * language's default radix, 16, and a bare hex word could be a symbol */
	if (pw->decimal)
		fprintf(pw->out, "0t%" PRIu64 "\n", elem);
	else
		fprintf(pw->out, "0x%" PRIx64 "\n", elem);
	return 0;
}

struct pm_err *pm_cmd_walk(struct pmdb *db, const struct pm_call *call)
{
	if (call->argc < 2 || call->argc > 3)
		return pm_err_new(PM_ERR_SYNTAX, "usage: [addr]::walk WALKER [ARG] (::walkers lists them)");
	const struct pmdb_walker *w = pm_walker_find(call->argv[1]);
	if (!w)
		return pm_err_new(PM_ERR_LOOKUP, "unknown walker '%s' (::walkers lists them)",
				  call->argv[1]);
	bool addrs = (w->flags & PM_WALKER_ADDRS_ON_KERNEL) && db->t->kernel;
	struct print_walk pw = { db->out, (w->flags & PMDB_WALKER_DECIMAL) && !addrs };
	return pm_walk(db, call->argv[1], call->has_addr ? &call->addr : NULL,
		       call->argc > 2 ? call->argv[2] : NULL, print_elem, &pw);
}

struct pm_err *pm_cmd_walkers(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	for (size_t i = 0; i < pm_nwalkers; i++)
		fprintf(db->out, "%-14s - %s\n", pm_walkers[i].name, pm_walkers[i].desc);
	const char *mod;
	const struct pmdb_walker *w;
	for (size_t i = 0; (w = pm_dmod_walker_at(i, &mod)); i++)
		fprintf(db->out, "%-14s - %s (module %s)\n", w->name, w->desc ? w->desc : "", mod);
	return NULL;
}
