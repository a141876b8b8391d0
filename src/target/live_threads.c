/* Stopping a live process: PTRACE_SEIZE and PTRACE_INTERRUPT on every
 * thread of /proc/PID/task (listed again until no new thread appears),
 * then its registers and FP state with PTRACE_GETREGSET. */
#include "live.h"
#include "../base/util.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

static bool attached(const struct pm_target *t, int tid)
{
	return pm_target_thread((struct pm_target *)t, tid) != NULL;
}

/* Wait until tid stops; *sig is a signal it was about to take, which
 * must be handed back on detach.  false: the thread is gone. */
static bool wait_stop(int tid, int *sig)
{
	*sig = 0;
	for (;;) {
		int st;
		pid_t r = waitpid(tid, &st, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || WIFEXITED(st) || WIFSIGNALED(st))
			return false;
		if (!WIFSTOPPED(st))
			continue;
		/* PTRACE_EVENT_STOP: our interrupt, or a job-control stop the
		 * process was already in (it stays stopped after detach) */
		if (st >> 16 != PTRACE_EVENT_STOP)
			*sig = WSTOPSIG(st);
		return true;
	}
}

struct pm_err *pm_live_read_regs(struct pm_target *t, struct pm_thread *th)
{
	free((void *)th->fpregs);
	free((void *)th->xstate);
	th->fpregs = th->xstate = NULL;
	struct user_regs_struct regs;
	struct iovec iov = { &regs, sizeof(regs) };
	if (ptrace(PTRACE_GETREGSET, th->tid, (void *)NT_PRSTATUS, &iov) < 0)
		return pm_err_new(PM_ERR_IO, "cannot read the registers of thread %d: %s", th->tid,
				  strerror(errno));
	if (iov.iov_len != sizeof(regs))
		return pm_err_new(PM_ERR_FORMAT, "thread %d is not a 64-bit thread (its registers are %zu bytes): "
				  "pmdb reads x86-64 processes", th->tid, iov.iov_len);
	const uint64_t *words = (const uint64_t *)&regs;
	for (size_t i = 0; i < t->arch->nregs && i < sizeof(regs) / 8; i++)
		th->regs[i] = words[i] & t->arch->regs[i].mask;

	unsigned char *fp = xmalloc(sizeof(struct user_fpregs_struct));
	iov = (struct iovec){ fp, sizeof(struct user_fpregs_struct) };
	if (ptrace(PTRACE_GETREGSET, th->tid, (void *)NT_PRFPREG, &iov) == 0) {
		th->fpregs = fp;
		th->fpregs_len = iov.iov_len;
	} else {
		free(fp);
	}
	size_t xmax = 64 * 1024;
	unsigned char *xs = xmalloc(xmax);
	iov = (struct iovec){ xs, xmax };
	if (ptrace(PTRACE_GETREGSET, th->tid, (void *)NT_X86_XSTATE, &iov) == 0) {
		th->xstate = xs;
		th->xstate_len = iov.iov_len;
	} else {
		free(xs);
	}
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* -o nostop: read what must be consistent while the thread is stopped
 * (registers, the top of its stack), then detach from it at once. */
static struct pm_err *let_go(struct pm_target *t, struct pm_thread *th, int sig, uint64_t t0)
{
	struct pm_live *l = t->priv;
	struct pm_err *err = pm_live_read_regs(t, th);
	if (!err)
		pm_live_snapshot_stack(t, th);
	ptrace(PTRACE_DETACH, th->tid, 0, (void *)(long)sig);
	pm_live_guard_remove(th->tid);
	uint64_t took = now_ns() - t0;
	if (took > l->stop_max_ns)
		l->stop_max_ns = took;
	return err;
}

/* Yama's ptrace_scope, or -1 without Yama. */
static int ptrace_scope(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
	int v = -1;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static struct pm_err *seize_error(int pid, int tid, int err)
{
	if (err != EPERM)
		return pm_err_new(PM_ERR_IO, "cannot attach to pid %d (thread %d): %s", pid, tid,
				  strerror(err));
	int scope = ptrace_scope();
	const char *why = scope >= 3 ? "ptrace_scope is 3: no process may attach to another"
		: scope == 2 ? "ptrace_scope is 2: only root (CAP_SYS_PTRACE) may attach"
		: scope == 1 ? "ptrace_scope is 1: only a parent, root (CAP_SYS_PTRACE) or a process the "
			       "target allowed with PR_SET_PTRACER may attach"
		: "a process of another user, or a setuid program, needs root (CAP_SYS_PTRACE)";
	return pm_err_new(PM_ERR_IO, "cannot attach to pid %d (thread %d): permission denied (%s; "
			  "see /proc/sys/kernel/yama/ptrace_scope)", pid, tid, why);
}

/* Attach the threads of /proc/PID/task not attached yet; *added counts them. */
static struct pm_err *attach_listed(struct pm_target *t, size_t *added)
{
	struct pm_live *l = t->priv;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", l->pid);
	DIR *dir = opendir(path);
	if (!dir)
		return pm_err_new(PM_ERR_IO, "cannot list the threads of pid %d: %s", l->pid, strerror(errno));
	struct pm_err *err = NULL;
	struct dirent *de;
	while (!err && (de = readdir(dir)) != NULL) {
		int tid = atoi(de->d_name);
		if (tid <= 0 || attached(t, tid))
			continue;
		if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)PM_LIVE_TRACE_OPTIONS) < 0) {
			if (errno != ESRCH)   /* ESRCH: the thread has just exited */
				err = seize_error(l->pid, tid, errno);
			continue;
		}
		pm_live_guard_add(tid, 0);
		int sig;
		uint64_t t0 = now_ns();
		if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 || !wait_stop(tid, &sig)) {
			pm_live_guard_remove(tid);
			continue;
		}
		pm_live_guard_add(tid, sig);
		vec_reserve(&t->threads, &t->threads_cap, t->nthreads + 1, sizeof(*t->threads));
		vec_reserve(&l->pending, &l->pending_cap, t->nthreads + 1, sizeof(*l->pending));
		struct pm_thread *th = &t->threads[t->nthreads];
		memset(th, 0, sizeof(*th));
		th->tid = tid;
		l->pending[t->nthreads] = sig;
		t->nthreads++;
		(*added)++;
		if (l->nostop)
			err = let_go(t, th, sig, t0);
	}
	closedir(dir);
	return err;
}

static int thread_cmp(const void *a, const void *b)
{
	const struct pm_thread *x = a, *y = b;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

struct pm_err *pm_live_attach(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	size_t added;
	do {
		added = 0;
		struct pm_err *err = attach_listed(t, &added);
		if (err)
			return err;
	} while (added);
	if (!t->nthreads)
		return pm_err_new(PM_ERR_IO, "pid %d exited while pmdb attached to it", l->pid);
	/* the pending signals stay with their threads */
	for (size_t i = 0; i < t->nthreads; i++)
		t->threads[i].cursig = l->pending[i];
	qsort(t->threads, t->nthreads, sizeof(*t->threads), thread_cmp);
	for (size_t i = 0; i < t->nthreads; i++) {
		l->pending[i] = t->threads[i].cursig;
		t->threads[i].cursig = 0;
		struct pm_err *err = l->nostop ? NULL : pm_live_read_regs(t, &t->threads[i]);
		if (err)
			return err;
	}
	if (l->nostop)
		pm_live_snapshots_done(t);
	return NULL;
}

void pm_live_detach(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	if (l->nostop || l->exited)
		return;   /* each thread was let go when it was read, or is gone */
	for (size_t i = 0; i < t->nthreads; i++) {
		if (!t->threads[i].tid)
			continue;
		ptrace(PTRACE_DETACH, t->threads[i].tid, 0, (void *)(long)l->pending[i]);
		pm_live_guard_remove(t->threads[i].tid);
	}
}
