/* pmdb triage: the pool of worker processes.  Each core is analysed in a
 * process of its own (forked, never exec'd): the debug-info session keeps
 * per-process state, and a core that crashes or hangs its worker costs
 * only that core.  Lines print in input order as soon as all cores before
 * them are done. */
#include "triage.h"
#include "internal.h"
#include "../base/util.h"
#include "../target/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct worker {
	pid_t pid;
	int fd;                      /* read end of its pipe */
	size_t core;                 /* index in the core list */
	double deadline;
	char *buf;
	size_t len, cap;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fputs("usage: pmdb triage [--json] [-j N] [-t SEC] [-d DIR] [--sysroot DIR] [-v] CORE|DIR ...\n"
	      "  Analyse each core (folders are searched recursively for ELF core files)\n"
	      "  in N worker processes (default: one per CPU) and print one JSON line per\n"
	      "  core, then the signatures found, most frequent first.\n"
	      "  --json   the full report per core (as pmdb --analyze --json), buckets\n"
	      "           as JSON lines too\n"
	      "  -t SEC   give up on a core after SEC seconds (default 60)\n"
	      "  -d DIR   also look for separate debug info under DIR\n"
	      "  --sysroot DIR  look for the files the cores name under DIR first\n"
	      "  -v       keep the workers' warnings on stderr\n",
	      out);
}

static bool start(struct worker *w, size_t core, const struct pm_corelist *l,
		  const struct pm_triage_opts *o)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return false;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0) {
		close(p[0]);
		if (!o->verbose) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0)
				dup2(null, STDERR_FILENO);
		}
		pm_triage_worker(l->path[core], o, p[1]);
		_exit(0);
	}
	close(p[1]);
	*w = (struct worker){ .pid = pid, .fd = p[0], .core = core,
			      .deadline = now() + o->timeout };
	return true;
}

/* The worker's pipe is closed or its time is up: reap it and record. */
static void finish(struct worker *w, bool timed_out, unsigned timeout,
		   const struct pm_corelist *l, struct pm_result *r)
{
	if (timed_out)
		kill(w->pid, SIGKILL);
	int status = 0;
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(w->fd);
	char *error = NULL;
	if (timed_out)
		error = xasprintf("timed out: no verdict after %u s; worker killed", timeout);
	else if (WIFSIGNALED(status))
		error = xasprintf("the worker analysing this core crashed (signal %d)",
				  WTERMSIG(status));
	else if (!pm_result_parse(r, w->buf ? w->buf : "", w->len))
		error = xasprintf("the worker exited (status %d) without a result",
				  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (error) {
		pm_result_free(r);
		r->error = error;
	}
	if (r->error)
		r->json = pm_result_error_json(l->path[w->core], r->error);
	r->done = true;
	free(w->buf);
	w->pid = 0;
}

static void drain(struct worker *w)
{
	vec_reserve(&w->buf, &w->cap, w->len + 65536, 1);
	ssize_t n = read(w->fd, w->buf + w->len, w->cap - w->len - 1);
	if (n > 0)
		w->len += (size_t)n;
	w->buf[w->len] = 0;
}

static int run(const struct pm_corelist *l, struct pm_result *res, unsigned jobs,
	       const struct pm_triage_opts *o)
{
	struct worker *w = xcalloc(jobs, sizeof(*w));
	struct pollfd *pfd = xcalloc(jobs, sizeof(*pfd));
	size_t next = 0, printed = 0, running = 0, failed = 0;
	while (printed < l->n) {
		for (unsigned i = 0; i < jobs && next < l->n; i++) {
			if (w[i].pid)
				continue;
			if (!start(&w[i], next, l, o)) {
				res[next].error = xasprintf("cannot start a worker: %s", strerror(errno));
				res[next].json = pm_result_error_json(l->path[next], res[next].error);
				res[next].done = true;
			} else {
				running++;
			}
			next++;
		}
		double t = now(), soonest = t + 3600;
		for (unsigned i = 0; i < jobs; i++) {
			pfd[i] = (struct pollfd){ .fd = w[i].pid ? w[i].fd : -1, .events = POLLIN };
			if (w[i].pid && w[i].deadline < soonest)
				soonest = w[i].deadline;
		}
		if (running && poll(pfd, jobs, (int)((soonest - t) * 1000) + 1) < 0 && errno != EINTR)
			break;
		t = now();
		for (unsigned i = 0; i < jobs; i++) {
			if (!w[i].pid)
				continue;
			bool late = t >= w[i].deadline;
			if (pfd[i].revents & POLLIN && !late)
				drain(&w[i]);
			if (late || (pfd[i].revents & (POLLHUP | POLLERR) && !(pfd[i].revents & POLLIN))) {
				finish(&w[i], late, o->timeout, l, &res[w[i].core]);
				running--;
			}
		}
		for (; printed < l->n && res[printed].done; printed++) {
			fputs(res[printed].json, stdout);
			failed += res[printed].error != NULL;
		}
		fflush(stdout);
	}
	free(pfd);
	free(w);
	return failed ? 1 : 0;
}

int pm_triage_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "sysroot", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pm_triage_opts o = { .timeout = 60 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned jobs = cpus > 0 ? (unsigned)cpus : 1;
	int c;
	while ((c = getopt_long(argc, argv, "j:t:d:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': o.json = true; break;
		case 'S': pm_resolve_configure(optarg, NULL); break;   /* the workers inherit it */
		case 'j': jobs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': o.timeout = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': o.debug_dirs = optarg; break;
		case 'v': o.verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc || jobs == 0 || jobs > 1024 || o.timeout == 0) {
		usage(stderr);
		return 2;
	}
	struct pm_corelist l = { 0 };
	for (int i = optind; i < argc; i++)
		pm_find_cores(argv[i], &l);
	if (l.compressed)
		fprintf(stderr, "pmdb triage: skipped %zu compressed file(s), e.g. %s: decompress "
			"them first\n", l.compressed, l.compressed_example);
	if (l.n == 0) {
		fprintf(stderr, "pmdb triage: no core files found\n");
		pm_corelist_free(&l);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	struct pm_result *res = xcalloc(l.n, sizeof(*res));
	int rc = run(&l, res, jobs < l.n ? jobs : (unsigned)l.n, &o);
	pm_buckets_print(&l, res, o.json, stdout);
	for (size_t i = 0; i < l.n; i++)
		pm_result_free(&res[i]);
	free(res);
	pm_corelist_free(&l);
	return rc;
}
