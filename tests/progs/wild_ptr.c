/*
 * wild_ptr: dereferences the non-canonical address 0xdead000000000010.
 * Why: on x86-64 a non-canonical access raises #GP, not a page fault, so the
 * kernel delivers SIGSEGV with si_code SI_KERNEL (0x80) and si_addr 0: the
 * debugger cannot take the address from siginfo and must decode the
 * faulting instruction instead.  Built: -O0 -g.
 */
#include <stdio.h>

#define	POISON_BASE	0xdead000000000000UL

struct list_head {
	struct list_head *next, *prev;
};

struct item {
	long			id;		/* offset 0x00 */
	long			pad;		/* offset 0x08 */
	struct list_head	link;		/* offset 0x10 */
};

__attribute__((noinline)) long
item_next_id(struct item *it)
{
	return (long)it->link.next;	/* it == POISON_BASE: reads +0x10 */
}

__attribute__((noinline)) long
walk(void)
{
	struct item *volatile poisoned = (struct item *)POISON_BASE;
	return item_next_id(poisoned);
}

int
main(void)
{
	printf("not reached: %ld\n", walk());
	return 0;
}
