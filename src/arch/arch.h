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

/* Where the core's notes keep their fields: the kernel's elf_prstatus,
 * elf_prpsinfo and siginfo_t differ between 64-bit processes and 32-bit
 * ones (i386, ARM, and the compat layout of x32). */
struct pm_note_layout {
	unsigned word;            /* a long or pointer in notes, auxv, NT_FILE: 4 or 8 */
	size_t prstatus_pid;      /* pr_pid in elf_prstatus */
	size_t prpsinfo_size;
	size_t prpsinfo_uid;      /* pr_uid, then pr_gid, each uid_size bytes */
	unsigned uid_size;        /* 2: the 16-bit __kernel_uid_t of i386, ARM and compat */
	size_t prpsinfo_pid;      /* pr_pid, pr_ppid */
	size_t prpsinfo_fname;    /* pr_fname[16], then pr_psargs[80] */
	size_t siginfo_addr;      /* si_addr in siginfo_t */
};

extern const struct pm_note_layout pm_notes_lp64, pm_notes_ilp32;

/* A thread's floating-point and vector notes (NULL when absent). */
struct pm_fp_notes {
	const unsigned char *fpregs;      /* NT_FPREGSET */
	size_t fpregs_len;
	const unsigned char *sve;         /* AArch64 NT_ARM_SVE */
	size_t sve_len;
	const unsigned char *vfp;         /* 32-bit ARM NT_ARM_VFP */
	size_t vfp_len;
};

/* Which capstone disassembler reads the code (src/arch/disasm.c). */
enum pm_disasm_kind { PM_DIS_X86_64, PM_DIS_X86_32, PM_DIS_A64, PM_DIS_ARM };

struct pm_arch {
	const char *name;
	unsigned elf_machine;
	unsigned elf_class;               /* ELFCLASS32 or ELFCLASS64 of its cores */
	unsigned ptr_size;
	unsigned reg_size;                /* bytes of a register in pr_reg and of a stack word */
	const struct pm_note_layout *notes;
	enum pm_disasm_kind disasm;
	size_t nregs;                     /* entries in regs[] */
	const struct pm_regdef *regs;     /* in NT_PRSTATUS pr_reg order */
	size_t prstatus_size;             /* sizeof(struct elf_prstatus) */
	size_t prstatus_reg_offset;       /* offset of pr_reg */
	int pc, sp, fp;                   /* indexes into regs[] */
	int lr;                           /* link register index, -1 if calls push */
	/* ARM: the bit of register thumb_reg (cpsr) set while running Thumb
	 * code; 0 elsewhere */
	uint64_t thumb_mask;
	int thumb_reg;
	/* bits of a return address or function pointer that are no part of
	 * the code address (ARM: bit 0 says the code there is Thumb) */
	uint64_t code_addr_tag;
	unsigned insn_size;               /* bytes of every instruction, 0 if they vary */
	bool div_traps;                   /* integer division by zero raises SIGFPE */
	unsigned va_bits;                 /* user addresses are below 1 << va_bits */
	/* Linux's signal return trampoline (its first two instructions as one
	 * little-endian word), and the offset in the rt_sigframe at its stack
	 * pointer of the interrupted thread's registers, saved in regs[]
	 * order; 0 where libdwfl's CFI for the trampoline does the work */
	uint64_t sigreturn_code;
	size_t sigframe_regs;
	/* Code without CFI: follow the frame-pointer chain ([fp] the caller's
	 * fp, [fp + reg_size] the return address) where libdwfl stops; false
	 * where libdwfl's own backend does (x86-64, AArch64) */
	bool fp_chain;
	/* ... or from the .ARM.exidx unwind tables (32-bit ARM EHABI) */
	bool exidx;
	/* ... or take the innermost frame's caller from the link register */
	bool lr_fallback;
	size_t ndwarf_initial;            /* DWARF regs 0..n-1 given to the unwinder */
	/* Print the registers in mdb's $r layout. */
	void (*print_regs)(FILE *out, const uint64_t *regs,
			   void (*sym)(FILE *, uint64_t, void *), void *arg);
	/* Print the FP/vector notes for ::fpregs, -1 if none is usable; a
	 * note found damaged is named in warn (else warn[0] is 0).  NULL: the
	 * x86 FXSAVE/XSAVE printer of src/cmd/regs.c. */
	int (*print_fpregs)(FILE *out, const struct pm_fp_notes *notes, char *warn, size_t warnlen);
	/* Print a thread's TLS note (AArch64 NT_ARM_TLS) after $r; may be NULL */
	void (*print_tls)(FILE *out, const unsigned char *tls, size_t len);
	unsigned xmm_regs;                /* x86: %xmm registers in FXSAVE (8 on i386) */
};

/* The architecture of an ELF file's machine and class, or NULL. */
const struct pm_arch *pm_arch_for_elf(unsigned elf_machine, unsigned elf_class);
/* Index of a register by name (without '%'), or -1. */
int pm_arch_reg_index(const struct pm_arch *arch, const char *name);

extern const struct pm_arch pm_arch_x86_64;
extern const struct pm_arch pm_arch_aarch64;
extern const struct pm_arch pm_arch_i386;
extern const struct pm_arch pm_arch_x32;
extern const struct pm_arch pm_arch_arm;

#endif
