/* pmdb's interface for loadable modules (dmods).
 *
 * A module is a shared object exporting one function,
 *
 *     const struct pmdb_module *pmdb_module_init(const struct pmdb_services *svc);
 *
 * which ::load calls once.  It returns a description of the module (with
 * the API version it was built for: PMDB_API_VERSION) listing its dcmds
 * and walkers, or NULL to refuse loading.  svc stays valid until the
 * module is unloaded; every service takes the pmdb_ctx the dcmd or walker
 * was called with.  Services returning int give 0 on success and -1 on
 * failure, the message then being the session's pending error.
 *
 * The built-in walkers use this same interface. */
#ifndef PMDB_MODULE_H
#define PMDB_MODULE_H

#include <stddef.h>
#include <stdint.h>

#define PMDB_API_VERSION 1
#define PMDB_MODULE_INIT "pmdb_module_init"

typedef struct pmdb_ctx pmdb_ctx;   /* the debugger session, opaque */

/* How a dcmd was called: [addr][,count]::name argv[1..] */
struct pmdb_call {
	int has_addr;
	uint64_t addr;
	int has_count;
	uint64_t count;
	int argc;
	char *const *argv;          /* argv[0] is the dcmd name */
	int in_pipe;                /* output feeds a pipeline: print values only */
};

/* Returns 0, or -1 after svc->fail() said why. */
typedef int pmdb_dcmd_fn(pmdb_ctx *ctx, const struct pmdb_call *call);

struct pmdb_dcmd {
	const char *name;           /* without the '::' */
	const char *synopsis;       /* "[addr] [-v]" */
	const char *summary;        /* one line, for ::dcmds */
	const char *help;           /* for ::help NAME, or NULL */
	pmdb_dcmd_fn *fn;
};

/* mdb's walk model: init prepares the state, then step is called until it
 * returns PMDB_WALK_DONE, each PMDB_WALK_NEXT handing one element back in
 * *elem.  fini (may be NULL) frees data, whatever the outcome. */
enum { PMDB_WALK_ERR = -1, PMDB_WALK_NEXT = 0, PMDB_WALK_DONE = 1 };

struct pmdb_walk_state {
	uint64_t addr;              /* the start address given (addr::walk), then the walker's cursor */
	int has_addr;
	const char *arg;            /* the word after the walker name, or NULL */
	void *data;                 /* the walker's own */
};

enum { PMDB_WALKER_DECIMAL = 1 };   /* elements are numbers shown as 0tN */

struct pmdb_walker {
	const char *name;
	const char *desc;           /* one line, for ::walkers */
	int (*init)(pmdb_ctx *ctx, struct pmdb_walk_state *ws);
	int (*step)(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem);
	void (*fini)(pmdb_ctx *ctx, struct pmdb_walk_state *ws);
	unsigned flags;
};

struct pmdb_module {
	uint32_t api_version;       /* PMDB_API_VERSION */
	const char *name;           /* ::unload NAME */
	const char *desc;
	const struct pmdb_dcmd *dcmds;      /* ended by an entry with name NULL; may be NULL */
	const struct pmdb_walker *walkers;  /* likewise */
	void (*fini)(void);         /* called by ::unload, may be NULL */
};

/* Called once per element of a walk; non-zero stops the walk. */
typedef int pmdb_walk_cb(uint64_t elem, void *arg);

struct pmdb_services {
	uint32_t size;              /* sizeof(struct pmdb_services) of the pmdb that loads */
	uint32_t version;           /* PMDB_API_VERSION */
	/* exactly len bytes of target memory at addr */
	int (*read)(pmdb_ctx *ctx, uint64_t addr, void *buf, size_t len);
	/* a NUL-terminated string, cut to len - 1 bytes */
	int (*read_str)(pmdb_ctx *ctx, uint64_t addr, char *buf, size_t len);
	/* NAME or MODULE`NAME */
	int (*lookup_name)(pmdb_ctx *ctx, const char *name, uint64_t *addr);
	/* the symbol covering addr; *name lives as long as the session */
	int (*lookup_addr)(pmdb_ctx *ctx, uint64_t addr, const char **name, uint64_t *offset);
	/* to the current output (the terminal, a pipeline or a shell pipe) */
	int (*printf)(pmdb_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
	/* run walker name, from *start when start is not NULL */
	int (*walk)(pmdb_ctx *ctx, const char *name, const uint64_t *start, const char *arg,
		    pmdb_walk_cb *cb, void *cbarg);
	/* an mdb expression: "main+0x10", "*_dl_argv", "<rsp+8" */
	int (*eval)(pmdb_ctx *ctx, const char *expr, uint64_t *val);
	/* set the pending error; returns -1 */
	int (*fail)(pmdb_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
	/* "pmdb: ..." on stderr, the command goes on */
	void (*warn)(pmdb_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

typedef const struct pmdb_module *pmdb_module_init_fn(const struct pmdb_services *svc);

#endif
