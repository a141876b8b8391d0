/* 32 worker threads parked in different kinds of waits (mutex, condition
 * variable, sleep, read on a pipe, join, semaphore, poll, barrier); when
 * all are parked, one worker dereferences NULL.  Several workers share a
 * kind, so ::stacks has groups to make. */
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define NWORKERS 32

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static pthread_barrier_t barrier;
static int pipefd[2];
static pthread_t sleeper;
static volatile int parked;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

static void announce(void)
{
	pthread_mutex_lock(&count_lock);
	parked++;
	pthread_mutex_unlock(&count_lock);
}

static void *wait_mutex(void *a) { (void)a; announce(); pthread_mutex_lock(&held); return NULL; }
static void *wait_cond(void *a)
{
	(void)a;
	pthread_mutex_lock(&cv_lock);
	announce();
	for (;;)
		pthread_cond_wait(&cv, &cv_lock);
	return NULL;
}
static void *wait_sleep(void *a) { (void)a; announce(); for (;;) sleep(1000); return NULL; }
static void *wait_read(void *a) { (void)a; char c; announce(); return (void *)(long)read(pipefd[0], &c, 1); }
static void *wait_join(void *a) { (void)a; announce(); pthread_join(sleeper, NULL); return NULL; }
static void *wait_sem(void *a) { (void)a; announce(); sem_wait(&sem); return NULL; }
static void *wait_poll(void *a) { (void)a; announce(); poll(NULL, 0, -1); return NULL; }
static void *wait_barrier(void *a) { (void)a; announce(); pthread_barrier_wait(&barrier); return NULL; }

__attribute__((noinline)) static void crash_now(int *p) { *p = 1; }

static void *crasher(void *a)
{
	(void)a;
	while (parked < NWORKERS) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	/* give the last ones time to enter their wait */
	struct timespec ts = { 0, 200000000 };
	nanosleep(&ts, NULL);
	crash_now(NULL);
	return NULL;
}

int main(void)
{
	void *(*kinds[])(void *) = { wait_mutex, wait_cond, wait_sleep, wait_read,
				     wait_join, wait_sem, wait_poll, wait_barrier };
	static const char *names[] = { "mutex", "cond", "sleep", "read", "join", "sem", "poll", "barrier" };
	pthread_t t[NWORKERS + 1];
	pthread_mutex_lock(&held);
	sem_init(&sem, 0, 0);
	pthread_barrier_init(&barrier, NULL, NWORKERS + 10);
	if (pipe(pipefd) < 0)
		return 1;
	pthread_create(&sleeper, NULL, wait_sleep, NULL);
	pthread_setname_np(sleeper, "sleeper");
	parked--; /* the sleeper above is not one of the workers */
	for (int i = 0; i < NWORKERS; i++) {
		char name[16];
		pthread_create(&t[i], NULL, kinds[i % 8], NULL);
		snprintf(name, sizeof(name), "w%d-%s", i, names[i % 8]);
		pthread_setname_np(t[i], name);
	}
	pthread_create(&t[NWORKERS], NULL, crasher, NULL);
	pthread_setname_np(t[NWORKERS], "crasher");
	pthread_join(t[NWORKERS], NULL);
	return 0;
}
