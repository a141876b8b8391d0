/* The notes of a core written from a live process, in the kernel's order
 * (fs/binfmt_elf.c): the first thread's NT_PRSTATUS, then NT_PRPSINFO,
 * NT_SIGINFO, NT_AUXV and NT_FILE, then its NT_PRFPREG and NT_X86_XSTATE;
 * then each other thread's NT_PRSTATUS, NT_PRFPREG and NT_X86_XSTATE.
 * gdb and libdwfl take the first NT_PRSTATUS as the thread that "crashed". */
#include "live_gcore.h"
#include "../base/util.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/ptrace.h>
#include <unistd.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif
#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif
#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif

_Static_assert(sizeof(struct elf_prstatus) == 336, "x86-64 elf_prstatus");
_Static_assert(sizeof(struct elf_prpsinfo) == 136, "x86-64 elf_prpsinfo");

static void put(struct pm_notebuf *b, const void *p, size_t n)
{
	size_t padded = (n + 3) & ~(size_t)3;
	vec_reserve(&b->data, &b->cap, b->len + padded, 1);
	memcpy(b->data + b->len, p, n);
	memset(b->data + b->len + n, 0, padded - n);
	b->len += padded;
}

static void note(struct pm_notebuf *b, const char *name, uint32_t type, const void *desc, size_t len)
{
	Elf64_Nhdr h = { (Elf64_Word)strlen(name) + 1, (Elf64_Word)len, type };
	put(b, &h, sizeof(h));
	put(b, name, h.n_namesz);
	put(b, desc, len);
}

/* Fields of /proc/PID/task/TID/stat after the command name, numbered as
 * proc(5) does (3 = state). */
struct proc_stat {
	char state;
	long ppid, pgrp, sid, flags, utime, stime, cutime, cstime, nice;
};

static bool read_stat(int pid, int tid, struct proc_stat *s)
{
	char name[64];
	snprintf(name, sizeof(name), "task/%d/stat", tid);
	char *txt = pm_live_slurp(pid, name, NULL);
	memset(s, 0, sizeof(*s));
	if (!txt)
		return false;
	const char *p = strrchr(txt, ')');
	long f[20] = { 0 };
	bool ok = p && sscanf(p + 1, " %c %ld %ld %ld %*d %*d %ld %*u %*u %*u %*u %ld %ld %ld %ld %*d %ld",
			      &s->state, &f[4], &f[5], &f[6], &f[9], &f[14], &f[15], &f[16], &f[17], &f[19]) == 10;
	free(txt);
	s->ppid = f[4], s->pgrp = f[5], s->sid = f[6], s->flags = f[9];
	s->utime = f[14], s->stime = f[15], s->cutime = f[16], s->cstime = f[17], s->nice = f[19];
	return ok;
}

/* A signal mask line of /proc/PID/task/TID/status ("SigBlk:\t000...") */
static unsigned long status_mask(int pid, int tid, const char *key)
{
	char name[64];
	snprintf(name, sizeof(name), "task/%d/status", tid);
	char *txt = pm_live_slurp(pid, name, NULL);
	unsigned long v = 0;
	const char *at = txt ? strstr(txt, key) : NULL;
	if (at)
		v = strtoul(at + strlen(key), NULL, 16);
	free(txt);
	return v;
}

static struct timeval ticks(long n)
{
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	return (struct timeval){ n / hz, (n % hz) * (1000000 / hz) };
}

static void prstatus(struct pm_notebuf *b, const struct pm_target *t, const struct pm_thread *th,
		     int cursig)
{
	struct pm_live *l = t->priv;
	struct elf_prstatus ps;
	memset(&ps, 0, sizeof(ps));
	struct proc_stat s;
	read_stat(l->pid, th->tid, &s);
	ps.pr_info.si_signo = cursig;
	ps.pr_cursig = (short)cursig;
	ps.pr_sigpend = status_mask(l->pid, th->tid, "SigPnd:");
	ps.pr_sighold = status_mask(l->pid, th->tid, "SigBlk:");
	ps.pr_pid = th->tid;
	ps.pr_ppid = (int)s.ppid;
	ps.pr_pgrp = (int)s.pgrp;
	ps.pr_sid = (int)s.sid;
	ps.pr_utime = ticks(s.utime);
	ps.pr_stime = ticks(s.stime);
	ps.pr_cutime = ticks(s.cutime);
	ps.pr_cstime = ticks(s.cstime);
	for (size_t i = 0; i < t->arch->nregs && i < ELF_NGREG; i++)
		ps.pr_reg[i] = th->regs[i];
	ps.pr_fpvalid = th->fpregs != NULL;
	note(b, "CORE", NT_PRSTATUS, &ps, sizeof(ps));
}

static void prpsinfo(struct pm_notebuf *b, const struct pm_target *t)
{
	struct pm_live *l = t->priv;
	struct proc_stat s;
	read_stat(l->pid, l->pid, &s);
	struct elf_prpsinfo pi;
	memset(&pi, 0, sizeof(pi));
	static const char states[] = "RSDTZW";   /* the kernel's pr_state numbering */
	const char *at = s.state ? strchr(states, s.state) : NULL;
	pi.pr_state = at ? (char)(at - states) : 0;
	pi.pr_sname = s.state ? s.state : '.';
	pi.pr_zomb = s.state == 'Z';
	pi.pr_nice = (char)s.nice;
	pi.pr_flag = (unsigned long)s.flags;
	pi.pr_uid = (unsigned)t->uid;
	pi.pr_gid = (unsigned)t->gid;
	pi.pr_pid = l->pid;
	pi.pr_ppid = t->ppid;
	pi.pr_pgrp = (int)s.pgrp;
	pi.pr_sid = (int)s.sid;
	memcpy(pi.pr_fname, t->fname, sizeof(pi.pr_fname));
	/* the kernel keeps ELF_PRARGSZ - 1 bytes of the arguments and a NUL */
	size_t n = strnlen(t->psargs, sizeof(pi.pr_psargs) - 1);
	memcpy(pi.pr_psargs, t->psargs, n);
	note(b, "CORE", NT_PRPSINFO, &pi, sizeof(pi));
}

/* The signal the thread is stopped with, if any: what would have been the
 * crash had pmdb not been there.  Zeros otherwise, as for a kernel core of a
 * process no signal killed. */
static void siginfo(struct pm_notebuf *b, int tid, int cursig)
{
	unsigned char si[128];
	memset(si, 0, sizeof(si));
	if (cursig && ptrace(PTRACE_GETSIGINFO, tid, 0, si) < 0)
		memset(si, 0, sizeof(si));
	note(b, "CORE", NT_SIGINFO, si, sizeof(si));
}

static void auxv(struct pm_notebuf *b, const struct pm_target *t)
{
	note(b, "CORE", NT_AUXV, t->auxv, t->nauxv * 16);
}

/* NT_FILE: count, page size, (start, end, page offset) triples, then the
 * paths, NUL-terminated, in the same order. */
static void files(struct pm_notebuf *b, const struct pm_target *t)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	size_t n = 0, names = 0;
	for (size_t i = 0; i < t->nmaps; i++)
		if (t->maps[i].path) {
			n++;
			names += strlen(t->maps[i].path) + 1;
		}
	size_t len = 16 + n * 24 + names;
	unsigned char *d = xmalloc(len);
	uint64_t head[2] = { n, page };
	memcpy(d, head, 16);
	size_t at = 16, s = 16 + n * 24;
	for (size_t i = 0; i < t->nmaps; i++) {
		const struct pm_mapping *m = &t->maps[i];
		if (!m->path)
			continue;
		uint64_t tri[3] = { m->start, m->end, m->offset / page };
		memcpy(d + at, tri, 24);
		at += 24;
		size_t k = strlen(m->path) + 1;
		memcpy(d + s, m->path, k);
		s += k;
	}
	note(b, "CORE", NT_FILE, d, len);
	free(d);
}

static void fpstate(struct pm_notebuf *b, const struct pm_thread *th)
{
	if (th->fpregs)
		note(b, "CORE", NT_PRFPREG, th->fpregs, th->fpregs_len);
	if (th->xstate)
		note(b, "LINUX", NT_X86_XSTATE, th->xstate, th->xstate_len);
}

/* The thread listed first: the process's main thread when it has one. */
static size_t first_thread(const struct pm_target *t)
{
	struct pm_live *l = t->priv;
	for (size_t i = 0; i < t->nthreads; i++)
		if (t->threads[i].tid == l->pid)
			return i;
	return 0;
}

void pm_gcore_notes(const struct pm_target *t, struct pm_notebuf *b)
{
	struct pm_live *l = t->priv;
	size_t first = first_thread(t);
	const struct pm_thread *th = &t->threads[first];
	prstatus(b, t, th, l->pending[first]);
	prpsinfo(b, t);
	siginfo(b, th->tid, l->pending[first]);
	auxv(b, t);
	files(b, t);
	fpstate(b, th);
	for (size_t i = 0; i < t->nthreads; i++) {
		if (i == first)
			continue;
		prstatus(b, t, &t->threads[i], l->pending[i]);
		fpstate(b, &t->threads[i]);
	}
}
