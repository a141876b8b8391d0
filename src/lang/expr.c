/* mdb's expression grammar.  Numbers are hexadecimal unless prefixed (0t
 * decimal, 0o octal, 0i binary, 0x hex) and may use '_' separators.
 * Precedence, lowest first: |  ^  &  == !=  << >>  + -  * % #  unary.
 * '%' divides and '#' rounds up to a multiple, as in mdb; division by zero
 * is an error. */
#include "expr.h"
#include "vars.h"
#include "../base/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NEST 256

static bool fail(struct pm_expr *e, struct pm_err *err)
{
	if (!e->err)
		e->err = err;
	else
		pm_err_free(err);
	return false;
}

int pm_near_len(const char *s)
{
	size_t n = strcspn(s, "\n");
	return n < 12 ? (int)n : 12;
}

static bool syntax(struct pm_expr *e, const char *what)
{
	const char *at = e->s + e->pos;
	if (!*at || *at == '\n')
		return fail(e, pm_err_new(PM_ERR_SYNTAX, "syntax error: %s at end of line", what));
	return fail(e, pm_err_new(PM_ERR_SYNTAX, "syntax error near '%.*s': %s", pm_near_len(at), at,
				  what));
}

static void skip_ws(struct pm_expr *e)
{
	while (e->s[e->pos] == ' ' || e->s[e->pos] == '\t')
		e->pos++;
}

static bool is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_ident_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '`';
}

bool pm_expr_starts(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	int c = (unsigned char)*s;
	return isalnum(c) || c == '_' || c == '.' || c == '(' || c == '<' || c == '\'' ||
	       c == '-' || c == '~' || c == '#' || c == '*' || c == '&' || c == '+' || c == '^';
}

/* Digits of a number in the given base, with '_' separators. */
static bool parse_digits(struct pm_expr *e, unsigned base, uint64_t *val)
{
	uint64_t v = 0;
	size_t start = e->pos;
	bool any = false;
	for (;;) {
		int c = (unsigned char)e->s[e->pos];
		unsigned d;
		if (c == '_' && any) {
			e->pos++;
			continue;
		}
		if (isdigit(c))
			d = (unsigned)(c - '0');
		else if (isalpha(c))
			d = (unsigned)(tolower(c) - 'a' + 10);
		else
			break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base) {
			e->pos = start;
			return fail(e, pm_err_new(PM_ERR_SYNTAX, "number too large near '%.20s'", e->s + start));
		}
		v = v * base + d;
		any = true;
		e->pos++;
	}
	if (!any)
		return syntax(e, "digits expected");
	if (is_ident_char((unsigned char)e->s[e->pos]) && e->s[e->pos] != '.')
		return syntax(e, "bad digit in number");
	*val = v;
	return true;
}

static bool parse_number(struct pm_expr *e, uint64_t *val)
{
	const char *p = e->s + e->pos;
	if (p[0] == '0' && p[1]) {
		unsigned base = 0;
		switch (p[1]) {
		case 'x': case 'X': base = 16; break;
		case 't': case 'T': base = 10; break;
		case 'o': case 'O': base = 8; break;
		case 'i': case 'I': base = 2; break;
		}
		if (base) {
			e->pos += 2;
			return parse_digits(e, base, val);
		}
	}
	return parse_digits(e, pm_radix(e->db), val);
}

/* One character of a quoted constant, with C escapes; false at the end
 * of the line. */
static bool quoted_char(struct pm_expr *e, unsigned char *c)
{
	const char *p = e->s + e->pos;
	if (!*p || *p == '\n')
		return false;
	if (*p != '\\' || !p[1] || p[1] == '\n') {
		*c = (unsigned char)*p;
		e->pos++;
		return true;
	}
	static const char from[] = "ntrabfv0", to[] = "\n\t\r\a\b\f\v";
	const char *hit = strchr(from, p[1]);
	if (p[1] >= '0' && p[1] <= '7') {
		unsigned v = 0;
		int n = 0;
		while (n < 3 && p[1 + n] >= '0' && p[1 + n] <= '7')
			v = v * 8 + (unsigned)(p[1 + n++] - '0');
		*c = (unsigned char)v;
		e->pos += 1 + (size_t)n;
		return true;
	}
	*c = hit ? (unsigned char)to[hit - from] : (unsigned char)p[1];
	e->pos += 2;
	return true;
}

/* 'abc': as in mdb, the last character is the low byte (0x616263). */
static bool parse_char_literal(struct pm_expr *e, uint64_t *val)
{
	e->pos++; /* the quote */
	uint64_t v = 0;
	int n = 0;
	unsigned char c;
	while (e->s[e->pos] != '\'' && quoted_char(e, &c)) {
		if (n++ == 8)
			return syntax(e, "character constant longer than 8 bytes");
		v = v << 8 | c;
	}
	if (e->s[e->pos] != '\'')
		return syntax(e, "unterminated character constant");
	e->pos++;
	*val = v;
	return true;
}

/* <name: a variable, else a register of the current thread. */
static bool parse_variable(struct pm_expr *e, uint64_t *val)
{
	e->pos++; /* '<' */
	if (e->s[e->pos] == '%')
		e->pos++;
	size_t start = e->pos;
	if (isdigit((unsigned char)e->s[e->pos]))
		e->pos++;
	else
		while (isalnum((unsigned char)e->s[e->pos]) || e->s[e->pos] == '_')
			e->pos++;
	if (e->pos == start)
		return syntax(e, "variable name expected after '<'");
	if (!e->eval)
		return true;
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(e->pos - start), e->s + start);
	struct pmdb *db = e->db;
	if (pm_var_get(db, name, val))
		return true;
	if (!db->t)
		return fail(e, pm_err_new(PM_ERR_LOOKUP, "unknown variable or register '%s'", name));
	int idx = pm_arch_reg_index(db->t->arch, name);
	if (idx < 0)
		return fail(e, pm_err_new(PM_ERR_LOOKUP, "unknown variable or register '%s'", name));
	struct pm_thread *th = pm_cur_thread(db);
	if (!th) {
		char why[64 + sizeof(name)];
		snprintf(why, sizeof(why), "no thread: register '%s' has no value", name);
		return fail(e, pm_no_thread_err(db, why));
	}
	*val = th->regs[idx];
	return true;
}

static bool parse_ident(struct pm_expr *e, uint64_t *val)
{
	size_t start = e->pos;
	while (is_ident_char((unsigned char)e->s[e->pos]))
		e->pos++;
	if (!e->eval)
		return true;
	char *name = xstrndup(e->s + start, e->pos - start);
	struct pmdb *db = e->db;
	struct pm_err *err = db->dw ? pm_sym_by_name(db->dw, name, val)
				    : pm_err_new(PM_ERR_LOOKUP, "failed to find symbol '%s'", name);
	if (err) {
		/* A word of digits that is no symbol is a number in the
		 * default radix (16 unless $d changed it). */
		struct pm_expr num = { db, name, 0, true, NULL, 0 };
		uint64_t v;
		if (parse_digits(&num, pm_radix(db), &v) && name[num.pos] == 0) {
			pm_err_free(err);
			*val = v;
			free(name);
			return true;
		}
		pm_err_free(num.err);
		free(name);
		return fail(e, err);
	}
	free(name);
	return true;
}

static bool parse_or(struct pm_expr *e, uint64_t *val);

static bool parse_unary(struct pm_expr *e, uint64_t *val);

static bool parse_operand(struct pm_expr *e, uint64_t *val)
{
	skip_ws(e);
	int c = (unsigned char)e->s[e->pos];
	uint64_t v = 0;
	switch (c) {
	case '-':
		e->pos++;
		if (!parse_unary(e, &v))
			return false;
		*val = -v;
		return true;
	case '~':
		e->pos++;
		if (!parse_unary(e, &v))
			return false;
		*val = ~v;
		return true;
	case '#':
		e->pos++;
		if (!parse_unary(e, &v))
			return false;
		*val = !v;
		return true;
	case '*': {
		e->pos++;
		unsigned size = 8;
		if (e->s[e->pos] == '/') { /* sized dereference: */ /* */
			char sz = e->s[e->pos + 1];
			if ((sz != '1' && sz != '2' && sz != '4' && sz != '8') || e->s[e->pos + 2] != '/')
				return syntax(e, "dereference size must be */1/, */2/, */4/ or */8/");
			size = (unsigned)(sz - '0');
			e->pos += 3;
		}
		if (!parse_unary(e, &v))
			return false;
		if (!e->eval)
			return true;
		if (!e->db->t)
			return fail(e, pm_err_new(PM_ERR_LOOKUP, "no target to read memory from"));
		uint64_t m = 0;
		struct pm_err *err = pm_target_read(e->db->t, v, &m, size, "dereference");
		if (err)
			return fail(e, err);
		*val = m;
		return true;
	}
	case '(':
		e->pos++;
		if (!parse_or(e, val))
			return false;
		skip_ws(e);
		if (e->s[e->pos] != ')')
			return syntax(e, "')' expected");
		e->pos++;
		return true;
	case '<':
		return parse_variable(e, val);
	case '&': /* dot of the last command */
		e->pos++;
		*val = e->db->dcmd_dot;
		return true;
	case '+': /* dot + increment, dot - increment */
	case '^':
		e->pos++;
		*val = c == '+' ? e->db->dot + e->db->incr : e->db->dot - e->db->incr;
		return true;
	case '\'':
		return parse_char_literal(e, val);
	case '.':
		if (!is_ident_char((unsigned char)e->s[e->pos + 1])) {
			e->pos++;
			*val = e->db->dot;
			return true;
		}
		return parse_ident(e, val);
	default:
		if (isdigit(c))
			return parse_number(e, val);
		if (is_ident_start(c))
			return parse_ident(e, val);
		return syntax(e, "expression expected");
	}
}

static bool parse_unary(struct pm_expr *e, uint64_t *val)
{
	if (e->depth >= MAX_NEST)
		return syntax(e, "expression nested too deeply");
	e->depth++;
	bool ok = parse_operand(e, val);
	e->depth--;
	return ok;
}

static bool parse_mul(struct pm_expr *e, uint64_t *val)
{
	if (!parse_unary(e, val))
		return false;
	for (;;) {
		skip_ws(e);
		char op = e->s[e->pos];
		if (op != '*' && op != '%' && op != '#')
			return true;
		e->pos++;
		uint64_t r;
		if (!parse_unary(e, &r))
			return false;
		if (!e->eval)
			continue;
		if (op == '*') {
			*val *= r;
		} else if (r == 0) {
			return fail(e, pm_err_new(PM_ERR_GENERIC, "division by zero"));
		} else if (op == '%') {
			*val /= r;
		} else {
			*val = (*val + r - 1) / r * r;
		}
	}
}

static bool parse_add(struct pm_expr *e, uint64_t *val)
{
	if (!parse_mul(e, val))
		return false;
	for (;;) {
		skip_ws(e);
		char op = e->s[e->pos];
		if (op != '+' && op != '-')
			return true;
		e->pos++;
		uint64_t r;
		if (!parse_mul(e, &r))
			return false;
		*val = op == '+' ? *val + r : *val - r;
	}
}

static bool parse_shift(struct pm_expr *e, uint64_t *val)
{
	if (!parse_add(e, val))
		return false;
	for (;;) {
		skip_ws(e);
		const char *p = e->s + e->pos;
		bool left = p[0] == '<' && p[1] == '<';
		bool right = p[0] == '>' && p[1] == '>';
		if (!left && !right)
			return true;
		e->pos += 2;
		uint64_t r;
		if (!parse_add(e, &r))
			return false;
		if (r >= 64)
			*val = 0;
		else
			*val = left ? *val << r : *val >> r;
	}
}

static bool parse_eq(struct pm_expr *e, uint64_t *val)
{
	if (!parse_shift(e, val))
		return false;
	for (;;) {
		skip_ws(e);
		const char *p = e->s + e->pos;
		bool eq = p[0] == '=' && p[1] == '=';
		bool ne = p[0] == '!' && p[1] == '=';
		if (!eq && !ne)
			return true;
		e->pos += 2;
		uint64_t r;
		if (!parse_shift(e, &r))
			return false;
		*val = eq ? *val == r : *val != r;
	}
}

static bool parse_and(struct pm_expr *e, uint64_t *val)
{
	if (!parse_eq(e, val))
		return false;
	for (;;) {
		skip_ws(e);
		if (e->s[e->pos] != '&')
			return true;
		e->pos++;
		uint64_t r;
		if (!parse_eq(e, &r))
			return false;
		*val &= r;
	}
}

static bool parse_xor(struct pm_expr *e, uint64_t *val)
{
	if (!parse_and(e, val))
		return false;
	for (;;) {
		skip_ws(e);
		if (e->s[e->pos] != '^')
			return true;
		e->pos++;
		uint64_t r;
		if (!parse_and(e, &r))
			return false;
		*val ^= r;
	}
}

/* '|' is bitwise or only when an operand follows; after a command it
 * starts a pipeline, which the command parser handles. */
static bool parse_or(struct pm_expr *e, uint64_t *val)
{
	if (!parse_xor(e, val))
		return false;
	for (;;) {
		skip_ws(e);
		if (e->s[e->pos] != '|' || !pm_expr_starts(e->s + e->pos + 1) ||
		    e->s[e->pos + 1] == ':')
			return true;
		e->pos++;
		uint64_t r;
		if (!parse_xor(e, &r))
			return false;
		*val |= r;
	}
}

bool pm_expr_parse(struct pm_expr *e, uint64_t *val)
{
	uint64_t dummy;
	if (!val)
		val = &dummy;
	*val = 0;
	return parse_or(e, val);
}

struct pm_err *pm_eval_expr(struct pmdb *db, const char *s, uint64_t *val)
{
	struct pm_expr e = { db, s, 0, true, NULL, 0 };
	if (!pm_expr_parse(&e, val))
		return e.err;
	skip_ws(&e);
	if (e.s[e.pos])
		return pm_err_new(PM_ERR_SYNTAX, "syntax error near '%.*s'", pm_near_len(e.s + e.pos),
				  e.s + e.pos);
	return NULL;
}

struct pm_err *pm_arg_number(struct pmdb *db, const char *s, uint64_t *val)
{
	return pm_eval_expr(db, s, val);
}
