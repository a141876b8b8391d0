/* ::status - what the dump is: program, argv, threads, and the signal. */
#include "cmds.h"
#include "signals.h"
#include "coredumps.h"
#include "../kernel/kernel.h"

#include <inttypes.h>
#include <string.h>

/* The thread that took the signal: the first whose own siginfo names a
 * signal.  The kernel writes that thread first with the one NT_SIGINFO;
 * gdb's gcore writes a siginfo per thread, mostly with signal 0. */
size_t pm_signal_thread(struct pm_target *t)
{
	if (t->kernel) {        /* the CPU that panicked, as crash starts */
		int cpu = pm_kernel_panic_cpu(t);
		return cpu >= 0 ? (size_t)cpu : 0;
	}
	for (size_t i = 0; i < t->nthreads; i++)
		if (t->threads[i].has_siginfo && t->threads[i].si.signo != 0)
			return i;
	return 0;
}

static void print_signal(FILE *out, int signo)
{
	const char *n = pm_signal_name(signo);
	if (n)
		fprintf(out, "%s", n);
	else
		fprintf(out, "signal %d", signo);
}

struct pm_err *pm_cmd_status(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_target *t = db->t;
	if (t->kernel)
		return pm_kernel_status(db);
	if (t->live_pid)
		return pm_live_status(db);
	FILE *out = db->out;
	const char *name = t->fname[0] ? t->fname : "(unknown)";
	fprintf(out, "debugging core file of %s (%u-bit)\n", name, t->arch->ptr_size * 8);
	fprintf(out, "core file: %s", t->path);
	if (t->packed)
		fprintf(out, " (%s-compressed)", t->packed);
	fputc('\n', out);
	pm_coredump_status(t->path, out);
	if (t->exe_path)
		fprintf(out, "executable: %s\n", t->exe_path);
	else
		fprintf(out, "executable: not found (%s)\n", t->exe_name ? t->exe_name : name);
	if (t->has_prpsinfo)
		fprintf(out, "initial argv: %s\n", t->psargs);
	fprintf(out, "pid: %d\n", t->pid);
	fprintf(out, "threads: %zu\n", t->nthreads);
	if (t->nobjects)
		fprintf(out, "files: the core names none (no NT_FILE): %zu placed from the executable and "
			"the link_map\n", t->nobjects);

	size_t ti = pm_signal_thread(t);
	const struct pm_thread *th = t->nthreads ? &t->threads[ti] : NULL;
	struct pm_siginfo si = { 0 };
	bool have = false;
	if (th && th->has_siginfo && th->si.signo) {
		si = th->si;
		have = true;
	} else if (t->has_siginfo) {
		si = t->siginfo;
		have = true;
	} else if (th && th->cursig) {
		si.signo = th->cursig;
	}
	if (si.signo == 0) {
		fprintf(out, "status: process stopped, no signal (a core written while it ran, e.g. by gcore)\n");
		return NULL;
	}
	bool has_addr = have && pm_signal_has_addr(si.signo, si.code);
	fputs("status: process terminated by ", out);
	print_signal(out, si.signo);
	if (pm_signal_desc(si.signo))
		fprintf(out, " (%s)", pm_signal_desc(si.signo));
	if (has_addr)
		fprintf(out, ", addr=0x%" PRIx64, si.addr);
	fputc('\n', out);
	fputs("signal: ", out);
	print_signal(out, si.signo);
	fprintf(out, " (%d)\n", si.signo);
	if (have) {
		const char *cn = pm_sicode_name(si.signo, si.code);
		fprintf(out, "code: %s (%d)\n", cn ? cn : "unknown", si.code);
		if (has_addr) {
			fprintf(out, "fault address: 0x%" PRIx64, si.addr);
			if (si.code == 0x80)
				fputs(" (the kernel gives none for SI_KERNEL: e.g. a non-canonical address)", out);
			fputc('\n', out);
		}
		if (pm_signal_has_sender(si.code))
			fprintf(out, "sender: pid %d, uid %d%s\n", si.pid, si.uid,
				si.pid == t->pid ? " (the process itself)" : "");
		if (si.errno_)
			fprintf(out, "errno: %d (%s)\n", si.errno_, strerror(si.errno_));
	}
	if (th)
		fprintf(out, "thread: %d took the signal\n", th->tid);
	return NULL;
}
