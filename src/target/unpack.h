/* Compressed dumps (systemd-coredump's .zst, .lz4, .xz): recognised by
 * their first bytes and inflated into an anonymous memory file. */
#ifndef PM_UNPACK_H
#define PM_UNPACK_H

#include <stddef.h>

#include "../base/err.h"

/* "zstd", "xz" or "lz4" when the bytes start such a stream, else NULL. */
const char *pm_unpack_kind(const unsigned char *magic, size_t n);

/* Inflate the stream in path into a memfd; *fd is its descriptor. */
struct pm_err *pm_unpack(const char *path, const char *kind, int *fd);

#endif
