/* Touching a file mapping past the end of the (truncated) file: SIGBUS
 * with BUS_ADRERR. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

__attribute__((noinline)) int touch(volatile char *p) { return p[100]; }

int main(void)
{
	char path[] = "sigbus-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return 1;
	char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	unlink(path);
	if (ftruncate(fd, 0) < 0)
		return 1;
	return touch(p);
}
