/* Shared inside src/dwarf only. */
#ifndef PM_DWARF_INTERNAL_H
#define PM_DWARF_INTERNAL_H

#include <elfutils/libdwfl.h>

#include "dwarf.h"

/* Interned strings that live as long as the session. */
struct pm_strpool {
	char **strs;
	size_t n, cap;
};

/* What libdwfl hands back to the unwinding callbacks for one thread. */
struct pm_thread_ctx {
	struct pm_dwarf *d;
	const struct pm_thread *th;
	const uint64_t *regs;    /* registers to unwind from instead of th's, or NULL */
};

struct pm_dwarf {
	struct pm_target *t;
	Dwfl *dwfl;
	Dwfl_Callbacks callbacks;
	char *debug_path;
	bool demangle;
	bool attached;           /* dwfl_attach_state done */
	struct pm_thread_ctx *thread_ctx; /* one per target thread */
	void *inline_cache;      /* inline.c's expansions by pc */
	struct pm_strpool pool;
	struct pm_module_info *mods;
	size_t nmods;
	/* last demangled name, cached */
	char *dm_in, *dm_out;
};

void pm_inline_expand(struct pm_dwarf *d, struct pm_stack *s, uint64_t pc, uint64_t lookup_pc,
		      uint64_t sp);
/* MODULE in MODULE`NAME or ::nm -m: the full name, or a prefix of the file name. */
bool pm_module_matches(const char *mname, const char *want);
const char *pm_pool_add(struct pm_strpool *p, char *owned);

#endif
