/* BTF to DWARF: the kernel's BTF (every type of vmlinux, deduplicated by
 * pahole) rewritten as one DWARF 4 compile unit in a small ELF file, so
 * that types.c, tprint.c and cexpr.c read kernel types through libdw as
 * they read a program's.  One pass over the types writes one DIE per
 * type in id order; references to types not yet written are patched at
 * the end.  Names point into the BTF's own string section, copied whole
 * as .debug_str.
 *
 * What BTF lacks, the file lacks: source lines, functions' code, and the
 * types of most global variables (only the per-cpu ones have BTF VARs). */
#include "btf2dwarf.h"
#include "../base/util.h"

#include <dwarf.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CHAIN 32
#define NBASE 8        /* integer base types added for enums: 1, 2, 4, 8 bytes x sign */

/* ---- a growing byte buffer, little-endian numbers, LEB128 ---- */

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *x, size_t n)
{
	if (b->n + n > b->cap)
		vec_reserve(&b->p, &b->cap, b->n + n, 1);
	memcpy(b->p + b->n, x, n);
	b->n += n;
}

static void u8(struct buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;
	put(b, &c, 1);
}

static void le(struct buf *b, uint64_t v, int n)
{
	unsigned char c[8];
	for (int i = 0; i < n; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	put(b, c, (size_t)n);
}

static void patch32(struct buf *b, size_t pos, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->p[pos + (size_t)i] = (unsigned char)(v >> (8 * i));
}

static void uleb(struct buf *b, uint64_t v)
{
	do {
		unsigned char c = v & 0x7f;
		v >>= 7;
		u8(b, v ? c | 0x80 : c);
	} while (v);
}

static void sleb(struct buf *b, int64_t v)
{
	for (;;) {
		unsigned char c = v & 0x7f;
		v >>= 7;      /* arithmetic: gcc and clang keep the sign */
		if ((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40))) {
			u8(b, c);
			return;
		}
		u8(b, c | 0x80);
	}
}

/* ---- the abbreviations: one per DIE shape ---- */

enum {
	A_CU = 1, A_BASE, A_PTR, A_PTR_VOID, A_ARRAY, A_ARRAY_VOID, A_SUBRANGE_COUNT, A_SUBRANGE,
	A_STRUCT, A_STRUCT_ANON, A_UNION, A_UNION_ANON, A_STRUCT_DECL, A_UNION_DECL,
	A_MEMBER, A_MEMBER_ANON, A_BITFIELD, A_BITFIELD_ANON,
	A_ENUM, A_ENUM_ANON, A_ENUMERATOR_S, A_ENUMERATOR_U,
	A_TYPEDEF, A_TYPEDEF_VOID, A_CONST, A_CONST_VOID, A_VOLATILE, A_VOLATILE_VOID,
	A_RESTRICT, A_RESTRICT_VOID, A_SUBROUTINE, A_SUBROUTINE_VOID, A_PARAM, A_VARARGS,
	A_VARIABLE, A_COUNT
};

/* The attributes of each, in the order the DIEs write their values. */
static const struct {
	uint16_t tag;
	uint8_t children;
	uint16_t attr[5][2];
} abbrevs[A_COUNT] = {
#define SIB { DW_AT_sibling, DW_FORM_ref4 }
#define NAME { DW_AT_name, DW_FORM_strp }
#define TYPE { DW_AT_type, DW_FORM_ref4 }
#define SIZE { DW_AT_byte_size, DW_FORM_udata }
	[A_CU] = { DW_TAG_compile_unit, 1, { { DW_AT_producer, DW_FORM_string },
					      { DW_AT_language, DW_FORM_data1 },
					      { DW_AT_name, DW_FORM_string } } },
	[A_BASE] = { DW_TAG_base_type, 0, { NAME, SIZE, { DW_AT_encoding, DW_FORM_data1 } } },
	[A_PTR] = { DW_TAG_pointer_type, 0, { SIZE, TYPE } },
	[A_PTR_VOID] = { DW_TAG_pointer_type, 0, { SIZE } },
	[A_ARRAY] = { DW_TAG_array_type, 1, { SIB, TYPE } },
	[A_ARRAY_VOID] = { DW_TAG_array_type, 1, { SIB } },
	[A_SUBRANGE_COUNT] = { DW_TAG_subrange_type, 0, { { DW_AT_count, DW_FORM_udata } } },
	[A_SUBRANGE] = { DW_TAG_subrange_type, 0, { { 0, 0 } } },
	[A_STRUCT] = { DW_TAG_structure_type, 1, { SIB, NAME, SIZE } },
	[A_STRUCT_ANON] = { DW_TAG_structure_type, 1, { SIB, SIZE } },
	[A_UNION] = { DW_TAG_union_type, 1, { SIB, NAME, SIZE } },
	[A_UNION_ANON] = { DW_TAG_union_type, 1, { SIB, SIZE } },
	[A_STRUCT_DECL] = { DW_TAG_structure_type, 0, { NAME, { DW_AT_declaration, DW_FORM_flag_present } } },
	[A_UNION_DECL] = { DW_TAG_union_type, 0, { NAME, { DW_AT_declaration, DW_FORM_flag_present } } },
	[A_MEMBER] = { DW_TAG_member, 0, { NAME, TYPE, { DW_AT_data_member_location, DW_FORM_udata } } },
	[A_MEMBER_ANON] = { DW_TAG_member, 0, { TYPE, { DW_AT_data_member_location, DW_FORM_udata } } },
	[A_BITFIELD] = { DW_TAG_member, 0, { NAME, TYPE, { DW_AT_bit_size, DW_FORM_udata },
					     { DW_AT_data_bit_offset, DW_FORM_udata } } },
	[A_BITFIELD_ANON] = { DW_TAG_member, 0, { TYPE, { DW_AT_bit_size, DW_FORM_udata },
						  { DW_AT_data_bit_offset, DW_FORM_udata } } },
	[A_ENUM] = { DW_TAG_enumeration_type, 1, { SIB, NAME, TYPE, SIZE } },
	[A_ENUM_ANON] = { DW_TAG_enumeration_type, 1, { SIB, TYPE, SIZE } },
	[A_ENUMERATOR_S] = { DW_TAG_enumerator, 0, { NAME, { DW_AT_const_value, DW_FORM_sdata } } },
	[A_ENUMERATOR_U] = { DW_TAG_enumerator, 0, { NAME, { DW_AT_const_value, DW_FORM_udata } } },
	[A_TYPEDEF] = { DW_TAG_typedef, 0, { NAME, TYPE } },
	[A_TYPEDEF_VOID] = { DW_TAG_typedef, 0, { NAME } },
	[A_CONST] = { DW_TAG_const_type, 0, { TYPE } },
	[A_CONST_VOID] = { DW_TAG_const_type, 0, { { 0, 0 } } },
	[A_VOLATILE] = { DW_TAG_volatile_type, 0, { TYPE } },
	[A_VOLATILE_VOID] = { DW_TAG_volatile_type, 0, { { 0, 0 } } },
	[A_RESTRICT] = { DW_TAG_restrict_type, 0, { TYPE } },
	[A_RESTRICT_VOID] = { DW_TAG_restrict_type, 0, { { 0, 0 } } },
	[A_SUBROUTINE] = { DW_TAG_subroutine_type, 1, { SIB, { DW_AT_prototyped, DW_FORM_flag_present }, TYPE } },
	[A_SUBROUTINE_VOID] = { DW_TAG_subroutine_type, 1, { SIB, { DW_AT_prototyped, DW_FORM_flag_present } } },
	[A_PARAM] = { DW_TAG_formal_parameter, 0, { TYPE } },
	[A_VARARGS] = { DW_TAG_unspecified_parameters, 0, { { 0, 0 } } },
	[A_VARIABLE] = { DW_TAG_variable, 0, { NAME, TYPE, { DW_AT_external, DW_FORM_flag_present },
					       { DW_AT_location, DW_FORM_exprloc } } },
#undef SIB
#undef NAME
#undef TYPE
#undef SIZE
};

static void write_abbrevs(struct buf *out)
{
	for (unsigned code = 1; code < A_COUNT; code++) {
		uleb(out, code);
		uleb(out, abbrevs[code].tag);
		u8(out, abbrevs[code].children ? DW_CHILDREN_yes : DW_CHILDREN_no);
		for (size_t i = 0; i < ARRAY_SIZE(abbrevs[code].attr) && abbrevs[code].attr[i][0]; i++) {
			uleb(out, abbrevs[code].attr[i][0]);
			uleb(out, abbrevs[code].attr[i][1]);
		}
		u8(out, 0);
		u8(out, 0);
	}
	u8(out, 0);
}

/* ---- the compile unit ---- */

struct fixup {
	uint32_t pos, id;
};

struct gen {
	const struct pm_btf *b;
	const struct pm_btf_dwarf_info *info;
	struct buf out;          /* .debug_info */
	uint32_t *die;           /* id -> offset of its DIE; ids past ntypes: the base types */
	struct fixup *fix;
	size_t nfix, fixcap;
	uint32_t base_str;       /* .debug_str offset of the base types' names */
};

static bool has_die(unsigned kind)
{
	switch (kind) {
	case PM_BTF_INT: case PM_BTF_PTR: case PM_BTF_ARRAY: case PM_BTF_STRUCT: case PM_BTF_UNION:
	case PM_BTF_ENUM: case PM_BTF_FWD: case PM_BTF_TYPEDEF: case PM_BTF_VOLATILE:
	case PM_BTF_CONST: case PM_BTF_RESTRICT: case PM_BTF_FUNC_PROTO: case PM_BTF_FLOAT:
	case PM_BTF_ENUM64:
		return true;
	default:
		return false;
	}
}

/* The id a reference to ID means: type tags (__user, __rcu) are skipped;
 * 0 for void and for what is no type (a hostile BTF's FUNC, VAR, ...). */
static uint32_t target(const struct gen *g, uint32_t id)
{
	for (int i = 0; i < MAX_CHAIN; i++) {
		const struct pm_btf_type *t = pm_btf_type(g->b, id);
		if (!t)
			return 0;
		if (pm_btf_kind(t) != PM_BTF_TYPE_TAG)
			return has_die(pm_btf_kind(t)) ? id : 0;
		id = t->size_or_type;
	}
	return 0;
}

static void ref(struct gen *g, uint32_t id)
{
	vec_reserve(&g->fix, &g->fixcap, g->nfix + 1, sizeof(*g->fix));
	g->fix[g->nfix++] = (struct fixup){ (uint32_t)g->out.n, id };
	le(&g->out, 0, 4);
}

static bool named(const struct gen *g, uint32_t name_off)
{
	return name_off && name_off < g->b->str_len && g->b->strs[name_off];
}

/* A DIE with children starts with its DW_AT_sibling: where the next DIE
 * begins, so that a name lookup steps over members without reading them. */
static size_t open_children(struct gen *g, unsigned code)
{
	uleb(&g->out, code);
	size_t sib = g->out.n;
	le(&g->out, 0, 4);
	return sib;
}

static void close_children(struct gen *g, size_t sib)
{
	u8(&g->out, 0);
	patch32(&g->out, sib, (uint32_t)g->out.n);
}

/* An int's DWARF encoding; BTF marks char only as signed (or not), so
 * one-byte types named like char are chars, as GCC's DWARF says. */
static unsigned int_encoding(const struct gen *g, const struct pm_btf_type *t)
{
	unsigned enc = pm_btf_words(t)[0] >> 24;
	bool sgn = enc & 1;
	if (enc & 4)
		return DW_ATE_boolean;
	if (t->size_or_type == 1 && ((enc & 2) || strstr(pm_btf_str(g->b, t->name_off), "char")))
		return sgn ? DW_ATE_signed_char : DW_ATE_unsigned_char;
	return sgn ? DW_ATE_signed : DW_ATE_unsigned;
}

static void base_type(struct gen *g, const struct pm_btf_type *t, unsigned encoding)
{
	uleb(&g->out, A_BASE);
	le(&g->out, named(g, t->name_off) ? t->name_off : 0, 4);
	uleb(&g->out, t->size_or_type);
	u8(&g->out, encoding);
}

static void with_type(struct gen *g, unsigned code, unsigned void_code, uint32_t id)
{
	uint32_t tid = target(g, id);
	uleb(&g->out, tid ? code : void_code);
	if (tid)
		ref(g, tid);
}

static void pointer(struct gen *g, const struct pm_btf_type *t)
{
	uint32_t tid = target(g, t->size_or_type);
	uleb(&g->out, tid ? A_PTR : A_PTR_VOID);
	uleb(&g->out, 8);
	if (tid)
		ref(g, tid);
}

static void array(struct gen *g, const struct pm_btf_type *t)
{
	const uint32_t *a = pm_btf_words(t);     /* element type, index type, count */
	uint32_t elem = target(g, a[0]);
	size_t sib = open_children(g, elem ? A_ARRAY : A_ARRAY_VOID);
	if (elem)
		ref(g, elem);
	/* no count: a flexible or zero-length array, as GCC's DWARF has them */
	uleb(&g->out, a[2] ? A_SUBRANGE_COUNT : A_SUBRANGE);
	if (a[2])
		uleb(&g->out, a[2]);
	close_children(g, sib);
}

/* An int type's bit-field width when it is one (structs without kflag
 * give it there), else 0. */
static unsigned int_bits(const struct gen *g, uint32_t id, unsigned *bit_shift)
{
	for (int i = 0; i < MAX_CHAIN; i++) {
		const struct pm_btf_type *t = pm_btf_type(g->b, id);
		if (!t)
			return 0;
		unsigned k = pm_btf_kind(t);
		if (k == PM_BTF_INT) {
			uint32_t enc = pm_btf_words(t)[0];
			unsigned bits = enc & 0xff;
			*bit_shift = (enc >> 16) & 0xff;
			return bits && (bits != t->size_or_type * 8 || *bit_shift) ? bits : 0;
		}
		if (k != PM_BTF_TYPEDEF && k != PM_BTF_CONST && k != PM_BTF_VOLATILE &&
		    k != PM_BTF_RESTRICT && k != PM_BTF_TYPE_TAG)
			return 0;
		id = t->size_or_type;
	}
	return 0;
}

static void member(struct gen *g, const uint32_t *m, bool kflag)
{
	uint32_t type = target(g, m[1]);
	if (!type)
		return;             /* a member of type void: no C has it */
	uint64_t bit = kflag ? (m[2] & 0xffffff) : m[2];
	unsigned bits = kflag ? m[2] >> 24 : 0, shift = 0;
	if (!kflag && (bits = int_bits(g, m[1], &shift)))
		bit += shift;
	if (!bits && bit % 8)       /* misplaced, not declared a bit-field */
		bits = (unsigned)(pm_btf_size(g->b, type) * 8);
	bool has_name = named(g, m[0]);
	if (bits) {
		uleb(&g->out, has_name ? A_BITFIELD : A_BITFIELD_ANON);
		if (has_name)
			le(&g->out, m[0], 4);
		ref(g, type);
		uleb(&g->out, bits);
		uleb(&g->out, bit);
	} else {
		uleb(&g->out, has_name ? A_MEMBER : A_MEMBER_ANON);
		if (has_name)
			le(&g->out, m[0], 4);
		ref(g, type);
		uleb(&g->out, bit / 8);
	}
}

static void aggregate(struct gen *g, const struct pm_btf_type *t, bool is_union)
{
	bool has_name = named(g, t->name_off);
	unsigned code = is_union ? (has_name ? A_UNION : A_UNION_ANON) : (has_name ? A_STRUCT : A_STRUCT_ANON);
	size_t sib = open_children(g, code);
	if (has_name)
		le(&g->out, t->name_off, 4);
	uleb(&g->out, t->size_or_type);
	const uint32_t *m = pm_btf_words(t);
	for (unsigned i = 0; i < pm_btf_vlen(t); i++, m += 3)
		member(g, m, pm_btf_kflag(t));
	close_children(g, sib);
}

/* The pseudo-id of the integer base type an enum of SIZE bytes stands on. */
static uint32_t enum_base(const struct gen *g, uint32_t size, bool sgn)
{
	unsigned lg = size == 1 ? 0 : size == 2 ? 1 : size == 8 ? 3 : 2;
	return g->b->ntypes + lg * 2 + sgn;
}

static void enumeration(struct gen *g, const struct pm_btf_type *t)
{
	bool has_name = named(g, t->name_off), sgn = pm_btf_kflag(t);
	bool wide = pm_btf_kind(t) == PM_BTF_ENUM64;
	size_t sib = open_children(g, has_name ? A_ENUM : A_ENUM_ANON);
	if (has_name)
		le(&g->out, t->name_off, 4);
	ref(g, enum_base(g, t->size_or_type, sgn));
	uleb(&g->out, t->size_or_type);
	const uint32_t *e = pm_btf_words(t);
	for (unsigned i = 0; i < pm_btf_vlen(t); i++, e += wide ? 3 : 2) {
		uint64_t v = wide ? ((uint64_t)e[2] << 32 | e[1]) : e[1];
		uleb(&g->out, sgn ? A_ENUMERATOR_S : A_ENUMERATOR_U);
		le(&g->out, named(g, e[0]) ? e[0] : 0, 4);
		if (sgn)
			sleb(&g->out, wide ? (int64_t)v : (int64_t)(int32_t)(uint32_t)v);
		else
			uleb(&g->out, v);
	}
	close_children(g, sib);
}

static void prototype(struct gen *g, const struct pm_btf_type *t)
{
	uint32_t ret = target(g, t->size_or_type);
	size_t sib = open_children(g, ret ? A_SUBROUTINE : A_SUBROUTINE_VOID);
	if (ret)
		ref(g, ret);
	const uint32_t *p = pm_btf_words(t);      /* name, type per parameter */
	for (unsigned i = 0; i < pm_btf_vlen(t); i++, p += 2) {
		uint32_t pt = target(g, p[1]);
		if (pt) {
			uleb(&g->out, A_PARAM);
			ref(g, pt);
		} else if (i + 1 == pm_btf_vlen(t) && p[1] == 0) {
			uleb(&g->out, A_VARARGS);   /* the last, void: "..." */
		}
	}
	close_children(g, sib);
}

/* The per-cpu variables: BTF VARs listed by the .data..percpu DATASEC,
 * at their offset in that section. */
static void percpu_vars(struct gen *g, const struct pm_btf_type *t)
{
	if (strcmp(pm_btf_str(g->b, t->name_off), ".data..percpu") != 0)
		return;
	const uint32_t *v = pm_btf_words(t);      /* type (a VAR), offset, size */
	for (unsigned i = 0; i < pm_btf_vlen(t); i++, v += 3) {
		const struct pm_btf_type *var = pm_btf_type(g->b, v[0]);
		uint32_t type = var && pm_btf_kind(var) == PM_BTF_VAR ? target(g, var->size_or_type) : 0;
		if (!type || !named(g, var->name_off))
			continue;
		uleb(&g->out, A_VARIABLE);
		le(&g->out, var->name_off, 4);
		ref(g, type);
		uleb(&g->out, 9);
		u8(&g->out, DW_OP_addr);
		le(&g->out, g->info->percpu_base + v[1], 8);
	}
}

/* A typedef: its name, then its type (with_type writes no name). */
static void typedef_type(struct gen *g, const struct pm_btf_type *t)
{
	uint32_t tid = target(g, t->size_or_type);
	uleb(&g->out, tid ? A_TYPEDEF : A_TYPEDEF_VOID);
	le(&g->out, named(g, t->name_off) ? t->name_off : 0, 4);
	if (tid)
		ref(g, tid);
}

static void one_type(struct gen *g, uint32_t id)
{
	const struct pm_btf_type *t = pm_btf_type(g->b, id);
	unsigned kind = pm_btf_kind(t);
	if (has_die(kind))
		g->die[id] = (uint32_t)g->out.n;
	switch (kind) {
	case PM_BTF_INT:
		base_type(g, t, int_encoding(g, t));
		break;
	case PM_BTF_FLOAT:
		base_type(g, t, DW_ATE_float);
		break;
	case PM_BTF_PTR:
		pointer(g, t);
		break;
	case PM_BTF_ARRAY:
		array(g, t);
		break;
	case PM_BTF_STRUCT:
	case PM_BTF_UNION:
		aggregate(g, t, kind == PM_BTF_UNION);
		break;
	case PM_BTF_ENUM:
	case PM_BTF_ENUM64:
		enumeration(g, t);
		break;
	case PM_BTF_FWD:
		uleb(&g->out, pm_btf_kflag(t) ? A_UNION_DECL : A_STRUCT_DECL);
		le(&g->out, named(g, t->name_off) ? t->name_off : 0, 4);
		break;
	case PM_BTF_TYPEDEF:
		typedef_type(g, t);
		break;
	case PM_BTF_CONST:
		with_type(g, A_CONST, A_CONST_VOID, t->size_or_type);
		break;
	case PM_BTF_VOLATILE:
		with_type(g, A_VOLATILE, A_VOLATILE_VOID, t->size_or_type);
		break;
	case PM_BTF_RESTRICT:
		with_type(g, A_RESTRICT, A_RESTRICT_VOID, t->size_or_type);
		break;
	case PM_BTF_FUNC_PROTO:
		prototype(g, t);
		break;
	case PM_BTF_DATASEC:
		percpu_vars(g, t);
		break;
	default:            /* FUNC, VAR (written with their DATASEC), tags */
		break;
	}
}

static const char *const base_names[NBASE] = {
	"unsigned char", "signed char", "short unsigned int", "short int",
	"unsigned int", "int", "long unsigned int", "long int",
};

static void base_types(struct gen *g)
{
	uint32_t str = g->base_str;
	for (unsigned i = 0; i < NBASE; i++) {
		g->die[g->b->ntypes + i] = (uint32_t)g->out.n;
		uleb(&g->out, A_BASE);
		le(&g->out, str, 4);
		uleb(&g->out, 1u << (i / 2));
		u8(&g->out, i % 2 ? (i < 2 ? DW_ATE_signed_char : DW_ATE_signed) :
				    (i < 2 ? DW_ATE_unsigned_char : DW_ATE_unsigned));
		str += (uint32_t)strlen(base_names[i]) + 1;
	}
}

static struct pm_err *compile_unit(struct gen *g)
{
	struct buf *o = &g->out;
	le(o, 0, 4);              /* unit_length, patched */
	le(o, 4, 2);              /* version */
	le(o, 0, 4);              /* debug_abbrev_offset */
	u8(o, 8);                 /* address_size */
	uleb(o, A_CU);
	static const char producer[] = "pmdb, from the kernel's BTF";
	put(o, producer, sizeof(producer));
	u8(o, DW_LANG_C89);
	put(o, "vmlinux.btf", sizeof("vmlinux.btf"));
	for (uint32_t id = 1; id < g->b->ntypes; id++)
		one_type(g, id);
	base_types(g);
	u8(o, 0);                 /* the CU's children end */
	if (o->n > UINT32_MAX)
		return pm_err_new(PM_ERR_FORMAT, "BTF: too many types to write as DWARF");
	patch32(o, 0, (uint32_t)(o->n - 4));
	for (size_t i = 0; i < g->nfix; i++)
		patch32(o, g->fix[i].pos, g->die[g->fix[i].id]);
	return NULL;
}

/* ---- the ELF file ---- */

static void note(struct buf *o, const struct pm_btf_dwarf_info *info)
{
	le(o, 4, 4);
	le(o, info->build_id_len, 4);
	le(o, NT_GNU_BUILD_ID, 4);
	put(o, "GNU", 4);
	put(o, info->build_id, info->build_id_len);
	while (o->n % 4)
		u8(o, 0);
}

static const char shstrtab[] = "\0.note.gnu.build-id\0.debug_abbrev\0.debug_info\0.debug_str\0.shstrtab";
enum { S_NOTE = 1, S_ABBREV, S_INFO, S_STR, S_SHSTRTAB, S_COUNT };
static const unsigned sh_name[S_COUNT] = { 0, 1, 20, 34, 46, 57 };
static const unsigned sh_type[S_COUNT] = { SHT_NULL, SHT_NOTE, SHT_PROGBITS, SHT_PROGBITS,
					   SHT_PROGBITS, SHT_STRTAB };

static struct pm_err *write_elf(int fd, const struct pm_btf_dwarf_info *info,
				struct buf *sec[S_COUNT])
{
	enum { NPHDR = 2 };
	uint64_t off[S_COUNT] = { 0 }, pos = sizeof(Elf64_Ehdr) + NPHDR * sizeof(Elf64_Phdr);
	for (int s = 1; s < S_COUNT; s++) {
		off[s] = pos;
		pos += sec[s]->n;
	}
	uint64_t shoff = (pos + 7) & ~7ull;
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_EXEC, .e_machine = (Elf64_Half)info->machine, .e_version = EV_CURRENT,
		.e_phoff = sizeof(Elf64_Ehdr), .e_shoff = shoff, .e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = NPHDR,
		.e_shentsize = sizeof(Elf64_Shdr), .e_shnum = S_COUNT, .e_shstrndx = S_SHSTRTAB,
	};
	/* the kernel image's place, so that libdwfl relocates the file's
	 * addresses by KASLR's offset as it does vmlinux's */
	Elf64_Phdr ph[NPHDR] = {
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_vaddr = info->text_start,
		  .p_paddr = info->text_start, .p_memsz = info->text_size, .p_align = 4096 },
		{ .p_type = PT_NOTE, .p_flags = PF_R, .p_offset = off[S_NOTE],
		  .p_filesz = sec[S_NOTE]->n, .p_memsz = sec[S_NOTE]->n, .p_align = 4 },
	};
	Elf64_Shdr sh[S_COUNT];
	memset(sh, 0, sizeof(sh));
	for (int s = 1; s < S_COUNT; s++)
		sh[s] = (Elf64_Shdr){ .sh_name = sh_name[s], .sh_type = sh_type[s], .sh_offset = off[s],
				      .sh_size = sec[s]->n, .sh_addralign = s == S_NOTE ? 4 : 1 };
	static const unsigned char zeros[8];
	bool ok = pm_write_all(fd, &eh, sizeof(eh)) && pm_write_all(fd, ph, sizeof(ph));
	for (int s = 1; ok && s < S_COUNT; s++)
		ok = pm_write_all(fd, sec[s]->p, sec[s]->n);
	ok = ok && pm_write_all(fd, zeros, shoff - pos) && pm_write_all(fd, sh, sizeof(sh));
	return ok ? NULL : pm_err_new(PM_ERR_IO, "writing the kernel's types as DWARF: %m");
}

struct pm_err *pm_btf_write_dwarf(const struct pm_btf *b, const struct pm_btf_dwarf_info *info,
				  int fd)
{
	struct gen g = { .b = b, .info = info };
	g.die = xcalloc((size_t)b->ntypes + NBASE, sizeof(*g.die));
	struct buf abbrev = { 0 }, str = { 0 }, nt = { 0 }, shs = { 0 };
	put(&str, b->strs, b->str_len);
	if (!str.n || str.p[str.n - 1])
		u8(&str, 0);
	g.base_str = (uint32_t)str.n;
	for (unsigned i = 0; i < NBASE; i++)
		put(&str, base_names[i], strlen(base_names[i]) + 1);
	write_abbrevs(&abbrev);
	note(&nt, info);
	put(&shs, shstrtab, sizeof(shstrtab));
	struct pm_err *err = compile_unit(&g);
	struct buf empty = { 0 };
	struct buf *sec[S_COUNT] = { &empty, &nt, &abbrev, &g.out, &str, &shs };
	if (!err)
		err = write_elf(fd, info, sec);
	free(g.die);
	free(g.fix);
	free(g.out.p);
	free(abbrev.p);
	free(str.p);
	free(nt.p);
	free(shs.p);
	return err;
}
