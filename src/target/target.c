/* Generic target entry points: probing which kind a file is, and helpers
 * every kind shares. */
#include "target.h"
#include "core.h"
#include "../base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first bytes say which kind of dump it is. */
enum dump_kind { DUMP_ELF, DUMP_KDUMP, DUMP_FLATTENED };

static enum dump_kind probe(const char *path)
{
	char magic[16] = { 0 };
	FILE *f = fopen(path, "rb");
	if (!f)
		return DUMP_ELF;       /* the ELF reader says why it cannot open it */
	size_t n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (n >= 12 && memcmp(magic, "makedumpfile", 12) == 0)
		return DUMP_FLATTENED;
	if (n >= 8 && (memcmp(magic, "KDUMP   ", 8) == 0 || memcmp(magic, "DISKDUMP", 8) == 0))
		return DUMP_KDUMP;
	return DUMP_ELF;
}

struct pm_err *pm_target_open(const char *path, const char *exe, struct pm_target **out)
{
	/* An ELF core is a user core, or a kernel dump when it has VMCOREINFO. */
	switch (probe(path)) {
	case DUMP_KDUMP: return pm_kdump_open(path, false, out);
	case DUMP_FLATTENED: return pm_kdump_open(path, true, out);
	default: return pm_core_open(path, exe, out);
	}
}

void pm_target_close(struct pm_target *t)
{
	if (!t)
		return;
	t->ops->close(t);
	pm_memmap_free(&t->mem);
	free(t->threads);
	free(t->auxv);
	free(t->files);
	free(t->maps);
	free(t->path);
	free(t->exe_path);
	free(t->exe_name);
	free(t);
}

struct pm_err *pm_target_read_u64(struct pm_target *t, uint64_t addr, uint64_t *val,
				  const char *what)
{
	return pm_target_read(t, addr, val, sizeof(*val), what);
}

struct pm_err *pm_target_read_str(struct pm_target *t, uint64_t addr, size_t max, char **out)
{
	char *buf = xmalloc(max + 1);
	size_t n = 0;
	while (n < max) {
		char chunk[64];
		size_t want = max - n < sizeof(chunk) ? max - n : sizeof(chunk);
		size_t got = pm_memmap_read_partial(&t->mem, addr + n, chunk, want);
		char *nul = memchr(chunk, 0, got);
		if (nul) {
			memcpy(buf + n, chunk, (size_t)(nul - chunk) + 1);
			*out = buf;
			return NULL;
		}
		memcpy(buf + n, chunk, got);
		n += got;
		if (got < want) {
			free(buf);
			return pm_err_fault(addr + n, "string");
		}
	}
	buf[n] = 0;
	*out = buf;
	return NULL;
}

uint64_t pm_target_auxv(const struct pm_target *t, uint64_t key, bool *found)
{
	for (size_t i = 0; i < t->nauxv; i++)
		if (t->auxv[2 * i] == key) {
			*found = true;
			return t->auxv[2 * i + 1];
		}
	*found = false;
	return 0;
}

const struct pm_mapping *pm_target_mapping(const struct pm_target *t, uint64_t addr)
{
	for (size_t i = 0; i < t->nmaps; i++)
		if (addr >= t->maps[i].start && addr < t->maps[i].end)
			return &t->maps[i];
	return NULL;
}

struct pm_thread *pm_target_thread(struct pm_target *t, int tid)
{
	for (size_t i = 0; i < t->nthreads; i++)
		if (t->threads[i].tid == tid)
			return &t->threads[i];
	return NULL;
}

void pm_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("pmdb: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
