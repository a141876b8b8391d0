/* C expressions over typed values, for gdb habits (::p) and for member
 * paths of ::print and ::offsetof:
 *   expr    := unary (('+' | '-') unary)*
 *   unary   := '*' unary | '&' unary | '-' unary | '(' type ')' unary
 *            | 'sizeof' '(' type ')' | postfix
 *   postfix := primary ('.' id | '->' id | '[' expr ']')*
 *   primary := number | variable | '$'register | '(' expr ')'  */
#include "cexpr.h"
#include "vars.h"
#include "../base/util.h"

#include <ctype.h>
#include <dwarf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NEST 64

static bool fail(struct pm_cexpr *c, struct pm_err *err)
{
	if (!c->err)
		c->err = err;
	else
		pm_err_free(err);
	return false;
}

static bool syntax(struct pm_cexpr *c, const char *what)
{
	return fail(c, pm_err_new(PM_ERR_SYNTAX, "syntax error near '%.16s': %s",
				  *c->s ? c->s : "end of expression", what));
}

static void skip_ws(struct pm_cexpr *c)
{
	while (isspace((unsigned char)*c->s))
		c->s++;
}

static bool accept(struct pm_cexpr *c, const char *tok)
{
	skip_ws(c);
	size_t n = strlen(tok);
	if (strncmp(c->s, tok, n) != 0)
		return false;
	/* "-" must not take the first half of "->" */
	if (n == 1 && tok[0] == '-' && c->s[1] == '>')
		return false;
	c->s += n;
	return true;
}

static bool is_ident_start(char ch)
{
	return isalpha((unsigned char)ch) || ch == '_';
}

/* An identifier, with C++/Rust '::' scopes. */
static char *ident(struct pm_cexpr *c)
{
	skip_ws(c);
	const char *start = c->s;
	if (!is_ident_start(*c->s))
		return NULL;
	while (isalnum((unsigned char)*c->s) || *c->s == '_' ||
	       (c->s[0] == ':' && c->s[1] == ':' && is_ident_start(c->s[2])))
		c->s += *c->s == ':' ? 2 : 1;
	return xstrndup(start, (size_t)(c->s - start));
}

/* ---- values ---- */

static struct pm_err *load(struct pm_cexpr *c, struct pm_cval *v)
{
	if (!v->lvalue)
		return NULL;
	int tag = pm_ctype_tag(&v->type);
	if (tag == DW_TAG_array_type) {      /* decays to a pointer to its first element */
		struct pm_type elem;
		uint64_t n;
		pm_ctype_array(&v->type, &elem, &n);
		v->type = elem;
		v->type.ptr++;
		v->v = v->addr;
		v->lvalue = false;
		return NULL;
	}
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type)
		return pm_err_new(PM_ERR_SYNTAX, "a struct or union is not a number here");
	uint64_t size;
	if (!pm_ctype_size(&v->type, &size) || size == 0 || size > 8)
		return pm_err_new(PM_ERR_LOOKUP, "cannot use a value of this type as a number");
	uint64_t raw = 0;
	struct pm_err *err = pm_target_read(c->d->t, v->addr, &raw, (size_t)size, "value");
	if (err)
		return err;
	if (pm_ctype_is_signed(&v->type) && size < 8) {
		uint64_t m = 1ull << (size * 8 - 1);
		raw = (raw ^ m) - m;
	}
	v->v = raw;
	v->lvalue = false;
	return NULL;
}

static bool load_ok(struct pm_cexpr *c, struct pm_cval *v)
{
	struct pm_err *err = load(c, v);
	return err ? fail(c, err) : true;
}

static bool deref(struct pm_cexpr *c, struct pm_cval *v)
{
	if (v->lvalue && pm_ctype_tag(&v->type) == DW_TAG_array_type && !load_ok(c, v))
		return false;
	struct pm_type to;
	if (v->untyped || !pm_ctype_deref(&v->type, &to))
		return fail(c, pm_err_new(PM_ERR_SYNTAX, "'*' or '->' needs a pointer; cast the value first"));
	if (to.is_void && to.ptr == 0)
		return fail(c, pm_err_new(PM_ERR_SYNTAX, "cannot dereference a void pointer; cast it first"));
	if (!load_ok(c, v))
		return false;
	v->addr = v->v;
	v->type = to;
	v->lvalue = true;
	return true;
}

static bool member(struct pm_cexpr *c, struct pm_cval *v, bool arrow)
{
	char *name = ident(c);
	if (!name)
		return syntax(c, "member name expected");
	if (arrow && c->no_memory) {
		free(name);
		return fail(c, pm_err_new(PM_ERR_SYNTAX, "'->' would follow a pointer"));
	}
	if (arrow && !deref(c, v)) {
		free(name);
		return false;
	}
	uint64_t off;
	Dwarf_Die m;
	if (v->symbol) {
		free(name);
		return fail(c, pm_err_new(PM_ERR_LOOKUP, "a symbol without debug info has no members: "
					  "cast its address, as in ((struct T *)&symbol)->member"));
	}
	if (!v->lvalue || v->untyped || !pm_ctype_member(&v->type, name, &off, &m)) {
		struct pm_err *err = pm_err_new(PM_ERR_LOOKUP, "no member '%s' in this type", name);
		free(name);
		return fail(c, err);
	}
	free(name);
	struct pm_type mt = { 0 };
	mt.is_void = !pm_ctype_target(&m, &mt.die);
	Dwarf_Attribute a;
	if (dwarf_attr(&m, DW_AT_bit_size, &a) && c->no_memory) {
		/* where it is, for ::offsetof */
		if (!pm_ctype_bitfield_place(&m, &mt, v->addr + off, &v->addr, &v->bit_shift, &v->bit_size))
			return fail(c, pm_err_new(PM_ERR_FORMAT, "a bit-field of no width or more than 64 bits"));
	} else if (dwarf_attr(&m, DW_AT_bit_size, &a)) {
		/* a bit-field has no address: its value, read now */
		struct pm_err *err = pm_ctype_bitfield(c->d, &m, &mt, v->addr + off, &v->v);
		if (err)
			return fail(c, err);
		v->lvalue = false;
	} else {
		v->addr += off;
	}
	v->type = mt;
	return true;
}

static bool pointee_size(struct pm_cexpr *c, const struct pm_type *ptr, uint64_t *size)
{
	struct pm_type to;
	if (!pm_ctype_deref(ptr, &to) || !pm_ctype_size(&to, size) || *size == 0)
		return fail(c, pm_err_new(PM_ERR_LOOKUP, "pointer arithmetic on an incomplete type"));
	return true;
}

static bool expr(struct pm_cexpr *c, struct pm_cval *v, int depth);

static bool index_op(struct pm_cexpr *c, struct pm_cval *v, int depth)
{
	struct pm_cval idx;
	if (!expr(c, &idx, depth + 1) || !load_ok(c, &idx))
		return false;
	if (!accept(c, "]"))
		return syntax(c, "']' expected");
	if (c->no_memory && !(v->lvalue && pm_ctype_tag(&v->type) == DW_TAG_array_type))
		return fail(c, pm_err_new(PM_ERR_SYNTAX, "'[]' on a pointer would read memory"));
	if (v->lvalue && pm_ctype_tag(&v->type) == DW_TAG_array_type) {
		struct pm_type elem;
		uint64_t n, esize;
		pm_ctype_array(&v->type, &elem, &n);
		if (!pm_ctype_size(&elem, &esize))
			return fail(c, pm_err_new(PM_ERR_LOOKUP, "array of elements of unknown size"));
		v->type = elem;
		v->addr += idx.v * esize;
		return true;
	}
	uint64_t esize;
	if (v->untyped || pm_ctype_tag(&v->type) != DW_TAG_pointer_type)
		return fail(c, pm_err_new(PM_ERR_SYNTAX, "'[]' needs an array or a pointer"));
	if (!pointee_size(c, &v->type, &esize) || !load_ok(c, v))
		return false;
	struct pm_type to;
	pm_ctype_deref(&v->type, &to);
	v->addr = v->v + idx.v * esize;
	v->type = to;
	v->lvalue = true;
	return true;
}

static bool number(struct pm_cexpr *c, struct pm_cval *v)
{
	char *end;
	unsigned long long n = strtoull(c->s, &end, 0);
	if (end == c->s)
		return syntax(c, "number expected");
	c->s = end;
	while (*c->s == 'u' || *c->s == 'U' || *c->s == 'l' || *c->s == 'L')
		c->s++;
	memset(v, 0, sizeof(*v));
	v->untyped = true;
	v->v = n;
	return true;
}

static bool variable(struct pm_cexpr *c, struct pm_cval *v, char *name)
{
	memset(v, 0, sizeof(*v));
	struct pm_var var;
	struct pm_err *err = pm_var_lookup(c->d, c->th, c->frame, name, &var);
	uint64_t addr;
	struct pm_err *nosym = NULL;
	/* no debug info for it, but a symbol: its address, untyped */
	if (err && err->code == PM_ERR_LOOKUP && strncmp(err->msg, "no variable", 11) == 0 &&
	    !(nosym = pm_sym_by_name(c->d, name, &addr))) {
		pm_err_free(err);
		err = NULL;
		var = (struct pm_var){ .value = addr };
		v->untyped = v->symbol = true;
	}
	pm_err_free(nosym);
	free(name);
	if (err)
		return fail(c, err);
	if (!v->untyped) {
		v->type = var.type;
		v->lvalue = var.in_memory;
		v->addr = var.addr;
	}
	v->v = var.value;
	return true;
}

static bool reg(struct pm_cexpr *c, struct pm_cval *v)
{
	char *name = ident(c);
	if (!name)
		return syntax(c, "register name expected after '$'");
	const struct pm_arch *a = c->d->t->arch;
	int i = pm_arch_reg_index(a, name);
	if (i < 0 || !c->th || c->frame != 0) {
		struct pm_err *err = pm_err_new(PM_ERR_LOOKUP, i < 0 ? "no register '%s'" :
						"register '%s' is known in frame 0 only", name);
		free(name);
		return fail(c, err);
	}
	free(name);
	memset(v, 0, sizeof(*v));
	v->untyped = true;
	v->v = c->th->regs[i];
	return true;
}

static bool primary(struct pm_cexpr *c, struct pm_cval *v, int depth)
{
	skip_ws(c);
	if (isdigit((unsigned char)*c->s))
		return number(c, v);
	if (*c->s == '$') {
		c->s++;
		return reg(c, v);
	}
	if (accept(c, "(")) {
		if (!expr(c, v, depth + 1))
			return false;
		return accept(c, ")") ? true : syntax(c, "')' expected");
	}
	char *name = ident(c);
	if (!name)
		return syntax(c, "a value expected");
	if (c->base) {          /* a member path: names are members of the base */
		free(name);
		return syntax(c, "a member path starts with a member name");
	}
	return variable(c, v, name);
}

static bool postfix(struct pm_cexpr *c, struct pm_cval *v, int depth)
{
	if (c->base && !c->base_used) {
		*v = *c->base;
		c->base_used = true;
		skip_ws(c);
		/* "a.b" as a ::print path means ".a.b" */
		if (is_ident_start(*c->s) && !member(c, v, false))
			return false;
	} else if (!primary(c, v, depth)) {
		return false;
	}
	for (;;) {
		if (accept(c, "->")) {
			if (!member(c, v, true))
				return false;
		} else if (accept(c, ".")) {
			if (!member(c, v, false))
				return false;
		} else if (accept(c, "[")) {
			if (!index_op(c, v, depth))
				return false;
		} else {
			return true;
		}
	}
}

/* "(type)" ahead?  Words and stars up to ')' that name a type. */
static bool try_type(struct pm_cexpr *c, struct pm_type *t)
{
	const char *save = c->s;
	skip_ws(c);
	const char *start = c->s;
	while (*c->s && *c->s != ')' && (isalnum((unsigned char)*c->s) || *c->s == '_' ||
					  *c->s == '*' || *c->s == ' ' || *c->s == ':'))
		c->s++;
	if (*c->s != ')' || c->s == start) {
		c->s = save;
		return false;
	}
	char *spelling = xstrndup(start, (size_t)(c->s - start));
	struct pm_err *err = pm_ctype_lookup(c->d, spelling, t);
	free(spelling);
	if (err) {
		pm_err_free(err);
		c->s = save;
		return false;
	}
	c->s++;   /* ')' */
	return true;
}

static bool unary(struct pm_cexpr *c, struct pm_cval *v, int depth)
{
	if (depth > MAX_NEST)
		return fail(c, pm_err_new(PM_ERR_SYNTAX, "expression nested too deeply"));
	if (accept(c, "*"))
		return unary(c, v, depth + 1) && deref(c, v);
	if (accept(c, "&")) {
		if (!unary(c, v, depth + 1))
			return false;
		if (v->symbol)         /* its value is already its address */
			return true;
		if (!v->lvalue)
			return fail(c, pm_err_new(PM_ERR_SYNTAX, "'&' needs a value in memory"));
		v->type.ptr++;
		v->v = v->addr;
		v->lvalue = false;
		return true;
	}
	if (accept(c, "-")) {
		if (!unary(c, v, depth + 1) || !load_ok(c, v))
			return false;
		v->v = -v->v;
		v->symbol = false;
		return true;
	}
	skip_ws(c);
	if (strncmp(c->s, "sizeof", 6) == 0 && !isalnum((unsigned char)c->s[6]) && c->s[6] != '_') {
		c->s += 6;
		struct pm_type t;
		uint64_t size;
		if (!accept(c, "(") || !try_type(c, &t))
			return syntax(c, "sizeof takes (type)");
		if (!pm_ctype_size(&t, &size))
			return fail(c, pm_err_new(PM_ERR_LOOKUP, "the type has no size"));
		memset(v, 0, sizeof(*v));
		v->untyped = true;
		v->v = size;
		return true;
	}
	const char *save = c->s;
	struct pm_type t;
	if (accept(c, "(") && try_type(c, &t)) {
		if (!unary(c, v, depth + 1) || !load_ok(c, v))
			return false;
		v->type = t;
		v->untyped = v->symbol = false;
		return true;
	}
	c->s = save;
	return postfix(c, v, depth);
}

static bool expr(struct pm_cexpr *c, struct pm_cval *v, int depth)
{
	if (!unary(c, v, depth))
		return false;
	for (;;) {
		bool plus = accept(c, "+");
		if (!plus && !accept(c, "-"))
			return true;
		struct pm_cval r;
		if (!unary(c, &r, depth + 1) || !load_ok(c, v) || !load_ok(c, &r))
			return false;
		v->symbol = false;
		bool lptr = !v->untyped && pm_ctype_tag(&v->type) == DW_TAG_pointer_type;
		bool rptr = !r.untyped && pm_ctype_tag(&r.type) == DW_TAG_pointer_type;
		uint64_t size = 1;
		if (lptr && rptr && !plus) {
			if (!pointee_size(c, &v->type, &size))
				return false;
			if (size > INT64_MAX)
				return fail(c, pm_err_new(PM_ERR_LOOKUP, "pointer difference of "
							  "%" PRIu64 "-byte elements", size));
			v->v = (uint64_t)((int64_t)(v->v - r.v) / (int64_t)size);
			v->untyped = true;
		} else if (lptr || rptr) {
			if (!pointee_size(c, lptr ? &v->type : &r.type, &size))
				return false;
			if (rptr && !plus)
				return fail(c, pm_err_new(PM_ERR_SYNTAX, "number minus pointer"));
			uint64_t n = lptr ? r.v : v->v, p = lptr ? v->v : r.v;
			if (rptr)
				v->type = r.type;
			v->untyped = false;
			v->v = plus ? p + n * size : p - n * size;
		} else {
			v->v = plus ? v->v + r.v : v->v - r.v;
		}
	}
}

bool pm_cexpr_parse(struct pm_cexpr *c, struct pm_cval *v)
{
	if (!expr(c, v, 0))
		return false;
	skip_ws(c);
	return *c->s ? syntax(c, "unexpected text") : true;
}

bool pm_cexpr_load(struct pm_cexpr *c, struct pm_cval *v)
{
	return load_ok(c, v);
}
