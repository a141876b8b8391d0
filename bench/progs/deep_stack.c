/*
 * deep_stack: recurse_down() calls itself to depth 10000, then
 * crash_at_bottom() reads through a NULL pointer.  About 10003 frames.
 * Built: gcc -O0 -g.  Crashing function: crash_at_bottom.
 */
#include <stdio.h>

#ifndef DEPTH		/* -DDEPTH=100000 for the big workload */
#define	DEPTH	10000
#endif

static long *volatile nowhere;	/* NULL */

__attribute__((noinline)) static long
crash_at_bottom(long n)
{
	return *nowhere + n;
}

__attribute__((noinline)) static long
recurse_down(long n)
{
	if (n == DEPTH)
		return crash_at_bottom(n);
	return recurse_down(n + 1) + 1;	/* not a tail call */
}

int
main(void)
{
	printf("not reached: %ld\n", recurse_down(1));
	return 0;
}
