/* Private to src/arch: the x86-64 register set, shared by x86-64 and x32
 * (an x32 process has the full 64-bit registers, in a 32-bit core). */
#ifndef PM_ARCH_X86_64_H
#define PM_ARCH_X86_64_H

#include "arch.h"

enum {
	PM_X86_64_R15, PM_X86_64_R14, PM_X86_64_R13, PM_X86_64_R12, PM_X86_64_RBP,
	PM_X86_64_RBX, PM_X86_64_R11, PM_X86_64_R10, PM_X86_64_R9, PM_X86_64_R8,
	PM_X86_64_RAX, PM_X86_64_RCX, PM_X86_64_RDX, PM_X86_64_RSI, PM_X86_64_RDI,
	PM_X86_64_ORIG_RAX, PM_X86_64_RIP, PM_X86_64_CS, PM_X86_64_RFLAGS, PM_X86_64_RSP,
	PM_X86_64_SS, PM_X86_64_FS_BASE, PM_X86_64_GS_BASE, PM_X86_64_DS, PM_X86_64_ES,
	PM_X86_64_FS, PM_X86_64_GS,
	PM_X86_64_NREGS
};

extern const struct pm_regdef pm_x86_64_regs[PM_X86_64_NREGS];
void pm_x86_64_print_regs(FILE *out, const uint64_t *regs,
			  void (*sym)(FILE *, uint64_t, void *), void *arg);
/* The x86 EFLAGS bits in mdb's layout (i386 prints the same). */
void pm_x86_print_flags(FILE *out, uint64_t flags);

#endif
