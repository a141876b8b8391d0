/* -o nostop: each thread is stopped only long enough to read its registers
 * and a copy of the top of its stack, then let go at once; the rest of the
 * process's memory is read while it runs.  Stacks unwind from the copies,
 * consistent with the registers; other data may be changing under pmdb. */
#include "live.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

enum {
	RED_ZONE = 128,            /* x86-64 leaf functions may use it below sp */
	SNAP_MAX = 1 << 20,        /* bytes of stack copied per thread */
	PAGE_IOV = 256,            /* pages per process_vm_readv call */
};

/* Read [start, start+len) page by page; the copy stops at the first page
 * that cannot be read (the end of the stack mapping). */
static size_t read_pages(int pid, uint64_t start, unsigned char *buf, size_t len, size_t page)
{
	size_t done = 0;
	while (done < len) {
		struct iovec local[PAGE_IOV], remote[PAGE_IOV];
		size_t n = 0, want = 0;
		for (; n < PAGE_IOV && done + want < len; n++) {
			uint64_t at = start + done + want;
			size_t chunk = page - (size_t)(at % page);
			if (chunk > len - done - want)
				chunk = len - done - want;
			local[n] = (struct iovec){ buf + done + want, chunk };
			remote[n] = (struct iovec){ (void *)(uintptr_t)at, chunk };
			want += chunk;
		}
		ssize_t got = process_vm_readv(pid, local, n, remote, n, 0);
		if (got <= 0)
			break;
		done += (size_t)got;
		if ((size_t)got < want)
			break;
	}
	return done;
}

void pm_live_premap(struct pm_live *l)
{
	char *maps = pm_live_slurp(l->pid, "maps", NULL);
	size_t cap = 0;
	for (char *line = maps; line && *line;) {
		unsigned long long a, b;
		if (sscanf(line, "%llx-%llx", &a, &b) == 2 && a < b) {
			vec_reserve(&l->premaps, &cap, l->npremaps + 1, sizeof(*l->premaps));
			l->premaps[l->npremaps++] = (struct pm_range){ a, b };
		}
		char *nl = strchr(line, '\n');
		line = nl ? nl + 1 : NULL;
	}
	free(maps);
}

/* Where the mapping holding sp ends, from the maps read before attaching
 * (in address order); 0 if sp is in none of them. */
static uint64_t mapping_end(const struct pm_live *l, uint64_t sp)
{
	size_t lo = 0, hi = l->npremaps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sp < l->premaps[mid].start)
			hi = mid;
		else if (sp >= l->premaps[mid].end)
			lo = mid + 1;
		else
			return l->premaps[mid].end;
	}
	return 0;
}

void pm_live_snapshot_stack(struct pm_target *t, const struct pm_thread *th)
{
	struct pm_live *l = t->priv;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t sp = th->regs[t->arch->sp];
	uint64_t start = sp >= RED_ZONE ? sp - RED_ZONE : 0;
	uint64_t end = mapping_end(l, sp);
	size_t want = end > start && end - start < SNAP_MAX ? (size_t)(end - start) : SNAP_MAX;
	unsigned char *buf = xmalloc(want);
	size_t n = read_pages(l->pid, start, buf, want, page);
	if (!n) {
		free(buf);
		return;
	}
	struct pm_stack_snap *s = xcalloc(1, sizeof(*s));
	s->start = start;
	s->end = start + n;
	s->backing.data = xrealloc(buf, n);
	s->backing.size = n;
	s->backing.state = 1;
	vec_reserve(&l->snaps, &l->snaps_cap, l->nsnaps + 1, sizeof(*l->snaps));
	l->snaps[l->nsnaps++] = s;
}

static int snap_cmp(const void *a, const void *b)
{
	const struct pm_stack_snap *x = *(struct pm_stack_snap *const *)a, *y = *(struct pm_stack_snap *const *)b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Two threads on one stack (green threads): the first copy wins. */
void pm_live_snapshots_done(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	qsort(l->snaps, l->nsnaps, sizeof(*l->snaps), snap_cmp);
	for (size_t i = 1; i < l->nsnaps; i++)
		if (l->snaps[i]->start < l->snaps[i - 1]->end)
			l->snaps[i]->start = l->snaps[i - 1]->end < l->snaps[i]->end ? l->snaps[i - 1]->end
										 : l->snaps[i]->end;
}

void pm_live_add_memory(struct pm_target *t, uint64_t start, uint64_t end)
{
	struct pm_live *l = t->priv;
	uint64_t at = start;
	for (size_t i = 0; i < l->nsnaps && at < end; i++) {
		struct pm_stack_snap *s = l->snaps[i];
		/* s->start may have been moved up past data the copy begins with */
		uint64_t from = s->start > at ? s->start : at, to = s->end < end ? s->end : end;
		if (from >= to)
			continue;
		if (from > at)
			pm_memmap_add(&t->mem, at, from, &l->mem, at);
		pm_memmap_add(&t->mem, from, to, &s->backing, from - (s->end - s->backing.size));
		at = to;
	}
	if (at < end)
		pm_memmap_add(&t->mem, at, end, &l->mem, at);
}

void pm_live_snapshots_free(struct pm_live *l)
{
	for (size_t i = 0; i < l->nsnaps; i++) {
		free((void *)l->snaps[i]->backing.data);
		free(l->snaps[i]);
	}
	free(l->snaps);
	free(l->premaps);
}
