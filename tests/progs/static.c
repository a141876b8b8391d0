/* A static executable (-static): no dynamic linker, no link_map. */
#include <stdio.h>

struct config { int verbose; const char *name; };

__attribute__((noinline)) static int name_length(struct config *c) { int n = 0; while (c->name[n]) n++; return n; }
__attribute__((noinline)) static int load(struct config *c) { return name_length(c) + c->verbose; }

int main(int argc, char **argv)
{
	struct config *c = argc > 99 ? (struct config *)argv : NULL;
	printf("%d\n", load(c));
	return 0;
}
