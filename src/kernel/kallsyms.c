/* The kernel's own symbol table, decoded from the dump with the
 * addresses VMCOREINFO gives (kernel >= 6.0): each name is a length and
 * token numbers into kallsyms_token_table; addresses are 32-bit offsets
 * from kallsyms_relative_base (with CONFIG_KALLSYMS_ABSOLUTE_PERCPU, x86-64's,
 * negative ones, and non-negative offsets are absolute per-CPU addresses;
 * elsewhere, as on AArch64, all unsigned). */
#include "karch.h"
#include "../base/util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SYMS (4u << 20)

static uint64_t sym(struct pm_kernel *k, const char *name, bool *ok)
{
	uint64_t v = 0;
	if (!pm_vmcoreinfo_symbol(&k->vi, name, &v))
		*ok = false;
	return v;
}

static int by_addr(const void *a, const void *b)
{
	const struct pm_ksym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* at one address, prefer global functions, then any text symbol */
	return (y->type == 'T') - (x->type == 'T');
}

static void decode(struct pm_target *t, struct pm_kernel *k)
{
	bool ok = true;
	uint64_t names_va = sym(k, "kallsyms_names", &ok), num_va = sym(k, "kallsyms_num_syms", &ok);
	uint64_t tt_va = sym(k, "kallsyms_token_table", &ok), ti_va = sym(k, "kallsyms_token_index", &ok);
	uint64_t off_va = sym(k, "kallsyms_offsets", &ok), rb_va = sym(k, "kallsyms_relative_base", &ok);
	uint32_t num = 0;
	uint64_t rel_base = 0;
	uint16_t tok_index[256];
	if (!ok || pm_memmap_read_partial(&t->mem, num_va, &num, 4) != 4 || num == 0 || num > MAX_SYMS ||
	    pm_memmap_read_partial(&t->mem, rb_va, &rel_base, 8) != 8 ||
	    pm_memmap_read_partial(&t->mem, ti_va, tok_index, sizeof(tok_index)) != sizeof(tok_index) ||
	    tt_va <= names_va || tt_va - names_va > (64u << 20))
		return;
	/* the token table: 256 NUL-terminated strings, in order: an index past
	 * the last token's would read outside it */
	for (int i = 0; i < 256; i++)
		if (tok_index[i] > tok_index[255])
			return;
	size_t tt_len = (size_t)tok_index[255] + 256;
	char *tokens = xcalloc(tt_len + 1, 1);
	size_t names_len = (size_t)(tt_va - names_va);
	unsigned char *names = xmalloc(names_len);
	int32_t *offs = xmalloc((size_t)num * 4);
	if (pm_memmap_read_partial(&t->mem, tt_va, tokens, tt_len) < (size_t)tok_index[255] ||
	    pm_memmap_read_partial(&t->mem, names_va, names, names_len) != names_len ||
	    pm_memmap_read_partial(&t->mem, off_va, offs, (size_t)num * 4) != (size_t)num * 4)
		goto out;
	size_t names_cap = 0, used = 0, pos = 0, cap = num;
	char name[1024];
	k->syms = xcalloc(num, sizeof(*k->syms));
	for (uint32_t i = 0; i < num && pos < names_len; i++) {
		size_t len = names[pos++];
		if ((len & 0x80) && pos < names_len)       /* a long name: two length bytes */
			len = (len & 0x7f) | ((size_t)names[pos++] << 7);
		size_t n = 0;
		for (size_t j = 0; j < len && pos < names_len; j++) {
			const char *tok = tokens + tok_index[names[pos++]];
			size_t tl = strnlen(tok, tt_len - (size_t)(tok - tokens));
			if (n + tl < sizeof(name)) {
				memcpy(name + n, tok, tl);
				n += tl;
			}
		}
		if (n == 0)
			continue;
		name[n] = 0;
		vec_reserve(&k->names, &names_cap, used + n, 1);
		memcpy(k->names + used, name + 1, n);      /* name[0] is the type letter */
		struct pm_ksym *s = &k->syms[k->nsyms++];
		s->type = name[0];
		if (!k->arch->kallsyms_absolute_percpu)
			s->addr = rel_base + (uint32_t)offs[i];
		else
			s->addr = offs[i] >= 0 ? (uint64_t)offs[i] : rel_base - 1 - (uint64_t)(int64_t)offs[i];
		/* an offset into k->names until the table stops growing */
		s->name = (const char *)(uintptr_t)used;
		used += n;
	}
	for (size_t i = 0; i < k->nsyms; i++)
		k->syms[i].name = k->names + (uintptr_t)k->syms[i].name;
	struct pm_ksym *msyms;
	size_t nm = pm_kernel_module_symbols(t, &msyms, &k->module_names);
	vec_reserve(&k->syms, &cap, k->nsyms + nm, sizeof(*k->syms));
	if (nm)
		memcpy(k->syms + k->nsyms, msyms, nm * sizeof(*msyms));
	k->nsyms += nm;
	free(msyms);
	qsort(k->syms, k->nsyms, sizeof(*k->syms), by_addr);
	for (size_t i = 0; i < k->nsyms; i++) {
		if (k->syms[i].size)
			continue;      /* a module's symbols come with their sizes */
		size_t j = i + 1;
		while (j < k->nsyms && k->syms[j].addr == k->syms[i].addr)
			j++;
		k->syms[i].size = j < k->nsyms ? k->syms[j].addr - k->syms[i].addr : 0;
	}
	/* finding the modules looked names up in vmlinux's symbols alone, in
	 * their old order: the name index is built again on the next lookup */
	free(k->by_name);
	k->by_name = NULL;
out:
	free(tokens);
	free(names);
	free(offs);
}

static struct pm_kernel *loaded(struct pm_target *t)
{
	struct pm_kernel *k = t->kernel;
	if (k && !k->syms_loaded) {
		k->syms_loaded = true;
		decode(t, k);
	}
	return k;
}

size_t pm_ksyms(struct pm_target *t, const struct pm_ksym **syms)
{
	struct pm_kernel *k = loaded(t);
	*syms = k ? k->syms : NULL;
	return k ? k->nsyms : 0;
}

static bool is_code_or_data(char type)
{
	return type != 'a' && type != 'A' && type != 'U';
}

const struct pm_ksym *pm_ksym_by_addr(struct pm_target *t, uint64_t addr)
{
	struct pm_kernel *k = loaded(t);
	if (!k || !k->nsyms)
		return NULL;
	size_t lo = pm_count_le(k->syms, k->nsyms, sizeof(*k->syms), offsetof(struct pm_ksym, addr),
				addr);
	/* the last symbol at or below addr; kallsyms has no sizes */
	while (lo > 0 && !is_code_or_data(k->syms[lo - 1].type))
		lo--;
	if (lo == 0)
		return NULL;
	const struct pm_ksym *s = &k->syms[lo - 1];
	/* before the first symbol at that address (sorted T first) */
	while (s > k->syms && s[-1].addr == s->addr)
		s--;
	return addr - s->addr < (16u << 20) ? s : NULL;
}

/* Symbols by name, then address: the index pm_ksym_by_name searches. */
static int by_name(const void *a, const void *b, void *syms)
{
	const struct pm_ksym *x = (const struct pm_ksym *)syms + *(const uint32_t *)a;
	const struct pm_ksym *y = (const struct pm_ksym *)syms + *(const uint32_t *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x < y ? -1 : x > y);
}

const struct pm_ksym *pm_ksym_by_name(struct pm_target *t, const char *name)
{
	struct pm_kernel *k = loaded(t);
	if (!k || !k->nsyms)
		return NULL;
	if (!k->by_name) {
		k->by_name = xmalloc(k->nsyms * sizeof(*k->by_name));
		for (size_t i = 0; i < k->nsyms; i++)
			k->by_name[i] = (uint32_t)i;
		qsort_r(k->by_name, k->nsyms, sizeof(*k->by_name), by_name, k->syms);
	}
	/* the first of the symbols with that name: the lowest address */
	size_t lo = 0, hi = k->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(k->syms[k->by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k->nsyms && strcmp(k->syms[k->by_name[lo]].name, name) == 0 ? &k->syms[k->by_name[lo]] : NULL;
}

/* nm's letters: t text, d data, b bss, r read-only, ...; upper case for
 * global symbols, w/v for weak ones. */
static const char *ksym_type(char letter)
{
	switch (letter | 0x20) {
	case 't': return "FUNC";
	case 'd': case 'b': case 'r': case 'g': case 's': return "OBJECT";
	default: return "NOTYPE";
	}
}

static const char *ksym_bind(char letter)
{
	if ((letter | 0x20) == 'w' || (letter | 0x20) == 'v')
		return "WEAK";
	return letter >= 'A' && letter <= 'Z' ? "GLOBAL" : "LOCAL";
}

struct pm_err *pm_kernel_symbols(struct pm_target *t, const char *module, pm_symbol_fn *fn, void *arg)
{
	const struct pm_ksym *syms;
	size_t n = pm_ksyms(t, &syms), matched = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pm_ksym *k = &syms[i];
		const char *mod = k->module ? k->module : "vmlinux";
		if (module && strcmp(mod, module) != 0)
			continue;
		matched++;
		struct pm_symbol s = { k->name, k->addr, k->size, ksym_type(k->type), ksym_bind(k->type), mod };
		fn(&s, arg);
	}
	if (module && !matched)
		return pm_err_new(PM_ERR_LOOKUP, "no module matches '%s' (vmlinux, or one ::lsmod lists)",
				  module);
	return NULL;
}
