/* libdebuginfod by dlopen: Debian ships it in its own package, and a pmdb
 * without it still reads everything local. */
#include "debuginfod.h"
#include "../base/util.h"
#include "../target/target.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct debuginfod_client debuginfod_client;

static struct {
	bool tried, off;
	void *lib;
	debuginfod_client *client;
	debuginfod_client *(*begin)(void);
	void (*end)(debuginfod_client *);
	int (*find_debuginfo)(debuginfod_client *, const unsigned char *, int, char **);
	char **gave;
	size_t ngave, cap;
} di;

/* libdebuginfod waits 90 s for a silent server, three times; a debugger
 * should not.  The user's settings win. */
#define PM_DEBUGINFOD_TIMEOUT "10"
#define PM_DEBUGINFOD_RETRY_LIMIT "0"

void pm_debuginfod_setup(void)
{
	setenv("DEBUGINFOD_TIMEOUT", PM_DEBUGINFOD_TIMEOUT, 0);
	setenv("DEBUGINFOD_RETRY_LIMIT", PM_DEBUGINFOD_RETRY_LIMIT, 0);
}

static bool start(void)
{
	if (di.tried)
		return di.client != NULL;
	di.tried = true;
	const char *urls = getenv("DEBUGINFOD_URLS");
	if (!urls || !*urls)
		return false;
	di.lib = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!di.lib) {
		pm_warn("DEBUGINFOD_URLS is set but libdebuginfod cannot be loaded (%s): "
			"no debuginfod queries", dlerror());
		return false;
	}
	*(void **)&di.begin = dlsym(di.lib, "debuginfod_begin");
	*(void **)&di.end = dlsym(di.lib, "debuginfod_end");
	*(void **)&di.find_debuginfo = dlsym(di.lib, "debuginfod_find_debuginfo");
	if (!di.begin || !di.end || !di.find_debuginfo)
		return false;
	di.client = di.begin();
	return di.client != NULL;
}

int pm_debuginfod_find(const unsigned char *id, int idlen, char **path)
{
	if (di.off || idlen <= 0 || !start())
		return -1;
	char *got = NULL;
	int fd = di.find_debuginfo(di.client, id, idlen, &got);
	if (fd >= 0) {
		vec_reserve(&di.gave, &di.cap, di.ngave + 1, sizeof(*di.gave));
		di.gave[di.ngave++] = xstrdup(got);
		*path = got;
		return fd;
	}
	free(got);
	if (fd != -ENOENT) {
		if (fd == -ETIME)
			pm_warn("debuginfod (DEBUGINFOD_URLS=%s): no answer within "
				"DEBUGINFOD_TIMEOUT=%s s; not asked again in this run",
				getenv("DEBUGINFOD_URLS"), getenv("DEBUGINFOD_TIMEOUT"));
		else
			pm_warn("debuginfod (DEBUGINFOD_URLS=%s): %s; not asked again in this run",
				getenv("DEBUGINFOD_URLS"), strerror(-fd));
		di.off = true;
		/* libdwfl's own client reads it at each query too */
		unsetenv("DEBUGINFOD_URLS");
	}
	return -1;
}

bool pm_debuginfod_gave(const char *path)
{
	for (size_t i = 0; path && i < di.ngave; i++)
		if (strcmp(di.gave[i], path) == 0)
			return true;
	return false;
}

void pm_debuginfod_end(void)
{
	if (di.client)
		di.end(di.client);
	for (size_t i = 0; i < di.ngave; i++)
		free(di.gave[i]);
	free(di.gave);
	/* not dlclose()d: libcurl's global state stays allocated until exit,
	 * and a leak checker can only name it while the library is mapped */
	memset(&di, 0, sizeof(di));
}
