/* How big an inflating core says it is: the end of its last segment or
 * header table, from the ELF header and program headers already written
 * out.  A stream that inflates past it is a decompression bomb (or not the
 * core its headers describe), stopped before it fills the disk. */
#include "unpack.h"

#include <elf.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define MAX_HEADERS (64u << 20)   /* program headers beyond this: no bound from them */

static bool pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

static void grow(uint64_t *end, uint64_t off, uint64_t len)
{
	if (off + len >= off && off + len > *end)
		*end = off + len;
}

int pm_unpack_claimed_size(int fd, uint64_t written, uint64_t *size)
{
	Elf64_Ehdr eh;
	if (written < sizeof(eh))
		return 0;
	if (!pread_all(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		return -1;
	uint64_t phnum = eh.e_phnum, end = sizeof(eh);
	if (eh.e_shoff) {
		if (eh.e_shentsize != sizeof(Elf64_Shdr))
			return -1;
		grow(&end, eh.e_shoff, (uint64_t)(eh.e_shnum ? eh.e_shnum : 1) * sizeof(Elf64_Shdr));
	}
	if (phnum == PN_XNUM) {      /* the count is in section 0's sh_info */
		Elf64_Shdr sh0;
		if (!eh.e_shoff)
			return -1;
		if (eh.e_shoff + sizeof(sh0) > written)
			return eh.e_shoff > MAX_HEADERS ? -1 : 0;
		if (!pread_all(fd, &sh0, sizeof(sh0), eh.e_shoff))
			return -1;
		phnum = sh0.sh_info;
	}
	uint64_t table = phnum * sizeof(Elf64_Phdr);
	if (eh.e_phoff > MAX_HEADERS || table > MAX_HEADERS)
		return -1;
	if (eh.e_phoff + table > written)
		return 0;
	grow(&end, eh.e_phoff, table);
	for (uint64_t i = 0; i < phnum; i++) {
		Elf64_Phdr ph;
		if (!pread_all(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)))
			return -1;
		grow(&end, ph.p_offset, ph.p_filesz);
	}
	*size = end;
	return 1;
}
