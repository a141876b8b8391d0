/* A libdwfl session over a target: module reporting (NT_FILE and the
 * dynamic linker's link_map, via dwfl_core_file_report), debug-info
 * lookup by build-id and .gnu_debuglink, and symbol lookup. */
#include "internal.h"
#include "debugcache.h"
#include "debuglink.h"
#include "debuginfod.h"
#include "dwp.h"
#include "looksteps.h"
#include "nameidx.h"
#include "vdso.h"
#include "../kernel/kernel.h"
#include "../target/resolve.h"
#include "../base/util.h"

#include <fcntl.h>
#include <libiberty/demangle.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

const char *pm_pool_add(struct pm_strpool *p, char *owned)
{
	vec_reserve(&p->strs, &p->cap, p->n + 1, sizeof(*p->strs));
	p->strs[p->n++] = owned;
	return owned;
}

/* The executable the user named (or found on disk) for the module the
 * core records under another path.  libdwfl substitutes it only for the
 * link_map's main entry, which a static PIE does not have.  One debugger
 * session per process, so a file-level variable suffices. */
static const char *exe_recorded, *exe_local;

static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	int fd = pm_kdwarf_find_elf(userdata, file_name);
	if (fd != -2)
		return fd;
	fd = dwfl_build_id_find_elf(mod, userdata, modname, base, file_name, elfp);
	if (fd >= 0 || *elfp)
		return fd;
	if (!exe_recorded || !exe_local || strcmp(modname, exe_recorded) != 0)
		return pm_find_elf_resolved(mod, modname, file_name);
	fd = open(exe_local, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		*file_name = xstrdup(exe_local);
	return fd;
}

/* Debug folders for the debuglink search: the -d folders, then
 * /usr/lib/debug.  Set by pm_dwarf_open, for the same reason as above. */
static char **search_dirs;
static size_t nsearch_dirs;

static void free_search_dirs(void)
{
	for (size_t i = 0; i < nsearch_dirs; i++)
		free(search_dirs[i]);
	free(search_dirs);
	search_dirs = NULL;
	nsearch_dirs = 0;
}

static void set_search_dirs(const char *debug_dirs)
{
	free_search_dirs();
	size_t cap = 0;
	char *all = xasprintf("%s%s/usr/lib/debug", debug_dirs ? debug_dirs : "", debug_dirs ? ":" : "");
	char *rest = all, *dir;
	while ((dir = strsep(&rest, ":")) != NULL) {
		if (!*dir)
			continue;
		vec_reserve(&search_dirs, &cap, nsearch_dirs + 1, sizeof(*search_dirs));
		/* libdwfl reads a relative folder as one beside each module's
		 * file; a user's -d folder is relative to where pmdb runs */
		char *abs = realpath(dir, NULL);
		search_dirs[nsearch_dirs++] = abs ? abs : xstrdup(dir);
	}
	free(all);
	/* gdb also looks for debug files under the sysroot's debug folder */
	const char *root = pm_resolve_sysroot();
	if (root) {
		vec_reserve(&search_dirs, &cap, nsearch_dirs + 1, sizeof(*search_dirs));
		search_dirs[nsearch_dirs++] = xasprintf("%s/usr/lib/debug", root);
	}
}

size_t pm_dwarf_search_dirs(const char *const **dirs)
{
	*dirs = (const char *const *)search_dirs;
	return nsearch_dirs;
}

/* libdwfl's syntax: a leading '+' asks for CRC checks of debuglink files;
 * an empty entry means the file's own folder, ".debug" its .debug
 * subfolder. */
static char *libdwfl_debug_path(void)
{
	size_t len = strlen("+:.debug") + 1;
	for (size_t i = 0; i < nsearch_dirs; i++)
		len += strlen(search_dirs[i]) + 1;
	char *p = xmalloc(len);
	strcpy(p, "+:.debug");
	for (size_t i = 0; i < nsearch_dirs; i++) {
		strcat(p, ":");
		strcat(p, search_dirs[i]);
	}
	return p;
}

/* Marks a module whose own debug file was already looked for: libdwfl
 * calls back again for the module's dwz supplementary file. */
static char looked_up;

/* In order: pmdb's cache of inflated debug files, the build-id folders,
 * the .gnu_debuglink name (debuglink.c), and debuginfod only when
 * DEBUGINFOD_URLS names a server.  A compressed file found is inflated
 * into the cache for the next run. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	if (*userdata == &looked_up)    /* a dwz file: libdwfl knows how */
		return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
						    debuglink_file, debuglink_crc,
						    debuginfo_file_name);
	*userdata = &looked_up;
	const unsigned char *id;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &id, &vaddr);
	int fd = len > 0 ? pm_debugcache_lookup(id, len, debuginfo_file_name) : -1;
	if (len > 0)
		pm_look_step(modname, "cache", fd >= 0 ? *debuginfo_file_name : NULL, fd >= 0);
	if (fd >= 0)
		return fd;
	fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
					  debuglink_crc, debuginfo_file_name);
	pm_look_buildid_dirs(modname, id, len, (const char *const *)search_dirs, nsearch_dirs,
			     fd >= 0 ? *debuginfo_file_name : NULL);
	if (fd < 0) {
		struct pm_debuglink_query q = {
			.file_name = file_name, .link = debuglink_file,
			.has_crc = debuglink_file != NULL, .crc = debuglink_crc,
			.id = id, .idlen = len > 0 ? len : 0,
			.dirs = (const char *const *)search_dirs, .ndirs = nsearch_dirs,
			.trace_module = modname,
		};
		fd = pm_debuglink_find(&q, debuginfo_file_name);
	}
	if (fd < 0 && len > 0) {
		fd = pm_debuginfod_find(id, len, debuginfo_file_name);
		pm_look_debuginfod(modname, fd >= 0 ? *debuginfo_file_name : NULL);
	}
	if (fd >= 0 && len > 0)
		pm_debugcache_store(fd, id, len);
	return fd;
}

const char *pm_module_file(const char *name, const char *mainfile)
{
	/* a file libdwfl opened itself at the path the core names (NT_FILE,
	 * build-id checked) is left unnamed: the module's name is its path */
	if (mainfile)
		return mainfile;
	return name && name[0] == '/' ? name : NULL;
}

/* A core without NT_FILE: the objects the target placed from the
 * link_map, where libdwfl found none. */
static void report_objects(struct pm_dwarf *d)
{
	const struct pm_target *t = d->t;
	for (size_t i = 0; i < t->nobjects; i++) {
		const struct pm_object *o = &t->objects[i];
		const struct pm_ntfile *f = NULL;
		for (size_t k = 0; k < t->nfiles && !f; k++)
			if (t->files[k].path == o->recorded)
				f = &t->files[k];
		if (!f || dwfl_addrmodule(d->dwfl, f->start))
			continue;
		if (!dwfl_report_elf(d->dwfl, o->recorded, o->local, -1, o->bias, false))
			pm_warn("%s: %s", o->local, dwfl_errmsg(-1));
	}
}

struct pm_err *pm_dwarf_open(struct pm_target *t, const char *debug_dirs, struct pm_dwarf **out)
{
	struct pm_dwarf *d = xcalloc(1, sizeof(*d));
	d->t = t;
	d->demangle = true;
	set_search_dirs(debug_dirs);
	pm_debuginfod_setup();
	d->debug_path = libdwfl_debug_path();
	d->callbacks.find_elf = find_elf;
	exe_recorded = t->exe_name;
	exe_local = t->exe_path;
	d->callbacks.find_debuginfo = find_debuginfo;
	d->callbacks.debuginfo_path = &d->debug_path;
	d->dwfl = dwfl_begin(&d->callbacks);
	if (!d->dwfl) {
		struct pm_err *err = pm_err_new(PM_ERR_GENERIC, "libdwfl: %s", dwfl_errmsg(-1));
		free(d->debug_path);
		free(d);
		return err;
	}
	if (t->live_pid) {
		/* the files of /proc/PID/maps; the vDSO is read from the process */
		d->callbacks.find_elf = dwfl_linux_proc_find_elf;
		dwfl_report_begin(d->dwfl);
		int rc = dwfl_linux_proc_report(d->dwfl, t->live_pid);
		if (rc != 0)
			pm_warn("cannot list the modules of pid %d: %s", t->live_pid,
				rc > 0 ? strerror(rc) : dwfl_errmsg(-1));
		dwfl_report_end(d->dwfl, NULL, NULL);
	} else if (t->elf && !t->kernel) {
		dwfl_report_begin(d->dwfl);
		int n = dwfl_core_file_report(d->dwfl, (Elf *)t->elf, t->exe_path);
		if (n < 0)
			pm_warn("cannot list the modules of the core: %s", dwfl_errmsg(-1));
		report_objects(d);
		dwfl_report_end(d->dwfl, NULL, NULL);
		pm_mainexe_prefer_given(d);
		pm_vdso_report(d->dwfl, t);
	}
	struct pm_err *err = pm_kdwarf_check_option(d);
	if (err) {
		pm_dwarf_close(d);
		return err;
	}
	*out = d;
	return NULL;
}

void pm_dwarf_set_cache_dir(const char *dir)
{
	pm_debugcache_configure(dir);
}

void pm_dwarf_close(struct pm_dwarf *d)
{
	if (!d)
		return;
	pm_nameidx_close(d->kidx);
	pm_symnames_free(d->symnames);
	pm_dwp_end();
	pm_symaddr_free(d->symaddr);
	dwfl_end(d->dwfl);
	pm_kdwarf_end();
	free_search_dirs();
	pm_debuginfod_end();
	for (size_t i = 0; i < d->pool.n; i++)
		free(d->pool.strs[i]);
	free(d->pool.strs);
	free(d->mods);
	free(d->thread_ctx);
	free(d->inline_cache);
	free(d->dm_in);
	free(d->dm_out);
	free(d->debug_path);
	free(d);
}

void pm_dwarf_set_demangle(struct pm_dwarf *d, bool on)
{
	d->demangle = on;
}

bool pm_dwarf_demangle(const struct pm_dwarf *d)
{
	return d->demangle;
}

/* Symbol versions (memcpy@@GLIBC_2.14) are dropped, as mdb and gdb show
 * names; C++ and Rust names are demangled when $G is on. */
const char *pm_sym_display(struct pm_dwarf *d, const char *name)
{
	if (!name)
		return name;
	const char *at = strchr(name, '@');
	bool mangled = d->demangle && (strncmp(name, "_Z", 2) == 0 || strncmp(name, "_R", 2) == 0);
	if (!at && !mangled)
		return name;
	if (d->dm_in && strcmp(d->dm_in, name) == 0)
		return d->dm_out;
	free(d->dm_in);
	free(d->dm_out);
	d->dm_in = xstrdup(name);
	char *base = at ? xstrndup(name, (size_t)(at - name)) : xstrdup(name);
	char *dm = mangled ? cplus_demangle(base, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO) : NULL;
	if (dm) {
		free(base);
		d->dm_out = dm;
	} else {
		d->dm_out = base;
	}
	return d->dm_out;
}

static const char *module_short_name(Dwfl_Module *mod)
{
	const char *name = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	if (!name)
		return "?";
	const char *slash = strrchr(name, '/');
	return slash ? slash + 1 : name;
}

/* Kernel dumps: symbols from the dump's kallsyms (until vmlinux's DWARF
 * is read). */
static bool ksym_by_addr(struct pm_dwarf *d, uint64_t addr, struct pm_sym *sym)
{
	const struct pm_ksym *k = pm_ksym_by_addr(d->t, addr);
	if (!k)
		return false;
	sym->name = k->name;
	sym->addr = k->addr;
	sym->size = k->size;
	sym->offset = addr - k->addr;
	sym->module = k->module ? k->module : "vmlinux";
	return true;
}

/* 32-bit ARM's mapping symbols $a, $t and $d (also $t.N) mark where ARM
 * code, Thumb code and data begin: they name no function.  (AArch64's $x
 * is left as it is: eu-stack names frames with it.) */
static bool mapping_symbol(const char *n)
{
	return n[0] == '$' && strchr("atdx", n[1]) && n[1] && (n[2] == 0 || n[2] == '.');
}

bool pm_sym_by_addr(struct pm_dwarf *d, uint64_t addr, struct pm_sym *sym)
{
	if (d->t->kernel)
		return ksym_by_addr(d, addr, sym);
	Dwfl_Module *mod = dwfl_addrmodule(d->dwfl, addr);
	if (!mod)
		return false;
	const char *fast;
	uint64_t value, size;
	if (pm_symaddr_lookup(d, mod, addr, &fast, &value, &size)) {
		*sym = (struct pm_sym){ fast, value, size, addr - value, module_short_name(mod) };
		return true;
	}
	GElf_Off off;
	GElf_Sym s;
	/* ARM: a Thumb function's st_value has bit 0 set, which libdwfl 0.188
	 * takes for its first byte; asked with the bit, it finds the function
	 * from its first instruction on (an ARM function is found either way) */
	uint64_t tag = d->t->arch->code_addr_tag;
	const char *name = dwfl_module_addrinfo(mod, addr | tag, &off, &s, NULL, NULL, NULL);
	if (!name || !*name || (tag && mapping_symbol(name)))
		return false;
	off = addr - (((addr | tag) - off) & ~tag);
	sym->name = name;
	sym->addr = addr - off;
	sym->size = s.st_size;
	sym->offset = off;
	sym->module = module_short_name(mod);
	return true;
}

void pm_sym_print(struct pm_dwarf *d, FILE *out, uint64_t addr)
{
	struct pm_sym s;
	if (d && pm_sym_by_addr(d, addr, &s)) {
		const char *n = pm_sym_display(d, s.name);
		if (s.offset)
			fprintf(out, "%s+0x%llx", n, (unsigned long long)s.offset);
		else
			fputs(n, out);
	} else {
		fprintf(out, "0x%llx", (unsigned long long)addr);
	}
}

bool pm_module_matches(const char *mname, const char *want)
{
	const char *slash = strrchr(mname, '/');
	const char *base = slash ? slash + 1 : mname;
	return strcmp(mname, want) == 0 || strncmp(base, want, strlen(want)) == 0;
}

struct pm_err *pm_sym_by_name(struct pm_dwarf *d, const char *name, uint64_t *addr)
{
	if (d->t->kernel) {
		const char *tick = strchr(name, '`');
		const struct pm_ksym *k = pm_ksym_by_name(d->t, tick ? tick + 1 : name);
		if (!k)
			return pm_err_new(PM_ERR_LOOKUP, "failed to find symbol '%s' in kallsyms", name);
		*addr = k->addr;
		return NULL;
	}
	char *modname = NULL;
	const char *tick = strchr(name, '`');
	if (tick)
		modname = xstrndup(name, (size_t)(tick - name));
	bool found = pm_symnames_lookup(d, modname, tick ? tick + 1 : name, addr);
	free(modname);
	if (!found)
		return pm_err_new(PM_ERR_LOOKUP, "failed to find symbol '%s'", name);
	return NULL;
}

struct mod_collect {
	struct pm_dwarf *d;
	size_t cap;
};

static int collect_module(Dwfl_Module *mod, void **ud, const char *name, Dwarf_Addr start, void *arg)
{
	(void)ud;
	struct mod_collect *mc = arg;
	struct pm_dwarf *d = mc->d;
	vec_reserve(&d->mods, &mc->cap, d->nmods + 1, sizeof(*d->mods));
	struct pm_module_info *m = &d->mods[d->nmods++];
	memset(m, 0, sizeof(*m));
	Dwarf_Addr end;
	const char *mainfile = NULL, *debugfile = NULL;
	dwfl_module_info(mod, NULL, NULL, &end, NULL, NULL, &mainfile, &debugfile);
	m->name = name;
	m->start = start;
	m->end = end;
	/* Loading the ELF makes libdwfl fill mainfile and the bias. */
	GElf_Addr bias = 0;
	bool has_elf = dwfl_module_getelf(mod, &bias) != NULL;
	if (has_elf)
		m->bias = bias;
	Dwarf_Addr dbias;
	m->has_dwarf = dwfl_module_getdwarf(mod, &dbias) != NULL;
	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, &debugfile);
	m->file = has_elf ? pm_module_file(name, mainfile) : mainfile;
	m->debug_file = debugfile;
	m->debuginfod = pm_debuginfod_gave(debugfile);
	m->dwp = m->has_dwarf ? pm_dwp_path(mod) : NULL;
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &bits, &vaddr);
	if (len > 0 && len <= 64) {
		for (int i = 0; i < len; i++)
			snprintf(m->build_id + 2 * i, 3, "%02x", bits[i]);
	}
	return DWARF_CB_OK;
}

static int mod_cmp(const void *a, const void *b)
{
	const struct pm_module_info *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

size_t pm_dwarf_modules(struct pm_dwarf *d, struct pm_module_info **out)
{
	if (!d->mods) {
		struct mod_collect mc = { d, 0 };
		dwfl_getmodules(d->dwfl, collect_module, &mc, 0);
		if (d->nmods > 1)
			qsort(d->mods, d->nmods, sizeof(*d->mods), mod_cmp);
	}
	*out = d->mods;
	return d->nmods;
}

bool pm_dwarf_line(struct pm_dwarf *d, uint64_t pc, const char **file, int *line)
{
	Dwfl_Module *mod = dwfl_addrmodule(d->dwfl, pc);
	if (!mod)
		return false;
	Dwfl_Line *l = dwfl_module_getsrc(mod, pc);
	if (!l)
		return false;
	int lineno;
	const char *f = dwfl_lineinfo(l, NULL, &lineno, NULL, NULL, NULL);
	if (!f)
		return false;
	*file = f;
	*line = lineno;
	return true;
}
