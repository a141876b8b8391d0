/* An example pmdb module: the walker ptrs (a NULL-terminated array of
 * pointers, such as argv or environ) and the dcmd ::argv, which prints
 * the crashed process's arguments, found through ld.so's _dl_argv.
 *
 * Build: make dmod-example (build/dmod/example.so); in pmdb:
 *     ::load build/dmod/example.so
 *     ::argv
 *     *_dl_argv::walk ptrs | /s */
#include <pmdb/module.h>

#include <stdlib.h>

static const struct pmdb_services *svc;

#define MAX_PTRS 100000   /* an unterminated array must not walk forever */

static int ptrs_init(pmdb_ctx *ctx, struct pmdb_walk_state *ws)
{
	if (!ws->has_addr)
		return svc->fail(ctx, "walker ptrs needs the array's address: addr::walk ptrs");
	ws->data = calloc(1, sizeof(size_t));
	return ws->data ? PMDB_WALK_NEXT : svc->fail(ctx, "out of memory");
}

static int ptrs_step(pmdb_ctx *ctx, struct pmdb_walk_state *ws, uint64_t *elem)
{
	size_t *count = ws->data;
	uint64_t p;
	if (svc->read(ctx, ws->addr, &p, sizeof(p)) != 0)
		return PMDB_WALK_ERR;
	if (p == 0)
		return PMDB_WALK_DONE;
	if (++*count > MAX_PTRS)
		return svc->fail(ctx, "walker ptrs: no NULL in the first %d pointers", MAX_PTRS);
	*elem = p;
	ws->addr += sizeof(p);
	return PMDB_WALK_NEXT;
}

static void ptrs_fini(pmdb_ctx *ctx, struct pmdb_walk_state *ws)
{
	(void)ctx;
	free(ws->data);
}

struct argv_print {
	pmdb_ctx *ctx;
	int i;
	int failed;
};

static int print_arg(uint64_t addr, void *arg)
{
	struct argv_print *ap = arg;
	char buf[4096];
	if (svc->read_str(ap->ctx, addr, buf, sizeof(buf)) != 0) {
		ap->failed = 1;
		return 1;
	}
	svc->printf(ap->ctx, "argv[%d] = \"%s\"\n", ap->i++, buf);
	return 0;
}

static int argv_dcmd(pmdb_ctx *ctx, const struct pmdb_call *call)
{
	uint64_t argv;
	if (call->argc > 1)
		return svc->fail(ctx, "usage: ::argv");
	if (call->has_addr)
		argv = call->addr;
	else if (svc->eval(ctx, "*_dl_argv", &argv) != 0)
		return -1;
	struct argv_print ap = { ctx, 0, 0 };
	if (svc->walk(ctx, "ptrs", &argv, NULL, print_arg, &ap) != 0 || ap.failed)
		return -1;
	return 0;
}

static const struct pmdb_dcmd dcmds[] = {
	{ "argv", "[addr]", "the process's arguments",
	  "Prints argv[0], argv[1], ... of the crashed process, read from ld.so's _dl_argv\n"
	  "(or from the argv array at addr).", argv_dcmd },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct pmdb_walker walkers[] = {
	{ "ptrs", "addr::walk ptrs: each pointer of a NULL-terminated array", ptrs_init, ptrs_step,
	  ptrs_fini, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};

static const struct pmdb_module module = {
	PMDB_API_VERSION, "example", "example module: ::argv and the ptrs walker", dcmds, walkers,
	NULL,
};

const struct pmdb_module *pmdb_module_init(const struct pmdb_services *s)
{
	if (s->version != PMDB_API_VERSION || s->size < sizeof(*s))
		return NULL;
	svc = s;
	return &module;
}
