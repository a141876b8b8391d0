#include "vdso.h"
#include "reround.h"
#include "../target/target.h"
#include "../target/memmap.h"
#include "../base/util.h"

#include <elf.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_VDSO_SIZE (1u << 20)
/* segments beginning with an ELF header read whole, at most: a hostile
 * core could have thousands */
#define MAX_CANDIDATES 16

/* DT_SONAME of an in-memory image, or NULL. */
static const char *soname(Elf *elf)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || sh.sh_entsize == 0)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = data ? data->d_size / sh.sh_entsize : 0;
		for (size_t i = 0; i < n; i++) {
			GElf_Dyn dyn;
			if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag == DT_SONAME)
				return elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
		}
	}
	return NULL;
}

/* The lowest PT_LOAD's p_vaddr: the image's address is this plus the bias. */
static bool first_vaddr(Elf *elf, uint64_t *vaddr)
{
	size_t phnum;
	if (elf_getphdrnum(elf, &phnum) != 0)
		return false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
			*vaddr = ph.p_vaddr;
			return true;
		}
	}
	return false;
}

/* The image at [at, at + size): a copy, and its soname in *name, if it is
 * a whole shared object (the kernel maps all of the vDSO's file); NULL if
 * not. */
static char *read_image(struct pm_target *t, uint64_t at, size_t size, char **name)
{
	*name = NULL;
	char *img = xmalloc(size);
	struct pm_err *err = pm_target_read(t, at, img, size, "vDSO");
	Elf *elf = err ? NULL : elf_memory(img, size);
	uint64_t vaddr = 0;
	GElf_Ehdr eh;
	if (elf && elf_kind(elf) == ELF_K_ELF && gelf_getehdr(elf, &eh) && eh.e_type == ET_DYN &&
	    eh.e_shnum > 0 && eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize <= size &&
	    first_vaddr(elf, &vaddr)) {
		const char *so = soname(elf);
		*name = xstrdup(so ? so : "[vdso]");
	}
	if (elf)
		elf_end(elf);
	pm_err_free(err);
	if (!*name) {
		free(img);
		return NULL;
	}
	return img;
}

/* dwfl_report_elf wants a file: a memfd, which libdwfl then owns. */
static void report_image(Dwfl *dwfl, const char *name, uint64_t at, const char *img, size_t size)
{
	int fd = memfd_create("vdso", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, img, size) != (ssize_t)size ||
	    !dwfl_report_elf(dwfl, name, "[vdso]", fd, at, false))
		close(fd);
}

static bool file_backed(const struct pm_target *t, uint64_t addr)
{
	for (size_t i = 0; i < t->nfiles; i++)
		if (addr >= t->files[i].start && addr < t->files[i].end)
			return true;
	return false;
}

struct image {
	uint64_t start, size;
	char *bytes, *name;
};

/* The core's small, wholly dumped segments, mapped from no file, that hold
 * a whole shared object: the vDSO. */
static size_t find_images(struct pm_target *t, struct image *out, size_t max)
{
	Elf *core = (Elf *)t->elf;
	size_t phnum, n = 0, tries = 0;
	if (!core || elf_getphdrnum(core, &phnum) != 0)
		return 0;
	for (size_t i = 0; i < phnum && n < max && tries < MAX_CANDIDATES; i++) {
		GElf_Phdr ph;
		unsigned char magic[SELFMAG];
		if (!gelf_getphdr(core, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    ph.p_filesz != ph.p_memsz || ph.p_filesz < sizeof(Elf64_Ehdr) ||
		    ph.p_filesz > MAX_VDSO_SIZE || file_backed(t, ph.p_vaddr))
			continue;
		struct pm_err *err = pm_target_read(t, ph.p_vaddr, magic, SELFMAG, "vDSO");
		if (err) {
			pm_err_free(err);
			continue;
		}
		if (memcmp(magic, ELFMAG, SELFMAG) != 0)
			continue;
		tries++;
		struct image *im = &out[n];
		im->start = ph.p_vaddr;
		im->size = ph.p_filesz;
		im->bytes = read_image(t, im->start, (size_t)im->size, &im->name);
		if (im->bytes)
			n++;
	}
	return n;
}

struct image_list {
	const struct image *img;
	size_t n;
};

/* The file-less modules libdwfl made over the images. */
static bool over_image(Dwfl_Module *mod, Dwarf_Addr lo, Dwarf_Addr hi, void *arg)
{
	(void)mod;
	const struct image_list *l = arg;
	for (size_t i = 0; i < l->n; i++)
		if (lo < l->img[i].start + l->img[i].size && hi > l->img[i].start)
			return true;
	return false;
}

void pm_vdso_report(Dwfl *dwfl, struct pm_target *t)
{
	struct image img[4];
	size_t nimg = find_images(t, img, sizeof(img) / sizeof(img[0]));
	if (nimg == 0)
		return;
	struct image_list l = { img, nimg };
	pm_reround_begin(dwfl, over_image, &l);
	for (size_t i = 0; i < nimg; i++) {
		report_image(dwfl, img[i].name, img[i].start, img[i].bytes, (size_t)img[i].size);
		free(img[i].bytes);
		free(img[i].name);
	}
	dwfl_report_end(dwfl, NULL, NULL);
}
