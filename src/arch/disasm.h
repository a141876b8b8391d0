/* Disassembly with capstone (AT&T syntax on x86-64, ARM64 on AArch64),
 * and operand decoding for ::analyze (insn_a64.c decodes AArch64). */
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
	PM_INSN_OTHER, PM_INSN_CALL, PM_INSN_JUMP, PM_INSN_RET, PM_INSN_DIV,
	PM_INSN_UD,      /* ud2, udf, and AArch64's brk #0x3e8 (__builtin_trap) */
	PM_INSN_TRAP,    /* int3, int N, brk, hlt */
	PM_INSN_STACK,   /* push/pop/enter/leave: touches the stack implicitly */
};

/* How the index register is extended or shifted before it is added:
 * AArch64's w registers zero or sign extended; ARM's shifts by
 * shift_amount (lsl is scale) */
enum pm_index_ext { PM_EXT_NONE, PM_EXT_UXTW, PM_EXT_SXTW, PM_EXT_LSR, PM_EXT_ASR, PM_EXT_ROR,
		    PM_EXT_RRX };

struct pm_insn_mem {
	int base, index;     /* register indexes (arch->regs), -1 if none */
	unsigned scale;
	enum pm_index_ext ext;
	unsigned shift_amount; /* ARM: of PM_EXT_LSR, _ASR, _ROR */
	bool index_negated;  /* ARM: [r1, -r2] */
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
	int reg_operand;     /* call/jmp *%reg, div %reg, blr/br/ret: its register index, -1 */
	bool direct;         /* call/jmp to an immediate target */
	uint64_t target;     /* ... that target */
};

/* Decode the instruction at addr with its operands (32-bit ARM: in Thumb
 * state when addr has bit 0 set or the current thread runs Thumb code). */
struct pm_err *pm_insn_decode(struct pmdb *db, uint64_t addr, struct pm_insn *out);
/* The same in the state given (32-bit ARM: thumb says Thumb, else ARM,
 * whatever the current thread runs; ignored elsewhere). */
struct pm_err *pm_insn_decode_in(struct pmdb *db, uint64_t addr, bool thumb, struct pm_insn *out);
/* AArch64's decoder (insn_a64.c): out is cleared, addr and reg_operand set. */
struct pm_err *pm_insn_decode_a64(struct pmdb *db, const uint8_t *buf, size_t n,
				  struct pm_insn *out);

/* 32-bit ARM's decoder (insn_arm.c), in Thumb or ARM state; the same contract. */
struct pm_err *pm_insn_decode_arm(struct pmdb *db, const uint8_t *buf, size_t n, bool thumb,
				  struct pm_insn *out);

/* The value an operand computes with the thread's registers. */
uint64_t pm_insn_effective(const struct pm_arch *arch, const uint64_t *regs,
			   const struct pm_insn *insn, const struct pm_insn_mem *m);

#endif
