/* The DIE scopes around a pc, innermost first, as they nest in the DIE
 * tree: lexical blocks, inlined calls, the subprogram, up to the CU.
 *
 * dwarf_getscopes does not look inside DW_TAG_namespace, where rustc puts
 * every function; for such a CU (no scope found) pmdb walks the tree
 * itself, descending into namespaces and types as well as scopes.  In C
 * and C++ a function's code is never inside a type's DIE (a member
 * function defined in its class is a declaration there, its code a DIE
 * at namespace level): the walk skips their types, most of a big C++
 * CU's DIEs. */
#include "scopes.h"
#include "dwp.h"
#include "../target/target.h"
#include "../base/util.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SCOPE_DEPTH 128

static bool is_function(int tag)
{
	return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
	       tag == DW_TAG_entry_point;
}

static bool is_pc_scope(int tag)
{
	return is_function(tag) || tag == DW_TAG_lexical_block || tag == DW_TAG_try_block ||
	       tag == DW_TAG_catch_block || tag == DW_TAG_with_stmt;
}

static bool is_container(int tag, bool types)
{
	return tag == DW_TAG_namespace || tag == DW_TAG_module ||
	       (types && (tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
			  tag == DW_TAG_union_type));
}

static bool code_in_types(Dwarf_Die *cu)
{
	switch (dwarf_srclang(cu)) {
	case DW_LANG_C89: case DW_LANG_C: case DW_LANG_C99: case DW_LANG_C11:
	case DW_LANG_C_plus_plus: case DW_LANG_C_plus_plus_03: case DW_LANG_C_plus_plus_11:
	case DW_LANG_C_plus_plus_14:
		return false;
	default:
		return true;
	}
}

struct chain {
	Dwarf_Die v[MAX_SCOPE_DEPTH];
	int n;
	bool types;     /* look inside types' DIEs too */
};

/* Depth-first: the path of pc scopes to the innermost one holding pc. */
static bool walk(Dwarf_Die *parent, Dwarf_Addr pc, struct chain *c, int depth)
{
	Dwarf_Die child;
	if (depth >= MAX_SCOPE_DEPTH || dwarf_child(parent, &child) != 0)
		return false;
	do {
		int tag = dwarf_tag(&child);
		if (is_pc_scope(tag)) {
			if (dwarf_haspc(&child, pc) != 1 || c->n == MAX_SCOPE_DEPTH)
				continue;
			c->v[c->n++] = child;
			walk(&child, pc, c, depth + 1);
			return true;
		}
		if (is_container(tag, c->types) && walk(&child, pc, c, depth + 1))
			return true;
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

static int reversed(const struct chain *c, Dwarf_Die *cu, Dwarf_Die **out)
{
	*out = xmalloc((size_t)(c->n + 1) * sizeof(Dwarf_Die));
	for (int i = 0; i < c->n; i++)
		(*out)[i] = c->v[c->n - 1 - i];
	(*out)[c->n] = *cu;
	return c->n + 1;
}

Dwarf_Die *pm_cu_split(Dwfl_Module *mod, Dwarf_Die *cu, Dwarf_Die *buf)
{
	uint8_t type;
	if (!cu || dwarf_cu_info(cu->cu, NULL, &type, NULL, buf, NULL, NULL, NULL) != 0 ||
	    type != DW_UT_skeleton)
		return cu;
	if (dwarf_tag(buf) == DW_TAG_compile_unit || pm_dwp_split(mod, cu, buf))
		return buf;
	Dwarf_Attribute a;
	const char *dwo = dwarf_formstring(dwarf_attr(cu, DW_AT_dwo_name, &a));
	if (!dwo)    /* GNU split DWARF 4 */
		dwo = dwarf_formstring(dwarf_attr(cu, DW_AT_GNU_dwo_name, &a));
	const char *dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a));
	/* said once per unit: lookups come back to the same skeleton often */
	static const void *warned[64];
	static size_t nwarned;
	for (size_t i = 0; i < nwarned; i++)
		if (warned[i] == cu->cu)
			return cu;
	if (nwarned < sizeof(warned) / sizeof(warned[0]))
		warned[nwarned++] = cu->cu;
	const char *dwp = mod ? pm_dwp_path(mod) : NULL;
	char *path = dwo ? xasprintf("%s%s%s", dwo[0] != '/' && dir ? dir : "", dwo[0] != '/' && dir ? "/" : "",
				     dwo) : NULL;
	/* a file there that libdw did not take: e.g. gcc 12's DWARF 5 .dwo
	 * with type units, two .debug_info.dwo sections (COMDAT groups) */
	bool there = path && access(path, R_OK) == 0;
	pm_warn("split DWARF: %s %s%s%s%s; the types and variables it holds are not available",
		path ? path : "a .dwo file", there ? "is there but libdw cannot read its unit" : "is missing",
		dwp ? " and " : "", dwp ? dwp : "", dwp ? " has no usable unit for it" : "");
	free(path);
	return cu;
}

int pm_scopes_pc_only(Dwfl_Module *mod, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die **out)
{
	*out = NULL;
	Dwarf_Die split;
	cu = pm_cu_split(mod, cu, &split);
	struct chain *c = xcalloc(1, sizeof(*c));
	c->types = code_in_types(cu);
	int r = walk(cu, pc, c, 0) ? reversed(c, cu, out) : 0;
	free(c);
	return r;
}

int pm_scopes(Dwfl_Module *mod, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die **out)
{
	*out = NULL;
	Dwarf_Die split;
	cu = pm_cu_split(mod, cu, &split);
	Dwarf_Die *scopes = NULL;
	int n = dwarf_getscopes(cu, pc, &scopes);
	if (n > 0) {
		/* dwarf_getscopes gives the blocks inside the innermost function,
		 * then that function's abstract scopes; the concrete nesting of
		 * inlined calls is the innermost function's DIE ancestry */
		int k = 0;
		while (k < n && !is_function(dwarf_tag(&scopes[k])))
			k++;
		Dwarf_Die *anc = NULL;
		int m = k < n ? dwarf_getscopes_die(&scopes[k], &anc) : -1;
		if (m <= 0) {
			free(anc);
			*out = scopes;
			return n;
		}
		*out = xmalloc((size_t)(k + m) * sizeof(Dwarf_Die));
		memcpy(*out, scopes, (size_t)k * sizeof(Dwarf_Die));
		memcpy(*out + k, anc, (size_t)m * sizeof(Dwarf_Die));
		free(scopes);
		free(anc);
		return k + m;
	}
	free(scopes);
	return pm_scopes_pc_only(mod, cu, pc, out);
}
