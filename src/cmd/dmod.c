/* Loadable modules: ::load, ::unload, ::dmods, and the registry of the
 * dcmds and walkers they add.  Each module dcmd gets an entry shaped like
 * table.c's, so lookup, ::help and ::dcmds treat both alike. */
#include "cmds.h"
#include "registry.h"
#include "../base/util.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dmod {
	char *path;
	void *handle;
	const struct pmdb_module *mod;
	struct pm_dcmd *dcmds;       /* one per mod->dcmds entry */
	size_t ndcmds, nwalkers;
};

static struct dmod *dmods;
static size_t ndmods, dmods_cap;

static struct pm_err *dmod_call(struct pmdb *db, const struct pm_call *call)
{
	for (size_t m = 0; m < ndmods; m++)
		for (size_t i = 0; i < dmods[m].ndcmds; i++) {
			const struct pmdb_dcmd *dc = &dmods[m].mod->dcmds[i];
			if (strcmp(dc->name, call->argv[0]) != 0)
				continue;
			struct pmdb_call c = {
				.has_addr = call->has_addr, .addr = call->addr,
				.has_count = call->has_count, .count = call->count,
				.argc = call->argc, .argv = call->argv, .in_pipe = call->in_pipe,
			};
			pm_err_free(pm_svc_take_err(NULL));
			if (dc->fn(pm_ctx(db), &c) == 0)
				return NULL;
			char what[80];
			snprintf(what, sizeof(what), "::%s", dc->name);
			return pm_svc_take_err(what);
		}
	return pm_err_new(PM_ERR_LOOKUP, "unknown dcmd '::%s'", call->argv[0]);
}

/* The module holding the i-th dcmd (or walker) of all modules; *i becomes
 * the index within it. */
static const struct dmod *locate(size_t *i, bool walkers, const char **module)
{
	for (size_t m = 0; m < ndmods; m++) {
		size_t n = walkers ? dmods[m].nwalkers : dmods[m].ndcmds;
		if (*i < n) {
			*module = dmods[m].mod->name;
			return &dmods[m];
		}
		*i -= n;
	}
	return NULL;
}

const struct pm_dcmd *pm_dmod_dcmd_at(size_t i, const char **module)
{
	const struct dmod *dm = locate(&i, false, module);
	return dm ? &dm->dcmds[i] : NULL;
}

const struct pmdb_walker *pm_dmod_walker_at(size_t i, const char **module)
{
	const struct dmod *dm = locate(&i, true, module);
	return dm ? &dm->mod->walkers[i] : NULL;
}

const struct pm_dcmd *pm_dmod_dcmd_find(const char *name)
{
	const char *mod;
	const struct pm_dcmd *d;
	for (size_t i = 0; (d = pm_dmod_dcmd_at(i, &mod)); i++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

const struct pmdb_walker *pm_dmod_walker_find(const char *name)
{
	const char *mod;
	const struct pmdb_walker *w;
	for (size_t i = 0; (w = pm_dmod_walker_at(i, &mod)); i++)
		if (strcmp(w->name, name) == 0)
			return w;
	return NULL;
}

static struct dmod *dmod_by_name(const char *name)
{
	for (size_t m = 0; m < ndmods; m++)
		if (strcmp(dmods[m].mod->name, name) == 0)
			return &dmods[m];
	return NULL;
}

/* Why a module's dcmd or walker name cannot be added, or NULL.  seen:
 * whether the module lists it earlier too. */
static struct pm_err *name_err(const char *mod, const char *kind, const char *name, bool ok,
			       bool builtin, bool loaded, bool seen)
{
	if (!ok)
		return pm_err_new(PM_ERR_FORMAT, "module %s: a %s without a name or a function",
				  mod, kind);
	if (builtin || loaded)
		return pm_err_new(PM_ERR_LOOKUP, "module %s: %s %s clashes with the %s %s", mod, kind,
				  name, loaded ? "loaded module's" : "built-in", kind);
	if (seen)
		return pm_err_new(PM_ERR_LOOKUP, "module %s: %s %s is listed twice", mod, kind, name);
	return NULL;
}

/* Names must be new: not a built-in's, not another module's, not twice
 * in this module. */
static struct pm_err *check_entries(const struct pmdb_module *mod, size_t *nd, size_t *nw)
{
	struct pm_err *err = NULL;
	*nd = *nw = 0;
	for (const struct pmdb_dcmd *d = mod->dcmds; d && d->name && !err; d++, (*nd)++) {
		bool seen = false;
		for (const struct pmdb_dcmd *e = mod->dcmds; e < d; e++)
			seen |= strcmp(e->name, d->name) == 0;
		err = name_err(mod->name, "dcmd", d->name, *d->name && d->fn,
			       pm_dcmd_find(d->name) && !pm_dmod_dcmd_find(d->name),
			       pm_dmod_dcmd_find(d->name) != NULL, seen);
	}
	for (const struct pmdb_walker *w = mod->walkers; w && w->name && !err; w++, (*nw)++) {
		bool seen = false;
		for (const struct pmdb_walker *e = mod->walkers; e < w; e++)
			seen |= strcmp(e->name, w->name) == 0;
		err = name_err(mod->name, "walker", w->name, *w->name && w->step,
			       pm_walker_find(w->name) && !pm_dmod_walker_find(w->name),
			       pm_dmod_walker_find(w->name) != NULL, seen);
	}
	return err;
}

static struct pm_err *check_module(const char *path, const struct pmdb_module *mod,
				   size_t *nd, size_t *nw)
{
	if (!mod) {
		struct pm_err *why = pm_svc_take_err(NULL);
		struct pm_err *err = pm_err_new(PM_ERR_GENERIC, "%s: the module refused to load%s%s",
						path, why ? ": " : "", why ? why->msg : "");
		pm_err_free(why);
		return err;
	}
	if (mod->api_version != PMDB_API_VERSION)
		return pm_err_new(PM_ERR_FORMAT, "%s: built for pmdb module API version %u, this pmdb has version %d",
				  path, mod->api_version, PMDB_API_VERSION);
	if (!mod->name || !*mod->name)
		return pm_err_new(PM_ERR_FORMAT, "%s: the module has no name", path);
	if (dmod_by_name(mod->name))
		return pm_err_new(PM_ERR_LOOKUP, "%s: a module named %s is already loaded", path,
				  mod->name);
	return check_entries(mod, nd, nw);
}

static void add_dmod(char *path, void *handle, const struct pmdb_module *mod, size_t nd, size_t nw)
{
	vec_reserve(&dmods, &dmods_cap, ndmods + 1, sizeof(*dmods));
	struct dmod *dm = &dmods[ndmods++];
	*dm = (struct dmod){ path, handle, mod, xcalloc(nd ? nd : 1, sizeof(struct pm_dcmd)), nd, nw };
	for (size_t i = 0; i < nd; i++) {
		const struct pmdb_dcmd *d = &mod->dcmds[i];
		const char *summary = d->summary ? d->summary : "";
		dm->dcmds[i] = (struct pm_dcmd){ d->name, d->synopsis ? d->synopsis : "", summary,
						 d->help ? d->help : summary, NULL, dmod_call, 0 };
	}
}

struct pm_err *pm_cmd_load(struct pmdb *db, const struct pm_call *call)
{
	(void)db;
	if (call->argc != 2)
		return pm_err_new(PM_ERR_SYNTAX, "usage: ::load PATH");
	/* dlopen looks for a bare name in the library path, not here */
	char *path = strchr(call->argv[1], '/') ? xstrdup(call->argv[1])
						 : xasprintf("./%s", call->argv[1]);
	if (access(path, R_OK) != 0) {
		struct pm_err *err = pm_err_new(PM_ERR_IO, "cannot read module %s: %m", path);
		free(path);
		return err;
	}
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		struct pm_err *err = pm_err_new(PM_ERR_FORMAT, "cannot load module: %s", dlerror());
		free(path);
		return err;
	}
	pmdb_module_init_fn *init = (pmdb_module_init_fn *)dlsym(h, PMDB_MODULE_INIT);
	struct pm_err *err = NULL;
	size_t nd = 0, nw = 0;
	const struct pmdb_module *mod = NULL;
	if (!init) {
		err = pm_err_new(PM_ERR_FORMAT, "%s is not a pmdb module: it has no %s function", path,
				 PMDB_MODULE_INIT);
	} else {
		pm_err_free(pm_svc_take_err(NULL));
		mod = init(pm_services());
		err = check_module(path, mod, &nd, &nw);
	}
	if (err) {
		if (mod && mod->api_version == PMDB_API_VERSION && mod->fini)
			mod->fini();
		dlclose(h);
		free(path);
		return err;
	}
	add_dmod(path, h, mod, nd, nw);
	return NULL;
}

static void unload(struct dmod *dm)
{
	if (dm->mod->fini)
		dm->mod->fini();
	dlclose(dm->handle);
	free(dm->dcmds);
	free(dm->path);
	memmove(dm, dm + 1, (size_t)(dmods + ndmods - (dm + 1)) * sizeof(*dm));
	ndmods--;
}

struct pm_err *pm_cmd_unload(struct pmdb *db, const struct pm_call *call)
{
	(void)db;
	if (call->argc != 2)
		return pm_err_new(PM_ERR_SYNTAX, "usage: ::unload NAME (::dmods lists the loaded modules)");
	struct dmod *dm = dmod_by_name(call->argv[1]);
	if (!dm)
		return pm_err_new(PM_ERR_LOOKUP, "no module named %s is loaded (::dmods lists them)",
				  call->argv[1]);
	unload(dm);
	return NULL;
}

void pm_dmod_unload_all(void)
{
	while (ndmods)
		unload(&dmods[ndmods - 1]);
	free(dmods);
	dmods = NULL;
	dmods_cap = 0;
}

struct pm_err *pm_cmd_dmods(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	for (size_t m = 0; m < ndmods; m++) {
		const struct dmod *dm = &dmods[m];
		fprintf(db->out, "%s - %s\n  file: %s\n", dm->mod->name,
			dm->mod->desc ? dm->mod->desc : "", dm->path);
		fputs("  dcmds:", db->out);
		for (size_t i = 0; i < dm->ndcmds; i++)
			fprintf(db->out, " ::%s", dm->mod->dcmds[i].name);
		fputs("\n  walkers:", db->out);
		for (size_t i = 0; i < dm->nwalkers; i++)
			fprintf(db->out, " %s", dm->mod->walkers[i].name);
		fputc('\n', db->out);
	}
	return NULL;
}
