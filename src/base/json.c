/* The JSON writer: separators and string escaping. */
#include "json.h"

#include <inttypes.h>
#include <string.h>

void pm_json_init(struct pm_json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* Before any value or key: the comma that separates it from the last. */
static void sep(struct pm_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->depth <= PM_JSON_MAXDEPTH) {
		if (j->need_comma[j->depth - 1])
			fputc(',', j->out);
		j->need_comma[j->depth - 1] = true;
	}
}

static void open_(struct pm_json *j, char c)
{
	sep(j);
	fputc(c, j->out);
	if (j->depth < PM_JSON_MAXDEPTH)
		j->need_comma[j->depth] = false;
	j->depth++;
}

static void close_(struct pm_json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
}

void pm_json_object(struct pm_json *j) { open_(j, '{'); }
void pm_json_object_end(struct pm_json *j) { close_(j, '}'); }
void pm_json_array(struct pm_json *j) { open_(j, '['); }
void pm_json_array_end(struct pm_json *j) { close_(j, ']'); }

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if the
 * bytes there are not one: overlong forms, surrogates and code points
 * past U+10FFFF are refused as JSON readers would. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void escaped(FILE *out, const unsigned char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = utf8_len(s + i, n - i);
		if (len == 0) {
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		if (len > 1) {
			fwrite(s + i, 1, len, out);
		} else if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (c == '\r') {
			fputs("\\r", out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
		} else {
			fputc(c, out);
		}
		i += len;
	}
	fputc('"', out);
}

void pm_json_key(struct pm_json *j, const char *key)
{
	sep(j);
	escaped(j->out, (const unsigned char *)key, strlen(key));
	fputc(':', j->out);
	j->after_key = true;
}

void pm_json_strn(struct pm_json *j, const char *s, size_t len)
{
	sep(j);
	escaped(j->out, (const unsigned char *)s, len);
}

void pm_json_str(struct pm_json *j, const char *s)
{
	if (!s)
		pm_json_null(j);
	else
		pm_json_strn(j, s, strlen(s));
}

void pm_json_int(struct pm_json *j, int64_t v)
{
	sep(j);
	fprintf(j->out, "%" PRId64, v);
}

void pm_json_hex(struct pm_json *j, uint64_t v)
{
	sep(j);
	fprintf(j->out, "\"0x%" PRIx64 "\"", v);
}

void pm_json_bool(struct pm_json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->out);
}

void pm_json_null(struct pm_json *j)
{
	sep(j);
	fputs("null", j->out);
}

void pm_json_kstr(struct pm_json *j, const char *key, const char *s)
{
	pm_json_key(j, key);
	pm_json_str(j, s);
}

void pm_json_kint(struct pm_json *j, const char *key, int64_t v)
{
	pm_json_key(j, key);
	pm_json_int(j, v);
}

void pm_json_khex(struct pm_json *j, const char *key, uint64_t v)
{
	pm_json_key(j, key);
	pm_json_hex(j, v);
}

void pm_json_kbool(struct pm_json *j, const char *key, bool v)
{
	pm_json_key(j, key);
	pm_json_bool(j, v);
}
