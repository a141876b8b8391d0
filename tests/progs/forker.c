/* A program that forks (tests/test_runctl_fork.py): the child calls work(),
 * which the debugger has a breakpoint on, and writes "PID VALUE" to the
 * marker file argv[1]; the parent waits for it, calls work() itself and
 * prints how the child ended.  With "spawn" as argv[2], it also starts a
 * shell through posix_spawn (a vfork: the child shares its memory).  With
 * "loop", it prints "ready" and does it all again every 20 ms, for a
 * debugger to attach to, appending "child PID status S" to the marker. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

__attribute__((noinline)) int work(int n)
{
	return n * 2;
}

static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A child that calls work() and writes its pid and the value to the marker
 * (mode "w" or "a"); the pid of the child, whose exit status is in *st. */
static pid_t fork_child(const char *marker, const char *mode, int *st)
{
	pid_t c = fork();
	if (c == 0) {
		int v = work(21);
		FILE *f = fopen(marker, mode);
		if (!f)
			_exit(3);
		fprintf(f, "%d %d\n", (int)getpid(), v);
		fclose(f);
		_exit(0);
	}
	*st = 0;
	waitpid(c, st, 0);
	return c;
}

/* Forever: a child that calls work() and appends its pid and value, the
 * parent's note of how it ended, and work() in the parent. */
static int loop(const char *marker)
{
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int st;
		pid_t c = fork_child(marker, "a", &st);
		FILE *f = fopen(marker, "a");
		if (f) {
			fprintf(f, "child %d status %d\n", (int)c, status_of(st));
			fclose(f);
		}
		work(1);
		usleep(20000);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (argc > 2 && strcmp(argv[2], "loop") == 0)
		return loop(argv[1]);
	int st;
	pid_t c = fork_child(argv[1], "w", &st);
	printf("child %d status %d\n", (int)c, status_of(st));
	if (argc > 2 && strcmp(argv[2], "spawn") == 0) {
		char *sh[] = { "/bin/sh", "-c", "exit 7", NULL };
		pid_t s;
		if (posix_spawn(&s, "/bin/sh", NULL, NULL, sh, environ) == 0 && waitpid(s, &st, 0) == s)
			printf("spawned %d status %d\n", (int)s, status_of(st));
	}
	printf("work %d\n", work(1));
	fflush(stdout);
	return 0;
}
