#include "vmcoreinfo.h"
#include "../base/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pm_vmcoreinfo_parse(struct pm_vmcoreinfo *vi, const char *data, size_t len)
{
	memset(vi, 0, sizeof(*vi));
	vi->text = xstrndup(data, len);
	size_t cap = 0;
	for (char *line = vi->text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		vec_reserve(&vi->keys, &cap, vi->n + 1, sizeof(*vi->keys));
		vi->values = xrealloc(vi->values, cap * sizeof(*vi->values));
		vi->keys[vi->n] = line;
		vi->values[vi->n++] = eq + 1;
	}
}

void pm_vmcoreinfo_free(struct pm_vmcoreinfo *vi)
{
	free(vi->text);
	free(vi->keys);
	free(vi->values);
	memset(vi, 0, sizeof(*vi));
}

const char *pm_vmcoreinfo_get(const struct pm_vmcoreinfo *vi, const char *key)
{
	for (size_t i = 0; i < vi->n; i++)
		if (strcmp(vi->keys[i], key) == 0)
			return vi->values[i];
	return NULL;
}

static bool parse(const char *s, int base, int64_t *v)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	if (base == 16) {
		unsigned long long u = strtoull(s, &end, 16);
		*v = (int64_t)u;
	} else {
		*v = strtoll(s, &end, 10);
	}
	return errno == 0 && *end == 0;
}

bool pm_vmcoreinfo_symbol(const struct pm_vmcoreinfo *vi, const char *name, uint64_t *v)
{
	char key[128];
	snprintf(key, sizeof(key), "SYMBOL(%s)", name);
	int64_t x;
	if (!parse(pm_vmcoreinfo_get(vi, key), 16, &x))
		return false;
	*v = (uint64_t)x;
	return true;
}

bool pm_vmcoreinfo_number(const struct pm_vmcoreinfo *vi, const char *kind, const char *name,
			  int64_t *v)
{
	char key[128];
	snprintf(key, sizeof(key), "%s(%s)", kind, name);
	return parse(pm_vmcoreinfo_get(vi, key), 10, v);
}
