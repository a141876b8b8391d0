/* Facts of a verdict, and the human report. */
#include "internal.h"
#include "../base/util.h"
#include "../kernel/kernel.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void pm_fact(struct pm_verdict *v, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *value;
	if (vasprintf(&value, fmt, ap) < 0)
		value = xstrdup("?");
	va_end(ap);
	vec_reserve(&v->facts, &v->cap, v->nfacts + 1, sizeof(*v->facts));
	v->facts[v->nfacts++] = (struct pm_fact){ key, value };
}

const char *pm_fact_get(const struct pm_verdict *v, const char *key)
{
	for (size_t i = 0; i < v->nfacts; i++)
		if (strcmp(v->facts[i].key, key) == 0)
			return v->facts[i].value;
	return NULL;
}

void pm_verdict_free(struct pm_verdict *v)
{
	for (size_t i = 0; i < v->nfacts; i++)
		free(v->facts[i].value);
	free(v->facts);
	free(v->summary);
	memset(v, 0, sizeof(*v));
}

struct pm_err *pm_verdict_stack(struct pmdb *db, const struct pm_verdict *v, struct pm_stack *out)
{
	memset(out, 0, sizeof(*out));
	if (db->t->kernel && v->task) {
		struct pm_thread th = { 0 };
		struct pm_err *err = pm_kernel_task_regs(db->t, v->task, th.regs);
		return err ? err : pm_dwarf_stack(db->dw, &th, out);
	}
	if (v->thread >= db->t->nthreads)
		return pm_err_new(PM_ERR_LOOKUP, "no thread %zu", v->thread);
	return pm_dwarf_stack(db->dw, &db->t->threads[v->thread], out);
}

static void print_frames(struct pmdb *db, const struct pm_verdict *v, FILE *out)
{
	if (v->thread >= db->t->nthreads)
		return;
	const struct pm_thread *th = &db->t->threads[v->thread];
	struct pm_stack s;
	struct pm_err *err = pm_verdict_stack(db, v, &s);
	if (err) {
		fprintf(out, "  (no stack: %s)\n", err->msg);
		pm_err_free(err);
		return;
	}
	if (db->t->kernel && v->task)
		fprintf(out, "stack of task 0x%" PRIx64 ":\n", v->task);
	else if (db->t->kernel)
		fprintf(out, "stack of CPU %zu:\n", v->thread);
	else
		fprintf(out, "stack of thread %d:\n", th->tid);
	/* from a little above the first interesting frame: abort() and
	 * raise() above it are not news, a Rust panic has a dozen */
	size_t from = v->first_interesting_frame > 3 ? v->first_interesting_frame - 3 : 0;
	if (from)
		fprintf(out, "     ... %zu frames above\n", from);
	size_t i;
	for (i = from; i < s.nframes && i < from + 12; i++) {
		const struct pm_frame *f = &s.frames[i];
		fprintf(out, "  %s", i == v->first_interesting_frame ? "=> " : "   ");
		if (f->kind == PM_FRAME_SIGNAL)
			fputs("<signal handler called>", out);
		else if (!f->func)
			fprintf(out, "0x%" PRIx64, f->pc);
		else
			fputs(pm_sym_display(db->dw, f->func), out);
		if (f->kind == PM_FRAME_INLINE)
			fputs(" (inlined)", out);
		if (f->file)
			fprintf(out, " [%s:%d]", f->file, f->line);
		fputc('\n', out);
	}
	if (s.nframes > i)
		fprintf(out, "     ... %zu more frames\n", s.nframes - i);
	pm_stack_free(&s);
}

void pm_verdict_print(struct pmdb *db, const struct pm_verdict *v, FILE *out)
{
	fprintf(out, "class: %s\n", v->cls);
	fprintf(out, "summary: %s\n", v->summary ? v->summary : "");
	if (v->cert)
		fprintf(out, "cert: %s (%s)\n", v->cert, v->cert_rating);
	fputs("evidence:\n", out);
	for (size_t i = 0; i < v->nfacts; i++)
		fprintf(out, "  %s: %s\n", v->facts[i].key, v->facts[i].value);
	print_frames(db, v, out);
}
