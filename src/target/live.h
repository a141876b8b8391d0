/* Private to the live-process target (live*.c). */
#ifndef PM_LIVE_H
#define PM_LIVE_H

#include "target.h"

struct pm_live {
	int pid;
	int memfd;                  /* /proc/PID/mem, or -1 */
	int exefd;                  /* the executable, for t->elf */
	struct pm_backing mem;      /* reads the process's memory at offset = address */
	int *pending;               /* per thread: a signal to hand back on detach */
	size_t pending_cap;
	char *cmdline;              /* /proc/PID/cmdline, arguments joined by spaces */
	char **strs;                /* paths the maps and files point into */
	size_t nstrs, strs_cap;
};

/* Attach to every thread and fill t->threads (live_threads.c). */
struct pm_err *pm_live_attach(struct pm_target *t);
/* Detach every thread of t; safe to call twice. */
void pm_live_detach(struct pm_target *t);

/* What /proc says: identity, maps, files, auxv, executable (live_proc.c). */
struct pm_err *pm_live_check(int pid);
void pm_live_read_proc(struct pm_target *t);
/* The whole of /proc/PID/NAME (NAME may be "task/TID/stat"), NUL-terminated;
 * NULL with errno set. */
char *pm_live_slurp(int pid, const char *name, size_t *len);


/* The last resort: detach from everything still attached when pmdb exits,
 * is interrupted or crashes (live_guard.c). */
void pm_live_guard_add(int tid, int sig);
void pm_live_guard_remove(int tid);

#endif
