/*
 * az_abort: abort() for three reasons, one per argv[1]:
 *   assert  assert(q->q_len <= q->q_cap) fails in queue_push
 *   dfree   frees a buffer twice: glibc's tcache check aborts
 *   plain   abort() with no message
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct queue {
	int	q_len;
	int	q_cap;
};

static struct queue *volatile qp;

__attribute__((noinline)) void
queue_push(struct queue *q)
{
	q->q_len++;
	assert(q->q_len <= q->q_cap);
}

__attribute__((noinline)) void
release(char *buf)
{
	free(buf);
}

__attribute__((noinline)) void
give_up(void)
{
	abort();
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "assert";
	static struct queue q = { 4, 4 };
	qp = &q;
	if (strcmp(c, "assert") == 0) {
		queue_push(qp);
	} else if (strcmp(c, "dfree") == 0) {
		char *volatile buf = malloc(48);
		release(buf);
		release(buf);
	} else {
		give_up();
	}
	return 0;
}
