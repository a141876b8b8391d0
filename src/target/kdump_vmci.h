/* Checks of a kdump-compressed file's VMCOREINFO before libkdumpfile. */
#ifndef PM_TARGET_KDUMP_VMCI_H
#define PM_TARGET_KDUMP_VMCI_H

#include <stdint.h>

/* What in the VMCOREINFO text (sub-header and note) libkdumpfile cannot
 * take, or NULL.  sub is the sub-header's first ten 64-bit words (the
 * VMCOREINFO at words 4-5, the notes at 6-7: offset and size). */
const char *pm_kdump_vmcoreinfo_problem(int fd, int version, const uint64_t sub[10], uint64_t fsize);

#endif
