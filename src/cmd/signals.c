#include "signals.h"

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <strings.h>

struct sigdef {
	int signo;
	const char *name, *desc;
};

static const struct sigdef sigs[] = {
	{ 1, "SIGHUP", "Hangup" }, { 2, "SIGINT", "Interrupt" }, { 3, "SIGQUIT", "Quit" },
	{ 4, "SIGILL", "Illegal instruction" }, { 5, "SIGTRAP", "Trace/breakpoint trap" },
	{ 6, "SIGABRT", "Aborted" }, { 7, "SIGBUS", "Bus error" },
	{ 8, "SIGFPE", "Arithmetic exception" }, { 9, "SIGKILL", "Killed" },
	{ 10, "SIGUSR1", "User signal 1" }, { 11, "SIGSEGV", "Segmentation fault" },
	{ 12, "SIGUSR2", "User signal 2" }, { 13, "SIGPIPE", "Broken pipe" },
	{ 14, "SIGALRM", "Alarm clock" }, { 15, "SIGTERM", "Terminated" },
	{ 16, "SIGSTKFLT", "Stack fault" }, { 17, "SIGCHLD", "Child status changed" },
	{ 18, "SIGCONT", "Continued" }, { 19, "SIGSTOP", "Stopped (signal)" },
	{ 20, "SIGTSTP", "Stopped" }, { 21, "SIGTTIN", "Stopped (tty input)" },
	{ 22, "SIGTTOU", "Stopped (tty output)" }, { 23, "SIGURG", "Urgent I/O condition" },
	{ 24, "SIGXCPU", "CPU time limit exceeded" }, { 25, "SIGXFSZ", "File size limit exceeded" },
	{ 26, "SIGVTALRM", "Virtual timer expired" }, { 27, "SIGPROF", "Profiling timer expired" },
	{ 28, "SIGWINCH", "Window changed" }, { 29, "SIGIO", "I/O possible" },
	{ 30, "SIGPWR", "Power failure" }, { 31, "SIGSYS", "Bad system call" },
};

static const struct sigdef *find(int signo)
{
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigs[i].signo == signo)
			return &sigs[i];
	return NULL;
}

const char *pm_signal_name(int signo)
{
	const struct sigdef *s = find(signo);
	return s ? s->name : NULL;
}

const char *pm_signal_desc(int signo)
{
	const struct sigdef *s = find(signo);
	return s ? s->desc : NULL;
}

const char *pm_sicode_name(int signo, int code)
{
	switch (code) {
	case 0: return "SI_USER";
	case 0x80: return "SI_KERNEL";
	case -1: return "SI_QUEUE";
	case -2: return "SI_TIMER";
	case -3: return "SI_MESGQ";
	case -4: return "SI_ASYNCIO";
	case -5: return "SI_SIGIO";
	case -6: return "SI_TKILL";
	case -7: return "SI_DETHREAD";
	case -60: return "SI_ASYNCNL";
	}
	static const char *const segv[] = { NULL, "SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR",
					    "SEGV_PKUERR", "SEGV_ACCADI", "SEGV_ADIDERR",
					    "SEGV_ADIPERR", "SEGV_MTEAERR", "SEGV_MTESERR", "SEGV_CPERR" };
	static const char *const bus[] = { NULL, "BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR",
					   "BUS_MCEERR_AR", "BUS_MCEERR_AO" };
	static const char *const fpe[] = { NULL, "FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV",
					   "FPE_FLTOVF", "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV",
					   "FPE_FLTSUB", "FPE_FLTUNK", "FPE_CONDTRAP" };
	static const char *const ill[] = { NULL, "ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR",
					   "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC",
					   "ILL_BADSTK", "ILL_BADIADDR" };
	static const char *const trap[] = { NULL, "TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH",
					    "TRAP_HWBKPT", "TRAP_UNK", "TRAP_PERF" };
	static const char *const chld[] = { NULL, "CLD_EXITED", "CLD_KILLED", "CLD_DUMPED",
					    "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED" };
#define PICK(tab) (code > 0 && (size_t)code < sizeof(tab) / sizeof(tab[0]) ? tab[code] : NULL)
	switch (signo) {
	case SIGSEGV: return PICK(segv);
	case SIGBUS: return PICK(bus);
	case SIGFPE: return PICK(fpe);
	case SIGILL: return PICK(ill);
	case SIGTRAP: return PICK(trap);
	case SIGCHLD: return PICK(chld);
	}
#undef PICK
	return NULL;
}

bool pm_signal_has_addr(int signo, int code)
{
	if (code <= 0)
		return false;
	return signo == SIGSEGV || signo == SIGBUS || signo == SIGFPE || signo == SIGILL ||
	       signo == SIGTRAP;
}

bool pm_signal_has_sender(int code)
{
	return code == 0 || code == -1 || code == -6;
}

int pm_signal_parse(const char *s)
{
	if (s[0] >= '0' && s[0] <= '9') {
		long v = strtol(s, NULL, 0);
		return v > 0 && v < 65 ? (int)v : 0;
	}
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcasecmp(s, sigs[i].name) == 0 || strcasecmp(s, sigs[i].name + 3) == 0)
			return sigs[i].signo;
	return 0;
}
