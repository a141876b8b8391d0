/* Five small bugs for the triage benchmark, chosen by argv[1]; argv[2]
 * varies the recursion depth, which must not change the signature. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item { int id; struct item *next; char *name; };

static int read_name_len(struct item *it) { return (int)strlen(it->name); }

static int walk(struct item *it, int depth)
{
	if (depth > 0)
		return walk(it, depth - 1) + 1;
	return read_name_len(it->next);
}

static void check(int balance) { assert(balance >= 0); }

static int ratio(int a, int b) { return a / b; }

static void store(long *slots, long where) { slots[where] = 1; }

static void bad_call(void (*fn)(void)) { fn(); }

int main(int argc, char **argv)
{
	int bug = argc > 1 ? atoi(argv[1]) : 0;
	int depth = argc > 2 ? atoi(argv[2]) : 0;
	struct item last = { 2, NULL, NULL }, first = { 1, &last, "first" };
	volatile int zero = 0;
	switch (bug) {
	case 0: printf("%d\n", walk(&first, depth)); break;      /* NULL read */
	case 1: check(-depth - 1); break;                        /* assert */
	case 2: printf("%d\n", ratio(depth, zero)); break;      /* SIGFPE */
	case 3: store((long *)0xdead000000000000UL, depth); break; /* wild */
	default: bad_call((void (*)(void))(long)zero); break;   /* NULL call */
	}
	return 0;
}
