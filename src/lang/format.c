/* mdb's format characters.  Each has a size and a way to print; '/' reads
 * the bytes at dot, '?' the object file's bytes for dot, '\\' the physical
 * memory at dot (kernel dumps), '=' formats the
 * value itself.  Output lines start with the address label (sym+off: or
 * the hex address).  As in mdb, dot stays where the verb started and the
 * increment (read by '+' and '^' in expressions) records how far it read. */
#include "format.h"
#include "vars.h"
#include "../arch/disasm.h"
#include "../kernel/kernel.h"
#include "../base/util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum kind { K_HEX, K_OCT, K_SDEC, K_UDEC, K_SOCT, K_CHAR, K_CHARESC, K_FLOAT, K_SYM,
	    K_ADDR, K_STR, K_ESTR, K_INSN, K_DINSN, K_NL, K_TAB, K_WS, K_DOT_INC, K_DOT_DEC,
	    K_CARET, K_BIN, K_RADIX, K_SWAP, K_TIME };

enum { F_ALT = 1,      /* octal with a leading 0 */
       F_WRITE = 2,    /* after '/', '?' or '\\' it writes instead */
       F_NOSIZE = 4,   /* reads nothing */
       F_VARSIZE = 8 };

struct fmtdef {
	char c;
	unsigned size;   /* 0: pointer size */
	enum kind kind;
	unsigned flags;
	const char *desc;
};

/* In ASCII order, as ::formats lists them. */
static const struct fmtdef formats[] = {
	{ '+', 1, K_DOT_INC, F_VARSIZE, "increment dot by the count" },
	{ '-', 1, K_DOT_DEC, F_VARSIZE, "decrement dot by the count" },
	{ 'B', 1, K_HEX, 0, "hexadecimal" },
	{ 'C', 1, K_CHARESC, 0, "character in C notation" },
	{ 'D', 4, K_SDEC, 0, "signed decimal" },
	{ 'E', 8, K_UDEC, 0, "unsigned decimal" },
	{ 'F', 8, K_FLOAT, 0, "double" },
	{ 'G', 8, K_OCT, 0, "unsigned octal" },
	{ 'H', 4, K_SWAP, 0, "hexadecimal, bytes swapped" },
	{ 'I', 0, K_DINSN, F_VARSIZE, "address and disassembled instruction" },
	{ 'J', 8, K_HEX, 0, "hexadecimal" },
	{ 'K', 0, K_HEX, 0, "hexadecimal uintptr_t" },
	{ 'N', 0, K_NL, F_NOSIZE, "newline" },
	{ 'O', 4, K_OCT, F_ALT, "unsigned octal" },
	{ 'P', 0, K_SYM, 0, "symbol" },
	{ 'Q', 4, K_SOCT, F_ALT, "signed octal" },
	{ 'R', 8, K_BIN, 0, "binary" },
	{ 'S', 0, K_ESTR, F_VARSIZE, "string in C notation" },
	{ 'T', 0, K_TAB, F_NOSIZE, "horizontal tab" },
	{ 'U', 4, K_UDEC, 0, "unsigned decimal" },
	{ 'V', 1, K_UDEC, 0, "unsigned decimal" },
	{ 'W', 4, K_RADIX, F_WRITE, "unsigned, default radix" },
	{ 'X', 4, K_HEX, 0, "hexadecimal" },
	{ 'Y', 4, K_TIME, 0, "time_t as a UTC date" },
	{ 'Z', 8, K_HEX, F_WRITE, "hexadecimal" },
	{ '^', 0, K_CARET, F_VARSIZE, "decrement dot by the increment times the count" },
	{ 'a', 0, K_ADDR, F_NOSIZE, "dot as symbol+offset" },
	{ 'b', 1, K_OCT, F_ALT, "unsigned octal" },
	{ 'c', 1, K_CHAR, 0, "character" },
	{ 'd', 2, K_SDEC, 0, "signed decimal" },
	{ 'e', 8, K_SDEC, 0, "signed decimal" },
	{ 'f', 4, K_FLOAT, 0, "float" },
	{ 'g', 8, K_SOCT, 0, "signed octal" },
	{ 'h', 2, K_SWAP, 0, "hexadecimal, bytes swapped" },
	{ 'i', 0, K_INSN, F_VARSIZE, "disassembled instruction" },
	{ 'n', 0, K_NL, F_NOSIZE, "newline" },
	{ 'o', 2, K_OCT, F_ALT, "unsigned octal" },
	{ 'p', 0, K_SYM, 0, "symbol" },
	{ 'q', 2, K_SOCT, F_ALT, "signed octal" },
	{ 'r', 0, K_WS, F_NOSIZE, "whitespace" },
	{ 's', 0, K_STR, F_VARSIZE, "raw string" },
	{ 't', 0, K_TAB, F_NOSIZE, "horizontal tab" },
	{ 'u', 2, K_UDEC, 0, "unsigned decimal" },
	{ 'v', 1, K_SDEC, F_WRITE, "signed decimal" },
	{ 'w', 2, K_RADIX, F_WRITE, "unsigned, default radix" },
	{ 'x', 2, K_HEX, 0, "hexadecimal" },
	{ 'y', 8, K_TIME, 0, "time_t as a UTC date" },
};

static const struct fmtdef *fmt_find(char c)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i].c == c)
			return &formats[i];
	return NULL;
}

bool pm_format_writes(char c)
{
	const struct fmtdef *f = fmt_find(c);
	return f && (f->flags & F_WRITE);
}

void pm_format_list(FILE *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		const struct fmtdef *f = &formats[i];
		fprintf(out, "%c - %s%s", f->c, f->flags & F_WRITE ? "write, or show as " : "", f->desc);
		if (f->flags & F_VARSIZE)
			fputs(" (variable size)\n", out);
		else if (f->flags & F_NOSIZE)
			fputs("\n", out);
		else if (f->size == 1)
			fputs(" (1 byte)\n", out);
		else
			fprintf(out, " (%u bytes)\n", f->size ? f->size : 8);
	}
}

static void print_label(struct pmdb *db, enum pm_fmt_source src, uint64_t addr)
{
	struct pm_sym s;
	if (src != PM_FMT_PHYS && db->dw && pm_sym_by_addr(db->dw, addr, &s) && (s.offset < s.size || s.offset == 0)) {
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

static void print_octal(FILE *out, uint64_t mag, bool neg, bool alt)
{
	fprintf(out, "%s%s%" PRIo64, neg ? "-" : "", alt && mag ? "0" : "", mag);
}

static void print_time(FILE *out, int64_t secs)
{
	time_t tt = (time_t)secs;
	struct tm tm;
	char buf[64];
	if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y %b %e %H:%M:%S", &tm))
		fprintf(out, "%" PRId64, secs);
	else
		fputs(buf, out);
}

static uint64_t swap_bytes(uint64_t v, unsigned size)
{
	uint64_t r = 0;
	for (unsigned i = 0; i < size; i++)
		r = r << 8 | ((v >> (8 * i)) & 0xff);
	return r;
}

/* Print one scalar item of f's kind with value v of size bytes. */
static void print_scalar(struct pmdb *db, const struct fmtdef *f, uint64_t v, unsigned size)
{
	FILE *out = db->out;
	bool alt = f->flags & F_ALT;
	switch (f->kind) {
	case K_HEX: fprintf(out, "%" PRIx64, v); break;
	case K_OCT: print_octal(out, v, false, alt); break;
	case K_SOCT: {
		int64_t s = sign_extend(v, size);
		print_octal(out, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0, alt);
		break;
	}
	case K_SDEC: fprintf(out, "%" PRId64, sign_extend(v, size)); break;
	case K_UDEC: fprintf(out, "%" PRIu64, v); break;
	case K_RADIX: pm_print_radix(db, out, v); break;
	case K_BIN:
	{
		int top = 63;
		while (top > 0 && !((v >> top) & 1))
			top--;
		for (int bit = top; bit >= 0; bit--)
			fputc('0' + (int)((v >> bit) & 1), out);
		break;
	}
	case K_SWAP: fprintf(out, "%" PRIx64, swap_bytes(v, size)); break;
	case K_TIME: print_time(out, sign_extend(v, size)); break;
	case K_CHAR: print_char(out, (unsigned char)v, false); break;
	case K_CHARESC: print_char(out, (unsigned char)v, true); break;
	case K_FLOAT:
		if (size == 4) {
			float fl;
			uint32_t u = (uint32_t)v;
			memcpy(&fl, &u, 4);
			fprintf(out, "%e", (double)fl);
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
	pm_var_set(db, "0", f->kind == K_SWAP ? swap_bytes(v, size) : v);
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
			switch (d->kind) {
			case K_NL: fputc('\n', db->out); first = true; continue;
			case K_TAB: fputc('\t', db->out); first = true; continue;
			case K_WS: fputc(' ', db->out); first = true; continue;
			case K_STR: case K_ESTR: case K_INSN: case K_DINSN:
				return pm_err_new(PM_ERR_SYNTAX, "format '%c' needs memory: use '/' not '='", d->c);
			case K_DOT_INC: case K_DOT_DEC: case K_CARET:
				continue;
			default:
				break;
			}
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

/* Where '/', '?' and '\\' read from. */
static size_t read_some(struct pmdb *db, enum pm_fmt_source src, uint64_t addr, void *buf, size_t len)
{
	if (src == PM_FMT_OBJECT)
		return db->dw ? pm_dwarf_read_object(db->dw, addr, buf, len) : 0;
	if (src == PM_FMT_PHYS)
		return pm_kernel_read_phys(db->t, addr, buf, len);
	return pm_memmap_read_partial(&db->t->mem, addr, buf, len);
}

static struct pm_err *read_exact(struct pmdb *db, enum pm_fmt_source src, uint64_t addr, void *buf,
				 size_t len)
{
	size_t n = read_some(db, src, addr, buf, len);
	if (n == len)
		return NULL;
	if (src == PM_FMT_OBJECT)
		return pm_err_new(PM_ERR_FAULT, "address 0x%" PRIx64 " is not in an object file's contents",
				  addr + n);
	if (src == PM_FMT_PHYS)
		return pm_err_new(PM_ERR_FAULT, "physical address 0x%" PRIx64 " is not in the dump", addr + n);
	return pm_err_fault(addr + n, "memory");
}

static struct pm_err *read_string(struct pmdb *db, enum pm_fmt_source src, uint64_t addr, char **out)
{
	size_t cap = 0, len = 0;
	char *s = NULL;
	for (;;) {
		char c;
		struct pm_err *err = read_exact(db, src, addr + len, &c, 1);
		if (err) {
			free(s);
			return err;
		}
		vec_reserve(&s, &cap, len + 1, 1);
		s[len++] = c;
		if (!c || len == 4096)
			break;
	}
	s[len - 1] = 0;
	*out = s;
	return NULL;
}

static struct pm_err *read_insn(struct pmdb *db, enum pm_fmt_source src, uint64_t addr, char *text,
				size_t textlen, unsigned *len)
{
	uint8_t buf[16];
	size_t n = read_some(db, src, addr, buf, sizeof(buf));
	if (n == 0)
		return read_exact(db, src, addr, buf, 1);
	return pm_disasm_bytes(db, addr, buf, n, text, textlen, len);
}

/* One pass over the format list from addr; returns where it ended.  Values
 * go four (8-byte) or eight (smaller) to a line, each line led by the
 * address label. */
static struct pm_err *format_memory(struct pmdb *db, enum pm_fmt_source src, const struct fmt_item *items,
				    size_t n, uint64_t *addrp, uint64_t incr)
{
	struct pm_target *t = db->t;
	uint64_t addr = *addrp;
	struct pm_err *err = NULL;
	int on_line = 0;
	bool open_line = false, spaced = false;
	for (size_t i = 0; i < n && !err; i++) {
		const struct fmtdef *d = items[i].def;
		for (unsigned r = 0; r < items[i].repeat && !err; r++) {
			unsigned size = d->size ? d->size : t->arch->ptr_size;
			uint64_t v = 0;
			char text[256];
			char *str = NULL;
			unsigned len = 0;
			switch (d->kind) {
			case K_DOT_INC: addr++; continue;
			case K_DOT_DEC: addr--; continue;
			case K_CARET: addr -= incr; continue;
			case K_NL: fputc('\n', db->out); open_line = false; continue;
			case K_TAB: fputc('\t', db->out); spaced = true; continue;
			case K_WS: fputc(' ', db->out); spaced = true; continue;
			case K_ADDR:
				if (open_line)
					fputc('\n', db->out);
				if (src == PM_FMT_PHYS)
					fprintf(db->out, "0x%" PRIx64, addr);
				else
					pm_sym_print(db->dw, db->out, addr);
				fputs(":\t", db->out);
				open_line = true;
				on_line = 0;
				continue;
			case K_STR: case K_ESTR: err = read_string(db, src, addr, &str); break;
			case K_INSN: case K_DINSN:
				err = read_insn(db, src, addr, text, sizeof(text), &len);
				break;
			default: err = read_exact(db, src, addr, &v, size); break;
			}
			if (err)
				break;
			if (d->kind == K_DINSN) { /* its own line, as mdb: address, first word, insn */
				uint32_t word = 0;
				read_some(db, src, addr, &word, sizeof(word));
				if (open_line)
					fputc('\n', db->out);
				fprintf(db->out, "%" PRIx64 " %x: %s\n", addr, word, text);
				open_line = false;
				addr += len;
				continue;
			}
			bool wrap = d->kind == K_STR || d->kind == K_ESTR || d->kind == K_INSN ||
				    on_line == (size >= 8 ? 4 : 8);
			if (open_line && wrap && on_line) {
				fputc('\n', db->out);
				open_line = false;
			}
			if (!open_line) {
				print_label(db, src, addr);
				open_line = true;
				on_line = 0;
			}
			if (on_line++ && !spaced)
				fputc(' ', db->out);
			spaced = false;
			if (d->kind == K_STR || d->kind == K_ESTR) {
				for (char *p = str; *p; p++)
					print_char(db->out, (unsigned char)*p, d->kind == K_ESTR);
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
	}
	if (open_line)
		fputc('\n', db->out);
	*addrp = addr;
	return err;
}

/* Does each pass over the format read memory and never step back?  Then
 * a count ends at the first unreadable byte; otherwise nothing bounds it. */
static bool reads_forward(const struct fmt_item *items, size_t n)
{
	bool reads = false;
	for (size_t i = 0; i < n; i++) {
		const struct fmtdef *d = items[i].def;
		if (d->kind == K_DOT_DEC || d->kind == K_CARET)
			return false;
		if (!(d->flags & F_NOSIZE) && d->kind != K_DOT_INC && items[i].repeat)
			reads = true;
	}
	return reads;
}

#define MAX_UNBOUNDED_ITEMS 1000000

static struct pm_err *check_count(const struct fmt_item *items, size_t n, enum pm_fmt_source src,
				  uint64_t count)
{
	if (src != PM_FMT_VALUE && reads_forward(items, n))
		return NULL;
	uint64_t per_pass = 0;
	for (size_t i = 0; i < n; i++)
		per_pass += items[i].repeat;
	if (count > MAX_UNBOUNDED_ITEMS || (count && per_pass > MAX_UNBOUNDED_ITEMS / count))
		return pm_err_new(PM_ERR_SYNTAX, "count 0x%" PRIx64 " too large: this format would "
				  "repeat more than %d times", count, MAX_UNBOUNDED_ITEMS);
	return NULL;
}

struct pm_err *pm_format(struct pmdb *db, const char *fmt, enum pm_fmt_source src,
			 uint64_t addr, uint64_t count)
{
	struct fmt_item *items;
	size_t n;
	struct pm_err *err = parse_fmt(fmt, &items, &n);
	if (!err && (err = check_count(items, n, src, count)))
		free(items);
	if (err)
		return err;
	if (src == PM_FMT_VALUE) {
		for (uint64_t c = 0; c < count && !err; c++)
			err = format_value(db, items, n, addr);
		free(items);
		return err;
	}
	if (!db->t || (src == PM_FMT_PHYS && !db->t->kernel)) {
		free(items);
		return pm_err_new(PM_ERR_LOOKUP, !db->t ? "no core file is open" :
				  "addr\\fmt reads physical memory: only a kernel crash dump has it "
				  "(use addr/fmt for the process's memory)");
	}
	/* A count repeats the verb, each time where the last one ended; dot
	 * is left at the start of the last repetition. */
	uint64_t start = addr;
	for (uint64_t c = 0; c < count && !err; c++) {
		start = addr;
		err = format_memory(db, src, items, n, &addr, db->incr);
		db->dot = start;
		db->incr = addr - start;
	}
	free(items);
	return err;
}
