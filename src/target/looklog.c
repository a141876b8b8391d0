/* One process debugs one dump (triage forks a child per core), so the
 * record is a file-level table. */
#include "looklog.h"
#include "../base/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *module;
	struct pm_look *steps;
	size_t n, cap;
};

static struct entry *entries;
static size_t nentries, cap_entries;

static struct entry *entry_for(const char *module, bool make)
{
	for (size_t i = 0; i < nentries; i++)
		if (strcmp(entries[i].module, module) == 0)
			return &entries[i];
	if (!make)
		return NULL;
	vec_reserve(&entries, &cap_entries, nentries + 1, sizeof(*entries));
	struct entry *e = &entries[nentries++];
	memset(e, 0, sizeof(*e));
	e->module = xstrdup(module);
	return e;
}

void pm_looklog_add(const char *module, enum pm_look_kind kind, const char *place,
		    const char *path, const char *outcome)
{
	struct entry *e = entry_for(module, true);
	vec_reserve(&e->steps, &e->cap, e->n + 1, sizeof(*e->steps));
	e->steps[e->n++] = (struct pm_look){
		.kind = kind, .place = xstrdup(place), .path = xstrdup(path ? path : ""),
		.outcome = xstrdup(outcome),
	};
}

size_t pm_looklog_get(const char *module, const struct pm_look **steps)
{
	const struct entry *e = entry_for(module, false);
	*steps = e ? e->steps : NULL;
	return e ? e->n : 0;
}

void pm_looklog_clear(void)
{
	for (size_t i = 0; i < nentries; i++) {
		for (size_t k = 0; k < entries[i].n; k++) {
			free(entries[i].steps[k].place);
			free(entries[i].steps[k].path);
			free(entries[i].steps[k].outcome);
		}
		free(entries[i].steps);
		free(entries[i].module);
	}
	free(entries);
	entries = NULL;
	nentries = cap_entries = 0;
}
