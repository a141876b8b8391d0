/* Kernel dumps: ::status in the manner of crash's opening summary, and
 * ::msgbuf (the printk log). */
#include "cmds.h"
#include "../base/util.h"
#include "../kernel/kernel.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define UTS_LEN 65

/* struct new_utsname: sysname, nodename, release, version, machine, ... */
static void uts_field(struct pmdb *db, int field, char *out)
{
	struct pm_kernel *k = db->t->kernel;
	uint64_t uts;
	int64_t off = 0;
	out[0] = 0;
	if (!pm_vmcoreinfo_symbol(&k->vi, "init_uts_ns", &uts))
		return;
	pm_vmcoreinfo_number(&k->vi, "OFFSET", "uts_namespace.name", &off);
	size_t got = pm_memmap_read_partial(&db->t->mem, uts + (uint64_t)off + (uint64_t)field * UTS_LEN,
					    out, UTS_LEN);
	out[got < UTS_LEN ? got : UTS_LEN - 1] = 0;
}

/* The panic message, from the log: its last "Kernel panic" line. */
static char *panic_message(struct pmdb *db, double *last_ts)
{
	char *log = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&log, &len);
	struct pm_err *err = pm_kernel_msgbuf(db->t, f);
	fclose(f);
	pm_err_free(err);
	char *msg = NULL;
	*last_ts = 0;
	for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
		double ts;
		if (sscanf(line, "[%lf]", &ts) == 1)
			*last_ts = ts;
		char *p = strstr(line, "Kernel panic - not syncing");
		if (p && !strstr(line, "---[ end")) {
			free(msg);
			msg = xstrdup(p);
		}
	}
	free(log);
	return msg;
}

static uint64_t memory_bytes(struct pm_kernel *k)
{
	uint64_t total = 0;
	for (size_t i = 0; i < k->phys.nsegs; i++)
		if (k->phys.segs[i].start < (4ull << 30) || k->phys.segs[i].end - k->phys.segs[i].start > (1u << 20))
			total += k->phys.segs[i].end - k->phys.segs[i].start;
	return total;
}

struct pm_err *pm_kernel_status(struct pmdb *db)
{
	struct pm_target *t = db->t;
	struct pm_kernel *k = t->kernel;
	FILE *out = db->out;
	char release[UTS_LEN], version[UTS_LEN], machine[UTS_LEN], node[UTS_LEN];
	uts_field(db, 2, release);
	uts_field(db, 3, version);
	uts_field(db, 4, machine);
	uts_field(db, 1, node);
	const char *osrel = pm_vmcoreinfo_get(&k->vi, "OSRELEASE");
	double uptime;
	char *panic = panic_message(db, &uptime);
	fprintf(out, "debugging kernel crash dump %s\n", t->path);
	fprintf(out, "      KERNEL: (symbols: the dump's kallsyms, %zu)\n", pm_ksyms(t, &(const struct pm_ksym *){ NULL }));
	fprintf(out, "        CPUS: %zu\n", t->nthreads);
	fprintf(out, "      UPTIME: %02d:%02d:%02d (the last log record)\n", (int)uptime / 3600,
		(int)uptime / 60 % 60, (int)uptime % 60);
	fprintf(out, "    NODENAME: %s\n", node);
	fprintf(out, "     RELEASE: %s\n", release[0] ? release : osrel ? osrel : "?");
	fprintf(out, "     VERSION: %s\n", version);
	fprintf(out, "     MACHINE: %s\n", machine);
	fprintf(out, "      MEMORY: %.1f MB\n", (double)memory_bytes(k) / (1 << 20));
	fprintf(out, "       PANIC: \"%s\"\n", panic ? panic : "");
	fprintf(out, "    BUILD-ID: %s\n", pm_vmcoreinfo_get(&k->vi, "BUILD-ID") ?
		pm_vmcoreinfo_get(&k->vi, "BUILD-ID") : "?");
	fprintf(out, "KERNELOFFSET: 0x%" PRIx64 "\n", k->kaslr_offset);
	for (size_t i = 0; i < t->nthreads; i++) {
		fprintf(out, "       CPU %zu: pc ", i);
		pm_sym_print(db->dw, out, t->threads[i].regs[t->arch->pc]);
		fputc('\n', out);
	}
	free(panic);
	return NULL;
}

struct pm_err *pm_cmd_msgbuf(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	if (!db->t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "::msgbuf: not a kernel crash dump");
	return pm_kernel_msgbuf(db->t, db->out);
}
