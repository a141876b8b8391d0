/* SIGFPE, SIGILL and SIGTRAP: the instruction says it all. */
#include "internal.h"
#include "../arch/disasm.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static bool decode_at_pc(struct actx *a, struct pm_insn *in)
{
	uint64_t pc = a->regs[a->db->t->arch->pc];
	char *w = pm_az_symbolize(a, pc);
	struct pm_err *err = pm_insn_decode(a->db, pc, in);
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

void pm_az_arith(struct actx *a)
{
	struct pm_verdict *v = a->v;
	struct pm_insn in;
	char *w = where(a);
	v->cls = PM_CLASS_ARITHMETIC;
	bool div = decode_at_pc(a, &in) && in.kind == PM_INSN_DIV;
	if (div && in.reg_operand >= 0) {
		pm_fact(v, "divisor", "%%%s = 0x%" PRIx64, a->db->t->arch->regs[in.reg_operand].name,
			a->regs[in.reg_operand]);
	} else if (div && in.nmem > 0) {
		uint64_t ea = pm_insn_effective(a->db->t->arch, a->regs, &in, &in.mem[0]), val = 0;
		unsigned size = operand_size(in.text);
		struct pm_err *err = pm_target_read(a->db->t, ea, &val, size, "divisor");
		if (err)
			pm_fact(v, "divisor", "at 0x%" PRIx64 ": %s", ea, err->msg);
		else
			pm_fact(v, "divisor", "the %u-byte value at 0x%" PRIx64 " = 0x%" PRIx64, size, ea, val);
		pm_err_free(err);
	}
	const char *what = a->si.code == 1 ? "integer division by zero" :
			   a->si.code == 2 ? "integer overflow" :
			   a->si.code == 3 ? "floating-point division by zero" : "arithmetic exception";
	/* x86 raises the same #DE for INT_MIN / -1 as for / 0 */
	if (div && a->si.code == 1 && pm_fact_get(v, "divisor") && !strstr(pm_fact_get(v, "divisor"), "= 0x0"))
		what = "integer division overflow (the quotient does not fit, e.g. INT_MIN / -1)";
	v->summary = xasprintf("%s in %s", what, w);
	free(w);
	pm_az_cert(a, "FloatingPointException");
}

void pm_az_illegal(struct actx *a)
{
	struct pm_verdict *v = a->v;
	struct pm_insn in;
	char *w = where(a);
	bool ok = decode_at_pc(a, &in);
	if (a->si.signo == 5 || (ok && in.kind == PM_INSN_TRAP)) {
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
