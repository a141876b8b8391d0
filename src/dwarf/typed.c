/* The typed-data services dwarf.h offers the dcmds: ::print, ::sizeof,
 * ::offsetof, ::enum, a type's definition, and ::p. */
#include "cexpr.h"
#include "tprint.h"
#include "vars.h"
#include "../base/util.h"

#include <dwarf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static struct pm_err *member_path(struct pm_dwarf *d, const struct pm_type *t, uint64_t addr,
				  const char *path, bool no_memory, struct pm_cval *out)
{
	struct pm_cval base = { .type = *t, .lvalue = true, .addr = addr };
	struct pm_cexpr c = { .d = d, .s = path, .base = &base, .no_memory = no_memory };
	if (!pm_cexpr_parse(&c, out))
		return c.err;
	return NULL;
}

static bool is_aggregate(const struct pm_type *t)
{
	int tag = pm_ctype_tag(t);
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type ||
	       tag == DW_TAG_array_type;
}

struct pm_err *pm_print_typed(struct pm_dwarf *d, const char *type, uint64_t addr,
			      char *const *members, int nmembers, const struct pm_print_opts *o,
			      FILE *out)
{
	struct pm_type t;
	struct pm_err *err = pm_ctype_lookup(d, type, &t);
	if (err)
		return err;
	struct pm_tprinter p = { d, out, *o, 0 };
	if (!pm_target_readable(d->t, addr))
		return pm_err_fault(addr, type);
	if (nmembers == 0) {
		if (o->types) {
			pm_ctype_print_name(&t, "", out);
			fputc(' ', out);
		}
		if (o->addrs && !is_aggregate(&t))
			fprintf(out, "%" PRIx64 " ", addr);
		err = pm_tprint_value(&p, &t, addr);
		fputc('\n', out);
		return err;
	}
	for (int i = 0; i < nmembers && !err; i++) {
		struct pm_cval v;
		if ((err = member_path(d, &t, addr, members[i], false, &v)))
			break;
		if (v.lvalue && !pm_target_readable(d->t, v.addr)) {
			err = pm_err_fault(v.addr, members[i]);
			break;
		}
		if (v.lvalue) {
			err = pm_tprint_member(&p, &v.type, members[i], v.addr);
		} else {
			fprintf(out, "%s = ", members[i]);
			pm_tprint_scalar(&p, &v.type, v.v);
		}
		fputc('\n', out);
	}
	return err;
}

struct pm_err *pm_type_sizeof(struct pm_dwarf *d, const char *type, uint64_t *size)
{
	struct pm_type t;
	struct pm_err *err = pm_ctype_lookup(d, type, &t);
	if (err)
		return err;
	if (!pm_ctype_size(&t, size))
		return pm_err_new(PM_ERR_LOOKUP, "'%s' has no size (incomplete or void)", type);
	return NULL;
}

struct pm_err *pm_type_offsetof(struct pm_dwarf *d, const char *type, const char *member,
				uint64_t *off, uint64_t *size, unsigned *bit_shift, unsigned *bit_size)
{
	struct pm_type t;
	struct pm_err *err = pm_ctype_lookup(d, type, &t);
	if (err)
		return err;
	struct pm_cval v;
	if ((err = member_path(d, &t, 0, member, true, &v)))
		return err;
	*off = v.addr;
	if (!pm_ctype_size(&v.type, size))
		*size = 0;
	*bit_shift = v.bit_shift;
	*bit_size = v.bit_size;
	return NULL;
}

static bool enum_value(Dwarf_Die *c, bool is_signed, uint64_t *v)
{
	Dwarf_Attribute a;
	Dwarf_Sword s;
	Dwarf_Word u;
	if (!dwarf_attr(c, DW_AT_const_value, &a))
		return false;
	if (is_signed && dwarf_formsdata(&a, &s) == 0)
		*v = (uint64_t)s;
	else if (dwarf_formudata(&a, &u) == 0)
		*v = u;
	else if (dwarf_formsdata(&a, &s) == 0)
		*v = (uint64_t)s;
	else
		return false;
	return true;
}

struct pm_err *pm_type_enum(struct pm_dwarf *d, const char *type, bool has_value, uint64_t value,
			    FILE *out)
{
	struct pm_type t;
	struct pm_err *err = pm_ctype_lookup(d, type, &t);
	if (err)
		return err;
	if (pm_ctype_tag(&t) != DW_TAG_enumeration_type)
		return pm_err_new(PM_ERR_LOOKUP, "'%s' is not an enum", type);
	Dwarf_Die e, c;
	pm_ctype_strip(&t.die, &e);
	bool sgn = pm_ctype_is_signed(&t);
	if (!has_value)
		fprintf(out, "%-18s %s\n", "VALUE", "NAME");
	int matched = 0;
	uint64_t bits_left = value;
	if (dwarf_child(&e, &c) == 0) {
		do {
			uint64_t v;
			if (dwarf_tag(&c) != DW_TAG_enumerator || !enum_value(&c, sgn, &v))
				continue;
			const char *name = dwarf_diename(&c);
			if (!has_value) {
				if (sgn && (int64_t)v < 0)
					fprintf(out, "-0x%-16" PRIx64 " %s\n", -v, name);
				else
					fprintf(out, "0x%-16" PRIx64 " %s\n", v, name);
			} else if (v == value) {
				fprintf(out, "%s\n", name);
				return NULL;
			} else if (v && (v & (v - 1)) == 0 && (value & v)) {
				/* a flag of a bit-mask enum */
				fprintf(out, "%s%s", matched++ ? " | " : "", name);
				bits_left &= ~v;
			}
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	if (has_value && matched) {
		if (bits_left)
			fprintf(out, " | 0x%" PRIx64, bits_left);
		fputc('\n', out);
	} else if (has_value) {
		return pm_err_new(PM_ERR_LOOKUP, "no enumerator of '%s' has the value 0x%" PRIx64,
				  type, value);
	}
	return NULL;
}

static void describe(Dwarf_Die *agg, int indent, FILE *out);

static void describe_member(Dwarf_Die *m, int indent, FILE *out)
{
	struct pm_type mt = { 0 };
	mt.is_void = !pm_ctype_target(m, &mt.die);
	const char *name = dwarf_diename(m);
	Dwarf_Die st;
	pm_ctype_strip(&mt.die, &st);
	int tag = mt.is_void ? 0 : dwarf_tag(&mt.die);
	fprintf(out, "%*s", indent * 4, "");
	if (!dwarf_diename(&mt.die) && (tag == DW_TAG_structure_type || tag == DW_TAG_union_type)) {
		/* an anonymous aggregate is spelled out in place */
		fputs(tag == DW_TAG_structure_type ? "struct " : "union ", out);
		describe(&mt.die, indent, out);
		if (name)
			fprintf(out, " %s", name);
	} else {
		pm_ctype_print_name(&mt, name ? name : "", out);
	}
	Dwarf_Attribute a;
	Dwarf_Word bits;
	if (dwarf_attr(m, DW_AT_bit_size, &a) && dwarf_formudata(&a, &bits) == 0)
		fprintf(out, " : %u", (unsigned)bits);
	fputs(";\n", out);
}

static void describe(Dwarf_Die *agg, int indent, FILE *out)
{
	fputs("{\n", out);
	Dwarf_Die m;
	if (indent < 16 && dwarf_child(agg, &m) == 0) {
		do {
			if (dwarf_tag(&m) == DW_TAG_member)
				describe_member(&m, indent + 1, out);
		} while (dwarf_siblingof(&m, &m) == 0);
	}
	fprintf(out, "%*s}", indent * 4, "");
}

static void describe_type(const struct pm_type *tp, FILE *out)
{
	struct pm_type t = *tp;
	int tag = pm_ctype_tag(&t);
	Dwarf_Die s;
	if (!t.is_void)
		pm_ctype_strip(&t.die, &s);
	if (t.ptr == 0 && (tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
			   tag == DW_TAG_class_type)) {
		struct pm_type bare = { .die = s };
		pm_ctype_print_name(&bare, "", out);
		fputc(' ', out);
		describe(&s, 0, out);
	} else if (t.ptr == 0 && tag == DW_TAG_enumeration_type) {
		struct pm_type bare = { .die = s };
		pm_ctype_print_name(&bare, "", out);
		fputs(" {", out);
		Dwarf_Die c;
		int n = 0;
		if (dwarf_child(&s, &c) == 0) {
			do {
				uint64_t v;
				if (dwarf_tag(&c) == DW_TAG_enumerator && enum_value(&c, pm_ctype_is_signed(&t), &v))
					fprintf(out, "%s%s = %" PRId64, n++ ? ", " : " ", dwarf_diename(&c), (int64_t)v);
			} while (dwarf_siblingof(&c, &c) == 0);
		}
		fputs(" }", out);
	} else {
		pm_ctype_print_name(&t, "", out);
	}
	fputc('\n', out);
}

struct pm_err *pm_type_describe(struct pm_dwarf *d, const char *type, FILE *out)
{
	struct pm_type t;
	struct pm_err *err = pm_ctype_lookup(d, type, &t);
	if (!err)
		describe_type(&t, out);
	return err;
}

/* ::print NAME without an address: type NAME's definition, else the
 * value of variable NAME (a local of the frame, else a global). */
struct pm_err *pm_print_named(struct pm_dwarf *d, const struct pm_thread *th, unsigned frame,
			      const char *name, const struct pm_print_opts *o, FILE *out)
{
	struct pm_type t;
	struct pm_err *err = pm_ctype_lookup(d, name, &t);
	if (!err) {
		describe_type(&t, out);
		return NULL;
	}
	struct pm_var v;
	struct pm_err *verr = pm_var_lookup(d, th, frame, name, &v);
	if (verr && verr->code == PM_ERR_LOOKUP && strncmp(verr->msg, "no variable", 11) == 0) {
		pm_err_free(verr);
		return err;              /* neither: the type's error says where types come from */
	}
	pm_err_free(err);
	if (verr)
		return verr;
	struct pm_tprinter p = { d, out, *o, 0 };
	if (v.in_memory && !pm_target_readable(d->t, v.addr))
		return pm_err_fault(v.addr, name);
	if (v.in_memory) {
		err = pm_tprint_member(&p, &v.type, name, v.addr);
	} else {
		fprintf(out, "%s = ", name);
		pm_tprint_scalar(&p, &v.type, v.value);
	}
	fputc('\n', out);
	return err;
}

static struct pm_err *evaluate(struct pm_dwarf *d, const struct pm_thread *th, unsigned frame,
			       const char *text, struct pm_cval *v)
{
	struct pm_cexpr c = { .d = d, .th = th, .frame = frame, .s = text };
	if (!pm_cexpr_parse(&c, v))
		return c.err;
	return NULL;
}

struct pm_err *pm_cexpr_print(struct pm_dwarf *d, const struct pm_thread *th, unsigned frame,
			      const char *text, const struct pm_print_opts *o, FILE *out)
{
	struct pm_cval v;
	struct pm_err *err = evaluate(d, th, frame, text, &v);
	if (err)
		return err;
	struct pm_tprinter p = { d, out, *o, 0 };
	if (v.symbol) {          /* as gdb shows the address of such a symbol */
		fprintf(out, "(<data variable, no debug info> *) 0x%" PRIx64 " <", v.v);
		pm_sym_print(d, out, v.v);
		fputs(">\n", out);
		return NULL;
	}
	if (v.untyped) {
		fprintf(out, o->decimal ? "%" PRId64 "\n" : "0x%" PRIx64 "\n", v.v);
		return NULL;
	}
	/* the value first: an error prints nothing */
	bool aggregate = v.lvalue && is_aggregate(&v.type);
	if (aggregate && !pm_target_readable(d->t, v.addr))
		return pm_err_fault(v.addr, "the value");
	struct pm_cexpr c = { .d = d, .th = th, .frame = frame };
	if (!aggregate && !pm_cexpr_load(&c, &v))
		return c.err;
	fputc('(', out);
	pm_ctype_print_name(&v.type, "", out);
	fputs(") ", out);
	if (aggregate)
		err = pm_tprint_value(&p, &v.type, v.addr);
	else
		pm_tprint_scalar(&p, &v.type, v.v);
	fputc('\n', out);
	return err;
}

struct pm_err *pm_cexpr_value(struct pm_dwarf *d, const struct pm_thread *th, unsigned frame,
			      const char *text, uint64_t *val)
{
	struct pm_cval v;
	struct pm_err *err = evaluate(d, th, frame, text, &v);
	if (err)
		return err;
	struct pm_cexpr c = { .d = d, .th = th, .frame = frame };
	if (!pm_cexpr_load(&c, &v))
		return c.err;
	*val = v.v;
	return NULL;
}

struct args_out {
	struct pm_tprinter p;
	int n;
};

static void print_arg(void *arg, const char *name, const struct pm_var *v)
{
	struct args_out *a = arg;
	FILE *out = a->p.out;
	fprintf(out, "%s%s=", a->n++ ? ", " : "", name);
	if (!v) {
		fputs("<unavailable>", out);
		return;
	}
	struct pm_type t = v->type;
	int tag = pm_ctype_tag(&t);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type ||
	    tag == DW_TAG_array_type) {
		fputs("...", out);
		return;
	}
	uint64_t val = v->value, size = 8;
	if (v->in_memory) {
		struct pm_cval cv = { .type = t, .lvalue = true, .addr = v->addr };
		struct pm_cexpr c = { .d = a->p.d };
		if (!pm_cexpr_load(&c, &cv)) {
			fprintf(out, "<%s>", c.err->msg);
			pm_err_free(c.err);
			return;
		}
		val = cv.v;
	} else if (pm_ctype_size(&t, &size) && size < 8) {
		val &= (1ull << (size * 8)) - 1;
		if (pm_ctype_is_signed(&t))
			val = pm_sign_extend(val, (unsigned)size * 8);
	}
	pm_tprint_scalar(&a->p, &t, val);
}

void pm_dwarf_frame_args(struct pm_dwarf *d, const struct pm_thread *th, const struct pm_stack *s,
			 size_t frame, FILE *out)
{
	struct args_out a = { .p = { d, out, { .decimal = true }, 0 } };
	pm_var_frame_each(d, th, s, frame, true, print_arg, &a);
}
