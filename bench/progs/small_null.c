/*
 * small_null: the smallest interesting crash -- main -> parse_record ->
 * null_deref_here, which writes through a NULL pointer.
 * Built: gcc -O0 -g.  Crashing function: null_deref_here.
 */
#include <stdio.h>

struct record {
	int	r_id;
	int	r_len;
};

static struct record *volatile no_record;	/* NULL */

__attribute__((noinline)) static void
null_deref_here(struct record *r, int len)
{
	r->r_len = len;		/* NULL + 4 */
}

__attribute__((noinline)) static int
parse_record(int len)
{
	null_deref_here(no_record, len);
	return len;
}

int
main(void)
{
	printf("not reached: %d\n", parse_record(42));
	return 0;
}
