/*
 * null_read: reads the pointer member ips_ndv6 (offset 8) through a NULL
 * struct pointer, three calls deep: main -> outer -> middle -> inner.
 * Why: the basic case -- fault address 0x8 must be explained as
 * "NULL + offsetof(struct ipnet_stack, ips_ndv6)", and the stack of a
 * -O0 -g PIE binary must unwind cleanly.  Built: -O0 -g -fPIE -pie.
 */
#include <stdio.h>
#include <stddef.h>

struct ipnet_stack {
	long	ips_refcnt;	/* offset 0 */
	long	*ips_ndv6;	/* offset 8: the member read through NULL */
	int	ips_flags;	/* offset 16 */
};

static struct ipnet_stack *stacks[4];	/* all NULL: nothing registered */

__attribute__((noinline)) long *
inner(struct ipnet_stack *s)
{
	return s->ips_ndv6;		/* s == NULL: reads address 0x8 */
}

__attribute__((noinline)) long *
middle(int id)
{
	struct ipnet_stack *s = stacks[id & 3];
	return inner(s);
}

__attribute__((noinline)) long *
outer(int id)
{
	long *p = middle(id + 1);
	return p;
}

int
main(void)
{
	long *p = outer(1);
	printf("not reached: %p\n", (void *)p);
	return 0;
}
