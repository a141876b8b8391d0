/*
 * null_write: stores through a NULL struct pointer at member offset 0x18
 * (main -> record_event -> store_event).
 * Why: a write fault (page-fault error code has the W bit) in a non-PIE
 * executable, whose addresses are absolute (0x401xxx), unlike null_read.
 * Built: -O0 -g -fno-pie -no-pie.
 */
#include <stdio.h>

struct event {
	int	ev_type;	/* offset 0x00 */
	int	ev_flags;	/* offset 0x04 */
	long	ev_time;	/* offset 0x08 */
	char	*ev_name;	/* offset 0x10 */
	long	ev_count;	/* offset 0x18: written through NULL */
};

static struct event *current_event;	/* never set */

__attribute__((noinline)) void
store_event(struct event *ev, long count)
{
	ev->ev_count = count;		/* ev == NULL: writes address 0x18 */
}

__attribute__((noinline)) void
record_event(long count)
{
	store_event(current_event, count * 2);
}

int
main(void)
{
	record_event(21);
	printf("not reached\n");
	return 0;
}
