/* SIGFPE, SIGILL and SIGTRAP: the instruction says it all. */
#include "internal.h"
#include "../arch/disasm.h"
#include "../base/util.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static bool decode_at(struct actx *a, uint64_t pc, struct pm_insn *in)
{
	char *w = pm_az_symbolize(a, pc);
	struct pm_err *err = pm_az_decode(a, pc, in);
	if (err)
		pm_fact(a->v, "instruction", "%s: unreadable (%s)", w, err->msg);
	else
		pm_fact(a->v, "instruction", "%s: %s", w, in->text);
	free(w);
	pm_err_free(err);
	return !err;
}

static char *where(struct actx *a)
{
	size_t i = pm_az_first_interesting(a);
	if (i < a->stack.nframes && a->stack.frames[i].func)
		return xstrdup(pm_sym_display(a->db->dw, a->stack.frames[i].func));
	return pm_az_symbolize(a, a->regs[a->db->t->arch->pc]);
}

/* "idivl" reads 4 bytes: the AT&T suffix gives the operand size */
static unsigned operand_size(const char *text)
{
	const char *sp = strchr(text, ' ');
	char suffix = sp && sp > text ? sp[-1] : 0;
	return suffix == 'b' ? 1 : suffix == 'w' ? 2 : suffix == 'l' ? 4 : 8;
}

/* The divisor of a division: in a register, or in memory at *ea.  False
 * if the instruction is none or the memory cannot be read. */
static bool divisor(struct actx *a, const struct pm_insn *in, uint64_t *val, uint64_t *ea)
{
	unsigned size = operand_size(in->text);
	*val = 0;
	if (in->kind != PM_INSN_DIV)
		return false;
	if (in->reg_operand >= 0) {
		*val = a->regs[in->reg_operand] & (size == 8 ? ~0ull : (1ull << 8 * size) - 1);
		return true;
	}
	if (in->nmem == 0)
		return false;
	*ea = pm_insn_effective(a->db->t->arch, a->regs, in, &in->mem[0]);
	struct pm_err *err = pm_target_read(a->db->t, *ea, val, size, "divisor");
	pm_err_free(err);
	return !err;
}

bool pm_az_insn_traps(struct actx *a)
{
	if (a->si.signo == SIGFPE && !a->db->t->arch->div_traps)
		return false;
	struct pm_insn in;
	struct pm_err *err = pm_az_decode(a, a->regs[a->db->t->arch->pc], &in);
	if (err) {
		pm_err_free(err);
		return a->si.signo == SIGILL;
	}
	uint64_t d, ea;
	return a->si.signo == SIGILL ? in.kind == PM_INSN_UD : divisor(a, &in, &d, &ea) && d == 0;
}

void pm_az_arith(struct actx *a)
{
	struct pm_verdict *v = a->v;
	struct pm_insn in;
	char *w = where(a);
	v->cls = PM_CLASS_ARITHMETIC;
	uint64_t d = 0, ea = 0;
	bool known = decode_at(a, a->regs[a->db->t->arch->pc], &in) && divisor(a, &in, &d, &ea);
	if (known && in.reg_operand >= 0)
		pm_fact(v, "divisor", "%%%s = 0x%" PRIx64, a->db->t->arch->regs[in.reg_operand].name, d);
	else if (known)
		pm_fact(v, "divisor", "the %u-byte value at 0x%" PRIx64 " = 0x%" PRIx64,
			operand_size(in.text), ea, d);
	const char *what = a->si.code == 1 ? "integer division by zero" :
			   a->si.code == 2 ? "integer overflow" :
			   a->si.code == 3 ? "floating-point division by zero" : "arithmetic exception";
	/* x86 raises the same #DE for INT_MIN / -1 as for / 0 */
	if (known && a->si.code == 1 && d != 0)
		what = "integer division overflow (the quotient does not fit, e.g. INT_MIN / -1)";
	v->summary = xasprintf("%s in %s", what, w);
	free(w);
	pm_az_cert(a, "FloatingPointException");
}

/* int3 traps with the pc past it: the instruction is the byte before.
 * (AArch64's brk leaves the pc at the brk.) */
static uint64_t trap_address(struct actx *a)
{
	uint64_t pc = a->regs[a->db->t->arch->pc];
	uint8_t b = 0;
	bool x86 = a->db->t->arch == &pm_arch_x86_64;
	struct pm_err *err = x86 && a->si.signo == SIGTRAP ?
			     pm_target_read(a->db->t, pc - 1, &b, 1, "int3") : NULL;
	pm_err_free(err);
	return !err && b == 0xcc ? pc - 1 : pc;
}

void pm_az_illegal(struct actx *a)
{
	struct pm_verdict *v = a->v;
	struct pm_insn in;
	char *w = where(a);
	bool ok = decode_at(a, trap_address(a), &in);
	/* AArch64's __builtin_trap is brk #0x3e8, which raises SIGTRAP */
	if (!(ok && in.kind == PM_INSN_UD) && (a->si.signo == SIGTRAP || (ok && in.kind == PM_INSN_TRAP))) {
		v->cls = PM_CLASS_BREAKPOINT;
		v->summary = xasprintf("breakpoint trap (%s) in %s", ok ? in.text : "int3", w);
		pm_az_cert(a, "BenignSignal");
	} else if (ok && in.kind == PM_INSN_UD) {
		v->cls = PM_CLASS_ILLEGAL_INSN;
		v->summary = xasprintf("%s in %s: a trap the compiler placed (__builtin_trap, "
				       "__builtin_unreachable, or a failed check)", in.text, w);
		pm_az_cert(a, "BadInstruction");
	} else {
		v->cls = PM_CLASS_ILLEGAL_INSN;
		v->summary = xasprintf("illegal instruction in %s%s", w,
				       ok ? "" : ": the pc points at no valid instruction");
		pm_az_cert(a, "BadInstruction");
	}
	free(w);
}
