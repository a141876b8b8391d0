/* The kernel's debug info on a kernel dump, reported to libdwfl as the
 * module "vmlinux" at the kernel's run-time place, so that libdwfl takes
 * KASLR's offset as the module's bias (a relocatable kernel is ET_EXEC
 * but libdwfl moves it like ET_DYN when it is reported elsewhere).
 *
 * Either vmlinux with DWARF (types, variables, source lines, inline
 * frames), given with -k or found by the dump's build-id (VMCOREINFO's
 * BUILD-ID), or else the DWARF that btf2dwarf.c writes from the dump's own
 * BTF (types only), made once per kernel build and kept in the cache.
 * Nothing is looked for until a command needs it. */
#include "internal.h"
#include "btf2dwarf.h"
#include "debugcache.h"
#include "debuginfod.h"
#include "nameidx.h"
#include "../kernel/kernel.h"
#include "../target/buildid.h"
#include "../target/looklog.h"
#include "../base/util.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MODNAME "vmlinux"
/* Bump when btf2dwarf.c writes something else: older cached files are
 * then left alone. */
#define BTF_SUFFIX "btf1.debug"
#define INDEX_SUFFIX "names1"

static char *vmlinux_opt;      /* -k; "" for --no-vmlinux */

/* The file find_elf hands libdwfl for the module (one session per process). */
static struct kfile {
	int fd;
	char *path;
} kfile = { -1, NULL };

void pm_dwarf_set_vmlinux(const char *path)
{
	free(vmlinux_opt);
	vmlinux_opt = path ? xstrdup(path) : NULL;
}

int pm_kdwarf_find_elf(void **userdata, char **file_name)
{
	if (*userdata != &kfile || kfile.fd < 0)
		return -2;
	int fd = kfile.fd;          /* libdwfl owns it from here */
	kfile.fd = -1;
	*file_name = xstrdup(kfile.path);
	return fd;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The dump's build-id, from VMCOREINFO (kernels since 5.9); 0 if none or
 * not hex. */
static size_t dump_build_id(struct pm_target *t, unsigned char *id, size_t max)
{
	const char *hex = pm_vmcoreinfo_get(&t->kernel->vi, "BUILD-ID");
	size_t n = 0;
	for (; hex && hex[2 * n] && n < max; n++) {
		int hi = hexval(hex[2 * n]), lo = hi < 0 ? -1 : hexval(hex[2 * n + 1]);
		if (lo < 0)
			return 0;
		id[n] = (unsigned char)(hi << 4 | lo);
	}
	return n;
}

static bool has_dwarf(int fd)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t shstrndx;
	bool found = false;
	if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		for (Elf_Scn *scn = NULL; !found && (scn = elf_nextscn(elf, scn));) {
			GElf_Shdr sh;
			const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
			found = name && strcmp(name, ".debug_info") == 0 && sh.sh_type != SHT_NOBITS &&
				sh.sh_size > 0;
		}
	}
	elf_end(elf);
	return found;
}

/* Is PATH this kernel's vmlinux with DWARF?  An fd to it, or -1 and why
 * not in *why (malloc'd). */
static int check_vmlinux(const char *path, const unsigned char *id, size_t idlen, char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = xstrdup("missing");
		return -1;
	}
	unsigned char got[64];
	size_t n = pm_buildid_from_file(path, got, sizeof(got));
	char want_hex[129], got_hex[129];
	if (idlen && (n != idlen || memcmp(got, id, idlen) != 0)) {
		*why = n ? xasprintf("build-id mismatch (%s, the dump's kernel is %s)",
				     pm_buildid_hex(got, n, got_hex), pm_buildid_hex(id, idlen, want_hex))
			 : xasprintf("no build-id (the dump's kernel is %s)",
				     pm_buildid_hex(id, idlen, want_hex));
	} else if (!has_dwarf(fd)) {
		*why = xstrdup("no DWARF (.debug_info)");
	} else {
		*why = NULL;
		return fd;
	}
	close(fd);
	return -1;
}

/* Try one candidate: logged for ::modinfo; its fd if it is the one. */
static int try_vmlinux(const char *place, const char *path, const unsigned char *id, size_t idlen)
{
	char *why;
	int fd = check_vmlinux(path, id, idlen, &why);
	pm_looklog_add(MODNAME, PM_LOOK_FILE, place, path, why ? why : "used");
	free(why);
	return fd;
}

/* vmlinux by build-id in each debug folder, by release under them and in
 * /boot and the module tree, then from debuginfod. */
static int search_vmlinux(struct pm_dwarf *d, const unsigned char *id, size_t idlen, char **path)
{
	if (!idlen) {         /* nothing to tell this build's vmlinux from another's */
		pm_looklog_add(MODNAME, PM_LOOK_FILE, "search", "",
			       "the dump's VMCOREINFO has no BUILD-ID: vmlinux only with -k");
		return -1;
	}
	const char *release = pm_vmcoreinfo_get(&d->t->kernel->vi, "OSRELEASE");
	const char *const *dirs;
	size_t ndirs = pm_dwarf_search_dirs(&dirs);
	char hex[129];
	pm_buildid_hex(id, idlen, hex);
	int fd = -1;
	char *p = NULL;
	for (size_t i = 0; fd < 0 && i < ndirs; i++) {
		free(p);
		p = xasprintf("%s/.build-id/%.2s/%s.debug", dirs[i], hex, hex + 2);
		fd = try_vmlinux("build-id dir", p, id, idlen);
	}
	for (size_t i = 0; fd < 0 && release && i < ndirs + 2; i++) {
		free(p);
		p = i < ndirs ? xasprintf("%s/boot/vmlinux-%s", dirs[i], release) :
		    i == ndirs ? xasprintf("/boot/vmlinux-%s", release) :
		    xasprintf("/lib/modules/%s/build/vmlinux", release);
		fd = try_vmlinux("release", p, id, idlen);
	}
	if (fd < 0) {
		free(p);
		p = NULL;
		int dfd = pm_debuginfod_find(id, (int)idlen, &p);
		if (dfd >= 0) {
			close(dfd);
			fd = try_vmlinux("debuginfod", p, id, idlen);
		} else {
			const char *urls = getenv("DEBUGINFOD_URLS");
			pm_looklog_add(MODNAME, PM_LOOK_FILE, "debuginfod", urls && *urls ? urls : "",
				       urls && *urls ? "missing" : "not configured (DEBUGINFOD_URLS)");
		}
	}
	if (fd >= 0)
		*path = p;
	else
		free(p);
	return fd;
}

struct pm_err *pm_kdwarf_check_option(struct pm_dwarf *d)
{
	if (!vmlinux_opt || !*vmlinux_opt)
		return NULL;
	if (!d->t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "-k %s: %s is not a kernel crash dump", vmlinux_opt,
				  d->t->path);
	unsigned char id[64];
	size_t idlen = dump_build_id(d->t, id, sizeof(id));
	if (!idlen)
		pm_warn("%s: the dump's VMCOREINFO has no BUILD-ID: cannot check that %s is its kernel",
			d->t->path, vmlinux_opt);
	char *why;
	int fd = check_vmlinux(vmlinux_opt, id, idlen, &why);
	if (fd < 0) {
		struct pm_err *err = pm_err_new(PM_ERR_LOOKUP, "-k %s: %s: not the vmlinux of this dump's kernel",
						vmlinux_opt, why);
		free(why);
		return err;
	}
	close(fd);
	return NULL;
}

/* The kernel image's run-time place, from kallsyms. */
static bool kernel_range(struct pm_target *t, uint64_t *start, uint64_t *end)
{
	const struct pm_ksym *text = pm_ksym_by_name(t, "_text");
	const struct pm_ksym *e = pm_ksym_by_name(t, "_end");
	if (!text || !e || e->addr <= text->addr)
		return false;
	*start = text->addr;
	*end = e->addr;
	return true;
}

static bool report(struct pm_dwarf *d, int fd, const char *path)
{
	uint64_t start, end;
	if (!kernel_range(d->t, &start, &end)) {
		pm_warn("the dump's kallsyms has no _text and _end: the kernel's debug info has no place");
		close(fd);
		return false;
	}
	kfile.fd = fd;
	free(kfile.path);
	kfile.path = xstrdup(path);
	dwfl_report_begin_add(d->dwfl);
	Dwfl_Module *mod = dwfl_report_module(d->dwfl, MODNAME, start, end);
	void **ud;
	if (mod && dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL))
		*ud = &kfile;
	dwfl_report_end(d->dwfl, NULL, NULL);
	d->kmod = mod;
	/* ::modules lists it from now on */
	free(d->mods);
	d->mods = NULL;
	d->nmods = 0;
	Dwarf_Addr bias;
	if (!mod || !dwfl_module_getdwarf(mod, &bias)) {
		pm_warn("%s: libdwfl cannot read its DWARF: %s", path, dwfl_errmsg(-1));
		return false;
	}
	return true;
}

struct btf_job {
	struct pm_btf *b;
	struct pm_btf_dwarf_info info;
};

static struct pm_err *write_btf(int fd, void *arg)
{
	struct btf_job *j = arg;
	return pm_btf_write_dwarf(j->b, &j->info, fd);
}

static bool load_btf(struct pm_dwarf *d)
{
	struct pm_target *t = d->t;
	struct btf_job j = { 0 };
	struct pm_err *err = pm_kernel_btf(t, &j.b);
	uint64_t start = 0, end = 0;
	unsigned char id[64];
	size_t idlen = dump_build_id(t, id, sizeof(id));
	if (!err && !kernel_range(t, &start, &end))
		err = pm_err_new(PM_ERR_LOOKUP, "the dump's kallsyms has no _text and _end");
	if (err) {
		pm_looklog_add(MODNAME, PM_LOOK_FILE, "BTF", "", err->msg);
		pm_err_free(err);
		return false;
	}
	const struct pm_ksym *percpu = pm_ksym_by_name(t, "__per_cpu_start");
	j.info = (struct pm_btf_dwarf_info){
		.build_id = id, .build_id_len = idlen,
		.text_start = start - t->kernel->kaslr_offset, .text_size = end - start,
		.percpu_base = percpu ? percpu->addr : 0,
	};
	char *path = NULL;
	bool made;
	struct pm_debugcache_job job = { BTF_SUFFIX, write_btf, pm_debugcache_is_debug_file, &j };
	int fd = pm_debugcache_generated(id, (int)idlen, &job, &path, &made, &err);
	if (fd < 0) {
		pm_looklog_add(MODNAME, PM_LOOK_FILE, "BTF", "", err ? err->msg : "failed");
		pm_warn("the kernel's types from its BTF: %s", err ? err->msg : "failed");
		pm_err_free(err);
		return false;
	}
	pm_looklog_add(MODNAME, PM_LOOK_FILE, made ? "BTF, written" : "BTF, cached", path, "used");
	bool ok = report(d, fd, path);
	free(path);
	return ok;
}

bool pm_kdwarf_load(struct pm_dwarf *d, bool types)
{
	if (!d->t->kernel)
		return false;
	if (!d->kvmlinux_tried) {
		d->kvmlinux_tried = true;
		unsigned char id[64];
		size_t idlen = dump_build_id(d->t, id, sizeof(id));
		char *path = NULL;
		int fd = !vmlinux_opt ? search_vmlinux(d, id, idlen, &path) :
			 *vmlinux_opt ? try_vmlinux("-k", vmlinux_opt, id, idlen) : -1;
		if (fd >= 0 && report(d, fd, vmlinux_opt ? vmlinux_opt : path))
			d->kdwarf = PM_KDWARF_VMLINUX;
		free(path);
	}
	if (types && !d->kdwarf && !d->kbtf_tried) {
		d->kbtf_tried = true;
		if (load_btf(d))
			d->kdwarf = PM_KDWARF_BTF;
	}
	return types ? d->kdwarf != 0 : d->kdwarf == PM_KDWARF_VMLINUX;
}

struct index_job {
	Dwfl_Module *mod;
	const unsigned char *id;
	int idlen;
};

static struct pm_err *write_index(int fd, void *arg)
{
	struct index_job *j = arg;
	return pm_nameidx_write(j->mod, j->id, j->idlen, fd);
}

struct pm_nameidx *pm_kdwarf_index(struct pm_dwarf *d, Dwfl_Module *mod)
{
	if (d->kdwarf != PM_KDWARF_VMLINUX || !mod || mod != d->kmod)
		return NULL;
	if (!d->kidx_tried) {
		d->kidx_tried = true;
		unsigned char id[64];
		struct index_job j = { mod, id, (int)dump_build_id(d->t, id, sizeof(id)) };
		struct pm_debugcache_job job = { INDEX_SUFFIX, write_index, pm_nameidx_check, &j };
		char *path = NULL;
		bool made;
		struct pm_err *err;
		int fd = pm_debugcache_generated(id, j.idlen, &job, &path, &made, &err);
		if (fd >= 0) {
			d->kidx = pm_nameidx_open(fd);
			close(fd);
		}
		if (!d->kidx)
			pm_warn("vmlinux's name index: %s: types and globals are searched CU by CU",
				err ? err->msg : "not readable");
		pm_err_free(err);
		free(path);
	}
	return d->kidx;
}

const char *pm_kdwarf_source(const struct pm_dwarf *d)
{
	return d->kdwarf == PM_KDWARF_VMLINUX ? "vmlinux's DWARF" :
	       d->kdwarf == PM_KDWARF_BTF ? "the kernel's BTF (no vmlinux)" : NULL;
}

void pm_dwarf_load_kernel(struct pm_dwarf *d)
{
	pm_kdwarf_load(d, true);
}

void pm_kdwarf_end(void)
{
	if (kfile.fd >= 0)
		close(kfile.fd);
	kfile.fd = -1;
	free(kfile.path);
	kfile.path = NULL;
}
