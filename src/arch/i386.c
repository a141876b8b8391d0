/* i386: struct user_regs_struct of a 32-bit process as the kernel writes
 * it into NT_PRSTATUS (pr_reg at offset 72 of a 144-byte elf_prstatus).
 * DWARF numbers from the i386 psABI; libdwfl takes eax..eip (0-8) and
 * falls back to the %ebp chain where there is no CFI. */
#include "x86_64.h"

#include <elf.h>
#include <inttypes.h>
#include <stdint.h>

enum {
	EBX, ECX, EDX, ESI, EDI, EBP, EAX, DS, ES, FS, GS, ORIG_EAX, EIP, CS, EFLAGS, ESP, SS,
	NREGS
};

#define R32(name, dw) { name, dw, UINT32_MAX }
#define SEG(name, dw) { name, dw, 0xffff }
static const struct pm_regdef i386_regs[NREGS] = {
	[EBX] = R32("ebx", 3), [ECX] = R32("ecx", 1), [EDX] = R32("edx", 2),
	[ESI] = R32("esi", 6), [EDI] = R32("edi", 7), [EBP] = R32("ebp", 5),
	[EAX] = R32("eax", 0), [DS] = SEG("ds", 43), [ES] = SEG("es", 40),
	[FS] = SEG("fs", 44), [GS] = SEG("gs", 45), [ORIG_EAX] = R32("orig_eax", -1),
	[EIP] = R32("eip", 8), [CS] = SEG("cs", 41), [EFLAGS] = R32("eflags", 9),
	[ESP] = R32("esp", 4), [SS] = SEG("ss", 42),
};
#undef R32
#undef SEG

/* mdb's ia32 $r: segment registers beside the general ones */
static void print_regs(FILE *out, const uint64_t *r,
		       void (*sym)(FILE *, uint64_t, void *), void *arg)
{
	static const int left[] = { CS, DS, SS, ES, FS, GS };
	static const int right[] = { EAX, EBX, ECX, EDX, ESI, EDI };
	for (size_t i = 0; i < 6; i++)
		fprintf(out, "%%%s = 0x%04" PRIx64 "            %%%s = 0x%08" PRIx64 "\n",
			i386_regs[left[i]].name, r[left[i]], i386_regs[right[i]].name, r[right[i]]);
	fputc('\n', out);
	fprintf(out, "%%eip = 0x%08" PRIx64 " ", r[EIP]);
	sym(out, r[EIP], arg);
	fputc('\n', out);
	fprintf(out, "%%ebp = 0x%08" PRIx64 "\n", r[EBP]);
	fprintf(out, "%%esp = 0x%08" PRIx64 "\n", r[ESP]);
	fputc('\n', out);
	fprintf(out, "%%eflags = 0x%08" PRIx64 "\n", r[EFLAGS]);
	pm_x86_print_flags(out, r[EFLAGS]);
	fputc('\n', out);
	fprintf(out, "%%orig_eax = 0x%08" PRIx64 "\n", r[ORIG_EAX]);
}

const struct pm_arch pm_arch_i386 = {
	.name = "i386",
	.elf_machine = EM_386,
	.elf_class = ELFCLASS32,
	.ptr_size = 4,
	.reg_size = 4,
	.notes = &pm_notes_ilp32,
	.disasm = PM_DIS_X86_32,
	.nregs = NREGS,
	.regs = i386_regs,
	.prstatus_size = 144,
	.prstatus_reg_offset = 72,
	.pc = EIP,
	.sp = ESP,
	.fp = EBP,
	.lr = -1,
	.insn_size = 0,
	.div_traps = true,
	.va_bits = 32,
	.ndwarf_initial = 9,
	.fp_chain = true,       /* libdwfl 0.188 has no i386 fallback */
	.print_regs = print_regs,
	.xmm_regs = 8,
};
