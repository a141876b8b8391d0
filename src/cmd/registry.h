/* Walkers and module (dmod) entries: the built-in walkers are listed in
 * table.c beside the dcmds; loaded modules add theirs here (dmod.c). */
#ifndef PM_REGISTRY_H
#define PM_REGISTRY_H

#include <pmdb/module.h>

#include "../pmdb.h"

/* pmdb_ctx is the session itself. */
static inline struct pmdb *pm_db(pmdb_ctx *ctx)
{
	return (struct pmdb *)ctx;
}

static inline pmdb_ctx *pm_ctx(struct pmdb *db)
{
	return (pmdb_ctx *)db;
}

/* A built-in walker's flag beside PMDB_WALKER_DECIMAL: on a kernel dump
 * its elements are addresses (thread: task_structs, not thread ids). */
enum { PM_WALKER_ADDRS_ON_KERNEL = 1u << 16 };

/* The built-in walkers (table.c). */
extern const struct pmdb_walker pm_walkers[];
extern const size_t pm_nwalkers;

/* Built-in walker functions (walkers.c, listwalk.c, linkmap.c). */
int pm_walk_init_index(pmdb_ctx *ctx, struct pmdb_walk_state *ws);
int pm_walk_thread_init(pmdb_ctx *ctx, struct pmdb_walk_state *ws);
void pm_walk_thread_fini(pmdb_ctx *ctx, struct pmdb_walk_state *ws);
int pm_walk_thread_step(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem);
int pm_walk_mapping_step(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem);
int pm_walk_module_step(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem);
int pm_walk_list_init(pmdb_ctx *ctx, struct pmdb_walk_state *ws);
int pm_walk_list_step(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem);
void pm_walk_list_fini(pmdb_ctx *ctx, struct pmdb_walk_state *ws);
int pm_walk_link_map_init(pmdb_ctx *ctx, struct pmdb_walk_state *ws);
int pm_walk_task_init(pmdb_ctx *ctx, struct pmdb_walk_state *ws);
int pm_walk_task_step(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem);
void pm_walk_task_fini(pmdb_ctx *ctx, struct pmdb_walk_state *ws);
/* Start a list walk at ws->addr following the pointer at offset; what
 * names that pointer in errors.  Step and fini are the list walker's. */
void pm_walk_list_begin(struct pmdb_walk_state *ws, uint64_t offset, const char *what);

/* A built-in walker, else a loaded module's, or NULL. */
const struct pmdb_walker *pm_walker_find(const char *name);
/* Run a walker: cb once per element; start may be NULL. */
struct pm_err *pm_walk(struct pmdb *db, const char *name, const uint64_t *start, const char *arg,
		       pmdb_walk_cb *cb, void *cbarg);

/* The services handed to modules (services.c), and the pending error their
 * fail() sets: pm_svc_take_err returns it (or a generic one naming what),
 * leaving none pending. */
const struct pmdb_services *pm_services(void);
int pm_svc_fail_err(struct pm_err *err);
struct pm_err *pm_svc_take_err(const char *what);

/* Loaded modules (dmod.c).  The _at functions return NULL past the end;
 * module names the module holding the entry. */
const struct pm_dcmd *pm_dmod_dcmd_find(const char *name);
const struct pm_dcmd *pm_dmod_dcmd_at(size_t i, const char **module);
const struct pmdb_walker *pm_dmod_walker_find(const char *name);
const struct pmdb_walker *pm_dmod_walker_at(size_t i, const char **module);
void pm_dmod_unload_all(void);

#endif
