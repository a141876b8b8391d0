/* Run control of a live process: resume every thread (or step one) with
 * the breakpoints written in, wait for the first event worth stopping for,
 * then stop every other thread and take the breakpoints out again.  While
 * pmdb has the prompt, the process is stopped and its text is its own:
 * breakpoints are only in memory while it runs (gdb's "always-inserted
 * off"), so memory reads, ::dis and a core written then show no int3. */
#include "live.h"
#include "../base/util.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#define SI_KERNEL_TRAP 0x80   /* si_code of the SIGTRAP an int3 raises */

static ssize_t thread_index(const struct pm_target *t, int tid)
{
	for (size_t i = 0; i < t->nthreads; i++)
		if (t->threads[i].tid == tid)
			return (ssize_t)i;
	return -1;
}

static void add_thread(struct pm_target *t, int tid)
{
	struct pm_live *l = t->priv;
	vec_reserve(&t->threads, &t->threads_cap, t->nthreads + 1, sizeof(*t->threads));
	vec_reserve(&l->pending, &l->pending_cap, t->nthreads + 1, sizeof(*l->pending));
	vec_reserve(&l->running, &l->running_cap, t->nthreads + 1, sizeof(*l->running));
	memset(&t->threads[t->nthreads], 0, sizeof(*t->threads));
	t->threads[t->nthreads].tid = tid;
	l->pending[t->nthreads] = 0;
	l->running[t->nthreads] = false;
	t->nthreads++;
	pm_live_guard_add(tid, 0);
}

static void drop_thread(struct pm_target *t, size_t i)
{
	struct pm_live *l = t->priv;
	pm_live_guard_remove(t->threads[i].tid);
	free((void *)t->threads[i].fpregs);
	free((void *)t->threads[i].xstate);
	t->nthreads--;
	memmove(&t->threads[i], &t->threads[i + 1], (t->nthreads - i) * sizeof(*t->threads));
	memmove(&l->pending[i], &l->pending[i + 1], (t->nthreads - i) * sizeof(*l->pending));
	memmove(&l->running[i], &l->running[i + 1], (t->nthreads - i) * sizeof(*l->running));
}

static bool get_pc(int tid, uint64_t *pc)
{
	struct user_regs_struct r;
	struct iovec iov = { &r, sizeof(r) };
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return false;
	*pc = r.rip;
	return true;
}

static bool set_pc(int tid, uint64_t pc)
{
	struct user_regs_struct r;
	struct iovec iov = { &r, sizeof(r) };
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return false;
	r.rip = pc;
	return ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &iov) == 0;
}

/* Poke one byte through the aligned word around it (never past a page). */
bool pm_live_poke_byte(int tid, uint64_t addr, uint8_t byte, uint8_t *old)
{
	uint64_t word_at = addr & ~7ull;
	errno = 0;
	long w = ptrace(PTRACE_PEEKDATA, tid, (void *)word_at, 0);
	if (errno)
		return false;
	unsigned shift = (unsigned)(addr - word_at) * 8;
	if (old)
		*old = (uint8_t)((unsigned long)w >> shift);
	unsigned long nw = ((unsigned long)w & ~(0xfful << shift)) | ((unsigned long)byte << shift);
	return ptrace(PTRACE_POKEDATA, tid, (void *)word_at, (void *)nw) == 0;
}

void pm_live_set_breakpoints(struct pm_target *t, const uint64_t *addrs, size_t n)
{
	struct pm_live *l = t->priv;
	free(l->bp_addr);
	free(l->bp_orig);
	l->bp_addr = n ? xmalloc(n * sizeof(*l->bp_addr)) : NULL;
	l->bp_orig = n ? xcalloc(n, 1) : NULL;
	l->nbp = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < l->nbp; j++)
			dup |= l->bp_addr[j] == addrs[i];
		if (!dup)
			l->bp_addr[l->nbp++] = addrs[i];
	}
}

static bool is_breakpoint(const struct pm_live *l, uint64_t addr)
{
	for (size_t i = 0; i < l->nbp; i++)
		if (l->bp_addr[i] == addr)
			return true;
	return false;
}

struct pm_err *pm_live_insert_breakpoints(struct pm_target *t, int tid)
{
	struct pm_live *l = t->priv;
	for (size_t i = 0; i < l->nbp; i++) {
		if (!pm_live_poke_byte(tid, l->bp_addr[i], 0xcc, &l->bp_orig[i])) {
			struct pm_err *err = pm_err_new(PM_ERR_FAULT, "cannot set a breakpoint at 0x%llx: %s",
							(unsigned long long)l->bp_addr[i], strerror(errno));
			while (i-- > 0)
				pm_live_poke_byte(tid, l->bp_addr[i], l->bp_orig[i], NULL);
			return err;
		}
	}
	l->bp_inserted = true;
	return NULL;
}

void pm_live_remove_breakpoints(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	if (!l->bp_inserted || !t->nthreads)
		return;
	for (size_t i = l->nbp; i-- > 0;)
		pm_live_poke_byte(t->threads[0].tid, l->bp_addr[i], l->bp_orig[i], NULL);
	l->bp_inserted = false;
}

/* tid reported PTRACE_EVENT_CLONE: its new thread joins the list, its first
 * stop still to come.  false if it was already known (its stop came first). */
static bool note_clone(struct pm_target *t, int tid)
{
	struct pm_live *l = t->priv;
	unsigned long child;
	if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) != 0 || thread_index(t, (int)child) >= 0)
		return false;
	add_thread(t, (int)child);
	l->running[t->nthreads - 1] = true;
	return true;
}

static struct pm_err *ptrace_error(const char *what, int tid)
{
	return pm_err_new(PM_ERR_IO, "cannot %s thread %d: %s", what, tid, strerror(errno));
}

/* The whole process is gone: no threads left to stop or read. */
static void process_ended(struct pm_target *t, int st, struct pm_stop *stop)
{
	struct pm_live *l = t->priv;
	stop->kind = WIFEXITED(st) ? PM_STOP_EXITED : PM_STOP_KILLED;
	stop->status = WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st);
	while (t->nthreads)
		drop_thread(t, t->nthreads - 1);
	l->exited = true;
}

static bool should_stop(const struct pm_live *l, int sig)
{
	return sig > 0 && sig < 64 && !((l->sig_ignored >> sig) & 1);
}

/* A signal-delivery-stop of thread i during a run: an int3 of ours, a
 * signal to stop for, or one to hand over and go on (false). */
static bool classify(struct pm_target *t, size_t i, int sig, struct pm_stop *stop)
{
	struct pm_live *l = t->priv;
	int tid = t->threads[i].tid;
	if (sig == SIGTRAP) {
		siginfo_t si;
		uint64_t pc;
		if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) == 0 && si.si_code == SI_KERNEL_TRAP &&
		    get_pc(tid, &pc) && is_breakpoint(l, pc - 1)) {
			set_pc(tid, pc - 1);       /* back onto the instruction */
			stop->kind = PM_STOP_BREAKPOINT;
			stop->thread = i;
			stop->addr = pc - 1;
			return true;
		}
	}
	if (sig == SIGINT && l->ctrl_c_echo) {
		/* the terminal's SIGINT of a Ctrl-C pmdb has already stopped for,
		 * left queued behind the interrupt: not handed over, no stop */
		siginfo_t si;
		if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) == 0 && si.si_code == SI_KERNEL) {
			l->ctrl_c_echo = false;
			l->pending[i] = 0;
			return false;
		}
	}
	if (!should_stop(l, sig)) {
		l->pending[i] = sig;
		return false;
	}
	l->pending[i] = sig;
	stop->kind = PM_STOP_SIGNAL;
	stop->thread = i;
	stop->signo = sig;
	return true;
}

static struct pm_err *resume_thread(struct pm_target *t, size_t i, bool step)
{
	struct pm_live *l = t->priv;
	int tid = t->threads[i].tid;
	if (ptrace(step ? PTRACE_SINGLESTEP : PTRACE_CONT, tid, 0, (void *)(long)l->pending[i]) < 0) {
		if (errno == ESRCH)
			return NULL;    /* it is exiting: its exit is reported to the wait */
		return ptrace_error("resume", tid);
	}
	l->pending[i] = 0;
	l->running[i] = true;
	return NULL;
}

/* Stop every thread still running, keeping what each reports: a signal
 * it was about to take stays pending; an int3 of ours is undone (it will
 * be hit again); new threads join stopped. */
static void stop_all(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	for (size_t i = 0; i < t->nthreads; i++)
		if (l->running[i])
			ptrace(PTRACE_INTERRUPT, t->threads[i].tid, 0, 0);
	for (;;) {
		bool any = false;
		for (size_t i = 0; i < t->nthreads; i++)
			any |= l->running[i];
		int st, tid = any ? pm_live_wait(t, 0, &st, false) : -1;
		if (tid <= 0)
			return;
		ssize_t i = thread_index(t, tid);
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (i >= 0)
				drop_thread(t, (size_t)i);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (i < 0)
			continue;
		l->running[i] = false;
		int event = st >> 16;
		if (event == PTRACE_EVENT_CLONE) {
			note_clone(t, tid);
		} else if (pm_live_is_fork_event(event)) {
			pm_live_fork_event(t, tid, event);
		} else if (event == 0) {
			struct pm_stop ignored = { 0 };
			classify(t, (size_t)i, WSTOPSIG(st), &ignored);
			if (ignored.kind == PM_STOP_BREAKPOINT)
				l->pending[i] = 0;
		}
	}
}

/* Step thread i alone over one instruction, breakpoints out. */
static struct pm_err *step_one(struct pm_target *t, size_t i, struct pm_stop *stop)
{
	struct pm_live *l = t->priv;
	int tid = t->threads[i].tid;
	struct pm_err *err = resume_thread(t, i, true);
	if (err)
		return err;
	bool interrupted = false;
	for (;;) {
		int st;
		pid_t r = pm_live_wait(t, tid, &st, !interrupted);
		if (r == 0) {               /* Ctrl-C: a step that blocks (a read) stops */
			interrupted = true;
			ptrace(PTRACE_INTERRUPT, tid, 0, 0);
			continue;
		}
		if (r < 0)
			return ptrace_error("wait for", tid);
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (tid == l->pid) {
				process_ended(t, st, stop);
			} else {
				drop_thread(t, i);
				stop->kind = PM_STOP_THREAD_EXITED;
			}
			return NULL;
		}
		l->running[i] = false;
		int event = st >> 16;
		if (pm_live_is_fork_event(event) && !interrupted) {
			pm_live_fork_event(t, tid, event);
			if ((err = resume_thread(t, i, true)))   /* the step goes on */
				return err;
			continue;
		}
		if (event == PTRACE_EVENT_CLONE) {
			if (note_clone(t, tid))
				stop_all(t);
			stop->kind = PM_STOP_STEPPED;
		} else if (interrupted) {
			if (pm_live_is_fork_event(event))
				pm_live_fork_event(t, tid, event);
			stop->kind = PM_STOP_INTERRUPTED;
		} else if (event == PTRACE_EVENT_EXEC) {
			stop->kind = PM_STOP_EXEC;
		} else if (event == 0 && WSTOPSIG(st) != SIGTRAP) {
			l->pending[i] = WSTOPSIG(st);
			stop->kind = PM_STOP_SIGNAL;
			stop->signo = WSTOPSIG(st);
		} else {
			stop->kind = PM_STOP_STEPPED;
		}
		stop->thread = i;
		return NULL;
	}
}

static struct pm_err *refresh(struct pm_target *t)
{
	for (size_t i = 0; i < t->nthreads; i++) {
		struct pm_err *err = pm_live_read_regs(t, &t->threads[i]);
		if (err)
			return err;
	}
	pm_live_reload_maps(t);
	return NULL;
}

/* Run every thread until an event to stop for. */
static struct pm_err *run(struct pm_target *t, struct pm_stop *stop)
{
	struct pm_live *l = t->priv;
	/* a thread sitting on a breakpoint first steps off it */
	for (size_t i = 0; i < t->nthreads; i++) {
		uint64_t pc;
		if (!get_pc(t->threads[i].tid, &pc) || !is_breakpoint(l, pc))
			continue;
		struct pm_err *err = step_one(t, i, stop);
		if (err || stop->kind != PM_STOP_STEPPED)
			return err;
	}
	if (!t->nthreads)
		return NULL;
	/* while a vfork child shares the memory, the breakpoints stay out */
	struct pm_err *err = l->vfork_lifted ? NULL : pm_live_insert_breakpoints(t, t->threads[0].tid);
	l->bp_wanted = !err;
	for (size_t i = 0; !err && i < t->nthreads; i++)
		err = resume_thread(t, i, false);
	if (err) {
		stop_all(t);
		l->bp_wanted = false;
		pm_live_remove_breakpoints(t);
		return err;
	}
	for (;;) {
		int st, tid = pm_live_wait(t, 0, &st, true);
		if (tid == 0) {                    /* Ctrl-C */
			ssize_t leader = thread_index(t, l->pid);
			stop->kind = PM_STOP_INTERRUPTED;
			stop->thread = leader >= 0 ? (size_t)leader : 0;
			break;
		}
		if (tid < 0) {
			l->bp_wanted = false;
			return pm_err_new(PM_ERR_IO, "lost the process: %s", strerror(errno));
		}
		ssize_t i = thread_index(t, tid);
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (tid == l->pid) {
				process_ended(t, st, stop);
				l->bp_inserted = l->bp_wanted = false;
				return NULL;
			}
			if (i >= 0)
				drop_thread(t, (size_t)i);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (i < 0)
			continue;
		l->running[i] = false;
		int event = st >> 16;
		if (event == PTRACE_EVENT_CLONE || pm_live_is_fork_event(event)) {
			if (event == PTRACE_EVENT_CLONE)
				note_clone(t, tid);
			else
				pm_live_fork_event(t, tid, event);
			resume_thread(t, (size_t)i, false);
			continue;
		}
		if (event == PTRACE_EVENT_EXEC) {
			/* the other threads are gone; breakpoints went with the old image */
			l->bp_inserted = false;
			l->vfork_lifted = 0;
			stop->kind = PM_STOP_EXEC;
			stop->thread = (size_t)i;
			break;
		}
		if (event != 0) {                  /* a group-stop or a late interrupt */
			resume_thread(t, (size_t)i, false);
			continue;
		}
		if (classify(t, (size_t)i, WSTOPSIG(st), stop))
			break;
		resume_thread(t, (size_t)i, false);
	}
	int stopped_tid = t->threads[stop->thread].tid;
	stop_all(t);
	l->bp_wanted = false;
	pm_live_remove_breakpoints(t);
	ssize_t now = thread_index(t, stopped_tid);   /* threads may have come and gone */
	stop->thread = now >= 0 ? (size_t)now : 0;
	return NULL;
}

struct pm_err *pm_live_resume(struct pm_target *t, bool step, size_t thread, struct pm_stop *stop)
{
	struct pm_live *l = t->priv;
	memset(stop, 0, sizeof(*stop));
	if (!t->live_pid)
		return pm_err_new(PM_ERR_GENERIC, "run control needs a live process (pmdb -p PID, or :r)");
	if (l->exited || !t->nthreads)
		return pm_err_new(PM_ERR_GENERIC, "the process has exited");
	if (l->nostop)
		return pm_err_new(PM_ERR_GENERIC, "-o nostop: pmdb does not hold the process, so it cannot run it");
	vec_reserve(&l->running, &l->running_cap, t->nthreads, sizeof(*l->running));
	memset(l->running, 0, t->nthreads * sizeof(*l->running));
	pm_live_guard_running(true);
	struct pm_err *err = step ? step_one(t, thread < t->nthreads ? thread : 0, stop) : run(t, stop);
	/* From a terminal the program got the Ctrl-C's SIGINT too: it is not
	 * handed over (gdb: handle SIGINT nopass) */
	if (pm_live_guard_interrupted() && !l->exited) {
		l->ctrl_c_echo = true;
		for (size_t i = 0; i < t->nthreads; i++)
			if (l->pending[i] == SIGINT) {
				l->pending[i] = 0;
				l->ctrl_c_echo = false;
			}
	}
	pm_live_guard_running(false);
	if (!err && !l->exited)
		err = refresh(t);
	if (!err && stop->kind == PM_STOP_SIGNAL) {
		siginfo_t si;
		t->has_siginfo = ptrace(PTRACE_GETSIGINFO, t->threads[stop->thread].tid, 0, &si) == 0;
		if (t->has_siginfo)
			t->siginfo = (struct pm_siginfo){ si.si_signo, si.si_code, si.si_errno,
							  (uint64_t)(uintptr_t)si.si_addr, si.si_pid, (int)si.si_uid };
	} else {
		t->has_siginfo = false;
	}
	return err;
}

void pm_live_discard_signal(struct pm_target *t, size_t thread)
{
	struct pm_live *l = t->priv;
	if (thread < t->nthreads)
		l->pending[thread] = 0;
}

void pm_live_set_pending_signal(struct pm_target *t, size_t thread, int sig)
{
	struct pm_live *l = t->priv;
	if (thread < t->nthreads)
		l->pending[thread] = sig;
}

void pm_live_ignore_signal(struct pm_target *t, int sig, bool ignore)
{
	struct pm_live *l = t->priv;
	if (sig <= 0 || sig >= 64)
		return;
	if (ignore)
		l->sig_ignored |= 1ull << sig;
	else
		l->sig_ignored &= ~(1ull << sig);
}

bool pm_live_signal_ignored(const struct pm_target *t, int sig)
{
	const struct pm_live *l = t->priv;
	return sig > 0 && sig < 64 && ((l->sig_ignored >> sig) & 1);
}

bool pm_live_exited(const struct pm_target *t)
{
	const struct pm_live *l = t->priv;
	return t->live_pid && l->exited;
}
