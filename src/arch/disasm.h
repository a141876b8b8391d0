/* Disassembly with capstone (AT&T syntax on x86-64). */
#ifndef PM_DISASM_H
#define PM_DISASM_H

#include <stddef.h>
#include <stdint.h>

#include "../pmdb.h"

/* Decode the instruction at addr.  text gets "mnemonic operands" and, for
 * direct branches, " <sym+off>"; *len its size in bytes. */
struct pm_err *pm_disasm_one(struct pmdb *db, uint64_t addr, char *text, size_t textlen,
			     unsigned *len);

/* The same for n bytes already read, which start at addr. */
struct pm_err *pm_disasm_bytes(struct pmdb *db, uint64_t addr, const uint8_t *buf, size_t n,
			       char *text, size_t textlen, unsigned *len);

#endif
