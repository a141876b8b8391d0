/* Finding a separate debug file by its .gnu_debuglink name. */
#ifndef PM_DEBUGLINK_H
#define PM_DEBUGLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_debuglink_query {
	const char *file_name;          /* the module's file on disk */
	const char *link;               /* .gnu_debuglink name, or NULL */
	bool has_crc;
	uint32_t crc;                   /* the link's CRC32 of the debug file */
	const unsigned char *id;        /* the module's build-id, if idlen > 0 */
	int idlen;
	const char *const *dirs;        /* debug folders: -d folders, /usr/lib/debug */
	size_t ndirs;
	const char *trace_module;       /* if set: log each place tried under it */
};

/* Open the debug file, set *found to its path (malloc'd); -1 if none. */
int pm_debuglink_find(const struct pm_debuglink_query *q, char **found);

#endif
