/* Shared by the analysis passes in src/analyze. */
#ifndef PM_ANALYZE_INTERNAL_H
#define PM_ANALYZE_INTERNAL_H

#include "analyze.h"

/* What the analysis looks at: a thread, the registers and siginfo of the
 * crash (the core's, or those a signal frame saved when a handler
 * re-raised the signal), and the thread's stack. */
struct actx {
	struct pmdb *db;
	struct pm_verdict *v;
	const struct pm_thread *th;
	uint64_t regs[PM_MAX_REGS];
	struct pm_siginfo si;
	bool has_siginfo;
	struct pm_stack stack;
	size_t frame0;          /* first frame of the analysed context */
};

/* "sym+0x1c" (or the hex address), malloc'd. */
char *pm_az_symbolize(struct actx *a, uint64_t addr);
/* The mapping holding addr, or NULL. */
const struct pm_mapping *pm_az_mapping(struct actx *a, uint64_t addr);
/* An address the processor can translate: x86-64's canonical form (bits
 * 63-47 all equal); on AArch64 the top byte is ignored (TBI) and user
 * addresses are below 1 << va_bits. */
struct pm_arch;
bool pm_az_canonical(const struct pm_arch *arch, uint64_t a);
/* Decode the instruction at addr in the state of a->regs (32-bit ARM:
 * Thumb if the CPSR's T bit is set or addr has bit 0 set). */
struct pm_insn;
struct pm_err *pm_az_decode(struct actx *a, uint64_t addr, struct pm_insn *in);
/* "%rax (0x0) + 0x8" for disp(base,index,scale) with the values of
 * a->regs, malloc'd. */
struct pm_insn_mem;
char *pm_az_describe_operand(struct actx *a, const struct pm_insn *in, const struct pm_insn_mem *m);
/* The memory operand that faulted: the one at addr (the address the
 * kernel gave, if has_addr), else the non-canonical one (a general
 * protection fault gives none; a user core without siginfo: one no access
 * can succeed at), else the first; *ea its address. */
const struct pm_insn_mem *pm_az_faulting_operand(struct actx *a, const struct pm_insn *in, bool has_addr,
						  uint64_t addr, uint64_t *ea);
/* A kernel Oops's faulting instruction, from the registers the exception
 * saved (fault: the address the log reports, if has_fault): instruction,
 * access, operand, base register; true if the pointer was slab poison
 * (*poison_off: its distance from POISON_FREE's pattern). */
bool pm_az_kernel_fault(struct actx *a, bool has_fault, uint64_t fault, int64_t *poison_off);
/* A mapping's name: its file, label, or "anonymous". */
const char *pm_az_mapping_name(const struct pm_mapping *m);

void pm_az_fault(struct actx *a);       /* SIGSEGV */
void pm_az_bus(struct actx *a);         /* SIGBUS */
void pm_az_arith(struct actx *a);       /* SIGFPE */
void pm_az_illegal(struct actx *a);     /* SIGILL, SIGTRAP */
void pm_az_abort(struct actx *a);       /* SIGABRT */
void pm_az_kernel(struct actx *a);      /* kernel dumps: sets v->thread to the panic CPU */
/* Would the instruction at the pc fault (SIGSEGV) or trap (SIGFPE's
 * division by zero, SIGILL's ud2 or undecodable bytes) if run again? */
bool pm_az_access_faults(struct actx *a);
bool pm_az_insn_traps(struct actx *a);
/* Stack overflow: bounds, depth, recursion, biggest frames. */
void pm_az_stack_overflow(struct actx *a, uint64_t fault);
/* Is this frame abort/raise/assert/signal machinery (skipped by the
 * crash signature and when naming where the crash happened)?  Kernel
 * dumps have their own list (panic, die, the trap handlers). */
bool pm_az_is_noise(const char *func, bool kernel);
/* The first frame from frame0 on that is not noise. */
size_t pm_az_first_interesting(struct actx *a);
/* CERT exploitable's class and rating for the verdict. */
void pm_az_cert(struct actx *a, const char *cert);

#endif
