/* Running a live process in mdb's words: :r starts the program given to
 * pmdb, :c continues, :s steps one instruction, :e steps over a call,
 * ::step out runs to the caller, :k kills, ::release lets go; ::sigbp and
 * :i choose the signals that stop it.  After a stop the debug session is
 * opened again if libraries came or went or threads changed. */
#include "runctl.h"
#include "signals.h"
#include "../arch/disasm.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static struct pm_err *need_live(struct pmdb *db)
{
	if (!db->t || !db->t->live_pid)
		return pm_err_new(PM_ERR_GENERIC, "no process is running: start one with :r (pmdb PROG), "
				  "or attach with pmdb -p PID");
	if (pm_live_exited(db->t))
		return pm_err_new(PM_ERR_GENERIC, "the process has exited: :r starts it again");
	return NULL;
}

/* What the debug session rests on: the objects mapped, and the threads,
 * which the unwinder holds pointers to.  Most steps change neither. */
static uint64_t session_key(struct pmdb *db)
{
	uint64_t h = pm_live_objects_sig(db->t) ^ (uint64_t)(uintptr_t)db->t->threads;
	h = (h ^ db->t->nthreads) * 0x100000001b3ull;
	for (size_t i = 0; i < db->t->nthreads; i++)
		h = (h ^ (uint64_t)db->t->threads[i].tid) * 0x100000001b3ull;
	return h;
}

/* Libraries may have been loaded or unloaded: a new debug session. */
static struct pm_err *reopen_debug(struct pmdb *db)
{
	struct pm_err *err = pm_debug_reopen(db);
	if (!err)
		pm_runctl_of(db)->session_key = session_key(db);
	return err;
}

static void show_where(struct pmdb *db)
{
	struct pm_thread *th = pm_cur_thread(db);
	if (!th)
		return;
	uint64_t pc = th->regs[db->t->arch->pc];
	char text[200];
	unsigned len;
	pm_sym_print(db->dw, db->out, pc);
	struct pm_err *err = pm_disasm_one(db, pc, text, sizeof(text), &len);
	if (!err)
		fprintf(db->out, ":\t%s", text);
	pm_err_free(err);
	fputc('\n', db->out);
}

static void report(struct pmdb *db, const struct pm_stop *st)
{
	FILE *out = db->out;
	const char *sig = pm_signal_name(st->signo);
	switch (st->kind) {
	case PM_STOP_INTERRUPTED:
		fputs("pmdb: interrupted\n", out);
		break;
	case PM_STOP_EXITED:
		fprintf(out, "pmdb: target has terminated with status %d\n", st->status);
		return;
	case PM_STOP_KILLED:
		fprintf(out, "pmdb: target was killed by %s\n",
			pm_signal_name(st->status) ? pm_signal_name(st->status) : "a signal");
		return;
	case PM_STOP_SIGNAL:
		if (sig)
			fprintf(out, "pmdb: stop on %s (%s)\n", sig, pm_signal_desc(st->signo));
		else
			fprintf(out, "pmdb: stop on signal %d\n", st->signo);
		break;
	case PM_STOP_BREAKPOINT: {
		struct pm_bpt *b = pm_bpt_at(db, st->addr);
		if (b && !b->temporary)
			fprintf(out, "pmdb: stop at breakpoint %d\n", b->id);
		break;
	}
	case PM_STOP_EXEC:
		fprintf(out, "pmdb: the process started a new program\n");
		break;
	case PM_STOP_THREAD_EXITED:
		fprintf(out, "pmdb: the thread exited\n");
		return;
	default:
		break;
	}
	if (db->t->nthreads > 1)
		fprintf(out, "pmdb: thread %d: ", db->t->threads[db->cur_thread].tid);
	else
		fputs("pmdb: target stopped at:\n", out);
	show_where(db);
}

/* After a resume: the current thread, dot and the debug session. */
static struct pm_err *settle(struct pmdb *db, const struct pm_stop *st)
{
	if (pm_live_exited(db->t))
		return NULL;
	db->cur_thread = st->thread < db->t->nthreads ? st->thread : 0;
	db->cur_frame = 0;
	db->dot = db->t->threads[db->cur_thread].regs[db->t->arch->pc];
	if (db->dw && st->kind != PM_STOP_EXEC && db->rc && db->rc->session_key == session_key(db))
		return NULL;
	return reopen_debug(db);
}

/* Should this stop end the command, or is it one of ours to run past? */
static bool keep_going(struct pmdb *db, const struct pm_stop *st)
{
	if (st->kind != PM_STOP_BREAKPOINT)
		return false;
	struct pm_bpt *b = pm_bpt_at(db, st->addr);
	if (!b) /* the loader's hook: a library came or went, resolved in settle() */
		return db->rc && st->addr == db->rc->dl_hook;
	if (b->temporary) {
		const struct pm_thread *th = &db->t->threads[st->thread];
		return th->tid != b->tid || th->regs[db->t->arch->sp] <= b->above_sp;
	}
	return false;
}

static struct pm_err *resume(struct pmdb *db, bool step)
{
	struct pm_stop st;
	for (;;) {
		uint64_t *addrs;
		size_t n = pm_bpts_addresses(db, &addrs);
		pm_live_set_breakpoints(db->t, addrs, n);
		free(addrs);
		struct pm_err *err = pm_live_resume(db->t, step, db->cur_thread, &st);
		int child;
		bool vfork;
		while (pm_live_next_fork(db->t, &child, &vfork))
			fprintf(db->out, "pmdb: detaching after %s from child process %d\n",
				vfork ? "vfork" : "fork", child);
		if (!err)
			err = settle(db, &st);
		if (err)
			return err;
		if (step || !keep_going(db, &st))
			break;
	}
	if (st.kind == PM_STOP_BREAKPOINT) {
		struct pm_bpt *b = pm_bpt_at(db, st.addr);
		if (b)
			b->hits++;
	}
	pm_bpts_drop_temporary(db);
	report(db, &st);
	return NULL;
}

struct pm_err *pm_cmd_run(struct pmdb *db, const struct pm_call *call)
{
	if (db->t && !db->t->live_pid)
		return pm_err_new(PM_ERR_GENERIC, ":r starts a program: this session has a dump open");
	if (!db->prog_argv)
		return pm_err_new(PM_ERR_GENERIC, ":r needs a program: start pmdb with one (pmdb PROG)");
	if (db->t) {                 /* run it again from the start */
		pm_dwarf_close(db->dw);
		db->dw = NULL;
		pm_target_close(db->t);
		db->t = NULL;
	}
	/* :r ARGS replaces the arguments given on pmdb's command line */
	if (call->argc > 1) {
		for (char **a = db->prog_argv + 1; *a; a++)
			free(*a);
		db->prog_argv = xrealloc(db->prog_argv, (size_t)(call->argc + 1) * sizeof(char *));
		for (int i = 1; i < call->argc; i++)
			db->prog_argv[i] = xstrdup(call->argv[i]);
		db->prog_argv[call->argc] = NULL;
	}
	struct pm_err *err = pm_live_spawn(db->prog_argv, &db->t);
	if (err)
		return err;
	struct pm_stop st = { .kind = PM_STOP_EXEC };
	if ((err = settle(db, &st)))
		return err;
	return resume(db, false);
}

/* :c [SIG]: SIG is handed to the stopped thread (0 discards the pending one). */
struct pm_err *pm_cmd_cont(struct pmdb *db, const struct pm_call *call)
{
	struct pm_err *err = need_live(db);
	if (err)
		return err;
	if (call->argc > 2)
		return pm_err_new(PM_ERR_SYNTAX, ":c takes at most a signal");
	if (call->argc == 2) {
		int sig = strcmp(call->argv[1], "0") == 0 ? 0 : pm_signal_parse(call->argv[1]);
		if (sig == 0 && strcmp(call->argv[1], "0") != 0)
			return pm_err_new(PM_ERR_SYNTAX, ":c: unknown signal '%s'", call->argv[1]);
		pm_live_set_pending_signal(db->t, db->cur_thread, sig);
	}
	return resume(db, false);
}

struct pm_err *pm_cmd_stepi(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_err *err = need_live(db);
	return err ? err : resume(db, true);
}

/* Run until the thread is back at ret with its stack above sp. */
static struct pm_err *run_to(struct pmdb *db, uint64_t ret, uint64_t sp)
{
	struct pm_bpt *b = pm_bpt_add(db, NULL, ret);
	b->temporary = true;
	b->tid = pm_cur_thread(db)->tid;
	b->above_sp = sp;
	return resume(db, false);
}

/* :e: over a call, else one instruction. */
struct pm_err *pm_cmd_stepover(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_err *err = need_live(db);
	if (err)
		return err;
	const struct pm_thread *th = pm_cur_thread(db);
	uint64_t pc = th->regs[db->t->arch->pc];
	struct pm_insn insn;
	if ((err = pm_insn_decode(db, pc, &insn)))
		return err;
	if (insn.kind != PM_INSN_CALL)
		return resume(db, true);
	/* the callee's frame is below the caller's sp: back when sp is higher */
	return run_to(db, pc + insn.size, th->regs[db->t->arch->sp] - 1);
}

static struct pm_err *step_out(struct pmdb *db)
{
	struct pm_err *err = need_live(db);
	if (err)
		return err;
	struct pm_stack s;
	if ((err = pm_dwarf_stack(db->dw, pm_cur_thread(db), &s)))
		return err;
	/* out of the function the pc is in (past the frames inlined into it):
	 * to its caller's return address, once the stack is above this frame */
	size_t j = 0;
	while (j < s.nframes && s.frames[j].kind == PM_FRAME_INLINE)
		j++;
	if (j + 1 >= s.nframes) {
		pm_stack_free(&s);
		return pm_err_new(PM_ERR_GENERIC, "::step out: this is the outermost frame");
	}
	uint64_t ret = s.frames[j + 1].pc, sp = pm_cur_thread(db)->regs[db->t->arch->sp];
	pm_stack_free(&s);
	return run_to(db, ret, sp);
}

/* ::step [over|out] */
struct pm_err *pm_cmd_step(struct pmdb *db, const struct pm_call *call)
{
	if (call->argc == 1)
		return pm_cmd_stepi(db, call);
	if (call->argc == 2 && strcmp(call->argv[1], "over") == 0)
		return pm_cmd_stepover(db, call);
	if (call->argc == 2 && strcmp(call->argv[1], "out") == 0)
		return step_out(db);
	return pm_err_new(PM_ERR_SYNTAX, "::step takes 'over' or 'out' (see ::help step)");
}

struct pm_err *pm_cmd_kill(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_err *err = need_live(db);
	if (err)
		return err;
	pm_live_set_pending_signal(db->t, db->cur_thread, 9);
	return resume(db, false);
}

struct pm_err *pm_cmd_release(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_err *err = need_live(db);
	if (err)
		return err;
	int pid = db->t->pid;
	pm_live_release(db->t);
	pm_dwarf_close(db->dw);
	db->dw = NULL;
	pm_target_close(db->t);
	db->t = NULL;
	fprintf(db->out, "pmdb: released pid %d, which runs on\n", pid);
	return NULL;
}

/* ::sigbp SIG ...: stop when it arrives; :i SIG ...: hand it over quietly;
 * ::sigbp alone lists the signals that are handed over without a stop. */
static struct pm_err *set_signals(struct pmdb *db, const struct pm_call *call, bool ignore)
{
	struct pm_err *err = need_live(db);
	if (err)
		return err;
	if (call->argc < 2) {
		fputs("handed over without stopping:", db->out);
		for (int s = 1; s < 64; s++)
			if (pm_live_signal_ignored(db->t, s))
				fprintf(db->out, " %s", pm_signal_name(s) ? pm_signal_name(s) : "?");
		fputc('\n', db->out);
		return NULL;
	}
	for (int i = 1; i < call->argc; i++)
		if (!pm_signal_parse(call->argv[i]))
			return pm_err_new(PM_ERR_SYNTAX, "unknown signal '%s'", call->argv[i]);
	for (int i = 1; i < call->argc; i++)
		pm_live_ignore_signal(db->t, pm_signal_parse(call->argv[i]), ignore);
	return NULL;
}

struct pm_err *pm_cmd_sigbp(struct pmdb *db, const struct pm_call *call)
{
	return set_signals(db, call, false);
}

struct pm_err *pm_cmd_sigignore(struct pmdb *db, const struct pm_call *call)
{
	return set_signals(db, call, true);
}
