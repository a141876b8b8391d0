/* 32-bit ARM and Thumb instructions for ::analyze: loads and stores
 * (immediate or register offset, the register negated and shifted, pre-
 * and post-index, pc-relative literals), the multiple transfers (ldm/stm
 * in their four directions, push/pop, vldm/vstm, vpush/vpop), branches
 * (b, bl, blx, bx, cbz, tbb, pop or ldr into pc), udf and bkpt.
 * capstone 4 gives the operands.  Whether memory is read or written
 * follows the mnemonic, as in insn_a64.c: capstone 4's access flags are
 * wrong for some forms (ldrh, ldrd say neither). */
#include "disasm.h"
#include "disasm_cs.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* pmdb's register of a capstone register: r0-r12 (capstone calls r9-r12
 * sb, sl, fp, ip), sp, lr, pc; -1 for none or another kind. */
static int reg_index(const struct pm_arch *arch, unsigned reg)
{
	char name[8];
	if (reg >= ARM_REG_R0 && reg <= ARM_REG_R12)
		snprintf(name, sizeof(name), "r%u", reg - ARM_REG_R0);
	else if (reg == ARM_REG_SP || reg == ARM_REG_LR || reg == ARM_REG_PC)
		snprintf(name, sizeof(name), "%s", reg == ARM_REG_SP ? "sp" : reg == ARM_REG_LR ? "lr" : "pc");
	else
		return -1;
	return pm_arch_reg_index(arch, name);
}

/* Bytes a register of a transfer list moves: d registers 8, q 16, the
 * core and s registers 4. */
static unsigned list_bytes(csh h, const cs_arm *a, int first)
{
	unsigned n = 0;
	for (int i = first; i < a->op_count; i++) {
		const char *name = a->operands[i].type == ARM_OP_REG ? cs_reg_name(h, a->operands[i].reg) : NULL;
		n += !name ? 0 : name[0] == 'd' ? 8 : name[0] == 'q' ? 16 : 4;
	}
	return n;
}

static bool lists_pc(const cs_arm *a)
{
	for (int i = 0; i < a->op_count; i++)
		if (a->operands[i].type == ARM_OP_REG && a->operands[i].reg == ARM_REG_PC)
			return true;
	return false;
}

/* What an access does to memory, from its mnemonic: ld*, pop and the
 * table branches read, st* and push write, swp both; preloads never fault. */
static void access_of(const char *mn, bool *read, bool *write)
{
	*read = *write = false;
	if (mn[0] == 'v')
		mn++;           /* vldr, vstm, vpush, vld1 ... */
	if (strncmp(mn, "pl", 2) == 0)
		return;         /* pld, pldw, pli */
	if (strncmp(mn, "swp", 3) == 0) {
		*read = *write = true;
		return;
	}
	*write = strncmp(mn, "st", 2) == 0 || strncmp(mn, "push", 4) == 0;
	*read = !*write;
}

/* A multiple transfer: its base and the lowest address it touches, from
 * the direction (increment/decrement, after/before) and the list's size. */
static bool multiple(const struct pm_arch *arch, csh h, const cs_insn *insn, struct pm_insn_mem *m)
{
	const cs_arm *a = &insn->detail->arm;
	int64_t size;
	m->base = -1;
	switch (insn->id) {
	case ARM_INS_PUSH: case ARM_INS_VPUSH:          /* stmdb sp!, {list} */
		m->base = pm_arch_reg_index(arch, "sp");
		m->disp = -(int64_t)list_bytes(h, a, 0);
		return true;
	case ARM_INS_POP: case ARM_INS_VPOP:            /* ldmia sp!, {list} */
		m->base = pm_arch_reg_index(arch, "sp");
		return true;
	case ARM_INS_LDM: case ARM_INS_STM: case ARM_INS_VLDMIA: case ARM_INS_VSTMIA:
		size = 0;
		break;
	case ARM_INS_LDMIB: case ARM_INS_STMIB:
		size = 4;
		break;
	case ARM_INS_LDMDB: case ARM_INS_STMDB: case ARM_INS_VLDMDB: case ARM_INS_VSTMDB:
		size = -(int64_t)list_bytes(h, a, 1);
		break;
	case ARM_INS_LDMDA: case ARM_INS_STMDA:
		size = 4 - (int64_t)list_bytes(h, a, 1);
		break;
	default:
		return false;
	}
	if (a->op_count < 2 || a->operands[0].type != ARM_OP_REG)
		return false;
	m->base = reg_index(arch, a->operands[0].reg);
	m->disp = size;
	return m->base >= 0;
}

/* The address the pc reads as: the instruction's own plus 8 in ARM
 * state; plus 4 in Thumb state, rounded down to a word for a literal
 * (not for tbb/tbh's table). */
static uint64_t pc_value(const cs_insn *insn, const struct pm_insn *out, bool thumb)
{
	if (!thumb)
		return out->addr + 8;
	bool table = insn->id == ARM_INS_TBB || insn->id == ARM_INS_TBH;
	return table ? out->addr + 4 : (out->addr + 4) & ~3ull;
}

static void memory_operand(const struct pm_arch *arch, const cs_insn *insn, const cs_arm_op *op,
			   bool thumb, struct pm_insn *out, struct pm_insn_mem *m)
{
	m->base = reg_index(arch, op->mem.base);
	m->index = op->mem.index ? reg_index(arch, op->mem.index) : -1;
	m->disp = op->mem.disp;
	m->scale = 1;
	if (op->mem.base == ARM_REG_PC) {   /* a literal: the address is known */
		m->base = -1;
		m->disp += (int64_t)pc_value(insn, out, thumb);
	}
	if (m->index < 0)
		return;
	/* capstone 4 marks a subtracted register either way */
	m->index_negated = op->subtracted || op->mem.scale == -1;
	unsigned k = op->shift.value;
	switch (op->shift.type) {
	case ARM_SFT_LSL: m->scale = k < 32 ? 1u << k : 0; break;
	case ARM_SFT_LSR: m->ext = PM_EXT_LSR; m->shift_amount = k; break;
	case ARM_SFT_ASR: m->ext = PM_EXT_ASR; m->shift_amount = k; break;
	case ARM_SFT_ROR: m->ext = PM_EXT_ROR; m->shift_amount = k; break;
	case ARM_SFT_RRX: m->ext = PM_EXT_RRX; break;
	default: break;
	}
}

static enum pm_insn_kind kind_of(const cs_insn *insn)
{
	const cs_arm *a = &insn->detail->arm;
	bool to_pc = a->op_count > 0 && a->operands[0].type == ARM_OP_REG && a->operands[0].reg == ARM_REG_PC;
	switch (insn->id) {
	case ARM_INS_BL: case ARM_INS_BLX:
		return PM_INSN_CALL;
	case ARM_INS_BX:
		return a->op_count == 1 && a->operands[0].reg == ARM_REG_LR ? PM_INSN_RET : PM_INSN_JUMP;
	case ARM_INS_B: case ARM_INS_CBZ: case ARM_INS_CBNZ: case ARM_INS_TBB: case ARM_INS_TBH:
		return PM_INSN_JUMP;
	case ARM_INS_POP:
		return lists_pc(a) ? PM_INSN_RET : PM_INSN_STACK;
	case ARM_INS_PUSH: case ARM_INS_VPUSH: case ARM_INS_VPOP:
		return PM_INSN_STACK;
	case ARM_INS_LDM: case ARM_INS_LDMIB: case ARM_INS_LDMDB: case ARM_INS_LDMDA:
		return lists_pc(a) ? PM_INSN_JUMP : PM_INSN_OTHER;
	case ARM_INS_LDR:           /* ldr pc, [...]: a jump through memory */
		return to_pc ? PM_INSN_JUMP : PM_INSN_OTHER;
	case ARM_INS_MOV:           /* mov pc, lr: the old return */
		return !to_pc ? PM_INSN_OTHER : a->op_count == 2 && a->operands[1].type == ARM_OP_REG &&
		       a->operands[1].reg == ARM_REG_LR ? PM_INSN_RET : PM_INSN_JUMP;
	case ARM_INS_SDIV: case ARM_INS_UDIV:
		return PM_INSN_DIV;
	case ARM_INS_UDF: case ARM_INS_TRAP:   /* trap: 0xe7ffdefe, 0xdefe (__builtin_trap) */
		return PM_INSN_UD;
	case ARM_INS_BKPT:
		return PM_INSN_TRAP;
	default:
		return PM_INSN_OTHER;
	}
}

static void operands(const struct pm_arch *arch, csh h, const cs_insn *insn, bool thumb,
		     struct pm_insn *out)
{
	const cs_arm *a = &insn->detail->arm;
	bool read, write;
	access_of(insn->mnemonic, &read, &write);
	struct pm_insn_mem m = { .base = -1, .index = -1, .scale = 1 };
	bool memory = multiple(arch, h, insn, &m);
	for (int i = 0; i < a->op_count && !memory; i++)
		if (a->operands[i].type == ARM_OP_MEM) {
			memory_operand(arch, insn, &a->operands[i], thumb, out, &m);
			memory = true;
		}
	if (memory && (read || write)) {
		m.read = read;
		m.write = write;
		out->mem[out->nmem++] = m;
	}
	int last = a->op_count - 1;
	if (last < 0)
		return;
	const cs_arm_op *op = &a->operands[last];
	if ((out->kind == PM_INSN_CALL || out->kind == PM_INSN_JUMP) && !memory) {
		if (op->type == ARM_OP_IMM) {       /* b, bl, blx, cbz: the target */
			out->direct = true;
			out->target = (uint32_t)op->imm;
		} else if (op->type == ARM_OP_REG) {        /* blx r3, bx r2, mov pc, r3 */
			out->reg_operand = reg_index(arch, op->reg);
		}
	} else if (out->kind == PM_INSN_RET && !memory) {
		out->reg_operand = reg_index(arch, ARM_REG_LR);
	} else if (out->kind == PM_INSN_DIV && op->type == ARM_OP_REG) {
		out->reg_operand = reg_index(arch, op->reg);
	}
}

/* A Thumb instruction is 32 bits when its first halfword starts 0b11101,
 * 0b11110 or 0b11111. */
static size_t thumb_size(const uint8_t *buf)
{
	unsigned top = buf[1] >> 3;
	return top == 0x1d || top == 0x1e || top == 0x1f ? 4 : 2;
}

struct pm_err *pm_insn_decode_arm(struct pmdb *db, const uint8_t *buf, size_t n, bool thumb,
				  struct pm_insn *out)
{
	const struct pm_arch *arch = db->t->arch;
	size_t need = !thumb ? 4 : n >= 2 ? thumb_size(buf) : 2;
	if (n < need)
		return pm_err_fault(out->addr + n, "instruction");
	csh h;
	struct pm_err *err = thumb ? pm_disasm_handle_thumb(&h) : pm_disasm_handle(arch, &h);
	if (err)
		return err;
	cs_insn *insn;
	if (cs_disasm(h, buf, need, out->addr, 1, &insn) != 1) {
		/* as objdump shows them: ARM's word; Thumb's halfwords in order */
		uint32_t lo = buf[0] | buf[1] << 8, hi = need == 4 ? buf[2] | buf[3] << 8 : 0;
		uint32_t w = !thumb ? lo | hi << 16 : need == 4 ? lo << 16 | hi : lo;
		return pm_err_new(PM_ERR_FORMAT, "no valid %s instruction at 0x%" PRIx64 " (0x%0*x)",
				  thumb ? "Thumb" : "ARM", out->addr, (int)need * 2, w);
	}
	snprintf(out->text, sizeof(out->text), insn->op_str[0] ? "%s %s" : "%s", insn->mnemonic,
		 insn->op_str);
	out->size = insn->size;
	out->kind = kind_of(insn);
	operands(arch, h, insn, thumb, out);
	cs_free(insn, 1);
	return NULL;
}
