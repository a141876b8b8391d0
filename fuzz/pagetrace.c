/* pagetrace DUMP CMDS: open DUMP, run CMDS and print the file offsets of
 * the 4 KiB pages of DUMP that pmdb read, one hex number a line.  pmdb
 * reads a dump with pread through its page cache (src/target/pagecache.c,
 * pm_pread_all); linked with -Wl,--wrap=pm_pread_all, each read is
 * recorded here before it is done. */
#include "pmdb.h"
#include "cmd/cmds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

size_t __real_pm_pread_all(int fd, uint64_t off, void *buf, size_t len);
size_t __wrap_pm_pread_all(int fd, uint64_t off, void *buf, size_t len);

static unsigned char *seen;      /* one byte per page of the dump */
static size_t npages;

size_t __wrap_pm_pread_all(int fd, uint64_t off, void *buf, size_t len)
{
	for (uint64_t pg = off / 4096; len && pg <= (off + len - 1) / 4096 && pg < npages; pg++)
		seen[pg] = 1;
	return __real_pm_pread_all(fd, off, buf, len);
}

int main(int argc, char **argv)
{
	/* --ignore-vmcoreinfo: trace the path that finds the kernel without it */
	if (argc == 4 && strcmp(argv[1], "--ignore-vmcoreinfo") == 0) {
		pm_target_ignore_vmcoreinfo(true);
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: pagetrace [--ignore-vmcoreinfo] DUMP CMDS\n");
		return 2;
	}
	struct stat st;
	if (stat(argv[1], &st) != 0) {
		perror(argv[1]);
		return 2;
	}
	npages = (size_t)st.st_size / 4096 + 1;
	seen = calloc(npages, 1);
	pm_dwarf_set_cache_dir("");
	pm_dwarf_set_vmlinux("");      /* the BTF, as the fuzzer reads it */
	struct pm_target *t;
	struct pm_err *err = pm_target_open(argv[1], NULL, &t);
	if (err) {
		pm_err_report(err);
		return 2;
	}
	struct pm_dwarf *dw = NULL;
	if ((err = pm_dwarf_open(t, NULL, &dw))) {
		pm_err_report(err);
		return 2;
	}
	FILE *devnull = fopen("/dev/null", "w");
	struct pmdb db = { .out = devnull, .radix = 16, .t = t, .dw = dw };
	db.cur_thread = pm_signal_thread(t);
	if (t->nthreads)
		db.dot = t->threads[db.cur_thread].regs[t->arch->pc];
	pm_exec_line(&db, argv[2]);
	size_t n = 0;
	for (size_t pg = 0; pg < npages; pg++)
		if (seen[pg]) {
			printf("%zx\n", pg * 4096);
			n++;
		}
	if (!n)
		fprintf(stderr, "pagetrace: no page of %s was read\n", argv[1]);
	return n ? 0 : 1;
}
