/* Generic target entry points: probing which kind a file is, and helpers
 * every kind shares. */
#include "target.h"
#include "core.h"
#include "unpack.h"
#include "../base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first bytes say which kind of dump it is. */
enum dump_kind { DUMP_ELF, DUMP_KDUMP, DUMP_FLATTENED, DUMP_PACKED };

static enum dump_kind probe(const char *path, const char **packed)
{
	char magic[16] = { 0 };
	FILE *f = fopen(path, "rb");
	if (!f)
		return DUMP_ELF;       /* the ELF reader says why it cannot open it */
	size_t n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if ((*packed = pm_unpack_kind((const unsigned char *)magic, n)))
		return DUMP_PACKED;
	if (n >= 12 && memcmp(magic, "makedumpfile", 12) == 0)
		return DUMP_FLATTENED;
	if (n >= 8 && (memcmp(magic, "KDUMP   ", 8) == 0 || memcmp(magic, "DISKDUMP", 8) == 0))
		return DUMP_KDUMP;
	return DUMP_ELF;
}

/* The readers open the inflated copy by its /proc/self/fd name; messages
 * and the target carry the user's name instead. */
static struct {
	const char *inner, *outer;
} alias;

/* msg with alias.inner replaced by alias.outer, in a new string. */
static char *unalias(const char *msg)
{
	const char *at = alias.inner ? strstr(msg, alias.inner) : NULL;
	if (!at)
		return xstrdup(msg);
	char *rest = unalias(at + strlen(alias.inner));
	char *s = xasprintf("%.*s%s%s", (int)(at - msg), msg, alias.outer, rest);
	free(rest);
	return s;
}

static struct pm_err *open_packed(const char *path, const char *packed, const char *exe,
				  struct pm_target **out)
{
	int fd;
	struct pm_err *err = pm_unpack(path, packed, &fd);
	if (err)
		return err;
	char *inner = xasprintf("/proc/self/fd/%d", fd);
	const char *nested;
	if (probe(inner, &nested) == DUMP_PACKED)
		err = pm_err_new(PM_ERR_FORMAT, "%s: a %s stream inside %s: not a dump", path,
				 nested, packed);
	else {
		alias.inner = inner;
		alias.outer = path;
		err = pm_target_open(inner, exe, out);
	}
	if (err && err != PM_ERR_NOMEM_OBJ) {
		char *msg = unalias(err->msg);
		struct pm_err *e = pm_err_new(err->code, "%s", msg);
		free(msg);
		pm_err_free(err);
		err = e;
	}
	alias.inner = alias.outer = NULL;
	close(fd);
	free(inner);
	if (err)
		return err;
	free((*out)->path);
	(*out)->path = xstrdup(path);
	(*out)->packed = packed;
	return NULL;
}

struct pm_err *pm_target_open(const char *path, const char *exe, struct pm_target **out)
{
	/* An ELF core is a user core, or a kernel dump when it has VMCOREINFO. */
	const char *packed;
	switch (probe(path, &packed)) {
	case DUMP_PACKED: return open_packed(path, packed, exe, out);
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
	free(t->qemu_cpus);
	free(t->path);
	free(t->exe_path);
	free(t->exe_name);
	free(t);
}

bool pm_target_readable(struct pm_target *t, uint64_t addr)
{
	unsigned char b;
	return pm_memmap_read_partial(&t->mem, addr, &b, 1) == 1;
}

struct pm_err *pm_target_read_u64(struct pm_target *t, uint64_t addr, uint64_t *val,
				  const char *what)
{
	return pm_target_read(t, addr, val, sizeof(*val), what);
}

struct pm_err *pm_target_read_ptr(struct pm_target *t, uint64_t addr, uint64_t *val,
				  const char *what)
{
	unsigned char b[8] = { 0 };
	struct pm_err *err = pm_target_read(t, addr, b, t->arch->ptr_size, what);
	memcpy(val, b, sizeof(*val));      /* little-endian: zero-extended */
	return err;
}

uint64_t pm_target_dt_debug(struct pm_target *t, uint64_t dyn, uint64_t dynsz)
{
	unsigned w = t->arch->ptr_size;
	for (uint64_t off = 0; off + 2 * w <= dynsz && off < (1u << 16); off += 2 * w) {
		uint64_t tag, val;
		struct pm_err *err = pm_target_read_ptr(t, dyn + off, &tag, "dynamic section");
		if (!err)
			err = pm_target_read_ptr(t, dyn + off + w, &val, "dynamic section");
		if (err) {
			pm_err_free(err);
			return 0;
		}
		if (tag == DT_NULL)
			return 0;
		if (tag == DT_DEBUG)
			return val;
	}
	return 0;
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

bool pm_target_label_stack(const struct pm_target *t, struct pm_mapping *m)
{
	for (size_t k = 0; k < t->nthreads; k++) {
		uint64_t sp = t->threads[k].regs[t->arch->sp];
		if (sp < m->start || sp >= m->end)
			continue;
		if (t->threads[k].tid == t->pid)
			snprintf(m->label, sizeof(m->label), "[ stack ]");
		else
			snprintf(m->label, sizeof(m->label), "[ stack tid=%d ]", t->threads[k].tid);
		return true;
	}
	return false;
}

/* Warnings about a dump are worth reading; a hostile core can produce
 * thousands of them, so after MAX_WARNINGS the rest are only counted. */
#define MAX_WARNINGS 50
static unsigned nwarnings;

void pm_warn(const char *fmt, ...)
{
	if (++nwarnings > MAX_WARNINGS) {
		if (nwarnings == MAX_WARNINGS + 1)
			fprintf(stderr, "pmdb: warning: more than %d warnings: the others are not shown\n",
				MAX_WARNINGS);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	char *shown = msg ? unalias(msg) : NULL;
	fprintf(stderr, "pmdb: warning: %s\n", shown ? shown : fmt);
	free(shown);
	free(msg);
}
