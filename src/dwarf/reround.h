/* A new libdwfl reporting round that keeps the modules already reported
 * but some: how pmdb replaces a module libdwfl made on its own (the vDSO
 * without a file, a stripped executable in place of the one given). */
#ifndef PMDB_DWARF_REROUND_H
#define PMDB_DWARF_REROUND_H

#include <elfutils/libdwfl.h>
#include <stdbool.h>

/* True for a module the new round is to drop. */
typedef bool pm_module_drop_fn(Dwfl_Module *mod, Dwarf_Addr start, Dwarf_Addr end, void *arg);

/* dwfl_report_begin, then every module DROP keeps reported again with its
 * name and address range (libdwfl keeps its files and debug info); the
 * caller reports what replaces the others and calls dwfl_report_end, at
 * which the modules not reported again are freed. */
void pm_reround_begin(Dwfl *dwfl, pm_module_drop_fn *drop, void *arg);

#endif
