/* Kernel dumps: ::threadlist, every task with the function it is in.  As
 * the kernel's own wchan, that is the first frame outside the scheduler:
 * the kernel marks its scheduling and lock functions __sched and
 * __lockfunc, which put them between __sched_text_start/_end and
 * __lock_text_start/_end. */
#include "cmds.h"
#include "../kernel/kernel.h"

#include <inttypes.h>
#include <stdlib.h>

struct text_range {
	uint64_t start, end;
};

static struct text_range range(struct pm_target *t, const char *start, const char *end)
{
	const struct pm_ksym *s = pm_ksym_by_name(t, start), *e = pm_ksym_by_name(t, end);
	struct text_range r = { 0, 0 };
	if (s && e && s->addr < e->addr)
		r = (struct text_range){ s->addr, e->addr };
	return r;
}

static bool in_range(const struct text_range *r, uint64_t pc)
{
	return pc >= r->start && pc < r->end;
}

/* The first frame not in the scheduler's text, else the innermost. */
static const struct pm_frame *wait_frame(const struct pm_stack *s, const struct text_range sched[2])
{
	for (size_t i = 0; i < s->nframes; i++)
		if (!in_range(&sched[0], s->frames[i].lookup_pc) && !in_range(&sched[1], s->frames[i].lookup_pc))
			return &s->frames[i];
	return s->nframes ? &s->frames[0] : NULL;
}

static void task_line(struct pmdb *db, const struct pm_ktask *k, const struct pm_stack *s,
		      const struct pm_err *err, const struct text_range sched[2])
{
	FILE *out = db->out;
	fprintf(out, "%016" PRIx64 " %7d  %-16s ", k->addr, k->pid, k->comm);
	const struct pm_frame *f = err ? NULL : wait_frame(s, sched);
	if (err)
		fprintf(out, "? (%s)\n", err->msg);
	else if (!f)
		fputs("? (no frames)\n", out);
	else if (f->func)
		fprintf(out, "%s\n", f->func);
	else
		fprintf(out, "0x%" PRIx64 "\n", f->pc);
}

void pm_print_stack_lines(struct pmdb *db, const struct pm_stack *s)
{
	for (size_t f = 0; f < s->nframes; f++) {
		fprintf(db->out, "    %016" PRIx64 " ", s->frames[f].sp);
		pm_print_frame_name(db, &s->frames[f], db->out);
		fputc('\n', db->out);
	}
	fputc('\n', db->out);
}

struct pm_err *pm_cmd_threadlist(struct pmdb *db, const struct pm_call *call)
{
	if (!db->t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "::threadlist: not a kernel crash dump (::threads lists a core's threads)");
	struct pm_opts o;
	struct pm_err *err = pm_getopts(db, call, "v", "", &o);
	if (err)
		return err;
	if (o.first_arg < call->argc || call->has_addr)
		return pm_err_new(PM_ERR_SYNTAX, "::threadlist takes only -v (see ::help threadlist)");
	struct pm_ktask *v;
	size_t n;
	if ((err = pm_kernel_tasks(db->t, &v, &n)))
		return err;
	const struct text_range sched[2] = {
		range(db->t, "__sched_text_start", "__sched_text_end"),
		range(db->t, "__lock_text_start", "__lock_text_end"),
	};
	fprintf(db->out, "%-16s %7s  %-16s %s\n", "TASK", "PID", "COMM", "FUNCTION");
	for (size_t i = 0; i < n; i++) {
		struct pm_stack s = { 0 };
		struct pm_err *serr = pm_kernel_task_stack(db, v[i].addr, &s);
		task_line(db, &v[i], &s, serr, sched);
		if (!serr && o.flag['v'])
			pm_print_stack_lines(db, &s);
		pm_stack_free(&s);
		pm_err_free(serr);
	}
	free(v);
	return NULL;
}
