/* The kernel's BTF (CONFIG_DEBUG_INFO_BTF), read from the dump between
 * __start_BTF and __stop_BTF: structure layouts without vmlinux.  Only
 * what pmdb needs today: a struct's members by name, their offsets,
 * types and sizes. */
#include "btf.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

#define BTF_MAGIC 0xeb9f
#define MAX_BTF (64u << 20)

/* bytes after the common header, by kind */
static size_t extra(const struct pm_btf_type *t)
{
	switch (pm_btf_kind(t)) {
	case PM_BTF_INT: return 4;
	case PM_BTF_ARRAY: return 12;
	case PM_BTF_STRUCT: case PM_BTF_UNION: return 12ull * pm_btf_vlen(t);
	case PM_BTF_ENUM: return 8ull * pm_btf_vlen(t);
	case PM_BTF_FUNC_PROTO: return 8ull * pm_btf_vlen(t);
	case PM_BTF_VAR: return 4;
	case PM_BTF_DATASEC: return 12ull * pm_btf_vlen(t);
	case PM_BTF_DECL_TAG: return 4;
	case PM_BTF_ENUM64: return 12ull * pm_btf_vlen(t);
	default: return 0;
	}
}

const struct pm_btf_type *pm_btf_type(const struct pm_btf *b, uint32_t id)
{
	return id && id < b->ntypes ? (const struct pm_btf_type *)(b->types + b->offsets[id]) : NULL;
}

const char *pm_btf_str(const struct pm_btf *b, uint32_t off)
{
	return off < b->str_len ? b->strs + off : "";
}

struct pm_err *pm_btf_load(struct pm_btf *b, const unsigned char *blob, size_t len)
{
	memset(b, 0, sizeof(*b));
	uint32_t h[6];
	uint16_t magic;
	if (len < 24)
		return pm_err_new(PM_ERR_FORMAT, "BTF: %zu bytes, too short", len);
	memcpy(&magic, blob, 2);
	memcpy(h, blob + 4, sizeof(h));   /* hdr_len, type_off, type_len, str_off, str_len */
	uint32_t hdr_len = h[0], type_off = h[1], type_len = h[2], str_off = h[3], str_len = h[4];
	/* the kernel's own check too: types are read as 32-bit words */
	if (magic != BTF_MAGIC || hdr_len > len || (uint64_t)hdr_len + type_off + type_len > len ||
	    (hdr_len + type_off) % 4 ||
	    (uint64_t)hdr_len + str_off + str_len > len || str_len == 0)
		return pm_err_new(PM_ERR_FORMAT, "BTF: not a BTF blob (magic 0x%x)", magic);
	b->blob = xmalloc(len);
	memcpy(b->blob, blob, len);
	b->types = b->blob + hdr_len + type_off;
	b->strs = (const char *)b->blob + hdr_len + str_off;
	b->str_len = str_len;
	if (b->strs[str_len - 1] != 0) {      /* every string must end inside the section */
		pm_btf_free(b);
		return pm_err_new(PM_ERR_FORMAT, "BTF: the string section does not end in a NUL");
	}
	size_t cap = 0;
	vec_reserve(&b->offsets, &cap, 1, sizeof(*b->offsets));
	b->offsets[0] = 0;      /* id 0 is void */
	b->ntypes = 1;
	for (size_t off = 0; off + sizeof(struct pm_btf_type) <= type_len;) {
		const struct pm_btf_type *t = (const struct pm_btf_type *)(b->types + off);
		size_t next = off + sizeof(*t) + extra(t);
		if (next > type_len)
			break;
		vec_reserve(&b->offsets, &cap, b->ntypes + 1, sizeof(*b->offsets));
		b->offsets[b->ntypes++] = (uint32_t)off;
		off = next;
	}
	return NULL;
}

void pm_btf_free(struct pm_btf *b)
{
	free(b->blob);
	free(b->offsets);
	memset(b, 0, sizeof(*b));
}

/* Follow typedefs and qualifiers. */
static uint32_t resolve(const struct pm_btf *b, uint32_t id)
{
	for (int i = 0; i < 32; i++) {
		const struct pm_btf_type *t = pm_btf_type(b, id);
		if (!t)
			return 0;
		unsigned k = pm_btf_kind(t);
		if (k != PM_BTF_TYPEDEF && k != PM_BTF_VOLATILE && k != PM_BTF_CONST && k != PM_BTF_RESTRICT && k != PM_BTF_TYPE_TAG)
			return id;
		id = t->size_or_type;
	}
	return 0;
}

uint32_t pm_btf_find_struct(const struct pm_btf *b, const char *name)
{
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct pm_btf_type *t = pm_btf_type(b, id);
		if ((pm_btf_kind(t) == PM_BTF_STRUCT || pm_btf_kind(t) == PM_BTF_UNION) && strcmp(pm_btf_str(b, t->name_off), name) == 0)
			return id;
	}
	return 0;
}

uint32_t pm_btf_find_enum(const struct pm_btf *b, const char *name)
{
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct pm_btf_type *t = pm_btf_type(b, id);
		if ((pm_btf_kind(t) == PM_BTF_ENUM || pm_btf_kind(t) == PM_BTF_ENUM64) && strcmp(pm_btf_str(b, t->name_off), name) == 0)
			return id;
	}
	return 0;
}

uint32_t pm_btf_find_typedef(const struct pm_btf *b, const char *name)
{
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct pm_btf_type *t = pm_btf_type(b, id);
		if (pm_btf_kind(t) == PM_BTF_TYPEDEF && strcmp(pm_btf_str(b, t->name_off), name) == 0)
			return id;
	}
	return 0;
}

bool pm_btf_enumerator(const struct pm_btf *b, uint32_t id, unsigned i, const char **name,
		       int64_t *value)
{
	const struct pm_btf_type *t = pm_btf_type(b, id);
	if (!t || (pm_btf_kind(t) != PM_BTF_ENUM && pm_btf_kind(t) != PM_BTF_ENUM64) || i >= pm_btf_vlen(t))
		return false;
	uint32_t e[3];
	if (pm_btf_kind(t) == PM_BTF_ENUM64) {      /* name, low 32 bits, high 32 bits */
		memcpy(e, (const uint32_t *)(t + 1) + 3 * i, sizeof(e));
		*value = (int64_t)((uint64_t)e[2] << 32 | e[1]);
	} else {                            /* name, value */
		memcpy(e, (const uint32_t *)(t + 1) + 2 * i, 2 * sizeof(*e));
		*value = (int32_t)e[1];
	}
	*name = pm_btf_str(b, e[0]);
	return true;
}

/* A dump's BTF is untrusted: an array of itself must not recurse forever,
 * nor a huge element count overflow. */
static uint64_t size_of(const struct pm_btf *b, uint32_t id, int depth)
{
	id = resolve(b, id);
	const struct pm_btf_type *t = pm_btf_type(b, id);
	if (!t || depth > 32)
		return 0;
	switch (pm_btf_kind(t)) {
	case PM_BTF_PTR: return 8;
	case PM_BTF_ARRAY: {
		uint32_t a[3];
		memcpy(a, t + 1, sizeof(a));   /* type, index type, nelems */
		uint64_t elem = size_of(b, a[0], depth + 1);
		return a[2] && elem > UINT64_MAX / a[2] ? 0 : elem * a[2];
	}
	case PM_BTF_INT: case PM_BTF_STRUCT: case PM_BTF_UNION: case PM_BTF_ENUM: case PM_BTF_ENUM64: case PM_BTF_FLOAT:
		return t->size_or_type;
	default:
		return 0;
	}
}

uint64_t pm_btf_size(const struct pm_btf *b, uint32_t id)
{
	return size_of(b, id, 0);
}

/* The width of a bit-field member (0 for a whole member): kind_flag
 * structs keep it beside the offset, others in the int type's encoding. */
static unsigned bitfield_size(const struct pm_btf *b, bool kflag, uint32_t offword, uint32_t type)
{
	if (kflag)
		return offword >> 24;
	const struct pm_btf_type *t = pm_btf_type(b, resolve(b, type));
	if (!t || pm_btf_kind(t) != PM_BTF_INT)
		return 0;
	uint32_t enc;
	memcpy(&enc, t + 1, sizeof(enc));
	unsigned nbits = enc & 0xff, at = (enc >> 16) & 0xff;
	return nbits != 8 * t->size_or_type || at ? nbits : 0;
}

/* One member of struct/union id, searching anonymous members too; bit
 * offset from the start of id, and its bit-field width (0: not one). */
static bool member(const struct pm_btf *b, uint32_t id, const char *name, uint64_t *bits,
		   uint32_t *type, unsigned *width, int depth, unsigned *budget)
{
	const struct pm_btf_type *t = pm_btf_type(b, resolve(b, id));
	if (!t || depth > 8 || (pm_btf_kind(t) != PM_BTF_STRUCT && pm_btf_kind(t) != PM_BTF_UNION))
		return false;
	/* anonymous members of a hostile BTF may nest each other many times
	 * over: a budget of members looked at bounds the search */
	if (*budget < pm_btf_vlen(t))
		return false;
	*budget -= pm_btf_vlen(t);
	bool kflag = pm_btf_kflag(t);
	const uint32_t *m = pm_btf_words(t);
	for (unsigned i = 0; i < pm_btf_vlen(t); i++, m += 3) {
		uint64_t off = kflag ? (m[2] & 0xffffff) : m[2];
		const char *mn = pm_btf_str(b, m[0]);
		if (*mn && strcmp(mn, name) == 0) {
			*bits = off;
			*type = m[1];
			*width = bitfield_size(b, kflag, m[2], m[1]);
			return true;
		}
		uint64_t inner;
		if (!*mn && member(b, m[1], name, &inner, type, width, depth + 1, budget)) {
			*bits = off + inner;
			return true;
		}
	}
	return false;
}

bool pm_btf_member_bits(const struct pm_btf *b, uint32_t id, const char *path, uint64_t *bit_offset,
			unsigned *width, uint32_t *type)
{
	char *copy = xstrdup(path), *rest = copy, *part;
	uint64_t total = 0;
	unsigned w = 0;
	bool ok = true;
	while (ok && (part = strsep(&rest, ".")) != NULL) {
		uint64_t bits;
		unsigned budget = 1u << 16;
		ok = member(b, id, part, &bits, &id, &w, 0, &budget);
		total += bits;
	}
	free(copy);
	if (!ok)
		return false;
	*bit_offset = total;
	if (width)
		*width = w;
	if (type)
		*type = id;
	return true;
}

bool pm_btf_member(const struct pm_btf *b, uint32_t id, const char *path, uint64_t *offset,
		   uint32_t *type)
{
	uint64_t bits;
	if (!pm_btf_member_bits(b, id, path, &bits, NULL, type) || bits % 8)
		return false;
	*offset = bits / 8;
	return true;
}

bool pm_btf_datasec_var(const struct pm_btf *b, const char *sec, const char *var, uint32_t *offset,
			uint32_t *sec_size)
{
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct pm_btf_type *t = pm_btf_type(b, id);
		if (pm_btf_kind(t) != PM_BTF_DATASEC || strcmp(pm_btf_str(b, t->name_off), sec) != 0)
			continue;
		const uint32_t *v = pm_btf_words(t);      /* a VAR's type id, offset, size */
		for (unsigned i = 0; i < pm_btf_vlen(t); i++, v += 3) {
			const struct pm_btf_type *vt = pm_btf_type(b, v[0]);
			if (vt && pm_btf_kind(vt) == PM_BTF_VAR && strcmp(pm_btf_str(b, vt->name_off), var) == 0) {
				*offset = v[1];
				*sec_size = t->size_or_type;
				return true;
			}
		}
	}
	return false;
}
