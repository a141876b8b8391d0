/* Crash signatures: the class and the top functions of the analysed
 * thread, normalized so that the same bug gives the same signature across
 * runs, address-space layouts, builds of the same source and machines:
 * "null-deref: inner < middle < outer < main", and a 64-bit hash of it. */
#ifndef PM_SIGNATURE_H
#define PM_SIGNATURE_H

#include "analyze.h"

#define PM_SIG_FRAMES 5      /* functions in a signature */

struct pm_signature {
	char *text;
	char hash[17];           /* FNV-1a 64 of text, 16 hex digits */
};

void pm_signature_make(struct pmdb *db, const struct pm_verdict *v, struct pm_signature *sig);
void pm_signature_free(struct pm_signature *sig);

/* A function name for signatures (symnorm.c): demangled, without
 * parameters, template/generic arguments, return type, clone suffixes
 * (.cold, .isra.N, ...), symbol version or Rust hash.  malloc'd. */
char *pm_sig_function(const char *name);

/* A frame without a symbol: "module+0xoffset" (the module's file name and
 * the offset in it, which stay put when the module moves), or "?".
 * malloc'd. */
char *pm_sig_unnamed(struct pm_dwarf *d, uint64_t pc);

/* The module whose range holds pc, or NULL. */
const struct pm_module_info *pm_module_at(struct pm_dwarf *d, uint64_t pc);

uint64_t pm_fnv1a64(const char *s);

#endif
