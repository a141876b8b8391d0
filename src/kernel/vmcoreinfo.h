/* VMCOREINFO: the kernel's note of facts for dump readers (symbol
 * addresses, structure sizes and offsets, numbers), "KEY=VALUE" lines. */
#ifndef PM_VMCOREINFO_H
#define PM_VMCOREINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_vmcoreinfo {
	char *text;            /* a copy, NUL-terminated */
	char **keys, **values; /* pointers into text */
	size_t n;
};

void pm_vmcoreinfo_parse(struct pm_vmcoreinfo *vi, const char *data, size_t len);
void pm_vmcoreinfo_free(struct pm_vmcoreinfo *vi);
/* The raw value of KEY ("OSRELEASE", "SYMBOL(prb)"), or NULL. */
const char *pm_vmcoreinfo_get(const struct pm_vmcoreinfo *vi, const char *key);
/* SYMBOL(name) and KERNELOFFSET are hex; NUMBER, OFFSET, SIZE, LENGTH
 * decimal (NUMBER may be negative).  False if absent or malformed. */
bool pm_vmcoreinfo_symbol(const struct pm_vmcoreinfo *vi, const char *name, uint64_t *v);
bool pm_vmcoreinfo_number(const struct pm_vmcoreinfo *vi, const char *kind, const char *name,
			  int64_t *v);

#endif
