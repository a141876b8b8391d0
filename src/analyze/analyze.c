/* The analysis driver: which thread, which signal, whether a handler
 * re-raised it (then the original fault, from the signal frame), and the
 * pass for that signal. */
#include "internal.h"
#include "../base/util.h"
#include "../cmd/cmds.h"
#include "../cmd/signals.h"

#include <elf.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

char *pm_az_symbolize(struct actx *a, uint64_t addr)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	pm_sym_print(a->db->dw, f, addr);
	fclose(f);
	return buf;
}

const struct pm_mapping *pm_az_mapping(struct actx *a, uint64_t addr)
{
	return pm_target_mapping(a->db->t, addr);
}

const char *pm_az_mapping_name(const struct pm_mapping *m)
{
	if (m->path)
		return m->path;
	return m->label[0] ? m->label : "anonymous";
}

static const char *const noise[] = {
	"raise", "abort", "__GI_raise", "__GI_abort", "__pthread_kill_implementation",
	"__pthread_kill_internal", "__pthread_kill", "pthread_kill", "__assert_fail",
	"__assert_fail_base", "__assert_perror_fail", "__libc_message", "malloc_printerr",
	"__libc_fatal", "__fortify_fail", "__chk_fail", "__stack_chk_fail",
	"std::terminate()", "__cxa_throw", "__cxa_rethrow", "__gxx_personality_v0",
	"__cxxabiv1::__terminate(void (*)())", "__cxa_call_terminate", "_Unwind_RaiseException",
	"rust_panic", "__rust_start_panic", "rust_begin_unwind", "__rustc::rust_begin_unwind",
	"core::panicking::panic_fmt", "core::panicking::panic", "std::process::abort",
	"std::sys::pal::unix::abort_internal", "std::panicking::rust_panic_with_hook",
	"std::panicking::begin_panic_handler", "std::panicking::begin_panic",
	"core::panicking::panic_bounds_check", "std::sys::backtrace::__rust_end_short_backtrace",
	"core::option::unwrap_failed", "core::option::expect_failed", "core::result::unwrap_failed",
	/* glibc's heap checks call abort from inside malloc */
	"_int_free", "_int_malloc", "_int_realloc", "_int_memalign", "malloc_consolidate", "unlink_chunk",
	"free", "__libc_free", "malloc", "__libc_malloc", "realloc", "__libc_realloc", "calloc",
	"__libc_calloc", "kill", "tgkill",
};

/* The kernel's panic, oops and trap machinery: only on kernel dumps, where
 * these names cannot be a program's own panic() or die(). */
static const char *const kernel_noise[] = {
	"panic", "vpanic", "delay_tsc", "__const_udelay", "__udelay", "__delay", "__crash_kexec",
	"crash_kexec", "oops_end", "die", "die_addr", "__die", "do_trap", "do_error_trap",
	"exc_page_fault", "asm_exc_page_fault", "page_fault_oops", "kernelmode_fixup_or_oops",
	"__bad_area_nosemaphore", "bad_area_nosemaphore", "do_user_addr_fault", "handle_page_fault",
	"exc_general_protection", "asm_exc_general_protection", "exc_invalid_op",
	"asm_exc_invalid_op", "handle_bug", "report_bug", "dump_stack_lvl", "dump_stack",
	/* the soft-lockup watchdog interrupts the CPU that is stuck */
	"watchdog_timer_fn", "__hrtimer_run_queues", "hrtimer_interrupt", "__sysvec_apic_timer_interrupt",
	"sysvec_apic_timer_interrupt", "asm_sysvec_apic_timer_interrupt",
	/* where a blocked task sleeps */
	"__schedule", "schedule", "schedule_timeout", "schedule_preempt_disabled", "io_schedule",
};

/* The Rust runtime's own frames sit above the code that panicked. */
static const char *const rust_runtime[] = {
	"std::", "core::", "alloc::", "__rustc::", "panic_abort::", "<std::", "<core::", "<alloc::",
};

static bool listed(const char *func, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i]);
		/* also GCC's split-off parts (__assert_fail_base.cold) and
		 * "std::panicking::begin_panic_handler::{closure#0}" */
		bool scoped = strstr(list[i], "::") != NULL;
		if (strncmp(func, list[i], len) == 0 &&
		    (func[len] == 0 || func[len] == '.' || (scoped && (func[len] == ':' || func[len] == '<'))))
			return true;
	}
	return false;
}

bool pm_az_is_noise(const char *func, bool kernel)
{
	if (!func)
		return false;
	if (kernel)
		return listed(func, kernel_noise, ARRAY_SIZE(kernel_noise));
	if (listed(func, noise, ARRAY_SIZE(noise)))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(rust_runtime); i++)
		if (strncmp(func, rust_runtime[i], strlen(rust_runtime[i])) == 0)
			return true;
	return false;
}

/* A frame without a symbol in a shared library, reached only through
 * noise (libstdc++'s internal frames under std::terminate), is noise too;
 * in the executable (a stripped program) it is where the crash is. */
static bool in_executable(struct actx *a, uint64_t pc)
{
	bool found;
	uint64_t entry = pm_target_auxv(a->db->t, AT_ENTRY, &found);
	const struct pm_mapping *m = pm_az_mapping(a, pc), *e = found ? pm_az_mapping(a, entry) : NULL;
	return m && e && m->path && e->path && strcmp(m->path, e->path) == 0;
}

/* The top frame of an unnamed function in a shared library is where the
 * crash is, unless the process aborted (libc without symbols: raise's
 * helpers) or it is no code at all (a call through a bad pointer: the
 * caller is next). */
static bool unnamed_top_counts(struct actx *a, const struct pm_frame *f)
{
	const struct pm_mapping *m = pm_az_mapping(a, f->pc);
	return a->si.signo != SIGABRT && m && (m->prot & PF_X);
}

size_t pm_az_first_interesting(struct actx *a)
{
	for (size_t i = a->frame0; i < a->stack.nframes; i++) {
		const struct pm_frame *f = &a->stack.frames[i];
		if (f->kind == PM_FRAME_SIGNAL)
			continue;
		if (!f->func ? ((i == a->frame0 && unnamed_top_counts(a, f)) || in_executable(a, f->pc)) :
		    !pm_az_is_noise(pm_sym_display(a->db->dw, f->func), a->db->t->kernel != NULL))
			return i;
	}
	return a->frame0 < a->stack.nframes ? a->frame0 : 0;
}

/* ---- the signal frame of a handler ---- */

/* x86-64's rt_sigframe: the handler's return address, then the kernel's
 * struct ucontext (flags, link, stack_t, sigcontext, sigset), then the
 * siginfo.  The signal frame's stack pointer is the ucontext's address. */
#define UC_MCONTEXT 40
#define UC_SIZE 304
static const char *const sigcontext_regs[] = {
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi", "rsi", "rbp", "rbx",
	"rdx", "rax", "rcx", "rsp", "rip", "rflags",
};

/* After the registers, sigcontext has cs/gs/fs/ss, err, trapno, oldmask
 * and cr2: the CPU's trap, which the kernel writes even when the handler
 * did not ask for a siginfo (no SA_SIGINFO: the frame's siginfo is then
 * whatever was on the stack). */
enum { SC_ERR = 19, SC_TRAPNO, SC_OLDMASK, SC_CR2, SC_WORDS };

/* The siginfo the kernel would have made for the trap (raised: the signal
 * the handler was for, when the trap does not tell). */
static bool siginfo_from_trap(const uint64_t *g, uint64_t pc, struct pm_siginfo *si)
{
	memset(si, 0, sizeof(*si));
	si->addr = pc;
	switch (g[SC_TRAPNO]) {
	case 0: si->signo = SIGFPE; si->code = 1; break;                 /* #DE: FPE_INTDIV */
	case 3: si->signo = SIGTRAP; si->code = 0x80; break;             /* #BP: SI_KERNEL */
	case 6: si->signo = SIGILL; si->code = 2; break;                 /* #UD: ILL_ILLOPN */
	case 13: si->signo = SIGSEGV; si->code = 0x80; si->addr = 0; break; /* #GP: SI_KERNEL */
	case 14:                                                         /* #PF */
		si->signo = SIGSEGV;
		si->code = g[SC_ERR] & 1 ? 2 : 1;                        /* SEGV_ACCERR, SEGV_MAPERR */
		si->addr = g[SC_CR2];
		break;
	default: return false;
	}
	return true;
}

static void decode_siginfo(const unsigned char *info, struct pm_siginfo *si)
{
	int32_t w[3];
	memcpy(w, info, sizeof(w));
	memset(si, 0, sizeof(*si));
	si->signo = w[0];
	si->errno_ = w[1];
	si->code = w[2];
	memcpy(&si->addr, info + 16, 8);
	int32_t pu[2];
	memcpy(pu, info + 16, 8);
	si->pid = pu[0];
	si->uid = pu[1];
}

/* AArch64's rt_sigframe starts with the siginfo; the registers follow in
 * regs[] order (arch->sigframe_regs).  Its siginfo is always written. */
static bool read_sigframe_generic(struct actx *a, size_t k, uint64_t *regs, struct pm_siginfo *si,
				  bool *trusted)
{
	struct pm_target *t = a->db->t;
	uint64_t frame = a->stack.frames[k].sp;
	unsigned char info[32];
	memcpy(regs, a->th->regs, sizeof(a->th->regs));
	struct pm_err *err = pm_target_read(t, frame + t->arch->sigframe_regs, regs,
					    t->arch->nregs * sizeof(*regs), "signal frame");
	if (!err)
		err = pm_target_read(t, frame, info, sizeof(info), "signal frame siginfo");
	if (err) {
		pm_err_free(err);
		return false;
	}
	if (regs[t->arch->pc] != a->stack.frames[k + 1].pc)
		return false;
	decode_siginfo(info, si);
	*trusted = si->signo > 0 && si->signo < 65;
	return *trusted;
}

/* The registers a signal frame saved, and its siginfo: the one written
 * (SA_SIGINFO), else *trusted is false and si is made from the trap. */
static bool read_sigframe(struct actx *a, size_t k, uint64_t *regs, struct pm_siginfo *si,
			  bool *trusted)
{
	struct pm_target *t = a->db->t;
	if (k + 1 >= a->stack.nframes)
		return false;
	if (t->arch->sigframe_regs)
		return read_sigframe_generic(a, k, regs, si, trusted);
	if (t->arch != &pm_arch_x86_64)
		return false;
	uint64_t uc = a->stack.frames[k].sp;
	uint64_t g[SC_WORDS];
	unsigned char info[32];
	struct pm_err *err = pm_target_read(t, uc + UC_MCONTEXT, g, sizeof(g), "signal frame");
	if (!err)
		err = pm_target_read(t, uc + UC_SIZE, info, sizeof(info), "signal frame siginfo");
	if (err) {
		pm_err_free(err);
		return false;
	}
	memcpy(regs, a->th->regs, sizeof(a->th->regs));
	for (size_t i = 0; i < ARRAY_SIZE(sigcontext_regs); i++) {
		int r = pm_arch_reg_index(t->arch, sigcontext_regs[i]);
		if (r >= 0)
			regs[r] = g[i];
	}
	/* the unwinder read the same frame: the interrupted pc must agree */
	if (regs[t->arch->pc] != a->stack.frames[k + 1].pc)
		return false;
	decode_siginfo(info, si);
	*trusted = si->signo > 0 && si->signo < 65 && si->errno_ == 0 && si->code >= -10 &&
		   si->code <= 0x80;
	return *trusted || siginfo_from_trap(g, regs[t->arch->pc], si);
}

static void signal_fact(struct pm_verdict *v, const char *key, const struct pm_siginfo *si)
{
	const char *n = pm_signal_name(si->signo), *c = pm_sicode_name(si->signo, si->code);
	pm_fact(v, key, "%s (%d), %s (%d)", n ? n : "signal", si->signo, c ? c : "code", si->code);
}

static bool sent_by_a_process(const struct pm_siginfo *si)
{
	return si->code <= 0;     /* SI_USER, SI_QUEUE, SI_TKILL, ... */
}

static void sent(struct actx *a)
{
	struct pm_verdict *v = a->v;
	const char *n = pm_signal_name(a->si.signo);
	v->cls = PM_CLASS_SIGNAL_SENT;
	bool self = a->si.pid == a->db->t->pid;
	v->summary = xasprintf("%s sent by %s (pid %d)", n ? n : "a signal",
			       self ? "the process itself" : "another process", a->si.pid);
	pm_az_cert(a, a->si.signo == SIGABRT ? "AbortSignal" : "BenignSignal");
}

/* Would the instruction at the pc raise a->si.signo if run again? */
static bool faults_again(struct actx *a)
{
	switch (a->si.signo) {
	case SIGSEGV: return pm_az_access_faults(a);
	case SIGFPE:
	case SIGILL: return pm_az_insn_traps(a);
	default: return false;
	}
}

/* A handler caught a fault and raised it again (or another signal): find
 * the signal frame and analyse the fault it saved. */
static bool recover_original(struct actx *a)
{
	for (size_t k = 0; k < a->stack.nframes; k++) {
		if (a->stack.frames[k].kind != PM_FRAME_SIGNAL)
			continue;
		uint64_t regs[PM_MAX_REGS], saved[PM_MAX_REGS];
		struct pm_siginfo si, core_si = a->si;
		bool trusted;
		if (!read_sigframe(a, k, regs, &si, &trusted))
			return false;
		if (sent_by_a_process(&si))
			return false;          /* the handler ran for a sent signal: not a fault */
		if (!trusted) {
			/* the trap fields are those of the thread's last trap: the
			 * instruction interrupted must be one that faults */
			memcpy(saved, a->regs, sizeof(saved));
			memcpy(a->regs, regs, sizeof(regs));
			a->si = si;
			bool faults = faults_again(a);
			memcpy(a->regs, saved, sizeof(saved));
			a->si = core_si;
			if (!faults)
				return false;
		}
		const struct pm_frame *h = k > 0 ? &a->stack.frames[k - 1] : NULL;
		pm_fact(a->v, "reraised_by", "%s, a signal handler, raised %s again",
			h && h->func ? pm_sym_display(a->db->dw, h->func) : "a handler",
			pm_signal_name(a->si.signo) ? pm_signal_name(a->si.signo) : "a signal");
		signal_fact(a->v, "original_signal", &si);
		memcpy(a->regs, regs, sizeof(regs));
		a->si = si;
		a->frame0 = k + 1;
		return true;
	}
	return false;
}

/* A fault signal the process sent itself with no signal frame on the
 * stack: a handler raised it again while it was blocked (as it is while
 * its handler runs), and the kernel delivered it when the handler
 * returned, with the registers back at the instruction that faulted.  That
 * instruction, run again, must fault. */
static bool reraised_on_return(struct actx *a)
{
	if (a->si.pid != a->db->t->pid || !a->has_siginfo || !sent_by_a_process(&a->si))
		return false;
	if (!faults_again(a))
		return false;
	const char *n = pm_signal_name(a->si.signo);
	pm_fact(a->v, "reraised_by", "a signal handler, which raised %s again while it was blocked: "
		"it was delivered when the handler returned, at the instruction that faulted", n);
	pm_fact(a->v, "original_signal", "%s (%d), from the instruction at the pc (the handler's "
		"signal frame is gone: its si_code and address are not known)", n, a->si.signo);
	return true;
}

/* Signals the processor raises; any other comes from a sender (or, like
 * SIGABRT, SIGPIPE and SIGXCPU, from the kernel on the process's behalf). */
static bool fault_signal(int signo)
{
	return signo == SIGSEGV || signo == SIGBUS || signo == SIGFPE || signo == SIGILL ||
	       signo == SIGTRAP;
}

static void dispatch(struct actx *a, bool reraised)
{
	if (!a->has_siginfo && !fault_signal(a->si.signo) && a->si.signo != SIGABRT) {
		const char *n = pm_signal_name(a->si.signo);
		a->v->cls = PM_CLASS_SIGNAL_SENT;
		a->v->summary = xasprintf("%s: no fault; the core has no siginfo to say who sent it",
					  n ? n : "a signal");
		pm_az_cert(a, "BenignSignal");
		return;
	}
	/* abort() raises SIGABRT itself */
	bool aborted = a->si.signo == SIGABRT && a->si.pid == a->db->t->pid;
	/* a core without siginfo (QEMU's) does not say who sent the signal */
	if (a->has_siginfo && sent_by_a_process(&a->si) && !reraised && !aborted) {
		sent(a);
		return;
	}
	switch (a->si.signo) {
	case SIGSEGV: pm_az_fault(a); break;
	case SIGBUS: pm_az_bus(a); break;
	case SIGFPE: pm_az_arith(a); break;
	case SIGILL:
	case SIGTRAP: pm_az_illegal(a); break;
	case SIGABRT: pm_az_abort(a); break;
	}
}

/* A user core or live process: the signal, and whether a handler raised
 * it again, decide which pass explains it. */
static void signal_verdict(struct actx *a)
{
	struct pm_verdict *v = a->v;
	struct pm_target *t = a->db->t;
	if (a->si.signo == 0) {
		v->cls = PM_CLASS_NO_CRASH;
		v->summary = xstrdup(t->live_pid ? "no signal: a live process, stopped while pmdb is attached"
				     : "no signal: the core was written while the process ran (gcore)");
		return;
	}
	if (a->has_siginfo) {
		signal_fact(v, "signal", &a->si);
	} else {
		const char *n = pm_signal_name(a->si.signo);
		pm_fact(v, "signal", "%s (%d), no siginfo in the core", n ? n : "signal", a->si.signo);
	}
	pm_fact(v, "thread", "%d", a->th->tid);
	if (a->has_siginfo && pm_signal_has_sender(a->si.code))
		pm_fact(v, "sender_pid", "%d%s", a->si.pid,
			a->si.pid == t->pid ? " (the process itself)" : "");
	bool reraised = a->has_siginfo && sent_by_a_process(&a->si) &&
			(recover_original(a) || reraised_on_return(a));
	v->signo = a->si.signo;
	v->code = a->si.code;
	v->has_addr = pm_signal_has_addr(a->si.signo, a->si.code);
	v->addr = a->si.addr;
	dispatch(a, reraised);
}

struct pm_err *pm_analyze(struct pmdb *db, struct pm_verdict *v)
{
	memset(v, 0, sizeof(*v));
	struct pm_target *t = db->t;
	if (!t || t->nthreads == 0)
		return pm_err_new(PM_ERR_LOOKUP, "::analyze: the dump has no threads");
	struct actx a = { .db = db, .v = v };
	/* a kernel dump's verdict comes from the kernel's own report; it
	 * names the CPU that panicked */
	if (t->kernel)
		pm_az_kernel(&a);
	else
		v->thread = pm_signal_thread(t);
	a.th = &t->threads[v->thread];
	memcpy(a.regs, a.th->regs, sizeof(a.regs));
	if (a.th->has_siginfo && a.th->si.signo) {
		a.si = a.th->si;
		a.has_siginfo = true;
	} else if (t->has_siginfo) {
		a.si = t->siginfo;
		a.has_siginfo = true;
	} else {
		a.si.signo = a.th->cursig;
	}
	struct pm_err *err = pm_verdict_stack(db, v, &a.stack);
	if (err) {
		pm_fact(v, "unwind_error", "%s", err->msg);
		pm_err_free(err);
	}
	if (!t->kernel)
		signal_verdict(&a);
	v->first_interesting_frame = pm_az_first_interesting(&a);
	if (!v->cls) {
		v->cls = PM_CLASS_UNKNOWN;
		const char *n = pm_signal_name(a.si.signo);
		v->summary = t->kernel ? xstrdup("no panic, Oops or BUG report found in the kernel log")
				       : xasprintf("%s: no known cause", n ? n : "the signal");
		pm_az_cert(&a, "UncategorizedSignal");
	}
	if (v->first_interesting_frame < a.stack.nframes) {
		const struct pm_frame *f = &a.stack.frames[v->first_interesting_frame];
		if (f->file)
			pm_fact(v, "source", "%s:%d", f->file, f->line);
	}
	pm_stack_free(&a.stack);
	return NULL;
}
