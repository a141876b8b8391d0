/* A cache of separate debug files with their compressed sections
 * inflated.  Debian's -dbg packages ship .debug files whose DWARF
 * sections are zlib-compressed (SHF_COMPRESSED), and libdw inflates every
 * one of them when it opens the file: for libc that is 10 MB of zlib per
 * run, most of pmdb's time on a small core.  The inflated copy is written
 * once to CACHE/debug/BUILD-ID.debug and mapped on later runs; a copy
 * whose build-id or layout does not check out is rebuilt.  The copy is
 * looked up before libdwfl's own search: once libdwfl has found the
 * original it keeps its own handle on it. */
#include "debugcache.h"
#include "../base/err.h"
#include "../base/util.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char *cache_dir;      /* NULL until configured or defaulted */
static bool cache_off;

void pm_debugcache_configure(const char *dir)
{
	free(cache_dir);
	cache_dir = NULL;
	cache_off = dir && !*dir;
	if (dir && *dir)
		cache_dir = xasprintf("%s/debug", dir);
}

/* $PMDB_CACHE_DIR (empty: no cache), else $XDG_CACHE_HOME/pmdb, else
 * ~/.cache/pmdb, where users expect caches. */
static const char *debug_dir(void)
{
	if (cache_off)
		return NULL;
	if (cache_dir)
		return cache_dir;
	const char *env = getenv("PMDB_CACHE_DIR");
	if (env) {
		pm_debugcache_configure(env);
		return cache_dir;
	}
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		cache_dir = xasprintf("%s/pmdb/debug", xdg);
	else if (home && *home)
		cache_dir = xasprintf("%s/.cache/pmdb/debug", home);
	else
		cache_off = true;
	return cache_dir;
}

static bool section_is_debug(Elf *elf, size_t shstrndx, const GElf_Shdr *sh)
{
	const char *name = elf_strptr(elf, shstrndx, sh->sh_name);
	return name && strncmp(name, ".debug_", 7) == 0;
}

/* Does the file have compressed DWARF sections to inflate?  Files that
 * point to a dwz supplementary file are left alone: libdwfl finds that
 * file relative to the debug file's own folder. */
static bool worth_caching(int fd)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t shstrndx;
	bool found = false, altlink = false;
	if (elf && elf_kind(elf) == ELF_K_ELF && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh))
				continue;
			const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
			if (name && strcmp(name, ".gnu_debugaltlink") == 0)
				altlink = true;
			if ((sh.sh_flags & SHF_COMPRESSED) && section_is_debug(elf, shstrndx, &sh))
				found = true;
		}
	}
	elf_end(elf);
	return found && !altlink;
}

/* A cached copy is used only if it is an ELF file with the module's
 * build-id and DWARF sections, none compressed, every section inside the
 * file (a copy cut short by a full disk or a crash fails this). */
static bool cache_file_ok(int fd, const unsigned char *id, int idlen)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	bool ok = elf && elf_kind(elf) == ELF_K_ELF;
	const void *bid;
	ok = ok && dwelf_elf_gnu_build_id(elf, &bid) == idlen && memcmp(bid, id, (size_t)idlen) == 0;
	size_t shstrndx;
	ok = ok && elf_getshdrstrndx(elf, &shstrndx) == 0;
	bool dwarf = false;
	for (Elf_Scn *scn = NULL; ok && (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_flags & SHF_COMPRESSED))
			ok = false;
		else if (sh.sh_type != SHT_NOBITS &&
			 (sh.sh_offset > (uint64_t)st.st_size || sh.sh_size > (uint64_t)st.st_size - sh.sh_offset))
			ok = false;
		else if (section_is_debug(elf, shstrndx, &sh))
			dwarf = true;
	}
	elf_end(elf);
	return ok && dwarf;
}

static bool copy_fd(int from, int to)
{
	char buf[1 << 16];
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(from, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			return true;
		if (!pm_write_all(to, buf, (size_t)n))
			return false;
		off += n;
	}
}

/* Inflate in place: a byte copy of the file, then libelf decompresses
 * each compressed debug section and lays the file out again. */
static bool inflate_copy(int src, int dst)
{
	if (!copy_fd(src, dst))
		return false;
	Elf *elf = elf_begin(dst, ELF_C_RDWR, NULL);
	size_t shstrndx;
	bool ok = elf && elf_kind(elf) == ELF_K_ELF && elf_getshdrstrndx(elf, &shstrndx) == 0;
	for (Elf_Scn *scn = NULL; ok && (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			ok = false;
		else if ((sh.sh_flags & SHF_COMPRESSED) && section_is_debug(elf, shstrndx, &sh))
			ok = elf_compress(scn, 0, 0) >= 0;
	}
	ok = ok && elf_update(elf, ELF_C_WRITE) >= 0;
	elf_end(elf);
	return ok;
}

static int open_cached(const char *path, const unsigned char *id, int idlen,
		       pm_debugcache_checker *check)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !check(fd, id, idlen)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
	free(p);
}

/* A new file at PATH made by WRITE into a temporary one renamed into
 * place once complete, and checked; its fd, or -1 (*ERR set when WRITE
 * failed; -2 when no temporary file can be made there). */
static int build_cached(const char *dir, const char *path, const struct pm_debugcache_job *job,
			const unsigned char *id, int idlen, struct pm_err **err)
{
	*err = NULL;
	mkdirs(dir);
	char *tmp = xasprintf("%s/.tmp.XXXXXX", dir);
	int dst = mkostemp(tmp, O_CLOEXEC);
	int fd = -2;
	if (dst >= 0) {
		fd = -1;
		*err = job->write(dst, job->arg);
		bool ok = !*err && fchmod(dst, 0644) == 0;
		close(dst);
		/* rename is atomic: a concurrent pmdb sees the old copy or the new */
		if (ok && rename(tmp, path) == 0)
			fd = open_cached(path, id, idlen, job->check);
		else
			unlink(tmp);
	}
	free(tmp);
	return fd;
}

static struct pm_err *inflate_into(int dst, void *src)
{
	return inflate_copy(*(int *)src, dst) ? NULL :
	       pm_err_new(PM_ERR_IO, "cannot inflate a debug file into the cache");
}

static char *cache_path(const char *dir, const unsigned char *id, int idlen, const char *suffix)
{
	char hex[129];
	for (int i = 0; i < idlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	return xasprintf("%s/%s.%s", dir, hex, suffix);
}

int pm_debugcache_lookup(const unsigned char *id, int idlen, char **path)
{
	const char *dir = debug_dir();
	if (!dir || idlen <= 0 || idlen > 64)
		return -1;
	char *p = cache_path(dir, id, idlen, "debug");
	int fd = open_cached(p, id, idlen, cache_file_ok);
	if (fd >= 0)
		*path = p;
	else
		free(p);
	return fd;
}

void pm_debugcache_store(int fd, const unsigned char *id, int idlen)
{
	const char *dir = debug_dir();
	if (!dir || idlen <= 0 || idlen > 64 || !worth_caching(fd))
		return;
	char *path = cache_path(dir, id, idlen, "debug");
	struct pm_err *err;
	struct pm_debugcache_job job = { "debug", inflate_into, cache_file_ok, &fd };
	int cfd = build_cached(dir, path, &job, id, idlen, &err);
	if (cfd >= 0)
		close(cfd);
	pm_err_free(err);     /* no copy: the next run inflates again */
	free(path);
}

static int generate_in_memory(const struct pm_debugcache_job *job, char **path,
			      struct pm_err **err)
{
	int fd = memfd_create("pmdb-generated", MFD_CLOEXEC);
	if (fd < 0) {
		*err = pm_err_new(PM_ERR_IO, "memfd_create: %s", strerror(errno));
		return -1;
	}
	if ((*err = job->write(fd, job->arg))) {
		close(fd);
		return -1;
	}
	*path = xstrdup("(in memory, not cached)");
	return fd;
}

bool pm_debugcache_is_debug_file(int fd, const unsigned char *id, int idlen)
{
	return cache_file_ok(fd, id, idlen);
}

int pm_debugcache_generated(const unsigned char *id, int idlen, const struct pm_debugcache_job *job,
			    char **path, bool *made, struct pm_err **err)
{
	*err = NULL;
	*made = false;
	const char *dir = debug_dir();
	if (!dir || idlen <= 0 || idlen > 64) {
		*made = true;
		return generate_in_memory(job, path, err);
	}
	char *p = cache_path(dir, id, idlen, job->suffix);
	int fd = open_cached(p, id, idlen, job->check);
	if (fd >= 0) {
		*path = p;
		return fd;
	}
	*made = true;
	fd = build_cached(dir, p, job, id, idlen, err);
	if (fd == -2) {
		/* a read-only cache: the file is still needed for this run */
		free(p);
		return generate_in_memory(job, path, err);
	}
	if (fd >= 0) {
		*path = p;
		return fd;
	}
	if (!*err)
		*err = pm_err_new(PM_ERR_IO, "the file written to %s did not check out", p);
	free(p);
	return -1;
}
