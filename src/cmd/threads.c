/* Threads: ::context, $l, ::threads (the thread walker is in walkers.c). */
#include "cmds.h"
#include "../kernel/kernel.h"

#include <inttypes.h>
#include <string.h>

struct pm_thread *pm_cur_thread(struct pmdb *db)
{
	if (!db->t || db->cur_thread >= db->t->nthreads)
		return NULL;
	return &db->t->threads[db->cur_thread];
}

struct pm_err *pm_no_thread_err(struct pmdb *db, const char *what)
{
	if (db->t && db->t->kernel && db->t->kernel->live)
		return pm_kernel_live_regs_err(-1);
	return pm_err_new(PM_ERR_LOOKUP, "%s", what);
}

struct pm_err *pm_cmd_context(struct pmdb *db, const struct pm_call *call)
{
	if (!call->has_addr) {
		struct pm_thread *th = pm_cur_thread(db);
		if (th)
			fprintf(db->out, "current thread: %d\n", th->tid);
		return NULL;
	}
	for (size_t i = 0; i < db->t->nthreads; i++)
		if ((uint64_t)db->t->threads[i].tid == call->addr) {
			db->cur_thread = i;
			db->cur_frame = 0;
			return NULL;
		}
	return pm_err_new(PM_ERR_LOOKUP, "0t%" PRIu64 " (0x%" PRIx64 ") is not a thread id of this dump; ::walk thread lists them",
			  call->addr, call->addr);
}

struct pm_err *pm_cmd_tid(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_thread *th = pm_cur_thread(db);
	if (!th)
		return pm_err_new(PM_ERR_LOOKUP, "the dump has no threads");
	fprintf(db->out, "0t%d\n", th->tid);
	return NULL;
}

struct pm_err *pm_cmd_threads(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_target *t = db->t;
	size_t sig = pm_signal_thread(t);
	int w = pm_addr_digits(db);
	fprintf(db->out, "%-3s %-10s %-*s %s\n", "", "TID", w + 2, "PC", "FUNCTION");
	for (size_t i = 0; i < t->nthreads; i++) {
		const struct pm_thread *th = &t->threads[i];
		uint64_t pc = th->regs[t->arch->pc];
		fprintf(db->out, "%c%c  %-10d 0x%0*" PRIx64 " ", i == db->cur_thread ? '>' : ' ',
			i == sig ? '*' : ' ', th->tid, w, pc);
		pm_sym_print(db->dw, db->out, pc);
		fputc('\n', db->out);
	}
	return NULL;
}
