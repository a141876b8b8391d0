/* GNU build-ids: of an ELF image in target memory, and of a file. */
#ifndef PM_BUILDID_H
#define PM_BUILDID_H

#include <stddef.h>
#include <stdint.h>

#include "target.h"

/* Build-id of the ELF image whose header is at addr in t's memory.
 * Returns its length (0 if none could be read) and copies at most max bytes. */
size_t pm_buildid_from_memory(struct pm_target *t, uint64_t addr, unsigned char *id, size_t max);
/* Build-id of an ELF file on disk; 0 if none or unreadable. */
size_t pm_buildid_from_file(const char *path, unsigned char *id, size_t max);
/* Lower-case hex, into buf of at least 2*len+1 bytes. */
char *pm_buildid_hex(const unsigned char *id, size_t len, char *buf);

#endif
