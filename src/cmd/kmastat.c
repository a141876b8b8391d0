/* ::kmastat: the SLUB caches of a kernel dump, in crash's `kmem -s`
 * columns, with mdb's total at the end. */
#include "cmds.h"
#include "../kernel/slub.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>

struct pm_err *pm_cmd_kmastat(struct pmdb *db, const struct pm_call *call)
{
	if (!db->t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "::kmastat: not a kernel crash dump");
	if (call->argc > 2 || call->has_addr)
		return pm_err_new(PM_ERR_SYNTAX, "usage: ::kmastat [PATTERN]");
	const char *pattern = call->argc == 2 ? call->argv[1] : NULL;
	struct pm_slub_cache *v;
	size_t n, shown = 0;
	struct pm_err *err = pm_slub_caches(db->t, &v, &n);
	if (err)
		return err;
	uint64_t slabs = 0, bytes = 0, allocated = 0;
	fprintf(db->out, "%-16s  %7s  %9s  %8s  %5s  %5s  %s\n", "CACHE", "OBJSIZE", "ALLOCATED",
		"TOTAL", "SLABS", "SSIZE", "NAME");
	for (size_t i = 0; i < n; i++) {
		const struct pm_slub_cache *c = &v[i];
		if (pattern && fnmatch(pattern, c->name, 0) != 0)
			continue;
		shown++;
		struct pm_slub_stats st;
		err = pm_slub_stats(db->t, c, &st);
		fprintf(db->out, "%016" PRIx64 "  %7u  ", c->addr, c->object_size);
		if (err) {
			pm_warn("%s: cannot count its objects: %s", c->name, err->msg);
			pm_err_free(err);
			fprintf(db->out, "%9s  %8s  %5s  ", "?", "?", "?");
		} else {
			fprintf(db->out, "%9" PRIu64 "  %8" PRIu64 "  %5" PRIu64 "  ", st.allocated, st.total,
				st.slabs);
			slabs += st.slabs;
			bytes += st.slabs * c->slab_bytes;
			allocated += st.allocated * c->object_size;
		}
		fprintf(db->out, "%4" PRIu64 "k  %s\n", c->slab_bytes / 1024, c->name);
	}
	free(v);
	fprintf(db->out, "Total: %zu caches, %" PRIu64 " slabs, %" PRIu64 " KiB of slabs, %" PRIu64
		" KiB allocated\n", shown, slabs, bytes / 1024, allocated / 1024);
	return NULL;
}
