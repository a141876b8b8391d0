/* The services table handed to modules, and the pending error that
 * walkers and module dcmds leave when they fail. */
#include "cmds.h"
#include "registry.h"
#include "../base/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* One session per process, and commands run one at a time. */
static struct pm_err *pending;

int pm_svc_fail_err(struct pm_err *err)
{
	pm_err_free(pending);
	pending = err;
	return -1;
}

struct pm_err *pm_svc_take_err(const char *what)
{
	struct pm_err *err = pending;
	pending = NULL;
	if (!err && what)
		err = pm_err_new(PM_ERR_GENERIC, "%s failed without saying why", what);
	return err;
}

/* A service's own error becomes the pending one. */
static int result(struct pm_err *err)
{
	return err ? pm_svc_fail_err(err) : 0;
}

static int svc_read(pmdb_ctx *ctx, uint64_t addr, void *buf, size_t len)
{
	return result(pm_target_read(pm_db(ctx)->t, addr, buf, len, "a module's read"));
}

static int svc_read_str(pmdb_ctx *ctx, uint64_t addr, char *buf, size_t len)
{
	if (len == 0)
		return pm_svc_fail_err(pm_err_new(PM_ERR_GENERIC, "read_str: no room for the string"));
	char *s;
	struct pm_err *err = pm_target_read_str(pm_db(ctx)->t, addr, len - 1, &s);
	if (err)
		return pm_svc_fail_err(err);
	snprintf(buf, len, "%s", s);
	free(s);
	return 0;
}

static int svc_lookup_name(pmdb_ctx *ctx, const char *name, uint64_t *addr)
{
	struct pmdb *db = pm_db(ctx);
	if (!db->dw)
		return pm_svc_fail_err(pm_err_new(PM_ERR_LOOKUP, "no symbols: no core file is open"));
	return result(pm_sym_by_name(db->dw, name, addr));
}

static int svc_lookup_addr(pmdb_ctx *ctx, uint64_t addr, const char **name, uint64_t *offset)
{
	struct pm_sym s;
	struct pmdb *db = pm_db(ctx);
	if (!db->dw || !pm_sym_by_addr(db->dw, addr, &s))
		return pm_svc_fail_err(pm_err_new(PM_ERR_LOOKUP, "no symbol at 0x%llx",
						  (unsigned long long)addr));
	*name = s.name;
	*offset = s.offset;
	return 0;
}

static int svc_printf(pmdb_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(pm_db(ctx)->out, fmt, ap);
	va_end(ap);
	return n;
}

static int svc_walk(pmdb_ctx *ctx, const char *name, const uint64_t *start, const char *arg,
		    pmdb_walk_cb *cb, void *cbarg)
{
	return result(pm_walk(pm_db(ctx), name, start, arg, cb, cbarg));
}

static int svc_eval(pmdb_ctx *ctx, const char *expr, uint64_t *val)
{
	return result(pm_eval_expr(pm_db(ctx), expr, val));
}

static int svc_fail(pmdb_ctx *ctx, const char *fmt, ...)
{
	(void)ctx;
	va_list ap;
	va_start(ap, fmt);
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	pm_svc_fail_err(pm_err_new(PM_ERR_GENERIC, "%s", msg ? msg : "out of memory"));
	free(msg);
	return -1;
}

static void svc_warn(pmdb_ctx *ctx, const char *fmt, ...)
{
	if (ctx)   /* NULL from pmdb_module_init, which has no session yet */
		fflush(pm_db(ctx)->out);
	va_list ap;
	va_start(ap, fmt);
	fputs("pmdb: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static const struct pmdb_services services = {
	.size = sizeof(struct pmdb_services),
	.version = PMDB_API_VERSION,
	.read = svc_read,
	.read_str = svc_read_str,
	.lookup_name = svc_lookup_name,
	.lookup_addr = svc_lookup_addr,
	.printf = svc_printf,
	.walk = svc_walk,
	.eval = svc_eval,
	.fail = svc_fail,
	.warn = svc_warn,
};

const struct pmdb_services *pm_services(void)
{
	return &services;
}
