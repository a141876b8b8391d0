/*
 * az_jump: jumps to where there is no code, one per argv[1]:
 *   null      calls a NULL function pointer (from a register)
 *   dangling  calls a function pointer into a page that was unmapped
 *   slot      calls ops->on_close, a function pointer read from memory,
 *             that points into the unmapped page
 *   ret       overwrites its own saved return address with a bogus value
 *             and returns (build with -O0 -fno-stack-protector)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int (*handler_fn)(int);

struct ops {
	handler_fn	on_open;
	handler_fn	on_close;	/* offset 8 */
};

static handler_fn volatile null_handler;
static struct ops *volatile opsp;

__attribute__((noinline)) int
call_handler(handler_fn fn, int arg)
{
	return fn(arg) + 1;
}

__attribute__((noinline)) int
close_conn(struct ops *ops, int fd)
{
	return ops->on_close(fd) + 2;
}

static void *
dead_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (void *)0x1000000;
	munmap(p, 4096);
	return (char *)p + 0x40;
}

__attribute__((noinline)) void
smash(long junk)
{
	long buf[2];
	/* buf[3] is the saved return address above buf and the saved %rbp */
	long *volatile p = buf;
	p[0] = junk;
	p[3] = 0x4141414141410000 >> 16;	/* 0x414141414141 */
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "null";
	static struct ops ops;
	if (strcmp(c, "null") == 0) {
		printf("%d\n", call_handler(null_handler, 1));
	} else if (strcmp(c, "dangling") == 0) {
		printf("%d\n", call_handler((handler_fn)(uintptr_t)dead_page(), 2));
	} else if (strcmp(c, "slot") == 0) {
		ops.on_close = (handler_fn)(uintptr_t)dead_page();
		opsp = &ops;
		printf("%d\n", close_conn(opsp, 3));
	} else {
		smash(7);
	}
	return 0;
}
