/* Loaded kernel modules, from the `modules` list with struct module's
 * layout from BTF, and their symbols from each module's own in-memory
 * symbol table (module.kallsyms: an Elf64_Sym array and its strings). */
#include "kernel.h"
#include "../base/addrset.h"
#include "../base/util.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODULES 8192
#define MAX_MODULE_SYMS (1u << 20)

struct layout {
	uint64_t list, name, base, size, kallsyms, symtab, num_symtab, strtab;
	uint64_t orc_ip, orc, num_orcs;
	bool has_orc;
	size_t name_len;
};

static bool get_layout(struct pm_target *t, struct layout *l)
{
	struct pm_btf *b;
	struct pm_err *err = pm_kernel_btf(t, &b);
	if (err) {
		pm_err_free(err);
		return false;
	}
	uint32_t m = pm_btf_find_struct(b, "module"), mk = pm_btf_find_struct(b, "mod_kallsyms");
	uint32_t name_type;
	bool ok = m && mk && pm_btf_member(b, m, "list", &l->list, NULL) &&
		  pm_btf_member(b, m, "name", &l->name, &name_type) &&
		  /* Linux < 6.4: core_layout; later: mem[MOD_TEXT] */
		  pm_btf_member(b, m, "core_layout.base", &l->base, NULL) &&
		  pm_btf_member(b, m, "core_layout.size", &l->size, NULL) &&
		  pm_btf_member(b, m, "kallsyms", &l->kallsyms, NULL) &&
		  pm_btf_member(b, mk, "symtab", &l->symtab, NULL) &&
		  pm_btf_member(b, mk, "num_symtab", &l->num_symtab, NULL) &&
		  pm_btf_member(b, mk, "strtab", &l->strtab, NULL);
	l->name_len = ok ? (size_t)pm_btf_size(b, name_type) : 0;
	/* x86-64 with CONFIG_UNWINDER_ORC */
	l->has_orc = pm_btf_member(b, m, "arch.orc_unwind_ip", &l->orc_ip, NULL) &&
		     pm_btf_member(b, m, "arch.orc_unwind", &l->orc, NULL) &&
		     pm_btf_member(b, m, "arch.num_orcs", &l->num_orcs, NULL);
	return ok && l->name_len > 0 && l->name_len <= 256;
}

static uint64_t rd(struct pm_target *t, uint64_t a, size_t n, bool *ok)
{
	uint64_t v = 0;
	if (pm_memmap_read_partial(&t->mem, a, &v, n) != n)
		*ok = false;
	return v;
}

static bool read_module(struct pm_target *t, const struct layout *l, uint64_t m, struct pm_kmodule *out)
{
	bool ok = true;
	memset(out, 0, sizeof(*out));
	out->addr = m;
	out->base = rd(t, m + l->base, 8, &ok);
	out->size = (uint32_t)rd(t, m + l->size, 4, &ok);
	if (l->has_orc) {
		bool orc_ok = true;
		out->orc_ip = rd(t, m + l->orc_ip, 8, &orc_ok);
		out->orc = rd(t, m + l->orc, 8, &orc_ok);
		out->num_orcs = (uint32_t)rd(t, m + l->num_orcs, 4, &orc_ok);
		if (!orc_ok)
			out->num_orcs = 0;
	}
	char name[257] = { 0 };
	if (pm_memmap_read_partial(&t->mem, m + l->name, name, l->name_len) != l->name_len)
		ok = false;
	name[l->name_len] = 0;
	out->name = xstrdup(name);
	return ok;
}

/* A module's name: printable, NUL-terminated within module.name. */
static bool module_name(struct pm_target *t, const struct layout *l, uint64_t m)
{
	char name[257];
	if (pm_memmap_read_partial(&t->mem, m + l->name, name, l->name_len) != l->name_len)
		return false;
	size_t len = strnlen(name, l->name_len);
	if (len == 0 || len == l->name_len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return false;
	return true;
}

struct head_hit {
	const struct layout *l;
	uint64_t image_start, image_end;   /* modules live outside the kernel image */
	uint64_t head;
	size_t budget;                     /* list nodes followed, over all candidates */
};

/* A list_head in the kernel's data whose next and prev are struct
 * modules' list members linking back to it, and whose ring closes. */
static bool modules_head(struct pm_target *t, uint64_t at, const unsigned char *p, size_t n, void *arg)
{
	struct head_hit *h = arg;
	uint64_t next, prev;
	if (n < 16)
		return false;
	memcpy(&next, p, 8);
	memcpy(&prev, p + 8, 8);
	bool ok = true;
	if (next >> 48 != 0xffff || prev >> 48 != 0xffff || (next & 7) || next < h->l->list ||
	    (next >= h->image_start && next < h->image_end) ||
	    rd(t, next + 8, 8, &ok) != at || rd(t, prev, 8, &ok) != at || !ok ||
	    !module_name(t, h->l, next - h->l->list))
		return false;
	uint64_t node = next;
	for (size_t i = 0; ok && i < MAX_MODULES && h->budget; i++, h->budget--) {
		if (node == at) {
			h->head = at;
			return true;
		}
		node = rd(t, node, 8, &ok);
	}
	return false;
}

/* `modules`: kallsyms's, or (a kernel without CONFIG_KALLSYMS_ALL) found
 * in the image's data (no module loaded: an empty list, not found). */
static uint64_t modules_list(struct pm_target *t, const struct layout *l)
{
	uint64_t start, end, a = pm_kernel_data_symbol(t, "modules");
	struct head_hit h = { l, pm_kernel_data_symbol(t, "_stext"), 0, 0, 16 * MAX_MODULES };
	if (!a && pm_kernel_image_data(t, &start, &end) && (h.image_end = end) > h.image_start &&
	    pm_kernel_scan(t, start, end, 8, modules_head, &h))
		a = h.head;
	return a;
}

struct pm_err *pm_kernel_modules(struct pm_target *t, struct pm_kmodule **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct layout l;
	uint64_t head = 0;
	if (!get_layout(t, &l) || !(head = modules_list(t, &l)))
		return pm_err_new(PM_ERR_LOOKUP, "the module list is unknown without `modules` and the "
				  "dump's BTF for struct module");
	size_t cap = 0;
	struct pm_addrset seen = { 0 };
	bool ok = true;
	uint64_t node = rd(t, head, 8, &ok);
	while (ok && node && node != head && *n < MAX_MODULES && pm_addrset_add(&seen, node)) {
		vec_reserve(out, &cap, *n + 1, sizeof(**out));
		if (read_module(t, &l, node - l.list, &(*out)[*n]))
			(*n)++;
		else
			free((*out)[*n].name);
		node = rd(t, node, 8, &ok);
	}
	pm_addrset_free(&seen);
	return NULL;
}

void pm_kernel_modules_free(struct pm_kmodule *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* The symbols of every module, with names and module names in one buffer
 * of their own (*names), so that the caller's table never points into
 * memory that moves. */
size_t pm_kernel_module_symbols(struct pm_target *t, struct pm_ksym **out, char **names)
{
	struct layout l;
	struct pm_kmodule *mods;
	size_t nmods, n = 0, cap = 0, names_cap = 0, used = 0;
	*out = NULL;
	*names = NULL;
	struct pm_err *err = pm_kernel_modules(t, &mods, &nmods);
	if (err || !get_layout(t, &l)) {
		pm_err_free(err);
		return 0;
	}
	for (size_t i = 0; i < nmods; i++) {
		bool ok = true;
		uint64_t ks = rd(t, mods[i].addr + l.kallsyms, 8, &ok);
		uint64_t symtab = rd(t, ks + l.symtab, 8, &ok);
		uint64_t num = rd(t, ks + l.num_symtab, 4, &ok);
		uint64_t strtab = rd(t, ks + l.strtab, 8, &ok);
		/* fake modules could each claim the same huge table: a total cap */
		if (!ok || num > MAX_MODULE_SYMS || n + num > MAX_MODULE_SYMS * 8)
			continue;
		size_t mlen = strlen(mods[i].name) + 1;
		vec_reserve(names, &names_cap, used + mlen, 1);
		size_t mod_at = used;
		memcpy(*names + mod_at, mods[i].name, mlen);
		used += mlen;
		for (uint64_t j = 1; j < num; j++) {
			Elf64_Sym s;
			char name[256];
			if (pm_memmap_read_partial(&t->mem, symtab + j * sizeof(s), &s, sizeof(s)) != sizeof(s))
				break;
			if (!s.st_value || s.st_shndx == SHN_UNDEF || ELF64_ST_TYPE(s.st_info) == STT_FILE ||
			    ELF64_ST_TYPE(s.st_info) == STT_SECTION)
				continue;
			size_t got = pm_memmap_read_partial(&t->mem, strtab + s.st_name, name, sizeof(name) - 1);
			name[got] = 0;
			size_t len = strnlen(name, got);
			/* AArch64's mapping symbols ($x code, $d data) name no object */
			if (!len || name[0] == '$')
				continue;
			vec_reserve(names, &names_cap, used + len + 1, 1);
			memcpy(*names + used, name, len + 1);
			vec_reserve(out, &cap, n + 1, sizeof(**out));
			struct pm_ksym *k = &(*out)[n++];
			memset(k, 0, sizeof(*k));
			k->addr = s.st_value;
			k->size = s.st_size;
			k->type = ELF64_ST_TYPE(s.st_info) == STT_FUNC ?
				  (ELF64_ST_BIND(s.st_info) == STB_GLOBAL ? 'T' : 't') :
				  (ELF64_ST_BIND(s.st_info) == STB_GLOBAL ? 'D' : 'd');
			/* offsets until the buffer stops moving */
			k->name = (const char *)(uintptr_t)used;
			k->module = (const char *)(uintptr_t)mod_at;
			used += len + 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		(*out)[i].name = *names + (uintptr_t)(*out)[i].name;
		(*out)[i].module = *names + (uintptr_t)(*out)[i].module;
	}
	pm_kernel_modules_free(mods, nmods);
	return n;
}
