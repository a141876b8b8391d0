/* Compressed dumps (systemd-coredump's .zst, .lz4, .xz): recognised by
 * their first bytes and inflated into an unlinked scratch file. */
#ifndef PM_UNPACK_H
#define PM_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

/* "zstd", "xz" or "lz4" when the bytes start such a stream, else NULL. */
const char *pm_unpack_kind(const unsigned char *magic, size_t n);

/* Inflate the stream in path into a scratch file; *fd is its descriptor. */
struct pm_err *pm_unpack(const char *path, const char *kind, int *fd);

/* An unlinked scratch file for an inflated or reassembled dump: in $TMPDIR,
 * else /var/tmp, else /tmp (a memfd if none takes one); *where names the
 * folder and *free_space what its filesystem has free. */
int pm_scratch_open(const char **where, uint64_t *free_space);

/* The size an ELF core's headers, among the first `written` bytes of fd,
 * describe: 1 and *size when known, 0 when more bytes are needed, -1 when
 * they give no bound (not a 64-bit little-endian ELF file). */
int pm_unpack_claimed_size(int fd, uint64_t written, uint64_t *size);
/* The same, from the core's first len bytes in memory. */
int pm_core_claimed_size(const void *buf, size_t len, uint64_t *size);

#endif
