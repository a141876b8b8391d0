/*
 * omitfp: a chain of six noinline functions, compiled -O2
 * -fomit-frame-pointer, ending in a NULL write:
 *   main -> stage1 -> stage2 -> stage3 -> stage4 -> stage5 -> commit_result
 * Why: with no frame pointers, %rbp is just another register (here it holds
 * garbage or data), so a frame-pointer walk fails; unwinding needs the
 * .eh_frame/.debug_frame CFI.  Each stage keeps a volatile local array so
 * the CFA offsets differ per frame, and does work after its call (plus a
 * compiler barrier) so gcc can neither tail-call nor merge the chain.
 * The NULL target comes from a volatile global so gcc cannot prove it is
 * NULL (it would otherwise emit ud2 -> SIGILL).
 * Built: -O2 -fomit-frame-pointer -g.
 */
#include <stdio.h>

#define	STAGE	__attribute__((noinline, noclone))

struct result {
	long	r_seq;		/* offset 0 */
	long	r_value;	/* offset 8: written through NULL */
};

struct result *volatile result_slot;	/* NULL */

STAGE void
commit_result(long value)
{
	struct result *r = result_slot;
	r->r_value = value;		/* NULL + 8 */
	__asm__ volatile("" ::: "memory");
}

STAGE long
stage5(long x)
{
	volatile long scratch[2] = { x, x ^ 5 };
	commit_result(scratch[0] * 3 + scratch[1]);
	__asm__ volatile("" ::: "memory");
	return scratch[1] + 5;
}

STAGE long
stage4(long x)
{
	volatile long scratch[5] = { x, 1, 2, 3, 4 };
	long r = stage5(scratch[0] + 4);
	__asm__ volatile("" ::: "memory");
	return r + scratch[4];
}

STAGE long
stage3(long x)
{
	volatile long scratch[3] = { x, x + 1, x + 2 };
	long r = stage4(scratch[2] + 3);
	__asm__ volatile("" ::: "memory");
	return r * scratch[1];
}

STAGE long
stage2(long x)
{
	volatile long scratch[9];
	for (int i = 0; i < 9; i++)
		scratch[i] = x + i;
	long r = stage3(scratch[8] + 2);
	__asm__ volatile("" ::: "memory");
	return r - scratch[3];
}

STAGE long
stage1(long x)
{
	volatile long scratch = x;
	long r = stage2(scratch + 1);
	__asm__ volatile("" ::: "memory");
	return r + scratch;
}

int
main(int argc, char **argv)
{
	(void) argv;
	long r = stage1(argc);
	printf("not reached: %ld\n", r);
	return 0;
}
