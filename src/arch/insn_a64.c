/* AArch64 instructions for ::analyze: loads and stores (base register,
 * immediate or register offset, pre- and post-index, literals), branches
 * (b, bl, br, blr, ret and their pointer-authenticating forms), brk, udf
 * and the divisions.  capstone 4 gives the operands; it does not know
 * udf or the ARMv8.3 branches, which are decoded here from their bits.
 * Whether a memory operand is read or written follows the mnemonic:
 * capstone 4's access flags are wrong for stores (stp, str, stlr). */
#include "disasm.h"
#include "disasm_cs.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define GCC_TRAP_IMM 0x3e8      /* brk #1000: GCC's and Clang's __builtin_trap */

/* capstone's wN and wsp are the low halves of pmdb's xN and sp; the zero
 * register is no register. */
static int reg_index(const struct pm_arch *arch, csh h, unsigned reg)
{
	const char *n = reg ? cs_reg_name(h, reg) : NULL;
	if (!n || strcmp(n, "xzr") == 0 || strcmp(n, "wzr") == 0)
		return -1;
	char full[8];
	if (strcmp(n, "wsp") == 0)
		snprintf(full, sizeof(full), "sp");
	else if (n[0] == 'w')
		snprintf(full, sizeof(full), "x%s", n + 1);
	else
		snprintf(full, sizeof(full), "%s", n);
	return pm_arch_reg_index(arch, full);
}

static int xreg(const struct pm_arch *arch, unsigned n)
{
	char name[8];
	snprintf(name, sizeof(name), "x%u", n);
	return pm_arch_reg_index(arch, name);
}

/* udf and the pointer-authenticating branches, which capstone 4 does not
 * decode.  True if w is one of them. */
static bool decode_by_bits(const struct pm_arch *arch, uint32_t w, struct pm_insn *out)
{
	unsigned rn = (w >> 5) & 31, rm = w & 31;
	char key = (w >> 10) & 1 ? 'b' : 'a';
	if ((w & 0xffff0000) == 0) {
		snprintf(out->text, sizeof(out->text), "udf #%u", w & 0xffff);
		out->kind = PM_INSN_UD;
	} else if ((w & 0xfffffbff) == 0xd65f0bff) {
		snprintf(out->text, sizeof(out->text), "reta%c", key);
		out->kind = PM_INSN_RET;
		out->reg_operand = xreg(arch, 30);
	} else if ((w & 0xfedff800) == 0xd61f0800 && ((w >> 24) & 1 || rm == 31)) {
		/* bra[ab][z] (bit 21 clear) and blra[ab][z] (bit 21 set); the
		 * Z forms (bit 24 clear) have no modifier register */
		bool call = (w >> 21) & 1, z = !((w >> 24) & 1);
		out->kind = call ? PM_INSN_CALL : PM_INSN_JUMP;
		out->reg_operand = xreg(arch, rn);
		char mod[8];
		snprintf(mod, sizeof(mod), rm == 31 ? "sp" : "x%u", rm);
		snprintf(out->text, sizeof(out->text), "%s%c%s x%u%s%s", call ? "blra" : "bra", key,
			 z ? "z" : "", rn, z ? "" : ", ", z ? "" : mod);
	} else {
		return false;
	}
	out->size = 4;
	return true;
}

static enum pm_insn_kind kind_of(const cs_insn *insn)
{
	switch (insn->id) {
	case ARM64_INS_BL: case ARM64_INS_BLR:
		return PM_INSN_CALL;
	case ARM64_INS_RET:
		return PM_INSN_RET;
	case ARM64_INS_B: case ARM64_INS_BR: case ARM64_INS_CBZ: case ARM64_INS_CBNZ:
	case ARM64_INS_TBZ: case ARM64_INS_TBNZ:
		return PM_INSN_JUMP;
	case ARM64_INS_SDIV: case ARM64_INS_UDIV:
		return PM_INSN_DIV;
	case ARM64_INS_BRK:
		return insn->detail->arm64.op_count && insn->detail->arm64.operands[0].imm == GCC_TRAP_IMM ?
		       PM_INSN_UD : PM_INSN_TRAP;
	case ARM64_INS_HLT:
		return PM_INSN_TRAP;
	default:
		return PM_INSN_OTHER;
	}
}

/* What an access does to memory, from its mnemonic: ld* reads, st*
 * writes, the atomics (cas, swp, ld<op>) both; prefetches never fault. */
static void access_of(const char *mn, bool *read, bool *write)
{
	static const char *const rmw[] = { "cas", "swp", "ldadd", "ldclr", "ldeor", "ldset",
					   "ldsmax", "ldsmin", "ldumax", "ldumin" };
	*read = *write = false;
	for (size_t i = 0; i < sizeof(rmw) / sizeof(rmw[0]); i++)
		if (strncmp(mn, rmw[i], strlen(rmw[i])) == 0) {
			*read = *write = true;
			return;
		}
	if (strncmp(mn, "prf", 3) == 0)
		return;
	*write = strncmp(mn, "st", 2) == 0;
	*read = !*write;
}

static void operands(const struct pm_arch *arch, csh h, const cs_insn *insn, struct pm_insn *out)
{
	const cs_arm64 *a = &insn->detail->arm64;
	bool read, write;
	access_of(insn->mnemonic, &read, &write);
	bool memory = false;
	for (uint8_t i = 0; i < a->op_count; i++) {
		const cs_arm64_op *op = &a->operands[i];
		if (op->type == ARM64_OP_MEM) {
			memory = true;
			if (out->nmem >= 2 || (!read && !write))
				continue;
			struct pm_insn_mem *m = &out->mem[out->nmem++];
			m->base = reg_index(arch, h, op->mem.base);
			m->index = reg_index(arch, h, op->mem.index);
			/* post-index ([x1], #8): capstone gives the offset as a separate
			 * immediate and disp 0, so the address is the base alone */
			m->disp = op->mem.disp;
			m->scale = op->shift.type == ARM64_SFT_LSL ? 1u << (op->shift.value & 7) : 1;
			m->ext = op->ext == ARM64_EXT_UXTW ? PM_EXT_UXTW :
				 op->ext == ARM64_EXT_SXTW ? PM_EXT_SXTW : PM_EXT_NONE;
			m->read = read;
			m->write = write;
		}
	}
	int last = a->op_count - 1;
	if (out->kind == PM_INSN_CALL || out->kind == PM_INSN_JUMP) {
		if (last >= 0 && a->operands[last].type == ARM64_OP_IMM) {
			out->direct = true;
			out->target = (uint64_t)a->operands[last].imm;
		} else if (last >= 0 && a->operands[0].type == ARM64_OP_REG) {
			out->reg_operand = reg_index(arch, h, a->operands[0].reg);
		}
	} else if (out->kind == PM_INSN_RET) {
		out->reg_operand = last >= 0 && a->operands[0].type == ARM64_OP_REG ?
				   reg_index(arch, h, a->operands[0].reg) : xreg(arch, 30);
	} else if (out->kind == PM_INSN_DIV && a->op_count == 3) {
		out->reg_operand = reg_index(arch, h, a->operands[2].reg);
	} else if (!memory && read && strncmp(insn->mnemonic, "ld", 2) == 0 && last >= 1 &&
		   a->operands[last].type == ARM64_OP_IMM) {
		/* ldr x0, <label>: a literal at an absolute address */
		struct pm_insn_mem *m = &out->mem[out->nmem++];
		m->base = m->index = -1;
		m->scale = 1;
		m->disp = a->operands[last].imm;
		m->read = true;
	}
}

struct pm_err *pm_insn_decode_a64(struct pmdb *db, const uint8_t *buf, size_t n,
				  struct pm_insn *out)
{
	const struct pm_arch *arch = db->t->arch;
	if (n < 4)
		return pm_err_fault(out->addr + n, "instruction");
	uint32_t w;
	memcpy(&w, buf, 4);
	if (decode_by_bits(arch, w, out))
		return NULL;
	csh h;
	struct pm_err *err = pm_disasm_handle(arch, &h);
	if (err)
		return err;
	cs_insn *insn;
	if (cs_disasm(h, buf, 4, out->addr, 1, &insn) != 1)
		return pm_err_new(PM_ERR_FORMAT, "no valid instruction at 0x%" PRIx64 " (0x%08x)",
				  out->addr, w);
	snprintf(out->text, sizeof(out->text), insn->op_str[0] ? "%s %s" : "%s", insn->mnemonic,
		 insn->op_str);
	out->size = 4;
	out->kind = kind_of(insn);
	operands(arch, h, insn, out);
	cs_free(insn, 1);
	return NULL;
}
