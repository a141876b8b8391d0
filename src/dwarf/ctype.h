/* Types from DWARF, inside src/dwarf: a type is a DIE plus a number of
 * pointer levels on top of it, so that "struct proc **" works even when
 * the program's DWARF never mentions that pointer type. */
#ifndef PM_CTYPE_H
#define PM_CTYPE_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "internal.h"

struct pm_type {
	Dwarf_Die die;
	bool is_void;       /* no DIE: void (with ptr levels: void *) */
	int ptr;            /* extra pointer levels */
	int dim;            /* array DIE: dimensions already indexed (int a[2][3]: a[1] has dim 1) */
};

static inline uint64_t pm_sign_extend(uint64_t v, unsigned bits)
{
	if (bits == 0 || bits >= 64)
		return v;
	uint64_t m = 1ull << (bits - 1);
	v &= (1ull << bits) - 1;
	return (v ^ m) - m;
}

/* Follow typedefs and cv-qualifiers. */
void pm_ctype_strip(const Dwarf_Die *in, Dwarf_Die *out);
/* The DIE's DW_AT_type; false for void. */
bool pm_ctype_target(Dwarf_Die *die, Dwarf_Die *out);
/* Tag after stripping, with pointer levels counted as DW_TAG_pointer_type. */
int pm_ctype_tag(const struct pm_type *t);
/* Size in bytes; false if unknown (incomplete or void). */
bool pm_ctype_size(const struct pm_type *t, uint64_t *size);
/* What a pointer type points to; false if t is not a pointer. */
bool pm_ctype_deref(const struct pm_type *t, struct pm_type *out);
/* Element type and element count of an array type (count 0: unknown). */
bool pm_ctype_array(const struct pm_type *t, struct pm_type *elem, uint64_t *count);
/* C spelling of the type, with an optional declarator name: "char *argv[3]". */
void pm_ctype_print_name(const struct pm_type *t, const char *decl, FILE *out);
/* A member by name (anonymous structs and unions searched through):
 * its byte offset and DIE. */
bool pm_ctype_member(const struct pm_type *t, const char *name, uint64_t *off, Dwarf_Die *member);
/* The value of bit-field member M (of type MT) of the aggregate whose
 * member M is at MEMBER_ADDR (its DW_AT_data_member_location, 0 if none),
 * sign-extended when MT is signed. */
struct pm_err *pm_ctype_bitfield(struct pm_dwarf *d, Dwarf_Die *m, const struct pm_type *mt,
				 uint64_t member_addr, uint64_t *val);
/* Where that bit-field lies: the address of the byte holding its lowest
 * bit, that bit's position in the byte, its width.  False if the width
 * is 0 or above 64. */
bool pm_ctype_bitfield_place(Dwarf_Die *m, const struct pm_type *mt, uint64_t member_addr,
			     uint64_t *byte, unsigned *shift, unsigned *bits);
/* Is it a signed integer (or enum with a signed base)? */
bool pm_ctype_is_signed(const struct pm_type *t);

/* Every module, the executable (the one holding AT_ENTRY) first; the
 * caller frees the array. */
size_t pm_ctype_search_order(struct pm_dwarf *d, Dwfl_Module ***out);
/* Look a type up by C spelling in every module, the executable first. */
struct pm_err *pm_ctype_lookup(struct pm_dwarf *d, const char *spelling, struct pm_type *out);

#endif
