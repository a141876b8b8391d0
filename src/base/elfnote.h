/* Walking a buffer of ELF notes (PT_NOTE contents, a kdump's notes):
 * each a 12-byte header, then name and description each padded to 4
 * bytes.  Sizes come from untrusted files: a note that does not fit ends
 * the walk. */
#ifndef PMDB_BASE_ELFNOTE_H
#define PMDB_BASE_ELFNOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_note {
	uint32_t type;
	const unsigned char *name, *desc;
	size_t namesz, descsz;       /* namesz counts the name's NUL, if any */
};

/* The note at *at of [buf, buf + len) in *n, *at moved past it; false at
 * the end or at a note whose sizes run past len. */
bool pm_note_next(const unsigned char *buf, size_t len, size_t *at, struct pm_note *n);

/* Whether the note's owner is NAME (namesz counting its NUL). */
bool pm_note_owner(const struct pm_note *n, const char *name);

#endif
