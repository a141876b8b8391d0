/* NULL read at member offset 8: s->ips_ndv6 with s NULL, three calls deep.
 * Built -O0 -g as a PIE. */
#include <stdio.h>
#include <stdlib.h>

struct ipnet_stack {
	long ips_flags;
	long *ips_ndv6;
};

__attribute__((noinline)) static long inner(struct ipnet_stack *s) { return *s->ips_ndv6; }
__attribute__((noinline)) static long middle(struct ipnet_stack *s) { return inner(s) + 1; }
__attribute__((noinline)) long outer(struct ipnet_stack *s) { return middle(s) * 2; }

int main(int argc, char **argv)
{
	struct ipnet_stack *s = argc > 99 ? malloc(sizeof(*s)) : NULL;
	(void)argv;
	printf("%ld\n", outer(s));
	return 0;
}
