/* A reporting round that keeps all modules but some (reround.h). */
#include "reround.h"
#include "../base/util.h"

#include <stdlib.h>

struct kept {
	char *name;
	Dwarf_Addr start, end;
};

struct keep_list {
	pm_module_drop_fn *drop;
	void *arg;
	struct kept *v;
	size_t n, cap;
};

static int keep_module(Dwfl_Module *mod, void **ud, const char *name, Dwarf_Addr start, void *arg)
{
	(void)ud;
	(void)start;
	struct keep_list *k = arg;
	Dwarf_Addr lo, hi;
	if (!dwfl_module_info(mod, NULL, &lo, &hi, NULL, NULL, NULL, NULL) ||
	    k->drop(mod, lo, hi, k->arg))
		return DWARF_CB_OK;
	vec_reserve(&k->v, &k->cap, k->n + 1, sizeof(*k->v));
	k->v[k->n++] = (struct kept){ xstrdup(name ? name : ""), lo, hi };
	return DWARF_CB_OK;
}

void pm_reround_begin(Dwfl *dwfl, pm_module_drop_fn *drop, void *arg)
{
	/* the list is taken before the round begins: dwfl_getmodules walks
	 * the modules of the last round ended */
	struct keep_list k = { .drop = drop, .arg = arg };
	dwfl_getmodules(dwfl, keep_module, &k, 0);
	dwfl_report_begin(dwfl);
	for (size_t i = 0; i < k.n; i++) {
		dwfl_report_module(dwfl, k.v[i].name, k.v[i].start, k.v[i].end);
		free(k.v[i].name);
	}
	free(k.v);
}
