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

enum {
	K_INT = 1, K_PTR, K_ARRAY, K_STRUCT, K_UNION, K_ENUM, K_FWD, K_TYPEDEF, K_VOLATILE,
	K_CONST, K_RESTRICT, K_FUNC, K_FUNC_PROTO, K_VAR, K_DATASEC, K_FLOAT, K_DECL_TAG,
	K_TYPE_TAG, K_ENUM64,
};

struct btf_type {
	uint32_t name_off, info, size_or_type;
};

static unsigned kind_of(const struct btf_type *t) { return (t->info >> 24) & 0x1f; }
static unsigned vlen_of(const struct btf_type *t) { return t->info & 0xffff; }

/* bytes after the common header, by kind */
static size_t extra(const struct btf_type *t)
{
	switch (kind_of(t)) {
	case K_INT: return 4;
	case K_ARRAY: return 12;
	case K_STRUCT: case K_UNION: return 12ull * vlen_of(t);
	case K_ENUM: return 8ull * vlen_of(t);
	case K_FUNC_PROTO: return 8ull * vlen_of(t);
	case K_VAR: return 4;
	case K_DATASEC: return 12ull * vlen_of(t);
	case K_DECL_TAG: return 4;
	case K_ENUM64: return 12ull * vlen_of(t);
	default: return 0;
	}
}

static const struct btf_type *type_at(const struct pm_btf *b, uint32_t id)
{
	return id && id < b->ntypes ? (const struct btf_type *)(b->types + b->offsets[id]) : NULL;
}

static const char *str_at(const struct pm_btf *b, uint32_t off)
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
	if (magic != BTF_MAGIC || hdr_len > len || (uint64_t)hdr_len + type_off + type_len > len ||
	    (uint64_t)hdr_len + str_off + str_len > len || str_len == 0)
		return pm_err_new(PM_ERR_FORMAT, "BTF: not a BTF blob (magic 0x%x)", magic);
	b->blob = xmalloc(len);
	memcpy(b->blob, blob, len);
	b->types = b->blob + hdr_len + type_off;
	b->strs = (const char *)b->blob + hdr_len + str_off;
	b->str_len = str_len;
	size_t cap = 0;
	vec_reserve(&b->offsets, &cap, 1, sizeof(*b->offsets));
	b->offsets[0] = 0;      /* id 0 is void */
	b->ntypes = 1;
	for (size_t off = 0; off + sizeof(struct btf_type) <= type_len;) {
		const struct btf_type *t = (const struct btf_type *)(b->types + off);
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
		const struct btf_type *t = type_at(b, id);
		if (!t)
			return 0;
		unsigned k = kind_of(t);
		if (k != K_TYPEDEF && k != K_VOLATILE && k != K_CONST && k != K_RESTRICT && k != K_TYPE_TAG)
			return id;
		id = t->size_or_type;
	}
	return 0;
}

uint32_t pm_btf_find_struct(const struct pm_btf *b, const char *name)
{
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct btf_type *t = type_at(b, id);
		if ((kind_of(t) == K_STRUCT || kind_of(t) == K_UNION) && strcmp(str_at(b, t->name_off), name) == 0)
			return id;
	}
	return 0;
}

uint32_t pm_btf_find_enum(const struct pm_btf *b, const char *name)
{
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct btf_type *t = type_at(b, id);
		if ((kind_of(t) == K_ENUM || kind_of(t) == K_ENUM64) && strcmp(str_at(b, t->name_off), name) == 0)
			return id;
	}
	return 0;
}

bool pm_btf_enumerator(const struct pm_btf *b, uint32_t id, unsigned i, const char **name,
		       int64_t *value)
{
	const struct btf_type *t = type_at(b, id);
	if (!t || (kind_of(t) != K_ENUM && kind_of(t) != K_ENUM64) || i >= vlen_of(t))
		return false;
	uint32_t e[3];
	if (kind_of(t) == K_ENUM64) {      /* name, low 32 bits, high 32 bits */
		memcpy(e, (const uint32_t *)(t + 1) + 3 * i, sizeof(e));
		*value = (int64_t)((uint64_t)e[2] << 32 | e[1]);
	} else {                            /* name, value */
		memcpy(e, (const uint32_t *)(t + 1) + 2 * i, 2 * sizeof(*e));
		*value = (int32_t)e[1];
	}
	*name = str_at(b, e[0]);
	return true;
}

uint64_t pm_btf_size(const struct pm_btf *b, uint32_t id)
{
	id = resolve(b, id);
	const struct btf_type *t = type_at(b, id);
	if (!t)
		return 0;
	switch (kind_of(t)) {
	case K_PTR: return 8;
	case K_ARRAY: {
		uint32_t a[3];
		memcpy(a, t + 1, sizeof(a));   /* type, index type, nelems */
		return pm_btf_size(b, a[0]) * a[2];
	}
	case K_INT: case K_STRUCT: case K_UNION: case K_ENUM: case K_ENUM64: case K_FLOAT:
		return t->size_or_type;
	default:
		return 0;
	}
}

/* The width of a bit-field member (0 for a whole member): kind_flag
 * structs keep it beside the offset, others in the int type's encoding. */
static unsigned bitfield_size(const struct pm_btf *b, bool kflag, uint32_t offword, uint32_t type)
{
	if (kflag)
		return offword >> 24;
	const struct btf_type *t = type_at(b, resolve(b, type));
	if (!t || kind_of(t) != K_INT)
		return 0;
	uint32_t enc;
	memcpy(&enc, t + 1, sizeof(enc));
	unsigned nbits = enc & 0xff, at = (enc >> 16) & 0xff;
	return nbits != 8 * t->size_or_type || at ? nbits : 0;
}

/* One member of struct/union id, searching anonymous members too; bit
 * offset from the start of id, and its bit-field width (0: not one). */
static bool member(const struct pm_btf *b, uint32_t id, const char *name, uint64_t *bits,
		   uint32_t *type, unsigned *width, int depth)
{
	const struct btf_type *t = type_at(b, resolve(b, id));
	if (!t || depth > 8 || (kind_of(t) != K_STRUCT && kind_of(t) != K_UNION))
		return false;
	bool kflag = t->info >> 31;
	const uint32_t *m = (const uint32_t *)(t + 1);
	for (unsigned i = 0; i < vlen_of(t); i++, m += 3) {
		uint64_t off = kflag ? (m[2] & 0xffffff) : m[2];
		const char *mn = str_at(b, m[0]);
		if (*mn && strcmp(mn, name) == 0) {
			*bits = off;
			*type = m[1];
			*width = bitfield_size(b, kflag, m[2], m[1]);
			return true;
		}
		uint64_t inner;
		if (!*mn && member(b, m[1], name, &inner, type, width, depth + 1)) {
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
		ok = member(b, id, part, &bits, &id, &w, 0);
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
