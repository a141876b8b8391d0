/* Stripped, with its debug info split off behind its build-id (the test
 * harness runs objcopy --only-keep-debug and strip). */
#include <stdio.h>

struct record { int id; char *label; };

__attribute__((noinline)) int label_first(struct record *r) { return r->label[0]; }
__attribute__((noinline)) int describe(struct record *r) { return label_first(r) + r->id; }
__attribute__((noinline)) int report(struct record *r) { return describe(r) * 2; }

int main(int argc, char **argv)
{
	struct record *r = argc > 99 ? (struct record *)argv : NULL;
	printf("%d\n", report(r));
	return 0;
}
