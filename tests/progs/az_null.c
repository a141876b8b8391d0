/*
 * az_null: NULL pointer dereferences for ::analyze, one per argv[1]:
 *   read    reads an int through a NULL int pointer
 *   write   stores through a NULL int pointer
 *   member  reads conn->c_stats->st_bytes where c_stats is NULL: a member
 *           at offset 0x10 of struct stats
 * The NULL comes from a volatile global so that -O2 cannot see it and
 * turn the access into a trap.  Built -O0 and -O2.
 */
#include <stdio.h>
#include <string.h>

struct stats {
	long	st_packets;	/* offset 0 */
	long	st_errors;	/* offset 8 */
	long	st_bytes;	/* offset 0x10: read through NULL */
};

struct conn {
	int		c_fd;
	struct stats	*c_stats;	/* NULL */
};

static int *volatile nowhere;
static struct conn the_conn = { 3, NULL };
static struct conn *volatile connp = &the_conn;

__attribute__((noinline)) int
read_value(int *p)
{
	return *p + 1;
}

__attribute__((noinline)) void
write_value(int *p, int v)
{
	*p = v;
}

__attribute__((noinline)) long
conn_bytes(struct conn *conn)
{
	struct stats *st = conn->c_stats;
	return st->st_bytes * 2;
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "read";
	if (strcmp(c, "read") == 0)
		printf("%d\n", read_value(nowhere));
	else if (strcmp(c, "write") == 0)
		write_value(nowhere, 42);
	else
		printf("%ld\n", conn_bytes(connp));
	return 0;
}
