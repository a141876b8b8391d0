/* systemd-coredump's journal entries, read with libsystemd's sd-journal:
 * one entry per crash (MESSAGE_ID fc2e22bc6ee647b6b90729ab34a250b1) with
 * COREDUMP_PID, _UID, _GID, _SIGNAL, _TIMESTAMP, _EXE, _COMM, and either
 * COREDUMP_FILENAME (the core is in the folder) or COREDUMP (the core
 * itself, with Storage=journal). */
#include "coredumpdir.h"
#include "unpack.h"
#include "../base/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#define COREDUMP_MESSAGE "MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1"

static const char *configured;

void pm_journal_configure(const char *dir)
{
	configured = dir;
}

const char *pm_journal_dir(void)
{
	return configured ? configured : getenv("PMDB_JOURNAL_DIR");
}

static const char *journal_dir(const char *dir)
{
	return dir ? dir : pm_journal_dir();
}

static int open_journal(const char *dir, sd_journal **j)
{
	dir = journal_dir(dir);
	return dir ? sd_journal_open_directory(j, dir, 0) : sd_journal_open(j, SD_JOURNAL_LOCAL_ONLY);
}

/* The value of FIELD in the current entry, NUL-terminated, or NULL. */
static char *field(sd_journal *j, const char *name)
{
	const void *data;
	size_t len, nlen = strlen(name);
	if (sd_journal_get_data(j, name, &data, &len) < 0 || len <= nlen + 1)
		return NULL;
	return xstrndup((const char *)data + nlen + 1, len - nlen - 1);
}

static uint64_t number(sd_journal *j, const char *name, bool *ok)
{
	char *v = field(j, name), *end = NULL;
	uint64_t n = v ? strtoull(v, &end, 10) : 0;
	*ok = v && end && !*end && end != v;
	free(v);
	return n;
}

/* What --list reads of a core kept in the journal: journald keeps large
 * fields compressed and hands back only this much of them, enough for the
 * ELF and program headers that give the core's size. */
#define LIST_HEAD_BYTES (64u << 10)

/* The core's size from "COREDUMP=" and its first bytes: what its headers
 * claim, else the field's length if it was not cut short, else unknown. */
static uint64_t core_size(const void *data, size_t len)
{
	const size_t prefix = strlen("COREDUMP=");
	if (len <= prefix)
		return 0;
	uint64_t claimed;
	if (pm_core_claimed_size((const char *)data + prefix, len - prefix, &claimed) == 1)
		return claimed;
	return len < LIST_HEAD_BYTES ? len - prefix : PM_COREDUMP_SIZE_UNKNOWN;
}

static bool read_entry(sd_journal *j, struct pm_coredump *cd)
{
	memset(cd, 0, sizeof(*cd));
	bool ok_pid, ok;
	cd->pid = (int)number(j, "COREDUMP_PID", &ok_pid);
	cd->uid = (unsigned)number(j, "COREDUMP_UID", &ok);
	cd->gid = (unsigned)number(j, "COREDUMP_GID", &ok);
	cd->signo = (int)number(j, "COREDUMP_SIGNAL", &ok);
	if (!ok_pid)
		return false;
	/* when it was logged, as coredumpctl shows it; else the crash's time */
	if (sd_journal_get_realtime_usec(j, &cd->usec) < 0)
		cd->usec = number(j, "COREDUMP_TIMESTAMP", &ok);
	cd->exe = field(j, "COREDUMP_EXE");
	char *comm = field(j, "COREDUMP_COMM");
	if (comm)
		snprintf(cd->comm, sizeof(cd->comm), "%s", comm);
	free(comm);
	cd->logged = true;
	cd->path = field(j, "COREDUMP_FILENAME");
	struct stat st;
	if (cd->path && stat(cd->path, &st) == 0)
		cd->size = (uint64_t)st.st_size;
	else if (cd->path)
		cd->missing = true;
	const void *data;
	size_t len;
	if (!cd->path && sd_journal_get_data(j, "COREDUMP", &data, &len) >= 0) {
		cd->size = core_size(data, len);
		char *cursor = NULL;
		if (sd_journal_get_cursor(j, &cursor) >= 0) {
			cd->cursor = xstrdup(cursor);
			free(cursor);
		}
	}
	return true;
}

struct pm_err *pm_journal_coredumps(const char *dir, struct pm_coredump **out, size_t *n,
				    const char **why)
{
	*out = NULL;
	*n = 0;
	*why = NULL;
	sd_journal *j;
	int r = open_journal(dir, &j);
	if (r < 0) {
		*why = strerror(-r);
		return NULL;
	}
	uint64_t bytes = 0;
	if (sd_journal_get_usage(j, &bytes) >= 0 && bytes == 0) {
		sd_journal_close(j);
		*why = "there are no journal files: is systemd-journald running?";
		return NULL;
	}
	/* the cores themselves are not read, only their headers */
	sd_journal_set_data_threshold(j, LIST_HEAD_BYTES);
	size_t cap = 0;
	if (sd_journal_add_match(j, COREDUMP_MESSAGE, 0) >= 0) {
		SD_JOURNAL_FOREACH(j) {
			struct pm_coredump cd;
			if (!read_entry(j, &cd)) {
				free(cd.exe);
				free(cd.path);
				continue;
			}
			vec_reserve(out, &cap, *n + 1, sizeof(**out));
			(*out)[(*n)++] = cd;
		}
	}
	sd_journal_close(j);
	return NULL;
}

struct pm_err *pm_journal_core(const char *dir, const char *cursor, char **path)
{
	sd_journal *j;
	int r = open_journal(dir, &j);
	if (r < 0)
		return pm_err_new(PM_ERR_IO, "cannot open the journal: %s", strerror(-r));
	sd_journal_set_data_threshold(j, 0);
	const void *data;
	size_t len;
	struct pm_err *err = NULL;
	if (sd_journal_seek_cursor(j, cursor) < 0 || sd_journal_next(j) <= 0 ||
	    sd_journal_test_cursor(j, cursor) <= 0)
		err = pm_err_new(PM_ERR_LOOKUP, "the journal entry of that core is gone");
	else if (sd_journal_get_data(j, "COREDUMP", &data, &len) < 0 || len <= 9)
		err = pm_err_new(PM_ERR_FORMAT, "the journal entry holds no core");
	if (!err) {
		/* sd-journal has the whole core inflated in memory already: the copy
		 * goes to an unlinked scratch file, not to more memory; it stays
		 * open for the session and pmdb opens it by its /proc name */
		const char *where;
		uint64_t free_space;
		int fd = pm_scratch_open(&where, &free_space);
		if (fd >= 0 && len - 9 > free_space)
			err = pm_err_new(PM_ERR_IO, "the core in the journal needs %zu bytes; %s has %llu "
					 "free (set TMPDIR to a larger filesystem)", len - 9, where,
					 (unsigned long long)free_space);
		else if (fd < 0 || !pm_write_all(fd, (const char *)data + 9, len - 9))
			err = pm_err_new(PM_ERR_IO, "cannot copy the core out of the journal: %s",
					 strerror(errno));
		else
			*path = xasprintf("/proc/self/fd/%d", fd);
		if (err && fd >= 0)
			close(fd);
	}
	sd_journal_close(j);
	return err;
}
