/* Kernel BTF: structure layouts from the dump (btf.c). */
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

struct pm_err *pm_btf_load(struct pm_btf *b, const unsigned char *blob, size_t len);
void pm_btf_free(struct pm_btf *b);
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

#endif
