/* :r: start a program under pmdb.  The child stops itself before exec;
 * pmdb seizes it (following its threads, forks and exec), lets it go, and
 * takes over at the exec stop: the first instruction of the dynamic
 * loader, before any library is loaded.  ASLR is off, as gdb has it by
 * default, so addresses are the same run after run. */
#include "live.h"
#include "../base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wait_for(pid_t pid, int *st, int flags)
{
	pid_t r;
	while ((r = waitpid(pid, st, __WALL | flags)) < 0 && errno == EINTR)
		;
	return r;
}

struct pm_err *pm_live_spawn(char *const argv[], struct pm_target **out)
{
	*out = NULL;
	if (access(argv[0], X_OK) != 0)
		return pm_err_new(PM_ERR_IO, "cannot run %s: %s", argv[0], strerror(errno));
	int errpipe[2];
	if (pipe2(errpipe, O_CLOEXEC) < 0)
		return pm_err_new(PM_ERR_IO, "cannot start %s: %s", argv[0], strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return pm_err_new(PM_ERR_IO, "cannot start %s: %s", argv[0], strerror(errno));
	if (pid == 0) {
		close(errpipe[0]);
		personality(ADDR_NO_RANDOMIZE);
		raise(SIGSTOP);
		execv(argv[0], argv);
		int e = errno;   /* tell the parent why, through the close-on-exec pipe */
		if (write(errpipe[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(errpipe[1]);
	int st;
	struct pm_err *err = NULL;
	/* not traced yet: its stop is only seen with WUNTRACED */
	if (wait_for(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
		err = pm_err_new(PM_ERR_IO, "cannot start %s: it did not stop before exec", argv[0]);
	else if (ptrace(PTRACE_SEIZE, pid, 0,
			(void *)(long)(PM_LIVE_TRACE_OPTIONS | PTRACE_O_EXITKILL)) < 0)
		err = pm_err_new(PM_ERR_IO, "cannot trace %s: %s", argv[0], strerror(errno));
	if (err) {
		kill(pid, SIGKILL);
		wait_for(pid, &st, 0);
		close(errpipe[0]);
		return err;
	}
	kill(pid, SIGCONT);
	/* until the exec stop: the SIGCONT's stops come first */
	for (;;) {
		if (wait_for(pid, &st, 0) != pid || WIFEXITED(st) || WIFSIGNALED(st)) {
			int e = 0;
			if (read(errpipe[0], &e, sizeof(e)) != sizeof(e))
				e = 0;
			close(errpipe[0]);
			return pm_err_new(PM_ERR_IO, "cannot run %s: %s", argv[0],
					  e ? strerror(e) : "it exited before exec");
		}
		if (st >> 16 == PTRACE_EVENT_EXEC)
			break;
		int sig = (st >> 16) == 0 && WSTOPSIG(st) != SIGSTOP && WSTOPSIG(st) != SIGCONT ? WSTOPSIG(st) : 0;
		ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig);
	}
	close(errpipe[0]);
	struct pm_target *t = pm_live_new(pid);
	struct pm_live *l = t->priv;
	l->spawned = true;
	vec_reserve(&t->threads, &t->threads_cap, 1, sizeof(*t->threads));
	vec_reserve(&l->pending, &l->pending_cap, 1, sizeof(*l->pending));
	memset(&t->threads[0], 0, sizeof(t->threads[0]));
	t->threads[0].tid = pid;
	l->pending[0] = 0;
	t->nthreads = 1;
	pm_live_guard_add(pid, 0);
	if (!(err = pm_live_read_regs(t, &t->threads[0])))
		err = pm_live_finish_open(t);
	if (err) {
		pm_target_close(t);
		return err;
	}
	*out = t;
	return NULL;
}

/* After a SIGKILL: reap every thread, the leader last (it is reported only
 * once the others are).  /proc lists the threads still to reap, even one
 * whose creation pmdb had not seen; bounded, should one never come. */
void pm_live_reap_killed(int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	for (int round = 0; round < 2000; round++) {
		if (waitpid(pid, NULL, __WALL | WNOHANG) == pid)
			return;
		DIR *dir = opendir(path);
		struct dirent *de;
		while (dir && (de = readdir(dir)) != NULL) {
			int tid = atoi(de->d_name);
			if (tid > 0 && tid != pid)
				waitpid(tid, NULL, __WALL | WNOHANG);
		}
		if (dir)
			closedir(dir);
		else if (errno == ENOENT)
			return;
		struct timespec nap = { 0, 5 * 1000 * 1000 };
		nanosleep(&nap, NULL);
	}
}
