/* Compressed dumps are inflated, streaming, into an unlinked scratch file
 * that the ELF and kdump readers then open like a file.  systemd-coredump
 * writes one zstd/xz/lz4 frame, which cannot be read at random without
 * inflating it from the start; the scratch file lives on disk ($TMPDIR, else
 * /var/tmp), so the core costs page cache the kernel can drop, not memory
 * (a memfd only if no disk is writable).  The inflated size is bounded by
 * what the core's own ELF headers describe and by the disk's free space. */
#include "unpack.h"
#include "codec.h"
#include "../base/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define CHUNK (1u << 17)
/* past the size the ELF headers give: what a writer may pad at the end */
#define SLACK (1u << 20)

/* What the inflated bytes may grow to, and what the reader is told. */
struct bound {
	uint64_t limit;          /* stop past this many bytes */
	int claimed;             /* pm_unpack_claimed_size's answer: 0 not yet known */
	uint64_t free_space;     /* on the scratch file's filesystem, UINT64_MAX if unknown */
	const char *where;       /* the scratch file's folder, for messages */
};

int pm_scratch_open(const char **where, uint64_t *free_space)
{
	const char *dirs[] = { getenv("TMPDIR"), "/var/tmp", "/tmp" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		if (!dirs[i] || !dirs[i][0])
			continue;
		int fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		struct statvfs sv;
		if (fd < 0)
			continue;
		*where = dirs[i];
		*free_space = fstatvfs(fd, &sv) == 0 ? (uint64_t)sv.f_bavail * sv.f_frsize : UINT64_MAX;
		return fd;
	}
	*where = "memory";
	*free_space = UINT64_MAX;
	return memfd_create("pmdb-core", MFD_CLOEXEC);
}

/* After each write: learn the core's size from its headers once they are
 * out, and refuse what cannot fit or runs past it. */
static struct pm_err *check_bound(const char *path, struct bound *b, int fd, unsigned long long made)
{
	uint64_t claimed;
	if (b->claimed == 0 && (b->claimed = pm_unpack_claimed_size(fd, made, &claimed)) == 1) {
		if (claimed > b->free_space)
			return pm_err_new(PM_ERR_IO, "%s: the inflated core needs %llu bytes; %s has %llu "
					  "free (set TMPDIR to a larger filesystem)", path,
					  (unsigned long long)claimed, b->where,
					  (unsigned long long)b->free_space);
		b->limit = claimed + SLACK;
	}
	if (made > b->limit)
		return pm_err_new(PM_ERR_FORMAT, "%s: inflates past the %llu bytes its ELF headers "
				  "describe (a decompression bomb, or not a core): stopped", path,
				  (unsigned long long)(b->limit - SLACK));
	return NULL;
}

const char *pm_unpack_kind(const unsigned char *m, size_t n)
{
	if (n >= 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0)
		return "zstd";
	if (n >= 6 && memcmp(m, "\xfd" "7zXZ\0", 6) == 0)
		return "xz";
	if (n >= 4 && memcmp(m, "\x04\x22\x4d\x18", 4) == 0)
		return "lz4";
	return NULL;
}

static struct pm_err *inflate(const char *path, const struct pm_codec *c, void *st, FILE *f,
			      int fd, struct bound *b)
{
	uint8_t *in = xmalloc(CHUNK), *out = xmalloc(CHUNK);
	struct pm_zbuf z = { .in = in, .out = out, .out_cap = CHUNK };
	unsigned long long before_chunk = 0, made = 0;
	bool eof = false, boundary = false;
	struct pm_err *err = NULL;
	for (;;) {
		if (z.in_pos == z.in_len && !eof) {
			before_chunk += z.in_len;
			z.in_len = fread(in, 1, CHUNK, f);
			z.in_pos = 0;
			if (z.in_len == 0 && ferror(f)) {
				err = pm_err_new(PM_ERR_IO, "%s: read error: %s", path, strerror(errno));
				break;
			}
			eof = z.in_len == 0;
		}
		size_t in_was = z.in_pos;
		const char *why = "";
		z.out_pos = 0;
		enum pm_codec_status s = c->step(st, &z, eof, &why);
		if (s == PM_CODEC_ERROR && boundary && z.in_pos == in_was) {
			err = pm_err_new(PM_ERR_FORMAT, "%s: %llu bytes of %s data, then bytes that "
					 "are not (%s)", path, before_chunk + in_was, c->name, why);
			break;
		}
		if (s == PM_CODEC_ERROR) {
			err = pm_err_new(PM_ERR_FORMAT, "%s: corrupt %s data in its first %llu compressed "
					 "bytes (%llu bytes inflated before it): %s", path, c->name,
					 before_chunk + z.in_len, made, why);
			break;
		}
		if (z.out_pos && !pm_write_all(fd, out, z.out_pos)) {
			err = pm_err_new(PM_ERR_IO, "%s: cannot write the inflated core to %s (%llu "
					 "bytes so far): %s", path, b->where, made, strerror(errno));
			break;
		}
		made += z.out_pos;
		if (z.out_pos && (err = check_bound(path, b, fd, made)))
			break;
		bool progress = z.out_pos || z.in_pos != in_was;
		if (s == PM_CODEC_END)
			boundary = true;
		else if (progress)
			boundary = false;
		if (eof && !progress) {
			if (!boundary)
				err = pm_err_new(PM_ERR_FORMAT, "%s: truncated %s stream: the file ends "
						 "after %llu compressed bytes, inside a frame (%llu "
						 "bytes inflated)", path, c->name, before_chunk, made);
			break;
		}
	}
	free(in);
	free(out);
	return err;
}

struct pm_err *pm_unpack(const char *path, const char *kind, int *fdp)
{
	const struct pm_codec *c = pm_codec_find(kind);
	if (!c)
		return pm_err_new(PM_ERR_FORMAT, "%s: %s compression is not supported", path, kind);
	FILE *f = fopen(path, "rb");
	if (!f)
		return pm_err_new(PM_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	struct bound b = { .limit = UINT64_MAX };
	int fd = pm_scratch_open(&b.where, &b.free_space);
	if (fd < 0) {
		fclose(f);
		return pm_err_new(PM_ERR_IO, "%s: no scratch file to inflate it into: %s", path, strerror(errno));
	}
	void *st = c->start();
	struct pm_err *err = st ? inflate(path, c, st, f, fd, &b) : PM_ERR_NOMEM_OBJ;
	if (st)
		c->end(st);
	fclose(f);
	if (err) {
		close(fd);
		return err;
	}
	*fdp = fd;
	return NULL;
}
