/*
 * live_wait: a process for `pmdb -p` to attach to.  Three threads block in
 * different waits (a condition variable, a pipe read, a long nanosleep)
 * under a few named frames; main keeps counting, writing the count to the
 * file named by argv[1] every 10 ms, so a test can see the process run on
 * after pmdb detaches.  Prints "ready" once every thread is started.
 * Built: -O0 -g -pthread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static volatile int never;
static int fds[2];
static volatile int started;

struct counter {
	long value;
	const char *path;
};
static struct counter counter;

__attribute__((noinline)) static void
wait_cond(void)
{
	pthread_mutex_lock(&mu);
	while (!never)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

__attribute__((noinline)) static void
wait_read(void)
{
	char c;
	(void) read(fds[0], &c, 1);
}

__attribute__((noinline)) static void
wait_sleep(void)
{
	struct timespec ts = { 3600, 0 };
	while (nanosleep(&ts, &ts) != 0)
		;
}

__attribute__((noinline)) static void
level2(void (*wait)(void))
{
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	wait();
}

__attribute__((noinline)) static void *
worker(void *arg)
{
	level2((void (*)(void))arg);
	return NULL;
}

__attribute__((noinline)) static void
tick(void)
{
	FILE *f = fopen(counter.path, "w");
	if (f) {
		fprintf(f, "%ld\n", ++counter.value);
		fclose(f);
	}
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

int
main(int argc, char **argv)
{
	counter.path = argc > 1 ? argv[1] : "/dev/null";
	if (pipe(fds) != 0)
		return 1;
	void (*waits[])(void) = { wait_cond, wait_read, wait_sleep };
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)waits[i]) != 0)
			return 1;
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 3)
		usleep(1000);
	usleep(20000);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		tick();
}
