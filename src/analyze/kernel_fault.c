/* A kernel Oops's faulting instruction: the registers the exception saved
 * on the panic CPU's stack (its pt_regs, found by the ORC unwind), the
 * instruction at their rip, the memory operand that faulted and the
 * registers it was computed from.  A pointer made of slab poison
 * (POISON_FREE: SLUB fills a freed object with 0x6b bytes when booted
 * with slub_debug=P) was read from a freed object: a use after free. */
#include "internal.h"
#include "../arch/disasm.h"
#include "../kernel/kernel.h"

#include <inttypes.h>
#include <stdlib.h>

#define POISON_FREE_WORD 0x6b6b6b6b6b6b6b6bull
#define POISON_REACH 0x1000     /* a member's offset from the poisoned pointer */

static bool poisoned(uint64_t ea, int64_t *off)
{
	int64_t d = (int64_t)(ea - POISON_FREE_WORD);
	if (d <= -POISON_REACH || d >= POISON_REACH)
		return false;
	*off = d;
	return true;
}

bool pm_az_kernel_fault(struct actx *a, bool has_fault, uint64_t fault, int64_t *poison_off)
{
	struct pm_verdict *v = a->v;
	struct pm_target *t = a->db->t;
	struct pm_err *err = pm_kernel_exception_regs(t, t->threads[v->thread].regs, a->regs);
	if (err) {
		pm_fact(v, "instruction", "unknown: %s", err->msg);
		pm_err_free(err);
		return false;
	}
	uint64_t pc = a->regs[t->arch->pc];
	struct pm_insn in;
	err = pm_insn_decode(a->db, pc, &in);
	if (err) {
		pm_fact(v, "instruction", "unreadable: %s", err->msg);
		pm_err_free(err);
		return false;
	}
	char *where = pm_az_symbolize(a, pc);
	pm_fact(v, "instruction", "%s: %s", where, in.text);
	free(where);
	uint64_t ea = 0;
	const struct pm_insn_mem *m = pm_az_faulting_operand(a, &in, has_fault, fault, &ea);
	if (!m)
		return false;
	bool branch = in.kind == PM_INSN_CALL || in.kind == PM_INSN_JUMP;
	char *op = pm_az_describe_operand(a, &in, m);
	pm_fact(v, "access", "%s", branch ? "read of a branch target" : m->write ? "write" : "read");
	pm_fact(v, "operand", "%s = 0x%" PRIx64, op, ea);
	free(op);
	int base = m->base >= 0 ? m->base : m->index;
	if (base >= 0) {
		pm_fact(v, "base_register", "%%%s = 0x%" PRIx64 "%s", t->arch->regs[base].name, a->regs[base],
			a->regs[base] == 0 ? " (NULL)" : "");
		pm_fact(v, "displacement", "0x%" PRIx64, ea - a->regs[base]);
	}
	if (!poisoned(ea, poison_off))
		return false;
	int64_t off = *poison_off;
	pm_fact(v, "poison", "0x%" PRIx64 " is POISON_FREE's pattern 0x%llx %c 0x%" PRIx64 ": SLUB fills a "
		"freed object with 0x6b bytes (slub_debug=P), so this pointer was read from freed memory",
		ea, POISON_FREE_WORD, off < 0 ? '-' : '+', off < 0 ? (uint64_t)-off : (uint64_t)off);
	return true;
}
