/*
 * sigfpe: integer division by zero (the divisor is volatile so the compiler
 * cannot fold or drop the idiv).  Why: SIGFPE with si_code FPE_INTDIV and
 * si_addr = the address of the idiv instruction.  Built: -O0 -g.
 */
#include <stdio.h>

static volatile int nbuckets;		/* 0: the bug */

__attribute__((noinline)) int
bucket_of(int key)
{
	return key / nbuckets;		/* idiv by zero */
}

__attribute__((noinline)) int
average(int total)
{
	return bucket_of(total) + 1;
}

int
main(void)
{
	printf("not reached: %d\n", average(100));
	return 0;
}
