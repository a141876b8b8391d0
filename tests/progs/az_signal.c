/*
 * az_signal: signals that a handler re-raised or a process sent, one per
 * argv[1]:
 *   reraise    a SIGSEGV handler logs, restores SIG_DFL and raises SIGSEGV
 *              again; the original fault is a NULL read in lookup_port
 *   nodefer    the same handler installed with SA_NODEFER: the signal is
 *              delivered inside raise(), above the handler's signal frame
 *   resethand  the handler is installed with SA_RESETHAND and returns:
 *              the faulting read runs again and kills the process
 *   quit       kill(getpid(), SIGQUIT)
 *   xcpu       raise(SIGXCPU)
 *   wait       prints "ready" and waits for another process's signal
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct service {
	const char	*sv_name;
	int		sv_port;	/* offset 8 */
};

static struct service *volatile svc;

__attribute__((noinline)) int
lookup_port(struct service *s)
{
	return s->sv_port;
}

static void
log_and_reraise(int sig)
{
	static const char msg[] = "fatal signal, re-raising\n";
	write(2, msg, sizeof(msg) - 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
log_only(int sig)
{
	static const char msg[] = "fatal signal, returning\n";
	(void) sig;
	write(2, msg, sizeof(msg) - 1);
}

__attribute__((noinline)) void
send_quit(void)
{
	kill(getpid(), SIGQUIT);
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "reraise";
	if (strcmp(c, "reraise") == 0) {
		signal(SIGSEGV, log_and_reraise);
		return lookup_port(svc);
	}
	if (strcmp(c, "resethand") == 0 || strcmp(c, "nodefer") == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = c[0] == 'r' ? log_only : log_and_reraise;
		sa.sa_flags = c[0] == 'r' ? SA_RESETHAND : SA_NODEFER;
		sigaction(SIGSEGV, &sa, NULL);
		return lookup_port(svc);
	}
	if (strcmp(c, "quit") == 0)
		send_quit();
	else if (strcmp(c, "xcpu") == 0)
		raise(SIGXCPU);
	else {
		puts("ready");
		fflush(stdout);
		for (;;)
			pause();
	}
	return 0;
}
