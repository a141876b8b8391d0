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
/* Type units (gcc -fdebug-types-section) packed in a package: the type
 * that attribute A (DW_FORM_ref_sig8, of a DIE of one of the package's
 * unit images) names, in *out; false when A's DIE is not from a package
 * or the package has no such type unit. */
bool pm_dwp_type_unit(Dwarf_Attribute *a, Dwarf_Die *out);
/* FN on the unit DIE of each type unit of MOD's package until it returns
 * true (then true). */
bool pm_dwp_each_type_unit(Dwfl_Module *mod, bool (*fn)(Dwarf_Die *unit, void *arg), void *arg);
/* Whether DW is one of the packages' unit images. */
bool pm_dwp_owns(Dwarf *dw);
/* Frees every package and unit image; at the end of a debug session. */
void pm_dwp_end(void);

#endif
