#include "disasm.h"

#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static csh handle;
static int handle_state; /* 0 none, 1 ok, -1 failed */

static struct pm_err *open_handle(const struct pm_arch *arch)
{
	if (handle_state > 0)
		return NULL;
	if (handle_state < 0 || arch->elf_machine != pm_arch_x86_64.elf_machine)
		return pm_err_new(PM_ERR_GENERIC, "no disassembler for %s", arch->name);
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
		handle_state = -1;
		return pm_err_new(PM_ERR_GENERIC, "capstone: cannot open an x86-64 disassembler");
	}
	cs_option(handle, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
	handle_state = 1;
	return NULL;
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
	if (!branch || det->x86.op_count != 1 || det->x86.operands[0].type != X86_OP_IMM)
		return;
	uint64_t target = (uint64_t)det->x86.operands[0].imm;
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
	struct pm_err *err = open_handle(db->t->arch);
	if (err)
		return err;
	cs_insn *insn;
	size_t count = cs_disasm(handle, buf, n, addr, 1, &insn);
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
