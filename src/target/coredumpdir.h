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
	uint64_t size;        /* of the file as stored */
	int signo;            /* from user.coredump.signal, else 0 */
	char *exe;            /* from user.coredump.exe, or NULL */
};

/* Parse a file name (a path's last component is used); false if it is not
 * one systemd-coredump writes. */
bool pm_coredump_parse(const char *path, struct pm_coredump *cd);

/* The folder: DIR if given, else $PMDB_COREDUMP_DIR, else
 * /var/lib/systemd/coredump. */
const char *pm_coredump_dir(const char *dir);

/* The cores in DIR, oldest first. */
struct pm_err *pm_coredump_scan(const char *dir, struct pm_coredump **out, size_t *n);
void pm_coredump_free(struct pm_coredump *cds, size_t n);

/* The newest core with that pid (pid > 0) or executable (exe: the
 * command name, the executable's path or its last component), or the newest
 * of all; *path gets its path. */
struct pm_err *pm_coredump_pick(const char *dir, int pid, const char *exe, char **path);

#endif
