/* One sorted map from target address to the bytes behind it.  Every target
 * fills one: a core maps PT_LOAD contents to the core file and file-backed
 * parts the core omitted to the mapped file on disk.  Lookups are binary
 * searches; a read may span several adjacent segments. */
#ifndef PM_MEMMAP_H
#define PM_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

/* A backing store: a whole file mapped read-only (or a hole), or a
 * reader function (a compressed dump decompressing pages as asked). */
struct pm_backing {
	char *path;
	/* when set: bytes from offset off on, as many as are there */
	size_t (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	void *read_ctx;
	const unsigned char *data; /* NULL until opened, or if it failed */
	uint64_t size;
	int state;                  /* 0 not yet opened, 1 ok, -1 failed */
	char *why;                  /* why it is unusable, when state == -1 */
};

struct pm_segment {
	uint64_t start, end;        /* [start, end) in the target */
	struct pm_backing *backing; /* NULL: known to be unavailable */
	uint64_t offset;            /* offset of start in the backing */
};

struct pm_memmap {
	struct pm_segment *segs;
	size_t nsegs, cap;
	int sorted;
	/* when set: the reader of an address no segment holds (a live kernel
	 * translates it through its page tables as they are now); returns
	 * the bytes read from addr on, 0 if none */
	size_t (*miss)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *miss_ctx;
};

void pm_memmap_add(struct pm_memmap *m, uint64_t start, uint64_t end,
		   struct pm_backing *backing, uint64_t offset);
void pm_memmap_finish(struct pm_memmap *m);
/* Segment containing addr, or NULL. */
const struct pm_segment *pm_memmap_find(const struct pm_memmap *m, uint64_t addr);
/* Read exactly len bytes or fail with a fault naming the first missing
 * address; what names the object being read, for the message. */
struct pm_err *pm_memmap_read(struct pm_memmap *m, uint64_t addr, void *buf,
			      size_t len, const char *what);
/* Read up to len bytes; returns how many were readable from addr on. */
size_t pm_memmap_read_partial(struct pm_memmap *m, uint64_t addr, void *buf, size_t len);
void pm_memmap_free(struct pm_memmap *m);

/* Map a backing file on first use; returns 0 on success. */
int pm_backing_open(struct pm_backing *b);

#endif
