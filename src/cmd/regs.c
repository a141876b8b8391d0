/* Registers: $r / ::regs, ::fpregs. */
#include "../base/util.h"
#include "cmds.h"

#include <inttypes.h>
#include <string.h>

static void sym_cb(FILE *out, uint64_t addr, void *arg)
{
	pm_sym_print(arg, out, addr);
}

struct pm_err *pm_cmd_regs(struct pmdb *db, const struct pm_call *call)
{
	struct pm_thread *th = pm_cur_thread(db);
	if (call->has_addr) {
		th = pm_target_thread(db->t, (int)call->addr);
		if (!th)
			return pm_err_new(PM_ERR_LOOKUP, "0t%" PRIu64 " is not a thread id of this dump",
					  call->addr);
	}
	if (!th)
		return pm_no_thread_err(db, "the dump has no threads");
	db->t->arch->print_regs(db->out, th->regs, sym_cb, db->dw);
	if (db->t->arch->print_tls && th->tls) {
		fputc('\n', db->out);
		db->t->arch->print_tls(db->out, th->tls, th->tls_len);
	}
	return NULL;
}

static void print_hex_le(FILE *out, const unsigned char *p, size_t n)
{
	fputs("0x", out);
	for (size_t i = n; i-- > 0;)
		fprintf(out, "%02x", p[i]);
}

/* x87, SSE and (from NT_X86_XSTATE) AVX state in FXSAVE/XSAVE layout. */
struct pm_err *pm_cmd_fpregs(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_thread *th = pm_cur_thread(db);
	if (!th)
		return pm_no_thread_err(db, "the dump has no threads");
	const struct pm_arch *arch = db->t->arch;
	if (arch->print_fpregs) {
		struct pm_fp_notes notes = { .fpregs = th->fpregs, .fpregs_len = th->fpregs_len,
					     .sve = th->sve, .sve_len = th->sve_len,
					     .vfp = th->vfp, .vfp_len = th->vfp_len };
		char warn[200];
		int rc = arch->print_fpregs(db->out, &notes, warn, sizeof(warn));
		if (warn[0])
			pm_warn("thread %d: %s", th->tid, warn);
		if (rc < 0)
			return pm_err_new(PM_ERR_LOOKUP, "thread %d: the dump holds no floating-point registers",
					  th->tid);
		return NULL;
	}
	if (!arch->xmm_regs)
		return pm_err_new(PM_ERR_GENERIC, "::fpregs: %s floating-point registers are not "
				  "decoded", arch->name);
	/* FXSAVE's layout: x86-64's NT_FPREGSET, else the first 512 bytes of
	 * NT_X86_XSTATE, else i386's NT_PRXFPREG (an i386 NT_FPREGSET is the
	 * older FSAVE layout: a CPU without XSAVE leaves only these two) */
	const unsigned char *fx = th->fpregs;
	size_t len = th->fpregs_len;
	if ((!fx || len < 512) && th->xstate && th->xstate_len >= 512) {
		fx = th->xstate;
		len = th->xstate_len;
	}
	if ((!fx || len < 512) && th->xfpregs && th->xfpregs_len >= 512) {
		fx = th->xfpregs;
		len = th->xfpregs_len;
	}
	if (!fx || len < 512)
		return pm_err_new(PM_ERR_LOOKUP, "thread %d: the dump holds no floating-point registers",
				  th->tid);
	FILE *out = db->out;
	fprintf(out, "x87: fcw 0x%04x fsw 0x%04x ftw 0x%02x fop 0x%04x\n", pm_le16(fx), pm_le16(fx + 2),
		fx[4], pm_le16(fx + 6));
	fprintf(out, "     rip 0x%016" PRIx64 " rdp 0x%016" PRIx64 "\n",
		(uint64_t)pm_le32(fx + 8) | (uint64_t)pm_le32(fx + 12) << 32,
		(uint64_t)pm_le32(fx + 16) | (uint64_t)pm_le32(fx + 20) << 32);
	fprintf(out, "sse: mxcsr 0x%08x mxcsr_mask 0x%08x\n\n", pm_le32(fx + 24), pm_le32(fx + 28));
	for (int i = 0; i < 8; i++) {
		const unsigned char *st = fx + 32 + 16 * i;
		long double v = 0;
		memcpy(&v, st, 10);
		fprintf(out, "%%st%d = ", i);
		print_hex_le(out, st, 10);
		fprintf(out, " (%Lg)\n", v);
	}
	fputc('\n', out);
	const unsigned char *ymmh = NULL;
	/* XSAVE: xstate_bv at 512; the AVX component (upper halves of ymm) at 576 */
	if (th->xstate && th->xstate_len >= 576 + 256) {
		uint64_t bv;
		memcpy(&bv, th->xstate + 512, 8);
		if (bv & 4)
			ymmh = th->xstate + 576;
	}
	for (unsigned i = 0; i < arch->xmm_regs; i++) {
		const unsigned char *x = fx + 160 + 16 * i;
		if (ymmh) {
			unsigned char y[32];
			memcpy(y, x, 16);
			memcpy(y + 16, ymmh + 16 * i, 16);
			fprintf(out, "%%ymm%-2d = ", i);
			print_hex_le(out, y, 32);
		} else {
			fprintf(out, "%%xmm%-2d = ", i);
			print_hex_le(out, x, 16);
		}
		fputc('\n', out);
	}
	return NULL;
}
