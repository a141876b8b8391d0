#include "memmap.h"
#include "../base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void pm_memmap_add(struct pm_memmap *m, uint64_t start, uint64_t end,
		   struct pm_backing *backing, uint64_t offset)
{
	if (end <= start)
		return;
	vec_reserve(&m->segs, &m->cap, m->nsegs + 1, sizeof(*m->segs));
	m->segs[m->nsegs++] = (struct pm_segment){ start, end, backing, offset };
	m->sorted = 0;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct pm_segment *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

void pm_memmap_finish(struct pm_memmap *m)
{
	if (m->nsegs > 1)
		qsort(m->segs, m->nsegs, sizeof(*m->segs), seg_cmp);
	/* Overlaps only come from hostile or odd dumps: the earlier segment
	 * wins, later ones are clipped so lookups stay a binary search. */
	size_t out = 0;
	for (size_t i = 0; i < m->nsegs; i++) {
		struct pm_segment s = m->segs[i];
		if (out > 0 && s.start < m->segs[out - 1].end) {
			uint64_t cut = m->segs[out - 1].end;
			if (s.end <= cut)
				continue;
			s.offset += cut - s.start;
			s.start = cut;
		}
		m->segs[out++] = s;
	}
	m->nsegs = out;
	m->sorted = 1;
}

const struct pm_segment *pm_memmap_find(const struct pm_memmap *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pm_segment *s = &m->segs[mid];
		if (addr < s->start)
			hi = mid;
		else if (addr >= s->end)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

int pm_backing_open(struct pm_backing *b)
{
	if (b->state)
		return b->state > 0 ? 0 : -1;
	int fd = open(b->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		b->why = xasprintf("%s: %s", b->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		b->state = -1;
		return -1;
	}
	b->size = (uint64_t)st.st_size;
	if (b->size > 0) {
		void *p = mmap(NULL, b->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			b->why = xasprintf("%s: mmap: %s", b->path, strerror(errno));
			close(fd);
			b->state = -1;
			return -1;
		}
		b->data = p;
	}
	close(fd);
	b->state = 1;
	return 0;
}

/* Bytes available in seg from addr on, copying them into buf. */
static size_t seg_read(const struct pm_segment *s, uint64_t addr, void *buf, size_t len)
{
	if (!s->backing)
		return 0;
	uint64_t room = s->end - addr;
	if (len > room)
		len = (size_t)room;
	uint64_t off = s->offset + (addr - s->start);
	if (s->backing->read)
		return s->backing->read(s->backing->read_ctx, off, buf, len);
	if (pm_backing_open(s->backing) < 0)
		return 0;
	if (off >= s->backing->size)
		return 0;
	if (len > s->backing->size - off)
		len = (size_t)(s->backing->size - off);
	memcpy(buf, s->backing->data + off, len);
	return len;
}

size_t pm_memmap_read_partial(struct pm_memmap *m, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		const struct pm_segment *s = pm_memmap_find(m, addr + done);
		if (!s && !m->miss)
			break;
		size_t n = s ? seg_read(s, addr + done, (char *)buf + done, len - done)
			     : m->miss(m->miss_ctx, addr + done, (char *)buf + done, len - done);
		if (n == 0)
			break;
		done += n;
		if (addr + done < addr) /* wrapped */
			break;
	}
	return done;
}

struct pm_err *pm_memmap_read(struct pm_memmap *m, uint64_t addr, void *buf,
			      size_t len, const char *what)
{
	size_t n = pm_memmap_read_partial(m, addr, buf, len);
	if (n == len)
		return NULL;
	return pm_err_fault(addr + n, what);
}

void pm_memmap_free(struct pm_memmap *m)
{
	free(m->segs);
	memset(m, 0, sizeof(*m));
}
