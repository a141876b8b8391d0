/* AArch64: struct user_pt_regs (x0-x30, sp, pc, pstate) as the kernel
 * writes it into NT_PRSTATUS (pr_reg at offset 112 of a 392-byte
 * elf_prstatus), struct user_fpsimd_state in NT_FPREGSET, NT_ARM_TLS;
 * NT_ARM_SVE in aarch64_sve.c. */
#include "../base/util.h"
#include "arch.h"
#include "aarch64_sve.h"

#include <elf.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

enum { X0, X29 = 29, X30 = 30, SP = 31, PC = 32, PSTATE = 33, NREGS };

#define X(n) [n] = { "x" #n, n, UINT64_MAX }
static const struct pm_regdef aarch64_regs[NREGS] = {
	X(0), X(1), X(2), X(3), X(4), X(5), X(6), X(7), X(8), X(9), X(10),
	X(11), X(12), X(13), X(14), X(15), X(16), X(17), X(18), X(19), X(20),
	X(21), X(22), X(23), X(24), X(25), X(26), X(27), X(28), X(29), X(30),
	/* DWARF for the Arm 64-bit Architecture: 31 sp, 32 pc; pstate has none */
	[SP] = { "sp", 31, UINT64_MAX },
	[PC] = { "pc", 32, UINT64_MAX },
	[PSTATE] = { "pstate", -1, UINT64_MAX },
};
#undef X

static void print_pstate(FILE *out, uint64_t p)
{
	static const struct { int bit; char name; } nzcv[] = {
		{ 31, 'n' }, { 30, 'z' }, { 29, 'c' }, { 28, 'v' },
	};
	/* mdb's convention: set flags upper case, clear ones lower case */
	fputs("  nzcv=<", out);
	for (size_t i = 0; i < 4; i++) {
		if (i)
			fputc(',', out);
		char c = nzcv[i].name;
		fputc((p >> nzcv[i].bit) & 1 ? c - 32 : c, out);
	}
	static const char *const modes[] = { "EL0t", "?", "?", "?", "EL1t", "EL1h", "?", "?",
					     "EL2t", "EL2h", "?", "?", "EL3t", "EL3h", "?", "?" };
	fprintf(out, ">  daif=%x  mode=%s%s\n", (unsigned)(p >> 6) & 0xf,
		(p >> 4) & 1 ? "AArch32 " : "", (p >> 4) & 1 ? "" : modes[p & 0xf]);
}

static void print_regs(FILE *out, const uint64_t *r,
		       void (*sym)(FILE *, uint64_t, void *), void *arg)
{
	for (int i = 0; i < 16; i++) {
		fprintf(out, "%%x%-2d = 0x%016" PRIx64, i, r[i]);
		if (i + 16 <= X30)
			fprintf(out, "       %%x%-2d = 0x%016" PRIx64, i + 16, r[i + 16]);
		fputc('\n', out);
	}
	fputc('\n', out);
	fprintf(out, "%%pc  = 0x%016" PRIx64 " ", r[PC]);
	sym(out, r[PC], arg);
	fputc('\n', out);
	fprintf(out, "%%lr  = 0x%016" PRIx64 " ", r[X30]);
	sym(out, r[X30], arg);
	fputc('\n', out);
	fprintf(out, "%%fp  = 0x%016" PRIx64 "\n", r[X29]);
	fprintf(out, "%%sp  = 0x%016" PRIx64 "\n", r[SP]);
	fputc('\n', out);
	fprintf(out, "%%pstate = 0x%08" PRIx64 "\n", r[PSTATE]);
	print_pstate(out, r[PSTATE]);
}

/* struct user_fpsimd_state: 32 128-bit vregs, then fpsr and fpcr. */
static void print_fpsimd(FILE *out, const unsigned char *fp)
{
	fprintf(out, "fpsr 0x%08x fpcr 0x%08x\n\n", pm_le32(fp + 512), pm_le32(fp + 516));
	for (int i = 0; i < 32; i++) {
		const unsigned char *v = fp + 16 * i;
		fprintf(out, "%%v%-2d = 0x", i);
		for (int k = 15; k >= 0; k--)
			fprintf(out, "%02x", v[k]);
		fputc('\n', out);
	}
}

/* NT_FPREGSET's v0-v31, else the FPSIMD form of NT_ARM_SVE; then the
 * SVE state where the note has it. */
static int print_fpregs(FILE *out, const struct pm_fp_notes *n, char *warn, size_t warnlen)
{
	struct pm_a64_sve sve;
	bool have_sve = false;
	warn[0] = 0;
	if (n->sve) {
		char why[160];
		have_sve = pm_a64_sve_decode(n->sve, n->sve_len, &sve, why, sizeof(why)) == 0;
		if (!have_sve)
			snprintf(warn, warnlen, "NT_ARM_SVE note ignored: %s", why);
	}
	if (n->fpregs && n->fpregs_len >= 32 * 16 + 8)
		print_fpsimd(out, n->fpregs);
	else if (have_sve && sve.fpsimd)
		print_fpsimd(out, sve.fpsimd);
	else if (!have_sve)
		return -1;
	if (have_sve)
		pm_a64_sve_print(out, &sve);
	return 0;
}

/* NT_ARM_TLS: tpidr_el0, then (kernels with SME) tpidr2_el0 */
static void print_tls(FILE *out, const unsigned char *tls, size_t len)
{
	static const char *const names[] = { "tpidr ", "tpidr2" };
	for (size_t i = 0; i < 2 && len >= 8 * (i + 1); i++) {
		uint64_t v;
		memcpy(&v, tls + 8 * i, 8);
		fprintf(out, "%%%s = 0x%016" PRIx64 "\n", names[i], v);
	}
}

const struct pm_arch pm_arch_aarch64 = {
	.name = "aarch64",
	.elf_machine = EM_AARCH64,
	.elf_class = ELFCLASS64,
	.ptr_size = 8,
	.reg_size = 8,
	.notes = &pm_notes_lp64,
	.disasm = PM_DIS_A64,
	.nregs = NREGS,
	.regs = aarch64_regs,
	.prstatus_size = 392,
	.prstatus_reg_offset = 112,
	.pc = PC,
	.sp = SP,
	.fp = X29,
	.lr = X30,
	.insn_size = 4,
	.div_traps = false,      /* sdiv/udiv by zero give 0 */
	.va_bits = 52,           /* 48, or 52 with FEAT_LVA; the top byte is ignored (TBI) */
	/* mov x8, #139 (rt_sigreturn); svc #0 -- QEMU's trampoline has no CFI */
	.sigreturn_code = 0xd4000001d2801168ull,
	/* struct rt_sigframe { siginfo (128); ucontext { uc_flags, uc_link,
	 * uc_stack (24), uc_sigmask padded to 128, then at 176 (16-aligned)
	 * sigcontext { fault_address; regs[31], sp, pc, pstate } } } */
	.sigframe_regs = 128 + 176 + 8,
	.ndwarf_initial = 32,
	.print_regs = print_regs,
	.print_fpregs = print_fpregs,
	.print_tls = print_tls,
};
