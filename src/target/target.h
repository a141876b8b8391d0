/* A target is what pmdb debugs: a core file today, a live process or a
 * kernel dump later.  Opening a target decodes what it can up front into the
 * common fields below; the ops vector covers what differs per kind.
 *
 * Contract of each op:
 *   read   - called by anyone needing target memory; never NULL; reads
 *            exactly len bytes or returns a PM_ERR_FAULT naming the first
 *            unreadable address and `what` (a short noun: "struct foo").
 *   close  - frees everything the target owns; never NULL.
 */
#ifndef PM_TARGET_H
#define PM_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../arch/arch.h"
#include "../base/err.h"
#include "memmap.h"

struct pm_siginfo {
	int signo, code, errno_;
	uint64_t addr;     /* fault signals */
	int pid, uid;      /* SI_USER, SI_TKILL, SI_QUEUE */
};

struct pm_thread {
	int tid;
	int cursig;                     /* pr_cursig */
	uint64_t regs[PM_MAX_REGS];     /* arch->regs order */
	const unsigned char *fpregs;    /* NT_FPREGSET bytes, or NULL */
	size_t fpregs_len;
	const unsigned char *xstate;    /* NT_X86_XSTATE bytes, or NULL */
	size_t xstate_len;
	const unsigned char *xfpregs;   /* i386 NT_PRXFPREG (FXSAVE) bytes, or NULL */
	size_t xfpregs_len;
	const unsigned char *sve;       /* AArch64 NT_ARM_SVE bytes, or NULL */
	size_t sve_len;
	const unsigned char *tls;       /* AArch64 NT_ARM_TLS bytes, or NULL */
	size_t tls_len;
	const unsigned char *vfp;       /* 32-bit ARM NT_ARM_VFP bytes, or NULL */
	size_t vfp_len;
	bool has_siginfo;               /* a per-thread NT_SIGINFO (gcore) */
	struct pm_siginfo si;
};

/* One entry of NT_FILE: a file mapped into the process. */
struct pm_ntfile {
	uint64_t start, end, offset;   /* offset in bytes */
	const char *path;              /* as recorded in the core */
};

/* An ELF object loaded at bias (from the link_map, not from NT_FILE). */
struct pm_object {
	char *recorded;                /* the name the process used */
	char *local;                   /* the file read here */
	uint64_t bias;
};

enum pm_data { PM_DATA_NONE, PM_DATA_CORE, PM_DATA_FILE, PM_DATA_PART,
	       PM_DATA_LIVE /* read from the running process */ };

/* One memory mapping of the process as the dump describes it. */
struct pm_mapping {
	uint64_t start, end;
	unsigned prot;                 /* PF_R | PF_W | PF_X */
	const char *path;              /* file mapped there, or NULL */
	uint64_t offset;               /* offset in that file */
	char label[32];                /* "[ stack ]", "[ heap ]", ... or "" */
	enum pm_data data;             /* where its contents come from */
};

struct pm_target;

struct pm_target_ops {
	const char *kind;
	struct pm_err *(*read)(struct pm_target *t, uint64_t addr, void *buf,
			       size_t len, const char *what);
	void (*close)(struct pm_target *t);
};

struct pm_kernel;

struct pm_target {
	const struct pm_target_ops *ops;
	const struct pm_arch *arch;
	char *path;                    /* the dump */
	const char *packed;            /* "zstd", "xz", "lz4": it was compressed */
	char *exe_path;                /* executable on disk, or NULL */
	char *exe_name;                /* name recorded in the dump */

	int pid, ppid, uid, gid;
	int live_pid;                  /* a live process (pmdb -p): its pid; 0 for dumps */
	char fname[17];                /* NT_PRPSINFO pr_fname */
	char psargs[81];               /* NT_PRPSINFO pr_psargs */
	bool has_prpsinfo;

	struct pm_thread *threads;
	size_t nthreads, threads_cap;
	struct pm_siginfo siginfo;     /* the process-wide NT_SIGINFO */
	bool has_siginfo;

	uint64_t pac_insn_mask;        /* NT_ARM_PAC_MASK: authentication bits of code pointers */

	uint64_t *auxv;                /* key, value pairs */
	size_t nauxv;

	struct pm_ntfile *files;
	size_t nfiles;
	/* A core without NT_FILE (QEMU's): the objects pmdb placed itself from
	 * the link_map (core_linkmap.c), which the debugger session reports */
	struct pm_object *objects;
	size_t nobjects;

	struct pm_mapping *maps;
	size_t nmaps;

	struct pm_memmap mem;          /* virtual address -> bytes */
	struct Elf *elf;               /* the dump's libelf handle, if ELF */
	/* Linux kernel dumps: the VMCOREINFO note (points into the dump) and
	 * what src/kernel knows; NULL for user cores */
	const char *vmcoreinfo;
	size_t vmcoreinfo_len;
	bool qemu_notes;               /* QEMU's per-CPU notes: a guest's memory */
	/* each CPU's control registers from those notes (x86-64): what finds
	 * the kernel in a dump without VMCOREINFO (kernel/kfind.c) */
	struct pm_qemu_cpu { uint64_t cr3, cr4; } *qemu_cpus;
	size_t nqemu_cpus;
	struct pm_kernel *kernel;
	void *priv;                    /* the kind's own state */
};

/* Treat kernel dumps as if they had no VMCOREINFO note, so that pmdb
 * rebuilds what it needs from the dump (a damaged note; tests of the
 * rebuild against the real note). */
void pm_target_ignore_vmcoreinfo(bool ignore);

/* Open a dump by probing its contents.  exe may be NULL. */
struct pm_err *pm_target_open(const char *path, const char *exe, struct pm_target **out);
void pm_target_close(struct pm_target *t);

static inline struct pm_err *pm_target_read(struct pm_target *t, uint64_t addr,
					    void *buf, size_t len, const char *what)
{
	return t->ops->read(t, addr, buf, len, what);
}

/* A code address without its pointer-authentication bits (AArch64 PAC)
 * or its ARM Thumb bit. */
static inline uint64_t pm_target_code_addr(const struct pm_target *t, uint64_t addr)
{
	return addr & ~(t->pac_insn_mask | t->arch->code_addr_tag);
}

/* Does the dump hold the byte at addr?  (Whole objects are checked at
 * their start before printing: one clear error instead of one per member.) */
bool pm_target_readable(struct pm_target *t, uint64_t addr);
struct pm_err *pm_target_read_u64(struct pm_target *t, uint64_t addr, uint64_t *val,
				  const char *what);
/* A pointer of the target's process: 8 bytes, or 4 (i386, ARM, x32). */
struct pm_err *pm_target_read_ptr(struct pm_target *t, uint64_t addr, uint64_t *val,
				  const char *what);
/* DT_DEBUG's value (the r_debug address) in the dynamic section at dyn,
 * dynsz bytes of Elf64_Dyn or, in a 32-bit process, Elf32_Dyn; 0 if none. */
uint64_t pm_target_dt_debug(struct pm_target *t, uint64_t dyn, uint64_t dynsz);
/* Read a NUL-terminated string of at most max bytes into a new buffer. */
struct pm_err *pm_target_read_str(struct pm_target *t, uint64_t addr, size_t max, char **out);

uint64_t pm_target_auxv(const struct pm_target *t, uint64_t key, bool *found);
const struct pm_mapping *pm_target_mapping(const struct pm_target *t, uint64_t addr);
struct pm_thread *pm_target_thread(struct pm_target *t, int tid);
/* Name m "[ stack ]" or "[ stack tid=N ]" when a thread's sp is in it. */
bool pm_target_label_stack(const struct pm_target *t, struct pm_mapping *m);

/* Warnings the target gathered while opening (each printed once). */
void pm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Kinds */
struct pm_err *pm_core_open(const char *path, const char *exe, struct pm_target **out);
/* Attach to a running process (live.c); closing detaches.  nostop: let
 * each thread go as soon as its registers and the top of its stack are
 * read (-o nostop). */
struct pm_err *pm_live_open(int pid, bool nostop, struct pm_target **out);
/* Run control (live_run.c, live_spawn.c).  Between commands the process is
 * stopped; a resume runs it (or steps one thread) until an event: */
enum pm_stop_kind {
	PM_STOP_NONE, PM_STOP_BREAKPOINT, PM_STOP_STEPPED, PM_STOP_SIGNAL,
	PM_STOP_EXITED, PM_STOP_KILLED, PM_STOP_EXEC, PM_STOP_THREAD_EXITED,
	PM_STOP_INTERRUPTED,  /* SIGINT (Ctrl-C) to pmdb while it ran */
};
struct pm_stop {
	enum pm_stop_kind kind;
	size_t thread;        /* index into t->threads of the thread it happened to */
	uint64_t addr;        /* PM_STOP_BREAKPOINT: where */
	int signo;            /* PM_STOP_SIGNAL: the signal, pending until the next resume */
	int status;           /* EXITED: exit status; KILLED: the signal */
};
/* Start argv[0] under pmdb, stopped at its first instruction (ASLR off,
 * as gdb does); it is killed when pmdb leaves. */
struct pm_err *pm_live_spawn(char *const argv[], struct pm_target **out);
/* Breakpoint addresses to write in while the process runs. */
void pm_live_set_breakpoints(struct pm_target *t, const uint64_t *addrs, size_t n);
struct pm_err *pm_live_resume(struct pm_target *t, bool step, size_t thread, struct pm_stop *stop);
void pm_live_discard_signal(struct pm_target *t, size_t thread);
void pm_live_set_pending_signal(struct pm_target *t, size_t thread, int sig);
/* Hand signal sig over without stopping (true), or stop for it. */
void pm_live_ignore_signal(struct pm_target *t, int sig, bool ignore);
bool pm_live_signal_ignored(const struct pm_target *t, int sig);
bool pm_live_exited(const struct pm_target *t);
/* A digest of the objects mapped (start, offset, path of each file mapping
 * and the vDSO) as last read: equal digests, the same modules. */
uint64_t pm_live_objects_sig(const struct pm_target *t);
/* The next child the process forked and pmdb let go (gdb's detach-on-fork),
 * oldest first; false when there is none to tell. */
bool pm_live_next_fork(struct pm_target *t, int *pid, bool *vfork);
/* Let the process go (detach, or for a started one: detach and let it run). */
void pm_live_release(struct pm_target *t);
/* With nostop: the longest time any thread was stopped, in ns; else 0. */
uint64_t pm_live_nostop_max_ns(const struct pm_target *t);
/* Its whole command line, arguments joined by spaces. */
const char *pm_live_cmdline(const struct pm_target *t);
/* Write an ELF core of a live process, as the kernel would on a crash
 * (live_gcore.c): every thread's registers, the notes, and the mappings
 * /proc/PID/coredump_filter selects.  An error for other targets. */
struct pm_gcore_stats {
	size_t nthreads, nsegments, ndumped;  /* PT_LOADs, and those with contents */
	uint64_t bytes;                       /* segment contents written */
};
struct pm_err *pm_live_gcore(struct pm_target *t, const char *path, struct pm_gcore_stats *st);

#endif
