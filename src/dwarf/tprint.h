/* Printing typed values from target memory (tprint.c). */
#ifndef PM_TPRINT_H
#define PM_TPRINT_H

#include "ctype.h"

struct pm_tprinter {
	struct pm_dwarf *d;
	FILE *out;
	struct pm_print_opts o;
	uint64_t values;       /* printed so far, against a bound */
};

/* The value of type t at addr: braces and one member per line for
 * aggregates, "[ a, b ]" for arrays, a scalar on its own. */
struct pm_err *pm_tprint_value(struct pm_tprinter *p, const struct pm_type *t, uint64_t addr);
/* "name = value" (with -a the address, with -t the type first). */
struct pm_err *pm_tprint_member(struct pm_tprinter *p, const struct pm_type *t, const char *name,
				uint64_t addr);
/* A scalar (integer, enum, pointer, float) already read. */
void pm_tprint_scalar(struct pm_tprinter *p, const struct pm_type *t, uint64_t v);
bool pm_tprint_is_char(const struct pm_type *t);

#endif
