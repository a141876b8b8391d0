/* addr::whatis: the symbol, mapping and thread stack an address is in. */
#include "cmds.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>

static void say_symbol(struct pmdb *db, uint64_t a)
{
	struct pm_sym s;
	/* libdwfl offers the nearest symbol below; only one covering a counts */
	if (!pm_sym_by_addr(db->dw, a, &s) || (s.offset >= s.size && s.offset != 0))
		return;
	fprintf(db->out, "0x%" PRIx64 " is %s", a, pm_sym_display(db->dw, s.name));
	if (s.offset)
		fprintf(db->out, "+0x%" PRIx64, s.offset);
	fprintf(db->out, " in %s (symbol at 0x%" PRIx64 ", 0x%" PRIx64 " bytes)\n", s.module, s.addr,
		s.size);
}

static void say_mapping(struct pmdb *db, uint64_t a, const struct pm_mapping *m)
{
	fprintf(db->out, "0x%" PRIx64 " is in mapping %" PRIx64 "-%" PRIx64 " %c%c%c ", a, m->start,
		m->end, m->prot & PF_R ? 'r' : '-', m->prot & PF_W ? 'w' : '-',
		m->prot & PF_X ? 'x' : '-');
	if (m->path)
		fprintf(db->out, "%s at file offset 0x%" PRIx64 "\n", m->path, m->offset + (a - m->start));
	else if (strcmp(m->label, "[ heap ]") == 0)
		fprintf(db->out, "%s: the heap\n", m->label);
	else if (strncmp(m->label, "[ stack", 7) == 0 || strcmp(m->label, "[ vdso ]") == 0)
		fprintf(db->out, "%s\n", m->label);
	else
		fprintf(db->out, "%s: anonymous memory\n", m->label[0] ? m->label : "[ anon ]");
}

/* Which frame of th's stack holds a: between its stack pointer and the
 * next outer frame's. */
static void say_frame(struct pmdb *db, uint64_t a, const struct pm_thread *th)
{
	uint64_t sp = th->regs[db->t->arch->sp];
	fprintf(db->out, "0x%" PRIx64 " is on the stack of thread 0t%d", a, th->tid);
	if (a < sp) {
		fprintf(db->out, ", below its stack pointer 0x%" PRIx64 " (not in use)\n", sp);
		return;
	}
	struct pm_stack st = { 0 };
	struct pm_err *err = pm_dwarf_stack(db->dw, th, &st);
	pm_err_free(err);
	size_t hit = st.nframes;
	for (size_t i = 0; i < st.nframes; i++)
		if (st.frames[i].sp && st.frames[i].sp <= a)
			hit = i;
	if (hit == st.nframes) {
		fputc('\n', db->out);
	} else {
		const struct pm_frame *f = &st.frames[hit];
		uint64_t next = 0;
		for (size_t i = hit + 1; i < st.nframes && !next; i++)
			next = st.frames[i].sp > f->sp ? st.frames[i].sp : 0;
		fprintf(db->out, ", in frame %zu (%s), sp 0x%" PRIx64, hit, f->func ? f->func : "??", f->sp);
		if (next)
			fprintf(db->out, " to 0x%" PRIx64 "\n", next);
		else
			fputs(" (the outermost frame)\n", db->out);
	}
	pm_stack_free(&st);
}

struct pm_err *pm_cmd_whatis(struct pmdb *db, const struct pm_call *call)
{
	if (!call->has_addr)
		return pm_err_new(PM_ERR_SYNTAX, "usage: addr::whatis");
	uint64_t a = call->addr;
	say_symbol(db, a);
	if (db->t->kernel)
		return pm_kernel_whatis(db, a);
	const struct pm_mapping *m = pm_target_mapping(db->t, a);
	if (!m) {
		fprintf(db->out, "0x%" PRIx64 " is not in any mapping of the dump\n", a);
		return NULL;
	}
	say_mapping(db, a, m);
	for (size_t i = 0; i < db->t->nthreads; i++) {
		const struct pm_thread *th = &db->t->threads[i];
		if (pm_target_mapping(db->t, th->regs[db->t->arch->sp]) == m)
			say_frame(db, a, th);
	}
	return NULL;
}
