/* Where a file the dump records is on this machine: under --sysroot, by
 * file name in the --solib-path folders (libraries only), then at the
 * recorded path itself, as gdb's sysroot and solib-search-path do. */
#ifndef PM_RESOLVE_H
#define PM_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

/* NULL or "" for either: not set.  SOLIB_PATH is ':'-separated. */
void pm_resolve_configure(const char *sysroot, const char *solib_path);
const char *pm_resolve_sysroot(void);

/* PATH, named on the command line, is tried first for RECORDED. */
void pm_resolve_given(const char *recorded, const char *path);

/* The first candidate for RECORDED that is readable and carries build-id
 * ID (any file when idlen is 0), malloc'd, or NULL.  A candidate with
 * another build-id is refused with a warning, and *mismatch (if given)
 * set when that is why nothing was found.  Each place tried goes in the
 * lookup log; the answer is remembered, so later callers get it again
 * without new warnings. */
char *pm_resolve_file(const char *recorded, bool lib, const unsigned char *id, size_t idlen,
		      bool *mismatch);

void pm_resolve_end(void);

#endif
