/* Kernel structure layouts by name, for the memory dcmds (slab caches,
 * struct page): member offsets and sizes, bit-fields, structure sizes.
 * Today they come from the dump's BTF; these calls are the one place to
 * change when they come from elsewhere (vmlinux DWARF). */
#ifndef PM_KTYPES_H
#define PM_KTYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "../target/target.h"

/* A member of struct (or union) TYPE ("kmem_cache", "slab"): its byte
 * offset and size.  MEMBER may be a path ("oo.x"). */
bool pm_ktype_member(struct pm_target *t, const char *type, const char *member, uint64_t *off,
		     uint64_t *size);
/* A bit-field (or any member) in bits: offset from the start of TYPE and
 * width (the member's size in bits when it is not a bit-field). */
bool pm_ktype_bits(struct pm_target *t, const char *type, const char *member, uint64_t *bit_off,
		   unsigned *width);
/* Enumerator i of enum TYPE ("pageflags"): false past the last. */
bool pm_ktype_enumerator(struct pm_target *t, const char *type, unsigned i, const char **name,
			 int64_t *value);
/* sizeof(struct TYPE), 0 if unknown. */
uint64_t pm_ktype_size(struct pm_target *t, const char *type);

/* The lookups' cache, kept in struct pm_kernel. */
struct pm_ktypes;
void pm_ktypes_free(struct pm_ktypes *c);

#endif
