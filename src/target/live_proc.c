/* What /proc tells of a live process: whether it can be attached at all,
 * its identity (status, comm, cmdline), the executable, auxv, and its
 * mappings, each of which becomes a memory segment read from the process. */
#include "live.h"
#include "../base/util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *pm_live_slurp(int pid, const char *name, size_t *len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* The number after "Key:" in /proc/PID/status, or -1. */
static long status_num(const char *status, const char *key)
{
	const char *at = strstr(status, key);
	return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

static char status_state(const char *status)
{
	const char *at = strstr(status, "State:");
	if (!at)
		return '?';
	at += strlen("State:");
	while (*at == ' ' || *at == '\t')
		at++;
	return *at;
}

static char *comm_of(int pid)
{
	char *c = pm_live_slurp(pid, "comm", NULL);
	if (!c)
		return xstrdup("?");
	c[strcspn(c, "\n")] = 0;
	return c;
}

struct pm_err *pm_live_check(int pid)
{
	if (pid <= 0)
		return pm_err_new(PM_ERR_LOOKUP, "no such process: pid %d", pid);
	if (pid == getpid())
		return pm_err_new(PM_ERR_GENERIC, "pid %d is pmdb itself", pid);
	char *st = pm_live_slurp(pid, "status", NULL);
	if (!st)
		return errno == ENOENT ? pm_err_new(PM_ERR_LOOKUP, "no such process: pid %d", pid)
				       : pm_err_new(PM_ERR_IO, "cannot read /proc/%d/status: %s", pid,
						    strerror(errno));
	struct pm_err *err = NULL;
	long tgid = status_num(st, "Tgid:");
	long tracer = status_num(st, "TracerPid:");
	/* a leader that exited before its threads shows as a zombie too */
	if (status_state(st) == 'Z' && status_num(st, "Threads:") <= 1) {
		err = pm_err_new(PM_ERR_GENERIC, "pid %d is a zombie: it has exited and only waits for its "
				 "parent (pid %ld) to reap it; it has no threads or memory to debug",
				 pid, status_num(st, "PPid:"));
	} else if (tgid > 0 && tgid != pid) {
		err = pm_err_new(PM_ERR_GENERIC, "%d is a thread of pid %ld: attach to the process, pmdb -p %ld",
				 pid, tgid, tgid);
	} else if (tracer > 0) {
		char *who = comm_of((int)tracer);
		err = pm_err_new(PM_ERR_GENERIC, "pid %d is already traced by pid %ld (%s): a process has "
				 "one tracer; detach that one first", pid, tracer, who);
		free(who);
	}
	free(st);
	return err;
}

/* Paths outlive the maps that point at them; one copy of each, however
 * often the maps are read again (after every step). */
static const char *keep(struct pm_live *l, char *s)
{
	for (size_t i = 0; i < l->nstrs; i++)
		if (strcmp(l->strs[i], s) == 0) {
			free(s);
			return l->strs[i];
		}
	vec_reserve(&l->strs, &l->strs_cap, l->nstrs + 1, sizeof(*l->strs));
	l->strs[l->nstrs++] = s;
	return s;
}

static void read_identity(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	char *st = pm_live_slurp(l->pid, "status", NULL);
	if (st) {
		t->ppid = (int)status_num(st, "PPid:");
		t->uid = (int)status_num(st, "Uid:");
		t->gid = (int)status_num(st, "Gid:");
		free(st);
	}
	char *comm = comm_of(l->pid);
	snprintf(t->fname, sizeof(t->fname), "%s", comm);
	free(comm);
	size_t n = 0;
	char *cmd = pm_live_slurp(l->pid, "cmdline", &n);
	if (!cmd)
		cmd = xstrdup("");
	while (n > 0 && cmd[n - 1] == 0)
		n--;
	for (size_t i = 0; i < n; i++)
		if (cmd[i] == 0)
			cmd[i] = ' ';
	cmd[n] = 0;
	l->cmdline = cmd;
	snprintf(t->psargs, sizeof(t->psargs), "%s", cmd);
	t->has_prpsinfo = true;
}

static void read_auxv(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	size_t n = 0;
	char *raw = pm_live_slurp(l->pid, "auxv", &n);
	if (!raw)
		return;
	t->nauxv = n / 16;
	t->auxv = xmalloc(t->nauxv * 16 + 1);
	memcpy(t->auxv, raw, t->nauxv * 16);
	free(raw);
}

static void read_exe(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/exe", l->pid);
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n <= 0) {
		pm_warn("cannot read %s: %s", path, strerror(errno));
		return;
	}
	buf[n] = 0;
	t->exe_name = xstrdup(buf);
	/* a deleted or replaced file is still there through /proc */
	t->exe_path = xstrdup(access(buf, R_OK) == 0 ? buf : path);
}

static void label(struct pm_target *t, struct pm_mapping *m, const char *name)
{
	if (pm_target_label_stack(t, m))
		return;
	if (strcmp(name, "[heap]") == 0)
		snprintf(m->label, sizeof(m->label), "[ heap ]");
	else if (strcmp(name, "[vdso]") == 0)
		snprintf(m->label, sizeof(m->label), "[ vdso ]");
	else if (strcmp(name, "[vvar]") == 0)
		snprintf(m->label, sizeof(m->label), "[ vvar ]");
	else if (strcmp(name, "[vsyscall]") == 0)
		snprintf(m->label, sizeof(m->label), "[ vsyscall ]");
	else if (strcmp(name, "[stack]") == 0)
		snprintf(m->label, sizeof(m->label), "[ stack ]");
	else
		snprintf(m->label, sizeof(m->label), "[ anon ]");
}

/* One line of /proc/PID/maps: "start-end rwxp offset dev inode   path". */
static void add_map_line(struct pm_target *t, const char *line, size_t *cap, size_t *fcap)
{
	struct pm_live *l = t->priv;
	unsigned long long start, end, off;
	char perms[8];
	int name_at = 0;
	if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off, &name_at) < 4 ||
	    end <= start)
		return;
	const char *name = name_at ? line + name_at : "";
	if (name[0] == '/' || strcmp(name, "[vdso]") == 0) {
		/* what a debug session is built from: FNV-1a over start, offset, path */
		char key[64];
		int n = snprintf(key, sizeof(key), "%llx %llx ", start, off);
		for (const char *p = key; p < key + n; p++)
			l->objects_sig = (l->objects_sig ^ (uint8_t)*p) * 0x100000001b3ull;
		for (const char *p = name; *p; p++)
			l->objects_sig = (l->objects_sig ^ (uint8_t)*p) * 0x100000001b3ull;
	}
	vec_reserve(&t->maps, cap, t->nmaps + 1, sizeof(*t->maps));
	struct pm_mapping *m = &t->maps[t->nmaps++];
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->prot = (perms[0] == 'r' ? PF_R : 0) | (perms[1] == 'w' ? PF_W : 0) | (perms[2] == 'x' ? PF_X : 0);
	m->data = PM_DATA_LIVE;
	pm_live_add_memory(t, start, end);
	if (name[0] != '/') {
		label(t, m, name);
		return;
	}
	m->path = keep(l, xstrdup(name));
	m->offset = off;
	vec_reserve(&t->files, fcap, t->nfiles + 1, sizeof(*t->files));
	t->files[t->nfiles++] = (struct pm_ntfile){ start, end, off, m->path };
}

static void read_maps(struct pm_target *t)
{
	struct pm_live *l = t->priv;
	char *maps = pm_live_slurp(l->pid, "maps", NULL);
	if (!maps) {
		pm_warn("cannot read /proc/%d/maps: %s", l->pid, strerror(errno));
		return;
	}
	size_t cap = 0, fcap = 0;
	l->objects_sig = 0xcbf29ce484222325ull;
	for (char *line = maps, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		add_map_line(t, line, &cap, &fcap);
	}
	free(maps);
	pm_memmap_finish(&t->mem);
}

void pm_live_reload_maps(struct pm_target *t)
{
	free(t->maps);
	free(t->files);
	t->maps = NULL;
	t->files = NULL;
	t->nmaps = t->nfiles = 0;
	pm_memmap_free(&t->mem);
	memset(&t->mem, 0, sizeof(t->mem));
	read_maps(t);
}

void pm_live_read_proc(struct pm_target *t)
{
	read_identity(t);
	read_auxv(t);
	read_exe(t);
	read_maps(t);
}

uint64_t pm_live_objects_sig(const struct pm_target *t)
{
	const struct pm_live *l = t->priv;
	return t->live_pid ? l->objects_sig : 0;
}
