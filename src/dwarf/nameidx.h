/* An index of the names a C module's DWARF defines at file scope (types
 * and variables), for modules too big to search CU by CU on every lookup:
 * vmlinux has 2,352 CUs and 3.9 million top-level DIEs, 0.4 s a scan
 * (nameidx.c). */
#ifndef PM_NAMEIDX_H
#define PM_NAMEIDX_H

#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/err.h"

struct pm_nameidx;

/* Write the index of MOD's DWARF to fd: for each name and tag, the first
 * DIE in .debug_info order that a lookup would take (no declarations;
 * for variables, the first definition with a location and the first
 * declaration with a type).  ID is MOD's build-id, recorded in the file. */
struct pm_err *pm_nameidx_write(Dwfl_Module *mod, const unsigned char *id, int idlen, int fd);
/* Is fd a complete index for build-id ID? */
bool pm_nameidx_check(int fd, const unsigned char *id, int idlen);
/* Map the index in fd (checked); NULL if it is not one. */
struct pm_nameidx *pm_nameidx_open(int fd);
void pm_nameidx_close(struct pm_nameidx *x);

/* The offset in .debug_info of the first DIE named NAME whose tag is
 * one of TAGS (0-terminated); with DECL, of a variable's declaration. */
bool pm_nameidx_first(const struct pm_nameidx *x, const char *name, const int *tags, bool decl,
		      uint64_t *die);

#endif
