/*
 * sparse_core: maps 8 GiB of anonymous memory, touches one page of it,
 * then reads through a NULL pointer.  The core is 8 GiB long but nearly
 * all holes: ::status and $C must not cost more for it.  Crashing
 * function: crash_in_sparse.  Built: gcc -O0 -g.
 */
#include <stdio.h>
#include <sys/mman.h>

#define	SIZE	(8ul << 30)

static long *volatile nowhere;	/* NULL */

__attribute__((noinline)) static long
crash_in_sparse(char *big)
{
	big[SIZE / 2] = 1;
	return *nowhere + big[0];
}

int
main(void)
{
	char *big = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("not reached: %ld\n", crash_in_sparse(big));
	return 0;
}
