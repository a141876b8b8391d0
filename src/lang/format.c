/* mdb's format characters.  Each has a size and a way to print; '/' reads
 * the bytes at dot, '=' formats the value itself.  Output lines start with
 * the address label (sym+off: or the hex address). */
#include "format.h"
#include "../arch/disasm.h"
#include "../base/util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_HEX, K_OCT, K_SDEC, K_UDEC, K_SOCT, K_CHAR, K_CHARESC, K_FLOAT, K_SYM,
	    K_ADDR, K_STR, K_INSN, K_NL, K_TAB, K_DOT_INC, K_DOT_DEC };

struct fmtdef {
	char c;
	unsigned size;   /* 0: pointer size, or not a memory item */
	enum kind kind;
	const char *desc;
};

static const struct fmtdef formats[] = {
	{ 'B', 1, K_HEX, "hexadecimal byte" },
	{ 'b', 1, K_OCT, "octal byte" },
	{ 'c', 1, K_CHAR, "character" },
	{ 'C', 1, K_CHARESC, "character, with C escapes" },
	{ 'x', 2, K_HEX, "hexadecimal 2 bytes" },
	{ 'o', 2, K_OCT, "octal 2 bytes" },
	{ 'q', 2, K_SOCT, "signed octal 2 bytes" },
	{ 'd', 2, K_SDEC, "signed decimal 2 bytes" },
	{ 'u', 2, K_UDEC, "unsigned decimal 2 bytes" },
	{ 'X', 4, K_HEX, "hexadecimal 4 bytes" },
	{ 'O', 4, K_OCT, "octal 4 bytes" },
	{ 'Q', 4, K_SOCT, "signed octal 4 bytes" },
	{ 'D', 4, K_SDEC, "signed decimal 4 bytes" },
	{ 'U', 4, K_UDEC, "unsigned decimal 4 bytes" },
	{ 'f', 4, K_FLOAT, "float (4 bytes)" },
	{ 'J', 8, K_HEX, "hexadecimal 8 bytes" },
	{ 'K', 0, K_HEX, "hexadecimal pointer-sized" },
	{ 'G', 8, K_OCT, "octal 8 bytes" },
	{ 'g', 8, K_SOCT, "signed octal 8 bytes" },
	{ 'e', 8, K_SDEC, "signed decimal 8 bytes" },
	{ 'E', 8, K_UDEC, "unsigned decimal 8 bytes" },
	{ 'F', 8, K_FLOAT, "double (8 bytes)" },
	{ 'p', 0, K_SYM, "pointer, as symbol+offset" },
	{ 'a', 0, K_ADDR, "dot as symbol+offset (no read)" },
	{ 's', 0, K_STR, "NUL-terminated string" },
	{ 'i', 0, K_INSN, "instruction" },
	{ 'n', 0, K_NL, "newline" },
	{ 't', 0, K_TAB, "tab" },
	{ 'r', 0, K_TAB, "whitespace" },
	{ '+', 0, K_DOT_INC, "advance dot by 1" },
	{ '-', 0, K_DOT_DEC, "move dot back by 1" },
};

static const struct fmtdef *fmt_find(char c)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i].c == c)
			return &formats[i];
	return NULL;
}

void pm_format_list(FILE *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		const struct fmtdef *f = &formats[i];
		fprintf(out, "%c - %s\n", f->c, f->desc);
	}
}

static void print_label(struct pmdb *db, uint64_t addr)
{
	struct pm_sym s;
	if (db->dw && pm_sym_by_addr(db->dw, addr, &s) && (s.offset < s.size || s.offset == 0)) {
		pm_sym_print(db->dw, db->out, addr);
		fputs(":", db->out);
	} else {
		fprintf(db->out, "0x%" PRIx64 ":", addr);
	}
	fputs("\t", db->out);
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
	if (size >= 8)
		return (int64_t)v;
	unsigned shift = 64 - 8 * size;
	return (int64_t)(v << shift) >> shift;
}

static void print_char(FILE *out, unsigned char c, bool esc)
{
	if (!esc || (isprint(c) && c != '\\')) {
		fputc(c, out);
		return;
	}
	switch (c) {
	case '\n': fputs("\\n", out); break;
	case '\t': fputs("\\t", out); break;
	case '\r': fputs("\\r", out); break;
	case '\\': fputs("\\\\", out); break;
	case 0: fputs("\\0", out); break;
	default: fprintf(out, "\\%03o", c);
	}
}

/* Print one scalar item of f's kind with value v of size bytes. */
static void print_scalar(struct pmdb *db, const struct fmtdef *f, uint64_t v, unsigned size)
{
	FILE *out = db->out;
	switch (f->kind) {
	case K_HEX: fprintf(out, "%" PRIx64, v); break;
	case K_OCT: fprintf(out, "%" PRIo64, v); break;
	case K_SOCT: {
		int64_t s = sign_extend(v, size);
		fprintf(out, s < 0 ? "-%" PRIo64 : "%" PRIo64, s < 0 ? (uint64_t)-s : (uint64_t)s);
		break;
	}
	case K_SDEC: fprintf(out, "%" PRId64, sign_extend(v, size)); break;
	case K_UDEC: fprintf(out, "%" PRIu64, v); break;
	case K_CHAR: print_char(out, (unsigned char)v, false); break;
	case K_CHARESC: print_char(out, (unsigned char)v, true); break;
	case K_FLOAT:
		if (size == 4) {
			float fl;
			uint32_t u = (uint32_t)v;
			memcpy(&fl, &u, 4);
			fprintf(out, "%g", (double)fl);
		} else {
			double d;
			memcpy(&d, &v, 8);
			fprintf(out, "%g", d);
		}
		break;
	case K_SYM:
	case K_ADDR:
		pm_sym_print(db->dw, out, v);
		break;
	default:
		break;
	}
}

struct fmt_item {
	unsigned repeat;
	const struct fmtdef *def;
};

static struct pm_err *parse_fmt(const char *fmt, struct fmt_item **items, size_t *n)
{
	size_t cap = 0;
	*items = NULL;
	*n = 0;
	const char *p = fmt;
	if (!*p)
		p = "X"; /* mdb's default format */
	while (*p) {
		unsigned rep = 0;
		bool has_rep = false;
		while (isdigit((unsigned char)*p)) {
			rep = rep * 10 + (unsigned)(*p++ - '0');
			has_rep = true;
			if (rep > 1000000) {
				free(*items);
				return pm_err_new(PM_ERR_SYNTAX, "repeat count too large in format '%s'", fmt);
			}
		}
		if (!*p) {
			free(*items);
			return pm_err_new(PM_ERR_SYNTAX, "format '%s' ends in a count", fmt);
		}
		const struct fmtdef *d = fmt_find(*p);
		if (!d) {
			free(*items);
			return pm_err_new(PM_ERR_SYNTAX, "unknown format character '%c' in '%s' (see ::formats)",
					  *p, fmt);
		}
		p++;
		vec_reserve(items, &cap, *n + 1, sizeof(**items));
		(*items)[(*n)++] = (struct fmt_item){ has_rep ? rep : 1, d };
	}
	return NULL;
}

static struct pm_err *format_value(struct pmdb *db, const struct fmt_item *items, size_t n,
				   uint64_t value)
{
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		const struct fmtdef *d = items[i].def;
		for (unsigned r = 0; r < items[i].repeat; r++) {
			if (d->kind == K_NL) { fputc('\n', db->out); continue; }
			if (d->kind == K_TAB) { fputc('\t', db->out); continue; }
			if (d->kind == K_STR || d->kind == K_INSN)
				return pm_err_new(PM_ERR_SYNTAX, "format '%c' needs memory: use '/' not '='", d->c);
			if (d->kind == K_DOT_INC || d->kind == K_DOT_DEC)
				continue;
			unsigned size = d->size ? d->size : 8;
			uint64_t v = size >= 8 ? value : value & ((1ULL << (8 * size)) - 1);
			if (!first)
				fputc(' ', db->out);
			first = false;
			print_scalar(db, d, v, size);
		}
	}
	fputc('\n', db->out);
	return NULL;
}

/* Values go four (8-byte) or eight (smaller) to a line, each line led by
 * the address label; nothing is printed for an item that cannot be read. */
static struct pm_err *format_memory(struct pmdb *db, const struct fmt_item *items, size_t n,
				    uint64_t addr, uint64_t count)
{
	struct pm_target *t = db->t;
	if (!t)
		return pm_err_new(PM_ERR_LOOKUP, "no core file is open");
	struct pm_err *err = NULL;
	for (uint64_t c = 0; c < count && !err; c++) {
		for (size_t i = 0; i < n && !err; i++) {
			const struct fmtdef *d = items[i].def;
			int on_line = 0;
			bool open_line = false;
			for (unsigned r = 0; r < items[i].repeat && !err; r++) {
				unsigned size = d->size ? d->size : t->arch->ptr_size;
				uint64_t v = 0;
				char text[256];
				char *str = NULL;
				unsigned len = 0;
				switch (d->kind) {
				case K_DOT_INC: addr++; continue;
				case K_DOT_DEC: addr--; continue;
				case K_NL: fputc('\n', db->out); open_line = false; continue;
				case K_TAB: fputc('\t', db->out); continue;
				case K_ADDR: break;
				case K_STR: err = pm_target_read_str(t, addr, 4096, &str); break;
				case K_INSN: err = pm_disasm_one(db, addr, text, sizeof(text), &len); break;
				default: err = pm_target_read(t, addr, &v, size, "memory"); break;
				}
				if (err)
					break;
				bool wrap = d->kind == K_STR || d->kind == K_INSN || d->kind == K_ADDR ||
					    on_line == (size >= 8 ? 4 : 8);
				if (open_line && wrap) {
					fputc('\n', db->out);
					open_line = false;
				}
				if (!open_line) {
					print_label(db, addr);
					open_line = true;
					on_line = 0;
				}
				if (on_line++)
					fputc(' ', db->out);
				if (d->kind == K_ADDR) {
					pm_sym_print(db->dw, db->out, addr);
				} else if (d->kind == K_STR) {
					for (char *p = str; *p; p++)
						print_char(db->out, (unsigned char)*p, true);
					addr += strlen(str) + 1;
					free(str);
				} else if (d->kind == K_INSN) {
					fputs(text, db->out);
					addr += len;
				} else {
					print_scalar(db, d, v, size);
					addr += size;
				}
			}
			if (open_line)
				fputc('\n', db->out);
		}
	}
	db->dot = addr;
	return err;
}

struct pm_err *pm_format(struct pmdb *db, const char *fmt, bool is_value, uint64_t addr,
			 uint64_t count)
{
	struct fmt_item *items;
	size_t n;
	struct pm_err *err = parse_fmt(fmt, &items, &n);
	if (err)
		return err;
	if (is_value) {
		for (uint64_t c = 0; c < count && !err; c++)
			err = format_value(db, items, n, addr);
	} else {
		uint64_t start = addr;
		err = format_memory(db, items, n, addr, count);
		if (err)
			db->dot = start;
	}
	free(items);
	return err;
}
