#include "resolve.h"
#include "buildid.h"
#include "looklog.h"
#include "../base/err.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *sysroot;
static char **solib_dirs;
static size_t nsolib_dirs;

struct answer {
	char *recorded;
	char *found;       /* NULL: none */
	bool mismatch;
};
static struct answer *answers;
static size_t nanswers, cap_answers;

static char *given_recorded, *given_path;

void pm_resolve_configure(const char *root, const char *solib_path)
{
	pm_resolve_end();
	if (root && *root) {
		char *abs = realpath(root, NULL);
		sysroot = abs ? abs : xstrdup(root);
		size_t len = strlen(sysroot);
		while (len > 1 && sysroot[len - 1] == '/')
			sysroot[--len] = 0;
	}
	if (solib_path && *solib_path) {
		char *all = xstrdup(solib_path), *rest = all, *dir;
		size_t cap = 0;
		while ((dir = strsep(&rest, ":")) != NULL) {
			if (!*dir)
				continue;
			vec_reserve(&solib_dirs, &cap, nsolib_dirs + 1, sizeof(*solib_dirs));
			solib_dirs[nsolib_dirs++] = xstrdup(dir);
		}
		free(all);
	}
}

const char *pm_resolve_sysroot(void)
{
	return sysroot;
}

void pm_resolve_given(const char *recorded, const char *path)
{
	free(given_recorded);
	free(given_path);
	given_recorded = xstrdup(recorded);
	given_path = xstrdup(path);
}

/* Whether PATH is the file wanted; logs what was found there. */
static bool try_candidate(const char *recorded, const char *place, const char *path,
			  const unsigned char *id, size_t idlen, bool *mismatch)
{
	if (access(path, R_OK) != 0) {
		pm_looklog_add(recorded, PM_LOOK_FILE, place, path, "missing");
		return false;
	}
	if (idlen == 0) {
		pm_looklog_add(recorded, PM_LOOK_FILE, place, path, "used (no build-id in the core to check)");
		return true;
	}
	unsigned char on_disk[64];
	size_t nd = pm_buildid_from_file(path, on_disk, sizeof(on_disk));
	if (nd == idlen && memcmp(on_disk, id, idlen) == 0) {
		pm_looklog_add(recorded, PM_LOOK_FILE, place, path, "used (build-id matches)");
		return true;
	}
	char h1[129], h2[129];
	pm_buildid_hex(id, idlen, h1);
	if (nd)
		pm_buildid_hex(on_disk, nd, h2);
	pm_warn("%s does not match the core (build-id %s in the core, %s on disk): its contents are not used",
		path, h1, nd ? h2 : "none");
	char *why = xasprintf("build-id mismatch (%s)", nd ? h2 : "none");
	pm_looklog_add(recorded, PM_LOOK_FILE, place, path, why);
	free(why);
	*mismatch = true;
	return false;
}

static char *search(const char *recorded, bool lib, const unsigned char *id, size_t idlen,
		    bool *mismatch)
{
	if (given_recorded && strcmp(recorded, given_recorded) == 0 &&
	    try_candidate(recorded, "command line", given_path, id, idlen, mismatch))
		return xstrdup(given_path);
	if (sysroot && recorded[0] == '/') {
		char *p = xasprintf("%s%s", sysroot, recorded);
		if (try_candidate(recorded, "sysroot", p, id, idlen, mismatch))
			return p;
		free(p);
	}
	const char *slash = strrchr(recorded, '/');
	const char *base = slash ? slash + 1 : recorded;
	for (size_t i = 0; lib && *base && i < nsolib_dirs; i++) {
		char *p = xasprintf("%s/%s", solib_dirs[i], base);
		if (try_candidate(recorded, "solib-path", p, id, idlen, mismatch))
			return p;
		free(p);
	}
	if (try_candidate(recorded, "recorded path", recorded, id, idlen, mismatch))
		return xstrdup(recorded);
	return NULL;
}

char *pm_resolve_file(const char *recorded, bool lib, const unsigned char *id, size_t idlen,
		      bool *mismatch)
{
	for (size_t i = 0; i < nanswers; i++)
		if (strcmp(answers[i].recorded, recorded) == 0) {
			if (mismatch)
				*mismatch = answers[i].mismatch;
			return answers[i].found ? xstrdup(answers[i].found) : NULL;
		}
	bool mm = false;
	char *found = search(recorded, lib, id, idlen, &mm);
	vec_reserve(&answers, &cap_answers, nanswers + 1, sizeof(*answers));
	answers[nanswers++] = (struct answer){
		.recorded = xstrdup(recorded), .found = found ? xstrdup(found) : NULL,
		.mismatch = !found && mm,
	};
	if (mismatch)
		*mismatch = !found && mm;
	return found;
}

void pm_resolve_end(void)
{
	free(sysroot);
	sysroot = NULL;
	for (size_t i = 0; i < nsolib_dirs; i++)
		free(solib_dirs[i]);
	free(solib_dirs);
	solib_dirs = NULL;
	nsolib_dirs = 0;
	for (size_t i = 0; i < nanswers; i++) {
		free(answers[i].recorded);
		free(answers[i].found);
	}
	free(answers);
	answers = NULL;
	nanswers = cap_answers = 0;
	free(given_recorded);
	free(given_path);
	given_recorded = given_path = NULL;
}
