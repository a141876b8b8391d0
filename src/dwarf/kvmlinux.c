/* Finding a kernel dump's vmlinux: the file -k names, checked against the
 * dump's build-id (VMCOREINFO's BUILD-ID), else one looked for by that
 * build-id in the debug folders, by release under them and in /boot and
 * the module tree, then on debuginfod; every place tried is logged for
 * ::modinfo.  A vmlinux must have DWARF: without it kallsyms says more. */
#include "internal.h"
#include "debuginfod.h"
#include "../kernel/kernel.h"
#include "../target/buildid.h"
#include "../target/looklog.h"
#include "../base/util.h"

#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *vmlinux_opt;      /* -k; "" for --no-vmlinux */

void pm_dwarf_set_vmlinux(const char *path)
{
	free(vmlinux_opt);
	vmlinux_opt = path ? xstrdup(path) : NULL;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The dump's build-id, from VMCOREINFO (kernels since 5.9); 0 if none or
 * not hex. */
size_t pm_kdwarf_build_id(struct pm_target *t, unsigned char *id, size_t max)
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
	pm_looklog_add(PM_KDWARF_MODNAME, PM_LOOK_FILE, place, path, why ? why : "used");
	free(why);
	return fd;
}

/* vmlinux by build-id in each debug folder, by release under them and in
 * /boot and the module tree, then from debuginfod. */
static int search_vmlinux(struct pm_dwarf *d, const unsigned char *id, size_t idlen, char **path)
{
	if (!idlen) {         /* nothing to tell this build's vmlinux from another's */
		pm_looklog_add(PM_KDWARF_MODNAME, PM_LOOK_FILE, "search", "",
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
			pm_looklog_add(PM_KDWARF_MODNAME, PM_LOOK_FILE, "debuginfod", urls && *urls ? urls : "",
				       urls && *urls ? "missing" : "not configured (DEBUGINFOD_URLS)");
		}
	}
	if (fd >= 0)
		*path = p;
	else
		free(p);
	return fd;
}

int pm_kvmlinux_find(struct pm_dwarf *d, char **path)
{
	*path = NULL;
	unsigned char id[64];
	size_t idlen = pm_kdwarf_build_id(d->t, id, sizeof(id));
	if (!vmlinux_opt)
		return search_vmlinux(d, id, idlen, path);
	if (!*vmlinux_opt)
		return -1;
	*path = xstrdup(vmlinux_opt);
	return try_vmlinux("-k", vmlinux_opt, id, idlen);
}

struct pm_err *pm_kdwarf_check_option(struct pm_dwarf *d)
{
	if (!vmlinux_opt || !*vmlinux_opt)
		return NULL;
	if (!d->t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "-k %s: %s is not a kernel crash dump", vmlinux_opt,
				  d->t->path);
	unsigned char id[64];
	size_t idlen = pm_kdwarf_build_id(d->t, id, sizeof(id));
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

