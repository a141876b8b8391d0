/* The user core-file target: an ELF ET_CORE file's PT_LOAD segments and
 * notes, with file-backed memory the kernel did not save read from the
 * mapped files on disk (after a build-id check), as gdb does. */
#include "core.h"
#include "buildid.h"
#include "../kernel/kernel.h"
#include "../base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static struct pm_err *core_read(struct pm_target *t, uint64_t addr, void *buf,
				size_t len, const char *what)
{
	return pm_memmap_read(&t->mem, addr, buf, len, what);
}

static void core_close(struct pm_target *t)
{
	struct pm_core *c = t->priv;
	for (size_t i = 0; i < c->nbackings; i++) {
		struct pm_backing *b = &c->files[i];
		if (b->data)
			munmap((void *)b->data, b->size);
		free(b->path);
		free(b->why);
	}
	free(c->files);
	for (size_t i = 0; i < t->nobjects; i++) {
		free(t->objects[i].recorded);
		free(t->objects[i].local);
	}
	free(t->objects);
	pm_pagecache_free(&c->core_pages);
	free(c->core_backing.path);
	free(c->core_backing.why);
	pm_kernel_free(t->kernel);
	elf_end(c->elf);
	close(c->fd);
	free(c);
}

static const struct pm_target_ops core_ops = {
	.kind = "core",
	.read = core_read,
	.close = core_close,
};

/* A kernel dump is an ELF core too; its memory map holds the kernel's
 * virtual mappings (src/kernel). */
static const struct pm_target_ops kernel_ops = {
	.kind = "kernel",
	.read = core_read,
	.close = core_close,
};

/* Physical memory from the PT_LOADs (p_paddr); QEMU repeats some, which
 * pm_memmap_finish drops. */
static struct pm_err *open_kernel(struct pm_target *t, struct pm_core *c, size_t phnum)
{
	struct pm_memmap phys = { 0 };
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(c->elf, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		/* /proc/kcore's vmalloc, module and vmemmap segments have no
		 * physical address; their memory is reached through the page tables */
		if (ph.p_paddr == UINT64_MAX || ph.p_paddr + ph.p_filesz < ph.p_paddr)
			continue;
		if (ph.p_offset > c->core_backing.size || ph.p_filesz > c->core_backing.size - ph.p_offset) {
			pm_warn("%s: physical memory at 0x%llx is cut short in the file (truncated dump?)",
				t->path, (unsigned long long)ph.p_paddr);
			if (ph.p_offset >= c->core_backing.size)
				continue;
			ph.p_filesz = c->core_backing.size - ph.p_offset;
		}
		pm_memmap_add(&phys, ph.p_paddr, ph.p_paddr + ph.p_filesz, &c->core_backing, ph.p_offset);
	}
	pm_memmap_finish(&phys);
	t->ops = &kernel_ops;
	return pm_kernel_attach(t, &c->core_backing, &phys, t->vmcoreinfo, t->vmcoreinfo_len);
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_386: return "i386";
	case EM_X86_64: return "x86-64";
	case EM_AARCH64: return "AArch64";
	case EM_ARM: return "ARM";
	case EM_PPC: return "PowerPC";
	case EM_PPC64: return "PowerPC64";
	case EM_S390: return "S/390";
	case EM_SPARCV9: return "SPARC V9";
	case EM_68K: return "m68k";
	case EM_RISCV: return "RISC-V";
	case EM_MIPS: return "MIPS";
	default: return "unknown machine";
	}
}

/* The notes of one PT_NOTE segment; a segment running past the end of the
 * file is read as far as the file goes, and a malformed note ends the
 * segment, each with one warning. */
static void read_notes(struct pm_target *t, Elf *elf, const GElf_Phdr *ph, uint64_t fsize)
{
	uint64_t size = ph->p_filesz;
	if (ph->p_offset >= fsize) {
		pm_warn("core notes at file offset 0x%llx are past the end of the file (truncated core?)",
			(unsigned long long)ph->p_offset);
		return;
	}
	if (size > fsize - ph->p_offset) {
		pm_warn("core notes at file offset 0x%llx claim %llu bytes, the file holds %llu of them "
			"(truncated core?)", (unsigned long long)ph->p_offset, (unsigned long long)size,
			(unsigned long long)(fsize - ph->p_offset));
		size = fsize - ph->p_offset;
	}
	Elf_Data *data = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset, size, ELF_T_NHDR);
	if (!data) {
		pm_warn("core notes at file offset 0x%llx cannot be read: %s",
			(unsigned long long)ph->p_offset, elf_errmsg(-1));
		return;
	}
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;
	while (off < data->d_size) {
		size_t next = gelf_getnote(data, off, &nh, &name_off, &desc_off);
		if (next == 0) {
			pm_warn("a malformed note at file offset 0x%llx (its sizes run past the note "
				"segment): the notes from there on are ignored",
				(unsigned long long)(ph->p_offset + off));
			break;
		}
		off = next;
		const char *owner = nh.n_namesz ? (const char *)data->d_buf + name_off : "";
		if (nh.n_namesz && owner[nh.n_namesz - 1] != 0)
			continue;
		pm_core_note(t, owner, nh.n_type, (const unsigned char *)data->d_buf + desc_off,
			     nh.n_descsz);
	}
}

struct pm_err *pm_core_open(const char *path, const char *exe, struct pm_target **out)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pm_err_new(PM_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pm_err_new(PM_ERR_IO, "%s: not a regular file", path);
	}
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	GElf_Ehdr eh;
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		elf_end(elf);
		close(fd);
		return pm_err_new(PM_ERR_FORMAT, "%s: not an ELF file", path);
	}
	if (eh.e_type != ET_CORE) {
		elf_end(elf);
		close(fd);
		return pm_err_new(PM_ERR_FORMAT,
				  "%s: not a core file (ELF type %s); usage: pmdb [EXECUTABLE] CORE",
				  path, eh.e_type == ET_EXEC ? "ET_EXEC" :
				  eh.e_type == ET_DYN ? "ET_DYN" : eh.e_type == ET_REL ? "ET_REL" : "unknown");
	}
	const struct pm_arch *arch = pm_arch_for_elf(eh.e_machine, (unsigned)gelf_getclass(elf));
	if (!arch) {
		elf_end(elf);
		close(fd);
		return pm_err_new(PM_ERR_FORMAT,
				  "%s: %s %d-bit core files are not supported (pmdb reads x86-64, x32, "
				  "i386, AArch64 and 32-bit ARM cores)",
				  path, machine_name(eh.e_machine),
				  gelf_getclass(elf) == ELFCLASS64 ? 64 : 32);
	}
	size_t phnum;
	if (elf_getphdrnum(elf, &phnum) != 0) {
		elf_end(elf);
		close(fd);
		return pm_err_new(PM_ERR_FORMAT, "%s: cannot read program headers: %s", path,
				  elf_errmsg(-1));
	}

	struct pm_target *t = xcalloc(1, sizeof(*t));
	struct pm_core *c = xcalloc(1, sizeof(*c));
	t->ops = &core_ops;
	t->arch = arch;
	t->path = xstrdup(path);
	t->priv = c;
	c->fd = fd;
	c->elf = elf;
	t->elf = elf;
	c->core_backing.path = xstrdup(path);
	c->core_pages.fd = fd;
	c->core_pages.size = (uint64_t)st.st_size;
	c->core_backing.read = pm_pagecache_read;
	c->core_backing.read_ctx = &c->core_pages;
	c->core_backing.size = (uint64_t)st.st_size;
	c->core_backing.state = 1;
	bool kcore = pm_kcore_is(fd, path);

	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph))
			break;
		if (ph.p_type == PT_NOTE)
			read_notes(t, elf, &ph, c->core_backing.size);
	}
	if (t->nthreads == 0)
		pm_warn("%s: the core has no NT_PRSTATUS note: no threads or registers", path);
	/* QEMU's cores carry no NT_ARM_PAC_MASK though QEMU signs return
	 * addresses: Linux's user mask for 48-bit addresses, bits 54-48
	 * (never set in an unsigned user code address) */
	if (arch == &pm_arch_aarch64 && !t->pac_insn_mask && !t->vmcoreinfo)
		t->pac_insn_mask = 0x007f000000000000ull;
	/* a QEMU guest's memory without VMCOREINFO: kfind.c finds the kernel
	 * from the CPUs' page-table roots */
	bool guest = !t->vmcoreinfo && t->qemu_notes;
	if (guest && (arch != &pm_arch_x86_64 || !t->nqemu_cpus)) {
		struct pm_err *err = pm_err_new(PM_ERR_FORMAT, "%s: a QEMU guest memory dump without a "
						"VMCOREINFO note and without x86-64 CPU state notes: the "
						"kernel cannot be found in it", path);
		pm_target_close(t);
		return err;
	}
	if (kcore && !t->vmcoreinfo) {
		struct pm_err *err = pm_err_new(PM_ERR_FORMAT, "%s: the running kernel's core has no "
						"VMCOREINFO note (Linux before 4.19, or no CONFIG_CRASH_CORE): "
						"not supported", path);
		pm_target_close(t);
		return err;
	}
	if (kcore)
		pm_kcore_prepare(t, c);
	if (t->vmcoreinfo || guest) {
		struct pm_err *err = open_kernel(t, c, phnum);
		if (!err && kcore)
			pm_kcore_finish(t, c, phnum);
		if (err) {
			pm_target_close(t);
			return err;
		}
		*out = t;
		return NULL;
	}

	pm_core_build_maps(t, exe);
	*out = t;
	return NULL;
}
