/* The VMCOREINFO text of a kdump-compressed file, checked before
 * libkdumpfile parses it.  libkdumpfile 0.5 turns each KEY=VALUE line into
 * an attribute under linux.vmcoreinfo.lines, splitting KEY at dots; a key
 * that starts with a dot makes it read past a heap buffer (found by
 * fuzz_kdump), and a key that is also the part before a dot of another
 * key (A=1 and A.B=2) is leaked.  The kernel writes neither (its dots are
 * inside OFFSET(struct.member)), so such a dump is refused.
 * The text is looked for where libkdumpfile looks: the sub-header's
 * VMCOREINFO (header version 3 on) and the VMCOREINFO ELF note (4 on). */
#include "kdump_vmci.h"
#include "../base/elfnote.h"
#include "../base/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Notes or text larger than this are not read for the check (libkdumpfile
 * reads them, but no kernel's are this large). */
#define MAX_CHECKED (16u << 20)

struct key {
	const char *s;
	size_t len;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Some key is also the part before a dot of another ("A=1", "A.B=2"): the
 * attribute would be both a value and a folder. */
static bool value_and_folder(struct key *keys, size_t n)
{
	if (n == 0)
		return false;       /* qsort and bsearch take no NULL table */
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < n; i++) {
		for (size_t d = 0; d < keys[i].len; d++) {
			if (keys[i].s[d] != '.')
				continue;
			struct key prefix = { keys[i].s, d };
			if (bsearch(&prefix, keys, n, sizeof(*keys), key_cmp))
				return true;
		}
	}
	return false;
}

static const char *text_problem(const char *s, size_t len)
{
	const char *end = s + len;
	struct key *keys = NULL;
	size_t n = 0, cap = 0;
	const char *why = NULL;
	while (s < end && !why) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *line_end = nl ? nl : end;
		/* libkdumpfile's key: the line up to its '=', or all of a line
		 * without one, as a C string (it ends at a NUL) */
		const char *eq = memchr(s, '=', (size_t)(line_end - s));
		size_t klen = strnlen(s, (size_t)((eq ? eq : line_end) - s));
		if (klen && s[0] == '.')
			why = "a VMCOREINFO line's key starts with a dot";
		else if (klen) {
			vec_reserve(&keys, &cap, n + 1, sizeof(*keys));
			keys[n++] = (struct key){ s, klen };
		}
		s = line_end + 1;
	}
	if (!why && value_and_folder(keys, n))
		why = "a VMCOREINFO key is also the start of another's before a dot";
	free(keys);
	return why;
}

static char *read_region(int fd, uint64_t off, uint64_t len, uint64_t fsize)
{
	if (len == 0 || len > MAX_CHECKED || off > fsize || len > fsize - off)
		return NULL;
	char *buf = malloc(len);
	if (buf && pread(fd, buf, len, (off_t)off) != (ssize_t)len) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The VMCOREINFO notes among the notes (4-byte aligned ELF notes; like
 * libkdumpfile, the walk stops at a note that does not fit). */
static const char *notes_problem(const unsigned char *p, size_t len)
{
	size_t at = 0;
	struct pm_note n;
	while (pm_note_next(p, len, &at, &n)) {
		const char *why = pm_note_owner(&n, "VMCOREINFO") ? text_problem((const char *)n.desc, n.descsz)
								  : NULL;
		if (why)
			return why;
	}
	return NULL;
}

const char *pm_kdump_vmcoreinfo_problem(int fd, int version, const uint64_t sub[10], uint64_t fsize)
{
	const char *why = NULL;
	if (version >= 3) {
		char *text = read_region(fd, sub[4], sub[5], fsize);
		if (text)
			why = text_problem(text, sub[5]);
		free(text);
	}
	if (!why && version >= 4) {
		char *notes = read_region(fd, sub[6], sub[7], fsize);
		if (notes)
			why = notes_problem((const unsigned char *)notes, sub[7]);
		free(notes);
	}
	return why;
}
