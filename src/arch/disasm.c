#include "disasm.h"
#include "disasm_cs.h"

#include <capstone/capstone.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* One capstone handle per architecture, opened on first use. */
static csh handle;           /* x86-64, AT&T syntax: pm_insn_decode's too */
static int handle_state;     /* 0 none, 1 ok, -1 failed */
static csh a64_handle;
static int a64_state;

static struct pm_err *open_cs(cs_arch cs, cs_mode mode, const char *name, csh *h, int *state)
{
	if (*state > 0)
		return NULL;
	if (*state < 0 || cs_open(cs, mode, h) != CS_ERR_OK) {
		*state = -1;
		return pm_err_new(PM_ERR_GENERIC, "capstone: cannot open an %s disassembler", name);
	}
	if (cs == CS_ARCH_X86)
		cs_option(*h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	cs_option(*h, CS_OPT_DETAIL, CS_OPT_ON);
	*state = 1;
	return NULL;
}

static struct pm_err *open_handle(const struct pm_arch *arch)
{
	if (arch->elf_machine != pm_arch_x86_64.elf_machine)
		return pm_err_new(PM_ERR_GENERIC, "no disassembler for %s", arch->name);
	return open_cs(CS_ARCH_X86, CS_MODE_64, "x86-64", &handle, &handle_state);
}

/* The handle that disassembles for ::dis on this architecture. */
struct pm_err *pm_disasm_handle(const struct pm_arch *arch, csh *h)
{
	if (arch == &pm_arch_aarch64) {
		struct pm_err *err = open_cs(CS_ARCH_ARM64, CS_MODE_ARM, "AArch64", &a64_handle, &a64_state);
		*h = a64_handle;
		return err;
	}
	struct pm_err *err = open_handle(arch);
	*h = handle;
	return err;
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
	if (db->t->arch == &pm_arch_aarch64) {
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
	struct pm_err *err = pm_disasm_handle(db->t->arch, &h);
	if (err)
		return err;
	cs_insn *insn;
	size_t count = cs_disasm(h, buf, n, addr, 1, &insn);
	if (count == 0) {
		snprintf(text, textlen, "(bad)");
		*len = 1;
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
	const char *n = cs_reg_name(handle, reg);
	if (!n)
		return -1;
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
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	out->reg_operand = -1;
	uint8_t buf[16];
	size_t n = pm_memmap_read_partial(&db->t->mem, addr, buf, sizeof(buf));
	if (n == 0)
		return pm_err_fault(addr, "instruction");
	if (db->t->arch == &pm_arch_aarch64)
		return pm_insn_decode_a64(db, buf, n, out);
	if (db->t->arch != &pm_arch_x86_64)
		return pm_err_new(PM_ERR_GENERIC, "no instruction decoder for %s", db->t->arch->name);
	struct pm_err *err = open_handle(db->t->arch);
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
		if (m->ext == PM_EXT_UXTW)
			i = (uint32_t)i;
		else if (m->ext == PM_EXT_SXTW)
			i = (uint64_t)(int64_t)(int32_t)i;
		a += i * m->scale;
	}
	return a;
}
