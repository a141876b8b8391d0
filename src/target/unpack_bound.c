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

static int claimed_size(const struct head *h, uint64_t *size)
{
	uint64_t written = h->avail;
	Elf64_Ehdr eh;
	if (written < sizeof(eh))
		return 0;
	if (!read_head(h, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
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
		if (!read_head(h, &sh0, sizeof(sh0), eh.e_shoff))
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
		if (!read_head(h, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)))
			return -1;
		grow(&end, ph.p_offset, ph.p_filesz);
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
