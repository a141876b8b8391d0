/* Writing a core of a live process (::gcore, pmdb --gcore): an ELF ET_CORE
 * laid out as the kernel lays one out, with one PT_LOAD per mapping and the
 * contents of those /proc/PID/coredump_filter selects (the kernel's rules
 * in fs/binfmt_elf.c vma_dump_size, seen from /proc/PID/smaps).  Pages that
 * read as zeros are left as holes, so a big untouched heap costs nothing. */
#include "live_gcore.h"
#include "../base/util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* coredump_filter bits (core(5)) */
enum {
	ANON_PRIVATE = 1 << 0, ANON_SHARED = 1 << 1, FILE_PRIVATE = 1 << 2, FILE_SHARED = 1 << 3,
	ELF_HEADERS = 1 << 4, HUGE_PRIVATE = 1 << 5, HUGE_SHARED = 1 << 6,
};

/* What /proc/PID/smaps says of one mapping. */
struct smaps_entry {
	uint64_t start;
	bool shared, written, dontdump, io, huge;
	bool special;   /* a mapping the kernel names: [vdso], [vvar], [vsyscall] ... */
};

static unsigned coredump_filter(int pid)
{
	char *txt = pm_live_slurp(pid, "coredump_filter", NULL);
	unsigned v = txt ? (unsigned)strtoul(txt, NULL, 16) : 0x33;
	free(txt);
	return v;
}

static bool has_flag(const char *flags, const char *f)
{
	for (const char *p = flags; (p = strstr(p, f)) != NULL; p += 2)
		if ((p == flags || p[-1] == ' ') && (p[2] == ' ' || p[2] == '\n' || !p[2]))
			return true;
	return false;
}

/* The kernel's special mappings (a vm_operations name): it dumps them
 * whole, whatever coredump_filter says.  Not the heap, stacks or named
 * anonymous memory, which /proc also shows in brackets. */
static bool special_name(const char *name)
{
	return name[0] == '[' && strcmp(name, "[heap]") != 0 && strncmp(name, "[stack", 6) != 0 &&
	       strncmp(name, "[anon:", 6) != 0 && strncmp(name, "[anon_shmem:", 12) != 0;
}

static struct smaps_entry *read_smaps(int pid, size_t *n)
{
	char *txt = pm_live_slurp(pid, "smaps", NULL);
	struct smaps_entry *v = NULL;
	size_t cap = 0;
	*n = 0;
	for (char *line = txt, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		unsigned long long start, end;
		char perms[8];
		int name_at = 0;
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &start, &end, perms, &name_at) >= 3) {
			vec_reserve(&v, &cap, *n + 1, sizeof(*v));
			v[(*n)++] = (struct smaps_entry){ .start = start, .shared = perms[3] == 's',
							  .special = name_at && special_name(line + name_at) };
		} else if (*n && strncmp(line, "Anonymous:", 10) == 0) {
			v[*n - 1].written = strtoul(line + 10, NULL, 10) > 0;
		} else if (*n && strncmp(line, "VmFlags:", 8) == 0) {
			v[*n - 1].dontdump = has_flag(line + 8, "dd");
			v[*n - 1].io = has_flag(line + 8, "io");
			v[*n - 1].huge = has_flag(line + 8, "ht");
		}
	}
	free(txt);
	return v;
}

static const struct smaps_entry *smaps_of(const struct smaps_entry *v, size_t n, uint64_t start)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].start == start)
			return &v[i];
	return NULL;
}

/* A file that is gone counts as anonymous shared memory (memfd, SysV shm,
 * a deleted file), as the kernel decides by the inode's link count. */
static bool unlinked(const char *path)
{
	size_t n = strlen(path);
	return strncmp(path, "/memfd:", 7) == 0 || strncmp(path, "/SYSV", 5) == 0 ||
	       (n > 10 && strcmp(path + n - 10, " (deleted)") == 0);
}

static bool starts_with_elf(struct pm_live *l, uint64_t addr)
{
	unsigned char m[4];
	return l->mem.read(l->mem.read_ctx, addr, m, 4) == 4 && memcmp(m, ELFMAG, SELFMAG) == 0;
}

/* Bytes of mapping m to write, from its start. */
static uint64_t dump_size(struct pm_live *l, const struct pm_mapping *m, const struct smaps_entry *s,
			  unsigned filter, uint64_t page)
{
	uint64_t whole = m->end - m->start;
	if (s && s->special)
		return whole;   /* the kernel always dumps these, as far as it can read them */
	if (!s || s->dontdump || s->io || !(m->prot & PF_R))
		return 0;
	if (s->huge)
		return filter & (s->shared ? HUGE_SHARED : HUGE_PRIVATE) ? whole : 0;
	if (s->shared) {
		bool anon = !m->path || unlinked(m->path);
		return filter & (anon ? ANON_SHARED : FILE_SHARED) ? whole : 0;
	}
	if ((s->written || !m->path) && (filter & ANON_PRIVATE))
		return whole;
	if (!m->path)
		return 0;
	if (filter & FILE_PRIVATE)
		return whole;
	if ((filter & ELF_HEADERS) && m->offset == 0 && starts_with_elf(l, m->start))
		return page;
	return 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static struct pm_err *write_at(int fd, const void *buf, size_t len, uint64_t off, const char *path)
{
	const char *p = buf;
	while (len) {
		ssize_t w = pwrite(fd, p, len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return pm_err_new(PM_ERR_IO, "cannot write %s: %s", path, strerror(w < 0 ? errno : ENOSPC));
		p += w;
		off += (uint64_t)w;
		len -= (size_t)w;
	}
	return NULL;
}

/* Copy [start, start+len) of the process to offset off, a chunk at a time;
 * what cannot be read, and what is zero, stays a hole. */
static struct pm_err *copy_memory(struct pm_live *l, int fd, const char *path, uint64_t start,
				  uint64_t len, uint64_t off, uint64_t page)
{
	enum { CHUNK = 1 << 20 };
	unsigned char *buf = xmalloc(CHUNK);
	struct pm_err *err = NULL;
	for (uint64_t done = 0; !err && done < len;) {
		size_t want = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		size_t got = l->mem.read(l->mem.read_ctx, start + done, buf, want);
		if (got == 0) {            /* an unreadable page: skip it */
			done += page;
			continue;
		}
		for (size_t p = 0; !err && p < got; p += page) {
			size_t n = got - p < page ? got - p : page;
			if (!all_zero(buf + p, n))
				err = write_at(fd, buf + p, n, off + done + p, path);
		}
		done += got;
	}
	free(buf);
	return err;
}

struct layout {
	Elf64_Phdr *ph;       /* [0] is PT_NOTE */
	size_t nph;
	uint64_t notes_off, end;
};

static void plan(struct pm_target *t, const struct pm_notebuf *notes, uint64_t page, struct layout *lo,
		 struct pm_gcore_stats *st)
{
	struct pm_live *l = t->priv;
	unsigned filter = coredump_filter(l->pid);
	size_t ns;
	struct smaps_entry *sm = read_smaps(l->pid, &ns);
	lo->nph = t->nmaps + 1;
	lo->ph = xcalloc(lo->nph, sizeof(*lo->ph));
	bool xnum = lo->nph >= PN_XNUM;
	lo->notes_off = sizeof(Elf64_Ehdr) + lo->nph * sizeof(Elf64_Phdr) + (xnum ? sizeof(Elf64_Shdr) : 0);
	lo->ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = lo->notes_off, .p_filesz = notes->len,
				  .p_align = 4 };
	uint64_t off = (lo->notes_off + notes->len + page - 1) & ~(page - 1);
	for (size_t i = 0; i < t->nmaps; i++) {
		const struct pm_mapping *m = &t->maps[i];
		uint64_t size = dump_size(l, m, smaps_of(sm, ns, m->start), filter, page);
		lo->ph[i + 1] = (Elf64_Phdr){
			.p_type = PT_LOAD, .p_offset = off, .p_vaddr = m->start, .p_filesz = size,
			.p_memsz = m->end - m->start, .p_align = page,
			.p_flags = (m->prot & PF_R ? PF_R : 0) | (m->prot & PF_W ? PF_W : 0) |
				   (m->prot & PF_X ? PF_X : 0),
		};
		off += size;
		st->ndumped += size > 0;
		st->bytes += size;
	}
	st->nsegments = t->nmaps;
	st->nthreads = t->nthreads;
	lo->end = off;
	free(sm);
}

static struct pm_err *write_headers(int fd, const char *path, const struct layout *lo,
				    const struct pm_notebuf *notes)
{
	bool xnum = lo->nph >= PN_XNUM;
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT,
			     ELFOSABI_NONE },
		.e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = xnum ? PN_XNUM : (Elf64_Half)lo->nph,
	};
	struct pm_err *err;
	if (xnum) {   /* the real count lives in section header 0 */
		uint64_t shoff = sizeof(Elf64_Ehdr) + lo->nph * sizeof(Elf64_Phdr);
		eh.e_shoff = shoff;
		eh.e_shentsize = sizeof(Elf64_Shdr);
		eh.e_shnum = 1;
		Elf64_Shdr sh = { .sh_info = (Elf64_Word)lo->nph };
		if ((err = write_at(fd, &sh, sizeof(sh), shoff, path)))
			return err;
	}
	if ((err = write_at(fd, &eh, sizeof(eh), 0, path)) ||
	    (err = write_at(fd, lo->ph, lo->nph * sizeof(Elf64_Phdr), sizeof(eh), path)))
		return err;
	return write_at(fd, notes->data, notes->len, lo->notes_off, path);
}

struct pm_err *pm_live_gcore(struct pm_target *t, const char *path, struct pm_gcore_stats *st)
{
	if (!t->live_pid)
		return pm_err_new(PM_ERR_GENERIC, "::gcore writes a core of a live process (pmdb -p PID); "
				  "this target is %s", t->ops->kind);
	if (strcmp(t->arch->name, "x86_64") != 0)
		return pm_err_new(PM_ERR_GENERIC, "::gcore writes x86-64 cores only");
	struct pm_live *l = t->priv;
	if (l->exited || !t->nthreads)
		return pm_err_new(PM_ERR_GENERIC, "::gcore: the process has exited");
	if (l->nostop)
		return pm_err_new(PM_ERR_GENERIC, "::gcore: with -o nostop the process runs while pmdb reads "
				  "it, so a core would mix moments; attach without -o nostop");
	memset(st, 0, sizeof(*st));
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct pm_notebuf notes = { 0 };
	pm_gcore_notes(t, &notes);
	struct layout lo;
	plan(t, &notes, page, &lo, st);

	/* a core holds the process's secrets: written readable by its owner
	 * only, under a new name renamed into place, so that neither a file
	 * already there (and its mode) nor a symlink is written through */
	char *tmp = xasprintf("%s.pmdb-%d.tmp", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct pm_err *err = NULL;
	if (fd < 0)
		err = pm_err_new(PM_ERR_IO, "cannot create %s: %s", path, strerror(errno));
	if (!err)
		err = write_headers(fd, path, &lo, &notes);
	for (size_t i = 1; !err && i < lo.nph; i++)
		if (lo.ph[i].p_filesz)
			err = copy_memory(l, fd, path, lo.ph[i].p_vaddr, lo.ph[i].p_filesz, lo.ph[i].p_offset, page);
	if (!err && ftruncate(fd, (off_t)lo.end) < 0)
		err = pm_err_new(PM_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0 && close(fd) < 0 && !err)
		err = pm_err_new(PM_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	if (!err && rename(tmp, path) < 0)
		err = pm_err_new(PM_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	if (err && fd >= 0)
		unlink(tmp);
	free(tmp);
	free(lo.ph);
	free(notes.data);
	return err;
}
