/* The kernel's debug info on a kernel dump, reported to libdwfl as the
 * module "vmlinux" at the kernel's run-time place, so that libdwfl takes
 * KASLR's offset as the module's bias (a relocatable kernel is ET_EXEC
 * but libdwfl moves it like ET_DYN when it is reported elsewhere).
 *
 * Either vmlinux with DWARF (types, variables, source lines, inline
 * frames) that kvmlinux.c finds, or else the DWARF that btf2dwarf.c writes
 * from the dump's own BTF (types only), made once per kernel build and
 * kept in the cache.  Nothing is looked for until a command needs it. */
#include "internal.h"
#include "btf2dwarf.h"
#include "debugcache.h"
#include "nameidx.h"
#include "../kernel/kernel.h"
#include "../target/looklog.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bump when btf2dwarf.c writes something else: older cached files are
 * then left alone. */
#define BTF_SUFFIX "btf1.debug"
#define INDEX_SUFFIX "names1"

/* The file find_elf hands libdwfl for the module (one session per process). */
static struct kfile {
	int fd;
	char *path;
} kfile = { -1, NULL };

int pm_kdwarf_find_elf(void **userdata, char **file_name)
{
	if (*userdata != &kfile || kfile.fd < 0)
		return -2;
	int fd = kfile.fd;          /* libdwfl owns it from here */
	kfile.fd = -1;
	*file_name = xstrdup(kfile.path);
	return fd;
}

/* The kernel image's run-time place, from kallsyms. */
static bool kernel_range(struct pm_target *t, uint64_t *start, uint64_t *end)
{
	/* AArch64's kallsyms starts at _stext (its _text is the image header) */
	uint64_t text = pm_kernel_data_symbol(t, "_text"), data_start;
	*start = text ? text : pm_kernel_data_symbol(t, "_stext");
	*end = pm_kernel_data_symbol(t, "_end");
	/* kallsyms without data symbols (no CONFIG_KALLSYMS_ALL) has no _end:
	 * the image's memory ends where its data's mapping does */
	if (!*end && !pm_kernel_image_data(t, &data_start, end))
		return false;
	return *start && *end > *start;
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
	Dwfl_Module *mod = dwfl_report_module(d->dwfl, PM_KDWARF_MODNAME, start, end);
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
	size_t idlen = pm_kdwarf_build_id(t, id, sizeof(id));
	if (!err && !kernel_range(t, &start, &end))
		err = pm_err_new(PM_ERR_LOOKUP, "the dump's kallsyms has no _text and _end");
	if (err) {
		pm_looklog_add(PM_KDWARF_MODNAME, PM_LOOK_FILE, "BTF", "", err->msg);
		pm_err_free(err);
		return false;
	}
	const struct pm_ksym *percpu = pm_ksym_by_name(t, "__per_cpu_start");
	j.info = (struct pm_btf_dwarf_info){
		.build_id = id, .build_id_len = idlen,
		.text_start = start - t->kernel->kaslr_offset, .text_size = end - start,
		.percpu_base = percpu ? percpu->addr : 0,
		.machine = t->arch ? t->arch->elf_machine : EM_X86_64,
	};
	char *path = NULL;
	bool made;
	struct pm_debugcache_job job = { BTF_SUFFIX, write_btf, pm_debugcache_is_debug_file, &j };
	int fd = pm_debugcache_generated(id, (int)idlen, &job, &path, &made, &err);
	if (fd < 0) {
		pm_looklog_add(PM_KDWARF_MODNAME, PM_LOOK_FILE, "BTF", "", err ? err->msg : "failed");
		pm_warn("the kernel's types from its BTF: %s", err ? err->msg : "failed");
		pm_err_free(err);
		return false;
	}
	pm_looklog_add(PM_KDWARF_MODNAME, PM_LOOK_FILE, made ? "BTF, written" : "BTF, cached", path, "used");
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
		char *path = NULL;
		int fd = pm_kvmlinux_find(d, &path);
		if (fd >= 0 && report(d, fd, path))
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
		struct index_job j = { mod, id, (int)pm_kdwarf_build_id(d->t, id, sizeof(id)) };
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
