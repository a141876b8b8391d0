/* A program to run under pmdb's run control (tests/test_runctl.py): a
 * recursive function called from main and from a thread, a library call,
 * a signal it handles, and (with argument "crash") a NULL write through a
 * struct member at offset 8. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct item { int key; struct item *next; };
int total;
static volatile int got_usr1;

__attribute__((noinline)) int compute(int n)
{
	if (n <= 1)
		return 1;
	return n * compute(n - 1) % 100003;
}

__attribute__((noinline)) void outer(int n)
{
	total += compute(n);
	printf("outer %d total %d\n", n, total);
}

static void on_usr1(int sig) { (void)sig; got_usr1++; }

static void *worker(void *arg) { (void)arg; outer(3); return NULL; }

int main(int argc, char **argv)
{
	signal(SIGUSR1, on_usr1);
	outer(5);
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	raise(SIGUSR1);
	printf("usr1 %d\n", got_usr1);
	if (argc > 1 && strcmp(argv[1], "crash") == 0) {
		struct item *it = NULL;
		it->next = NULL;
	}
	return total % 7;
}
