/* Deep recursion: 100000 frames, then a NULL read at the bottom.  With
 * -DOVERFLOW it recurses until the stack overflows instead. */
#include <stdio.h>

__attribute__((noinline)) long descend(long n, long *p)
{
	volatile long local = n;
#ifdef OVERFLOW
	(void)p;
	return descend(n + 1, NULL) + local;
#else
	if (n == 0)
		return *p;
	return descend(n - 1, p) + local;
#endif
}

int main(int argc, char **argv)
{
	(void)argv;
	printf("%ld\n", descend(100000 - 2, argc > 99 ? (long *)argv : NULL));
	return 0;
}
