/* How big a core says it is: the end of its last segment or header table,
 * from the ELF header and program headers.  An inflating stream that goes
 * past it is a decompression bomb (or not the core its headers describe),
 * stopped before it fills the disk; `--list` sizes a core kept compressed
 * in the journal from its first bytes alone. */
#include "unpack.h"

#include <elf.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define MAX_HEADERS (64u << 20)   /* program headers beyond this: no bound from them */

/* Reads len bytes at off from the core's first bytes (a file or a buffer). */
struct head {
	int fd;
	const unsigned char *buf;
	uint64_t avail;
};

static bool read_head(const struct head *h, void *out, size_t len, uint64_t off)
{
	if (h->buf) {
		if (off > h->avail || len > h->avail - off)
			return false;
		memcpy(out, h->buf + off, len);
		return true;
	}
	return pread(h->fd, out, len, (off_t)off) == (ssize_t)len;
}

static void grow(uint64_t *end, uint64_t off, uint64_t len)
{
	if (off + len >= off && off + len > *end)
		*end = off + len;
}

/* The fields claimed_size needs from an ELF header, 32- or 64-bit. */
struct elf_shape {
	bool is64;
	uint64_t phoff, shoff, phnum, shnum;
	size_t ehsize, phsize, shsize;
};

static bool read_shape(const struct head *h, struct elf_shape *e)
{
	unsigned char ident[EI_NIDENT];
	if (!read_head(h, ident, sizeof(ident), 0) || memcmp(ident, ELFMAG, SELFMAG) != 0 ||
	    ident[EI_DATA] != ELFDATA2LSB)
		return false;
	if (ident[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;
		if (!read_head(h, &eh, sizeof(eh), 0))
			return false;
		*e = (struct elf_shape){ true, eh.e_phoff, eh.e_shoff, eh.e_phnum, eh.e_shnum,
					 sizeof(eh), sizeof(Elf64_Phdr), sizeof(Elf64_Shdr) };
		return eh.e_phentsize == sizeof(Elf64_Phdr) &&
		       (!eh.e_shoff || eh.e_shentsize == sizeof(Elf64_Shdr));
	}
	if (ident[EI_CLASS] == ELFCLASS32) {     /* i386, x32 and ARM cores */
		Elf32_Ehdr eh;
		if (!read_head(h, &eh, sizeof(eh), 0))
			return false;
		*e = (struct elf_shape){ false, eh.e_phoff, eh.e_shoff, eh.e_phnum, eh.e_shnum,
					 sizeof(eh), sizeof(Elf32_Phdr), sizeof(Elf32_Shdr) };
		return eh.e_phentsize == sizeof(Elf32_Phdr) &&
		       (!eh.e_shoff || eh.e_shentsize == sizeof(Elf32_Shdr));
	}
	return false;
}

/* Section 0's sh_info (the program header count past PN_XNUM). */
static bool sh0_info(const struct head *h, const struct elf_shape *e, uint64_t *info)
{
	if (e->is64) {
		Elf64_Shdr sh;
		if (!read_head(h, &sh, sizeof(sh), e->shoff))
			return false;
		*info = sh.sh_info;
	} else {
		Elf32_Shdr sh;
		if (!read_head(h, &sh, sizeof(sh), e->shoff))
			return false;
		*info = sh.sh_info;
	}
	return true;
}

/* Where program header i's contents end in the file. */
static bool segment_end(const struct head *h, const struct elf_shape *e, uint64_t i, uint64_t *end)
{
	uint64_t at = e->phoff + i * e->phsize;
	*end = 0;
	if (e->is64) {
		Elf64_Phdr ph;
		if (!read_head(h, &ph, sizeof(ph), at))
			return false;
		grow(end, ph.p_offset, ph.p_filesz);
	} else {
		Elf32_Phdr ph;
		if (!read_head(h, &ph, sizeof(ph), at))
			return false;
		grow(end, ph.p_offset, ph.p_filesz);
	}
	return true;
}

static int claimed_size(const struct head *h, uint64_t *size)
{
	uint64_t written = h->avail;
	struct elf_shape e;
	if (written < sizeof(Elf64_Ehdr) && written < sizeof(Elf32_Ehdr))
		return 0;
	if (!read_shape(h, &e))
		return written < sizeof(Elf64_Ehdr) ? 0 : -1;
	uint64_t phnum = e.phnum, end = e.ehsize;
	if (e.shoff)
		grow(&end, e.shoff, (e.shnum ? e.shnum : 1) * e.shsize);
	if (phnum == PN_XNUM) {      /* the count is in section 0's sh_info */
		if (!e.shoff)
			return -1;
		if (e.shoff + e.shsize > written)
			return e.shoff > MAX_HEADERS ? -1 : 0;
		if (!sh0_info(h, &e, &phnum))
			return -1;
	}
	uint64_t table = phnum * e.phsize;
	if (e.phoff > MAX_HEADERS || table > MAX_HEADERS)
		return -1;
	if (e.phoff + table > written)
		return 0;
	grow(&end, e.phoff, table);
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t seg;
		if (!segment_end(h, &e, i, &seg))
			return -1;
		grow(&end, 0, seg);
	}
	*size = end;
	return 1;
}

int pm_unpack_claimed_size(int fd, uint64_t written, uint64_t *size)
{
	struct head h = { .fd = fd, .avail = written };
	return claimed_size(&h, size);
}

int pm_core_claimed_size(const void *buf, size_t len, uint64_t *size)
{
	struct head h = { .fd = -1, .buf = buf, .avail = len };
	return claimed_size(&h, size);
}
