/* Errors are values: NULL means success, anything else is a heap-allocated
 * pm_err that the caller must free with pm_err_free() (or pass upward).
 * A fault error carries the address that could not be read. */
#ifndef PM_ERR_H
#define PM_ERR_H

#include <stdint.h>
#include <stdbool.h>

enum pm_err_code {
	PM_ERR_GENERIC = 1,
	PM_ERR_NOMEM,
	PM_ERR_FAULT,    /* memory not in the dump */
	PM_ERR_SYNTAX,   /* language syntax error */
	PM_ERR_LOOKUP,   /* unknown symbol, dcmd, register, thread */
	PM_ERR_IO,
	PM_ERR_FORMAT,   /* malformed input file */
	PM_ERR_REPORTED, /* failed, and the reason was already printed */
};

struct pm_err {
	enum pm_err_code code;
	uint64_t addr;   /* PM_ERR_FAULT only */
	char msg[];
};

struct pm_err *pm_err_new(enum pm_err_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "no mapping for address 0x8 (reading what)" */
struct pm_err *pm_err_fault(uint64_t addr, const char *what);
void pm_err_free(struct pm_err *err);
/* Print "pmdb: msg" on stderr and free. Returns true if err was non-NULL. */
bool pm_err_report(struct pm_err *err);

extern struct pm_err pm_err_nomem_static;
#define PM_ERR_NOMEM_OBJ (&pm_err_nomem_static)

#endif
