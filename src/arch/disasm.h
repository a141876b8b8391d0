/* Disassembly with capstone (AT&T syntax on x86-64; AArch64 for ::dis;
 * operand decoding for ::analyze on x86-64 only). */
#ifndef PM_DISASM_H
#define PM_DISASM_H

#include <stddef.h>
#include <stdint.h>

#include "../pmdb.h"

/* Decode the instruction at addr.  text gets "mnemonic operands" and, for
 * direct branches, " <sym+off>"; *len its size in bytes. */
struct pm_err *pm_disasm_one(struct pmdb *db, uint64_t addr, char *text, size_t textlen,
			     unsigned *len);

/* The same for n bytes already read, which start at addr. */
struct pm_err *pm_disasm_bytes(struct pmdb *db, uint64_t addr, const uint8_t *buf, size_t n,
			       char *text, size_t textlen, unsigned *len);

/* What ::analyze needs to know of one instruction. */
enum pm_insn_kind {
	PM_INSN_OTHER, PM_INSN_CALL, PM_INSN_JUMP, PM_INSN_RET, PM_INSN_DIV, PM_INSN_UD,
	PM_INSN_TRAP,    /* int3, int N */
	PM_INSN_STACK,   /* push/pop/enter/leave: touches the stack implicitly */
};

struct pm_insn_mem {
	int base, index;     /* register indexes (arch->regs), -1 if none */
	unsigned scale;
	int64_t disp;
	bool read, write;
	bool segment;        /* %fs: or %gs: relative (thread-local) */
	bool rip_relative;
};

struct pm_insn {
	uint64_t addr;
	unsigned size;
	char text[160];
	enum pm_insn_kind kind;
	int nmem;
	struct pm_insn_mem mem[2];
	int reg_operand;     /* call/jmp *%reg, div %reg: its register index, -1 */
	bool direct;         /* call/jmp to an immediate target */
	uint64_t target;     /* ... that target */
};

/* Decode the instruction at addr with its operands. */
struct pm_err *pm_insn_decode(struct pmdb *db, uint64_t addr, struct pm_insn *out);
/* The value an operand computes with the thread's registers. */
uint64_t pm_insn_effective(const struct pm_arch *arch, const uint64_t *regs,
			   const struct pm_insn *insn, const struct pm_insn_mem *m);

#endif
