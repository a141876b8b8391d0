/* ::analyze - why did it crash?  A verdict (a class and a one-line
 * summary) with the facts that support it, each fact a stable key and a
 * human-readable value.  The keys are documented in docs/analyze.md; the
 * JSON report and the tests read them. */
#ifndef PM_ANALYZE_H
#define PM_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../pmdb.h"

/* Crash classes, as named in reports. */
#define PM_CLASS_NULL_DEREF      "null-deref"
#define PM_CLASS_WILD_POINTER    "wild-pointer"
#define PM_CLASS_BAD_JUMP        "bad-jump"
#define PM_CLASS_STACK_OVERFLOW  "stack-overflow"
#define PM_CLASS_ABORT           "abort"
#define PM_CLASS_SIGNAL_SENT     "signal-sent"
#define PM_CLASS_ARITHMETIC      "arithmetic"
#define PM_CLASS_ILLEGAL_INSN    "illegal-instruction"
#define PM_CLASS_BREAKPOINT      "breakpoint"
#define PM_CLASS_BUS_ERROR       "bus-error"
#define PM_CLASS_BAD_ACCESS      "bad-access"     /* a non-NULL pointer to memory it may not touch */
#define PM_CLASS_NO_CRASH        "no-crash"       /* no signal: gcore of a running process */
#define PM_CLASS_UNKNOWN         "unknown"
/* kernel dumps */
#define PM_CLASS_KERNEL_SYSRQ    "kernel-sysrq"   /* echo c > /proc/sysrq-trigger */
#define PM_CLASS_KERNEL_HUNG     "hung-task"
#define PM_CLASS_KERNEL_LOCKUP   "soft-lockup"
#define PM_CLASS_USE_AFTER_FREE  "use-after-free" /* a pointer made of slab poison */
#define PM_CLASS_KERNEL_OOPS     "kernel-oops"
#define PM_CLASS_KERNEL_PANIC    "kernel-panic"

struct pm_fact {
	const char *key;     /* static: "fault_address", "base_register", ... */
	char *value;
};

struct pm_verdict {
	const char *cls;     /* one of PM_CLASS_* */
	char *summary;       /* one line */
	const char *cert;    /* CERT exploitable class (!exploitable's names), or NULL */
	const char *cert_rating; /* "EXPLOITABLE", "PROBABLY_EXPLOITABLE", ... */
	size_t thread;       /* index in t->threads of the thread analysed */
	/* kernel dumps: the task_struct whose stack the verdict is about when
	 * it is not the CPU's (a hung task), else 0 */
	uint64_t task;
	/* the signal the verdict is about: the core's, or the original fault a
	 * handler re-raised */
	int signo, code;
	bool has_addr;
	uint64_t addr;
	struct pm_fact *facts;
	size_t nfacts, cap;
	/* frames of the analysed thread from which the crash signature is made:
	 * the first frame that is not abort/raise/assert/signal machinery */
	size_t first_interesting_frame;
};

/* Analyse the dump open in db.  Fails only when there is nothing to look
 * at (no threads); an unexplained crash is class "unknown" with the facts
 * found. */
struct pm_err *pm_analyze(struct pmdb *db, struct pm_verdict *v);
void pm_verdict_free(struct pm_verdict *v);

/* Add a fact (printf-style value); facts print in the order added. */
void pm_fact(struct pm_verdict *v, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The value of a fact, or NULL. */
const char *pm_fact_get(const struct pm_verdict *v, const char *key);

/* The stack the verdict is about: v->task's, else v->thread's. */
struct pm_err *pm_verdict_stack(struct pmdb *db, const struct pm_verdict *v, struct pm_stack *out);

/* The human report: verdict, evidence, the thread's top frames, source. */
void pm_verdict_print(struct pmdb *db, const struct pm_verdict *v, FILE *out);

#endif
