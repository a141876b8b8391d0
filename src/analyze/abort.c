/* SIGABRT: why the process called abort().  glibc leaves the message it
 * printed in __abort_msg (assertions, heap corruption checks); a C++
 * exception nobody caught leaves its object and type on the stack below
 * __cxa_throw; a Rust panic leaves its Location (file, line, column) and
 * the pieces of its message's format string on the stack. */
#include "internal.h"
#include "../base/util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_BYTES 4096       /* stack scanned above the frame of interest */
#define MIN_CONST_MSG 4       /* shorter "messages" are mostly chance */

static char *chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = 0;
	return s;
}

/* glibc: struct abort_msg_s { unsigned int size; char msg[]; } *__abort_msg */
static char *abort_msg(struct actx *a)
{
	uint64_t var, p;
	char *msg = NULL;
	struct pm_err *err = pm_sym_by_name(a->db->dw, "__abort_msg", &var);
	if (!err)
		err = pm_target_read_u64(a->db->t, var, &p, "__abort_msg");
	if (!err && p)
		err = pm_target_read_str(a->db->t, p + 4, 4096, &msg);
	pm_err_free(err);
	return msg && *msg ? chomp(msg) : (free(msg), NULL);
}

static bool frame_named(struct actx *a, const char *prefix, size_t *at)
{
	for (size_t i = 0; i < a->stack.nframes; i++) {
		const char *f = a->stack.frames[i].func;
		if (f && strncmp(pm_sym_display(a->db->dw, f), prefix, strlen(prefix)) == 0) {
			*at = i;
			return true;
		}
	}
	return false;
}

/* The stack words from the top of the stack to SCAN_BYTES past frame k. */
static uint64_t *stack_words(struct actx *a, size_t k, size_t *n)
{
	uint64_t lo = a->regs[a->db->t->arch->sp];
	uint64_t hi = (k + 1 < a->stack.nframes ? a->stack.frames[k + 1].sp : lo) + SCAN_BYTES;
	if (hi <= lo || hi - lo > (1 << 20))
		hi = lo + SCAN_BYTES;
	*n = (size_t)(hi - lo) / 8;
	uint64_t *w = xcalloc(*n ? *n : 1, 8);
	*n = pm_memmap_read_partial(&a->db->t->mem, lo, w, *n * 8) / 8;
	return w;
}

/* ---- C++ ---- */

static bool symbol_at(struct actx *a, uint64_t addr, const char *prefix, struct pm_sym *s)
{
	return addr && pm_sym_by_addr(a->db->dw, addr, s) && s->offset == 0 &&
	       strncmp(s->name, prefix, strlen(prefix)) == 0;
}

static void cxx_exception(struct actx *a, size_t k)
{
	size_t n;
	uint64_t *w = stack_words(a, k, &n);
	struct pm_sym ti = { 0 };
	bool found = false;
	for (size_t i = 0; i < n && !found; i++)
		found = symbol_at(a, w[i], "_ZTI", &ti);
	if (found) {
		/* the object: a word pointing at something whose vtable is the
		 * class's (_ZTV<name> + 16, past offset-to-top and typeinfo) */
		/* symbol versions (@@GLIBCXX_3.4) are not part of the name */
		const char *cls = ti.name + 4;
		char *vt = xasprintf("_ZTV%.*s", (int)strcspn(cls, "@"), cls);
		uint64_t obj = 0;
		/* the stack holds the object's address, or that of the
		 * _Unwind_Exception header (32 bytes) right before it */
		for (size_t i = 0; i < n && !obj; i++) {
			for (uint64_t skip = 0; skip <= 32 && !obj; skip += 32) {
				uint64_t vptr;
				struct pm_sym s;
				if (w[i] && pm_memmap_read_partial(&a->db->t->mem, w[i] + skip, &vptr, 8) == 8 &&
				    pm_sym_by_addr(a->db->dw, vptr, &s) && s.offset == 16 &&
				    strncmp(s.name, vt, strlen(vt)) == 0 && strchr("@", s.name[strlen(vt)]))
					obj = w[i] + skip;
			}
		}
		free(vt);
		const char *type = pm_sym_display(a->db->dw, ti.name);
		if (strncmp(type, "typeinfo for ", 13) == 0)
			type += 13;
		pm_fact(a->v, "exception_type", "%s", type);
		char *what = NULL;
		uint64_t msgp;
		/* std::runtime_error and std::logic_error keep what() as a string
		 * pointer right after the vtable pointer */
		if (obj && pm_target_read_u64(a->db->t, obj + 8, &msgp, "what") == NULL &&
		    pm_target_read_str(a->db->t, msgp, 1024, &what) == NULL && *what) {
			pm_fact(a->v, "exception_what", "%s", what);
		}
		if (obj)
			pm_fact(a->v, "exception_object", "0x%" PRIx64, obj);
		a->v->summary = xasprintf("uncaught C++ exception %s%s%s%s", type, what ? ": \"" : "",
					  what ? what : "", what ? "\"" : "");
		free(what);
	} else {
		a->v->summary = xstrdup("uncaught C++ exception (std::terminate called; its type is not "
					"on the stack)");
	}
	free(w);
}

/* ---- Rust ---- */

static bool text_at(struct actx *a, uint64_t p, uint64_t len, char **out)
{
	if (!p || !len || len > 4096)
		return false;
	char *s = xmalloc(len + 1);
	if (pm_memmap_read_partial(&a->db->t->mem, p, s, len) != len) {
		free(s);
		return false;
	}
	s[len] = 0;
	for (uint64_t i = 0; i < len; i++)
		if (!isprint((unsigned char)s[i]) && s[i] != '\n' && s[i] != '\t') {
			free(s);
			return false;
		}
	*out = s;
	return true;
}

/* core::panic::Location { file: &str, line: u32, col: u32 }: a pointer on
 * the stack to (ptr, len, line|col<<32) where the text ends in ".rs". */
static char *rust_location(struct actx *a, const uint64_t *w, size_t n, size_t *slot)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t loc[3];
		char *file;
		if (!w[i] || pm_memmap_read_partial(&a->db->t->mem, w[i], loc, sizeof(loc)) != sizeof(loc) ||
		    !text_at(a, loc[0], loc[1], &file))
			continue;
		size_t fl = strlen(file);
		uint32_t line = (uint32_t)loc[2], col = (uint32_t)(loc[2] >> 32);
		if (fl > 3 && strcmp(file + fl - 3, ".rs") == 0 && line > 0 && line < 10000000) {
			char *r = xasprintf("%s:%u:%u", file, line, col);
			free(file);
			*slot = i;
			return r;
		}
		free(file);
	}
	return NULL;
}

/* fmt::Arguments' pieces: a (pointer, count) pair on the stack whose
 * pointer leads to count &str (pointer, length) pairs of text. */
static char *pieces_at(struct actx *a, uint64_t p, uint64_t count)
{
	uint64_t pairs[16];
	if (!p || count == 0 || count > 8 ||
	    pm_memmap_read_partial(&a->db->t->mem, p, pairs, count * 16) != count * 16)
		return NULL;
	char *msg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&msg, &len);
	bool ok = true;
	for (uint64_t k = 0; k < count && ok; k++) {
		char *piece = NULL;
		if (pairs[2 * k + 1] == 0)
			ok = pairs[2 * k] != 0;        /* an empty piece */
		else
			ok = text_at(a, pairs[2 * k], pairs[2 * k + 1], &piece);
		if (ok)
			fprintf(f, "%s%s", k ? "{}" : "", piece ? piece : "");
		free(piece);
	}
	fclose(f);
	/* a single piece that is a file name is the Location, not a message */
	if (ok && len > 0 && !(len > 3 && strcmp(msg + len - 3, ".rs") == 0))
		return msg;
	free(msg);
	return NULL;
}

/* Rust 1.9x encodes a format string as one byte string: a byte 1-127 is
 * the length of the literal text that follows, a byte with the top bit
 * set is an argument ({}), 0 ends it.  A clean such encoding, with at
 * least one literal, is taken for the message. */
static char *template_at(struct actx *a, uint64_t p)
{
	unsigned char buf[512];
	size_t got = p ? pm_memmap_read_partial(&a->db->t->mem, p, buf, sizeof(buf)) : 0;
	if (got < 2 || buf[0] == 0 || buf[0] >= 0x80)
		return NULL;
	char *msg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&msg, &len);
	bool ok = true, ended = false;
	for (size_t i = 0; i < got && ok && !ended;) {
		unsigned char b = buf[i++];
		if (b == 0) {
			ended = true;
		} else if (b >= 0x80) {
			fputs("{}", f);
		} else if (i + b > got) {
			ok = false;
		} else {
			for (size_t k = 0; k < b && ok; k++)
				ok = isprint(buf[i + k]) || buf[i + k] == '\n' || buf[i + k] == '\t';
			if (ok)
				fwrite(buf + i, 1, b, f);
			i += b;
		}
	}
	fclose(f);
	if (ok && ended && len > 0)
		return msg;
	free(msg);
	return NULL;
}

/* A message as a &str (pointer, length): what fmt::Arguments::as_str()
 * gives the panic handler for a message without arguments, or Rust 1.9x's
 * fmt::Arguments of one (the length shifted left, the low bit set).  Only
 * phrases are taken: single words on the stack are mostly something else. */
static char *str_at(struct actx *a, uint64_t p, uint64_t len)
{
	char *msg = NULL;
	if (len >= MIN_CONST_MSG && text_at(a, p, len, &msg) && strchr(msg, ' '))
		return msg;
	free(msg);
	return NULL;
}

/* The message in any encoding starting at w[i]. */
static char *message_at(struct actx *a, const uint64_t *w, size_t n, size_t i)
{
	char *msg = template_at(a, w[i]);
	if (!msg && i + 1 < n)
		msg = pieces_at(a, w[i], w[i + 1]);
	if (!msg && i + 1 < n)
		msg = str_at(a, w[i], w[i + 1]);
	if (!msg && i + 1 < n && (w[i + 1] & 1))
		msg = str_at(a, w[i], w[i + 1] >> 1);
	return msg;
}

/* The panic's PanicInfo keeps a reference to the message's fmt::Arguments
 * next to the one to its Location: the words around the Location's slot,
 * read as pointers to an Arguments, come first.  The stack also holds
 * stale pointers to other messages' format strings, so a bare scan from
 * the top is only the fallback. */
static char *message_near_location(struct actx *a, const uint64_t *w, size_t n, size_t slot)
{
	for (size_t d = 1; d <= 6; d++) {
		for (int side = -1; side <= 1; side += 2) {
			if ((side < 0 && slot < d) || slot + d >= n)
				continue;
			uint64_t args[6];
			uint64_t p = w[side < 0 ? slot - d : slot + d];
			if (!p || pm_memmap_read_partial(&a->db->t->mem, p, args, sizeof(args)) != sizeof(args))
				continue;
			for (size_t i = 0; i < 5; i++) {
				char *msg = message_at(a, args, 6, i);
				if (msg)
					return msg;
			}
		}
	}
	return NULL;
}

/* The message nearest the top of the stack, in any encoding: the
 * panic machinery's frames hold it; the frames below may hold slices of
 * strings that look like pieces. */
static char *rust_message(struct actx *a, const uint64_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *msg = message_at(a, w, n, i);
		if (msg)
			return msg;
	}
	return NULL;
}

static void rust_panic(struct actx *a, size_t k)
{
	size_t n, slot = 0;
	uint64_t *w = stack_words(a, k, &n);
	char *loc = rust_location(a, w, n, &slot);
	char *msg = loc ? message_near_location(a, w, n, slot) : NULL;
	if (!msg)
		msg = rust_message(a, w, n);
	if (msg)
		pm_fact(a->v, "panic_message", "%s", msg);
	if (loc)
		pm_fact(a->v, "panic_location", "%s", loc);
	a->v->summary = xasprintf("Rust panic%s%s%s%s%s", msg ? ": \"" : "", msg ? msg : "", msg ? "\"" : "",
				  loc ? " at " : "", loc ? loc : "");
	free(loc);
	free(msg);
	free(w);
}

/* ---- glibc's messages ---- */

static void glibc_message(struct actx *a, char *msg)
{
	struct pm_verdict *v = a->v;
	pm_fact(v, "abort_message", "%s", msg);
	char *assertion = strstr(msg, "Assertion `");
	if (assertion) {
		/* "prog: file.c:42: func: Assertion `expr' failed." */
		char *end = strstr(assertion, "' failed");
		char *expr = end ? xstrndup(assertion + 11, (size_t)(end - assertion - 11)) : xstrdup("?");
		pm_fact(v, "assertion", "%s", expr);
		char *colon = strchr(msg, ':');
		if (colon && colon < assertion) {
			char *loc = xstrndup(colon + 2, (size_t)(assertion - colon - 2));
			chomp(loc);
			size_t l = strlen(loc);
			if (l && loc[l - 1] == ':')
				loc[l - 1] = 0;
			pm_fact(v, "assert_location", "%s", loc);
			v->summary = xasprintf("assertion `%s' failed at %s", expr, loc);
			free(loc);
		} else {
			v->summary = xasprintf("assertion `%s' failed", expr);
		}
		free(expr);
		pm_az_cert(a, "AbortSignal");
		return;
	}
	static const char *const heap[] = { "free(): ", "malloc(): ", "realloc(): ", "double free",
					    "corrupted ", "munmap_chunk(): ", "malloc_consolidate(): " };
	for (size_t i = 0; i < ARRAY_SIZE(heap); i++)
		if (strstr(msg, heap[i])) {
			v->summary = xasprintf("heap corruption detected by glibc: %s", msg);
			pm_az_cert(a, "HeapError");
			return;
		}
	if (strstr(msg, "stack smashing detected") || strstr(msg, "buffer overflow detected")) {
		v->summary = xasprintf("%s", msg);
		pm_az_cert(a, "StackBufferOverflow");
		return;
	}
	v->summary = xasprintf("abort: %s", msg);
	pm_az_cert(a, "AbortSignal");
}

void pm_az_abort(struct actx *a)
{
	struct pm_verdict *v = a->v;
	v->cls = PM_CLASS_ABORT;
	size_t k;
	char *msg = abort_msg(a);
	if (msg) {
		glibc_message(a, msg);
		free(msg);
	} else if (frame_named(a, "__cxa_throw", &k) || frame_named(a, "__cxa_rethrow", &k) ||
		   frame_named(a, "std::terminate", &k)) {
		cxx_exception(a, k);
		pm_az_cert(a, "AbortSignal");
	} else if (frame_named(a, "std::panicking::", &k) || frame_named(a, "core::panicking::", &k) ||
		   frame_named(a, "__rustc::rust_begin_unwind", &k) || frame_named(a, "rust_begin_unwind", &k)) {
		/* the panic's Location and Arguments are made by the code that panicked */
		rust_panic(a, pm_az_first_interesting(a));
		pm_az_cert(a, "AbortSignal");
	} else {
		size_t i = pm_az_first_interesting(a);
		const char *f = i < a->stack.nframes && a->stack.frames[i].func ?
				pm_sym_display(a->db->dw, a->stack.frames[i].func) : "?";
		v->summary = xasprintf("abort() called by %s, with no message recorded", f);
		pm_az_cert(a, "AbortSignal");
	}
}
