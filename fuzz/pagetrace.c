/* pagetrace DUMP CMDS: open DUMP, run CMDS and print the file offsets of
 * the 4 KiB pages of DUMP that pmdb read through its memory map, one hex
 * number a line.  pmdb maps the dump with mmap (src/target/memmap.c);
 * linked with -Wl,--wrap=mmap, the map is made inaccessible and each page
 * is let in, and recorded, on its first fault. */
#include "pmdb.h"
#include "cmd/cmds.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

#define MAX_MAPS 8
static struct { char *base; size_t len; unsigned char *seen; } maps[MAX_MAPS];
static size_t nmaps;

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = __real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && fd >= 0 && off == 0 && nmaps < MAX_MAPS) {
		maps[nmaps].base = p;
		maps[nmaps].len = len;
		maps[nmaps].seen = calloc(len / 4096 + 1, 1);
		nmaps++;
		mprotect(p, len, PROT_NONE);
	}
	return p;
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char *a = si->si_addr;
	for (size_t i = 0; i < nmaps; i++)
		if (a >= maps[i].base && a < maps[i].base + maps[i].len) {
			size_t pg = (size_t)(a - maps[i].base) / 4096;
			maps[i].seen[pg] = 1;
			mprotect(maps[i].base + pg * 4096, 4096, PROT_READ);
			return;
		}
	signal(sig, SIG_DFL);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: pagetrace DUMP CMDS\n");
		return 2;
	}
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };
	sigaction(SIGSEGV, &sa, NULL);
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
	for (size_t i = 0; i < nmaps; i++)
		for (size_t pg = 0; pg <= maps[i].len / 4096; pg++)
			if (maps[i].seen[pg])
				printf("%zx\n", pg * 4096);
	return 0;
}
