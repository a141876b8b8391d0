/* Kernel data the kallsyms tables may not name: a kernel built without
 * CONFIG_KALLSYMS_ALL (Debian's arm64 one) lists functions only, so
 * init_task, `modules` and __start_BTF have no symbol.  They are found in
 * the kernel image's memory instead: BTF by its header in the read-only
 * data after _etext, the others (tasks.c, modules.c) by scanning the
 * image's data after __init_begin for the structure they must be. */
#include "kcode.h"
#include "kernel.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SCAN (128u << 20)
#define CHUNK (1u << 20)
#define OVERLAP 256u           /* more than any hit reads: a BTF header, a comm, a list_head */
#define BTF_MAGIC 0xeb9f

uint64_t pm_kernel_data_symbol(struct pm_target *t, const char *name)
{
	const struct pm_ksym *s = pm_ksym_by_name(t, name);
	uint64_t v = 0;
	if (s)
		return s->addr;
	if (t->kernel && pm_vmcoreinfo_symbol(&t->kernel->vi, name, &v))
		return v;
	return pm_kernel_code_symbol(t, name);
}

void pm_kernel_data_why(struct pm_target *t, const char *name, char *buf, size_t len)
{
	bool found = false;
	const char *why = pm_kernel_code_why(t, name, &found);
	if (why && !found)
		snprintf(buf, len, "%s is not in kallsyms, nor found in code: %s", name, why);
	else
		snprintf(buf, len, "%s is not in kallsyms", name);
}

/* [start, end) of the image's memory from symbol FROM on (or from the
 * first mapping above it: the kernel unmaps its freed init sections), as
 * far as it is mapped contiguously (at most MAX_SCAN bytes). */
static bool image_from(struct pm_target *t, const char *from, uint64_t *start, uint64_t *end)
{
	const struct pm_ksym *s = pm_ksym_by_name(t, from);
	if (!s)
		return false;
	const struct pm_memmap *m = &t->mem;
	size_t lo = 0, hi = m->nsegs;
	while (lo < hi) {               /* the first segment ending above s */
		size_t mid = lo + (hi - lo) / 2;
		if (m->segs[mid].end <= s->addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == m->nsegs || !m->segs[lo].backing)
		return false;
	*start = s->addr > m->segs[lo].start ? s->addr : m->segs[lo].start;
	*end = m->segs[lo].end - *start > MAX_SCAN ? *start + MAX_SCAN : m->segs[lo].end;
	return true;
}

bool pm_kernel_image_data(struct pm_target *t, uint64_t *start, uint64_t *end)
{
	return image_from(t, "__init_begin", start, end);
}

bool pm_kernel_scan(struct pm_target *t, uint64_t start, uint64_t end, unsigned align,
		    bool (*hit)(struct pm_target *, uint64_t, const unsigned char *, size_t, void *),
		    void *arg)
{
	unsigned char *buf = xmalloc(CHUNK);
	bool found = false;
	/* chunks overlap by OVERLAP bytes, so that what a hit looks at is
	 * whole at every offset; each offset is tried once */
	for (uint64_t at = start; at < end && !found; at += CHUNK - OVERLAP) {
		size_t n = end - at < CHUNK ? (size_t)(end - at) : CHUNK;
		size_t got = pm_memmap_read_partial(&t->mem, at, buf, n);
		size_t last = n == CHUNK ? CHUNK - OVERLAP : n;
		for (size_t i = 0; i < last && i + 8 <= got && !found; i += align)
			found = hit(t, at + i, buf + i, got - i, arg);
	}
	free(buf);
	return found;
}

struct btf_hit {
	uint64_t addr;
	size_t len;
};

/* struct btf_header: magic, version 1, flags, hdr_len, then the type and
 * string sections' offsets and lengths (strings last). */
static bool btf_header(struct pm_target *t, uint64_t at, const unsigned char *p, size_t n, void *arg)
{
	(void)t;
	uint32_t h[6];
	if (n < sizeof(h) || p[0] != (BTF_MAGIC & 0xff) || p[1] != BTF_MAGIC >> 8 || p[2] != 1)
		return false;
	memcpy(h, p, sizeof(h));
	uint32_t hdr_len = h[1], type_off = h[2], type_len = h[3], str_off = h[4], str_len = h[5];
	if (hdr_len < 24 || hdr_len > 256 || type_off != 0 || str_off < type_len || type_len < 1024 ||
	    str_len < 1024 || (uint64_t)hdr_len + str_off + str_len > (64u << 20))
		return false;
	struct btf_hit *b = arg;
	b->addr = at;
	b->len = (size_t)hdr_len + str_off + str_len;
	return true;
}

bool pm_kernel_find_btf(struct pm_target *t, uint64_t *addr, size_t *len)
{
	uint64_t start, end;
	const struct pm_ksym *init = pm_ksym_by_name(t, "__init_begin");
	if (!image_from(t, "_etext", &start, &end))
		return false;
	if (init && init->addr > start && init->addr < end)
		end = init->addr;
	struct btf_hit b = { 0 };
	if (!pm_kernel_scan(t, start, end, 4, btf_header, &b))
		return false;
	*addr = b.addr;
	*len = b.len;
	return true;
}
