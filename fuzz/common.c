#include "common.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static FILE *devnull;

void fuzz_session_init(struct pmdb *db, struct pm_target *t, struct pm_dwarf *dw)
{
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	*db = (struct pmdb){ .out = devnull, .radix = 16, .t = t, .dw = dw };
	db->cur_thread = pm_signal_thread(t);
	if (t->nthreads)
		db->dot = t->threads[db->cur_thread].regs[t->arch->pc];
}

int fuzz_memfd(const uint8_t *data, size_t size, char *path, size_t cap)
{
	int fd = memfd_create("pmdb-fuzz", MFD_CLOEXEC);
	if (fd < 0 || !pm_write_all(fd, data, size))
		abort();
	snprintf(path, cap, "/proc/self/fd/%d", fd);
	return fd;
}

void fuzz_run(const char *dump, const char *exe, const char *cmds)
{
	struct pm_target *t = NULL;
	struct pm_err *err = pm_target_open(dump, exe, &t);
	if (err)
		t = NULL;
	struct pm_dwarf *dw = NULL;
	if (!err)
		err = pm_dwarf_open(t, NULL, &dw);
	if (!err) {
		struct pmdb db;
		fuzz_session_init(&db, t, dw);
		pm_exec_line(&db, cmds);
		fflush(db.out);
	}
	pm_err_free(err);
	pm_dwarf_close(dw);
	pm_target_close(t);
}

void fuzz_dump(const uint8_t *data, size_t size, const char *cmds)
{
	/* no inflated debug files written to the cache by the fuzzer */
	pm_dwarf_set_cache_dir("");
	char path[64];
	int fd = fuzz_memfd(data, size, path, sizeof(path));
	fuzz_run(path, NULL, cmds);
	close(fd);
}
