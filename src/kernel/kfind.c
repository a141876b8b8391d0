/* Finding the kernel in a dump that has no VMCOREINFO note (a QEMU guest
 * that had not loaded qemu_fw_cfg): the page-table root from a CPU's CR3,
 * the kernel image as the first 2 MiB mapped above __START_KERNEL_map
 * (early boot unmaps everything below _text there), and the kallsyms
 * tables found by their shape in the image's read-only data. */
#include "kfind.h"
#include "kernel.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

#define START_KERNEL_MAP 0xffffffff80000000ull
#define DEFAULT_TEXT 0xffffffff81000000ull   /* _text without KASLR */
#define IMAGE_SPAN (1ull << 30)               /* KERNEL_IMAGE_SIZE */
#define STEP (2ull << 20)                     /* KASLR moves the image in 2 MiB steps */
#define CR4_LA57 (1ull << 12)                 /* 5-level paging */
#define CR3_ADDR 0x000ffffffffff000ull
#define PTI_USER_BIT 0x1000ull                /* with PTI, the user half of an 8 KiB pair */

/* The first 2 MiB step mapped in the kernel image's range, 0 if none. */
static uint64_t first_image_page(struct pm_target *t, uint64_t *pa)
{
	for (uint64_t va = START_KERNEL_MAP; va < START_KERNEL_MAP + IMAGE_SPAN; va += STEP) {
		struct pm_vtop v;
		struct pm_err *err = pm_kernel_vtop(t, va, &v);
		if (!err) {
			*pa = v.pa;
			return va;
		}
		pm_err_free(err);
	}
	return 0;
}

struct pm_err *pm_kernel_find_pgd(struct pm_target *t)
{
	struct pm_kernel *k = t->kernel;
	for (size_t i = 0; i < t->nqemu_cpus; i++) {
		const struct pm_qemu_cpu *c = &t->qemu_cpus[i];
		uint64_t roots[2] = { c->cr3 & CR3_ADDR, c->cr3 & CR3_ADDR & ~PTI_USER_BIT };
		for (int r = 0; r < 2; r++) {
			if (r == 1 && roots[1] == roots[0])
				continue;
			k->pgd = roots[r];
			k->l5 = (c->cr4 & CR4_LA57) != 0;
			uint64_t pa, text = first_image_page(t, &pa);
			if (!text)
				continue;
			k->kaslr_offset = text - DEFAULT_TEXT;
			k->phys_base = pa - (text - START_KERNEL_MAP);
			k->vmcoreinfo_rebuilt = true;
			return NULL;
		}
	}
	return pm_err_new(PM_ERR_FORMAT, "%s: no VMCOREINFO note, and no CPU's page tables (CR3) map "
			  "the kernel image at 0x%llx-0x%llx: the kernel cannot be found in this dump",
			  t->path, START_KERNEL_MAP, START_KERNEL_MAP + IMAGE_SPAN - 1);
}

/* ---- kallsyms ---- */

#define SCAN_SPAN (128ull << 20)   /* how far past _text the tables may be */
#define CHUNK (4u << 20)
#define NAMES_WINDOW (32u << 20)   /* the names table's largest size */
#define MAX_SYMS (4u << 20)

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~7ull;
}

/* The start of the next mapped segment at or above va (0 if none). */
static uint64_t next_mapped(const struct pm_memmap *m, uint64_t va)
{
	for (size_t i = 0; i < m->nsegs; i++)
		if (m->segs[i].end > va && m->segs[i].backing)
			return m->segs[i].start > va ? m->segs[i].start : va;
	return 0;
}

/* kallsyms_token_table: 256 NUL-terminated tokens, the 48 before "0" ending
 * right before it, then kallsyms_token_index (8-aligned) holding each
 * token's offset.  d is where "0\0" "1\0" ... "9\0" was found. */
static bool check_tokens(struct pm_target *t, uint64_t d, struct pm_kallsyms_at *at)
{
	enum { BEFORE = 2048, AFTER = 8192 };
	unsigned char buf[BEFORE + AFTER];
	if (d < BEFORE || pm_memmap_read_partial(&t->mem, d - BEFORE, buf, sizeof(buf)) != sizeof(buf))
		return false;
	size_t p = BEFORE;      /* the start of token '0' */
	for (int i = 0; i < '0'; i++) {
		if (p < 2 || buf[p - 1] != 0)
			return false;
		size_t s = p - 1;
		while (s > 0 && buf[s - 1] != 0)
			s--;
		if (s == p - 1)
			return false;   /* tokens are never empty */
		p = s;
	}
	uint64_t table = d - BEFORE + p;
	if (table % 8)
		return false;
	size_t starts[256], q = p;
	for (int i = 0; i < 256; i++) {
		starts[i] = q - p;
		const unsigned char *z = memchr(buf + q, 0, sizeof(buf) - q);
		if (!z || z == buf + q)
			return false;
		q = (size_t)(z - buf) + 1;
	}
	uint64_t index = align8(d - BEFORE + q);
	uint16_t idx[256];
	if (pm_memmap_read_partial(&t->mem, index, idx, sizeof(idx)) != sizeof(idx))
		return false;
	for (int i = 0; i < 256; i++)
		if (idx[i] != starts[i])
			return false;
	at->token_table = table;
	at->token_index = index;
	return true;
}

/* Below the token table (kernels 4.20-6.3): kallsyms_offsets, _relative_base,
 * _num_syms, _names, _markers (, _seqs_of_names).  Search down from the token table for a
 * symbol count whose names end where markers of that count do. */
static bool check_names(struct pm_target *t, struct pm_kallsyms_at *at)
{
	uint64_t top = at->token_table;
	size_t win = NAMES_WINDOW;
	unsigned char *buf = xmalloc(win);
	while (win >= 4096 && (top < win || pm_memmap_read_partial(&t->mem, top - win, buf, win) != win))
		win /= 2;
	bool found = false;
	for (size_t x = win >= 24 ? ((win - 16) & ~7ul) : 0; x >= 16 && !found; x -= 8) {
		uint32_t num, hi;
		memcpy(&num, buf + x, 4);
		memcpy(&hi, buf + x + 4, 4);
		if (hi != 0 || num < 256 || num > MAX_SYMS)
			continue;
		size_t pos = x + 8, at256 = 0;
		uint32_t i;
		for (i = 0; i < num && pos < win; i++) {
			if (i == 256)
				at256 = pos - (x + 8);
			size_t len = buf[pos++];
			if ((len & 0x80) && pos < win)
				len = (len & 0x7f) | ((size_t)buf[pos++] << 7);
			if (len == 0)
				break;
			pos += len;
		}
		if (i < num || pos >= win)
			continue;
		/* markers are 32-bit (64-bit before 4.20); since 6.2 (and in some
		 * stable 6.1s) kallsyms_seqs_of_names, 3 bytes a symbol, follows */
		size_t markers = (size_t)align8(pos), count = (num + 255) / 256;
		size_t m32 = markers + (size_t)align8(count * 4);
		int width = m32 == win || m32 + align8((uint64_t)num * 3) == win ? 4 :
			    markers + count * 8 == win ? 8 : 0;
		if (!width)
			continue;
		uint64_t m0 = 0, m1 = 0;
		memcpy(&m0, buf + markers, (size_t)width);
		if (count > 1)
			memcpy(&m1, buf + markers + width, (size_t)width);
		if (m0 != 0 || (count > 1 && m1 != at256))
			continue;
		uint64_t base = top - win;
		at->num_syms = base + x;
		at->names = base + x + 8;
		at->relative_base = base + x - 8;
		at->offsets = at->relative_base - align8((uint64_t)num * 4);
		found = true;
	}
	free(buf);
	return found;
}

/* Where read-only data starts: the first 2 MiB step after text whose
 * page-table leaf forbids execution (the tables are in .rodata; the kernel's
 * code, megabytes of it, is mapped executable).  Text itself if none. */
#define PTE_NX (1ull << 63)
static uint64_t rodata_start(struct pm_target *t, uint64_t text)
{
	for (uint64_t va = text; va < text + SCAN_SPAN; va += STEP) {
		struct pm_vtop v;
		struct pm_err *err = pm_kernel_vtop(t, va, &v);
		if (err) {
			pm_err_free(err);
			continue;
		}
		if (v.nentries && (v.entries[v.nentries - 1] & PTE_NX))
			return va > text ? va - STEP : text;   /* rodata may start inside the step before */
	}
	return text;
}

bool pm_kallsyms_locate(struct pm_target *t, uint64_t text, struct pm_kallsyms_at *at)
{
	static const char digits[] = "0\0" "1\0" "2\0" "3\0" "4\0" "5\0" "6\0" "7\0" "8\0" "9";
	const size_t dlen = sizeof(digits);     /* with the last NUL */
	unsigned char *buf = xmalloc(CHUNK);
	bool found = false;
	for (uint64_t va = rodata_start(t, text); va < text + SCAN_SPAN && !found;) {
		size_t n = pm_memmap_read_partial(&t->mem, va, buf, CHUNK);
		if (n < dlen) {
			uint64_t next = next_mapped(&t->mem, va + (n ? n : 1));
			if (!next || next <= va)
				break;
			va = next;
			continue;
		}
		for (const unsigned char *p = buf; !found;) {
			p = memmem(p, n - (size_t)(p - buf), digits, dlen);
			if (!p)
				break;
			found = check_tokens(t, va + (uint64_t)(p - buf), at) && check_names(t, at);
			p++;
		}
		va += n - dlen + 1;     /* overlap: a match across two chunks */
	}
	free(buf);
	return found;
}
