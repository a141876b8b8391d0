/* What pmdb knows of a processor: register names and layout in the
 * kernel's NT_PRSTATUS, DWARF register numbers, the program counter and
 * stack pointer, and how to print flags.  One static instance per arch. */
#ifndef PM_ARCH_H
#define PM_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PM_MAX_REGS 40

struct pm_regdef {
	const char *name;
	int dwarf;      /* DWARF register number, -1 if none */
	uint64_t mask;  /* bits that are the register's (gcore leaves junk above selectors) */
};

struct pm_arch {
	const char *name;
	unsigned elf_machine;
	unsigned ptr_size;
	size_t nregs;                     /* entries in regs[] */
	const struct pm_regdef *regs;     /* in NT_PRSTATUS pr_reg order */
	size_t prstatus_size;             /* sizeof(struct elf_prstatus) */
	size_t prstatus_reg_offset;       /* offset of pr_reg */
	int pc, sp, fp;                   /* indexes into regs[] */
	int lr;                           /* link register index, -1 if calls push */
	unsigned insn_size;               /* bytes of every instruction, 0 if they vary */
	bool div_traps;                   /* integer division by zero raises SIGFPE */
	unsigned va_bits;                 /* user addresses are below 1 << va_bits */
	/* Linux's signal return trampoline (its first two instructions as one
	 * little-endian word), and the offset in the rt_sigframe at its stack
	 * pointer of the interrupted thread's registers, saved in regs[]
	 * order; 0 where libdwfl's CFI for the trampoline does the work */
	uint64_t sigreturn_code;
	size_t sigframe_regs;
	size_t ndwarf_initial;            /* DWARF regs 0..n-1 given to the unwinder */
	/* Print the registers in mdb's $r layout. */
	void (*print_regs)(FILE *out, const uint64_t *regs,
			   void (*sym)(FILE *, uint64_t, void *), void *arg);
	/* Print NT_FPREGSET for ::fpregs, -1 if too short; NULL: the x86
	 * FXSAVE/XSAVE printer of src/cmd/regs.c. */
	int (*print_fpregs)(FILE *out, const unsigned char *fp, size_t len);
};

const struct pm_arch *pm_arch_for_machine(unsigned elf_machine);
/* Index of a register by name (without '%'), or -1. */
int pm_arch_reg_index(const struct pm_arch *arch, const char *name);

extern const struct pm_arch pm_arch_x86_64;
extern const struct pm_arch pm_arch_aarch64;

#endif
