/*
 * az_bus: maps 3 pages of a file (az_bus.dat, kept), truncates it to one
 * page, then writes to the third page: SIGBUS at file offset 0x2010.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

__attribute__((noinline)) void
put_record(volatile char *base, long off)
{
	base[off] = 'x';
}

int
main(void)
{
	int fd = open("az_bus.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 3 * 4096) != 0)
		return 2;
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || ftruncate(fd, 4096) != 0)
		return 2;
	put_record(p, 0x2010);
	return 0;
}
