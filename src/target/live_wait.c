/* Waiting for the traced threads only.  waitpid(-1) would also reap a
 * child of pmdb's own, so each known thread is asked in turn with WNOHANG,
 * and between rounds pmdb sleeps until a SIGCHLD (every stop of a tracee
 * sends one to its tracer), a SIGINT, or a short timeout as a backstop. */
#include "live.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

/* One round over the threads: a tid with *st, 0 when none has news, -1
 * when none is left to wait for. */
static int poll_threads(struct pm_target *t, int only_tid, int *st)
{
	bool any = false;
	for (size_t i = 0; i < t->nthreads; i++) {
		int tid = t->threads[i].tid;
		if (only_tid && tid != only_tid)
			continue;
		pid_t r = waitpid(tid, st, __WALL | WNOHANG);
		if (r > 0)
			return r;
		if (r == 0) {
			any = true;
		} else if (errno == ECHILD && tid != t->live_pid) {
			*st = 0;     /* replaced by an exec in another thread: no report comes */
			return tid;
		}
	}
	return any ? 0 : -1;
}

int pm_live_wait(struct pm_target *t, int only_tid, int *st, bool interruptible)
{
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	/* blocked, a SIGCHLD sent between the round and the sleep stays pending */
	sigprocmask(SIG_BLOCK, &chld, &old);
	int r;
	for (;;) {
		if (interruptible && pm_live_guard_interrupted()) {
			r = 0;
			break;
		}
		r = poll_threads(t, only_tid, st);
		if (r != 0) {
			if (r < 0)
				errno = ECHILD;
			break;
		}
		struct timespec nap = { 0, 50 * 1000 * 1000 };
		sigtimedwait(&chld, NULL, &nap);
	}
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return r;
}
