/* DWARF types: following typedefs, sizes, members, C spellings, and
 * finding a type by name across the modules. */
#include "ctype.h"
#include "dwp.h"
#include "nameidx.h"
#include "scopes.h"
#include "../base/util.h"

#include <ctype.h>
#include <dwarf.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>

/* Bounds that keep hostile DWARF (typedef cycles, absurd nesting) finite. */
#define MAX_CHAIN 64

/* A reference to a DIE; a type signature (DW_FORM_ref_sig8) libdw finds
 * in the unit's own DWARF, else pmdb in the module's package (dwp.h). */
static bool formref(Dwarf_Attribute *a, Dwarf_Die *out)
{
	return dwarf_formref_die(a, out) || (dwarf_whatform(a) == DW_FORM_ref_sig8 && pm_dwp_type_unit(a, out));
}

bool pm_ctype_target(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	if (!dwarf_attr_integrate(die, DW_AT_type, &a) || !formref(&a, out))
		return false;
	/* gcc -fdebug-types-section defines a type in a type unit and leaves,
	 * where it is used, a stub naming it by DW_AT_signature */
	Dwarf_Die def;
	if (dwarf_attr(out, DW_AT_signature, &a) && formref(&a, &def))
		*out = def;
	return true;
}

static bool is_qualifier(int tag)
{
	return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	       tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type;
}

void pm_ctype_strip(const Dwarf_Die *in, Dwarf_Die *out)
{
	*out = *in;
	for (int i = 0; i < MAX_CHAIN && is_qualifier(dwarf_tag(out)); i++) {
		Dwarf_Die next;
		if (!pm_ctype_target(out, &next))
			return;      /* typedef of void: stays the typedef */
		*out = next;
	}
}

int pm_ctype_tag(const struct pm_type *t)
{
	if (t->ptr > 0)
		return DW_TAG_pointer_type;
	if (t->is_void)
		return 0;
	Dwarf_Die s;
	pm_ctype_strip(&t->die, &s);
	int tag = dwarf_tag(&s);
	return tag == DW_TAG_reference_type || tag == DW_TAG_rvalue_reference_type ?
	       DW_TAG_pointer_type : tag;
}

bool pm_ctype_deref(const struct pm_type *t, struct pm_type *out)
{
	if (t->ptr > 0) {
		*out = *t;
		out->ptr--;
		return true;
	}
	if (pm_ctype_tag(t) != DW_TAG_pointer_type)
		return false;
	Dwarf_Die s;
	pm_ctype_strip(&t->die, &s);
	memset(out, 0, sizeof(*out));
	out->is_void = !pm_ctype_target(&s, &out->die);
	return true;
}

static bool subrange_count(Dwarf_Die *sub, uint64_t *count)
{
	Dwarf_Attribute a;
	Dwarf_Word v;
	if (dwarf_attr_integrate(sub, DW_AT_count, &a) && dwarf_formudata(&a, &v) == 0) {
		*count = v;
		return true;
	}
	if (dwarf_attr_integrate(sub, DW_AT_upper_bound, &a) && dwarf_formudata(&a, &v) == 0) {
		Dwarf_Word lo = 0;
		if (dwarf_attr_integrate(sub, DW_AT_lower_bound, &a))
			dwarf_formudata(&a, &lo);
		*count = v >= lo ? v - lo + 1 : 0;
		return true;
	}
	return false;     /* flexible array member: int v[] */
}

/* A multi-dimensional array is one DIE with a subrange per dimension;
 * int a[2][3] indexed once is the same DIE with dim 1. */
bool pm_ctype_array(const struct pm_type *t, struct pm_type *elem, uint64_t *count)
{
	if (t->ptr > 0 || t->is_void)
		return false;
	Dwarf_Die s;
	pm_ctype_strip(&t->die, &s);
	if (dwarf_tag(&s) != DW_TAG_array_type)
		return false;
	Dwarf_Die sub;
	int k = 0, ndims = 0;
	*count = 0;
	if (dwarf_child(&s, &sub) == 0) {
		do {
			if (dwarf_tag(&sub) != DW_TAG_subrange_type)
				continue;
			if (k++ == t->dim && !subrange_count(&sub, count))
				*count = 0;
			ndims++;
		} while (dwarf_siblingof(&sub, &sub) == 0);
	}
	memset(elem, 0, sizeof(*elem));
	if (t->dim + 1 < ndims) {
		elem->die = s;
		elem->dim = t->dim + 1;
	} else {
		elem->is_void = !pm_ctype_target(&s, &elem->die);
	}
	return true;
}

/* depth: arrays of arrays, bounded against an array DIE that is its own
 * element type */
static bool type_size(const struct pm_type *t, uint64_t *size, int depth)
{
	if (t->ptr > 0) {
		*size = 8;
		return true;
	}
	if (t->is_void)
		return false;
	Dwarf_Die s;
	pm_ctype_strip(&t->die, &s);
	int tag = dwarf_tag(&s);
	if (tag == DW_TAG_pointer_type || tag == DW_TAG_reference_type ||
	    tag == DW_TAG_rvalue_reference_type) {
		Dwarf_Word bs;
		Dwarf_Attribute a;
		*size = dwarf_attr(&s, DW_AT_byte_size, &a) && dwarf_formudata(&a, &bs) == 0 ? bs : 8;
		return true;
	}
	if (tag == DW_TAG_array_type) {
		struct pm_type elem;
		uint64_t n, esize;
		if (depth > MAX_CHAIN || !pm_ctype_array(t, &elem, &n) ||
		    !type_size(&elem, &esize, depth + 1))
			return false;
		if (esize && n > UINT64_MAX / esize)
			return false;
		*size = n * esize;
		return true;
	}
	Dwarf_Word bs;
	Dwarf_Attribute a;
	if (dwarf_attr_integrate(&s, DW_AT_byte_size, &a) && dwarf_formudata(&a, &bs) == 0) {
		*size = bs;
		return true;
	}
	return false;
}

bool pm_ctype_size(const struct pm_type *t, uint64_t *size)
{
	return type_size(t, size, 0);
}

bool pm_ctype_is_signed(const struct pm_type *t)
{
	if (t->ptr > 0 || t->is_void)
		return false;
	Dwarf_Die s;
	pm_ctype_strip(&t->die, &s);
	if (dwarf_tag(&s) == DW_TAG_enumeration_type) {
		/* the base of an enum is no enum: not followed twice, so an enum
		 * based on itself ends here */
		Dwarf_Die base;
		if (!pm_ctype_target(&s, &base))
			return false;
		pm_ctype_strip(&base, &s);
	}
	Dwarf_Attribute a;
	Dwarf_Word enc;
	if (dwarf_tag(&s) != DW_TAG_base_type || !dwarf_attr(&s, DW_AT_encoding, &a) ||
	    dwarf_formudata(&a, &enc) != 0)
		return false;
	return enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

static bool member_offset(Dwarf_Die *m, uint64_t *off)
{
	Dwarf_Attribute a;
	Dwarf_Word v;
	*off = 0;
	if (!dwarf_attr_integrate(m, DW_AT_data_member_location, &a))
		return true;      /* union members, and DWARF that leaves 0 implicit */
	if (dwarf_formudata(&a, &v) == 0) {
		*off = v;
		return true;
	}
	/* DWARF 2 style: a location expression DW_OP_plus_uconst N */
	Dwarf_Op *ops;
	size_t n;
	if (dwarf_getlocation(&a, &ops, &n) == 0 && n == 1 && ops[0].atom == DW_OP_plus_uconst) {
		*off = ops[0].number;
		return true;
	}
	return false;
}

static bool attr_udata(Dwarf_Die *die, unsigned name, Dwarf_Word *v)
{
	Dwarf_Attribute a;
	return dwarf_attr_integrate(die, name, &a) && dwarf_formudata(&a, v) == 0;
}

/* DWARF 4's DW_AT_data_bit_offset counts from the start of the aggregate;
 * DWARF 2/3's DW_AT_bit_offset from the most significant bit of a
 * storage unit of DW_AT_byte_size at the member's offset. */
bool pm_ctype_bitfield_place(Dwarf_Die *m, const struct pm_type *mt, uint64_t member_addr,
			     uint64_t *byte, unsigned *shift, unsigned *bits)
{
	Dwarf_Word bit_size = 0, v;
	uint64_t byte_off = 0, bit;
	attr_udata(m, DW_AT_bit_size, &bit_size);
	member_offset(m, &byte_off);
	if (attr_udata(m, DW_AT_data_bit_offset, &v)) {
		bit = v;
	} else {
		Dwarf_Word unit = 0, boff = 0;
		if (!attr_udata(m, DW_AT_byte_size, &unit))
			pm_ctype_size(mt, &unit);
		attr_udata(m, DW_AT_bit_offset, &boff);
		bit = byte_off * 8 + unit * 8 - boff - bit_size;
	}
	if (bit_size == 0 || bit_size > 64)
		return false;
	*byte = member_addr - byte_off + bit / 8;
	*shift = (unsigned)(bit % 8);
	*bits = (unsigned)bit_size;
	return true;
}

struct pm_err *pm_ctype_bitfield(struct pm_dwarf *d, Dwarf_Die *m, const struct pm_type *mt,
				 uint64_t member_addr, uint64_t *val)
{
	uint64_t byte;
	unsigned shift, bits;
	if (!pm_ctype_bitfield_place(m, mt, member_addr, &byte, &shift, &bits))
		return pm_err_new(PM_ERR_FORMAT, "a bit-field of no width or more than 64 bits");
	unsigned char buf[16] = { 0 };
	size_t nbytes = (size_t)((shift + bits + 7) / 8);
	struct pm_err *err = pm_target_read(d->t, byte, buf, nbytes, "bit-field");
	if (err)
		return err;
	unsigned __int128 w = 0;
	for (size_t i = nbytes; i-- > 0;)
		w = (w << 8) | buf[i];
	uint64_t x = (uint64_t)(w >> shift);
	if (bits < 64)
		x &= (1ull << bits) - 1;
	*val = pm_ctype_is_signed(mt) ? pm_sign_extend(x, bits) : x;
	return NULL;
}

static bool find_member(Dwarf_Die *agg, const char *name, uint64_t base, uint64_t *off,
			Dwarf_Die *out, int depth)
{
	Dwarf_Die m;
	if (depth > MAX_CHAIN || dwarf_child(agg, &m) != 0)
		return false;
	do {
		int tag = dwarf_tag(&m);
		if (tag != DW_TAG_member && tag != DW_TAG_inheritance)
			continue;
		uint64_t moff;
		if (!member_offset(&m, &moff))
			continue;
		const char *mname = dwarf_diename(&m);
		if (mname && tag == DW_TAG_member && strcmp(mname, name) == 0) {
			*off = base + moff;
			*out = m;
			return true;
		}
		if (!mname || tag == DW_TAG_inheritance) {
			/* anonymous struct/union member or a C++ base class */
			Dwarf_Die mt, st;
			if (pm_ctype_target(&m, &mt)) {
				pm_ctype_strip(&mt, &st);
				if (find_member(&st, name, base + moff, off, out, depth + 1))
					return true;
			}
		}
	} while (dwarf_siblingof(&m, &m) == 0);
	return false;
}

bool pm_ctype_member(const struct pm_type *t, const char *name, uint64_t *off, Dwarf_Die *member)
{
	if (t->ptr > 0 || t->is_void)
		return false;
	Dwarf_Die s;
	pm_ctype_strip(&t->die, &s);
	int tag = dwarf_tag(&s);
	if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type && tag != DW_TAG_class_type)
		return false;
	return find_member(&s, name, 0, off, member, 0);
}

/* ---- C spelling ---- */

static void print_decl(Dwarf_Die *die, bool is_void, int dim, const char *inner, FILE *out,
		       int depth);

static void print_params(Dwarf_Die *fn, FILE *out, int depth)
{
	fputc('(', out);
	Dwarf_Die p;
	bool first = true;
	if (dwarf_child(fn, &p) == 0) {
		do {
			int tag = dwarf_tag(&p);
			if (tag == DW_TAG_unspecified_parameters) {
				fputs(first ? "..." : ", ...", out);
				first = false;
			}
			if (tag != DW_TAG_formal_parameter)
				continue;
			if (!first)
				fputs(", ", out);
			first = false;
			Dwarf_Die pt;
			bool has = pm_ctype_target(&p, &pt);
			print_decl(&pt, !has, 0, "", out, depth + 1);
		} while (dwarf_siblingof(&p, &p) == 0);
	}
	Dwarf_Attribute a;
	bool proto = false;
	if (first && dwarf_attr(fn, DW_AT_prototyped, &a) && dwarf_formflag(&a, &proto) == 0 && proto)
		fputs("void", out);
	fputc(')', out);
}

static const char *tag_keyword(int tag)
{
	switch (tag) {
	case DW_TAG_structure_type: return "struct ";
	case DW_TAG_union_type: return "union ";
	case DW_TAG_enumeration_type: return "enum ";
	case DW_TAG_class_type: return "class ";
	default: return "";
	}
}

/* The C declarator algorithm: INNER is what has been declared so far
 * ("*p", "(*fp)"), wrapped outwards as the type is peeled. */
static void print_decl(Dwarf_Die *die, bool is_void, int dim, const char *inner, FILE *out,
		       int depth)
{
	const char *sep = *inner ? " " : "";
	if (is_void || depth > MAX_CHAIN) {
		fprintf(out, "void%s%s", sep, inner);
		return;
	}
	int tag = dwarf_tag(die);
	Dwarf_Die target;
	bool has_target = pm_ctype_target(die, &target);
	char *next = NULL;
	switch (tag) {
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type: {
		const char *mark = tag == DW_TAG_pointer_type ? "*" : tag == DW_TAG_reference_type ? "&" : "&&";
		/* a typedef'd function type keeps its name: no parentheses */
		int ttag = has_target ? dwarf_tag(&target) : 0;
		bool wrap = ttag == DW_TAG_array_type || ttag == DW_TAG_subroutine_type;
		next = xasprintf(wrap ? "(%s%s)" : "%s%s", mark, inner);
		print_decl(&target, !has_target, 0, next, out, depth + 1);
		break;
	}
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type: {
		const char *q = tag == DW_TAG_const_type ? "const" : tag == DW_TAG_volatile_type ? "volatile" :
				tag == DW_TAG_restrict_type ? "restrict" : "_Atomic";
		/* "char *const p" puts the qualifier after the star */
		int ttag = has_target ? dwarf_tag(&target) : 0;
		if (ttag == DW_TAG_pointer_type) {
			next = xasprintf("%s%s%s", q, sep, inner);
			print_decl(&target, false, 0, next, out, depth + 1);
		} else {
			fprintf(out, "%s ", q);
			print_decl(&target, !has_target, 0, inner, out, depth + 1);
		}
		break;
	}
	case DW_TAG_array_type: {
		/* every dimension from dim on, then the element type */
		struct pm_type t = { .die = *die, .dim = dim }, elem;
		uint64_t n = 0;
		next = xstrdup(inner);
		while (pm_ctype_array(&t, &elem, &n) && t.dim < MAX_CHAIN) {
			char *more = n ? xasprintf("%s[%llu]", next, (unsigned long long)n) : xasprintf("%s[]", next);
			free(next);
			next = more;
			if (elem.dim == 0)
				break;
			t = elem;
		}
		print_decl(&elem.die, elem.is_void, 0, next, out, depth + 1);
		break;
	}
	case DW_TAG_subroutine_type: {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		fputs(inner, m);
		print_params(die, m, depth);
		fclose(m);
		print_decl(&target, !has_target, 0, buf, out, depth + 1);
		free(buf);
		break;
	}
	default: {
		const char *name = dwarf_diename(die);
		fprintf(out, "%s%s%s%s", tag_keyword(tag), name ? name : "{...}", sep, inner);
	}
	}
	free(next);
}

void pm_ctype_print_name(const struct pm_type *t, const char *decl, FILE *out)
{
	/* pointers pmdb added on top of an array or function type need
	 * parentheses: int (*)[5] */
	int tag = t->is_void ? 0 : dwarf_tag((Dwarf_Die *)&t->die);
	bool wrap = t->ptr > 0 && (tag == DW_TAG_array_type || tag == DW_TAG_subroutine_type);
	char *inner = xasprintf("%s%.*s%s%s", wrap ? "(" : "", t->ptr,
				"****************************************************************",
				decl, wrap ? ")" : "");
	print_decl((Dwarf_Die *)&t->die, t->is_void, t->dim, inner, out, 0);
	free(inner);
}

/* ---- lookup by name ---- */

/* GCC names base types "long unsigned int"; people write "unsigned long". */
static char *normalize_base(const char *words)
{
	int nlong = 0, nshort = 0, nchar = 0, nint = 0, nuns = 0, nsig = 0, other = 0;
	char *copy = xstrdup(words), *rest = copy, *w;
	while ((w = strsep(&rest, " \t")) != NULL) {
		if (!*w)
			continue;
		if (!strcmp(w, "long")) nlong++;
		else if (!strcmp(w, "short")) nshort++;
		else if (!strcmp(w, "char")) nchar++;
		else if (!strcmp(w, "int")) nint++;
		else if (!strcmp(w, "unsigned")) nuns++;
		else if (!strcmp(w, "signed")) nsig++;
		else other++;
	}
	free(copy);
	if (other || nlong > 2 || (nchar && (nlong || nshort)))
		return xstrdup(words);
	const char *u = nuns ? "unsigned " : "";
	if (nchar)
		return xasprintf("%schar", nuns ? "unsigned " : nsig ? "signed " : "");
	if (nshort)
		return xasprintf("short %sint", u);
	if (nlong)
		return xasprintf("%s%sint", nlong == 2 ? "long long " : "long ", u);
	if (nint || nuns || nsig)
		return xasprintf("%sint", u);
	return xstrdup(words);
}

struct type_query {
	int tag;              /* 0: a typedef, base type, or a C++/Rust aggregate */
	const char *name;
	Dwarf_Die found;
	bool ok;
};

static bool tag_wanted(int want, int tag)
{
	if (want)
		return tag == want || (want == DW_TAG_structure_type && tag == DW_TAG_class_type);
	return tag == DW_TAG_typedef || tag == DW_TAG_base_type || tag == DW_TAG_structure_type ||
	       tag == DW_TAG_class_type || tag == DW_TAG_union_type || tag == DW_TAG_enumeration_type ||
	       tag == DW_TAG_unspecified_type;
}

static bool is_declaration(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	bool flag = false;
	return dwarf_attr(die, DW_AT_declaration, &a) && dwarf_formflag(&a, &flag) == 0 && flag;
}

/* Children of a CU or namespace; "ns::name" matches inside namespaces. */
static bool search_scope(Dwarf_Die *scope, const char *name, struct type_query *q, int depth)
{
	Dwarf_Die c;
	if (depth > 16 || dwarf_child(scope, &c) != 0)
		return false;
	do {
		int tag = dwarf_tag(&c);
		const char *n = dwarf_diename(&c);
		if (!n)
			continue;
		if (tag == DW_TAG_namespace) {
			size_t len = strlen(n);
			if (strncmp(name, n, len) == 0 && name[len] == ':' && name[len + 1] == ':' &&
			    search_scope(&c, name + len + 2, q, depth + 1))
				return true;
			continue;
		}
		if (tag_wanted(q->tag, tag) && strcmp(n, name) == 0 && !is_declaration(&c)) {
			q->found = c;
			q->ok = true;
			return true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

/* Through the module's name index: the same first DIE, without a scan. */
static bool search_index(const struct pm_nameidx *x, Dwfl_Module *mod, struct type_query *q)
{
	static const int any[] = { DW_TAG_typedef, DW_TAG_base_type, DW_TAG_structure_type,
				   DW_TAG_class_type, DW_TAG_union_type, DW_TAG_enumeration_type,
				   DW_TAG_unspecified_type, 0 };
	int one[] = { q->tag, q->tag == DW_TAG_structure_type ? DW_TAG_class_type : 0, 0 };
	uint64_t off;
	Dwarf_Addr bias;
	Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
	const char *n;
	if (!dw || !pm_nameidx_first(x, q->name, q->tag ? one : any, false, &off) ||
	    !dwarf_offdie(dw, off, &q->found) || !(n = dwarf_diename(&q->found)) ||
	    strcmp(n, q->name) != 0 || !tag_wanted(q->tag, dwarf_tag(&q->found)))
		return false;
	q->ok = true;
	return true;
}

static bool search_unit(Dwarf_Die *unit, void *arg)
{
	struct type_query *q = arg;
	return search_scope(unit, q->name, q, 0);
}

/* The type units of DW (gcc -fdebug-types-section): DWARF 4's in
 * .debug_types, DWARF 5's among the units of .debug_info. */
static bool search_type_units(Dwarf *dw, struct type_query *q)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die unit;
	uint8_t type;
	while (dw && dwarf_get_units(dw, cu, &cu, NULL, &type, &unit, NULL) == 0)
		if ((type == DW_UT_type || type == DW_UT_split_type) && search_scope(&unit, q->name, q, 0))
			return true;
	return false;
}

static bool search_module(struct pm_dwarf *d, Dwfl_Module *mod, struct type_query *q)
{
	const struct pm_nameidx *x = pm_kdwarf_index(d, mod);
	if (x)
		return search_index(x, mod, q);
	Dwarf_Addr bias;
	Dwarf_Die *cu = NULL;
	while ((cu = dwfl_module_nextcu(mod, cu, &bias)) != NULL) {
		Dwarf_Die split;
		if (search_scope(pm_cu_split(mod, cu, &split), q->name, q, 0))
			return true;
	}
	/* not in any compile unit: the type units, of the module's DWARF,
	 * of each .dwo file, of its package */
	Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
	if (search_type_units(dw, q))
		return true;
	while ((cu = dwfl_module_nextcu(mod, cu, &bias)) != NULL) {
		Dwarf_Die buf, *split = pm_cu_split(mod, cu, &buf);
		Dwarf *sd = split != cu ? dwarf_cu_getdwarf(split->cu) : NULL;
		if (sd && sd != dw && !pm_dwp_owns(sd) && search_type_units(sd, q))
			return true;
	}
	return pm_dwp_each_type_unit(mod, search_unit, q);
}

struct mod_list {
	Dwfl_Module **v;
	size_t n, cap;
};

static int list_module(Dwfl_Module *mod, void **ud, const char *name, Dwarf_Addr start, void *arg)
{
	(void)ud;
	(void)name;
	(void)start;
	struct mod_list *l = arg;
	vec_reserve(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = mod;
	return DWARF_CB_OK;
}

size_t pm_ctype_search_order(struct pm_dwarf *d, Dwfl_Module ***out)
{
	struct mod_list l = { 0 };
	pm_kdwarf_load(d, true);     /* a kernel dump's types, on first use */
	dwfl_getmodules(d->dwfl, list_module, &l, 0);
	bool found;
	uint64_t entry = pm_target_auxv(d->t, AT_ENTRY, &found);
	Dwfl_Module *exe = found ? dwfl_addrmodule(d->dwfl, entry) : NULL;
	for (size_t i = 1; exe && i < l.n; i++)
		if (l.v[i] == exe) {
			l.v[i] = l.v[0];
			l.v[0] = exe;
		}
	*out = l.v;
	return l.n;
}

static bool find_named(struct pm_dwarf *d, int tag, const char *name, Dwarf_Die *out)
{
	struct type_query q = { .tag = tag, .name = name };
	Dwfl_Module **mods;
	size_t n = pm_ctype_search_order(d, &mods);
	for (size_t i = 0; i < n && !q.ok; i++)
		search_module(d, mods[i], &q);
	free(mods);
	if (q.ok)
		*out = q.found;
	return q.ok;
}

struct pm_err *pm_ctype_lookup(struct pm_dwarf *d, const char *spelling, struct pm_type *out)
{
	memset(out, 0, sizeof(*out));
	char *s = xstrdup(spelling);
	/* trailing stars are pointer levels */
	size_t len = strlen(s);
	while (len && (s[len - 1] == '*' || isspace((unsigned char)s[len - 1]))) {
		if (s[len - 1] == '*')
			out->ptr++;
		s[--len] = 0;
	}
	char *name = s;
	while (isspace((unsigned char)*name))
		name++;
	int tag = 0;
	static const struct { const char *kw; int tag; } kws[] = {
		{ "struct ", DW_TAG_structure_type }, { "union ", DW_TAG_union_type },
		{ "enum ", DW_TAG_enumeration_type }, { "class ", DW_TAG_class_type },
	};
	for (size_t i = 0; i < ARRAY_SIZE(kws); i++)
		if (strncmp(name, kws[i].kw, strlen(kws[i].kw)) == 0) {
			tag = kws[i].tag;
			name += strlen(kws[i].kw);
			while (isspace((unsigned char)*name))
				name++;
		}
	struct pm_err *err = NULL;
	if (!*name) {
		err = pm_err_new(PM_ERR_SYNTAX, "'%s' is not a type name", spelling);
	} else if (!tag && strcmp(name, "void") == 0) {
		out->is_void = true;
	} else {
		char *norm = tag ? xstrdup(name) : normalize_base(name);
		if (!find_named(d, tag, norm, &out->die) &&
		    (strcmp(norm, name) == 0 || !find_named(d, tag, name, &out->die)))
			err = pm_err_new(PM_ERR_LOOKUP, "no type '%s' in %s", spelling,
					 pm_kdwarf_source(d) ? pm_kdwarf_source(d) :
					 "the debug info of any module");
		free(norm);
	}
	free(s);
	return err;
}
