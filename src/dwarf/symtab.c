/* Listing whole symbol tables (::nm): libdwfl's view, which takes .symtab
 * from the file or its debug file and falls back to .dynsym. */
#include "internal.h"
#include "../kernel/kernel.h"

#include <string.h>

static const char *type_name(unsigned t)
{
	static const char *const names[] = { "NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE",
					     "COMMON", "TLS" };
	if (t < sizeof(names) / sizeof(names[0]))
		return names[t];
	return t == STT_GNU_IFUNC ? "IFUNC" : "OTHER";
}

static const char *bind_name(unsigned b)
{
	switch (b) {
	case STB_LOCAL: return "LOCAL";
	case STB_GLOBAL: return "GLOBAL";
	case STB_WEAK: return "WEAK";
	case STB_GNU_UNIQUE: return "UNIQUE";
	default: return "OTHER";
	}
}

struct sym_walk {
	const char *module;
	pm_symbol_fn *fn;
	void *arg;
	size_t matched;
};

static int each_module(Dwfl_Module *mod, void **ud, const char *mname, Dwarf_Addr start, void *arg)
{
	(void)ud;
	(void)start;
	struct sym_walk *sw = arg;
	if (sw->module && !pm_module_matches(mname, sw->module))
		return DWARF_CB_OK;
	sw->matched++;
	const char *slash = strrchr(mname, '/');
	int n = dwfl_module_getsymtab(mod);
	for (int i = 1; i < n; i++) {
		GElf_Sym s;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(mod, i, &s, &addr, NULL, NULL, NULL);
		if (!name || !*name || s.st_shndx == SHN_UNDEF)
			continue;
		struct pm_symbol sym = { name, addr, s.st_size, type_name(GELF_ST_TYPE(s.st_info)),
					 bind_name(GELF_ST_BIND(s.st_info)), slash ? slash + 1 : mname };
		sw->fn(&sym, sw->arg);
	}
	return DWARF_CB_OK;
}

struct pm_err *pm_dwarf_symbols(struct pm_dwarf *d, const char *module, pm_symbol_fn *fn,
				void *arg)
{
	if (d->t->kernel)
		return pm_kernel_symbols(d->t, module, fn, arg);
	struct sym_walk sw = { module, fn, arg, 0 };
	dwfl_getmodules(d->dwfl, each_module, &sw, 0);
	if (module && !sw.matched)
		return pm_err_new(PM_ERR_LOOKUP, "no module matches '%s' (::modules lists them)", module);
	return NULL;
}
