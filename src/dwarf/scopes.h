/* The DIE scopes around a pc (scopes.c). */
#ifndef PM_SCOPES_H
#define PM_SCOPES_H

#include <elfutils/libdwfl.h>

/* Scopes holding pc (module-relative), innermost first, ending with the
 * CU: blocks, inlined calls (concrete DIEs, as nested in the tree), the
 * subprogram and its enclosing DIEs.  Returns the count (0: none) and a
 * malloc'd array in *out. */
int pm_scopes(Dwfl_Module *mod, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die **out);
/* The same pc scopes, without the enclosing namespaces and types, found in
 * one walk that skips every subtree not holding pc: the innermost
 * function's ancestry from dwarf_getscopes_die costs a walk of the CU up
 * to it, seconds over a big C++ program's stacks.  0 when the walk finds
 * no scope (the caller then asks pm_scopes). */
int pm_scopes_pc_only(Dwfl_Module *mod, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die **out);

/* Split DWARF (-gsplit-dwarf): the unit in the .dwo file that a skeleton
 * CU of MOD stands for, in *buf, when libdw found it or MOD's .dwp holds
 * it (dwp.h); otherwise cu itself. */
Dwarf_Die *pm_cu_split(Dwfl_Module *mod, Dwarf_Die *cu, Dwarf_Die *buf);

#endif
