/* Reading a file through pread(2) and a few cached pages, for the core
 * file's bytes.  Not mmap: touching one page of a mapped file makes the
 * kernel map its neighbours too (fault-around, 64 KiB), and all of them
 * count in our RSS; a 1,000-thread core, one page read per stack, then
 * costs 64 MiB. */
#ifndef PM_PAGECACHE_H
#define PM_PAGECACHE_H

#include <stddef.h>
#include <stdint.h>

#define PM_PAGECACHE_PAGES 32
#define PM_PAGECACHE_PAGE 4096

struct pm_pagecache {
	int fd;                 /* not owned */
	uint64_t size;          /* of the file */
	unsigned char *buf;     /* PAGES pages, allocated at the first read */
	uint64_t tag[PM_PAGECACHE_PAGES];   /* page number + 1; 0: empty */
};

/* pm_backing's read callback (ctx: a struct pm_pagecache): bytes from off
 * on, as many as the file has, up to len. */
size_t pm_pagecache_read(void *ctx, uint64_t off, void *buf, size_t len);
void pm_pagecache_free(struct pm_pagecache *pc);

#endif
