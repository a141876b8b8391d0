#include "disasm.h"
#include "disasm_cs.h"

#include <capstone/capstone.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* One capstone handle per instruction set, opened on first use. */
enum { CS_X86_64, CS_X86_32, CS_A64, CS_ARM, CS_THUMB, NHANDLES };
static csh handles[NHANDLES];
static int states[NHANDLES];     /* 0 none, 1 ok, -1 failed */

static const struct {
	cs_arch arch;
	cs_mode mode;
	const char *name;
} sets[NHANDLES] = {
	[CS_X86_64] = { CS_ARCH_X86, CS_MODE_64, "x86-64" },
	[CS_X86_32] = { CS_ARCH_X86, CS_MODE_32, "i386" },
	[CS_A64] = { CS_ARCH_ARM64, CS_MODE_ARM, "AArch64" },
	[CS_ARM] = { CS_ARCH_ARM, CS_MODE_ARM, "ARM" },
	[CS_THUMB] = { CS_ARCH_ARM, CS_MODE_THUMB, "Thumb" },
};

static struct pm_err *open_set(int set, csh *h)
{
	if (states[set] == 0) {
		states[set] = -1;
		if (cs_open(sets[set].arch, sets[set].mode, &handles[set]) == CS_ERR_OK) {
			if (sets[set].arch == CS_ARCH_X86)    /* AT&T syntax, as mdb and gdb */
				cs_option(handles[set], CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
			cs_option(handles[set], CS_OPT_DETAIL, CS_OPT_ON);
			states[set] = 1;
		}
	}
	*h = handles[set];
	if (states[set] < 0)
		return pm_err_new(PM_ERR_GENERIC, "capstone: cannot open an %s disassembler",
				  sets[set].name);
	return NULL;
}

static int set_of(const struct pm_arch *arch)
{
	switch (arch->disasm) {
	case PM_DIS_X86_32: return CS_X86_32;
	case PM_DIS_A64: return CS_A64;
	case PM_DIS_ARM: return CS_ARM;
	default: return CS_X86_64;
	}
}

/* The handle that disassembles for ::dis on this architecture (ARM
 * state on 32-bit ARM: pm_disasm_bytes picks Thumb). */
struct pm_err *pm_disasm_handle(const struct pm_arch *arch, csh *h)
{
	return open_set(set_of(arch), h);
}

struct pm_err *pm_disasm_handle_thumb(csh *h)
{
	return open_set(CS_THUMB, h);
}

/* 32-bit ARM: Thumb code at an address with bit 0 set (as return
 * addresses and function pointers mark it), or while the selected
 * thread runs in Thumb state (its CPSR's T bit). */
static bool thumb_at(struct pmdb *db, uint64_t addr)
{
	const struct pm_arch *a = db->t->arch;
	if (!a->thumb_mask)
		return false;
	if (addr & a->code_addr_tag)
		return true;
	const struct pm_thread *th = pm_cur_thread(db);
	return th && (th->regs[a->thumb_reg] & a->thumb_mask);
}

/* Direct jumps and calls name their target, as gdb does. */
static void branch_target(struct pmdb *db, const cs_insn *insn, char *text, size_t textlen)
{
	const cs_detail *det = insn->detail;
	if (!det || !db->dw)
		return;
	bool branch = false;
	for (uint8_t i = 0; i < det->groups_count; i++)
		if (det->groups[i] == CS_GRP_JUMP || det->groups[i] == CS_GRP_CALL)
			branch = true;
	uint64_t target;
	if (db->t->arch->disasm == PM_DIS_ARM) {
		/* b, bl, blx, cbz/cbnz: the target is the last operand */
		const cs_arm *a = &det->arm;
		if (!branch || !a->op_count || a->operands[a->op_count - 1].type != ARM_OP_IMM)
			return;
		target = (uint64_t)(uint32_t)a->operands[a->op_count - 1].imm;
	} else if (db->t->arch->disasm == PM_DIS_A64) {
		/* b, bl, b.cond, cbz/cbnz and tbz/tbnz: the target is the last operand */
		const cs_arm64 *a = &det->arm64;
		if (!branch || !a->op_count || a->operands[a->op_count - 1].type != ARM64_OP_IMM)
			return;
		target = (uint64_t)a->operands[a->op_count - 1].imm;
	} else {
		if (!branch || det->x86.op_count != 1 || det->x86.operands[0].type != X86_OP_IMM)
			return;
		target = (uint64_t)det->x86.operands[0].imm;
	}
	struct pm_sym s;
	if (!pm_sym_by_addr(db->dw, target, &s))
		return;
	size_t used = strlen(text);
	const char *name = pm_sym_display(db->dw, s.name);
	if (s.offset)
		snprintf(text + used, textlen - used, " <%s+0x%" PRIx64 ">", name, s.offset);
	else
		snprintf(text + used, textlen - used, " <%s>", name);
}

struct pm_err *pm_disasm_one(struct pmdb *db, uint64_t addr, char *text, size_t textlen,
			     unsigned *len)
{
	uint8_t buf[16];
	size_t n = pm_memmap_read_partial(&db->t->mem, addr, buf, sizeof(buf));
	if (n == 0)
		return pm_err_fault(addr, "instruction");
	return pm_disasm_bytes(db, addr, buf, n, text, textlen, len);
}

struct pm_err *pm_disasm_bytes(struct pmdb *db, uint64_t addr, const uint8_t *buf, size_t n,
			       char *text, size_t textlen, unsigned *len)
{
	csh h;
	bool thumb = thumb_at(db, addr);
	struct pm_err *err = thumb ? open_set(CS_THUMB, &h) : pm_disasm_handle(db->t->arch, &h);
	if (err)
		return err;
	addr &= ~db->t->arch->code_addr_tag;
	cs_insn *insn;
	size_t count = cs_disasm(h, buf, n, addr, 1, &insn);
	if (count == 0) {
		snprintf(text, textlen, "(bad)");
		*len = thumb ? 2 : db->t->arch->insn_size ? db->t->arch->insn_size : 1;
		return NULL;
	}
	if (insn[0].op_str[0])
		snprintf(text, textlen, "%-6s %s", insn[0].mnemonic, insn[0].op_str);
	else
		snprintf(text, textlen, "%s", insn[0].mnemonic);
	branch_target(db, &insn[0], text, textlen);
	*len = insn[0].size;
	cs_free(insn, count);
	return NULL;
}

/* capstone names sub-registers (eax, r8d, al); pmdb's tables have the
 * 64-bit registers they belong to. */
static int reg_index(const struct pm_arch *arch, unsigned reg)
{
	if (reg == X86_REG_INVALID)
		return -1;
	csh h;
	pm_err_free(open_set(set_of(arch), &h));
	const char *n = cs_reg_name(h, reg);
	if (!n)
		return -1;
	int own = pm_arch_reg_index(arch, n);      /* i386: eax is eax */
	if (own >= 0)
		return own;
	char full[8];
	size_t len = strlen(n);
	if (n[0] == 'r' && len >= 2 && n[1] >= '0' && n[1] <= '9') {     /* r8d r10w r9b */
		size_t k = 1;
		while (n[k] >= '0' && n[k] <= '9')
			k++;
		snprintf(full, sizeof(full), "%.*s", (int)k, n);
	} else if (len == 3 && n[0] == 'e') {                            /* eax esi ebp */
		snprintf(full, sizeof(full), "r%s", n + 1);
	} else if (len == 2 && (n[1] == 'x' || n[1] == 'i' || n[1] == 'p')) { /* ax si bp */
		snprintf(full, sizeof(full), "r%s", n);
	} else if (len == 2 && (n[1] == 'l' || n[1] == 'h')) {           /* al ah */
		snprintf(full, sizeof(full), "r%cx", n[0]);
	} else if (len == 3 && n[2] == 'l') {                            /* sil dil bpl spl */
		snprintf(full, sizeof(full), "r%.2s", n);
	} else {
		snprintf(full, sizeof(full), "%s", n);
	}
	return pm_arch_reg_index(arch, full);
}

static bool in_group(const cs_detail *d, uint8_t g)
{
	for (uint8_t i = 0; i < d->groups_count; i++)
		if (d->groups[i] == g)
			return true;
	return false;
}

static enum pm_insn_kind kind_of(const cs_insn *insn)
{
	const cs_detail *d = insn->detail;
	switch (insn->id) {
	case X86_INS_DIV: case X86_INS_IDIV:
		return PM_INSN_DIV;
	case X86_INS_UD2: case X86_INS_UD0:
		return PM_INSN_UD;
	case X86_INS_INT3: case X86_INS_INT: case X86_INS_INTO:
		return PM_INSN_TRAP;
	case X86_INS_PUSH: case X86_INS_POP: case X86_INS_PUSHFQ: case X86_INS_POPFQ:
	case X86_INS_ENTER: case X86_INS_LEAVE:
		return PM_INSN_STACK;
	default:
		break;
	}
	if (in_group(d, CS_GRP_CALL))
		return PM_INSN_CALL;
	if (in_group(d, CS_GRP_RET))
		return PM_INSN_RET;
	if (in_group(d, CS_GRP_JUMP))
		return PM_INSN_JUMP;
	return PM_INSN_OTHER;
}

struct pm_err *pm_insn_decode(struct pmdb *db, uint64_t addr, struct pm_insn *out)
{
	return pm_insn_decode_in(db, addr, thumb_at(db, addr), out);
}

struct pm_err *pm_insn_decode_in(struct pmdb *db, uint64_t addr, bool thumb, struct pm_insn *out)
{
	memset(out, 0, sizeof(*out));
	addr &= ~db->t->arch->code_addr_tag;
	out->addr = addr;
	out->reg_operand = -1;
	uint8_t buf[16];
	size_t n = pm_memmap_read_partial(&db->t->mem, addr, buf, sizeof(buf));
	if (n == 0)
		return pm_err_fault(addr, "instruction");
	if (db->t->arch->disasm == PM_DIS_A64)
		return pm_insn_decode_a64(db, buf, n, out);
	if (db->t->arch->disasm == PM_DIS_ARM)
		return pm_insn_decode_arm(db, buf, n, thumb, out);
	if (db->t->arch->disasm != PM_DIS_X86_64 && db->t->arch->disasm != PM_DIS_X86_32)
		return pm_err_new(PM_ERR_GENERIC, "no instruction decoder for %s", db->t->arch->name);
	csh handle;
	struct pm_err *err = pm_disasm_handle(db->t->arch, &handle);
	if (err)
		return err;
	cs_insn *insn;
	if (cs_disasm(handle, buf, n, addr, 1, &insn) != 1)
		return pm_err_new(PM_ERR_FORMAT, "no valid instruction at 0x%" PRIx64, addr);
	const struct pm_arch *arch = db->t->arch;
	snprintf(out->text, sizeof(out->text), insn->op_str[0] ? "%s %s" : "%s", insn->mnemonic,
		 insn->op_str);
	out->size = insn->size;
	out->kind = kind_of(insn);
	const cs_x86 *x = &insn->detail->x86;
	for (uint8_t i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];
		if (op->type == X86_OP_MEM && out->nmem < 2) {
			struct pm_insn_mem *m = &out->mem[out->nmem++];
			m->base = reg_index(arch, op->mem.base);
			m->index = reg_index(arch, op->mem.index);
			m->scale = (unsigned)op->mem.scale;
			m->disp = op->mem.disp;
			m->read = (op->access & CS_AC_READ) != 0;
			m->write = (op->access & CS_AC_WRITE) != 0;
			m->segment = op->mem.segment == X86_REG_FS || op->mem.segment == X86_REG_GS;
			m->rip_relative = op->mem.base == X86_REG_RIP;
		} else if (op->type == X86_OP_REG && out->reg_operand < 0 &&
			   (out->kind == PM_INSN_CALL || out->kind == PM_INSN_JUMP || out->kind == PM_INSN_DIV)) {
			out->reg_operand = reg_index(arch, op->reg);
		} else if (op->type == X86_OP_IMM && (out->kind == PM_INSN_CALL || out->kind == PM_INSN_JUMP)) {
			out->direct = true;
			out->target = (uint64_t)op->imm;
		}
	}
	cs_free(insn, 1);
	return NULL;
}

uint64_t pm_insn_effective(const struct pm_arch *arch, const uint64_t *regs,
			   const struct pm_insn *insn, const struct pm_insn_mem *m)
{
	uint64_t a = (uint64_t)m->disp;
	if (m->rip_relative)
		return insn->addr + insn->size + a;
	if (m->base >= 0)
		a += regs[m->base] & arch->regs[m->base].mask;
	if (m->index >= 0) {
		uint64_t i = regs[m->index] & arch->regs[m->index].mask;
		unsigned k = m->shift_amount;
		switch (m->ext) {
		case PM_EXT_UXTW: i = (uint32_t)i; break;
		case PM_EXT_SXTW: i = (uint64_t)(int64_t)(int32_t)i; break;
		/* ARM's shifts of a 32-bit register; lsr/asr #32 are encodable */
		case PM_EXT_LSR: i = k >= 32 ? 0 : (uint32_t)i >> k; break;
		case PM_EXT_ASR: i = (uint32_t)((int32_t)i >> (k >= 32 ? 31 : k)); break;
		case PM_EXT_ROR: k &= 31; i = k ? (uint32_t)((uint32_t)i >> k | (uint32_t)i << (32 - k)) : i; break;
		case PM_EXT_RRX:   /* the carry flag (the CPSR's bit 29) comes in at the top */
			i = (uint32_t)i >> 1 | (uint32_t)(regs[arch->thumb_reg] >> 29 & 1) << 31;
			break;
		case PM_EXT_NONE: break;
		}
		a += m->index_negated ? -(i * m->scale) : i * m->scale;
	}
	/* 32-bit ARM computes addresses modulo 2^32 */
	return arch->disasm == PM_DIS_ARM ? (uint32_t)a : a;
}
