/*
 * sighandler: installs a SIGUSR1 handler with sigaction(SA_SIGINFO), raises
 * SIGUSR1 two calls deep (main -> send_signal -> do_raise -> raise), and the
 * handler calls handler_work, which reads through a NULL pointer.
 * The crashing stack is:
 *   handler_work <- on_usr1 <- <signal handler called> (__restore_rt)
 *   <- libc raise/pthread_kill <- do_raise <- send_signal <- main
 * Why: unwinding through a signal frame (the rt_sigframe / ucontext that
 * __restore_rt's CFI describes).  Built: -O0 -g.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

struct handler_state {
	long	hs_count;	/* offset 0 */
	long	*hs_log;	/* offset 8: read through NULL */
};

static struct handler_state *volatile state;	/* NULL */

__attribute__((noinline)) long
handler_work(int sig)
{
	return *state->hs_log + sig;	/* state == NULL: reads 0x8 */
}

static void
on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void) si; (void) uc;
	handler_work(sig);
}

__attribute__((noinline)) void
do_raise(void)
{
	raise(SIGUSR1);
}

__attribute__((noinline)) void
send_signal(void)
{
	do_raise();
}

int
main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof (sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0) {
		perror("sigaction");
		return 1;
	}
	send_signal();
	printf("not reached\n");
	return 0;
}
