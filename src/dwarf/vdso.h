/* The vDSO of a core, reported to libdwfl from the core's own bytes. */
#ifndef PM_VDSO_H
#define PM_VDSO_H

#include <elfutils/libdwfl.h>

struct pm_target;

/* Call after the core's modules are reported: the vDSO images found in
 * the core replace libdwfl's modules there, which have no file: libdwfl
 * builds them from the core's bytes only when the core's Elf is mmap'd,
 * which pmdb avoids (src/target/pagecache.h). */
void pm_vdso_report(Dwfl *dwfl, struct pm_target *t);

#endif
