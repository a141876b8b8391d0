/* The crash signature: frames of the analysed thread from the first
 * interesting one outward, named for signatures, recursion folded, the
 * top PM_SIG_FRAMES kept. */
#include "signature.h"
#include "internal.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The longest cycle of mutually recursive functions folded into one
 * pass: a b c a b c ... becomes a b c. */
#define MAX_CYCLE 8

const struct pm_module_info *pm_module_at(struct pm_dwarf *d, uint64_t pc)
{
	struct pm_module_info *mods;
	size_t lo = 0, hi = pm_dwarf_modules(d, &mods);
	while (lo < hi) {          /* sorted by start, and disjoint */
		size_t mid = lo + (hi - lo) / 2;
		if (pc < mods[mid].start)
			hi = mid;
		else if (pc >= mods[mid].end)
			lo = mid + 1;
		else
			return &mods[mid];
	}
	return NULL;
}

uint64_t pm_fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

char *pm_sig_unnamed(struct pm_dwarf *d, uint64_t pc)
{
	const struct pm_module_info *m = pm_module_at(d, pc);
	if (!m)
		return xstrdup("?");
	const char *slash = strrchr(m->name, '/');
	return xasprintf("%s+0x%" PRIx64, slash ? slash + 1 : m->name, pc - m->start);
}

/* Where the program's own frames end: below main, or below a thread's
 * start routine, are the C library's and the runtime's, which differ
 * between machines. */
static bool is_main(const char *name)
{
	const char *sep = strstr(name, "::");
	return strcmp(name, "main") == 0 ||
	       (sep && strcmp(sep, "::main") == 0);      /* Rust: crate::main */
}

static const char *const startup[] = {
	"start_thread", "clone", "clone3", "__clone", "__clone3", "_start", "__libc_start_main",
	"__libc_start_call_main", "__libc_start_main_impl", "thread_start",
};

static bool is_startup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(startup); i++)
		if (strcmp(name, startup[i]) == 0)
			return true;
	return false;
}

struct names {
	char **name;
	uint64_t *hash;
	size_t n, cap, hcap;
};

static void push(struct names *s, char *name)
{
	vec_reserve(&s->name, &s->cap, s->n + 1, sizeof(*s->name));
	vec_reserve(&s->hash, &s->hcap, s->n + 1, sizeof(*s->hash));
	s->name[s->n] = name;
	s->hash[s->n++] = pm_fnv1a64(name);
}

static bool repeats(const struct names *s, size_t k)
{
	for (size_t i = s->n - k; i < s->n; i++)
		if (s->hash[i] != s->hash[i - k] || strcmp(s->name[i], s->name[i - k]) != 0)
			return false;
	return true;
}

static void drop(struct names *s, size_t from, size_t count)
{
	for (size_t i = from; i < from + count; i++)
		free(s->name[i]);
	size_t after = s->n - from - count;
	if (after) {
		memmove(s->name + from, s->name + from + count, after * sizeof(*s->name));
		memmove(s->hash + from, s->hash + from + count, after * sizeof(*s->hash));
	}
	s->n -= count;
}

/* The last names repeat the k before them: drop them, and again while
 * any cycle length repeats.  Returns the length of the last cycle
 * folded, 0 if none. */
static size_t fold(struct names *s)
{
	size_t folded = 0;
	for (bool again = true; again;) {
		again = false;
		for (size_t k = 1; k <= MAX_CYCLE && 2 * k <= s->n; k++) {
			if (repeats(s, k)) {
				drop(s, s->n - k, k);
				folded = k;
				again = true;
				break;
			}
		}
	}
	return folded;
}

/* Folding leaves a part of a cycle where the recursion ends mid-way
 * (ping pong ping main: depth parity): such a partial repeat, kept as
 * "pending" while it follows the cycle, is dropped when it stops. */
struct folding {
	size_t cycle, pending;
};

static void fold_next(struct names *s, struct folding *f)
{
	size_t n = s->n;
	if (f->cycle && n > f->cycle + f->pending && s->hash[n - 1] == s->hash[n - 1 - f->cycle] &&
	    strcmp(s->name[n - 1], s->name[n - 1 - f->cycle]) == 0) {
		f->pending++;
	} else {
		drop(s, n - 1 - f->pending, f->pending);
		f->cycle = f->pending = 0;
	}
	size_t k = fold(s);
	if (k) {
		f->cycle = k;
		f->pending = 0;
	}
}

static char *frame_name(struct pm_dwarf *d, uint64_t pc)
{
	struct pm_sym sym;
	if (pm_sym_by_addr(d, pc, &sym))
		return pm_sig_function(sym.name);
	return pm_sig_unnamed(d, pc);
}

/* A call through a pointer to no mapping (a NULL function pointer) leaves
 * the x86-64 unwinder nothing to start from; the return address the call
 * pushed is still at the stack pointer (AArch64: in lr), naming the caller. */
static void caller_of_bad_jump(struct pmdb *db, const struct pm_thread *th, struct names *s)
{
	const struct pm_arch *arch = db->t->arch;
	uint64_t ret = arch->lr >= 0 ? pm_target_code_addr(db->t, th->regs[arch->lr]) : 0;
	if (pm_target_mapping(db->t, th->regs[arch->pc]))
		return;
	struct pm_err *err = arch->lr >= 0 ? NULL :
			     pm_target_read_u64(db->t, th->regs[arch->sp], &ret, "return address");
	if (err) {
		pm_err_free(err);
		return;
	}
	if (pm_module_at(db->dw, ret - 1))
		push(s, frame_name(db->dw, ret - 1));
}

void pm_signature_make(struct pmdb *db, const struct pm_verdict *v, struct pm_signature *sig)
{
	struct names s = { 0 };
	struct pm_stack st = { 0 };
	struct pm_err *err = NULL;
	err = pm_verdict_stack(db, v, &st);
	pm_err_free(err);
	const char *last_func = NULL;
	struct folding fs = { 0 };
	for (size_t i = v->first_interesting_frame; i < st.nframes; i++) {
		const struct pm_frame *f = &st.frames[i];
		/* below a handler, raise() and kill() again */
		/* a kernel stack ends with the user pc of its syscall */
		if (db->t->kernel && !f->func)
			break;
		if (f->kind == PM_FRAME_SIGNAL ||
		    pm_az_is_noise(pm_sym_display(db->dw, f->func), db->t->kernel != NULL))
			continue;
		/* a deep recursion repeats one name: normalize it once */
		if (f->func && last_func == f->func && s.n > 0)
			push(&s, xstrdup(s.name[s.n - 1]));
		else
			push(&s, f->func ? pm_sig_function(f->func) : pm_sig_unnamed(db->dw, f->lookup_pc));
		last_func = f->func;
		if (is_startup(s.name[s.n - 1])) {
			free(s.name[--s.n]);
			break;
		}
		fold_next(&s, &fs);
		if (is_main(s.name[s.n - 1]))
			break;
	}
	drop(&s, s.n - fs.pending, fs.pending);
	pm_stack_free(&st);
	if (s.n == 0 && v->thread < db->t->nthreads)
		caller_of_bad_jump(db, &db->t->threads[v->thread], &s);

	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	fprintf(out, "%s:", v->cls ? v->cls : PM_CLASS_UNKNOWN);
	for (size_t i = 0; i < s.n && i < PM_SIG_FRAMES; i++)
		fprintf(out, "%s%s", i ? " < " : " ", s.name[i]);
	if (s.n == 0)
		fputs(" (no frames)", out);
	fclose(out);
	for (size_t i = 0; i < s.n; i++)
		free(s.name[i]);
	free(s.name);
	free(s.hash);
	sig->text = text;
	snprintf(sig->hash, sizeof(sig->hash), "%016" PRIx64, pm_fnv1a64(text));
}

void pm_signature_free(struct pm_signature *sig)
{
	free(sig->text);
	sig->text = NULL;
}
