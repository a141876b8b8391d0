/* A traced program forks: pmdb does what gdb does by default (follow-fork-
 * mode parent, detach-on-fork on).  The child, traced from birth because
 * of PTRACE_O_TRACEFORK, gets the original bytes back where the parent had
 * breakpoints written in (its memory is a copy), and is let go: without
 * this it would die of SIGTRAP at the first breakpoint it reached.  A
 * vfork child shares the parent's memory, so the breakpoints come out of
 * the parent until the child has exec'd or exited (PTRACE_EVENT_VFORK_DONE).
 * Each child is noted for the report: pm_live_next_fork. */
#include "live.h"
#include "../base/util.h"

#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

bool pm_live_is_fork_event(int event)
{
	return event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
	       event == PTRACE_EVENT_VFORK_DONE;
}

/* The child's first stop, which comes whatever it does. false: it is gone. */
static bool child_stopped(int child)
{
	for (;;) {
		int st;
		pid_t r = waitpid(child, &st, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		return r == child && WIFSTOPPED(st);
	}
}

void pm_live_fork_event(struct pm_target *t, int tid, int event)
{
	struct pm_live *l = t->priv;
	if (event == PTRACE_EVENT_VFORK_DONE) {
		/* the memory is the parent's own again */
		if (l->vfork_lifted && --l->vfork_lifted == 0 && l->bp_wanted)
			pm_live_insert_breakpoints(t, tid);
		return;
	}
	unsigned long child;
	if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) != 0 || child == 0)
		return;
	bool vfork = event == PTRACE_EVENT_VFORK;
	if (vfork && (l->bp_inserted || l->vfork_lifted)) {
		pm_live_remove_breakpoints(t);
		l->vfork_lifted++;
	}
	if (!child_stopped((int)child))
		return;
	if (l->bp_inserted)
		for (size_t i = l->nbp; i-- > 0;)
			pm_live_poke_byte((int)child, l->bp_addr[i], l->bp_orig[i], NULL);
	ptrace(PTRACE_DETACH, (int)child, 0, 0);
	vec_reserve(&l->forks, &l->forks_cap, l->nforks + 1, sizeof(*l->forks));
	l->forks[l->nforks++] = (struct pm_fork){ (int)child, vfork };
}

bool pm_live_next_fork(struct pm_target *t, int *pid, bool *vfork)
{
	struct pm_live *l = t->priv;
	if (!t->live_pid || !l->nforks)
		return false;
	*pid = l->forks[0].pid;
	*vfork = l->forks[0].vfork;
	l->nforks--;
	memmove(&l->forks[0], &l->forks[1], l->nforks * sizeof(*l->forks));
	return true;
}
