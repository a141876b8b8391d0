/* Run under a real arm64 kernel (tests/lib/sve_core_arm64.py): a second
 * thread waits in pause(), so its SVE state is discarded at that syscall
 * (NT_ARM_SVE in FPSIMD form); the main thread then fills SVE registers
 * with known values and stores to NULL in the same asm block, so no
 * syscall or compiler-made code sits between them (NT_ARM_SVE in SVE
 * form).  Built with -mbranch-protection=pac-ret: the return addresses on
 * the stack are signed.
 *
 * Known values (independent of the vector length):
 *   z0.b[i] = i, z1.s[i] = 2*i + 1 (index), z2.d = 0x1122334455667788,
 *   z31.b = 0x5a; v-register view of the same bytes;
 *   p0 all true (.b), p1 the first 3 bytes, p2 all false, p3 every
 *   4th byte (.s, all lanes);
 *   ffr = p1;
 *   x19 = 0x5e1, x20 = 0xfeed (markers for the general registers). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static volatile int waiting;

static void *sleeper(void *arg)
{
	(void)arg;
	waiting = 1;
	for (;;)
		pause();
	return NULL;
}

__attribute__((noinline)) static void fill_and_crash(void)
{
	__asm__ volatile(
		"ptrue p0.b\n\t"
		"index z0.b, #0, #1\n\t"
		"index z1.s, #1, #2\n\t"
		"mov x9, #0x7788\n\t"
		"movk x9, #0x5566, lsl #16\n\t"
		"movk x9, #0x3344, lsl #32\n\t"
		"movk x9, #0x1122, lsl #48\n\t"
		"dup z2.d, x9\n\t"
		"dup z31.b, #0x5a\n\t"
		"ptrue p1.b, vl3\n\t"
		"pfalse p2.b\n\t"
		"ptrue p3.s\n\t"
		"wrffr p1.b\n\t"
		"mov x19, #0x5e1\n\t"
		"mov x20, #0xfeed\n\t"
		"mov x9, #0\n\t"
		"str x20, [x9]\n\t"
		::: "x9", "x19", "x20", "memory");
}

__attribute__((noinline)) static int middle(int depth)
{
	if (depth > 0)
		return middle(depth - 1) + 1;
	fill_and_crash();
	return 0;
}

int main(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, sleeper, NULL) != 0)
		return 1;
	while (!waiting)
		;
	/* let the thread enter pause(): the last syscall of this thread
	 * before its SVE registers are set */
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	return middle(2);
}
