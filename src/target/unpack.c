/* Compressed dumps are inflated, streaming, into a memfd that the ELF and
 * kdump readers then open like a file.  This holds the whole inflated core
 * in memory (or swap): systemd-coredump writes one zstd/xz/lz4 frame, which
 * cannot be read at random without inflating it from the start, so reading
 * only what is touched would need an index of restart points (not done). */
#include "unpack.h"
#include "codec.h"
#include "../base/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHUNK (1u << 17)

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
			      int fd)
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
			err = pm_err_new(PM_ERR_IO, "%s: cannot hold the inflated core in memory "
					 "(%llu bytes so far): %s", path, made, strerror(errno));
			break;
		}
		made += z.out_pos;
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
	int fd = memfd_create("pmdb-core", MFD_CLOEXEC);
	if (fd < 0) {
		fclose(f);
		return pm_err_new(PM_ERR_IO, "%s: memfd_create: %s", path, strerror(errno));
	}
	void *st = c->start();
	struct pm_err *err = st ? inflate(path, c, st, f, fd) : PM_ERR_NOMEM_OBJ;
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
