/* A function's name as crash signatures use it: the same for the same
 * function whatever the build, so without what compilers and mangling
 * add: parameters, template and generic arguments, return types, GCC's
 * clone suffixes, Rust's hashes and symbol versions. */
#include "signature.h"
#include "../base/util.h"

#include <ctype.h>
#include <libiberty/demangle.h>
#include <stdlib.h>
#include <string.h>

static bool ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

struct buf {
	char *s;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	vec_reserve(&b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static bool ends_with(const struct buf *b, const char *suf)
{
	size_t n = strlen(suf);
	return b->len >= n && memcmp(b->s + b->len - n, suf, n) == 0;
}

/* Index just past the bracket that closes the one at s[i] ('(' or '<'),
 * or strlen(s) if none does.  "->" inside generics (Rust's Fn() -> T)
 * closes nothing. */
static size_t skip_group(const char *s, size_t i)
{
	char open = s[i], close = open == '(' ? ')' : '>';
	int depth = 0;
	for (; s[i]; i++) {
		if (s[i] == open) {
			depth++;
		} else if (s[i] == close && !(close == '>' && i > 0 && s[i - 1] == '-')) {
			if (--depth == 0)
				return i + 1;
		}
	}
	return i;
}

/* "<Foo as Trait>" and "<impl Trait for Foo>" name a path; other angle
 * brackets hold arguments. */
static bool qualified_path(const char *s, size_t i, size_t end)
{
	if (strncmp(s + i + 1, "impl ", 5) == 0)
		return true;
	int depth = 0;
	for (size_t k = i + 1; k + 1 < end; k++) {
		if (s[k] == '<')
			depth++;
		else if (s[k] == '>' && s[k - 1] != '-')
			depth--;
		else if (depth == 0 && strncmp(s + k, " as ", 4) == 0)
			return true;
	}
	return false;
}

/* After "operator": the operator's spelling, kept whole. */
static size_t operator_len(const char *s)
{
	if (strncmp(s, "()", 2) == 0 || strncmp(s, "[]", 2) == 0)
		return 2;
	size_t n = 0;
	if (s[0] == ' ') {       /* operator new, operator delete[], operator int */
		n = 1;
		while (ident(s[n]))
			n++;
		if (strncmp(s + n, "[]", 2) == 0)
			n += 2;
		return n;
	}
	while (s[n] && strchr("<>=!+-*/%^&|~,", s[n]))
		n++;
	return n;
}

/* One pass over a demangled name.  A parameter list at the top level ends
 * the name unless a scope follows ("outer(int)::{lambda(int)#1}"); the
 * last top-level space separates a return type.  A qualified path keeps
 * its brackets only for a trait ("<Foo as Trait>::f"): Rust's v0
 * "<mod::Foo>::f" is legacy's "mod::Foo::f". */
#define MAX_NEST 64
static char *strip(const char *s)
{
	struct buf b = { 0 };
	put(&b, "", 0);
	size_t name_start = 0;
	int braces = 0, kept = 0;             /* open '{' and kept '<' */
	bool shown[MAX_NEST];                 /* whether each kept '<' was written */
	size_t i = 0;
	while (s[i]) {
		char c = s[i];
		if (strncmp(s + i, "operator", 8) == 0 && (i == 0 || !ident(s[i - 1])) &&
		    !ident(s[i + 8])) {
			size_t n = 8 + operator_len(s + i + 8);
			put(&b, s + i, n);
			i += n;
		} else if (strncmp(s + i, "(anonymous namespace)", 21) == 0) {
			put(&b, s + i, 21);
			i += 21;
		} else if (strncmp(s + i, " [clone ", 8) == 0) {
			const char *e = strchr(s + i, ']');
			i = e ? (size_t)(e - s) + 1 : strlen(s);
		} else if (c == '(') {
			i = skip_group(s, i);
			if (braces == 0 && kept == 0 && strncmp(s + i, "::", 2) != 0)
				break;
		} else if (c == '<') {
			size_t end = skip_group(s, i);
			bool trait = qualified_path(s, i, end);
			bool path = b.len == 0 || ends_with(&b, " ") || ends_with(&b, "<") ||
				    (ends_with(&b, "::") && trait);
			if (path && kept < MAX_NEST) {
				shown[kept++] = trait;
				if (trait)
					put(&b, "<", 1);
				i++;
			} else {
				if (ends_with(&b, "::"))     /* Rust's turbofish: f::<T> */
					b.s[b.len -= 2] = 0;
				i = end;
			}
		} else if (c == '>' && kept > 0) {
			if (shown[--kept])
				put(&b, ">", 1);
			i++;
		} else {
			if (c == '{')
				braces++;
			else if (c == '}' && braces > 0)
				braces--;
			else if (c == ' ' && braces == 0 && kept == 0 && !ends_with(&b, "operator"))
				name_start = b.len + 1;
			put(&b, &c, 1);
			i++;
		}
	}
	char *out = xstrdup(b.s + (name_start <= b.len ? name_start : b.len));
	free(b.s);
	return out;
}

/* Rust's legacy mangling ends each path with ::h and 16 hex digits. */
static void strip_rust_hash(char *s)
{
	size_t n = strlen(s);
	if (n < 19 || strncmp(s + n - 19, "::h", 3) != 0)
		return;
	for (size_t i = n - 16; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return;
	s[n - 19] = 0;
}

char *pm_sig_function(const char *name)
{
	char *base = xstrdup(name);
	char *at = strchr(base, '@');       /* symbol version: memcpy@GLIBC_2.14 */
	if (at && at != base)
		*at = 0;
	bool mangled = strncmp(base, "_Z", 2) == 0 || strncmp(base, "_R", 2) == 0;
	char *dm = mangled ? cplus_demangle(base, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO) : NULL;
	if (dm) {
		free(base);
		base = dm;
	} else {
		/* a C name with GCC's clone suffixes: f.cold, f.isra.0,
		 * f.part.1, f.constprop.0, f.lto_priv.0 */
		size_t k = 0;
		while (ident(base[k]))
			k++;
		if (k > 0 && base[k] == '.')
			base[k] = 0;
	}
	char *out = strip(base);
	free(base);
	strip_rust_hash(out);
	if (!*out) {                        /* nothing left: keep the name as given */
		free(out);
		out = xstrdup(name);
	}
	return out;
}
