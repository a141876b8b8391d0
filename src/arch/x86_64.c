/* x86-64: struct user_regs_struct order as the kernel writes it into
 * NT_PRSTATUS (pr_reg at offset 112 of a 336-byte elf_prstatus). */
#include "x86_64.h"

#include <elf.h>
#include <inttypes.h>
#include <stdint.h>

enum {
	R15, R14, R13, R12, RBP, RBX, R11, R10, R9, R8, RAX, RCX, RDX, RSI, RDI,
	ORIG_RAX, RIP, CS, RFLAGS, RSP, SS, FS_BASE, GS_BASE, DS, ES, FS, GS,
	NREGS
};
_Static_assert((int)NREGS == (int)PM_X86_64_NREGS && (int)RIP == (int)PM_X86_64_RIP &&
	       (int)GS == (int)PM_X86_64_GS,
	       "x86_64.h's register order");

const struct pm_regdef pm_x86_64_regs[NREGS] = {
	[R15] = { "r15", 15, UINT64_MAX }, [R14] = { "r14", 14, UINT64_MAX }, [R13] = { "r13", 13, UINT64_MAX },
	[R12] = { "r12", 12, UINT64_MAX }, [RBP] = { "rbp", 6, UINT64_MAX },  [RBX] = { "rbx", 3, UINT64_MAX },
	[R11] = { "r11", 11, UINT64_MAX }, [R10] = { "r10", 10, UINT64_MAX }, [R9] = { "r9", 9, UINT64_MAX },
	[R8] = { "r8", 8, UINT64_MAX },    [RAX] = { "rax", 0, UINT64_MAX },  [RCX] = { "rcx", 2, UINT64_MAX },
	[RDX] = { "rdx", 1, UINT64_MAX },  [RSI] = { "rsi", 4, UINT64_MAX },  [RDI] = { "rdi", 5, UINT64_MAX },
	[ORIG_RAX] = { "orig_rax", -1, UINT64_MAX }, [RIP] = { "rip", 16, UINT64_MAX }, [CS] = { "cs", 51, 0xffff },
	[RFLAGS] = { "rflags", 49, UINT64_MAX }, [RSP] = { "rsp", 7, UINT64_MAX }, [SS] = { "ss", 52, 0xffff },
	[FS_BASE] = { "fsbase", 58, UINT64_MAX }, [GS_BASE] = { "gsbase", 59, UINT64_MAX },
	[DS] = { "ds", 53, 0xffff }, [ES] = { "es", 50, 0xffff }, [FS] = { "fs", 54, 0xffff }, [GS] = { "gs", 55, 0xffff },
};

void pm_x86_print_flags(FILE *out, uint64_t f)
{
	static const struct { int bit; const char *name; } bits[] = {
		{ 11, "of" }, { 10, "df" }, { 9, "if" }, { 8, "tf" }, { 7, "sf" },
		{ 6, "zf" }, { 4, "af" }, { 2, "pf" }, { 0, "cf" },
	};
	fprintf(out, "  id=%d vip=%d vif=%d ac=%d vm=%d rf=%d nt=%d iopl=0x%x\n",
		(int)(f >> 21) & 1, (int)(f >> 20) & 1, (int)(f >> 19) & 1,
		(int)(f >> 18) & 1, (int)(f >> 17) & 1, (int)(f >> 16) & 1,
		(int)(f >> 14) & 1, (unsigned)(f >> 12) & 3);
	/* mdb's convention: set flags upper case, clear ones lower case */
	fputs("  status=<", out);
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		const char *n = bits[i].name;
		if (i)
			fputc(',', out);
		if ((f >> bits[i].bit) & 1)
			fprintf(out, "%c%c", n[0] - 32, n[1] - 32);
		else
			fputs(n, out);
	}
	fputs(">\n", out);
}

void pm_x86_64_print_regs(FILE *out, const uint64_t *r,
		       void (*sym)(FILE *, uint64_t, void *), void *arg)
{
	static const int left[] = { RAX, RBX, RCX, RDX, RSI, RDI, R8, R9 };
	static const int right[] = { R10, R11, R12, R13, R14, R15, ORIG_RAX, -1 };
	for (size_t i = 0; i < 8; i++) {
		fprintf(out, "%%%-4s = 0x%016" PRIx64, pm_x86_64_regs[left[i]].name, r[left[i]]);
		if (right[i] >= 0)
			fprintf(out, "       %%%-8s = 0x%016" PRIx64, pm_x86_64_regs[right[i]].name,
				r[right[i]]);
		fputc('\n', out);
	}
	fputc('\n', out);
	fprintf(out, "%%rip = 0x%016" PRIx64 " ", r[RIP]);
	sym(out, r[RIP], arg);
	fputc('\n', out);
	fprintf(out, "%%rbp = 0x%016" PRIx64 "\n", r[RBP]);
	fprintf(out, "%%rsp = 0x%016" PRIx64 "\n", r[RSP]);
	fputc('\n', out);
	fprintf(out, "%%rflags = 0x%08" PRIx64 "\n", r[RFLAGS]);
	pm_x86_print_flags(out, r[RFLAGS]);
	fputc('\n', out);
	fprintf(out, "%%cs = 0x%04" PRIx64 "    %%ds = 0x%04" PRIx64 "    %%es = 0x%04" PRIx64
		"    %%ss = 0x%04" PRIx64 "\n", r[CS], r[DS], r[ES], r[SS]);
	fprintf(out, "%%fs = 0x%04" PRIx64 "    %%fsbase = 0x%016" PRIx64 "\n", r[FS], r[FS_BASE]);
	fprintf(out, "%%gs = 0x%04" PRIx64 "    %%gsbase = 0x%016" PRIx64 "\n", r[GS], r[GS_BASE]);
}

const struct pm_arch pm_arch_x86_64 = {
	.name = "x86_64",
	.elf_machine = EM_X86_64,
	.elf_class = ELFCLASS64,
	.ptr_size = 8,
	.reg_size = 8,
	.notes = &pm_notes_lp64,
	.disasm = PM_DIS_X86_64,
	.nregs = NREGS,
	.regs = pm_x86_64_regs,
	.prstatus_size = 336,
	.prstatus_reg_offset = 112,
	.pc = RIP,
	.sp = RSP,
	.fp = RBP,
	.lr = -1,
	.insn_size = 0,
	.div_traps = true,
	.va_bits = 47,
	.ndwarf_initial = 17,
	.print_regs = pm_x86_64_print_regs,
	.xmm_regs = 16,
};
