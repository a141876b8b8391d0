/* Run control of a live process in mdb's words (runctl.c, bpts.c): the
 * breakpoints the user set, by symbol or address, kept across runs. */
#ifndef PM_RUNCTL_H
#define PM_RUNCTL_H

#include "cmds.h"

struct pm_bpt {
	int id;
	char *spec;          /* the symbol as typed, or NULL for an address */
	uint64_t addr;       /* 0 while the symbol is not loaded yet */
	bool temporary;      /* ::step out's: gone at the next stop */
	int tid;             /* temporary: the thread it is for */
	uint64_t above_sp;   /* temporary: only once the stack is above this */
	unsigned hits;
};

struct pm_runctl {
	struct pm_bpt *bpts;
	size_t nbpts, cap;
	int next_id;
	uint64_t dl_hook;    /* the dynamic loader's _dl_debug_state, 0 if unknown */
	uint64_t session_key; /* what the debug session was opened on (runctl.c) */
};

/* db's run control state, made on first use (bpts.c). */
struct pm_runctl *pm_runctl_of(struct pmdb *db);

/* Resolve the breakpoints whose symbol has been loaded since (bpts.c). */
void pm_bpts_resolve(struct pmdb *db);
/* The addresses to write in for the next run (bpts.c). */
size_t pm_bpts_addresses(struct pmdb *db, uint64_t **out);
struct pm_bpt *pm_bpt_at(struct pmdb *db, uint64_t addr);
struct pm_bpt *pm_bpt_add(struct pmdb *db, const char *spec, uint64_t addr);
void pm_bpts_drop_temporary(struct pmdb *db);

#endif
