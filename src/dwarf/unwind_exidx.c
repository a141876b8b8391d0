/* 32-bit ARM code often has no CFI, only the EHABI unwind tables
 * (.ARM.exidx, PT_ARM_EXIDX, with .ARM.extab), which libdwfl 0.188 does not
 * read: one frame is stepped here, following "Exception Handling ABI for
 * the Arm Architecture" (IHI 0038), section 9-10.  The table and its
 * unwind instructions are read from the core's memory (the module's
 * PT_ARM_EXIDX at its load bias); every count is bounded. */
#include "unwind_state.h"

#include <elf.h>
#include <string.h>

#define EXIDX_CANTUNWIND 1
#define MAX_EXIDX_ENTRIES (1u << 22)
#define MAX_INSN_BYTES 1024       /* 255 extra words of instructions at most */

/* r0-r15 of the frame being stepped, and the virtual stack pointer. */
struct ehabi {
	struct pm_target *t;
	uint32_t r[16];
	uint32_t vsp;
	bool pc_popped;
};

static bool read32(struct pm_target *t, uint64_t addr, uint32_t *v)
{
	return pm_memmap_read_partial(&t->mem, addr, v, 4) == 4;
}

/* A prel31 word: a 31-bit signed offset from the word's own address. */
static uint32_t prel31(uint32_t word, uint32_t at)
{
	int32_t off = (int32_t)(word << 1) >> 1;
	return at + (uint32_t)off;
}

/* The exidx table of the module at pc: its address and entry count. */
static bool exidx_table(struct pm_dwarf *d, uint64_t pc, uint64_t *table, size_t *n)
{
	Dwfl_Module *mod = dwfl_addrmodule(d->dwfl, pc);
	Dwarf_Addr bias;
	Elf *elf = mod ? dwfl_module_getelf(mod, &bias) : NULL;
	size_t phnum;
	if (!elf || elf_getphdrnum(elf, &phnum) != 0)
		return false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_ARM_EXIDX) {
			*table = bias + ph.p_vaddr;
			*n = ph.p_memsz / 8;
			return *n > 0 && *n <= MAX_EXIDX_ENTRIES;
		}
	}
	return false;
}

/* The second word of the entry for the function holding pc, and its
 * address; false if there is none. */
static bool exidx_entry(struct pm_target *t, uint64_t table, size_t n, uint32_t pc,
			uint32_t *word, uint32_t *at)
{
	size_t lo = 0, hi = n;       /* the last entry starting at or before pc */
	bool found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t w, e = (uint32_t)(table + 8 * mid);
		if (!read32(t, e, &w))
			return false;
		if (prel31(w, e) <= pc) {
			found = true;
			*at = e + 4;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return found && read32(t, *at, word);
}

/* The unwind instructions of an entry, MSB first, into buf. */
static size_t insn_bytes(struct pm_target *t, uint32_t word, uint32_t at, uint8_t *buf)
{
	size_t len = 0, more = 0;
	bool three;                         /* three instruction bytes in word, else two */
	if (!(word & 0x80000000u)) {        /* in .ARM.extab */
		at = prel31(word, at);
		if (!read32(t, at, &word))
			return 0;
	}
	if (!(word & 0x80000000u)) {        /* a generic personality routine, then its data */
		at += 4;
		if (!read32(t, at, &word))
			return 0;
		more = word >> 24;
		three = true;
	} else if (((word >> 24) & 0xf) == 0) {          /* compact Su16 */
		three = true;
	} else if (((word >> 24) & 0xf) <= 2) {          /* compact Lu16, Lu32 */
		more = (word >> 16) & 0xff;
		three = false;
	} else {
		return 0;
	}
	if (three)
		buf[len++] = (uint8_t)(word >> 16);
	buf[len++] = (uint8_t)(word >> 8);
	buf[len++] = (uint8_t)word;
	for (size_t i = 0; i < more && len + 4 <= MAX_INSN_BYTES; i++) {
		uint32_t next;
		at += 4;
		if (!read32(t, at, &next))
			return 0;
		for (int k = 3; k >= 0; k--)
			buf[len++] = (uint8_t)(next >> (8 * k));
	}
	return len;
}

/* Pop the registers of mask (bit i: r[first + i]) from vsp, lowest first. */
static bool pop(struct ehabi *e, unsigned mask, unsigned first)
{
	bool sp_popped = false;
	uint32_t sp_value = 0;
	for (unsigned i = 0; i < 16 && first + i < 16; i++) {
		if (!(mask & (1u << i)))
			continue;
		uint32_t v;
		if (!read32(e->t, e->vsp, &v))
			return false;
		e->vsp += 4;
		unsigned reg = first + i;
		if (reg == 13) {
			sp_popped = true;
			sp_value = v;
		}
		e->r[reg] = v;
		e->pc_popped |= reg == 15;
	}
	if (sp_popped)
		e->vsp = sp_value;
	return true;
}

static size_t uleb128(const uint8_t *b, size_t len, size_t *i)
{
	size_t v = 0;
	for (unsigned shift = 0; *i < len && shift < 28; shift += 7) {
		uint8_t c = b[(*i)++];
		v |= (size_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			break;
	}
	return v;
}

/* Run the instructions; false where they refuse to unwind or go wrong. */
static bool execute(struct ehabi *e, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint8_t op = b[i++];
		uint8_t op2 = i < len ? b[i] : 0;
		if ((op & 0xc0) == 0x00) {
			e->vsp += ((op & 0x3fu) << 2) + 4;
		} else if ((op & 0xc0) == 0x40) {
			e->vsp -= ((op & 0x3fu) << 2) + 4;
		} else if ((op & 0xf0) == 0x80) {
			unsigned mask = (unsigned)(op & 0xf) << 8 | op2;
			i++;
			if (mask == 0 || !pop(e, mask, 4))   /* 0: refuse to unwind */
				return false;
		} else if ((op & 0xf0) == 0x90) {
			if ((op & 0xf) == 13 || (op & 0xf) == 15)
				return false;
			e->vsp = e->r[op & 0xf];
		} else if ((op & 0xf0) == 0xa0) {
			unsigned mask = (1u << ((op & 7) + 1)) - 1;      /* r4-r[4+n] */
			if (!pop(e, mask, 4) || ((op & 8) && !pop(e, 1, 14)))
				return false;
		} else if (op == 0xb0) {
			return true;                                     /* finish */
		} else if (op == 0xb1) {
			i++;
			if (op2 == 0 || (op2 & 0xf0) || !pop(e, op2, 0))
				return false;
		} else if (op == 0xb2) {
			e->vsp += 0x204 + ((uint32_t)uleb128(b, len, &i) << 2);
		} else if (op == 0xb3) {                                 /* VFP, FSTMFDX */
			i++;
			e->vsp += 8 * ((op2 & 0xfu) + 1) + 4;
		} else if ((op & 0xf8) == 0xb8) {
			e->vsp += 8 * ((op & 7u) + 1) + 4;
		} else if ((op & 0xf8) == 0xc0 && (op & 7) < 6) {        /* iWMMX wR10.. */
			e->vsp += 8 * ((op & 7u) + 1);
		} else if (op == 0xc6 || op == 0xc8 || op == 0xc9) {     /* wR[s], VFP FSTMFDD */
			i++;
			e->vsp += 8 * ((op2 & 0xfu) + 1);
		} else if (op == 0xc7) {                                 /* iWMMXt wCGR */
			i++;
			e->vsp += 4 * (uint32_t)__builtin_popcount(op2 & 0xf);
		} else if ((op & 0xf8) == 0xd0) {                        /* VFP d8.., FSTMFDD */
			e->vsp += 8 * ((op & 7u) + 1);
		} else {
			return false;                                    /* spare */
		}
	}
	return true;     /* the end of the instructions is a finish */
}

bool pm_unwind_exidx_step(struct pm_dwarf *d, const struct collect *c, uint64_t *regs)
{
	struct pm_target *t = d->t;
	const struct pm_arch *a = t->arch;
	const struct physical *last = c->n ? &c->v[c->n - 1] : NULL;
	if (!a->exidx || !last)
		return false;
	/* a return address is the instruction after the call */
	uint32_t pc = (uint32_t)(last->activation ? last->pc : last->pc - 1);
	uint64_t table;
	size_t n;
	uint32_t word, at;
	uint8_t buf[MAX_INSN_BYTES];
	if (!exidx_table(d, pc, &table, &n) || !exidx_entry(t, table, n, pc, &word, &at) ||
	    word == EXIDX_CANTUNWIND)
		return false;
	size_t len = insn_bytes(t, word, at, buf);
	struct ehabi e = { .t = t };
	for (int i = 0; i < 16; i++)       /* arm.c's regs[] begin with r0-r15 */
		e.r[i] = (uint32_t)c->last_regs[i];
	e.r[a->sp] = (uint32_t)last->sp;
	e.r[a->pc] = (uint32_t)last->pc;
	e.vsp = e.r[a->sp];
	if (!len || !execute(&e, buf, len))
		return false;
	uint32_t ret = e.pc_popped ? e.r[15] : e.r[a->lr];
	ret &= ~(uint32_t)a->code_addr_tag;
	if (ret == 0 || e.vsp < last->sp || (e.vsp == last->sp && ret == last->pc))
		return false;
	memset(regs, 0, PM_MAX_REGS * sizeof(*regs));
	for (int i = 0; i < 16; i++)
		regs[i] = e.r[i];
	regs[a->sp] = e.vsp;
	regs[a->pc] = ret;
	return true;
}
