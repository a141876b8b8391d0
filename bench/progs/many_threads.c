/*
 * many_threads: 64 worker threads block in blocked_worker() (on a
 * condition variable that is never signalled); once all of them are
 * asleep in the kernel, main() calls crash_main_thread(), which reads
 * through a NULL pointer.  65 threads in the core.
 * Built: gcc -O0 -g -pthread.  Crashing function: crash_main_thread.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef NTHREADS	/* -DNTHREADS=1000 for the big workload */
#define	NTHREADS	64
#endif

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static volatile int never;
static atomic_int nstarted;
static pid_t tids[NTHREADS];
static int *volatile nowhere;	/* NULL */

__attribute__((noinline)) static void *
blocked_worker(void *arg)
{
	(void) arg;
	int slot = atomic_fetch_add(&nstarted, 1);
	tids[slot] = (pid_t)syscall(SYS_gettid);
	pthread_mutex_lock(&mtx);
	while (!never)
		pthread_cond_wait(&cv, &mtx);
	pthread_mutex_unlock(&mtx);
	return NULL;
}

/* 'S': the thread sleeps in the kernel. */
static int
is_sleeping(pid_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof (path), "/proc/self/task/%d/stat", (int)tid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof (buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] == 'S';
}

__attribute__((noinline)) static int
crash_main_thread(void)
{
	return *nowhere;
}

int
main(void)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 128 * 1024);	/* keep the core small */
	for (int i = 0; i < NTHREADS; i++) {
		if (pthread_create(&t, &attr, blocked_worker, NULL) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	struct timespec ms = { 0, 1000000 };
	for (int tries = 0; tries < 10000; tries++) {	/* at most ~10 s */
		int ok = atomic_load(&nstarted) == NTHREADS;
		for (int i = 0; ok && i < NTHREADS; i++)
			ok = is_sleeping(tids[i]);
		if (ok)
			break;
		nanosleep(&ms, NULL);
	}
	printf("not reached: %d\n", crash_main_thread());
	return 0;
}
