/* Breakpoints: ::bp SYMBOL|ADDR, addr:b, ::delete, ::events.  A symbol not
 * loaded yet (a library function before the loader maps the library) is
 * kept pending, said so (and that no loaded object defines it, when the
 * program is loaded), listed as pending by ::events, and resolved at every
 * stop and each time the dynamic loader reports a new library (runctl.c). */
#include "runctl.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct pm_runctl *pm_runctl_of(struct pmdb *db)
{
	if (!db->rc)
		db->rc = xcalloc(1, sizeof(*db->rc));
	return db->rc;
}

struct pm_bpt *pm_bpt_add(struct pmdb *db, const char *spec, uint64_t addr)
{
	struct pm_runctl *rc = pm_runctl_of(db);
	vec_reserve(&rc->bpts, &rc->cap, rc->nbpts + 1, sizeof(*rc->bpts));
	struct pm_bpt *b = &rc->bpts[rc->nbpts++];
	memset(b, 0, sizeof(*b));
	b->id = ++rc->next_id;
	b->spec = spec ? xstrdup(spec) : NULL;
	b->addr = addr;
	return b;
}

static void drop(struct pm_runctl *rc, size_t i)
{
	free(rc->bpts[i].spec);
	rc->nbpts--;
	memmove(&rc->bpts[i], &rc->bpts[i + 1], (rc->nbpts - i) * sizeof(*rc->bpts));
}

void pm_bpts_drop_temporary(struct pmdb *db)
{
	struct pm_runctl *rc = db->rc;
	for (size_t i = rc ? rc->nbpts : 0; i-- > 0;)
		if (rc->bpts[i].temporary)
			drop(rc, i);
}

void pm_bpts_resolve(struct pmdb *db)
{
	struct pm_runctl *rc = db->rc;
	if (!rc || !db->dw)
		return;
	uint64_t a;
	struct pm_err *hook = pm_sym_by_name(db->dw, "_dl_debug_state", &a);
	rc->dl_hook = hook ? 0 : a;
	pm_err_free(hook);
	for (size_t i = 0; i < rc->nbpts; i++) {
		struct pm_bpt *b = &rc->bpts[i];
		if (b->spec && !b->addr) {
			struct pm_err *err = pm_sym_by_name(db->dw, b->spec, &a);
			if (err)
				pm_err_free(err);
			else
				b->addr = a;
		}
	}
}

size_t pm_bpts_addresses(struct pmdb *db, uint64_t **out)
{
	struct pm_runctl *rc = db->rc;
	size_t n = 0;
	*out = xmalloc(((rc ? rc->nbpts : 0) + 1) * sizeof(**out));
	for (size_t i = 0; rc && i < rc->nbpts; i++)
		if (rc->bpts[i].addr)
			(*out)[n++] = rc->bpts[i].addr;
	if (rc && rc->dl_hook)
		(*out)[n++] = rc->dl_hook;
	return n;
}

struct pm_bpt *pm_bpt_at(struct pmdb *db, uint64_t addr)
{
	struct pm_runctl *rc = db->rc;
	for (size_t i = 0; rc && i < rc->nbpts; i++)
		if (rc->bpts[i].addr == addr)
			return &rc->bpts[i];
	return NULL;
}

static void announce(struct pmdb *db, const struct pm_bpt *b)
{
	if (b->addr) {
		fprintf(db->out, "breakpoint %d at ", b->id);
		pm_sym_print(db->dw, db->out, b->addr);
		fputc('\n', db->out);
	} else {
		fprintf(db->out, "breakpoint %d at %s: pending until %s\n", b->id, b->spec,
			db->dw ? "a library that defines it is loaded" : "it is loaded");
	}
}

/* ::bp SYMBOL|ADDR ...  and  addr::bp / addr:b */
struct pm_err *pm_cmd_bp(struct pmdb *db, const struct pm_call *call)
{
	if (call->has_addr) {
		if (call->argc > 1)
			return pm_err_new(PM_ERR_SYNTAX, "::bp takes an address or symbols, not both");
		announce(db, pm_bpt_add(db, NULL, call->addr));
		return NULL;
	}
	if (call->argc < 2)
		return pm_err_new(PM_ERR_SYNTAX, "::bp needs a symbol or an address (see ::help bp)");
	for (int i = 1; i < call->argc; i++) {
		const char *w = call->argv[i];
		uint64_t addr = 0;
		struct pm_err *err;
		if (w[0] >= '0' && w[0] <= '9') {          /* an address */
			if ((err = pm_eval_expr(db, w, &addr)))
				return err;
		} else if (db->dw && (err = pm_sym_by_name(db->dw, w, &addr))) {
			/* perhaps in a library still to come: said, as gdb says it */
			pm_err_free(err);
			addr = 0;
			fprintf(db->out, "Function \"%s\" not defined in any loaded object.\n", w);
		}
		struct pm_bpt *b = pm_bpt_add(db, w[0] >= '0' && w[0] <= '9' ? NULL : w, addr);
		announce(db, b);
	}
	return NULL;
}

struct pm_err *pm_cmd_delete(struct pmdb *db, const struct pm_call *call)
{
	struct pm_runctl *rc = db->rc;
	if (call->argc != 2)
		return pm_err_new(PM_ERR_SYNTAX, "::delete takes a breakpoint id or 'all'");
	if (strcmp(call->argv[1], "all") == 0) {
		while (rc && rc->nbpts)
			drop(rc, rc->nbpts - 1);
		return NULL;
	}
	char *end;
	long id = strtol(call->argv[1], &end, 10);
	for (size_t i = 0; rc && !*end && i < rc->nbpts; i++)
		if (rc->bpts[i].id == id && !rc->bpts[i].temporary) {
			drop(rc, i);
			return NULL;
		}
	return pm_err_new(PM_ERR_LOOKUP, "no breakpoint %s (see ::events)", call->argv[1]);
}

struct pm_err *pm_cmd_events(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_runctl *rc = db->rc;
	fprintf(db->out, "%3s %-18s %5s  %s\n", "ID", "ADDR", "HITS", "WHERE");
	for (size_t i = 0; rc && i < rc->nbpts; i++) {
		const struct pm_bpt *b = &rc->bpts[i];
		if (b->temporary)
			continue;
		if (b->addr)
			fprintf(db->out, "%3d 0x%016" PRIx64 " %5u  ", b->id, b->addr, b->hits);
		else
			fprintf(db->out, "%3d %-18s %5u  ", b->id, "(pending)", b->hits);
		if (b->addr && db->dw)
			pm_sym_print(db->dw, db->out, b->addr);
		else
			fputs(b->spec ? b->spec : "", db->out);
		fputc('\n', db->out);
	}
	return NULL;
}

void pm_runctl_free(struct pmdb *db)
{
	struct pm_runctl *rc = db->rc;
	while (rc && rc->nbpts)
		drop(rc, rc->nbpts - 1);
	if (rc)
		free(rc->bpts);
	free(rc);
	db->rc = NULL;
	for (char **a = db->prog_argv; a && *a; a++)
		free(*a);
	free(db->prog_argv);
	db->prog_argv = NULL;
}
