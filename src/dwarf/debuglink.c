/* Separate debug info found by name, as .gnu_debuglink asks: the link's
 * name (FILE.debug without a link) in the file's folder, its .debug/
 * subfolder, each -d folder (flat, and mirroring the file's folder) and
 * /usr/lib/debug mirroring the file's folder.  A candidate must carry
 * the module's build-id, or without one, the link's CRC.
 *
 * pmdb does this itself instead of calling dwfl_standard_find_debuginfo:
 * that function ends every unsuccessful search by loading libdebuginfod
 * and libcurl, 8 ms of a 14 ms run, even when no server is configured. */
#include "debuglink.h"
#include "../target/looklog.h"
#include "../base/util.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static bool crc_matches(int fd, uint32_t want)
{
	unsigned char buf[1 << 16];
	uLong crc = crc32(0, Z_NULL, 0);
	off_t off = 0;
	ssize_t n;
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		crc = crc32(crc, buf, (uInt)n);
		off += n;
	}
	return n == 0 && (uint32_t)crc == want;
}

static bool acceptable(int fd, const struct stat *main_st, const unsigned char *id, int idlen,
		       bool has_crc, uint32_t crc)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	if (main_st && st.st_dev == main_st->st_dev && st.st_ino == main_st->st_ino)
		return false;        /* the main file itself */
	if (idlen > 0) {
		Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		const void *bid;
		ssize_t n = elf ? dwelf_elf_gnu_build_id(elf, &bid) : -1;
		bool same = n == idlen && memcmp(bid, id, (size_t)idlen) == 0;
		elf_end(elf);
		if (n > 0 || !has_crc)
			return same;
	}
	return !has_crc || crc_matches(fd, crc);
}

static int try_path(char *path, const struct stat *main_st, const struct pm_debuglink_query *q,
		    char **found)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && acceptable(fd, main_st, q->id, q->idlen, q->has_crc, q->crc);
	if (q->trace_module)
		pm_looklog_add(q->trace_module, PM_LOOK_DEBUG, "debuglink", path,
			       ok ? "used" : fd < 0 ? "missing" :
			       "not this module's (build-id or CRC differs)");
	if (ok) {
		*found = path;
		return fd;
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return -1;
}

int pm_debuglink_find(const struct pm_debuglink_query *q, char **found)
{
	if (!q->file_name)
		return -1;
	const char *slash = strrchr(q->file_name, '/');
	const char *base = slash ? slash + 1 : q->file_name;
	char *dir = slash ? xstrndup(q->file_name, (size_t)(slash - q->file_name)) : xstrdup(".");
	char *made_up = q->link ? NULL : xasprintf("%s.debug", base);
	const char *link = q->link ? q->link : made_up;
	struct stat main_st;
	bool have_main = stat(q->file_name, &main_st) == 0;
	const struct stat *mst = have_main ? &main_st : NULL;

	int fd = -1;
	if (strchr(link, '/') == NULL) {
		fd = try_path(xasprintf("%s/%s", dir, link), mst, q, found);
		if (fd < 0)
			fd = try_path(xasprintf("%s/.debug/%s", dir, link), mst, q, found);
		for (size_t i = 0; fd < 0 && i < q->ndirs; i++) {
			fd = try_path(xasprintf("%s/%s", q->dirs[i], link), mst, q, found);
			if (fd < 0 && dir[0] == '/')
				fd = try_path(xasprintf("%s%s/%s", q->dirs[i], dir, link), mst, q, found);
		}
	}
	free(dir);
	free(made_up);
	return fd;
}
