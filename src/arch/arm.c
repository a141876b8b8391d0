/* 32-bit ARM: struct pt_regs (r0-r15, cpsr, orig_r0) as the kernel writes
 * it into NT_PRSTATUS (pr_reg at offset 72 of a 148-byte elf_prstatus).
 * DWARF for the Arm Architecture numbers r0-r15 as 0-15; cpsr has none.
 * The CPSR's T bit (5) says the thread runs Thumb code. */
#include "arch.h"

#include <elf.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

enum { R0, R11 = 11, R12, SP, LR, PC, CPSR, ORIG_R0, NREGS };

#define R(n) [n] = { "r" #n, n, UINT32_MAX }
static const struct pm_regdef arm_regs[NREGS] = {
	R(0), R(1), R(2), R(3), R(4), R(5), R(6), R(7), R(8), R(9), R(10), R(11), R(12),
	[SP] = { "sp", 13, UINT32_MAX },
	[LR] = { "lr", 14, UINT32_MAX },
	[PC] = { "pc", 15, UINT32_MAX },
	[CPSR] = { "cpsr", -1, UINT32_MAX },
	[ORIG_R0] = { "orig_r0", -1, UINT32_MAX },
};
#undef R

static void print_cpsr(FILE *out, uint64_t p)
{
	static const struct { int bit; char name; } nzcv[] = {
		{ 31, 'n' }, { 30, 'z' }, { 29, 'c' }, { 28, 'v' }, { 27, 'q' },
	};
	/* mdb's convention: set flags upper case, clear ones lower case */
	fputs("  flags=<", out);
	for (size_t i = 0; i < sizeof(nzcv) / sizeof(nzcv[0]); i++) {
		if (i)
			fputc(',', out);
		char c = nzcv[i].name;
		fputc((p >> nzcv[i].bit) & 1 ? c - 32 : c, out);
	}
	static const char *const modes[16] = { "usr", "fiq", "irq", "svc", "?", "?", "mon", "abt",
					       "?", "?", "hyp", "und", "?", "?", "?", "sys" };
	fprintf(out, ">  aif=%x  %s  mode=%s\n", (unsigned)(p >> 6) & 7,
		(p >> 5) & 1 ? "thumb" : "arm", modes[p & 0xf]);
}

static void print_regs(FILE *out, const uint64_t *r,
		       void (*sym)(FILE *, uint64_t, void *), void *arg)
{
	for (int i = 0; i < 7; i++) {
		fprintf(out, "%%r%-2d = 0x%08" PRIx64, i, r[i]);
		if (i + 7 <= R12)
			fprintf(out, "       %%r%-2d = 0x%08" PRIx64, i + 7, r[i + 7]);
		fputc('\n', out);
	}
	fputc('\n', out);
	fprintf(out, "%%pc  = 0x%08" PRIx64 " ", r[PC]);
	sym(out, r[PC], arg);
	fputc('\n', out);
	fprintf(out, "%%lr  = 0x%08" PRIx64 " ", r[LR]);
	sym(out, r[LR] & ~1ull, arg);     /* bit 0: the caller is Thumb code */
	fputc('\n', out);
	fprintf(out, "%%sp  = 0x%08" PRIx64 "\n", r[SP]);
	fputc('\n', out);
	fprintf(out, "%%cpsr = 0x%08" PRIx64 "\n", r[CPSR]);
	print_cpsr(out, r[CPSR]);
	fprintf(out, "%%orig_r0 = 0x%08" PRIx64 "\n", r[ORIG_R0]);
}

/* NT_ARM_VFP: struct user_vfp { u64 fpregs[32]; u32 fpscr; } (260 bytes;
 * the kernel writes it for VFP and for compat tasks on arm64) */
enum { VFP_SIZE = 32 * 8 + 4 };

static int print_fpregs(FILE *out, const struct pm_fp_notes *n, char *warn, size_t warnlen)
{
	warn[0] = 0;
	if (!n->vfp)
		return -1;
	if (n->vfp_len < VFP_SIZE) {
		snprintf(warn, warnlen, "NT_ARM_VFP note of %zu bytes is shorter than %d; ignored",
			 n->vfp_len, VFP_SIZE);
		return -1;
	}
	uint32_t fpscr;
	memcpy(&fpscr, n->vfp + 32 * 8, 4);
	fprintf(out, "fpscr 0x%08x\n\n", fpscr);
	for (int i = 0; i < 32; i++) {
		uint64_t d;
		double f;
		memcpy(&d, n->vfp + 8 * i, 8);
		memcpy(&f, &d, 8);
		fprintf(out, "%%d%-2d = 0x%016" PRIx64 " (%.17g)\n", i, d, f);
	}
	return 0;
}

const struct pm_arch pm_arch_arm = {
	.name = "arm",
	.elf_machine = EM_ARM,
	.elf_class = ELFCLASS32,
	.ptr_size = 4,
	.reg_size = 4,
	.notes = &pm_notes_ilp32,
	.disasm = PM_DIS_ARM,
	.nregs = NREGS,
	.regs = arm_regs,
	.prstatus_size = 148,
	.prstatus_reg_offset = 72,
	.pc = PC,
	.sp = SP,
	.fp = R11,              /* ARM-state frame pointer (Thumb code uses r7) */
	.lr = LR,
	.thumb_mask = 1u << 5,
	.thumb_reg = CPSR,
	.code_addr_tag = 1,
	.insn_size = 0,         /* 4 in ARM state, 2 or 4 in Thumb */
	.div_traps = false,     /* sdiv/udiv by zero give 0 */
	.va_bits = 32,
	.ndwarf_initial = 16,
	.exidx = true,          /* libdwfl 0.188 reads no .ARM.exidx */
	.lr_fallback = true,    /* ... and has no ARM fallback */
	.print_regs = print_regs,
	.print_fpregs = print_fpregs,
};
