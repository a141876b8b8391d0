/* mdb expressions: parsed and evaluated in one pass, or only parsed
 * (eval == false) to find where an expression ends in a command line. */
#ifndef PM_EXPR_H
#define PM_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../pmdb.h"

struct pm_expr {
	struct pmdb *db;
	const char *s;
	size_t pos;
	bool eval;
	struct pm_err *err;
	int depth;           /* of unary operators and parentheses */
};

/* Parse (and evaluate) one expression at e->s + e->pos, leaving pos after
 * it.  Returns false with e->err set on error.  An empty expression is an
 * error; callers check pm_expr_starts() first. */
bool pm_expr_parse(struct pm_expr *e, uint64_t *val);
/* How much of s to quote in an error message: up to 12 characters of its
 * line. */
int pm_near_len(const char *s);
/* Could an expression start at s? */
bool pm_expr_starts(const char *s);

#endif
