/* The DIE scopes around a pc (scopes.c). */
#ifndef PM_SCOPES_H
#define PM_SCOPES_H

#include <elfutils/libdw.h>

/* Scopes holding pc (module-relative), innermost first, ending with the
 * CU: blocks, inlined calls (concrete DIEs, as nested in the tree), the
 * subprogram and its enclosing DIEs.  Returns the count (0: none) and a
 * malloc'd array in *out. */
int pm_scopes(Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die **out);

#endif
