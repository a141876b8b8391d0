/* What the parts of triage share. */
#ifndef PM_TRIAGE_INTERNAL_H
#define PM_TRIAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct pm_corelist {
	char **path;
	size_t n, cap;
	size_t compressed;           /* compressed files skipped */
	char *compressed_example;
};

/* arg is a file (taken whatever it holds: a non-core is reported as an
 * error) or a folder, searched recursively for ELF core files. */
void pm_find_cores(const char *arg, struct pm_corelist *l);
void pm_corelist_free(struct pm_corelist *l);

struct pm_triage_opts {
	bool json;                   /* the full report per core, not the summary */
	bool verbose;                /* keep the workers' warnings on stderr */
	const char *debug_dirs;
	unsigned timeout;            /* seconds per core */
};

/* The outcome of one core.  A worker writes a header line
 *   "H\tHASH\tCLASS\tSIGNATURE\tSUMMARY\n" then the JSON line, or
 *   "E\tMESSAGE\n" when the core cannot be analysed. */
struct pm_result {
	bool done;
	char *error;                 /* why there is no verdict, or NULL */
	char *hash, *cls, *signature, *summary;
	char *json;                  /* the line to print, with its newline */
};

/* In a forked child: analyse one core, write the record to fd. */
void pm_triage_worker(const char *core, const struct pm_triage_opts *o, int fd);
/* Fill r from the bytes a worker wrote; false if they are not a record. */
bool pm_result_parse(struct pm_result *r, char *data, size_t len);
/* The JSON line of a core that has no verdict. */
char *pm_result_error_json(const char *core, const char *error);
void pm_result_free(struct pm_result *r);

/* The table of signatures, most frequent first (JSON lines with json). */
void pm_buckets_print(const struct pm_corelist *l, const struct pm_result *res, bool json,
		      FILE *out);

#endif
