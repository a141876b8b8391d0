/* C expressions over DWARF-typed values (cexpr.c). */
#ifndef PM_CEXPR_H
#define PM_CEXPR_H

#include "ctype.h"

struct pm_cval {
	struct pm_type type;
	bool untyped;        /* a plain number, no DWARF type */
	bool symbol;         /* untyped: the address of a symbol without debug info */
	bool lvalue;         /* lives in memory at addr */
	uint64_t addr;
	uint64_t v;          /* the value, once loaded */
	/* a bit-field in a member path that reads no memory (::offsetof):
	 * addr is the byte of its lowest bit */
	unsigned bit_shift, bit_size;
};

struct pm_cexpr {
	struct pm_dwarf *d;
	const struct pm_thread *th;   /* for locals and $registers; may be NULL */
	unsigned frame;
	const char *s;                /* the text; advanced while parsing */
	struct pm_err *err;
	/* A member path (::print, ::offsetof): names are members of *base. */
	const struct pm_cval *base;
	bool base_used;
	bool no_memory;               /* refuse '->' and pointer '[]' (::offsetof) */
};

/* Parse and evaluate all of c->s; false with c->err set on error. */
bool pm_cexpr_parse(struct pm_cexpr *c, struct pm_cval *v);
/* Read an lvalue's scalar (arrays decay to pointers). */
bool pm_cexpr_load(struct pm_cexpr *c, struct pm_cval *v);

#endif
