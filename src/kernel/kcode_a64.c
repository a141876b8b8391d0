/* The addresses an AArch64 function forms PC-relatively, read from its
 * instructions in order: ADRP puts a page in a register, ADD (immediate)
 * adds to it (GCC's section anchors add twice: the anchor, then the
 * variable's offset from it), and a load or store through it, or a call
 * with it in an argument register, uses it.  Only straight-line facts are
 * kept: any other instruction that writes a register forgets it, a call
 * forgets the caller-saved ones, and an unconditional branch or return
 * forgets all (what follows is reached from elsewhere). */
#include "kcode.h"
#include "kernel.h"

#include <string.h>

struct regs {
	uint64_t v[32];
	bool known[32];
	bool page[32];     /* an ADRP's page, no ADD yet */
};

static void forget(struct regs *r, unsigned n)
{
	if (n < 31)
		r->known[n] = false;
}

static void emit(struct pm_kref *out, size_t max, size_t *n, enum pm_kref_kind kind, uint64_t pc,
		 uint64_t addr, unsigned arg)
{
	if (*n < max)
		out[(*n)++] = (struct pm_kref){ kind, pc, addr, arg };
}

static int64_t sext(uint64_t v, unsigned bits)
{
	uint64_t m = 1ull << (bits - 1);
	return (int64_t)((v ^ m) - m);
}

/* Loads and stores of one register, immediate or register offset: the
 * access it makes through a known base, and the register a load writes. */
static bool load_store(struct regs *r, uint32_t w, uint64_t pc, struct pm_kref *out, size_t max, size_t *n)
{
	unsigned rt = w & 31, rn = (w >> 5) & 31, size = w >> 30, opc = (w >> 22) & 3;
	bool simd = (w >> 26) & 1;
	bool load = simd ? (opc & 1) : opc != 0;
	unsigned scale = simd && (opc & 2) ? 4 : size;
	bool base = rn < 31 && r->known[rn];
	if ((w & 0x3b000000) == 0x39000000) {                  /* unsigned scaled offset */
		if (base)
			emit(out, max, n, PM_KREF_ACCESS, pc, r->v[rn] + (((w >> 10) & 0xfff) << scale), 0);
	} else if ((w & 0x3b200c00) == 0x38200800) {           /* register offset */
		if (base)
			emit(out, max, n, PM_KREF_INDEXED, pc, r->v[rn], 0);
	} else if ((w & 0x3b200000) == 0x38000000) {           /* unscaled, pre- or post-indexed */
		unsigned mode = (w >> 10) & 3;                  /* 1 post, 3 pre: written back */
		if (base)
			emit(out, max, n, PM_KREF_ACCESS, pc,
			     r->v[rn] + (mode == 1 ? 0 : (uint64_t)sext((w >> 12) & 0x1ff, 9)), 0);
		if (mode == 1 || mode == 3)
			forget(r, rn);
	} else {
		return false;
	}
	if (load && !simd)
		forget(r, rt);
	return true;
}

static void call(struct regs *r, uint64_t pc, struct pm_kref *out, size_t max, size_t *n)
{
	for (unsigned a = 0; a < 8; a++)
		if (r->known[a])
			emit(out, max, n, PM_KREF_ARG, pc, r->v[a], a);
	for (unsigned i = 0; i <= 18; i++)
		forget(r, i);
	forget(r, 30);
}

static void step(struct regs *r, uint32_t w, uint64_t pc, struct pm_kref *out, size_t max, size_t *n)
{
	unsigned rd = w & 31, rn = (w >> 5) & 31;
	if ((w & 0x9f000000) == 0x90000000) {                  /* adrp */
		uint64_t imm = ((w >> 29) & 3) | (((w >> 5) & 0x7ffff) << 2);
		if (rd < 31) {
			r->v[rd] = (pc & ~0xfffull) + ((uint64_t)sext(imm, 21) << 12);
			r->known[rd] = r->page[rd] = true;
		}
	} else if ((w & 0xff800000) == 0x91000000) {           /* add xd, xn, #imm{, lsl 12} */
		uint64_t imm = (uint64_t)((w >> 10) & 0xfff) << ((w >> 22) & 1 ? 12 : 0);
		bool known = rn < 31 && r->known[rn], pair = known && r->page[rn];
		uint64_t v = known ? r->v[rn] + imm : 0;
		if (pair)
			emit(out, max, n, PM_KREF_PAIR, pc, v, 0);
		if (rd < 31) {
			r->v[rd] = v;
			r->known[rd] = known;
			r->page[rd] = false;
		}
	} else if ((w & 0xffe0ffe0) == 0xaa0003e0) {           /* mov xd, xm */
		unsigned rm = (w >> 16) & 31;
		if (rd < 31) {
			r->known[rd] = rm < 31 && r->known[rm];
			r->v[rd] = r->v[rm];
			r->page[rd] = r->page[rm];
		}
	} else if ((w & 0x0a000000) == 0x08000000) {           /* loads and stores */
		if (!load_store(r, w, pc, out, max, n)) {
			/* pairs, atomics, exclusives, literals: forget every
			 * register they may write (rt, rt2, rs, a written-back base) */
			forget(r, rd);
			forget(r, (w >> 10) & 31);
			forget(r, (w >> 16) & 31);
			forget(r, rn);
		}
	} else if ((w & 0x7c000000) == 0x14000000) {           /* b, bl */
		if (w >> 31)
			call(r, pc, out, max, n);
		else
			memset(r->known, 0, sizeof(r->known));
	} else if ((w & 0xfe000000) == 0xd6000000) {           /* br, blr, ret and their PAC forms */
		if (((w >> 21) & 3) == 1)
			call(r, pc, out, max, n);
		else
			memset(r->known, 0, sizeof(r->known));
	} else if ((w & 0xffc00000) == 0xd5000000) {           /* system: hints, barriers, msr */
		if ((w >> 21) & 1)                               /* mrs/sysl write rt */
			forget(r, rd);
	} else if ((w & 0x1c000000) != 0x14000000) {           /* not a conditional branch */
		forget(r, rd);
	}
}

size_t pm_kref_scan_a64(struct pm_target *t, uint64_t start, uint64_t len, struct pm_kref *out, size_t max)
{
	uint32_t code[PM_KREF_INSNS];
	size_t ninsn = len / 4 < PM_KREF_INSNS ? (size_t)(len / 4) : PM_KREF_INSNS;
	size_t got = pm_memmap_read_partial(&t->mem, start, code, ninsn * 4) / 4;
	struct regs r;
	size_t n = 0;
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < got && n < max; i++)
		step(&r, code[i], start + 4 * i, out, max, &n);
	return n;
}
