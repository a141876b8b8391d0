#include "pagecache.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The cached copy of page pno (direct-mapped), or NULL if unreadable. */
static const unsigned char *page(struct pm_pagecache *pc, uint64_t pno)
{
	if (!pc->buf)
		pc->buf = xmalloc((size_t)PM_PAGECACHE_PAGES * PM_PAGECACHE_PAGE);
	size_t slot = (size_t)(pno % PM_PAGECACHE_PAGES);
	unsigned char *p = pc->buf + slot * PM_PAGECACHE_PAGE;
	if (pc->tag[slot] == pno + 1)
		return p;
	uint64_t off = pno * PM_PAGECACHE_PAGE;
	size_t want = PM_PAGECACHE_PAGE;
	if (off + want > pc->size)
		want = (size_t)(pc->size - off);
	pc->tag[slot] = 0;
	if (pm_pread_all(pc->fd, off, p, want) != want)
		return NULL;
	pc->tag[slot] = pno + 1;
	return p;
}

size_t pm_pagecache_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct pm_pagecache *pc = ctx;
	if (off >= pc->size)
		return 0;
	if (len > pc->size - off)
		len = (size_t)(pc->size - off);
	if (len > PM_PAGECACHE_PAGE)    /* big reads: straight from the file */
		return pm_pread_all(pc->fd, off, buf, len);
	size_t done = 0;
	while (done < len) {
		uint64_t at = off + done;
		const unsigned char *p = page(pc, at / PM_PAGECACHE_PAGE);
		if (!p)
			break;
		size_t in = (size_t)(at % PM_PAGECACHE_PAGE);
		size_t n = PM_PAGECACHE_PAGE - in;
		if (n > len - done)
			n = len - done;
		memcpy((char *)buf + done, p + in, n);
		done += n;
	}
	return done;
}

void pm_pagecache_free(struct pm_pagecache *pc)
{
	free(pc->buf);
	pc->buf = NULL;
	memset(pc->tag, 0, sizeof(pc->tag));
}
