/* ::set: the settings a session can change after it started.  Today the
 * folders searched for separate debug info (-d), as gdb's `set
 * debug-file-directory`: changing them opens the debug session again. */
#include "cmds.h"
#include "runctl.h"
#include "../base/util.h"
#include "../dwarf/dwarf.h"

#include <stdlib.h>
#include <string.h>

static char *debug_path;   /* what ::set gave, owned here for the session */

struct pm_err *pm_debug_reopen(struct pmdb *db)
{
	bool demangle = db->dw ? pm_dwarf_demangle(db->dw) : true;
	pm_dwarf_close(db->dw);
	db->dw = NULL;
	struct pm_err *err = pm_dwarf_open(db->t, db->debug_dirs, &db->dw);
	if (err)
		return err;
	pm_dwarf_set_demangle(db->dw, demangle);
	pm_bpts_resolve(db);
	return NULL;
}

struct pm_err *pm_cmd_set(struct pmdb *db, const struct pm_call *call)
{
	if (call->has_addr)
		return pm_err_new(PM_ERR_SYNTAX, "::set takes no address");
	if (call->argc == 1) {
		fprintf(db->out, "debug-path %s\n", db->debug_dirs ? db->debug_dirs : "(none: /usr/lib/debug only)");
		return NULL;
	}
	const char *name = call->argv[1];
	if (strcmp(name, "debug-path") != 0 && strcmp(name, "debug-file-directory") != 0)
		return pm_err_new(PM_ERR_SYNTAX, "::set: unknown setting '%s' (known: debug-path)", name);
	if (call->argc != 3)
		return pm_err_new(PM_ERR_SYNTAX, "usage: ::set debug-path DIR[:DIR...] (\"\" for none)");
	free(debug_path);
	debug_path = call->argv[2][0] ? xstrdup(call->argv[2]) : NULL;
	db->debug_dirs = debug_path;
	if (!db->t)
		return NULL;
	return pm_debug_reopen(db);
}
