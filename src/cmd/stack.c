/* Stacks: $c, $C, ::stack, ::findstack, ::stacks. */
#include "cmds.h"
#include "../base/util.h"
#include "../kernel/kernel.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { SHOW_SP = 1, SHOW_PC = 2, SHOW_SRC = 4, SHOW_ARGS = 8 };

/* The parameters of frame i, when asked for (ARGS non-NULL). */
struct frame_args {
	const struct pm_thread *th;
	const struct pm_stack *s;
	size_t i;
};

static void arg_list(struct pmdb *db, const struct frame_args *args, FILE *out)
{
	fputc('(', out);
	if (args)
		pm_dwarf_frame_args(db->dw, args->th, args->s, args->i, out);
	fputc(')', out);
}

static void frame_name(struct pmdb *db, const struct pm_frame *f, const struct frame_args *args,
		       FILE *out)
{
	switch (f->kind) {
	case PM_FRAME_SIGNAL:
		fputs("<signal handler called>", out);
		return;
	case PM_FRAME_INLINE:
		fputs(f->func ? pm_sym_display(db->dw, f->func) : "??", out);
		arg_list(db, args, out);
		fputs(" (inlined)", out);
		return;
	case PM_FRAME_NORMAL:
		if (!f->func) {
			fprintf(out, "0x%" PRIx64 "()", f->pc);
			return;
		}
		fputs(pm_sym_display(db->dw, f->func), out);
		if (f->has_off && f->func_off)
			fprintf(out, "+0x%" PRIx64, f->func_off);
		arg_list(db, args, out);
	}
}

static void print_frame(struct pmdb *db, const struct pm_frame *f, unsigned show,
			const struct frame_args *args)
{
	FILE *out = db->out;
	if (show & SHOW_SP)
		fprintf(out, "%0*" PRIx64 " ", pm_addr_digits(db), f->sp);
	if (show & SHOW_PC)
		fprintf(out, "%0*" PRIx64 " ", pm_addr_digits(db), f->pc);
	frame_name(db, f, (show & SHOW_ARGS) ? args : NULL, out);
	if ((show & SHOW_SRC) && f->file)
		fprintf(out, " [%s:%d]", f->file, f->line);
	fputc('\n', out);
}

void pm_print_frame_name(struct pmdb *db, const struct pm_frame *f, FILE *out)
{
	frame_name(db, f, NULL, out);
}

struct pm_err *pm_kernel_task_stack(struct pmdb *db, uint64_t task, struct pm_stack *s)
{
	struct pm_thread th;
	memset(&th, 0, sizeof(th));
	th.tid = -1;
	struct pm_err *err = pm_kernel_task_regs(db->t, task, th.regs);
	return err ? err : pm_dwarf_stack(db->dw, &th, s);
}

/* The thread a stack command is about: dot as a thread id if given. */
/* On a kernel dump, an address is a task_struct: its registers are those
 * of its CPU or of its last context switch, put in *scratch. */
static struct pm_err *kernel_task(struct pmdb *db, uint64_t task, struct pm_thread *scratch,
				  struct pm_thread **th)
{
	memset(scratch, 0, sizeof(*scratch));
	struct pm_err *err = pm_kernel_task_regs(db->t, task, scratch->regs);
	if (err)
		return err;
	scratch->tid = -1;
	*th = scratch;
	return NULL;
}

static struct pm_err *which_thread(struct pmdb *db, const struct pm_call *call,
				   struct pm_thread *scratch, struct pm_thread **th)
{
	if (call->has_addr && db->t->kernel && call->addr > INT32_MAX)
		return kernel_task(db, call->addr, scratch, th);
	if (call->has_addr) {
		*th = pm_target_thread(db->t, (int)call->addr);
		if (!*th || call->addr > INT32_MAX)
			return pm_err_new(PM_ERR_LOOKUP, "0t%" PRIu64 " (0x%" PRIx64 ") is not a thread id of this dump",
					  call->addr, call->addr);
		return NULL;
	}
	*th = pm_cur_thread(db);
	if (!*th)
		return pm_no_thread_err(db, "the dump has no threads");
	return NULL;
}

static struct pm_err *stack_common(struct pmdb *db, const struct pm_call *call, unsigned show)
{
	struct pm_opts o;
	struct pm_err *err = pm_getopts(db, call, "afps", "n", &o);
	if (err)
		return err;
	if (o.flag['a'])
		show |= SHOW_ARGS;
	if (o.flag['f'])
		show |= SHOW_SP;
	if (o.flag['p'])
		show |= SHOW_PC;
	if (o.flag['s'])
		show |= SHOW_SRC;
	uint64_t max = o.flag['n'] ? o.value['n'] : UINT64_MAX;
	struct pm_thread *th, scratch;
	if ((err = which_thread(db, call, &scratch, &th)))
		return err;
	struct pm_stack s;
	/* names only: no line tables read */
	err = show & (SHOW_SRC | SHOW_ARGS) ? pm_dwarf_stack(db->dw, th, &s) :
					      pm_dwarf_stack_names(db->dw, th, &s);
	if (err)
		return err;
	for (size_t i = 0; i < s.nframes && i < max; i++) {
		struct frame_args args = { th, &s, i };
		print_frame(db, &s.frames[i], show, &args);
	}
	pm_stack_free(&s);
	return NULL;
}

struct pm_err *pm_cmd_stack(struct pmdb *db, const struct pm_call *call)
{
	return stack_common(db, call, 0);
}

struct pm_err *pm_cmd_stack_c(struct pmdb *db, const struct pm_call *call)
{
	return stack_common(db, call, 0);
}

struct pm_err *pm_cmd_stack_C(struct pmdb *db, const struct pm_call *call)
{
	return stack_common(db, call, SHOW_SP);
}

struct pm_err *pm_cmd_findstack(struct pmdb *db, const struct pm_call *call)
{
	struct pm_opts o;
	struct pm_err *err = pm_getopts(db, call, "v", "", &o);
	if (err)
		return err;
	struct pm_thread *th, scratch;
	if ((err = which_thread(db, call, &scratch, &th)))
		return err;
	struct pm_stack s;
	if ((err = pm_dwarf_stack_names(db->dw, th, &s)))
		return err;
	FILE *out = db->out;
	fprintf(out, "stack pointer for thread %d: %" PRIx64 "\n", th->tid,
		th->regs[db->t->arch->sp]);
	for (size_t i = 0; i < s.nframes; i++) {
		fputs(i == 0 ? "[ " : "  ", out);
		fprintf(out, "%0*" PRIx64 " ", pm_addr_digits(db), s.frames[i].sp);
		frame_name(db, &s.frames[i], NULL, out);
		fputs(i == 0 ? " ]\n" : "\n", out);
	}
	pm_stack_free(&s);
	return NULL;
}

/* ::stacks groups threads whose stacks have the same pcs; on a kernel
 * dump, tasks (named by their task_struct address). */
struct group {
	struct pm_stack stack;
	uint64_t *ids;
	size_t nids, cap;
};

static bool same_stack(const struct pm_stack *a, const struct pm_stack *b)
{
	if (a->nframes != b->nframes)
		return false;
	for (size_t i = 0; i < a->nframes; i++)
		if (a->frames[i].pc != b->frames[i].pc || a->frames[i].kind != b->frames[i].kind)
			return false;
	return true;
}

/* The stacks to group: every thread, or every kernel task. */
struct stack_source {
	struct pm_ktask *tasks;
	size_t n;
	bool kernel;
};

static struct pm_err *source_open(struct pmdb *db, struct stack_source *src)
{
	memset(src, 0, sizeof(*src));
	src->kernel = db->t->kernel != NULL;
	if (src->kernel)
		return pm_kernel_tasks(db->t, &src->tasks, &src->n);
	src->n = db->t->nthreads;
	return NULL;
}

static struct pm_err *source_stack(struct pmdb *db, struct stack_source *src, size_t i, uint64_t *id,
				   struct pm_stack *s)
{
	if (!src->kernel) {
		*id = (uint64_t)db->t->threads[i].tid;
		return pm_dwarf_stack(db->dw, &db->t->threads[i], s);
	}
	*id = src->tasks[i].addr;
	return pm_kernel_task_stack(db, src->tasks[i].addr, s);
}

struct pm_err *pm_cmd_stacks(struct pmdb *db, const struct pm_call *call)
{
	struct pm_opts o;
	struct pm_err *err = pm_getopts(db, call, "v", "", &o);
	if (err)
		return err;
	struct stack_source src;
	if ((err = source_open(db, &src)))
		return err;
	struct group *groups = xcalloc(src.n + 1, sizeof(*groups));
	size_t ngroups = 0;
	for (size_t i = 0; i < src.n; i++) {
		struct pm_stack s;
		uint64_t id;
		if ((err = source_stack(db, &src, i, &id, &s))) {
			if (!src.kernel)
				break;
			pm_err_free(err);       /* a task whose stack is unreadable: left out */
			err = NULL;
			continue;
		}
		size_t g;
		for (g = 0; g < ngroups; g++)
			if (same_stack(&groups[g].stack, &s))
				break;
		if (g == ngroups)
			groups[ngroups++].stack = s;
		else
			pm_stack_free(&s);
		vec_reserve(&groups[g].ids, &groups[g].cap, groups[g].nids + 1, sizeof(uint64_t));
		groups[g].ids[groups[g].nids++] = id;
	}
	FILE *out = db->out;
	const char *fmt = src.kernel ? "%016" PRIx64 " %5zu\n" : "%-16" PRIu64 " %5zu\n";
	if (!err)
		fprintf(out, "%-16s %5s\n", src.kernel ? "TASK" : "THREAD", "COUNT");
	for (size_t g = 0; g < ngroups && !err; g++) {
		fprintf(out, fmt, groups[g].ids[0], groups[g].nids);
		if (o.flag['v'] && groups[g].nids > 1) {
			fputs(src.kernel ? "                 tasks:" : "                 tids:", out);
			for (size_t k = 0; k < groups[g].nids; k++)
				fprintf(out, src.kernel ? " %" PRIx64 : " %" PRIu64, groups[g].ids[k]);
			fputc('\n', out);
		}
		for (size_t f = 0; f < groups[g].stack.nframes; f++) {
			fputs("                 ", out);
			frame_name(db, &groups[g].stack.frames[f], NULL, out);
			fputc('\n', out);
		}
		fputc('\n', out);
	}
	for (size_t g = 0; g < ngroups; g++) {
		pm_stack_free(&groups[g].stack);
		free(groups[g].ids);
	}
	free(groups);
	free(src.tasks);
	return err;
}
