/* Stack overflow: the thread's stack and its size, how deep the stack
 * is, the recursion that filled it, and the biggest frames (from the
 * stack pointers of consecutive frames, i.e. their CFAs). */
#include "internal.h"
#include "signature.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CYCLE 8
#define SCAN_FROM 64           /* the recursion starts within this many frames of the top */

/* Each frame's name, copied (pm_sym_display reuses its buffer) to be
 * compared as strings; a frame with no symbol is named by its module and
 * offset, as in the signature. */
static char **frame_names(struct actx *a)
{
	char **n = xcalloc(a->stack.nframes + 1, sizeof(*n));
	for (size_t i = 0; i < a->stack.nframes; i++) {
		const struct pm_frame *f = &a->stack.frames[i];
		n[i] = f->func ? xstrdup(pm_sym_display(a->db->dw, f->func))
			       : pm_sig_unnamed(a->db->dw, f->lookup_pc);
	}
	return n;
}

static void recursion(struct actx *a, char **names, size_t n)
{
	size_t best_len = 0, best_start = 0, best_reps = 0;
	for (size_t start = 0; start < n && start < SCAN_FROM; start++) {
		for (size_t len = 1; len <= MAX_CYCLE && start + len < n; len++) {
			size_t same = 0;
			while (start + same + len < n && strcmp(names[start + same], names[start + same + len]) == 0)
				same++;
			size_t reps = same / len + 1;
			if (reps >= 3 && reps * len > best_reps * best_len) {
				best_len = len;
				best_start = start;
				best_reps = reps;
			}
		}
	}
	if (!best_reps)
		return;
	if (best_len == 1) {
		pm_fact(a->v, "recursion", "%s called itself %zu times", names[best_start], best_reps - 1);
		return;
	}
	char *cycle = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&cycle, &len);
	for (size_t k = 0; k < best_len; k++)
		fprintf(f, "%s%s", k ? " <- " : "", names[best_start + k]);
	fclose(f);
	pm_fact(a->v, "recursion", "a cycle of %zu functions (%s) repeated %zu times", best_len, cycle,
		best_reps);
	free(cycle);
}

static void largest_frames(struct actx *a, char **names)
{
	struct { uint64_t size; size_t i; } top[3] = { { 0, 0 } };
	for (size_t i = 0; i + 1 < a->stack.nframes; i++) {
		const struct pm_frame *f = &a->stack.frames[i], *g = &a->stack.frames[i + 1];
		if (f->kind == PM_FRAME_INLINE || !f->sp || g->sp <= f->sp)
			continue;
		uint64_t size = g->sp - f->sp;
		for (int k = 0; k < 3; k++)
			if (size > top[k].size) {
				memmove(&top[k + 1], &top[k], (size_t)(2 - k) * sizeof(top[0]));
				top[k].size = size;
				top[k].i = i;
				break;
			}
	}
	if (!top[0].size)
		return;
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	for (int k = 0; k < 3 && top[k].size; k++)
		fprintf(f, "%s%s %" PRIu64 " bytes", k ? ", " : "", names[top[k].i], top[k].size);
	fclose(f);
	pm_fact(a->v, "largest_frames", "%s", s);
	free(s);
}

/* The thread's stack: the mapping holding its outermost frame. */
static const struct pm_mapping *thread_stack(struct actx *a)
{
	for (size_t i = a->stack.nframes; i-- > 0;)
		if (a->stack.frames[i].sp) {
			const struct pm_mapping *m = pm_az_mapping(a, a->stack.frames[i].sp);
			if (m)
				return m;
		}
	return pm_az_mapping(a, a->regs[a->db->t->arch->sp]);
}

void pm_az_stack_overflow(struct actx *a, uint64_t fault)
{
	struct pm_verdict *v = a->v;
	uint64_t sp = a->regs[a->db->t->arch->sp];
	v->cls = PM_CLASS_STACK_OVERFLOW;
	pm_fact(v, "stack_pointer", "0x%" PRIx64, sp);
	const struct pm_mapping *m = thread_stack(a);
	if (m) {
		pm_fact(v, "stack", "0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " KiB, %s)", m->start, m->end,
			(m->end - m->start) / 1024, pm_az_mapping_name(m));
		if (fault < m->start)
			pm_fact(v, "below_stack", "the fault address is 0x%" PRIx64 " bytes below the stack's "
				"lowest page, 0x%" PRIx64 " bytes below %%%s", m->start - fault,
				sp >= fault ? sp - fault : 0, a->db->t->arch->regs[a->db->t->arch->sp].name);
	}
	size_t n = a->stack.nframes;
	pm_fact(v, "depth", "%zu frames", n);
	char **names = frame_names(a);
	recursion(a, names, n);
	largest_frames(a, names);
	const char *rec = pm_fact_get(v, "recursion");
	v->summary = xasprintf("stack overflow in thread %d: %zu frames deep%s%s", a->th->tid, n,
			       rec ? ", " : "", rec ? rec : "");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	pm_az_cert(a, "StackOverflow");
}
