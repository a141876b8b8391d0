/* Data symbols from the kernel's code (kcode.h): each row of the
 * architecture's table resolved once, on first use, and remembered with
 * where it came from or why it could not be had. */
#include "kcode.h"
#include "karch.h"
#include "kernel.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { UNTRIED, RESOLVING, DONE };

struct slot {
	int state;
	uint64_t addr;        /* 0: not found */
	char where[192];      /* "get_avenrun+0x1c", or why not */
};

struct pm_kcode {
	const struct pm_kcode_sym *rows;
	size_t n;
	struct slot *slots;
};

static struct pm_kcode *table(struct pm_target *t)
{
	struct pm_kernel *k = t->kernel;
	if (!k || !k->arch || !k->arch->code_syms)
		return NULL;
	if (!k->kcode) {
		struct pm_kcode *c = xcalloc(1, sizeof(*c));
		c->rows = k->arch->code_syms;
		while (c->rows[c->n].name)
			c->n++;
		c->slots = xcalloc(c->n + 1, sizeof(*c->slots));
		k->kcode = c;
	}
	return k->kcode;
}

static const char *kind_name(enum pm_kref_kind kind)
{
	switch (kind) {
	case PM_KREF_PAIR: return "ADRP+ADD address";
	case PM_KREF_ACCESS: return "load or store through an ADRP address";
	case PM_KREF_INDEXED: return "indexed load or store through an ADRP address";
	case PM_KREF_ARG: return "ADRP address passed to a call";
	}
	return "?";
}

/* The region a row's address must be in: the image's data and bss (the
 * first mapping after __init_begin), or below it the per-CPU template of
 * the init sections. */
static bool region(struct pm_target *t, enum pm_kref_region r, uint64_t *lo, uint64_t *hi)
{
	uint64_t start, end;
	const struct pm_ksym *init = pm_ksym_by_name(t, "__init_begin");
	if (!pm_kernel_image_data(t, &start, &end))
		return false;
	if (r == PM_KREF_DATA) {
		*lo = start;
		*hi = end;
		return true;
	}
	if (!init || init->addr >= start)
		return false;
	*lo = init->addr;
	*hi = start;
	return true;
}

/* The reference the row names in its function's code, or false with why. */
static bool from_code(struct pm_target *t, const struct pm_kcode_sym *row, struct slot *s)
{
	const struct pm_ksym *f = pm_ksym_by_name(t, row->func);
	if (!f || (f->type != 't' && f->type != 'T')) {
		snprintf(s->where, sizeof(s->where), "no function %s in kallsyms", row->func);
		return false;
	}
	struct pm_kref refs[PM_KREF_MAX];
	size_t n = t->kernel->arch->kref_scan(t, f->addr, f->size, refs, PM_KREF_MAX);
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (refs[i].kind != row->kind || (row->kind == PM_KREF_ARG && refs[i].arg != row->arg))
			continue;
		if (seen++ < row->nth)
			continue;
		s->addr = refs[i].addr;
		snprintf(s->where, sizeof(s->where), "%s+0x%" PRIx64, row->func, refs[i].pc - f->addr);
		return true;
	}
	snprintf(s->where, sizeof(s->where), "%s has no %s #%u in its first %u instructions", row->func,
		 kind_name(row->kind), row->nth + 1, PM_KREF_INSNS);
	return false;
}

static void resolve(struct pm_target *t, const struct pm_kcode_sym *row, struct slot *s)
{
	uint64_t lo = 0, hi = 0, ref;
	if (row->func && !from_code(t, row, s))
		return;
	ref = s->addr;
	bool in = region(t, row->region, &lo, &hi);
	if (row->func && (!in || ref < lo || ref >= hi)) {
		snprintf(s->where + strlen(s->where), sizeof(s->where) - strlen(s->where),
			 " gives 0x%" PRIx64 ", outside the image's %s 0x%" PRIx64 "-0x%" PRIx64, ref,
			 row->region == PM_KREF_DATA ? "data and bss" : "per-CPU template", lo, hi);
		s->addr = 0;
		return;
	}
	char why[128] = "";
	uint64_t addr = ref;
	if (row->check && !row->check(t, &addr, why, sizeof(why))) {
		if (row->func)
			snprintf(s->where + strlen(s->where), sizeof(s->where) - strlen(s->where),
				 " gives 0x%" PRIx64 ", but %s", ref, why);
		else
			snprintf(s->where, sizeof(s->where), "%s", why);
		s->addr = 0;
		return;
	}
	if (!in || addr < lo || addr >= hi) {
		snprintf(s->where, sizeof(s->where), "0x%" PRIx64 " is outside the image's %s", addr,
			 row->region == PM_KREF_DATA ? "data and bss" : "per-CPU template");
		s->addr = 0;
		return;
	}
	s->addr = addr;
	if (!row->func)
		snprintf(s->where, sizeof(s->where), "%s", why);
}

static struct slot *lookup(struct pm_target *t, const char *name, const struct pm_kcode_sym **row)
{
	struct pm_kcode *c = table(t);
	for (size_t i = 0; c && i < c->n; i++) {
		if (strcmp(c->rows[i].name, name) != 0)
			continue;
		struct slot *s = &c->slots[i];
		if (s->state == UNTRIED) {
			s->state = RESOLVING;   /* a check asking for its own row gets 0 */
			resolve(t, &c->rows[i], s);
			s->state = DONE;
		}
		*row = &c->rows[i];
		return s;
	}
	return NULL;
}

uint64_t pm_kernel_code_symbol(struct pm_target *t, const char *name)
{
	const struct pm_kcode_sym *row;
	struct slot *s = lookup(t, name, &row);
	return s && s->state == DONE ? s->addr : 0;
}

const char *pm_kernel_code_why(struct pm_target *t, const char *name, bool *found)
{
	const struct pm_kcode_sym *row;
	struct slot *s = lookup(t, name, &row);
	if (!s || s->state != DONE)
		return NULL;
	*found = s->addr != 0;
	return s->where;
}

void pm_kernel_code_report(struct pm_target *t, FILE *out)
{
	struct pm_kcode *c = table(t);
	for (size_t i = 0; c && i < c->n; i++) {
		const char *name = c->rows[i].name;
		if (pm_ksym_by_name(t, name))
			continue;        /* kallsyms has it after all */
		bool found = false;
		const char *why = pm_kernel_code_why(t, name, &found);
		if (found)
			fprintf(out, "# SYMBOL(%s)=%" PRIx64 " from code: %s\n", name,
				pm_kernel_code_symbol(t, name), why);
		else
			fprintf(out, "# SYMBOL(%s) unknown: %s\n", name, why ? why : "?");
	}
}

void pm_kernel_code_free(struct pm_kcode *c)
{
	if (c)
		free(c->slots);
	free(c);
}
