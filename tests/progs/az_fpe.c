/*
 * az_fpe: SIGFPE, one per argv[1]:
 *   reg     total / count with count 0 in a register
 *   mem     total / *divisor with the divisor read from memory (idivl mem)
 *   intmin  INT_MIN / -1: the quotient does not fit
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

static volatile int zero;
static volatile int minus_one = -1;
static volatile int int_min = INT_MIN;
int g_divisor;

__attribute__((noinline)) int
average(int total, int count)
{
	return total / count;
}

__attribute__((noinline)) int
per_divisor(int total)
{
	int q;
	/* the divisor operand is the global in memory */
	__asm__ volatile("cltd; idivl %2" : "=a"(q) : "a"(total), "m"(g_divisor) : "edx");
	return q;
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "reg";
	if (strcmp(c, "reg") == 0)
		printf("%d\n", average(100, zero));
	else if (strcmp(c, "mem") == 0)
		printf("%d\n", per_divisor(100));
	else
		printf("%d\n", average(int_min, minus_one));
	return 0;
}
