/* Small allocation and string helpers that abort on out-of-memory: used only
 * for bookkeeping sizes bounded by the input, never for sizes read raw from a
 * dump (those are checked first). */
#ifndef PM_UTIL_H
#define PM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *arr (of element size elsz) so it holds at least need elements. */
void vec_reserve(void *arrp, size_t *cap, size_t need, size_t elsz);

/* In an array of n elements of size elsz sorted on the uint64_t at byte
 * offset off of each: how many come first with that key <= key (the index
 * just past the last one at or below key). */
size_t pm_count_le(const void *base, size_t n, size_t elsz, size_t off, uint64_t key);

/* write(2) until all n bytes are written (EINTR retried); false on error. */
bool pm_write_all(int fd, const void *p, size_t n);
/* pread(2) until len bytes from off are in, EOF or an error (EINTR
 * retried); returns how many were read. */
size_t pm_pread_all(int fd, uint64_t off, void *buf, size_t len);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Little-endian values from untrusted bytes (dumps are read on x86-64 and
 * AArch64 hosts, both little-endian; callers check the bounds). */
static inline uint16_t pm_le16(const void *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t pm_le32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t pm_le64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

#endif
