/* The language's variables and radix.  Variables and registers share one
 * namespace, as in mdb: <name finds a variable first, then a register of
 * the current thread; registers cannot be assigned in a core file. */
#ifndef PM_VARS_H
#define PM_VARS_H

#include "../pmdb.h"

/* The value of a variable, or false if none is defined by that name
 * (registers are not looked up here). */
bool pm_var_get(struct pmdb *db, const char *name, uint64_t *val);
struct pm_err *pm_var_set(struct pmdb *db, const char *name, uint64_t val);
/* Can name be a variable?  [A-Za-z_][A-Za-z0-9_]* or one digit. */
bool pm_var_name_ok(const char *name);

/* The default radix (2-16). */
unsigned pm_radix(const struct pmdb *db);
/* v in the default radix, no prefix, as mdb's %r. */
void pm_print_radix(const struct pmdb *db, FILE *out, uint64_t v);

#endif
