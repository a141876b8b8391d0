/*
 * az_trap: SIGILL and SIGTRAP, one per argv[1]:
 *   trap   __builtin_trap() (ud2; brk #0x3e8 on AArch64) in check_state
 *   junk   calls into an executable page filled with bytes that are no
 *          x86-64 instruction (0x06, push %es, is invalid in 64-bit mode;
 *          0x06060606 is unallocated on AArch64 too)
 *   int3   a breakpoint instruction (__builtin_debugtrap with clang; brk #0
 *          on AArch64, bkpt #0 on 32-bit ARM)
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static volatile int state = 3;

__attribute__((noinline)) void
check_state(int s)
{
	if (s == 3)
		__builtin_trap();
}

__attribute__((noinline)) void
stop_here(void)
{
#if defined(__clang__)
	__builtin_debugtrap();
#elif defined(__aarch64__)
	__asm__ volatile("brk #0");
#elif defined(__arm__)
	__asm__ volatile("bkpt #0");
#else
	__asm__ volatile("int3");
#endif
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "trap";
	if (strcmp(c, "trap") == 0) {
		check_state(state);
	} else if (strcmp(c, "junk") == 0) {
		unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 2;
		memset(p, 0x06, 4096);
		mprotect(p, 4096, PROT_READ | PROT_EXEC);
		((void (*)(void))p)();
	} else {
		stop_here();
	}
	puts("not reached");
	return 0;
}
