/* Printing typed values from target memory, in mdb's ::print layout:
 * members one per line as "name = value", nested aggregates in braces
 * indented by four, integers in hex unless decimal was asked for. */
#include "tprint.h"
#include "../base/util.h"

#include <ctype.h>
#include <dwarf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32
#define MAX_ELEMS 1024          /* array elements shown before "..." */
#define MAX_STRING 256
#define MAX_VALUES 100000       /* in all, however arrays and structs nest */

static struct pm_err *print_value(struct pm_tprinter *p, const struct pm_type *t, uint64_t addr,
				  int indent);

static bool exhausted(const struct pm_tprinter *p)
{
	return p->values >= MAX_VALUES;
}

static void pad(struct pm_tprinter *p, int indent)
{
	fprintf(p->out, "%*s", indent * 4, "");
}

static struct pm_err *read_mem(struct pm_tprinter *p, uint64_t addr, void *buf, size_t len)
{
	return pm_target_read(p->d->t, addr, buf, len, "value");
}

static void print_int(struct pm_tprinter *p, uint64_t v, unsigned bits, bool is_signed)
{
	if (p->o.decimal) {
		if (is_signed)
			fprintf(p->out, "%" PRId64, (int64_t)pm_sign_extend(v, bits));
		else
			fprintf(p->out, "%" PRIu64, v);
	} else {
		if (bits < 64)
			v &= (1ull << bits) - 1;
		fprintf(p->out, "0x%" PRIx64, v);
	}
}

static void print_char_quoted(FILE *out, unsigned char c)
{
	static const char esc[] = "\a\b\f\n\r\t\v\\\"";
	static const char rep[] = "abfnrtv\\\"";
	const char *e = c ? strchr(esc, c) : NULL;
	if (e)
		fprintf(out, "\\%c", rep[e - esc]);
	else if (isprint(c))
		fputc(c, out);
	else
		fprintf(out, "\\%03o", c);
}

/* A C string at addr, quoted, at most MAX_STRING bytes. */
static void print_cstring(struct pm_tprinter *p, uint64_t addr, uint64_t max)
{
	unsigned char buf[MAX_STRING];
	size_t n = max < sizeof(buf) ? (size_t)max : sizeof(buf);
	size_t got = pm_memmap_read_partial(&p->d->t->mem, addr, buf, n);
	fputc('"', p->out);
	size_t i;
	for (i = 0; i < got && buf[i]; i++)
		print_char_quoted(p->out, buf[i]);
	fputc('"', p->out);
	if (i == got && got < n)
		fputs("<unreadable>", p->out);
	else if (i == n && n < max)
		fputs("...", p->out);
}

static bool base_encoding(const struct pm_type *t, Dwarf_Word *enc, uint64_t *size)
{
	if (t->ptr > 0 || t->is_void)
		return false;
	Dwarf_Die s;
	pm_ctype_strip(&t->die, &s);
	Dwarf_Attribute a;
	return dwarf_tag(&s) == DW_TAG_base_type && dwarf_attr(&s, DW_AT_encoding, &a) &&
	       dwarf_formudata(&a, enc) == 0 && pm_ctype_size(t, size);
}

bool pm_tprint_is_char(const struct pm_type *t)
{
	Dwarf_Word enc;
	uint64_t size;
	return base_encoding(t, &enc, &size) && size == 1 &&
	       (enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char);
}

static bool enumerator_value(Dwarf_Die *c, uint64_t *v)
{
	Dwarf_Attribute a;
	Dwarf_Word u;
	Dwarf_Sword sv;
	if (dwarf_tag(c) != DW_TAG_enumerator || !dwarf_attr(c, DW_AT_const_value, &a))
		return false;
	if (dwarf_formsdata(&a, &sv) == 0)
		*v = (uint64_t)sv;
	else if (dwarf_formudata(&a, &u) == 0)
		*v = u;
	else
		return false;
	return true;
}

/* The number, then the enumerator: "0x5 (GREEN)", or the flags that make
 * it up for a bit-mask enum: "0x5 (PERM_R | PERM_X)". */
static void print_enum(struct pm_tprinter *p, Dwarf_Die *e, uint64_t v, unsigned bits, bool sgn)
{
	print_int(p, v, bits, sgn);
	uint64_t mask = bits < 64 ? (1ull << bits) - 1 : ~0ull;
	uint64_t want = sgn ? pm_sign_extend(v, bits) : v & mask;
	Dwarf_Die c;
	if (dwarf_child(e, &c) != 0)
		return;
	Dwarf_Die first = c;
	do {
		uint64_t cv;
		if (enumerator_value(&c, &cv) && (sgn ? cv : cv & mask) == want) {
			fprintf(p->out, " (%s)", dwarf_diename(&c));
			return;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	uint64_t left = want;
	c = first;
	do {
		uint64_t cv;
		if (enumerator_value(&c, &cv) && cv && (cv & (cv - 1)) == 0)
			left &= ~cv;
	} while (dwarf_siblingof(&c, &c) == 0);
	if (left || !want || sgn)
		return;
	const char *sep = " (";
	c = first;
	do {
		uint64_t cv;
		if (enumerator_value(&c, &cv) && cv && (cv & (cv - 1)) == 0 && (want & cv)) {
			fprintf(p->out, "%s%s", sep, dwarf_diename(&c));
			sep = " | ";
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	fputc(')', p->out);
}

void pm_tprint_scalar(struct pm_tprinter *p, const struct pm_type *t, uint64_t v)
{
	uint64_t size = 8;
	pm_ctype_size(t, &size);
	unsigned bits = size >= 8 ? 64 : (unsigned)size * 8;
	int tag = pm_ctype_tag(t);
	if (tag == DW_TAG_pointer_type) {
		fprintf(p->out, "0x%" PRIx64, v);
		struct pm_type to;
		if (!pm_ctype_deref(t, &to) || !v)
			return;
		if (pm_tprint_is_char(&to)) {
			fputc(' ', p->out);
			print_cstring(p, v, MAX_STRING);
		} else if (pm_ctype_tag(&to) == DW_TAG_subroutine_type) {
			struct pm_sym s;
			if (pm_sym_by_addr(p->d, v, &s)) {
				fputs(" <", p->out);
				pm_sym_print(p->d, p->out, v);
				fputc('>', p->out);
			}
		}
		return;
	}
	if (tag == DW_TAG_enumeration_type) {
		Dwarf_Die s;
		pm_ctype_strip(&t->die, &s);
		print_enum(p, &s, v, bits, pm_ctype_is_signed(t));
		return;
	}
	Dwarf_Word enc = DW_ATE_unsigned;
	base_encoding(t, &enc, &size);
	switch (enc) {
	case DW_ATE_boolean:
		fputs(v & ((bits < 64 ? 1ull << bits : 0) - 1) ? "true" : "false", p->out);
		return;
	case DW_ATE_float:
		if (size == 4) {
			float f;
			uint32_t w = (uint32_t)v;
			memcpy(&f, &w, 4);
			fprintf(p->out, "%g", (double)f);
		} else if (size == 8) {
			double dv;
			memcpy(&dv, &v, 8);
			fprintf(p->out, "%g", dv);
		} else {
			fprintf(p->out, "<%u-byte float>", (unsigned)size);
		}
		return;
	case DW_ATE_signed_char:
	case DW_ATE_unsigned_char:
		print_int(p, v, bits, enc == DW_ATE_signed_char);
		if (size == 1) {
			fputs(" '", p->out);
			print_char_quoted(p->out, (unsigned char)v);
			fputc('\'', p->out);
		}
		return;
	default:
		print_int(p, v, bits, enc == DW_ATE_signed);
	}
}

static struct pm_err *print_scalar_at(struct pm_tprinter *p, const struct pm_type *t, uint64_t addr)
{
	uint64_t size;
	if (!pm_ctype_size(t, &size))
		return pm_err_new(PM_ERR_LOOKUP, "the type has no size");
	Dwarf_Word enc;
	uint64_t bsize;
	if (base_encoding(t, &enc, &bsize) && enc == DW_ATE_float && size > 8) {
		fprintf(p->out, "<%u-byte float>", (unsigned)size);
		return NULL;
	}
	if (size > 8)
		return pm_err_new(PM_ERR_GENERIC, "a %" PRIu64 "-byte scalar", size);
	uint64_t v = 0;
	struct pm_err *err = read_mem(p, addr, &v, (size_t)size);
	if (err)
		return err;
	pm_tprint_scalar(p, t, v);
	return NULL;
}

static bool attr_udata(Dwarf_Die *die, unsigned name, Dwarf_Word *v)
{
	Dwarf_Attribute a;
	return dwarf_attr_integrate(die, name, &a) && dwarf_formudata(&a, v) == 0;
}

static struct pm_err *print_bitfield(struct pm_tprinter *p, Dwarf_Die *m, const struct pm_type *mt,
				     uint64_t member_addr, Dwarf_Word bit_size)
{
	uint64_t val;
	struct pm_err *err = pm_ctype_bitfield(p->d, m, mt, member_addr, &val);
	if (err)
		return err;
	bool sgn = pm_ctype_is_signed(mt);
	if (pm_ctype_tag(mt) == DW_TAG_enumeration_type) {
		Dwarf_Die s;
		pm_ctype_strip(&mt->die, &s);
		print_enum(p, &s, val, (unsigned)bit_size, sgn);
	} else {
		print_int(p, val, sgn && p->o.decimal ? 64 : (unsigned)bit_size, sgn);
	}
	return NULL;
}

static void member_prefix(struct pm_tprinter *p, const struct pm_type *mt, const char *name,
			  uint64_t addr, int indent)
{
	pad(p, indent);
	if (p->o.addrs)
		fprintf(p->out, "%" PRIx64 " ", addr);
	if (p->o.types) {
		pm_ctype_print_name(mt, name, p->out);
		fputs(" = ", p->out);
	} else {
		fprintf(p->out, "%s = ", name);
	}
}

static void report_inline(struct pm_tprinter *p, struct pm_err *err)
{
	fprintf(p->out, "<%s>", err->msg);
	pm_err_free(err);
}

static struct pm_err *print_aggregate(struct pm_tprinter *p, Dwarf_Die *agg, uint64_t addr,
				      int indent)
{
	fputs("{\n", p->out);
	Dwarf_Die m;
	if (dwarf_child(agg, &m) == 0) {
		do {
			if (exhausted(p))
				break;
			int tag = dwarf_tag(&m);
			if (tag != DW_TAG_member && tag != DW_TAG_inheritance)
				continue;
			Dwarf_Attribute a;
			bool flag;
			if (dwarf_attr(&m, DW_AT_declaration, &a) && dwarf_formflag(&a, &flag) == 0 && flag)
				continue;    /* a C++ static member */
			struct pm_type mt = { 0 };
			mt.is_void = !pm_ctype_target(&m, &mt.die);
			Dwarf_Word off = 0;
			attr_udata(&m, DW_AT_data_member_location, &off);
			const char *name = dwarf_diename(&m);
			char *label = NULL;
			if (tag == DW_TAG_inheritance) {
				char *buf = NULL;
				size_t len = 0;
				FILE *f = open_memstream(&buf, &len);
				pm_ctype_print_name(&mt, "", f);
				fclose(f);
				label = xasprintf("<%s>", buf);
				free(buf);
			}
			Dwarf_Word bits;
			if (!name && !label) {
				/* an anonymous struct or union: its members belong to this level */
				pad(p, indent + 1);
				struct pm_err *err = print_value(p, &mt, addr + off, indent + 1);
				if (err)
					report_inline(p, err);
				fputc('\n', p->out);
				continue;
			}
			member_prefix(p, &mt, label ? label : name, addr + off, indent + 1);
			struct pm_err *err = attr_udata(&m, DW_AT_bit_size, &bits) ?
				print_bitfield(p, &m, &mt, addr + off, bits) :
				print_value(p, &mt, addr + off, indent + 1);
			if (err)
				report_inline(p, err);
			fputc('\n', p->out);
			free(label);
		} while (dwarf_siblingof(&m, &m) == 0);
	}
	pad(p, indent);
	fputc('}', p->out);
	return NULL;
}

static struct pm_err *print_array(struct pm_tprinter *p, const struct pm_type *t, uint64_t addr,
				  int indent)
{
	struct pm_type elem;
	uint64_t n, esize;
	pm_ctype_array(t, &elem, &n);
	if (!pm_ctype_size(&elem, &esize) || esize == 0)
		return pm_err_new(PM_ERR_LOOKUP, "array of elements of unknown size");
	if (pm_tprint_is_char(&elem)) {
		fputs("[ ", p->out);
		print_cstring(p, addr, n ? n : MAX_STRING);
		fputs(" ]", p->out);
		return NULL;
	}
	int etag = pm_ctype_tag(&elem);
	bool nested = etag == DW_TAG_structure_type || etag == DW_TAG_union_type ||
		      etag == DW_TAG_class_type || etag == DW_TAG_array_type;
	uint64_t shown = n < MAX_ELEMS ? n : MAX_ELEMS;
	fputs(nested ? "[\n" : "[ ", p->out);
	for (uint64_t i = 0; i < shown; i++) {
		if (nested)
			pad(p, indent + 1);
		struct pm_err *err = print_value(p, &elem, addr + i * esize, indent + 1);
		if (err) {
			report_inline(p, err);
			if (!nested || exhausted(p))
				break;     /* the rest is as unreadable, or too much */
		}
		fputs(nested ? ",\n" : i + 1 < shown ? ", " : "", p->out);
	}
	if (shown < n && nested) {
		pad(p, indent + 1);
		fprintf(p->out, "... (%" PRIu64 " more)\n", n - shown);
	} else if (shown < n) {
		fprintf(p->out, ", ... (%" PRIu64 " more)", n - shown);
	}
	if (nested)
		pad(p, indent);
	fputs(nested ? "]" : " ]", p->out);
	return NULL;
}

static struct pm_err *print_value(struct pm_tprinter *p, const struct pm_type *t, uint64_t addr,
				  int indent)
{
	if (indent > MAX_DEPTH)
		return pm_err_new(PM_ERR_FORMAT, "types nested too deeply");
	if (exhausted(p))
		return pm_err_new(PM_ERR_GENERIC, "more than %d values: the rest is not shown", MAX_VALUES);
	p->values++;
	if (t->is_void && t->ptr == 0)
		return pm_err_new(PM_ERR_LOOKUP, "a void value");
	switch (pm_ctype_tag(t)) {
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type: {
		Dwarf_Die s;
		pm_ctype_strip(&t->die, &s);
		return print_aggregate(p, &s, addr, indent);
	}
	case DW_TAG_array_type:
		return print_array(p, t, addr, indent);
	case DW_TAG_subroutine_type:
		pm_sym_print(p->d, p->out, addr);
		return NULL;
	default:
		return print_scalar_at(p, t, addr);
	}
}

struct pm_err *pm_tprint_value(struct pm_tprinter *p, const struct pm_type *t, uint64_t addr)
{
	return print_value(p, t, addr, 0);
}

struct pm_err *pm_tprint_member(struct pm_tprinter *p, const struct pm_type *t, const char *name,
				uint64_t addr)
{
	member_prefix(p, t, name, addr, 0);
	return print_value(p, t, addr, 0);
}
