/* Kernel structure layouts from the dump's BTF (see ktypes.h). */
#include "ktypes.h"
#include "kernel.h"

static struct pm_btf *btf(struct pm_target *t)
{
	struct pm_btf *b = NULL;
	struct pm_err *err = pm_kernel_btf(t, &b);
	pm_err_free(err);
	return err ? NULL : b;
}

bool pm_ktype_member(struct pm_target *t, const char *type, const char *member, uint64_t *off,
		     uint64_t *size)
{
	struct pm_btf *b = btf(t);
	uint32_t id, mtype;
	if (!b || !(id = pm_btf_find_struct(b, type)) || !pm_btf_member(b, id, member, off, &mtype))
		return false;
	if (size)
		*size = pm_btf_size(b, mtype);
	return true;
}

bool pm_ktype_bits(struct pm_target *t, const char *type, const char *member, uint64_t *bit_off,
		   unsigned *width)
{
	struct pm_btf *b = btf(t);
	uint32_t id, mtype;
	if (!b || !(id = pm_btf_find_struct(b, type)) ||
	    !pm_btf_member_bits(b, id, member, bit_off, width, &mtype))
		return false;
	if (*width == 0)
		*width = (unsigned)(8 * pm_btf_size(b, mtype));
	return *width > 0 && *width <= 64;
}

uint64_t pm_ktype_size(struct pm_target *t, const char *type)
{
	struct pm_btf *b = btf(t);
	uint32_t id = b ? pm_btf_find_struct(b, type) : 0;
	return id ? pm_btf_size(b, id) : 0;
}

bool pm_ktype_enumerator(struct pm_target *t, const char *type, unsigned i, const char **name,
			 int64_t *value)
{
	struct pm_btf *b = btf(t);
	uint32_t id = b ? pm_btf_find_enum(b, type) : 0;
	return id && pm_btf_enumerator(b, id, i, name, value);
}
