/*
 * az_recurse: stack overflows, one per argv[1]:
 *   self    parse_expr calls itself with a 1 KiB frame until the stack ends
 *   mutual  a cycle of three functions (visit_node -> visit_list ->
 *           visit_attr -> visit_node ...)
 *   thread  self recursion in a pthread with a 256 KiB stack
 *   alloca  each level of expand_macro has a 512 KiB VLA
 * Each frame's buffer is handed to an empty asm so that -O2 keeps the
 * frames and cannot turn the recursion into a loop.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define KEEP(p) __asm__ volatile("" : : "r"(p) : "memory")

static volatile int depth_seen;

__attribute__((noinline)) int
parse_expr(int depth)
{
	char buf[1024];
	memset(buf, depth, sizeof(buf));
	KEEP(buf);
	depth_seen = depth;
	return parse_expr(depth + 1) + buf[depth % 1024];
}

int visit_list(int);
int visit_attr(int);

/* three distinct functions, each calling the next */
#define VISITOR(name, next, k)					\
	__attribute__((noinline)) int				\
	name(int n)						\
	{							\
		char buf[256];					\
		memset(buf, n, sizeof(buf));			\
		KEEP(buf);					\
		return next(n + 1) + buf[k];			\
	}

VISITOR(visit_node, visit_list, 3)
VISITOR(visit_list, visit_attr, 5)
VISITOR(visit_attr, visit_node, 7)

__attribute__((noinline)) int
expand_macro(int n)
{
	char vla[512 * 1024 + n];
	memset(vla, n, sizeof(vla));
	KEEP(vla);
	return expand_macro(n + 1) + vla[n];
}

static void *
worker(void *arg)
{
	(void) arg;
	return (void *)(long)parse_expr(0);
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "self";
	if (strcmp(c, "self") == 0)
		return parse_expr(0);
	if (strcmp(c, "mutual") == 0)
		return visit_node(0);
	if (strcmp(c, "alloca") == 0)
		return expand_macro(0);
	pthread_attr_t attr;
	pthread_t t;
	void *ret;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_create(&t, &attr, worker, NULL);
	pthread_join(t, &ret);
	return (int)(long)ret;
}
