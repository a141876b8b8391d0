/* pmdbtrigger SCENARIO: issue /dev/pmdbcrash's ioctl for SCENARIO (null,
 * uaf, lockup, hung).  Built with gcc -static for the initramfs. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

int main(int argc, char **argv)
{
	static const char *const names[] = { "null", "uaf", "lockup", "hung" };
	for (unsigned i = 0; argc == 2 && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(argv[1], names[i]) != 0)
			continue;
		int fd = open("/dev/pmdbcrash", O_RDWR);
		if (fd < 0) {
			perror("/dev/pmdbcrash");
			return 1;
		}
		/* _IO('P', n): no data, type 'P', number n */
		long r = ioctl(fd, _IO('P', i + 1), 0x2a);
		printf("pmdbtrigger: ioctl %s returned %ld\n", names[i], r);
		return 0;
	}
	fprintf(stderr, "usage: pmdbtrigger null|uaf|lockup|hung\n");
	return 2;
}
