/* pmdb's command line: open a dump, then run commands from -e, from a
 * file (-f), from standard input when it is not a terminal, or in an
 * interactive REPL with line editing. */
#include "pmdb.h"
#include "base/util.h"
#include "cmd/cmds.h"
#include "cmd/registry.h"
#include "triage/triage.h"
#include "cmd/coredumps.h"
#include "target/coredumpdir.h"
#include "target/looklog.h"
#include "target/resolve.h"

#include <editline/readline.h>
#include <elf.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fputs("usage: pmdb [options] [EXECUTABLE] CORE\n"
	      "       pmdb [options] [-k VMLINUX] VMCORE   (a kernel crash dump)\n"
	      "       pmdb [options] -p PID   (a running process: stopped while pmdb\n"
	      "                  looks, and always resumed when pmdb exits)\n"
	      "       pmdb [options] PROG, pmdb [options] --args PROG ARGS...\n"
	      "                  (a program to run under pmdb: :r starts it)\n"
	      "       pmdb --gcore PID [FILE]  write a core of a running process\n"
	      "                  (default core.PID) and let it run on\n"
	      "       pmdb triage [--json] [-j N] [-t SEC] [-d DIR] [--sysroot DIR] [-v] CORE|DIR ...\n"
	      "                  (many cores in parallel, grouped by crash signature)\n"
	      "  -e CMDS         run commands (';' or newline separated) and exit;\n"
	      "                  the exit status is 1 if any command failed\n"
	      "  -f FILE         run the commands in FILE and exit\n"
	      "  -d DIR          also look for separate debug info under DIR\n"
	      "                  (DIR/.build-id/xx/rest.debug, or debuglink names)\n"
	      "  -q              quiet: no banner\n"
	      "  -o nostop       with -p: stop each thread only while its registers and\n"
	      "                  the top of its stack are copied, then let it run\n"
	      "  -k VMLINUX, --vmlinux VMLINUX\n"
	      "                  a kernel dump's vmlinux with DWARF (checked against the\n"
	      "                  dump's build-id); without it pmdb looks for one by\n"
	      "                  build-id, else takes the kernel's types from its BTF\n"
	      "  --no-vmlinux    a kernel dump's types from its BTF only: no vmlinux is\n"
	      "                  looked for (nor downloaded from debuginfod)\n"
	      "  --ignore-vmcoreinfo\n"
	      "                  open a kernel dump as if it had no VMCOREINFO note:\n"
	      "                  the kernel is found from the CPUs' page tables and\n"
	      "                  kallsyms (a QEMU dump's CPU notes; for a damaged note)\n"
	      "  --analyze       run ::analyze and exit (status 0 whatever the verdict)\n"
	      "  --json          with --analyze: the JSON report (::analyze -j)\n"
	      "  --cache-dir DIR keep inflated copies of compressed debug files in\n"
	      "                  DIR/debug (default $PMDB_CACHE_DIR, $XDG_CACHE_HOME/pmdb\n"
	      "                  or ~/.cache/pmdb)\n"
	      "  --no-cache      inflate compressed debug files on every run instead\n"
	      "  --sysroot DIR   look for the files the core names (executable,\n"
	      "                  libraries) under DIR first, as gdb's 'set sysroot'\n"
	      "  --solib-path DIRS  also look for shared libraries by file name in\n"
	      "                  these ':'-separated folders (gdb's solib-search-path)\n"
	      "  --list          list systemd-coredump's cores (oldest first) and exit\n"
	      "  --latest        open the newest of them (CORE is not given)\n"
	      "  --pid PID, --exe NAME\n"
	      "                  open the newest core of that pid or executable\n"
	      "  --coredump-dir DIR  systemd-coredump's folder (default\n"
	      "                  $PMDB_COREDUMP_DIR or /var/lib/systemd/coredump)\n"
	      "  --journal-dir DIR   read systemd-coredump's journal entries from the\n"
	      "                  journal files in DIR ($PMDB_JOURNAL_DIR), not the\n"
	      "                  local journal\n"
	      "  --help          this help\n"
	      "  --version       the version\n"
	      "Without -e or -f, commands are read from standard input, with line\n"
	      "editing and history when it is a terminal.  Type ::help for help.\n",
	      out);
}

static int parse_pid(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v > 0 && v <= 0x3fffffff ? (int)v : -1;
}

/* An option's process id, or -1 after saying what is wrong with it. */
static int pid_option(const char *opt, const char *arg)
{
	int pid = parse_pid(arg);
	if (pid <= 0)
		fprintf(stderr, "pmdb: %s %s: not a process id\n", opt, arg);
	return pid;
}

static int run_stream(struct pmdb *db, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	int failed = 0;
	while (!db->quit && getline(&line, &cap, in) >= 0) {
		failed += pm_exec_line(db, line);
		fflush(db->out);
	}
	free(line);
	return failed;
}

static void run_repl(struct pmdb *db)
{
	const char *home = getenv("HOME");
	char *hist = home ? xasprintf("%s/.pmdb_history", home) : NULL;
	if (hist)
		read_history(hist);
	char *line;
	while (!db->quit && (line = readline("> ")) != NULL) {
		if (*line)
			add_history(line);
		pm_exec_line(db, line);
		fflush(db->out);
		free(line);
	}
	if (hist) {
		write_history(hist);
		free(hist);
	}
}

/* pmdb --gcore PID [FILE]: attach, write the core, detach; no debug info
 * is read, so the process is stopped only as long as the copy takes. */
static int write_gcore(int pid, const char *path)
{
	struct pm_target *t;
	if (pm_err_report(pm_live_open(pid, false, &t)))
		return 2;
	char *dflt = path ? NULL : xasprintf("core.%d", pid);
	struct pm_gcore_stats st;
	struct pm_err *err = pm_live_gcore(t, path ? path : dflt, &st);
	pm_target_close(t);
	if (!err)
		printf("pmdb: wrote %s (%zu threads, %zu mappings, %zu with contents)\n", path ? path : dflt,
		       st.nthreads, st.nsegments, st.ndumped);
	free(dflt);
	return pm_err_report(err) ? 2 : 0;
}

static void banner(const struct pmdb *db)
{
	const struct pm_target *t = db->t;
	if (!t)
		printf("pmdb %s: program %s, not started: :r runs it. ::help for help.\n", PMDB_VERSION,
		       db->prog_argv[0]);
	else if (t->live_pid && pm_live_nostop_max_ns(t))
		printf("pmdb %s: read pid %d (%s, %zu threads) without keeping it stopped. ::help for help.\n",
		       PMDB_VERSION, t->pid, t->fname, t->nthreads);
	else if (t->live_pid)
		printf("pmdb %s: attached to pid %d (%s, %zu threads), stopped until pmdb exits. ::help for help.\n",
		       PMDB_VERSION, t->pid, t->fname, t->nthreads);
	else
		printf("pmdb %s: core file %s of %s (pid %d, %zu threads). ::help for help.\n", PMDB_VERSION,
		       t->path, t->fname[0] ? t->fname : "?", t->pid, t->nthreads);
}

/* Commands from -e, -f, a pipe or the terminal; how many failed. */
static int run_session(struct pmdb *db, const char *cmds, const char *script, bool quiet)
{
	if (cmds)
		return pm_exec_line(db, cmds);
	if (script) {
		FILE *f = fopen(script, "r");
		if (!f) {
			fprintf(stderr, "pmdb: cannot open %s: %m\n", script);
			return 1;
		}
		int failed = run_stream(db, f);
		fclose(f);
		return failed;
	}
	if (!isatty(STDIN_FILENO))
		return run_stream(db, stdin);
	if (!quiet)
		banner(db);
	run_repl(db);
	return 0;
}

/* The end of every session: modules, debug info and target closed (a
 * program pmdb started is killed, a process it attached to let go). */
static int finish(struct pmdb *db, int failed)
{
	fflush(stdout);
	pm_dmod_unload_all();
	pm_dwarf_close(db->dw);
	pm_dwarf_set_vmlinux(NULL);
	pm_target_close(db->t);
	pm_resolve_end();
	pm_looklog_clear();
	pm_runctl_free(db);
	return failed ? 1 : 0;
}

/* An executable or shared object, not a core: a program to run. */
static bool is_program(const char *path)
{
	unsigned char h[18];
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	bool ok = fread(h, 1, sizeof(h), f) == sizeof(h) && memcmp(h, ELFMAG, SELFMAG) == 0 &&
		  (h[16] == ET_EXEC || h[16] == ET_DYN) && h[17] == 0;
	fclose(f);
	return ok;
}

/* pmdb PROG: a session with no target until :r starts the program. */
static int run_program(char **prog, const char *debug_dirs, const char *cmds, const char *script,
		       bool quiet)
{
	struct pmdb db = { .out = stdout, .radix = 16, .prog_argv = prog, .debug_dirs = debug_dirs };
	return finish(&db, run_session(&db, cmds, script, quiet));
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "cache-dir", required_argument, NULL, 'C' },
		{ "no-cache", no_argument, NULL, 'N' },
		{ "analyze", no_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'J' },
		{ "list", no_argument, NULL, 'L' },
		{ "latest", no_argument, NULL, 'T' },
		{ "pid", required_argument, NULL, 'P' },
		{ "exe", required_argument, NULL, 'X' },
		{ "coredump-dir", required_argument, NULL, 'D' },
		{ "journal-dir", required_argument, NULL, 'j' },
		{ "sysroot", required_argument, NULL, 'R' },
		{ "solib-path", required_argument, NULL, 'S' },
		{ "gcore", required_argument, NULL, 'G' },
		{ "vmlinux", required_argument, NULL, 'k' },
		{ "no-vmlinux", no_argument, NULL, 'K' },
		{ "ignore-vmcoreinfo", no_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmds = NULL, *script = NULL, *debug_dirs = NULL;
	const char *cd_dir = NULL, *cd_exe = NULL;
	const char *sysroot = NULL, *solib_path = NULL, *vmlinux = NULL;
	bool quiet = false, json = false, cd_list = false, cd_pick = false, no_vmlinux = false;
	int cd_pid = 0, live_pid = 0;
	bool gcore = false, nostop = false, prog_args = false;
	int c;
	if (argc > 1 && strcmp(argv[1], "triage") == 0)
		return pm_triage_main(argc - 1, argv + 1);
	/* --args PROG ARGS...: everything after PROG is the program's, as gdb's */
	int prog_at = 0;
	for (int i = 1; i < argc && !prog_at; i++)
		if (strcmp(argv[i], "--args") == 0)
			prog_at = i;
	if (prog_at) {
		if (prog_at + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		prog_args = true;
		argc = prog_at;
	}
	while ((c = getopt_long(argc, argv, "e:f:d:qp:o:k:", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': cmds = optarg; break;
		case 'f': script = optarg; break;
		case 'd': debug_dirs = optarg; break;
		case 'q': quiet = true; break;
		case 'k': vmlinux = optarg; break;
		case 'K': no_vmlinux = true; break;
		case 'I': pm_target_ignore_vmcoreinfo(true); break;
		case 'p':
			if ((live_pid = pid_option("-p", optarg)) <= 0)
				return 2;
			break;
		case 'o':
			if (strcmp(optarg, "nostop") != 0) {
				fprintf(stderr, "pmdb: -o %s: unknown option (known: nostop)\n", optarg);
				return 2;
			}
			nostop = true;
			break;
		case 'C': pm_dwarf_set_cache_dir(optarg); break;
		case 'N': pm_dwarf_set_cache_dir(""); break;
		case 'A': cmds = "::analyze"; break;
		case 'J': json = true; break;
		case 'L': cd_list = true; break;
		case 'T': cd_pick = true; break;
		case 'P':
			if ((cd_pid = pid_option("--pid", optarg)) <= 0)
				return 2;
			cd_pick = true;
			break;
		case 'X': cd_pick = true; cd_exe = optarg; break;
		case 'D': cd_dir = optarg; break;
		case 'j': pm_journal_configure(optarg); break;
		case 'G':
			if ((live_pid = pid_option("--gcore", optarg)) <= 0)
				return 2;
			gcore = true;
			break;
		case 'R': sysroot = optarg; break;
		case 'S': solib_path = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("pmdb %s\n", PMDB_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (cd_list)
		return pm_coredump_list(pm_coredump_dir(cd_dir), stdout);
	int nargs = argc - optind;
	if (gcore)
		return nargs > 1 || cmds || script ? (usage(stderr), 2)
					  : write_gcore(live_pid, nargs ? argv[optind] : NULL);
	if (live_pid && (nargs || cd_pick)) {
		usage(stderr);
		return 2;
	}
	/* pmdb PROG, or pmdb --args PROG ARGS...: a program for :r to start */
	char **prog = NULL;
	if (prog_args && (nargs || live_pid || cd_pick)) {
		usage(stderr);
		return 2;
	}
	if (prog_args || (!live_pid && !cd_pick && nargs == 1 && is_program(argv[optind]))) {
		char **from = prog_args ? argv + prog_at + 1 : argv + optind;
		int n = 0;
		while (from[n] && (prog_args || n < 1))
			n++;
		prog = xcalloc((size_t)n + 1, sizeof(*prog));
		for (int i = 0; i < n; i++)
			prog[i] = xstrdup(from[i]);
		/* an absolute argv[0], as gdb runs programs: the same stack layout */
		char *cwd = prog[0][0] != '/' && strchr(prog[0], '/') ? getcwd(NULL, 0) : NULL;
		if (cwd) {
			char *abs = xasprintf("%s/%s", cwd, prog[0]);
			free(prog[0]);
			free(cwd);
			prog[0] = abs;
		}
		return run_program(prog, debug_dirs, cmds, script, quiet);
	}
	if (!live_pid && (nargs < !cd_pick || nargs > 2 - cd_pick)) {
		usage(stderr);
		return 2;
	}
	const char *exe = !live_pid && nargs == 2 - cd_pick ? argv[optind] : NULL;
	if (exe && access(exe, R_OK) != 0) {
		fprintf(stderr, "pmdb: cannot read executable %s: %m\n", exe);
		return 2;
	}
	char *picked = NULL;
	if (cd_pick && pm_err_report(pm_coredump_pick(pm_coredump_dir(cd_dir), cd_pid, cd_exe, &picked)))
		return 2;

	pm_resolve_configure(sysroot, solib_path);
	struct pmdb db = { .out = stdout, .radix = 16, .debug_dirs = debug_dirs };
	struct pm_err *err = live_pid ? pm_live_open(live_pid, nostop, &db.t)
		: pm_target_open(picked ? picked : argv[optind + nargs - 1], exe, &db.t);
	free(picked);
	if (err) {
		pm_err_report(err);
		return 2;
	}
	/* crash's order, "vmlinux vmcore", names the kernel as the executable */
	if (!vmlinux && exe && db.t->kernel)
		vmlinux = exe;
	if (vmlinux && no_vmlinux) {
		fprintf(stderr, "pmdb: --no-vmlinux with a vmlinux (%s): choose one\n", vmlinux);
		pm_target_close(db.t);
		return 2;
	}
	pm_dwarf_set_vmlinux(no_vmlinux ? "" : vmlinux);
	if ((err = pm_dwarf_open(db.t, debug_dirs, &db.dw))) {
		pm_err_report(err);
		pm_dwarf_set_vmlinux(NULL);
		pm_target_close(db.t);
		return 2;
	}
	/* Start on the thread that took the signal, as gdb does. */
	db.cur_thread = pm_signal_thread(db.t);
	if (db.t->nthreads)
		db.dot = db.t->threads[db.cur_thread].regs[db.t->arch->pc];

	if (json)
		cmds = "::analyze -j";
	return finish(&db, run_session(&db, cmds, script, quiet));

}

