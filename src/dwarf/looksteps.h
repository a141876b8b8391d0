/* libdwfl's side of the lookup log (target/looklog.h): module files
 * found through resolve.c, and the places debug files were looked for. */
#ifndef PM_LOOKSTEPS_H
#define PM_LOOKSTEPS_H

#include <elfutils/libdwfl.h>

/* find_elf's last resort: the file resolve.c finds for MODNAME, checked
 * against the build-id the core holds for the module. */
int pm_find_elf_resolved(Dwfl_Module *mod, const char *modname, char **file_name);

/* A debug-file step named PLACE: FOUND is the file used, or NULL. */
void pm_look_step(const char *modname, const char *place, const char *found, int used);
/* The build-id files DIR/.build-id/xx/rest.debug of each debug folder. */
void pm_look_buildid_dirs(const char *modname, const unsigned char *id, int len,
			  const char *const *dirs, size_t ndirs, const char *found);
void pm_look_debuginfod(const char *modname, const char *found);

#endif
