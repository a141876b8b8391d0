/*
 * deep: recursion to depth 100000 (descend() has a small -O0 frame, about
 * 32 bytes, so ~3.2 MB of stack) and then a NULL read at the bottom.  The
 * harness runs it with a 64 MiB stack limit to be safe.
 * Why: very deep stacks -- unwinder limits, paging of long backtraces,
 * performance.
 *
 * With -DOVERFLOW (built as deep_overflow) descend() has a 48-byte frame and
 * recurses without bound until it overflows the normal 8 MiB stack (about
 * 175,000 frames): SIGSEGV on the guard gap below the stack, with si_addr
 * just below the stack's lowest mapped page.
 * Why: stack overflow detection; the core is bounded by the 8 MiB stack.
 * Built: -O0 -g (deep_overflow: -O0 -g -DOVERFLOW).
 */
#include <stdio.h>

#define	DEPTH	100000

struct frame_info {
	long	fi_depth;	/* offset 0 */
	long	fi_total;	/* offset 8: read through NULL */
};

static struct frame_info *volatile bottom_info;	/* NULL */

__attribute__((noinline)) long
at_bottom(long n)
{
	return bottom_info->fi_total + n;	/* NULL + 8 */
}

__attribute__((noinline)) long
descend(long n)
{
#ifdef OVERFLOW
	/* pads the frame to 48 bytes: about 175,000 frames fill 8 MiB */
	volatile long pad[2] = { n, n };
	return descend(pad[0] + 1) + 1;	/* no base case: overflows */
#else
	if (n == DEPTH)
		return at_bottom(n);
	return descend(n + 1) + 1;
#endif
}

int
main(void)
{
	printf("not reached: %ld\n", descend(1));
	return 0;
}
