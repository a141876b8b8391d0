/* pmdb --list: systemd-coredump's cores, oldest first, as coredumpctl
 * list shows them; and the coredump: line of ::status. */
#include "coredumps.h"
#include "signals.h"
#include "../target/coredumpdir.h"

#include <inttypes.h>
#include <time.h>

static void when(uint64_t usec, char *buf, size_t cap)
{
	time_t sec = (time_t)(usec / 1000000);
	struct tm tm;
	if (!localtime_r(&sec, &tm) || !strftime(buf, cap, "%a %Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, cap, "@%" PRIu64, usec / 1000000);
}

static void human(uint64_t n, char *buf, size_t cap)
{
	static const char units[] = "BKMGT";
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%" PRIu64 "B", n);
	else
		snprintf(buf, cap, "%.1f%c", v, units[u]);
}

int pm_coredump_list(const char *dir, FILE *out)
{
	struct pm_coredump *cds;
	size_t n;
	const char *journal;
	struct pm_err *err = pm_coredump_scan(dir, &cds, &n, &journal);
	if (err) {
		pm_err_report(err);
		return 1;
	}
	if (journal && pm_coredump_dir_is_default(dir))
		fprintf(stderr, "pmdb: the journal was not read (%s): only the cores in %s\n", journal, dir);
	if (n == 0)
		fprintf(out, "no cores in %s\n", dir);
	else
		fprintf(out, "%-31s %7s %6s %6s %-8s %-8s %7s %s\n", "TIME", "PID", "UID", "GID", "SIG",
			"COREFILE", "SIZE", "EXE");
	for (size_t i = 0; i < n; i++) {
		const struct pm_coredump *cd = &cds[i];
		char t[64], size[16], gid[16];
		when(cd->usec, t, sizeof(t));
		human(cd->size, size, sizeof(size));
		snprintf(gid, sizeof(gid), "%u", cd->gid);
		const char *sig = pm_signal_name(cd->signo);
		/* coredumpctl's words for where the core is */
		const char *where = cd->cursor ? "journal" : cd->missing ? "missing" : cd->path ? "present" : "none";
		fprintf(out, "%-31s %7d %6u %6s %-8s %-8s %7s %s\n", t, cd->pid, cd->uid, cd->logged ? gid : "-",
			sig ? sig : "-", where, (cd->path || cd->cursor) && cd->size != PM_COREDUMP_SIZE_UNKNOWN ? size : "-", cd->exe ? cd->exe : cd->comm);
	}
	pm_coredump_free(cds, n);
	return 0;
}

void pm_coredump_status(const char *path, FILE *out)
{
	struct pm_coredump cd;
	if (!pm_coredump_parse(path, &cd))
		return;
	char t[64];
	when(cd.usec, t, sizeof(t));
	fprintf(out, "coredump: systemd-coredump's, of %s pid %d uid %u at %s, boot %s\n",
		cd.comm, cd.pid, cd.uid, t, cd.boot_id);
}
