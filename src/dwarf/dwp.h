/* DWARF packages (.dwp): the split units of a program packed into one
 * file by binutils' dwp or llvm-dwp.  libdw reads them only from elfutils
 * 0.191 on, so pmdb finds the unit itself and hands libdw an image of it
 * (dwp_index.h, dwp_image.h). */
#ifndef PM_DWP_H
#define PM_DWP_H

#include <elfutils/libdwfl.h>
#include <stdbool.h>

/* The split unit that skeleton CU SKEL of MOD stands for, from MOD's
 * package (looked for beside its file and debug file, then in the debug
 * folders), in *out.  False when there is no usable package or it does
 * not hold that unit (each problem is warned about once). */
bool pm_dwp_split(Dwfl_Module *mod, Dwarf_Die *skel, Dwarf_Die *out);
/* The package MOD uses, or NULL.  Looks for it when MOD has skeleton
 * units libdw could not resolve, so that ::modinfo's look log lists it. */
const char *pm_dwp_path(Dwfl_Module *mod);
/* Frees every package and unit image; at the end of a debug session. */
void pm_dwp_end(void);

#endif
