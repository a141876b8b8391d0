/* ::status of a live process (pmdb -p). */
#include "cmds.h"

#include <inttypes.h>

struct pm_err *pm_live_status(struct pmdb *db)
{
	struct pm_target *t = db->t;
	FILE *out = db->out;
	fprintf(out, "debugging PID %d (%s, %u-bit), a live process\n", t->pid,
		t->fname[0] ? t->fname : "?", t->arch->ptr_size * 8);
	fprintf(out, "command line: %s\n", pm_live_cmdline(t));
	if (t->exe_path)
		fprintf(out, "executable: %s\n", t->exe_path);
	fprintf(out, "pid: %d\n", t->pid);
	fprintf(out, "parent pid: %d\n", t->ppid);
	fprintf(out, "uid: %d\n", t->uid);
	fprintf(out, "threads: %zu\n", t->nthreads);
	uint64_t ns = pm_live_nostop_max_ns(t);
	if (ns)
		fprintf(out, "status: running (-o nostop): each thread was stopped only while its registers "
			"and the top of its stack were copied, at most %" PRIu64 " us; other memory is read "
			"while it runs\n", (ns + 999) / 1000);
	else
		fprintf(out, "status: running, every thread stopped while pmdb is attached (no signal); "
			"pmdb detaches and lets it run on when it exits\n");
	return NULL;
}
