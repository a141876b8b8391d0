#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pm_err pm_err_nomem_static = { .code = PM_ERR_NOMEM };

static struct pm_err *err_vnew(enum pm_err_code code, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	struct pm_err *err = malloc(sizeof(*err) + (size_t)n + 1);
	if (!err)
		return PM_ERR_NOMEM_OBJ;
	err->code = code;
	err->addr = 0;
	vsnprintf(err->msg, (size_t)n + 1, fmt, ap);
	return err;
}

struct pm_err *pm_err_new(enum pm_err_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct pm_err *err = err_vnew(code, fmt, ap);
	va_end(ap);
	return err;
}

struct pm_err *pm_err_fault(uint64_t addr, const char *what)
{
	struct pm_err *err;
	if (what && *what)
		err = pm_err_new(PM_ERR_FAULT, "no mapping for address 0x%llx (reading %s)",
				 (unsigned long long)addr, what);
	else
		err = pm_err_new(PM_ERR_FAULT, "no mapping for address 0x%llx",
				 (unsigned long long)addr);
	if (err != PM_ERR_NOMEM_OBJ)
		err->addr = addr;
	return err;
}

void pm_err_free(struct pm_err *err)
{
	if (err && err != PM_ERR_NOMEM_OBJ)
		free(err);
}

bool pm_err_report(struct pm_err *err)
{
	if (!err)
		return false;
	if (err == PM_ERR_NOMEM_OBJ)
		fprintf(stderr, "pmdb: out of memory\n");
	else if (err->code != PM_ERR_REPORTED)
		fprintf(stderr, "pmdb: %s\n", err->msg);
	pm_err_free(err);
	return true;
}
