/* SIGSEGV: which instruction, which operand, what address it computed and
 * from which registers; NULL and near-NULL pointers (with the variable
 * DWARF says held it), non-canonical pointers, accesses to unmapped or
 * protected memory, jumps to where no code is, and stack overflows. */
#include "internal.h"
#include "../arch/disasm.h"
#include "../base/util.h"

#include <elf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NEAR_NULL 0x10000          /* below vm.mmap_min_addr's usual 64 KiB */
#define SEGV_ACCERR_CODE 2
#define SI_KERNEL_CODE 0x80
#define OVERFLOW_REACH (256 * 1024)  /* how far below %rsp a frame's access goes */

/* An address the processor can translate: x86-64's canonical form (bits
 * 63-47 all equal); on AArch64 the top byte is ignored (TBI) and user
 * addresses are below 1 << va_bits. */
bool pm_az_canonical(const struct pm_arch *arch, uint64_t a)
{
	if (arch == &pm_arch_x86_64) {
		uint64_t top = a >> 47;
		return top == 0 || top == 0x1ffff;
	}
	return ((a << 8) >> 8) >> arch->va_bits == 0;
}

static const char *reg_name(struct actx *a, int r)
{
	return r >= 0 ? a->db->t->arch->regs[r].name : "?";
}

char *pm_az_describe_operand(struct actx *a, const struct pm_insn *in, const struct pm_insn_mem *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *sep = "";
	if (m->rip_relative) {
		fprintf(f, "%%rip-relative 0x%" PRIx64, in->addr + in->size);
		sep = " + ";
	}
	if (m->segment) {
		fputs("%fs/%gs base", f);
		sep = " + ";
	}
	if (m->base >= 0) {
		fprintf(f, "%s%%%s (0x%" PRIx64 ")", sep, reg_name(a, m->base), a->regs[m->base]);
		sep = " + ";
	}
	if (m->index >= 0) {
		static const char *const ext[] = { [PM_EXT_UXTW] = " uxtw", [PM_EXT_SXTW] = " sxtw",
						   [PM_EXT_LSR] = " lsr", [PM_EXT_ASR] = " asr",
						   [PM_EXT_ROR] = " ror", [PM_EXT_RRX] = " rrx" };
		fprintf(f, "%s%%%s (0x%" PRIx64 ")%s", m->index_negated ? (*sep ? " - " : "-") : sep,
			reg_name(a, m->index), a->regs[m->index], ext[m->ext] ? ext[m->ext] : "");
		if (m->ext == PM_EXT_LSR || m->ext == PM_EXT_ASR || m->ext == PM_EXT_ROR)
			fprintf(f, " %u", m->shift_amount);
		else
			fprintf(f, " * %u", m->scale);
		sep = " + ";
	}
	if (m->disp < 0 && *sep)
		fprintf(f, " - 0x%" PRIx64, -(uint64_t)m->disp);
	else if (m->disp || !*sep)
		fprintf(f, "%s0x%" PRIx64, sep, (uint64_t)m->disp);
	fclose(f);
	return buf;
}

static bool unusable(struct actx *a, uint64_t ea);

const struct pm_insn_mem *pm_az_faulting_operand(struct actx *a, const struct pm_insn *in, bool has_addr,
						  uint64_t addr, uint64_t *ea)
{
	const struct pm_arch *arch = a->db->t->arch;
	const struct pm_insn_mem *pick = NULL;
	/* no address: a general protection fault (SI_KERNEL) or a kernel
	 * Oops without one names none, a user core without siginfo neither */
	bool guess_by_mapping = !has_addr && !a->has_siginfo && !a->db->t->kernel;
	for (int i = 0; i < in->nmem; i++) {
		if (in->mem[i].segment)
			continue;       /* thread-local or per-CPU: its base is not in the registers */
		uint64_t e = pm_insn_effective(arch, a->regs, in, &in->mem[i]);
		bool hit = has_addr ? e == addr : guess_by_mapping ? unusable(a, e) : !pm_az_canonical(arch, e);
		if (hit || !pick) {
			pick = &in->mem[i];
			*ea = e;
			if (hit)
				break;
		}
	}
	return pick;
}

static void name_crash_site(struct actx *a, uint64_t pc)
{
	char *where = pm_az_symbolize(a, pc);
	pm_fact(a->v, "pc", "0x%" PRIx64 " (%s)", pc, where);
	free(where);
}

static char *site(struct actx *a)
{
	size_t i = pm_az_first_interesting(a);
	if (i < a->stack.nframes && a->stack.frames[i].func)
		return xstrdup(pm_sym_display(a->db->dw, a->stack.frames[i].func));
	return pm_az_symbolize(a, a->regs[a->db->t->arch->pc]);
}

/* ---- jumps to where there is no code ---- */

struct pm_err *pm_az_decode(struct actx *a, uint64_t addr, struct pm_insn *in)
{
	const struct pm_arch *arch = a->db->t->arch;
	bool thumb = (addr & arch->code_addr_tag) || (a->regs[arch->thumb_reg] & arch->thumb_mask);
	return pm_insn_decode_in(a->db, addr, thumb, in);
}

/* The call instruction that ends right before ret, if one does (32-bit
 * ARM: a Thumb one if ret, a return address, has bit 0 set). */
static bool call_before(struct actx *a, uint64_t ret, struct pm_insn *call)
{
	unsigned fixed = a->db->t->arch->insn_size;
	bool thumb = ret & a->db->t->arch->code_addr_tag;
	ret = pm_target_code_addr(a->db->t, ret);
	for (unsigned len = fixed ? fixed : 2; len <= (fixed ? fixed : 7); len++) {
		struct pm_err *err = pm_insn_decode_in(a->db, ret - len, thumb, call);
		if (!err && call->kind == PM_INSN_CALL && call->addr + call->size == ret)
			return true;
		pm_err_free(err);
	}
	return false;
}

/* The hole a dlclose()d library leaves: bigger than a page or two, and
 * not the vast space between the executable (or heap) and the libraries. */
#define MIN_LIB_HOLE 0x4000
#define MAX_LIB_HOLE (64ull << 20)

/* Anonymous mappings (a library's .bss, the vdso) sit between libraries;
 * the heap and the stack do not. */
static bool between_libraries(const struct pm_mapping *m)
{
	return !m->path && !strstr(m->label, "heap") && !strstr(m->label, "stack");
}

/* The nearest mapping of a file below (dir < 0) or above the hole
 * [lo, hi), past anonymous ones. */
static const struct pm_mapping *file_beside(struct actx *a, uint64_t lo, uint64_t hi, int dir)
{
	struct pm_target *t = a->db->t;
	for (;;) {
		const struct pm_mapping *next = NULL;
		for (size_t i = 0; i < t->nmaps; i++) {
			const struct pm_mapping *m = &t->maps[i];
			if (dir < 0 ? m->end <= lo && (!next || m->end > next->end) :
			    m->start >= hi && (!next || m->start < next->start))
				next = m;
		}
		if (!next || next->path || !between_libraries(next))
			return next && next->path ? next : NULL;
		lo = next->start;
		hi = next->end;
	}
}

static void where_no_code_is(struct actx *a, uint64_t target)
{
	const struct pm_mapping *below = NULL, *above = NULL;
	struct pm_target *t = a->db->t;
	for (size_t i = 0; i < t->nmaps; i++) {
		const struct pm_mapping *m = &t->maps[i];
		if (m->end <= target && (!below || m->end > below->end))
			below = m;
		if (m->start > target && (!above || m->start < above->start))
			above = m;
	}
	uint64_t lo = below ? below->end : 0, hi = above ? above->start : UINT64_MAX;
	const struct pm_mapping *lib_below = file_beside(a, lo, hi, -1);
	const struct pm_mapping *lib_above = file_beside(a, lo, hi, 1);
	if (lib_below && lib_above && strcmp(lib_below->path, lib_above->path) != 0 &&
	    hi - lo >= MIN_LIB_HOLE && hi - lo <= MAX_LIB_HOLE)
		pm_fact(a->v, "gap", "0x%" PRIx64 " lies in a hole of 0x%" PRIx64 " bytes (0x%" PRIx64 "-0x%"
			PRIx64 ") between %s and %s: where a library unloaded with dlclose() could have "
			"been", target, hi - lo, lo, hi, lib_below->path, lib_above->path);
	else if (below || above)
		pm_fact(a->v, "gap", "0x%" PRIx64 " is in no mapping (nearest below: %s, above: %s)",
			target, below ? pm_az_mapping_name(below) : "none",
			above ? pm_az_mapping_name(above) : "none");
}

/* No call: a return to a corrupted return address.  x86-64's ret pops it
 * from just below %rsp; AArch64's ret jumps to x30, which the epilogue
 * loaded from the frame record just below sp (ldp x29, x30, [sp], #N). */
#define FRAME_RECORD_REACH 512
static bool returned_from(struct actx *a, uint64_t pc, uint64_t *slot)
{
	const struct pm_arch *arch = a->db->t->arch;
	uint64_t sp = a->regs[arch->sp], w;
	if (arch->lr < 0) {
		*slot = sp - 8;
		return pm_memmap_read_partial(&a->db->t->mem, sp - 8, &w, 8) == 8 && w == pc;
	}
	if (pm_target_code_addr(a->db->t, a->regs[arch->lr]) != pc)
		return false;
	for (uint64_t off = 8; off <= FRAME_RECORD_REACH && off <= sp; off += 8) {
		if (pm_memmap_read_partial(&a->db->t->mem, sp - off, &w, 8) == 8 &&
		    w == a->regs[arch->lr]) {
			*slot = sp - off;
			return true;
		}
	}
	return false;
}

static void bad_jump(struct actx *a, uint64_t pc, const struct pm_mapping *m)
{
	struct pm_verdict *v = a->v;
	const struct pm_arch *arch = a->db->t->arch;
	v->cls = PM_CLASS_BAD_JUMP;
	bool near_null = pc < NEAR_NULL;
	if (m)
		pm_fact(v, "jump_target", "0x%" PRIx64 " in %s, which is not executable", pc,
			pm_az_mapping_name(m));
	else
		pm_fact(v, "jump_target", "0x%" PRIx64 ", in no mapping", pc);
	/* a call pushed its return address, or left it in the link register:
	 * who called, through what */
	uint64_t sp = a->regs[arch->sp], ret = 0;
	struct pm_insn call;
	const char *how = "jumped to";
	struct pm_err *err = NULL;
	if (arch->lr >= 0)
		ret = a->regs[arch->lr];
	else
		err = pm_target_read_u64(a->db->t, sp, &ret, "return address");
	if (!err && call_before(a, ret, &call)) {
		char *caller = pm_az_symbolize(a, call.addr);
		pm_fact(v, "caller", "%s: %s", caller, call.text);
		free(caller);
		how = "called";
		if (call.reg_operand >= 0) {
			pm_fact(v, "target_from", "%%%s, which holds 0x%" PRIx64, reg_name(a, call.reg_operand),
				a->regs[call.reg_operand]);
		} else if (call.nmem > 0) {
			uint64_t slot = pm_insn_effective(arch, a->regs, &call, &call.mem[0]), val;
			char *op = pm_az_describe_operand(a, &call, &call.mem[0]);
			struct pm_err *e2 = pm_target_read_u64(a->db->t, slot, &val, "pointer slot");
			if (!e2 && val == pc) {
				char *sym = pm_az_symbolize(a, slot);
				pm_fact(v, "target_from", "the pointer at 0x%" PRIx64 " (%s = %s) holds 0x%" PRIx64,
					slot, op, sym, val);
				free(sym);
			} else {
				pm_fact(v, "target_from", "a pointer at %s (registers may have changed since)", op);
			}
			pm_err_free(e2);
			free(op);
		}
	} else {
		pm_err_free(err);
		uint64_t slot;
		if (returned_from(a, pc, &slot)) {
			pm_fact(v, "return_address", "0x%" PRIx64 " at 0x%" PRIx64 " (just below %%%s): a "
				"corrupted return address", pc, slot, reg_name(a, arch->sp));
			how = "returned to";
			pm_az_cert(a, "ReturnAv");
		}
	}
	if (!m)
		where_no_code_is(a, pc);
	if (near_null)
		v->summary = xasprintf("%s 0x%" PRIx64 ": a NULL function pointer", how, pc);
	else
		v->summary = xasprintf("%s 0x%" PRIx64 ", where there is no code (%s)", how, pc,
				       m ? "not executable" : "unmapped");
	if (!v->cert) {
		bool on_stack = m && strstr(m->label, "stack");
		pm_az_cert(a, on_stack ? "StackCodeExecution" : near_null ? "SegFaultOnPcNearNull" : "SegFaultOnPc");
	}
}

/* A call or jump through a pointer in memory that is no longer mapped:
 * a vtable or function table of an unloaded library, or of freed memory. */
static void table_jump(struct actx *a, const struct pm_insn *in, uint64_t slot, const char *op,
		       const char *where)
{
	struct pm_verdict *v = a->v;
	v->cls = PM_CLASS_BAD_JUMP;
	char *caller = pm_az_symbolize(a, in->addr);
	pm_fact(v, "caller", "%s: %s", caller, in->text);
	free(caller);
	pm_fact(v, "target_from", "a pointer at 0x%" PRIx64 " (%s), in no mapping: a vtable or "
		"function table that was unmapped", slot, op);
	const char *kind = in->kind == PM_INSN_CALL ? "call" : "jump";
	v->summary = xasprintf("%s through a function pointer at unmapped 0x%" PRIx64 " (%s) in %s: a "
			       "vtable or function table of an unloaded library or freed memory", kind, slot,
			       op, where);
}

/* ---- stack overflow ---- */

static bool overflowed(struct actx *a, uint64_t fault, const struct pm_insn *in)
{
	const struct pm_arch *arch = a->db->t->arch;
	uint64_t sp = a->regs[arch->sp];
	const struct pm_mapping *m = pm_az_mapping(a, fault);
	bool unusable = !m || m->prot == 0;   /* a hole, or a PROT_NONE guard page */
	if (!unusable)
		return false;
	bool near_sp = fault <= sp + 4096 && fault + OVERFLOW_REACH >= sp;
	bool pushes = in && (in->kind == PM_INSN_CALL || in->kind == PM_INSN_STACK);
	return near_sp || (pushes && fault + 4096 >= sp);
}

/* ---- memory accesses ---- */

static void pointer_fault(struct actx *a, const struct pm_insn *in, const struct pm_insn_mem *m,
			  uint64_t ea)
{
	struct pm_verdict *v = a->v;
	bool write = m->write && !m->read ? true : m->write;
	bool branch = in->kind == PM_INSN_CALL || in->kind == PM_INSN_JUMP;
	const char *access = branch ? "read of a branch target" : write ? "write" : "read";
	char *op = pm_az_describe_operand(a, in, m);
	pm_fact(v, "access", "%s", access);
	pm_fact(v, "operand", "%s = 0x%" PRIx64, op, ea);
	char *where = site(a);
	if (ea < NEAR_NULL) {
		v->cls = PM_CLASS_NULL_DEREF;
		int base = m->base >= 0 && a->regs[m->base] < NEAR_NULL ? m->base : m->index;
		if (base >= 0) {
			pm_fact(v, "base_register", "%%%s = 0x%" PRIx64 "%s", reg_name(a, base), a->regs[base],
				a->regs[base] == 0 ? " (NULL)" : "");
			uint64_t off = ea - a->regs[base];
			pm_fact(v, "displacement", "0x%" PRIx64, off);
			char *who = pm_dwarf_blame(a->db->dw, a->th, a->frame0, a->regs[base], off);
			if (who) {
				pm_fact(v, "variable", "%s", who);
				free(who);
			}
			v->summary = xasprintf("NULL pointer %s at 0x%" PRIx64 ": %%%s (0x%" PRIx64 ") + 0x%" PRIx64
					       " in %s", access, ea, reg_name(a, base), a->regs[base], off, where);
		} else {
			v->summary = xasprintf("%s of address 0x%" PRIx64 " (near NULL) in %s", access, ea, where);
		}
		pm_az_cert(a, branch ? "BranchAvNearNull" : write ? "DestAvNearNull" : "SourceAvNearNull");
	} else if (!pm_az_canonical(a->db->t->arch, ea)) {
		v->cls = PM_CLASS_WILD_POINTER;
		if (a->db->t->arch == &pm_arch_x86_64)
			pm_fact(v, "non_canonical", "0x%" PRIx64 " is not a canonical x86-64 address (bits "
				"63-47 differ): the kernel reports no address for it (SI_KERNEL)", ea);
		else
			pm_fact(v, "non_canonical", "0x%" PRIx64 " is beyond the user address space (bits "
				"55-%u are not all zero; the top byte is ignored)", ea, a->db->t->arch->va_bits);
		v->summary = xasprintf("wild pointer: %s of non-canonical address 0x%" PRIx64 " (%s) in %s",
				       access, ea, op, where);
		pm_az_cert(a, branch ? "BranchAv" : write ? "DestAv" : "SourceAv");
	} else {
		v->cls = PM_CLASS_BAD_ACCESS;
		const struct pm_mapping *mm = pm_az_mapping(a, ea);
		if (!mm) {
			pm_fact(v, "mapping", "0x%" PRIx64 " is in no mapping (freed and unmapped, or never valid)",
				ea);
			where_no_code_is(a, ea);
			if (branch)
				table_jump(a, in, ea, op, where);
			else
				v->summary = xasprintf("%s of unmapped address 0x%" PRIx64 " (%s) in %s", access, ea,
						       op, where);
		} else {
			pm_fact(v, "mapping", "0x%" PRIx64 " is in %s, mapped %c%c%c", ea, pm_az_mapping_name(mm),
				mm->prot & PF_R ? 'r' : '-', mm->prot & PF_W ? 'w' : '-', mm->prot & PF_X ? 'x' : '-');
			v->summary = xasprintf("%s of 0x%" PRIx64 " in %s, which does not allow it, in %s", access,
					       ea, pm_az_mapping_name(mm), where);
		}
		pm_az_cert(a, branch ? "BranchAv" : write ? "DestAv" : "SourceAv");
	}
	free(where);
	free(op);
}

/* An address no access can succeed at. */
static bool unusable(struct actx *a, uint64_t ea)
{
	return ea < NEAR_NULL || !pm_az_canonical(a->db->t->arch, ea) || !pm_az_mapping(a, ea);
}

bool pm_az_access_faults(struct actx *a)
{
	const struct pm_arch *arch = a->db->t->arch;
	uint64_t pc = a->regs[arch->pc];
	const struct pm_mapping *pcmap = pm_az_mapping(a, pc);
	if (!pcmap || !(pcmap->prot & PF_X))
		return true;
	struct pm_insn in;
	struct pm_err *err = pm_az_decode(a, pc, &in);
	if (err) {
		pm_err_free(err);
		return false;
	}
	for (int i = 0; i < in.nmem; i++)
		if (!in.mem[i].segment && unusable(a, pm_insn_effective(arch, a->regs, &in, &in.mem[i])))
			return true;
	return false;
}

void pm_az_fault(struct actx *a)
{
	struct pm_verdict *v = a->v;
	const struct pm_arch *arch = a->db->t->arch;
	uint64_t pc = a->regs[arch->pc];
	uint64_t fault = a->si.addr;
	bool has_fault = a->has_siginfo && a->si.code > 0 && a->si.code != SI_KERNEL_CODE;
	if (has_fault)
		pm_fact(v, "fault_address", "0x%" PRIx64, fault);
	else if (!a->has_siginfo)
		pm_fact(v, "no_siginfo", "the core records no siginfo (QEMU's do not): the address is "
			"the one the instruction computes from the registers");
	name_crash_site(a, pc);
	const struct pm_mapping *pcmap = pm_az_mapping(a, pc);
	if (!pcmap || !(pcmap->prot & PF_X) || (has_fault && fault == pc)) {
		bad_jump(a, pc, pcmap);
		return;
	}
	struct pm_insn in;
	struct pm_err *err = pm_az_decode(a, pc, &in);
	if (err) {
		pm_fact(v, "instruction", "unreadable: %s", err->msg);
		pm_err_free(err);
		return;
	}
	char *where = pm_az_symbolize(a, pc);
	pm_fact(v, "instruction", "%s: %s", where, in.text);
	free(where);
	uint64_t ea = 0;
	const struct pm_insn_mem *m = pm_az_faulting_operand(a, &in, a->has_siginfo && a->si.code != SI_KERNEL_CODE,
							     a->si.addr, &ea);
	if (!has_fault && m && !a->has_siginfo)
		fault = ea;
	if ((has_fault || (m && !a->has_siginfo)) && overflowed(a, fault, &in)) {
		pm_az_stack_overflow(a, fault);
		return;
	}
	if (m) {
		pointer_fault(a, &in, m, ea);
		return;
	}
	if (in.kind == PM_INSN_RET || in.kind == PM_INSN_STACK || in.kind == PM_INSN_CALL) {
		uint64_t sp = a->regs[arch->sp];
		if (has_fault && !pm_az_mapping(a, fault)) {
			pm_az_stack_overflow(a, fault);
			return;
		}
		pm_fact(v, "stack_pointer", "0x%" PRIx64 " (%s)", sp,
			pm_az_mapping(a, sp) ? pm_az_mapping_name(pm_az_mapping(a, sp)) : "in no mapping");
		v->cls = PM_CLASS_BAD_ACCESS;
		v->summary = xasprintf("the stack pointer 0x%" PRIx64 " is unusable: stack corruption", sp);
		pm_az_cert(a, in.kind == PM_INSN_RET ? "ReturnAv" : "PossibleStackCorruption");
	}
}

void pm_az_bus(struct actx *a)
{
	struct pm_verdict *v = a->v;
	const struct pm_arch *arch = a->db->t->arch;
	uint64_t pc = a->regs[arch->pc], fault = a->si.addr;
	pm_fact(v, "fault_address", "0x%" PRIx64, fault);
	name_crash_site(a, pc);
	struct pm_insn in;
	struct pm_err *err = pm_az_decode(a, pc, &in);
	if (!err) {
		char *w = pm_az_symbolize(a, pc);
		pm_fact(v, "instruction", "%s: %s", w, in.text);
		free(w);
	}
	pm_err_free(err);
	v->cls = PM_CLASS_BUS_ERROR;
	const struct pm_mapping *m = pm_az_mapping(a, fault);
	char *where = site(a);
	if (m && m->path) {
		uint64_t off = m->offset + (fault - m->start);
		pm_fact(v, "file", "%s", m->path);
		pm_fact(v, "file_offset", "0x%" PRIx64, off);
		v->summary = xasprintf("bus error at 0x%" PRIx64 ": offset 0x%" PRIx64 " of %s, mapped "
				       "but beyond the end of the file (truncated while mapped?), in %s",
				       fault, off, m->path, where);
	} else if (a->si.code == 1) {  /* BUS_ADRALN */
		v->summary = xasprintf("misaligned access at 0x%" PRIx64 " in %s", fault, where);
	} else {
		v->summary = xasprintf("bus error at 0x%" PRIx64 " in %s", fault, where);
	}
	free(where);
	pm_az_cert(a, "AccessViolation");
}
