#include "looksteps.h"
#include "../target/looklog.h"
#include "../target/resolve.h"
#include "../base/util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pm_find_elf_resolved(Dwfl_Module *mod, const char *modname, char **file_name)
{
	const unsigned char *id;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &id, &vaddr);
	char *path = pm_resolve_file(modname, true, id, len > 0 ? (size_t)len : 0, NULL);
	if (!path)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(path);
		return -1;
	}
	*file_name = path;
	return fd;
}

void pm_look_step(const char *modname, const char *place, const char *found, int used)
{
	pm_looklog_add(modname, PM_LOOK_DEBUG, place, found, used ? "used" : "missing");
}

void pm_look_buildid_dirs(const char *modname, const unsigned char *id, int len,
			  const char *const *dirs, size_t ndirs, const char *found)
{
	if (len <= 0) {
		pm_looklog_add(modname, PM_LOOK_DEBUG, "build-id dir", "", "no build-id in the module");
		return;
	}
	char hex[129];
	for (int i = 0; i < len && i < 64; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	for (size_t i = 0; i < ndirs; i++) {
		char *p = xasprintf("%s/.build-id/%.2s/%s.debug", dirs[i], hex, hex + 2);
		const char *what = found && strcmp(found, p) == 0 ? "used" :
				   access(p, R_OK) != 0 ? "missing" : "present, not used";
		pm_looklog_add(modname, PM_LOOK_DEBUG, "build-id dir", p, what);
		free(p);
		if (what[0] == 'u')
			return;         /* the search stops at the file used */
	}
	if (found && strstr(found, "/.build-id/") == NULL)
		pm_looklog_add(modname, PM_LOOK_DEBUG, "build-id dir", found, "used");
}

void pm_look_debuginfod(const char *modname, const char *found)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	if (!urls || !*urls)
		pm_looklog_add(modname, PM_LOOK_DEBUG, "debuginfod", "", "not configured (DEBUGINFOD_URLS)");
	else
		pm_looklog_add(modname, PM_LOOK_DEBUG, "debuginfod", found ? found : urls,
			       found ? "used" : "missing");
}
