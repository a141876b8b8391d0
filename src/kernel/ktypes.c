/* Kernel structure layouts from the dump's BTF (see ktypes.h). */
#include "ktypes.h"
#include "kernel.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

/* Type ids by name: finding one scans all of BTF, and ::whatis asks
 * for the same few dozen again and again. */
struct pm_ktypes {
	struct { char *name; uint32_t id; } *v;
	size_t n, cap;
};

void pm_ktypes_free(struct pm_ktypes *c)
{
	for (size_t i = 0; c && i < c->n; i++)
		free(c->v[i].name);
	if (c)
		free(c->v);
	free(c);
}

static struct pm_btf *btf(struct pm_target *t)
{
	struct pm_btf *b = NULL;
	struct pm_err *err = pm_kernel_btf(t, &b);
	pm_err_free(err);
	return err ? NULL : b;
}

/* The id of struct NAME (enum NAME with is_enum), 0 if none. */
static uint32_t find(struct pm_target *t, struct pm_btf *b, const char *name, bool is_enum)
{
	struct pm_kernel *k = t->kernel;
	if (!k->ktypes)
		k->ktypes = xcalloc(1, sizeof(*k->ktypes));
	struct pm_ktypes *c = k->ktypes;
	char *key = xasprintf("%s %s", is_enum ? "enum" : "struct", name);
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, key) == 0) {
			free(key);
			return c->v[i].id;
		}
	vec_reserve(&c->v, &c->cap, c->n + 1, sizeof(*c->v));
	c->v[c->n].name = key;
	c->v[c->n].id = is_enum ? pm_btf_find_enum(b, name) : pm_btf_find_struct(b, name);
	return c->v[c->n++].id;
}

bool pm_ktype_member(struct pm_target *t, const char *type, const char *member, uint64_t *off,
		     uint64_t *size)
{
	struct pm_btf *b = btf(t);
	uint32_t id, mtype;
	if (!b || !(id = find(t, b, type, false)) || !pm_btf_member(b, id, member, off, &mtype))
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
	if (!b || !(id = find(t, b, type, false)) ||
	    !pm_btf_member_bits(b, id, member, bit_off, width, &mtype))
		return false;
	if (*width == 0)
		*width = (unsigned)(8 * pm_btf_size(b, mtype));
	return *width > 0 && *width <= 64;
}

uint64_t pm_ktype_size(struct pm_target *t, const char *type)
{
	struct pm_btf *b = btf(t);
	uint32_t id = b ? find(t, b, type, false) : 0;
	return id ? pm_btf_size(b, id) : 0;
}

bool pm_ktype_enumerator(struct pm_target *t, const char *type, unsigned i, const char **name,
			 int64_t *value)
{
	struct pm_btf *b = btf(t);
	uint32_t id = b ? find(t, b, type, true) : 0;
	return id && pm_btf_enumerator(b, id, i, name, value);
}
