/* x32 (x86-64 ILP32): the x86-64 registers, written by the kernel's compat
 * core dumper into an ELFCLASS32 EM_X86_64 core.  Its elf_prstatus has the
 * 32-bit header (pr_pid at 24, 4-byte longs) and pr_reg, the 64-bit
 * user_regs_struct, at offset 72 of 296 bytes. */
#include "x86_64.h"

#include <elf.h>

const struct pm_arch pm_arch_x32 = {
	.name = "x32",
	.elf_machine = EM_X86_64,
	.elf_class = ELFCLASS32,
	.ptr_size = 4,
	.reg_size = 8,          /* and calls push 8-byte return addresses */
	.notes = &pm_notes_ilp32,
	.disasm = PM_DIS_X86_64,
	.nregs = PM_X86_64_NREGS,
	.regs = pm_x86_64_regs,
	.prstatus_size = 296,
	.prstatus_reg_offset = 72,
	.pc = PM_X86_64_RIP,
	.sp = PM_X86_64_RSP,
	.fp = PM_X86_64_RBP,
	.lr = -1,
	.insn_size = 0,
	.div_traps = true,
	.va_bits = 32,
	.ndwarf_initial = 17,
	.print_regs = pm_x86_64_print_regs,
	.xmm_regs = 16,
};
