/* systemd-coredump's folder of cores: core.COMM.UID.BOOTID.PID.USEC[.zst]
 * file names, with the user.coredump.* extended attributes it also sets. */
#ifndef PM_COREDUMPDIR_H
#define PM_COREDUMPDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

struct pm_coredump {
	char *path;
	char comm[64];        /* the file name's, unescaped */
	char boot_id[33];
	unsigned uid;
	int pid;
	uint64_t usec;        /* when it crashed, µs since the epoch */
	uint64_t size;        /* of the file as stored, or PM_COREDUMP_SIZE_UNKNOWN */
	int signo;            /* from user.coredump.signal, else 0 */
	char *exe;            /* from user.coredump.exe, or NULL */
	/* from the journal (journal.c) */
	bool logged;          /* systemd-coredump's journal entry was found */
	unsigned gid;
	bool missing;         /* the entry names a file that is gone */
	char *cursor;         /* the entry, when the core itself is in the journal */
};

#define PM_COREDUMP_SIZE_UNKNOWN UINT64_MAX

/* --journal-dir: read journal files there instead of the local journal. */
void pm_journal_configure(const char *dir);
/* That folder, or $PMDB_JOURNAL_DIR, or NULL for the local journal. */
const char *pm_journal_dir(void);

/* systemd-coredump's journal entries (MESSAGE_ID fc2e22bc...): from the
 * journal files under DIR if given (or $PMDB_JOURNAL_DIR), else the local
 * journal.  No journal is no error: *n is 0 and *why says why. */
struct pm_err *pm_journal_coredumps(const char *dir, struct pm_coredump **out, size_t *n,
				    const char **why);
/* The core stored in the journal entry at cursor, in a new file; *path
 * gets its name (a memfd under /proc/self/fd). */
struct pm_err *pm_journal_core(const char *dir, const char *cursor, char **path);

/* Parse a file name (a path's last component is used); false if it is not
 * one systemd-coredump writes. */
bool pm_coredump_parse(const char *path, struct pm_coredump *cd);

/* The folder: DIR if given, else $PMDB_COREDUMP_DIR, else
 * /var/lib/systemd/coredump. */
const char *pm_coredump_dir(const char *dir);
/* Is it systemd-coredump's own folder (no --coredump-dir, no variable)? */
bool pm_coredump_dir_is_default(const char *dir);

/* The cores in DIR, oldest first; with the journal's entries merged in
 * when DIR is the default folder or a journal folder is configured
 * (*journal says what became of the journal: NULL if it was read). */
struct pm_err *pm_coredump_scan(const char *dir, struct pm_coredump **out, size_t *n,
				const char **journal);
void pm_coredump_free(struct pm_coredump *cds, size_t n);

/* The newest core with that pid (pid > 0) or executable (exe: the
 * command name, the executable's path or its last component), or the newest
 * of all; *path gets its path. */
struct pm_err *pm_coredump_pick(const char *dir, int pid, const char *exe, char **path);

#endif
