/* Private to the live-process target (live*.c). */
#ifndef PM_LIVE_H
#define PM_LIVE_H

#include "target.h"

/* A copy of the top of a thread's stack (-o nostop), taken while it was
 * stopped; it stands in for the live memory there. */
struct pm_stack_snap {
	uint64_t start, end;        /* what the copy serves; end - backing.size is where it begins */
	struct pm_backing backing;  /* data: the copy */
};

struct pm_range {
	uint64_t start, end;
};

struct pm_fork {
	int pid;
	bool vfork;
};

struct pm_live {
	int pid;
	bool nostop;                /* threads were let go as soon as their state was read */
	uint64_t stop_max_ns;       /* the longest any thread was stopped (nostop) */
	struct pm_stack_snap **snaps;
	size_t nsnaps, snaps_cap;
	struct pm_range *premaps;   /* /proc/PID/maps before attaching (nostop) */
	size_t npremaps;
	/* run control (live_run.c) */
	bool spawned;               /* pmdb started it (:r): killed, not detached, at the end */
	bool exited;                /* it has exited: no threads left */
	bool *running;              /* per thread, while a resume is under way */
	size_t running_cap;
	uint64_t *bp_addr;          /* breakpoints written in while it runs */
	uint8_t *bp_orig;           /* the bytes they replace */
	size_t nbp;
	bool bp_inserted;
	bool bp_wanted;             /* a run is under way with the breakpoints in */
	unsigned vfork_lifted;      /* vforks under way: breakpoints out of the shared memory */
	struct pm_fork *forks;      /* children detached since the last pm_live_next_fork */
	size_t nforks, forks_cap;
	bool ctrl_c_echo;           /* stopped by a Ctrl-C: its SIGINT may still come */
	uint64_t sig_ignored;       /* bit N: signal N is handed over without stopping */
	int memfd;                  /* /proc/PID/mem, or -1 */
	int exefd;                  /* the executable, for t->elf */
	struct pm_backing mem;      /* reads the process's memory at offset = address */
	int *pending;               /* per thread: a signal to hand back on detach */
	size_t pending_cap;
	uint64_t objects_sig;       /* of the file mappings: pm_live_objects_sig */
	char *cmdline;              /* /proc/PID/cmdline, arguments joined by spaces */
	char **strs;                /* paths the maps and files point into */
	size_t nstrs, strs_cap;
};

/* Attach to every thread and fill t->threads (live_threads.c). */
struct pm_err *pm_live_attach(struct pm_target *t);
/* Detach every thread of t; safe to call twice. */
void pm_live_detach(struct pm_target *t);

/* Registers and FP state of a stopped thread (live_threads.c). */
struct pm_err *pm_live_read_regs(struct pm_target *t, struct pm_thread *th);
/* The mappings again, after the process ran (live_proc.c). */
void pm_live_reload_maps(struct pm_target *t);
/* Open a target on a process already seized and stopped (live.c). */
struct pm_err *pm_live_finish_open(struct pm_target *t);
struct pm_target *pm_live_new(int pid);
/* Reap a started program's threads after its SIGKILL (live_spawn.c). */
void pm_live_reap_killed(int pid);

/* What /proc says: identity, maps, files, auxv, executable (live_proc.c). */
struct pm_err *pm_live_check(int pid);
void pm_live_read_proc(struct pm_target *t);
/* The whole of /proc/PID/NAME (NAME may be "task/TID/stat"), NUL-terminated;
 * NULL with errno set. */
char *pm_live_slurp(int pid, const char *name, size_t *len);


/* -o nostop (live_nostop.c): read the mappings before attaching; copy the
 * top of a stopped thread's stack, up to the end of its mapping;
 * sort the copies once all threads are done; add a live mapping to t->mem
 * with the copies in front of it. */
void pm_live_premap(struct pm_live *l);
void pm_live_snapshot_stack(struct pm_target *t, const struct pm_thread *th);
void pm_live_snapshots_done(struct pm_target *t);
void pm_live_add_memory(struct pm_target *t, uint64_t start, uint64_t end);
void pm_live_snapshots_free(struct pm_live *l);

/* What the threads are traced for: their threads, their exec, and their
 * forks, whose children are detached (live_fork.c). */
#define PM_LIVE_TRACE_OPTIONS (PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK | \
			       PTRACE_O_TRACEVFORK | PTRACE_O_TRACEVFORKDONE)

/* Breakpoints in and out of the process's memory (live_run.c). */
struct pm_err *pm_live_insert_breakpoints(struct pm_target *t, int tid);
void pm_live_remove_breakpoints(struct pm_target *t);
bool pm_live_poke_byte(int tid, uint64_t addr, uint8_t byte, uint8_t *old);

/* tid stopped at a PTRACE_EVENT_FORK, _VFORK or _VFORK_DONE: detach the
 * child with the breakpoints taken out of its memory (live_fork.c). */
void pm_live_fork_event(struct pm_target *t, int tid, int event);
bool pm_live_is_fork_event(int event);

/* Wait for a report of one of t's threads (only_tid: of that one only),
 * never another child of pmdb's (live_wait.c).  The tid, or 0 when
 * interruptible and pmdb was interrupted (SIGINT), or -1 with errno.  A
 * thread gone without a report (an exec by another thread) is reported
 * as exited with status 0. */
int pm_live_wait(struct pm_target *t, int only_tid, int *st, bool interruptible);

/* The last resort: detach from everything still attached when pmdb exits,
 * is interrupted or crashes (live_guard.c). */
void pm_live_guard_add(int tid, int sig);
void pm_live_guard_remove(int tid);
/* While the process runs, SIGINT (Ctrl-C) only asks for it to be stopped. */
void pm_live_guard_running(bool on);
bool pm_live_guard_interrupted(void);

#endif
