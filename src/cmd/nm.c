/* ::nm [-n|-s] [-m module] [pattern]: symbol tables with run-time values. */
#include "cmds.h"
#include "../base/util.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct nm_list {
	const char *pattern;
	struct pm_symbol *syms;
	size_t n, cap;
};

static void collect(const struct pm_symbol *s, void *arg)
{
	struct nm_list *l = arg;
	if (l->pattern && fnmatch(l->pattern, s->name, 0) != 0)
		return;
	vec_reserve(&l->syms, &l->cap, l->n + 1, sizeof(*l->syms));
	l->syms[l->n++] = *s;
}

static int by_value(const void *a, const void *b)
{
	const struct pm_symbol *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b)
{
	const struct pm_symbol *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : by_value(a, b);
}

static int by_size(const void *a, const void *b)
{
	const struct pm_symbol *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return by_value(a, b);
}

struct pm_err *pm_cmd_nm(struct pmdb *db, const struct pm_call *call)
{
	int (*cmp)(const void *, const void *) = by_value;
	const char *module = NULL;
	struct nm_list l = { 0 };
	for (int i = 1; i < call->argc; i++) {
		const char *a = call->argv[i];
		if (strcmp(a, "-n") == 0) {
			cmp = by_name;
		} else if (strcmp(a, "-s") == 0) {
			cmp = by_size;
		} else if (strncmp(a, "-m", 2) == 0) {
			module = a[2] ? a + 2 : (i + 1 < call->argc ? call->argv[++i] : NULL);
			if (!module)
				return pm_err_new(PM_ERR_SYNTAX, "::nm: option -m needs a module name");
		} else if (a[0] == '-' || l.pattern) {
			return pm_err_new(PM_ERR_SYNTAX, "::nm: unexpected '%s' (see ::help nm)", a);
		} else {
			l.pattern = a;
		}
	}
	struct pm_err *err = pm_dwarf_symbols(db->dw, module, collect, &l);
	if (err)
		return err;
	if (l.n > 1)
		qsort(l.syms, l.n, sizeof(*l.syms), cmp);
	int w = pm_addr_digits(db);
	fprintf(db->out, "%-*s %-10s %-7s %-6s %s\n", w + 2, "VALUE", "SIZE", "TYPE", "BIND", "NAME");
	for (size_t i = 0; i < l.n; i++) {
		const struct pm_symbol *s = &l.syms[i];
		fprintf(db->out, "0x%0*" PRIx64 " 0x%-8" PRIx64 " %-7s %-6s %s`%s\n", w, s->value,
			s->size, s->type, s->bind, s->module, s->name);
	}
	free(l.syms);
	return NULL;
}
