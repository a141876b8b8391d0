/* pmdb never leaves a process stopped: every thread it attached is
 * detached when pmdb exits (atexit), is told to stop (SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT) or crashes (SIGSEGV, SIGBUS, SIGABRT, ...).  The
 * handlers only make ptrace system calls, which are async-signal-safe,
 * then die of the same signal.  Should pmdb be killed outright, the
 * kernel detaches it, and a PTRACE_SEIZEd thread then runs on.  While the
 * process runs (:c), SIGINT is Ctrl-C: it only sets a flag, and the run
 * loop stops the process and gives the prompt back. */
#include "live.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#define GUARD_MAX 8192

static struct {
	volatile sig_atomic_t tid;
	volatile sig_atomic_t sig;
} guarded[GUARD_MAX];
static volatile sig_atomic_t nguarded;
static volatile sig_atomic_t running, interrupted;

static const int fatal_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE,
	SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTRAP, SIGSYS,
};

static void detach_all(void)
{
	for (sig_atomic_t i = 0; i < nguarded; i++) {
		int tid = guarded[i].tid;
		if (tid > 0) {
			syscall(SYS_ptrace, PTRACE_DETACH, tid, 0, (long)guarded[i].sig);
			guarded[i].tid = 0;
		}
	}
}

static void on_signal(int sig)
{
	if (sig == SIGINT && running) {   /* Ctrl-C while it runs: stop it, as gdb does */
		interrupted = 1;
		return;
	}
	detach_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	atexit(detach_all);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* Once in the handler, any other of these signals waits: the
	 * detaching is not interrupted half-way. */
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(*fatal_signals); i++)
		sigaddset(&sa.sa_mask, fatal_signals[i]);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(*fatal_signals); i++) {
		struct sigaction old;
		/* a signal the user had ignored (nohup) stays ignored */
		if (sigaction(fatal_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(fatal_signals[i], &sa, NULL);
	}
}

void pm_live_guard_add(int tid, int sig)
{
	install();
	for (sig_atomic_t i = 0; i < nguarded; i++)
		if (guarded[i].tid == tid) {
			guarded[i].sig = sig;
			return;
		}
	if (nguarded >= GUARD_MAX)
		return;
	guarded[nguarded].sig = sig;
	guarded[nguarded].tid = tid;
	nguarded++;
}

void pm_live_guard_remove(int tid)
{
	for (sig_atomic_t i = 0; i < nguarded; i++)
		if (guarded[i].tid == tid)
			guarded[i].tid = 0;
}

void pm_live_guard_running(bool on)
{
	interrupted = 0;
	running = on;
}

bool pm_live_guard_interrupted(void)
{
	return interrupted;
}
