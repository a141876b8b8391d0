/* Kernel dumps: ::status in the manner of crash's opening summary, and
 * ::msgbuf (the printk log). */
#include "cmds.h"
#include "../base/util.h"
#include "../kernel/kcode.h"
#include "../kernel/kernel.h"
#include "../kernel/kmem.h"
#include "../kernel/sysinfo.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The panic message, from the log, as crash picks it: the first Oops
 * line ("Oops: 0002 [#1] ..."), else the last "Kernel panic" line. */
static char *panic_message(struct pmdb *db, double *last_ts)
{
	char *log = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&log, &len);
	struct pm_err *err = pm_kernel_msgbuf(db->t, f);
	fclose(f);
	pm_err_free(err);
	char *msg = NULL, *oops = NULL;
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
		if (!oops && (p = strstr(line, "Oops: ")))
			oops = xstrdup(p);
	}
	free(log);
	if (oops) {
		free(msg);
		return oops;
	}
	return msg;
}

/* Memory as crash counts it: the present pages of every online NUMA node
 * (node_data[] of pglist_data, the member's offset from BTF); else the
 * kernel's max_pfn. */
static uint64_t memory_bytes(struct pm_target *t)
{
	uint64_t node_data = pm_kernel_data_symbol(t, "node_data"), pages = 0, off;
	struct pm_btf *b;
	struct pm_err *err = pm_kernel_btf(t, &b);
	if (!err && node_data &&
	    pm_btf_member(b, pm_btf_find_struct(b, "pglist_data"), "node_present_pages", &off, NULL)) {
		unsigned *ids;
		unsigned n = pm_kmem_online_nodes(t, &ids);
		for (unsigned i = 0; i < n; i++) {
			bool ok = true;
			uint64_t node = pm_kmem_rd(t, node_data + 8ull * ids[i], 8, &ok);
			uint64_t present = ok && node ? pm_kmem_rd(t, node + off, 8, &ok) : 0;
			pages += ok ? present : 0;
		}
		free(ids);
	}
	pm_err_free(err);
	uint64_t mp = pm_kernel_data_symbol(t, "max_pfn");
	if (!pages && mp)
		pm_memmap_read_partial(&t->mem, mp, &pages, 8);
	return pages * 4096;
}

/* "(unknown: why)" for a ::status line whose symbol is missing. */
static void unknown(FILE *out, struct pm_target *t, const char *field, const char *name)
{
	char why[320];
	pm_kernel_data_why(t, name, why, sizeof(why));
	fprintf(out, "%12s: (unknown: %s)\n", field, why);
}

/* The task running on the CPU that panicked, as crash names it. */
static void print_panic_task(FILE *out, struct pm_target *t, const struct pm_ktask *tasks, size_t n)
{
	int cpu = pm_kernel_panic_cpu(t);
	for (size_t i = 0; cpu >= 0 && i < n; i++) {
		const struct pm_ktask *k = &tasks[i];
		if (!k->on_cpu || k->cpu != cpu)
			continue;
		fprintf(out, "         PID: %d\n     COMMAND: \"%s\"\n        TASK: %016" PRIx64 "\n"
			"         CPU: %d\n       STATE: TASK_RUNNING (PANIC)\n", k->pid, k->comm, k->addr, k->cpu);
		return;
	}
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
	if (k->live)
		fprintf(out, "debugging the live kernel %s (memory read as it changes)\n", t->path);
	else
		fprintf(out, "debugging kernel crash dump %s\n", t->path);
	fprintf(out, "      KERNEL: (symbols: the dump's kallsyms, %zu)\n", pm_ksyms(t, &(const struct pm_ksym *){ NULL }));
	size_t ncpus = pm_kernel_ncpus(t);
	int online = pm_kernel_cpus_online(t, (unsigned)ncpus);
	fprintf(out, "        CPUS: %zu", ncpus);
	if (online >= 0 && (size_t)online < ncpus)
		fprintf(out, " [OFFLINE: %zu]", ncpus - (size_t)online);
	fputc('\n', out);
	int64_t secs;
	struct tm tm;
	char date[64];
	time_t when;
	if (pm_kernel_date(t, &secs) && (when = (time_t)secs) == secs && gmtime_r(&when, &tm) &&
	    strftime(date, sizeof(date), "%a %b %e %H:%M:%S UTC %Y", &tm))
		fprintf(out, "        DATE: %s\n", date);
	else if (!pm_kernel_data_symbol(t, "tk_core"))
		unknown(out, t, "DATE", "tk_core");
	/* a hostile log's timestamp may not fit an int (nor a uint64_t) */
	uint64_t up = uptime > 0 && uptime < 1e15 ? (uint64_t)uptime : 0;
	fprintf(out, "      UPTIME: %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 " (the last log record)\n",
		up / 3600, up / 60 % 60, up % 60);
	uint64_t avg[3];
	if (pm_kernel_loadavg(t, avg)) {
		/* /proc/loadavg's rounding: FIXED_1/200 added, then LOAD_INT.LOAD_FRAC */
		for (int i = 0; i < 3; i++)
			avg[i] += 2048 / 200;
		fprintf(out, "LOAD AVERAGE: %" PRIu64 ".%02" PRIu64 ", %" PRIu64 ".%02" PRIu64 ", %" PRIu64
			".%02" PRIu64 "\n", avg[0] >> 11, (avg[0] & 2047) * 100 >> 11, avg[1] >> 11,
			(avg[1] & 2047) * 100 >> 11, avg[2] >> 11, (avg[2] & 2047) * 100 >> 11);
	} else if (!pm_kernel_data_symbol(t, "avenrun")) {
		unknown(out, t, "LOAD AVERAGE", "avenrun");
	}
	struct pm_ktask *tasks = NULL;
	size_t ntasks = 0;
	struct pm_err *err = pm_kernel_tasks(t, &tasks, &ntasks);
	if (!err)
		fprintf(out, "       TASKS: %zu\n", ntasks);
	pm_err_free(err);
	fprintf(out, "    NODENAME: %s\n", node);
	fprintf(out, "     RELEASE: %s\n", release[0] ? release : osrel ? osrel : "?");
	fprintf(out, "     VERSION: %s\n", version);
	unsigned mhz = pm_kernel_cpu_mhz(t);
	if (mhz)
		fprintf(out, "     MACHINE: %s  (%u Mhz)\n", machine, mhz);
	else
		fprintf(out, "     MACHINE: %s\n", machine);
	uint64_t mem = memory_bytes(t);
	if (mem)
		fprintf(out, "      MEMORY: %.1f MB\n", (double)mem / (1 << 20));
	else      /* arm64's VMCOREINFO has no node_data, its kallsyms maybe no max_pfn */
		unknown(out, t, "MEMORY", "node_data");
	if (k->live) {
		fprintf(out, "       STATE: live kernel (no panic; the running CPUs' registers are not available)\n");
	} else {
		fprintf(out, "       PANIC: \"%s\"\n", panic ? panic : "");
		print_panic_task(out, t, tasks, ntasks);
	}
	free(tasks);
	fprintf(out, "    BUILD-ID: %s\n", pm_vmcoreinfo_get(&k->vi, "BUILD-ID") ?
		pm_vmcoreinfo_get(&k->vi, "BUILD-ID") : "?");
	fprintf(out, "KERNELOFFSET: 0x%" PRIx64 "\n", k->kaslr_offset);
	if (k->vmcoreinfo_rebuilt)
		fprintf(out, "  VMCOREINFO: none used: rebuilt from the CPUs' page tables, kallsyms and BTF\n");
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

struct pm_err *pm_cmd_vmcoreinfo(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	const struct pm_kernel *k = db->t->kernel;
	if (!k)
		return pm_err_new(PM_ERR_LOOKUP, "::vmcoreinfo: not a kernel crash dump");
	for (size_t i = 0; i < k->vi.n; i++)
		fprintf(db->out, "%s=%s\n", k->vi.keys[i], k->vi.values[i]);
	pm_kernel_code_report(db->t, db->out);
	return NULL;
}
