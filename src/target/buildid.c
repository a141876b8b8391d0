#include "buildid.h"
#include "../base/elfnote.h"

#include <elf.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>

size_t pm_buildid_from_memory(struct pm_target *t, uint64_t addr, unsigned char *id, size_t max)
{
	Elf64_Ehdr eh;
	struct pm_err *err = pm_target_read(t, addr, &eh, sizeof(eh), "ELF header");
	if (err) {
		pm_err_free(err);
		return 0;
	}
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 256)
		return 0;
	/* Find the load bias from the first PT_LOAD with offset 0. */
	Elf64_Phdr ph[256];
	err = pm_target_read(t, addr + eh.e_phoff, ph, eh.e_phnum * sizeof(ph[0]), "program headers");
	if (err) {
		pm_err_free(err);
		return 0;
	}
	uint64_t bias = addr;
	for (unsigned i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			bias = addr - (ph[i].p_vaddr - ph[i].p_offset);
			break;
		}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz > 4096)
			continue;
		unsigned char buf[4096];
		size_t len = (size_t)ph[i].p_filesz;
		err = pm_target_read(t, bias + ph[i].p_vaddr, buf, len, "build-id note");
		if (err) {
			pm_err_free(err);
			continue;
		}
		size_t off = 0;
		struct pm_note n;
		while (pm_note_next(buf, len, &off, &n))
			if (n.type == NT_GNU_BUILD_ID && pm_note_owner(&n, "GNU")) {
				size_t got = n.descsz < max ? n.descsz : max;
				memcpy(id, n.desc, got);
				return got;
			}
	}
	return 0;
}

size_t pm_buildid_from_file(const char *path, unsigned char *id, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t n = 0;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf) {
		const void *bits;
		ssize_t len = dwelf_elf_gnu_build_id(elf, &bits);
		if (len > 0) {
			n = (size_t)len < max ? (size_t)len : max;
			memcpy(id, bits, n);
		}
		elf_end(elf);
	}
	close(fd);
	return n;
}

char *pm_buildid_hex(const unsigned char *id, size_t len, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		buf[2 * i] = hex[id[i] >> 4];
		buf[2 * i + 1] = hex[id[i] & 15];
	}
	buf[2 * len] = 0;
	return buf;
}
