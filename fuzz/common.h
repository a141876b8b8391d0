/* Shared by the libFuzzer harnesses: open bytes as a dump and run commands
 * on it, with the output thrown away. */
#ifndef PMDB_FUZZ_COMMON_H
#define PMDB_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "pmdb.h"
#include "cmd/cmds.h"

/* The bytes in a new memfd; path gets its /proc/self/fd name. */
int fuzz_memfd(const uint8_t *data, size_t size, char *path, size_t cap);

/* Open the bytes as a dump (through a memfd, so the readers see a real
 * file), run cmds when it opens, and close it again. */
void fuzz_dump(const uint8_t *data, size_t size, const char *cmds);

/* Open dump (with exe, or NULL), run cmds when it opens, close it again. */
void fuzz_run(const char *dump, const char *exe, const char *cmds);

/* A session on an opened dump, output to /dev/null. */
void fuzz_session_init(struct pmdb *db, struct pm_target *t, struct pm_dwarf *dw);

#endif
