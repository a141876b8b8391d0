/* The live workload of bench/live.py: how long does a debugger keep a
 * process stopped?  Each of N threads sleeps 100 us at a time and records
 * how much later than asked it woke up; a thread a debugger stops wakes up
 * late by about the time it was held.  Commands on stdin: "reset" zeroes
 * the records, "report" prints the worst lateness in microseconds. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXT 64
static _Atomic long worst_ns[MAXT];

static long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void *sleeper(void *arg)
{
	long i = (long)arg;
	struct timespec nap = { 0, 100 * 1000 };
	for (;;) {
		long t0 = now_ns();
		nanosleep(&nap, NULL);
		long late = now_ns() - t0 - nap.tv_nsec;
		if (late > atomic_load(&worst_ns[i]))
			atomic_store(&worst_ns[i], late);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	if (n < 1 || n > MAXT)
		n = 4;
	for (long i = 0; i < n; i++) {
		pthread_t t;
		pthread_create(&t, NULL, sleeper, (void *)i);
	}
	printf("ready\n");
	fflush(stdout);
	char line[64];
	while (fgets(line, sizeof(line), stdin)) {
		long worst = 0;
		for (int i = 0; i < n; i++) {
			long w = strncmp(line, "reset", 5) == 0 ? atomic_exchange(&worst_ns[i], 0)
								: atomic_load(&worst_ns[i]);
			if (w > worst)
				worst = w;
		}
		if (strncmp(line, "report", 6) == 0)
			printf("%ld\n", worst / 1000);
		else
			printf("ok\n");
		fflush(stdout);
	}
	return 0;
}
