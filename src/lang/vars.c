/* The variable table lives in struct pmdb: a handful of names, searched
 * linearly.  "0" is set by the format verbs to the last value shown. */
#include "vars.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

static struct pm_var *find(struct pmdb *db, const char *name)
{
	for (size_t i = 0; i < db->nvars; i++)
		if (strcmp(db->vars[i].name, name) == 0)
			return &db->vars[i];
	return NULL;
}

bool pm_var_get(struct pmdb *db, const char *name, uint64_t *val)
{
	struct pm_var *v = find(db, name);
	if (!v)
		return false;
	*val = v->value;
	return true;
}

bool pm_var_name_ok(const char *name)
{
	if (isdigit((unsigned char)name[0]))
		return name[1] == 0;
	if (!isalpha((unsigned char)name[0]) && name[0] != '_')
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return strlen(name) < sizeof(((struct pm_var *)0)->name);
}

struct pm_err *pm_var_set(struct pmdb *db, const char *name, uint64_t val)
{
	if (!pm_var_name_ok(name))
		return pm_err_new(PM_ERR_SYNTAX, "syntax error: '%s' is not a variable name", name);
	if (db->t && pm_arch_reg_index(db->t->arch, name) >= 0)
		return pm_err_new(PM_ERR_GENERIC, "cannot set register %%%s: core files are read-only",
				  name);
	struct pm_var *v = find(db, name);
	if (!v) {
		if (db->nvars == PM_NVARS)
			return pm_err_new(PM_ERR_GENERIC, "too many variables (at most %d)", PM_NVARS);
		v = &db->vars[db->nvars++];
		snprintf(v->name, sizeof(v->name), "%s", name);
	}
	v->value = val;
	return NULL;
}

unsigned pm_radix(const struct pmdb *db)
{
	return db->radix >= 2 && db->radix <= 16 ? db->radix : 16;
}

void pm_print_radix(const struct pmdb *db, FILE *out, uint64_t v)
{
	unsigned r = pm_radix(db);
	char buf[65];
	char *p = buf + sizeof(buf) - 1;
	*p = 0;
	do {
		*--p = "0123456789abcdef"[v % r];
		v /= r;
	} while (v);
	fputs(p, out);
}
