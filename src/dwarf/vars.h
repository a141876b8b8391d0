/* Variables by name, with their DWARF locations evaluated (vars.c). */
#ifndef PM_VARS_H
#define PM_VARS_H

#include "ctype.h"

struct pm_var {
	struct pm_type type;
	bool in_memory;      /* at addr; otherwise value holds it */
	uint64_t addr;
	uint64_t value;
};

/* A local or parameter of frame FRAME of thread th (th may be NULL),
 * else a global of any module, the executable's first. */
struct pm_err *pm_var_lookup(struct pm_dwarf *d, const struct pm_thread *th, unsigned frame,
			     const char *name, struct pm_var *out);

/* The formal parameters (or, !params_only, also the local variables in
 * scope at its pc) of displayed frame FRAME of stack s (of thread th), in
 * order: fn gets each name and its location, or NULL when the value is
 * not available. */
typedef void (*pm_param_fn)(void *arg, const char *name, const struct pm_var *v);
void pm_var_frame_each(struct pm_dwarf *d, const struct pm_thread *th, const struct pm_stack *s,
		       size_t frame, bool params_only, pm_param_fn fn, void *arg);

#endif
