/* A VMCOREINFO text for a dump that has none, so that the rest of pmdb
 * reads the dump as it reads any other: the kallsyms tables kfind.c
 * found, then symbols from kallsyms, layouts from the dump's BTF and the
 * release and build-id from the kernel's memory.  Keys and formats are
 * the kernel's own (kernel/vmcore_info.c, arch/x86/kernel/machine_kexec_64.c). */
#include "kfind.h"
#include "kernel.h"
#include "../base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TEXT 0xffffffff81000000ull
#define NT_GNU_BUILD_ID 3

static void set_text(struct pm_kernel *k, char *text, size_t len)
{
	pm_vmcoreinfo_free(&k->vi);
	pm_vmcoreinfo_parse(&k->vi, text, len);
	free(text);
}

static void symbol(FILE *f, struct pm_target *t, const char *name)
{
	const struct pm_ksym *s = pm_ksym_by_name(t, name);
	if (s)
		fprintf(f, "SYMBOL(%s)=%llx\n", name, (unsigned long long)s->addr);
}

/* "struct.member" (OFFSET) or "struct" (SIZE), from BTF. */
static void offset(FILE *f, const struct pm_btf *b, const char *path)
{
	char type[64];
	const char *dot = strchr(path, '.');
	if (!dot || (size_t)(dot - path) >= sizeof(type))
		return;
	memcpy(type, path, (size_t)(dot - path));
	type[dot - path] = 0;
	uint32_t id = pm_btf_find_struct(b, type);
	uint64_t off;
	if (id && pm_btf_member(b, id, dot + 1, &off, NULL))
		fprintf(f, "OFFSET(%s)=%llu\n", path, (unsigned long long)off);
}

/* LENGTH(key): the element count of the array member path ("zone.free_area"). */
static void length(FILE *f, const struct pm_btf *b, const char *key, const char *type, const char *path)
{
	uint32_t id = pm_btf_find_struct(b, type), member;
	uint64_t off;
	if (!id || !pm_btf_member(b, id, path, &off, &member))
		return;
	const struct pm_btf_type *ty = pm_btf_type(b, member);
	uint32_t a[3];
	if (ty && pm_btf_kind(ty) == PM_BTF_ARRAY) {
		memcpy(a, pm_btf_words(ty), sizeof(a));   /* type, index type, nelems */
		fprintf(f, "LENGTH(%s)=%u\n", key, a[2]);
	}
}

static void size(FILE *f, const struct pm_btf *b, const char *type)
{
	uint32_t id = pm_btf_find_struct(b, type);
	if (id)
		fprintf(f, "SIZE(%s)=%llu\n", type, (unsigned long long)pm_btf_size(b, id));
}

static bool enumerator(const struct pm_btf *b, const char *type, const char *name, int64_t *v)
{
	uint32_t id = pm_btf_find_enum(b, type);
	const char *n;
	for (unsigned i = 0; id && pm_btf_enumerator(b, id, i, &n, v); i++)
		if (strcmp(n, name) == 0)
			return true;
	return false;
}

static uint64_t typedef_size(const struct pm_btf *b, const char *name)
{
	uint32_t id = pm_btf_find_typedef(b, name);
	return id ? pm_btf_size(b, id) : 0;
}

static const char *const offsets[] = {
	"uts_namespace.name", "page.flags", "page._refcount", "page.mapping", "page.lru",
	"page._mapcount", "page.private", "page.compound_head", "pglist_data.node_zones",
	"pglist_data.nr_zones", "pglist_data.node_start_pfn", "pglist_data.node_spanned_pages",
	"pglist_data.node_id", "zone.free_area", "zone.vm_stat", "zone.spanned_pages",
	"free_area.free_list", "list_head.next", "list_head.prev", "vmap_area.va_start",
	"vmap_area.list", "printk_ringbuffer.desc_ring", "printk_ringbuffer.text_data_ring",
	"printk_ringbuffer.fail", "prb_desc_ring.count_bits", "prb_desc_ring.descs",
	"prb_desc_ring.infos", "prb_desc_ring.head_id", "prb_desc_ring.tail_id",
	"prb_desc.state_var", "prb_desc.text_blk_lpos", "prb_data_blk_lpos.begin",
	"prb_data_blk_lpos.next", "printk_info.seq", "printk_info.ts_nsec", "printk_info.text_len",
	"printk_info.caller_id", "printk_info.dev_info", "dev_printk_info.subsystem",
	"dev_printk_info.device", "prb_data_ring.size_bits", "prb_data_ring.data",
	"prb_data_ring.head_lpos", "prb_data_ring.tail_lpos", "latched_seq.val",
	"page.compound_dtor", "page.compound_order", "mem_section.section_mem_map",
};
static const char *const sizes[] = {
	"page", "pglist_data", "zone", "free_area", "list_head", "printk_ringbuffer", "prb_desc_ring",
	"prb_desc", "prb_data_blk_lpos", "printk_info", "dev_printk_info", "prb_data_ring",
	"latched_seq", "mem_section",
};
static const char *const pageflags[] = {
	"PG_lru", "PG_private", "PG_swapcache", "PG_swapbacked", "PG_slab", "PG_hwpoison",
};

static void layouts(FILE *f, struct pm_target *t, const struct pm_btf *b)
{
	for (size_t i = 0; i < sizeof(offsets) / sizeof(*offsets); i++)
		offset(f, b, offsets[i]);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++)
		size(f, b, sizes[i]);
	int64_t v;
	for (size_t i = 0; i < sizeof(pageflags) / sizeof(*pageflags); i++)
		if (enumerator(b, "pageflags", pageflags[i], &v))
			fprintf(f, "NUMBER(%s)=%lld\n", pageflags[i], (long long)v);
	if (enumerator(b, "pageflags", "PG_head", &v) && v >= 0 && v < 63)
		fprintf(f, "NUMBER(PG_head_mask)=%llu\n", 1ull << v);
	if (enumerator(b, "zone_stat_item", "NR_FREE_PAGES", &v))
		fprintf(f, "NUMBER(NR_FREE_PAGES)=%lld\n", (long long)v);
	if (enumerator(b, "compound_dtor_id", "HUGETLB_PAGE_DTOR", &v))
		fprintf(f, "NUMBER(HUGETLB_PAGE_DTOR)=%lld\n", (long long)v);
	length(f, b, "zone.free_area", "zone", "free_area");
	length(f, b, "free_area.free_list", "free_area", "free_list");
	length(f, b, "printk_info_subsystem", "dev_printk_info", "subsystem");
	length(f, b, "printk_info_device", "dev_printk_info", "device");
	/* node_online_map is node_states[N_ONLINE]; node_data[] has MAX_NUMNODES
	 * entries, a nodemask_t's bits */
	uint64_t mask = typedef_size(b, "nodemask_t");
	const struct pm_ksym *states = pm_ksym_by_name(t, "node_states");
	if (mask) {
		fprintf(f, "SIZE(nodemask_t)=%llu\n", (unsigned long long)mask);
		if (pm_ksym_by_name(t, "node_data"))
			fprintf(f, "LENGTH(node_data)=%llu\n", (unsigned long long)mask * 8);
		if (states && enumerator(b, "node_states", "N_ONLINE", &v) && v >= 0)
			fprintf(f, "SYMBOL(node_online_map)=%llx\n",
				(unsigned long long)(states->addr + (uint64_t)v * mask));
	}
}

/* Constants of x86-64 and of page_type (PG_buddy 0x80, PG_offline 0x100
 * from 5.0 until page types were renumbered in 6.9). */
static void constants(FILE *f, struct pm_target *t, const char *release)
{
	struct pm_kernel *k = t->kernel;
	fprintf(f, "NUMBER(SECTION_SIZE_BITS)=27\nNUMBER(MAX_PHYSMEM_BITS)=%d\n", k->l5 ? 52 : 46);
	unsigned major = 0, minor = 0;
	if (release && sscanf(release, "%u.%u", &major, &minor) == 2 &&
	    (major == 5 || (major == 6 && minor < 9)))
		fprintf(f, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d\nNUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=%d\n",
			~0x80, ~0x100);
	/* SPARSEMEM_EXTREME: the note gives the pointer's value */
	const struct pm_ksym *ms = pm_ksym_by_name(t, "mem_section");
	uint64_t v;
	if (ms && pm_memmap_read_partial(&t->mem, ms->addr, &v, 8) == 8 && v)
		fprintf(f, "SYMBOL(mem_section)=%llx\n", (unsigned long long)v);
}

/* init_uts_ns.name.release */
static void release(FILE *f, struct pm_target *t, const struct pm_btf *b, char *rel)
{
	const struct pm_ksym *uts = pm_ksym_by_name(t, "init_uts_ns");
	uint32_t ns = pm_btf_find_struct(b, "uts_namespace");
	uint64_t off;
	if (uts && ns && pm_btf_member(b, ns, "name.release", &off, NULL) &&
	    pm_memmap_read_partial(&t->mem, uts->addr + off, rel, 64) == 64 &&
	    rel[0])
		fprintf(f, "OSRELEASE=%s\n", rel);
}

/* vmlinux's GNU build-id note: its .notes section closes the read-only
 * data, just before the BTF (an earlier match is the vDSO image's). */
static void build_id(FILE *f, struct pm_target *t)
{
	const struct pm_ksym *end = pm_ksym_by_name(t, "__start_BTF");
	if (!end)
		end = pm_ksym_by_name(t, "__end_rodata");
	enum { WINDOW = 1 << 20 };
	if (!end || end->addr < WINDOW)
		return;
	static const unsigned char head[16] = { 4, 0, 0, 0, 20, 0, 0, 0, NT_GNU_BUILD_ID, 0, 0, 0,
						'G', 'N', 'U', 0 };
	unsigned char *buf = xmalloc(WINDOW);
	size_t n = pm_memmap_read_partial(&t->mem, end->addr - WINDOW, buf, WINDOW);
	const unsigned char *last = NULL;
	for (const unsigned char *p = buf; n == WINDOW && (p = memmem(p, WINDOW - (size_t)(p - buf), head,
								       sizeof(head))); p++)
		if ((size_t)(p - buf) + 36 <= WINDOW)
			last = p;
	if (last) {
		fputs("BUILD-ID=", f);
		for (int i = 0; i < 20; i++)
			fprintf(f, "%02x", last[16 + i]);
		fputc('\n', f);
	}
	free(buf);
}

struct pm_err *pm_vmcoreinfo_rebuild(struct pm_target *t)
{
	struct pm_kernel *k = t->kernel;
	uint64_t text = DEFAULT_TEXT + k->kaslr_offset;
	struct pm_kallsyms_at at;
	if (!pm_kallsyms_locate(t, text, &at))
		return pm_err_new(PM_ERR_FORMAT, "%s: no VMCOREINFO note, and no kallsyms tables found in "
				  "the kernel image at 0x%llx: the kernel's symbols are unknown", t->path,
				  (unsigned long long)text);
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	fprintf(f, "PAGESIZE=4096\n");
	fprintf(f, "SYMBOL(kallsyms_names)=%llx\nSYMBOL(kallsyms_num_syms)=%llx\n"
		"SYMBOL(kallsyms_token_table)=%llx\nSYMBOL(kallsyms_token_index)=%llx\n"
		"SYMBOL(kallsyms_offsets)=%llx\nSYMBOL(kallsyms_relative_base)=%llx\n",
		(unsigned long long)at.names, (unsigned long long)at.num_syms,
		(unsigned long long)at.token_table, (unsigned long long)at.token_index,
		(unsigned long long)at.offsets, (unsigned long long)at.relative_base);
	fclose(f);
	set_text(k, s, len);

	/* what kallsyms knows: the image's place checked against its _text */
	const struct pm_ksym *stext = pm_ksym_by_name(t, "_text");
	if (!stext || stext->addr != text)
		return pm_err_new(PM_ERR_FORMAT, "%s: no VMCOREINFO note, and the kallsyms found put _text "
				  "at 0x%llx, not at 0x%llx where the page tables map the image", t->path,
				  stext ? (unsigned long long)stext->addr : 0ull, (unsigned long long)text);
	f = open_memstream(&s, &len);
	struct pm_btf *b = NULL;
	struct pm_err *err = pm_kernel_btf(t, &b);
	char rel[65] = "";
	if (b)
		release(f, t, b, rel);
	constants(f, t, rel);
	build_id(f, t);
	fprintf(f, "PAGESIZE=4096\n");
	static const char *const syms[] = { "init_uts_ns", "_stext", "vmap_area_list",
					    "prb", "printk_rb_static", "clear_seq", "init_top_pgt",
					    "node_data" };
	for (size_t i = 0; i < sizeof(syms) / sizeof(*syms); i++)
		symbol(f, t, syms[i]);
	/* x86-64's swapper_pg_dir is a macro for init_top_pgt */
	const struct pm_ksym *pgt = pm_ksym_by_name(t, "init_top_pgt");
	if (pgt)
		fprintf(f, "SYMBOL(swapper_pg_dir)=%llx\n", (unsigned long long)pgt->addr);
	if (b)
		layouts(f, t, b);
	for (size_t i = 0; i < k->vi.n; i++)
		if (strncmp(k->vi.keys[i], "SYMBOL(kallsyms_", 16) == 0)
			fprintf(f, "%s=%s\n", k->vi.keys[i], k->vi.values[i]);
	fprintf(f, "NUMBER(phys_base)=%lld\n", (long long)k->phys_base);
	fprintf(f, "NUMBER(pgtable_l5_enabled)=%d\n", k->l5 ? 1 : 0);
	fprintf(f, "KERNELOFFSET=%llx\n", (unsigned long long)k->kaslr_offset);
	fclose(f);
	set_text(k, s, len);
	if (err)
		pm_warn("%s: %s", t->path, err->msg);
	pm_err_free(err);
	return NULL;
}
