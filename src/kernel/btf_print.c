/* ::print on kernel dumps, with the types of the dump's BTF: the same
 * layout as the DWARF printer (src/dwarf/tprint.c) gives user cores:
 * "name = value" per member, nested aggregates in braces, integers in hex
 * unless decimal, char arrays as strings, enums by name. */
#include "btf.h"
#include "kernel.h"
#include "../base/util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16
#define MAX_ELEMS 256
#define MAX_VALUES 100000

enum {
	K_INT = 1, K_PTR, K_ARRAY, K_STRUCT, K_UNION, K_ENUM, K_FWD, K_TYPEDEF, K_VOLATILE,
	K_CONST, K_RESTRICT, K_FUNC, K_FUNC_PROTO, K_VAR, K_DATASEC, K_FLOAT, K_DECL_TAG,
	K_TYPE_TAG, K_ENUM64,
};

struct printer {
	struct pm_target *t;
	const struct pm_btf *b;
	FILE *out;
	const struct pm_print_opts *o;
	size_t values;
};

static const uint32_t *raw(const struct pm_btf *b, uint32_t id)
{
	return id && id < b->ntypes ? (const uint32_t *)(b->types + b->offsets[id]) : NULL;
}

static unsigned kind(const uint32_t *t) { return (t[1] >> 24) & 0x1f; }
static unsigned vlen(const uint32_t *t) { return t[1] & 0xffff; }
static const char *name_of(const struct pm_btf *b, uint32_t off) { return off < b->str_len ? b->strs + off : ""; }

static uint32_t strip(const struct pm_btf *b, uint32_t id)
{
	for (int i = 0; i < 32; i++) {
		const uint32_t *t = raw(b, id);
		if (!t)
			return 0;
		unsigned k = kind(t);
		if (k != K_TYPEDEF && k != K_VOLATILE && k != K_CONST && k != K_RESTRICT && k != K_TYPE_TAG)
			return id;
		id = t[2];
	}
	return 0;
}

static void pad(struct printer *p, int depth)
{
	fprintf(p->out, "%*s", depth * 4, "");
}

static void print_int(struct printer *p, uint64_t v, unsigned bits, bool sgn)
{
	if (bits < 64)
		v &= (1ull << bits) - 1;
	if (p->o->decimal && sgn && bits < 64 && (v >> (bits - 1)))
		fprintf(p->out, "%" PRId64, (int64_t)(v | ~((1ull << bits) - 1)));
	else if (p->o->decimal)
		fprintf(p->out, "%" PRIu64, v);
	else
		fprintf(p->out, "0x%" PRIx64, v);
}

static struct pm_err *value(struct printer *p, uint32_t id, uint64_t addr, uint64_t bit_off,
			    unsigned bit_size, int depth);

static void print_enum(struct printer *p, const uint32_t *t, uint64_t v)
{
	print_int(p, v, (unsigned)t[2] * 8, false);
	const uint32_t *e = t + 3;
	for (unsigned i = 0; i < vlen(t); i++, e += kind(t) == K_ENUM64 ? 3 : 2) {
		uint64_t ev = kind(t) == K_ENUM64 ? ((uint64_t)e[2] << 32 | e[1]) : (uint64_t)(int64_t)(int32_t)e[1];
		if (t[2] < 8)
			ev &= (1ull << (t[2] * 8)) - 1;
		if (ev == v) {
			fprintf(p->out, " (%s)", name_of(p->b, e[0]));
			return;
		}
	}
}

static struct pm_err *scalar(struct printer *p, const uint32_t *t, uint64_t addr, uint64_t bit_off,
			     unsigned bit_size)
{
	uint64_t size = kind(t) == K_PTR ? 8 : t[2];
	if (size == 0 || size > 8)
		return pm_err_new(PM_ERR_GENERIC, "a %" PRIu64 "-byte scalar", size);
	unsigned char buf[16] = { 0 };
	size_t need = bit_size ? (size_t)((bit_off % 8 + bit_size + 7) / 8) : (size_t)size;
	if (pm_memmap_read_partial(&p->t->mem, addr + bit_off / 8, buf, need) != need)
		return pm_err_fault(addr + bit_off / 8, "value");
	unsigned __int128 w = 0;
	for (size_t i = need; i-- > 0;)
		w = (w << 8) | buf[i];
	uint64_t v = (uint64_t)(w >> (bit_size ? bit_off % 8 : 0));
	unsigned bits = bit_size ? bit_size : (unsigned)size * 8;
	switch (kind(t)) {
	case K_PTR: {
		fprintf(p->out, "0x%" PRIx64, v);
		const struct pm_ksym *s = v ? pm_ksym_by_addr(p->t, v) : NULL;
		if (s && s->addr == v)
			fprintf(p->out, " <%s>", s->name);
		break;
	}
	case K_ENUM:
	case K_ENUM64:
		print_enum(p, t, v);
		break;
	case K_INT: {
		bool sgn = (t[3] >> 24) & 1;
		bool is_char = (t[3] >> 24) & 2;
		bool is_bool = (t[3] >> 24) & 4;
		if (is_bool) {
			fputs(v ? "true" : "false", p->out);
		} else {
			print_int(p, v, bits, sgn);
			if (is_char && size == 1 && isprint((int)(v & 0xff)))
				fprintf(p->out, " '%c'", (int)(v & 0xff));
		}
		break;
	}
	default:
		print_int(p, v, bits, false);
	}
	return NULL;
}

static bool is_char(const struct pm_btf *b, uint32_t id)
{
	const uint32_t *t = raw(b, strip(b, id));
	return t && kind(t) == K_INT && t[2] == 1;
}

static struct pm_err *array(struct printer *p, const uint32_t *t, uint64_t addr, int depth)
{
	uint32_t elem = t[3], n = t[5];
	uint64_t esize = pm_btf_size(p->b, elem);
	if (is_char(p->b, elem)) {
		char s[257];
		size_t len = n < 256 ? n : 256;
		size_t got = pm_memmap_read_partial(&p->t->mem, addr, s, len);
		s[got] = 0;
		fputs("[ \"", p->out);
		for (size_t i = 0; i < got && s[i]; i++)
			fputc(isprint((unsigned char)s[i]) ? s[i] : '?', p->out);
		fputs("\" ]", p->out);
		return NULL;
	}
	const uint32_t *et = raw(p->b, strip(p->b, elem));
	bool nested = et && (kind(et) == K_STRUCT || kind(et) == K_UNION || kind(et) == K_ARRAY);
	uint32_t shown = n < MAX_ELEMS ? n : MAX_ELEMS;
	fputs(nested ? "[\n" : "[ ", p->out);
	for (uint32_t i = 0; i < shown; i++) {
		if (nested)
			pad(p, depth + 1);
		struct pm_err *err = value(p, elem, addr + i * esize, 0, 0, depth + 1);
		if (err) {
			fprintf(p->out, "<%s>", err->msg);
			pm_err_free(err);
			break;
		}
		fputs(nested ? ",\n" : i + 1 < shown ? ", " : "", p->out);
	}
	if (shown < n)
		fprintf(p->out, "%s... (%u more)", nested ? "" : ", ", n - shown);
	if (nested)
		pad(p, depth);
	fputs(nested ? "]" : " ]", p->out);
	return NULL;
}

static struct pm_err *aggregate(struct printer *p, const uint32_t *t, uint64_t addr, int depth)
{
	bool kflag = t[1] >> 31;
	const uint32_t *m = t + 3;
	fputs("{\n", p->out);
	for (unsigned i = 0; i < vlen(t) && p->values < MAX_VALUES; i++, m += 3) {
		uint64_t bits = kflag ? (m[2] & 0xffffff) : m[2];
		unsigned bsize = kflag ? m[2] >> 24 : 0;
		const char *name = name_of(p->b, m[0]);
		pad(p, depth + 1);
		if (p->o->addrs)
			fprintf(p->out, "%" PRIx64 " ", addr + bits / 8);
		if (*name)
			fprintf(p->out, "%s = ", name);
		struct pm_err *err = value(p, m[1], addr, bits, bsize, depth + 1);
		if (err) {
			fprintf(p->out, "<%s>", err->msg);
			pm_err_free(err);
		}
		fputc('\n', p->out);
	}
	pad(p, depth);
	fputc('}', p->out);
	return NULL;
}

static struct pm_err *value(struct printer *p, uint32_t id, uint64_t addr, uint64_t bit_off,
			    unsigned bit_size, int depth)
{
	if (depth > MAX_DEPTH)
		return pm_err_new(PM_ERR_FORMAT, "types nested too deeply");
	p->values++;
	const uint32_t *t = raw(p->b, strip(p->b, id));
	if (!t)
		return pm_err_new(PM_ERR_LOOKUP, "void");
	switch (kind(t)) {
	case K_STRUCT:
	case K_UNION:
		return aggregate(p, t, addr + bit_off / 8, depth);
	case K_ARRAY:
		return array(p, t, addr + bit_off / 8, depth);
	case K_INT: case K_PTR: case K_ENUM: case K_ENUM64: case K_FLOAT:
		return scalar(p, t, addr, bit_off, bit_size);
	default:
		return pm_err_new(PM_ERR_LOOKUP, "a type pmdb does not print (BTF kind %u)", kind(t));
	}
}

/* "struct task_struct", "task_struct": the struct or union by name. */
static uint32_t lookup(const struct pm_btf *b, const char *type)
{
	const char *name = type;
	if (strncmp(name, "struct ", 7) == 0)
		name += 7;
	else if (strncmp(name, "union ", 6) == 0)
		name += 6;
	while (*name == ' ')
		name++;
	return pm_btf_find_struct(b, name);
}

struct pm_err *pm_kernel_print(struct pm_target *t, const char *type, uint64_t addr,
			       char *const *members, int nmembers, const struct pm_print_opts *o,
			       FILE *out)
{
	struct pm_btf *b;
	struct pm_err *err = pm_kernel_btf(t, &b);
	if (err)
		return err;
	uint32_t id = lookup(b, type);
	if (!id)
		return pm_err_new(PM_ERR_LOOKUP, "no struct or union '%s' in the dump's BTF", type);
	struct printer p = { t, b, out, o, 0 };
	if (!pm_target_readable(t, addr))
		return pm_err_fault(addr, type);
	if (nmembers == 0) {
		err = value(&p, id, addr, 0, 0, 0);
		fputc('\n', out);
		return err;
	}
	for (int i = 0; i < nmembers && !err; i++) {
		uint64_t off;
		uint32_t mtype;
		if (!pm_btf_member(b, id, members[i], &off, &mtype))
			return pm_err_new(PM_ERR_LOOKUP, "no member '%s' in %s (BTF)", members[i], type);
		if (!pm_target_readable(t, addr + off))
			return pm_err_fault(addr + off, members[i]);
		fprintf(out, "%s = ", members[i]);
		err = value(&p, mtype, addr + off, 0, 0, 0);
		fputc('\n', out);
	}
	return err;
}
