/* A streaming JSON writer: one compact line, commas placed for the
 * caller.  Strings are escaped (control characters as \n, \t or \u00XX,
 * bytes that are not valid UTF-8 as \uFFFD), so any text from a dump is
 * safe to write. */
#ifndef PM_JSON_H
#define PM_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PM_JSON_MAXDEPTH 32

struct pm_json {
	FILE *out;
	int depth;
	bool need_comma[PM_JSON_MAXDEPTH];
	bool after_key;      /* the next value completes a "key": pair */
};

void pm_json_init(struct pm_json *j, FILE *out);

void pm_json_object(struct pm_json *j);
void pm_json_object_end(struct pm_json *j);
void pm_json_array(struct pm_json *j);
void pm_json_array_end(struct pm_json *j);
/* The key of the next member of the open object. */
void pm_json_key(struct pm_json *j, const char *key);

void pm_json_str(struct pm_json *j, const char *s);       /* NULL writes null */
void pm_json_strn(struct pm_json *j, const char *s, size_t len);
void pm_json_int(struct pm_json *j, int64_t v);
void pm_json_hex(struct pm_json *j, uint64_t v);          /* "0x1f" */
void pm_json_bool(struct pm_json *j, bool v);
void pm_json_null(struct pm_json *j);

/* key and value in one call */
void pm_json_kstr(struct pm_json *j, const char *key, const char *s);
void pm_json_kint(struct pm_json *j, const char *key, int64_t v);
void pm_json_khex(struct pm_json *j, const char *key, uint64_t v);
void pm_json_kbool(struct pm_json *j, const char *key, bool v);

#endif
