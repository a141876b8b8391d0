/* The debugger session every dcmd works on, and the dcmd interface. */
#ifndef PMDB_H
#define PMDB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "dwarf/dwarf.h"
#include "target/target.h"

#define PMDB_VERSION "0.1.0"

/* A variable of the language: <name reads it, >name sets it. */
#define PM_NVARS 64
struct pm_var {
	char name[32];
	uint64_t value;
};

struct pmdb {
	struct pm_target *t;       /* NULL when no dump is open */
	struct pm_dwarf *dw;
	size_t cur_thread;         /* index into t->threads */
	unsigned cur_frame;        /* the frame ::p sees locals of (::frame) */
	uint64_t dot;              /* '.', the current address */
	uint64_t last_value;       /* last value computed, for '=' */
	FILE *out;                 /* where commands print */
	bool quit;                 /* $q seen */
	/* the language's state (lang/) */
	unsigned radix;            /* default radix of numbers, $d; 0 means 16 */
	uint64_t incr;             /* bytes the last format verb covered: + and ^ */
	uint64_t dcmd_dot;         /* dot the last command ran at: & */
	struct pm_var vars[PM_NVARS];
	size_t nvars;
	int depth;                 /* nesting of ::eval, ::map, $< */
	bool leave_macro;          /* $< in a macro: stop reading this one */
	/* run control (cmd/runctl.c) */
	struct pm_runctl *rc;      /* breakpoints; NULL until one is set */
	char **prog_argv;          /* pmdb PROG [ARGS]: what :r starts, or NULL */
	const char *debug_dirs;    /* -d, to open the debug info again after a run */
};

/* Hex digits of an address column: the target's pointer width (8 on
 * i386, x32 and ARM, as gdb and mdb print their addresses), else 16. */
static inline int pm_addr_digits(const struct pmdb *db)
{
	return db->t && db->t->arch ? 2 * (int)db->t->arch->ptr_size : 16;
}

/* How a dcmd was called: the address (dot) if one was given, the repeat
 * count, and its arguments as words. */
struct pm_call {
	bool has_addr;
	uint64_t addr;
	bool has_count;
	uint64_t count;
	int argc;
	char **argv;               /* argv[0] is the dcmd name */
	bool in_pipe;              /* output goes to a pipeline, not a person */
};

typedef struct pm_err *(*pm_dcmd_fn)(struct pmdb *db, const struct pm_call *call);

enum pm_dcmd_flags {
	PM_NEEDS_TARGET = 1,       /* fails cleanly with no dump open */
};

struct pm_dcmd {
	const char *name;          /* "status", "$C" */
	const char *synopsis;      /* "[-n count] addr" */
	const char *summary;       /* one line */
	const char *help;          /* description paragraph(s) */
	const char *examples;      /* or NULL */
	pm_dcmd_fn fn;
	unsigned flags;
};

/* The one table of commands (cmd/table.c). */
extern const struct pm_dcmd pm_dcmds[];
extern const size_t pm_ndcmds;
const struct pm_dcmd *pm_dcmd_find(const char *name);

/* The mdb language (lang/). */
/* Run a line of commands; errors are reported on stderr as they happen.
 * Returns how many commands failed. */
int pm_exec_line(struct pmdb *db, const char *line);
/* Run commands from inside a command (::eval, $<): a PM_ERR_REPORTED error
 * if any failed, NULL otherwise. */
struct pm_err *pm_exec_nested(struct pmdb *db, const char *cmds);
struct pm_err *pm_eval_expr(struct pmdb *db, const char *s, uint64_t *val);
/* Parse an option value with the language's number rules. */
struct pm_err *pm_arg_number(struct pmdb *db, const char *s, uint64_t *val);

/* Convenience for dcmds */
struct pm_thread *pm_cur_thread(struct pmdb *db);
/* Why there is no current thread: a dump without threads, or a live
 * kernel whose running CPUs' registers cannot be read. */
struct pm_err *pm_no_thread_err(struct pmdb *db, const char *what);

#endif
