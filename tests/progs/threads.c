/*
 * threads: 32 worker threads plus main (33 in all).  31 workers park in
 * different kinds of blocking wait; several share a kind so that identical
 * stacks can be grouped (like mdb's ::stacks).  Once every thread -- main
 * included -- is verifiably asleep (state 'S' in /proc/self/task/TID/stat),
 * the worker "crasher" reads through a NULL pointer.
 * Why: thread listing, per-thread registers and stacks, stack grouping, and
 * a crashing thread that is not the process's first thread (the kernel puts
 * the crashing thread's NT_PRSTATUS first).  Workers are named with
 * pthread_setname_np ("mutex-0", "crasher", ...); note a core file records
 * no per-thread names: NT_PRPSINFO holds only the main thread's comm, which
 * is left as "threads".  Built: -O0 -g -pthread.
 *
 * Waits (count): mutex_lock(4) cond_wait(4) nanosleep(4) read on a pipe(3)
 * pthread_join(2) sem_wait(3) poll(3) barrier_wait(3) rwlock_wrlock(2)
 * select(1) pause(1) epoll_wait(1); plus the crasher = 32 workers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define	NWORKERS	32
#define	NPARKED		(NWORKERS - 1)	/* all workers but the crasher */

struct job {
	const char	*kind;
	int		idx;
	pthread_t	target;		/* for joiners */
};

static pthread_mutex_t held_mutex = PTHREAD_MUTEX_INITIALIZER;	/* main holds it */
static pthread_mutex_t cv_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;	/* main read-holds it */
static pthread_barrier_t barrier;	/* count 4, only 3 waiters: never opens */
static sem_t sem;			/* value 0, never posted */
static int read_pipe[2], poll_pipe[2], select_pipe[2];
static int epfd;
static volatile int never;		/* condition that never becomes true */

static atomic_int nparked;		/* threads about to block (main included) */
static pid_t parked_tids[NWORKERS + 1];

struct config {
	long	version;
	char	*name;			/* offset 8 */
};
static struct config *volatile global_config;	/* NULL */

static void
announce(const char *kind, int idx)
{
	char name[16];
	snprintf(name, sizeof (name), "%s-%d", kind, idx);
	pthread_setname_np(pthread_self(), name);
	int slot = atomic_fetch_add(&nparked, 1);
	parked_tids[slot] = (pid_t)syscall(SYS_gettid);
}

__attribute__((noinline)) static void
wait_mutex(void)
{
	pthread_mutex_lock(&held_mutex);
}

__attribute__((noinline)) static void
wait_cond(void)
{
	pthread_mutex_lock(&cv_mutex);
	while (!never)
		pthread_cond_wait(&cv, &cv_mutex);
	pthread_mutex_unlock(&cv_mutex);
}

__attribute__((noinline)) static void
wait_sleep(void)
{
	struct timespec ts = { 3600, 0 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

__attribute__((noinline)) static void
wait_read(void)
{
	char c;
	(void) read(read_pipe[0], &c, 1);
}

__attribute__((noinline)) static void
wait_join(pthread_t t)
{
	pthread_join(t, NULL);
}

__attribute__((noinline)) static void
wait_sem(void)
{
	while (sem_wait(&sem) != 0)
		;
}

__attribute__((noinline)) static void
wait_poll(void)
{
	struct pollfd pfd = { poll_pipe[0], POLLIN, 0 };
	(void) poll(&pfd, 1, -1);
}

__attribute__((noinline)) static void
wait_barrier(void)
{
	pthread_barrier_wait(&barrier);
}

__attribute__((noinline)) static void
wait_rwlock(void)
{
	pthread_rwlock_wrlock(&rwlock);
}

__attribute__((noinline)) static void
wait_select(void)
{
	fd_set rfds;
	FD_ZERO(&rfds);
	FD_SET(select_pipe[0], &rfds);
	(void) select(select_pipe[0] + 1, &rfds, NULL, NULL, NULL);
}

__attribute__((noinline)) static void
wait_pause(void)
{
	pause();
}

__attribute__((noinline)) static void
wait_epoll(void)
{
	struct epoll_event ev;
	(void) epoll_wait(epfd, &ev, 1, -1);
}

static void *
parker(void *arg)
{
	struct job *j = arg;
	announce(j->kind, j->idx);
	if (strcmp(j->kind, "mutex") == 0) wait_mutex();
	else if (strcmp(j->kind, "cond") == 0) wait_cond();
	else if (strcmp(j->kind, "sleep") == 0) wait_sleep();
	else if (strcmp(j->kind, "read") == 0) wait_read();
	else if (strcmp(j->kind, "join") == 0) wait_join(j->target);
	else if (strcmp(j->kind, "sem") == 0) wait_sem();
	else if (strcmp(j->kind, "poll") == 0) wait_poll();
	else if (strcmp(j->kind, "barrier") == 0) wait_barrier();
	else if (strcmp(j->kind, "rwlock") == 0) wait_rwlock();
	else if (strcmp(j->kind, "select") == 0) wait_select();
	else if (strcmp(j->kind, "pause") == 0) wait_pause();
	else if (strcmp(j->kind, "epoll") == 0) wait_epoll();
	return NULL;
}

/* 'S' = interruptible sleep: the thread is blocked in the kernel. */
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

static void
wait_until_all_parked(void)
{
	struct timespec ms = { 0, 1000000 };
	/* NPARKED workers + main; bounded at ~20 s so we crash regardless. */
	for (int tries = 0; tries < 20000; tries++) {
		int ok = atomic_load(&nparked) == NPARKED + 1;
		for (int i = 0; ok && i < NPARKED + 1; i++)
			ok = is_sleeping(parked_tids[i]);
		if (ok)
			return;
		nanosleep(&ms, NULL);
	}
	fprintf(stderr, "threads: not all threads parked; crashing anyway\n");
}

__attribute__((noinline)) static char *
config_name(void)
{
	return global_config->name;	/* NULL + 8 */
}

__attribute__((noinline)) static void *
crasher(void *arg)
{
	(void) arg;
	pthread_setname_np(pthread_self(), "crasher");
	wait_until_all_parked();
	char *name = config_name();
	printf("not reached: %s\n", name);
	return NULL;
}

int
main(void)
{
	static const struct { const char *kind; int n; } kinds[] = {
		{ "mutex", 4 }, { "cond", 4 }, { "sleep", 4 }, { "read", 3 },
		{ "join", 2 }, { "sem", 3 }, { "poll", 3 }, { "barrier", 3 },
		{ "rwlock", 2 }, { "select", 1 }, { "pause", 1 }, { "epoll", 1 },
	};
	static struct job jobs[NWORKERS];
	pthread_t tids[NWORKERS], crash_tid;
	pthread_attr_t attr;
	int nt = 0, nsleep = 0;
	pthread_t sleepers[4];

	if (pipe(read_pipe) || pipe(poll_pipe) || pipe(select_pipe)) {
		perror("pipe");
		return 1;
	}
	epfd = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	ev.data.fd = poll_pipe[0];
	epoll_ctl(epfd, EPOLL_CTL_ADD, poll_pipe[0], &ev);
	sem_init(&sem, 0, 0);
	pthread_barrier_init(&barrier, NULL, 4);
	pthread_mutex_lock(&held_mutex);
	pthread_rwlock_rdlock(&rwlock);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);	/* keep the core small */

	for (size_t k = 0; k < sizeof (kinds) / sizeof (kinds[0]); k++) {
		for (int i = 0; i < kinds[k].n; i++) {
			struct job *j = &jobs[nt];
			j->kind = kinds[k].kind;
			j->idx = i;
			/* each joiner joins a different (forever-sleeping) thread */
			if (strcmp(j->kind, "join") == 0)
				j->target = sleepers[i];
			if (pthread_create(&tids[nt], &attr, parker, j) != 0) {
				perror("pthread_create");
				return 1;
			}
			if (strcmp(j->kind, "sleep") == 0)
				sleepers[nsleep++] = tids[nt];
			nt++;
		}
	}
	if (nt != NPARKED) {
		fprintf(stderr, "threads: %d parked threads, want %d\n", nt, NPARKED);
		return 1;
	}
	if (pthread_create(&crash_tid, &attr, crasher, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	int slot = atomic_fetch_add(&nparked, 1);
	parked_tids[slot] = getpid();
	pthread_join(crash_tid, NULL);	/* main parks here */
	return 0;
}
