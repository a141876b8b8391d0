/*
 * az_wild: reads table->t_slots[idx] where the table pointer was
 * overwritten with a poison value (0x6b6b6b6b6b6b6b6b, like freed memory
 * in a debug allocator): the address is not canonical, the kernel reports
 * SI_KERNEL and no address.  Built -O2.
 */
#include <stdint.h>
#include <stdio.h>

struct table {
	long	t_count;
	long	t_slots[16];
};

static struct table *volatile tablep;

__attribute__((noinline)) long
slot(struct table *t, long idx)
{
	return t->t_slots[idx] + 1;
}

int
main(void)
{
	tablep = (struct table *)(uintptr_t)0x6b6b6b6b6b6b6b6bULL;
	printf("%ld\n", slot(tablep, 5));
	return 0;
}
