/* Which variable a faulting pointer was: among the variables in scope in
 * a frame, those that hold the pointer's value and whose type has
 * something at the faulting offset ("p->p_version, member at offset 0x8
 * of struct plugin"). */
#include "cexpr.h"
#include "vars.h"
#include "../base/util.h"

#include <dwarf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct blame {
	struct pm_dwarf *d;
	uint64_t value, off;
	char *best;          /* a member at exactly off */
	char *fallback;      /* the pointer matches, no member known there */
};

/* The member path covering byte off of aggregate t: "a.b", its type name. */
static bool member_at(const struct pm_type *t, uint64_t off, char **path, int depth)
{
	if (depth > 8 || t->ptr > 0 || t->is_void)
		return false;
	Dwarf_Die s, m;
	pm_ctype_strip(&t->die, &s);
	int tag = dwarf_tag(&s);
	if ((tag != DW_TAG_structure_type && tag != DW_TAG_union_type && tag != DW_TAG_class_type) ||
	    dwarf_child(&s, &m) != 0)
		return false;
	do {
		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		Dwarf_Attribute a;
		Dwarf_Word moff = 0;
		if (dwarf_attr(&m, DW_AT_data_member_location, &a))
			dwarf_formudata(&a, &moff);
		struct pm_type mt = { 0 };
		mt.is_void = !pm_ctype_target(&m, &mt.die);
		uint64_t size = 0;
		pm_ctype_size(&mt, &size);
		if (off < moff || off >= moff + (size ? size : 1))
			continue;
		const char *name = dwarf_diename(&m);
		char *inner = NULL;
		if (off != moff || pm_ctype_tag(&mt) == DW_TAG_structure_type) {
			if (!member_at(&mt, off - moff, &inner, depth + 1))
				continue;
		}
		if (name && inner)
			*path = xasprintf("%s.%s", name, inner);
		else
			*path = inner ? inner : xstrdup(name ? name : "<anonymous>");
		if (name && inner)
			free(inner);
		return true;
	} while (dwarf_siblingof(&m, &m) == 0);
	return false;
}

static void consider(void *arg, const char *name, const struct pm_var *v)
{
	struct blame *b = arg;
	if (!v || b->best || pm_ctype_tag(&v->type) != DW_TAG_pointer_type)
		return;
	uint64_t val = v->value;
	if (v->in_memory) {
		struct pm_cval cv = { .type = v->type, .lvalue = true, .addr = v->addr };
		struct pm_cexpr c = { .d = b->d };
		if (!pm_cexpr_load(&c, &cv)) {
			pm_err_free(c.err);
			return;
		}
		val = cv.v;
	}
	if (val != b->value)
		return;
	struct pm_type to;
	pm_ctype_deref(&v->type, &to);
	char *path = NULL;
	char *tname = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&tname, &len);
	pm_ctype_print_name(&to, "", f);
	fclose(f);
	if (member_at(&to, b->off, &path, 0)) {
		b->best = xasprintf("%s->%s (member at offset 0x%" PRIx64 " of %s, and %s is 0x%" PRIx64 ")",
				    name, path, b->off, tname, name, val);
		free(path);
	} else if (!b->fallback) {
		b->fallback = xasprintf("%s (%s *, 0x%" PRIx64 "), dereferenced at offset 0x%" PRIx64,
					name, tname, val, b->off);
	}
	free(tname);
}

char *pm_dwarf_blame(struct pm_dwarf *d, const struct pm_thread *th, size_t frame, uint64_t value,
		     uint64_t off)
{
	struct pm_stack s;
	struct pm_err *err = pm_dwarf_stack(d, th, &s);
	if (err) {
		pm_err_free(err);
		return NULL;
	}
	struct blame b = { .d = d, .value = value, .off = off };
	pm_var_frame_each(d, th, &s, frame, false, consider, &b);
	pm_stack_free(&s);
	if (b.best) {
		free(b.fallback);
		return b.best;
	}
	return b.fallback;
}
