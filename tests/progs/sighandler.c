/* A fault inside a signal handler: the stack runs through the kernel's
 * signal frame (<signal handler called>) back to the code that raised. */
#include <signal.h>
#include <string.h>

static volatile int *target;

__attribute__((noinline)) static void handler_work(void) { *target = 1; }
static void on_usr1(int sig) { (void)sig; handler_work(); }

__attribute__((noinline)) void poke(void) { raise(SIGUSR1); }
__attribute__((noinline)) void setup_and_poke(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	poke();
}

int main(void)
{
	setup_and_poke();
	return 0;
}
