/*
 * sigbus: maps a one-page file, truncates the file to 0 bytes, then reads
 * the mapped page.  Why: the page lies beyond EOF, so the kernel sends
 * SIGBUS with si_code BUS_ADRERR and si_addr = the mapped address.
 * The file (sigbus.dat, in the current directory) is unlinked after mapping.
 * Built: -O0 -g.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

__attribute__((noinline)) int
read_header(volatile char *map)
{
	return map[16];			/* beyond EOF now: SIGBUS */
}

int
main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	int fd = open("sigbus.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) { perror("open"); return 1; }
	if (ftruncate(fd, pg) != 0) { perror("ftruncate"); return 1; }
	char *map = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) { perror("mmap"); return 1; }
	unlink("sigbus.dat");
	if (ftruncate(fd, 0) != 0) { perror("ftruncate"); return 1; }
	printf("not reached: %d\n", read_header(map));
	return 0;
}
