/* The vmap_area holding an address, from vmap_area_list (see vmalloc.h). */
#include "vmalloc.h"
#include "kernel.h"
#include "kmem.h"
#include "ktypes.h"
#include "../base/addrset.h"

#include <string.h>

#define MAX_AREAS (1u << 22)

struct pm_err *pm_vmap_area(struct pm_target *t, uint64_t addr, struct pm_vmap_area *out,
			    bool *found)
{
	const struct pm_vmcoreinfo *vi = &t->kernel->vi;
	uint64_t head, end_off, vm_off, caller_off;
	int64_t start_off, list_off;
	*found = false;
	memset(out, 0, sizeof(*out));
	if (!pm_vmcoreinfo_symbol(vi, "vmap_area_list", &head) ||
	    !pm_vmcoreinfo_number(vi, "OFFSET", "vmap_area.va_start", &start_off) ||
	    !pm_vmcoreinfo_number(vi, "OFFSET", "vmap_area.list", &list_off) ||
	    !pm_ktype_member(t, "vmap_area", "va_end", &end_off, NULL))
		return pm_err_new(PM_ERR_LOOKUP, "vmap_area_list or struct vmap_area is unknown");
	bool has_vm = pm_ktype_member(t, "vmap_area", "vm", &vm_off, NULL) &&
		      pm_ktype_member(t, "vm_struct", "caller", &caller_off, NULL);
	struct pm_addrset seen = { 0 };
	struct pm_err *err = NULL;
	bool ok = true;
	for (uint64_t e = pm_kmem_rd(t, head, 8, &ok); ok && e != head; e = pm_kmem_rd(t, e, 8, &ok)) {
		if (!pm_addrset_add(&seen, e) || seen.n > MAX_AREAS) {
			err = pm_err_new(PM_ERR_FORMAT, "vmap_area_list loops");
			break;
		}
		uint64_t va = e - (uint64_t)list_off;
		uint64_t start = pm_kmem_rd(t, va + (uint64_t)start_off, 8, &ok);
		uint64_t end = pm_kmem_rd(t, va + end_off, 8, &ok);
		if (ok && addr >= start && addr < end) {
			bool vm_ok = true;     /* the caller is a detail: unreadable, it stays 0 */
			*out = (struct pm_vmap_area){ .addr = va, .start = start, .end = end };
			if (has_vm && (out->vm = pm_kmem_rd(t, va + vm_off, 8, &vm_ok)))
				out->caller = pm_kmem_rd(t, out->vm + caller_off, 8, &vm_ok);
			*found = true;
			break;
		}
	}
	pm_addrset_free(&seen);
	if (!err && !ok)
		err = pm_err_fault(head, "vmap_area_list");
	return err;
}
