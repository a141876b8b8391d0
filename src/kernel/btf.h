/* Kernel BTF: the type information the dump carries (btf.c). */
#ifndef PM_BTF_H
#define PM_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

struct pm_btf {
	unsigned char *blob;
	const unsigned char *types;
	const char *strs;
	uint32_t str_len;
	uint32_t *offsets;     /* type id -> offset in types */
	uint32_t ntypes;
};

/* BTF kinds (include/uapi/linux/btf.h). */
enum {
	PM_BTF_INT = 1, PM_BTF_PTR, PM_BTF_ARRAY, PM_BTF_STRUCT, PM_BTF_UNION, PM_BTF_ENUM,
	PM_BTF_FWD, PM_BTF_TYPEDEF, PM_BTF_VOLATILE, PM_BTF_CONST, PM_BTF_RESTRICT, PM_BTF_FUNC,
	PM_BTF_FUNC_PROTO, PM_BTF_VAR, PM_BTF_DATASEC, PM_BTF_FLOAT, PM_BTF_DECL_TAG,
	PM_BTF_TYPE_TAG, PM_BTF_ENUM64,
};

/* The common header of every type; kind-specific words follow it
 * (pm_btf_words).  Types are 4-byte aligned: pm_btf_load checks. */
struct pm_btf_type {
	uint32_t name_off, info, size_or_type;
};

static inline unsigned pm_btf_kind(const struct pm_btf_type *t) { return (t->info >> 24) & 0x1f; }
static inline unsigned pm_btf_vlen(const struct pm_btf_type *t) { return t->info & 0xffff; }
static inline bool pm_btf_kflag(const struct pm_btf_type *t) { return t->info >> 31; }
static inline const uint32_t *pm_btf_words(const struct pm_btf_type *t)
{
	return (const uint32_t *)(t + 1);
}

struct pm_err *pm_btf_load(struct pm_btf *b, const unsigned char *blob, size_t len);
void pm_btf_free(struct pm_btf *b);
/* Type id's header, NULL for void (0) and ids past the last. */
const struct pm_btf_type *pm_btf_type(const struct pm_btf *b, uint32_t id);
/* The string at OFF, "" if outside the string section. */
const char *pm_btf_str(const struct pm_btf *b, uint32_t off);
/* The id of struct (or union) NAME, 0 if none. */
uint32_t pm_btf_find_struct(const struct pm_btf *b, const char *name);
/* Byte offset of a member path ("tasks", "thread_info.cpu") in struct id,
 * and the member's type id. */
bool pm_btf_member(const struct pm_btf *b, uint32_t id, const char *path, uint64_t *offset,
		   uint32_t *type);
/* The same in bits, for bit-fields too: width is the bit-field's size,
 * 0 for a whole member. */
bool pm_btf_member_bits(const struct pm_btf *b, uint32_t id, const char *path, uint64_t *bit_offset,
			unsigned *width, uint32_t *type);
/* The id of enum NAME, 0 if none; its enumerator i (false past the last). */
uint32_t pm_btf_find_enum(const struct pm_btf *b, const char *name);
bool pm_btf_enumerator(const struct pm_btf *b, uint32_t id, unsigned i, const char **name,
		       int64_t *value);
uint64_t pm_btf_size(const struct pm_btf *b, uint32_t id);
/* The id of typedef NAME ("nodemask_t"), 0 if none. */
uint32_t pm_btf_find_typedef(const struct pm_btf *b, const char *name);
/* Variable VAR of DATASEC SEC (".data..percpu"): its offset in the
 * section, and the section's size. */
bool pm_btf_datasec_var(const struct pm_btf *b, const char *sec, const char *var, uint32_t *offset,
			uint32_t *sec_size);

#endif
