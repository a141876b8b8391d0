/* The live-process target (pmdb -p PID): every thread stopped with ptrace
 * while pmdb looks, memory read from the process as it is asked for
 * (process_vm_readv, else /proc/PID/mem), and the mappings, auxv and
 * executable from /proc.  Closing detaches; live_guard.c detaches on
 * every other way out. */
#include "live.h"
#include "../base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* The memory backing: offset is the address. */
static size_t mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct pm_live *l = ctx;
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)off, len };
	ssize_t n = process_vm_readv(l->pid, &local, 1, &remote, 1, 0);
	if (n > 0)
		return (size_t)n;
	/* /proc/PID/mem also reads pages the process itself may not
	 * (PROT_NONE guard pages, read-only text through FOLL_FORCE) */
	if (l->memfd < 0)
		return 0;
	return pm_pread_all(l->memfd, off, buf, len);
}

static struct pm_err *live_read(struct pm_target *t, uint64_t addr, void *buf, size_t len,
				const char *what)
{
	return pm_memmap_read(&t->mem, addr, buf, len, what);
}

static void live_close(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	if (l->spawned && !l->exited) {
		/* a program pmdb started dies with the session, as under gdb */
		kill(l->pid, SIGKILL);
		pm_live_reap_killed(l->pid);
		for (size_t i = 0; i < t->nthreads; i++)
			pm_live_guard_remove(t->threads[i].tid);
	} else {
		pm_live_detach(t);
	}
	for (size_t i = 0; i < t->nthreads; i++) {
		free((void *)t->threads[i].fpregs);
		free((void *)t->threads[i].xstate);
	}
	if (t->elf)
		elf_end(t->elf);
	if (l->exefd >= 0)
		close(l->exefd);
	if (l->memfd >= 0)
		close(l->memfd);
	for (size_t i = 0; i < l->nstrs; i++)
		free(l->strs[i]);
	free(l->strs);
	free(l->pending);
	free(l->running);
	free(l->bp_addr);
	free(l->bp_orig);
	free(l->forks);
	pm_live_snapshots_free(l);
	free(l->cmdline);
	free(l->mem.path);
	free(l);
}

static const struct pm_target_ops live_ops = {
	.kind = "live",
	.read = live_read,
	.close = live_close,
};

/* The executable's ELF handle: libdwfl's unwinder takes the machine from it. */
static struct pm_err *open_exe(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/exe", l->pid);
	l->exefd = open(path, O_RDONLY | O_CLOEXEC);
	if (l->exefd < 0)
		return pm_err_new(PM_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	elf_version(EV_CURRENT);
	t->elf = elf_begin(l->exefd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (!t->elf || elf_kind(t->elf) != ELF_K_ELF || !gelf_getehdr(t->elf, &eh))
		return pm_err_new(PM_ERR_FORMAT, "%s: the executable is not an ELF file", path);
	if (eh.e_machine != EM_X86_64 || gelf_getclass(t->elf) != ELFCLASS64)
		return pm_err_new(PM_ERR_FORMAT, "pid %d is not an x86-64 process: pmdb reads x86-64 processes",
				  l->pid);
	return NULL;
}

struct pm_target *pm_live_new(int pid)
{
	struct pm_target *t = xcalloc(1, sizeof(*t));
	struct pm_live *l = xcalloc(1, sizeof(*l));
	t->ops = &live_ops;
	t->arch = &pm_arch_x86_64;
	t->priv = l;
	t->pid = pid;
	t->live_pid = pid;
	t->path = xasprintf("/proc/%d", pid);
	l->pid = pid;
	l->memfd = -1;
	l->exefd = -1;
	l->mem.path = xasprintf("/proc/%d/mem", pid);
	l->mem.read = mem_read;
	l->mem.read_ctx = l;
	l->mem.state = 1;
	/* signals a program takes in its stride: handed over without stopping,
	 * as gdb does by default */
	static const int quiet[] = { SIGCHLD, SIGWINCH, SIGALRM, SIGURG, SIGPROF, SIGVTALRM, SIGIO };
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		l->sig_ignored |= 1ull << quiet[i];
	return t;
}

struct pm_err *pm_live_finish_open(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	struct pm_err *err = open_exe(t);
	if (err)
		return err;
	/* opened once attached: ptrace access is checked at open */
	l->memfd = open(l->mem.path, O_RDONLY | O_CLOEXEC);
	pm_live_read_proc(t);
	return NULL;
}

struct pm_err *pm_live_open(int pid, bool nostop, struct pm_target **out)
{
	*out = NULL;
#ifndef __x86_64__
	return pm_err_new(PM_ERR_GENERIC, "live processes are supported on x86-64 only");
#endif
	struct pm_err *err = pm_live_check(pid);
	if (err)
		return err;
	struct pm_target *t = pm_live_new(pid);
	struct pm_live *l = t->priv;
	l->nostop = nostop;
	if (nostop)
		pm_live_premap(l);
	if (!(err = pm_live_attach(t)))
		err = pm_live_finish_open(t);
	if (err) {
		pm_target_close(t);
		return err;
	}
	*out = t;
	return NULL;
}

void pm_live_release(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	pm_live_detach(t);
	l->exited = true;        /* nothing more to do with it */
	l->spawned = false;      /* and it is not ours to kill */
}

uint64_t pm_live_nostop_max_ns(const struct pm_target *t)
{
	const struct pm_live *l = t->priv;
	return t->live_pid && l->nostop ? l->stop_max_ns : 0;
}

const char *pm_live_cmdline(const struct pm_target *t)
{
	const struct pm_live *l = t->priv;
	return t->live_pid && l->cmdline ? l->cmdline : "";
}
