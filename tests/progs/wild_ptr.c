/* A non-canonical pointer: the CPU raises #GP, so the kernel reports
 * SIGSEGV with si_code SI_KERNEL and si_addr 0. */
#include <stdint.h>

__attribute__((noinline)) long peek(long *p) { return *p; }

int main(void)
{
	long *wild = (long *)(uintptr_t)(0xdead000000000000ULL + 0x10);
	return (int)peek(wild);
}
