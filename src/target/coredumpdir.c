/* Reading systemd-coredump's folder.  Its file names escape '.', '/' and
 * ' ' in the command name as \xNN, so the fields split at dots. */
#include "coredumpdir.h"
#include "../base/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#define DEFAULT_DIR "/var/lib/systemd/coredump"

static bool unescape(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\\' && i + 3 < len && s[i + 1] == 'x' &&
		    isxdigit((unsigned char)s[i + 2]) && isxdigit((unsigned char)s[i + 3])) {
			char hex[3] = { s[i + 2], s[i + 3], 0 };
			c = (char)strtol(hex, NULL, 16);
			i += 3;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = c;
	}
	out[o] = 0;
	return o > 0;
}

static bool number(const char *s, size_t len, uint64_t *v)
{
	if (len == 0 || len > 20)
		return false;
	*v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

bool pm_coredump_parse(const char *path, struct pm_coredump *cd)
{
	memset(cd, 0, sizeof(*cd));
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (strncmp(name, "core.", 5) != 0)
		return false;
	const char *f[5];
	size_t flen[5];
	const char *p = name + 5;
	for (int i = 0; i < 5; i++) {
		const char *dot = strchr(p, '.');
		f[i] = p;
		flen[i] = dot ? (size_t)(dot - p) : strlen(p);
		p = dot ? dot + 1 : p + flen[i];
		if (!dot && i < 4)
			return false;
	}
	if (*p && strcmp(p, "zst") != 0 && strcmp(p, "xz") != 0 && strcmp(p, "lz4") != 0)
		return false;
	uint64_t uid, pid, usec;
	if (!unescape(f[0], flen[0], cd->comm, sizeof(cd->comm)) || !number(f[1], flen[1], &uid) ||
	    flen[2] != 32 || !number(f[3], flen[3], &pid) || !number(f[4], flen[4], &usec) ||
	    uid > UINT32_MAX || pid == 0 || pid > INT32_MAX)
		return false;
	for (size_t i = 0; i < 32; i++)
		if (!isxdigit((unsigned char)f[2][i]))
			return false;
	memcpy(cd->boot_id, f[2], 32);
	cd->uid = (unsigned)uid;
	cd->pid = (int)pid;
	cd->usec = usec;
	return true;
}

const char *pm_coredump_dir(const char *dir)
{
	if (dir && *dir)
		return dir;
	const char *env = getenv("PMDB_COREDUMP_DIR");
	return env && *env ? env : DEFAULT_DIR;
}

bool pm_coredump_dir_is_default(const char *dir)
{
	return strcmp(dir, DEFAULT_DIR) == 0;
}

/* An attribute's value as a string, or NULL. */
static char *xattr(const char *path, const char *name)
{
	char buf[4096];
	ssize_t n = getxattr(path, name, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	return xstrdup(buf);
}

static int by_time(const void *a, const void *b)
{
	const struct pm_coredump *x = a, *y = b;
	if (x->usec != y->usec)
		return x->usec < y->usec ? -1 : 1;
	return strcmp(x->path, y->path);
}

static struct pm_err *scan_folder(const char *dir, struct pm_coredump **out, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	if (!d)
		return pm_err_new(PM_ERR_IO, "cannot read the core folder %s: %s", dir, strerror(errno));
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		struct pm_coredump cd;
		if (!pm_coredump_parse(de->d_name, &cd))
			continue;
		cd.path = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(cd.path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(cd.path);
			continue;
		}
		cd.size = (uint64_t)st.st_size;
		char *sig = xattr(cd.path, "user.coredump.signal");
		cd.signo = sig ? atoi(sig) : 0;
		free(sig);
		cd.exe = xattr(cd.path, "user.coredump.exe");
		vec_reserve(out, cap, *n + 1, sizeof(**out));
		(*out)[(*n)++] = cd;
	}
	closedir(d);
	return NULL;
}

/* A journal entry and the file it names are one core: the entry's facts,
 * the file's name fields. */
static void merge(struct pm_coredump *file, struct pm_coredump *logged)
{
	free(file->exe);
	file->exe = logged->exe;
	logged->exe = NULL;
	file->pid = logged->pid;
	file->uid = logged->uid;
	file->gid = logged->gid;
	file->signo = logged->signo;
	file->usec = logged->usec;
	file->logged = true;
}

struct pm_err *pm_coredump_scan(const char *dir, struct pm_coredump **out, size_t *n,
				const char **journal)
{
	*out = NULL;
	*n = 0;
	*journal = "not read for a folder other than systemd-coredump's";
	size_t cap = 0;
	struct pm_coredump *logged = NULL;
	size_t nlogged = 0;
	if (pm_coredump_dir_is_default(dir) || pm_journal_dir()) {
		struct pm_err *err = pm_journal_coredumps(NULL, &logged, &nlogged, journal);
		if (err)
			return err;
	}
	/* no folder is no error when the journal had something to say */
	struct pm_err *err = scan_folder(dir, out, n, &cap);
	if (err && (nlogged || (!*journal && pm_journal_dir()))) {
		pm_err_free(err);
		err = NULL;
	}
	for (size_t i = 0; !err && i < nlogged; i++) {
		struct pm_coredump *l = &logged[i];
		size_t k = 0;
		while (l->path && k < *n && strcmp((*out)[k].path, l->path) != 0)
			k++;
		if (l->path && k < *n) {
			merge(&(*out)[k], l);
			continue;     /* the rest of l is freed with the list */
		}
		vec_reserve(out, &cap, *n + 1, sizeof(**out));
		(*out)[(*n)++] = *l;
		memset(l, 0, sizeof(*l));
	}
	pm_coredump_free(logged, nlogged);
	if (err) {
		pm_coredump_free(*out, *n);
		*out = NULL;
		*n = 0;
		return err;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), by_time);
	return NULL;
}

void pm_coredump_free(struct pm_coredump *cds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(cds[i].path);
		free(cds[i].exe);
		free(cds[i].cursor);
	}
	free(cds);
}

static bool exe_matches(const struct pm_coredump *cd, const char *exe)
{
	if (strcmp(cd->comm, exe) == 0)
		return true;
	if (!cd->exe)
		return false;
	const char *base = strrchr(cd->exe, '/') ? strrchr(cd->exe, '/') + 1 : cd->exe;
	return strcmp(cd->exe, exe) == 0 || strcmp(base, exe) == 0;
}

struct pm_err *pm_coredump_pick(const char *dir, int pid, const char *exe, char **path)
{
	struct pm_coredump *cds;
	size_t n;
	const char *journal;
	struct pm_err *err = pm_coredump_scan(dir, &cds, &n, &journal);
	if (err)
		return err;
	size_t i = n;
	while (i > 0 && !((pid <= 0 || cds[i - 1].pid == pid) && (!exe || exe_matches(&cds[i - 1], exe))))
		i--;
	if (i == 0)
		err = pid > 0 ? pm_err_new(PM_ERR_LOOKUP, "no core of pid %d in %s", pid, dir) :
		      exe ? pm_err_new(PM_ERR_LOOKUP, "no core of %s in %s", exe, dir) :
		      pm_err_new(PM_ERR_LOOKUP, "no cores in %s", dir);
	else if (cds[i - 1].cursor)
		err = pm_journal_core(NULL, cds[i - 1].cursor, path);
	else if (cds[i - 1].missing)
		err = pm_err_new(PM_ERR_IO, "the core of pid %d (%s) is gone: the journal names %s",
				 cds[i - 1].pid, cds[i - 1].exe ? cds[i - 1].exe : cds[i - 1].comm,
				 cds[i - 1].path);
	else if (!cds[i - 1].path)
		err = pm_err_new(PM_ERR_IO, "systemd-coredump kept no core of pid %d (%s), only its "
				 "journal entry", cds[i - 1].pid, cds[i - 1].exe ? cds[i - 1].exe : cds[i - 1].comm);
	else
		*path = xstrdup(cds[i - 1].path);
	pm_coredump_free(cds, n);
	return err;
}
