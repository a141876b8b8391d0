/* vmalloc space: the vmap_area an address is in (the vmap_area_list
 * VMCOREINFO names), with the vm_struct's caller. */
#ifndef PM_VMALLOC_H
#define PM_VMALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "../target/target.h"

struct pm_vmap_area {
	uint64_t addr, vm;         /* struct vmap_area, its struct vm_struct (0 if none) */
	uint64_t start, end;       /* [va_start, va_end) */
	uint64_t caller;           /* vm_struct.caller: who asked for it (0 if unknown) */
};

/* *found is false when no area holds addr. */
struct pm_err *pm_vmap_area(struct pm_target *t, uint64_t addr, struct pm_vmap_area *out,
			    bool *found);

#endif
