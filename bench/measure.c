/*
 * measure: run one command and report its wall time and peak RSS.
 *
 *   measure OUTFILE TIMEOUT_SECONDS COMMAND [ARG...]
 *
 * COMMAND's stdout and stderr go to OUTFILE, its stdin is /dev/null.  On
 * stdout, one line: "WALL_NS MAXRSS_KIB STATUS TIMED_OUT", STATUS being the
 * exit status or minus the signal number.  MAXRSS is wait4(2)'s ru_maxrss
 * for that child alone.
 *
 * Why not fork from Python and os.wait4() there: at execve() the kernel
 * folds the old address space's RSS high-water mark into the process's
 * ru_maxrss, so a child forked (or vforked) from the ~10 MB Python would
 * never report less than Python's own peak.  Forked from this small static
 * program, the floor is a few hundred KiB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
on_alarm(int sig)
{
	(void) sig;	/* only interrupts wait4() */
}

int
main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: measure OUTFILE TIMEOUT_SECONDS COMMAND [ARG...]\n");
		return 2;
	}
	int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out < 0 || in < 0) {
		perror(argv[1]);
		return 2;
	}
	unsigned timeout = (unsigned) strtoul(argv[2], NULL, 10);
	struct sigaction sa;
	memset(&sa, 0, sizeof (sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		execvp(argv[3], argv + 3);
		dprintf(out, "measure: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	alarm(timeout);
	int status, timed_out = 0;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("wait4");
			return 2;
		}
		timed_out = 1;
		kill(pid, SIGKILL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	alarm(0);
	long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	int st = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
	printf("%lld %ld %d %d\n", ns, ru.ru_maxrss, st, timed_out);
	return 0;
}
