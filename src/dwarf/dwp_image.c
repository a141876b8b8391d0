/* Writing a DWARF package unit as an ELF file in memory (dwp_image.h). */
#include "dwp_image.h"
#include "../base/util.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

static void put_shdr(unsigned char *p, int elfclass, uint32_t name, uint32_t type, uint64_t off,
		     uint64_t size)
{
	if (elfclass == ELFCLASS64) {
		Elf64_Shdr s = { .sh_name = name, .sh_type = type, .sh_offset = off, .sh_size = size,
				 .sh_addralign = 1 };
		memcpy(p, &s, sizeof(s));
	} else {
		Elf32_Shdr s = { .sh_name = name, .sh_type = type, .sh_offset = (Elf32_Off)off,
				 .sh_size = (Elf32_Word)size, .sh_addralign = 1 };
		memcpy(p, &s, sizeof(s));
	}
}

void *pm_dwp_image(int elfclass, uint16_t machine, const struct pm_dwp_part *parts, size_t n,
		   size_t *size)
{
	bool is64 = elfclass == ELFCLASS64;
	size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t shentsize = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	/* layout: header, the parts, .shstrtab, the section headers
	 * (null section, the parts, .shstrtab) */
	size_t strsz = 1 + sizeof(".shstrtab");
	size_t off = ehsize;
	for (size_t i = 0; i < n; i++) {
		off += parts[i].size;
		strsz += strlen(parts[i].name) + 1;
	}
	size_t stroff = off;
	size_t shoff = ALIGN8(stroff + strsz);
	size_t nsec = n + 2;
	*size = shoff + nsec * shentsize;
	unsigned char *img = xcalloc(1, *size);

	unsigned char ident[EI_NIDENT] = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, (unsigned char)elfclass,
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
					   ELFDATA2LSB,
#else
					   ELFDATA2MSB,
#endif
					   EV_CURRENT };
	if (is64) {
		Elf64_Ehdr e = { .e_type = ET_REL, .e_machine = machine, .e_version = EV_CURRENT,
				 .e_shoff = shoff, .e_ehsize = (Elf64_Half)ehsize,
				 .e_shentsize = (Elf64_Half)shentsize, .e_shnum = (Elf64_Half)nsec,
				 .e_shstrndx = (Elf64_Half)(nsec - 1) };
		memcpy(e.e_ident, ident, EI_NIDENT);
		memcpy(img, &e, sizeof(e));
	} else {
		Elf32_Ehdr e = { .e_type = ET_REL, .e_machine = machine, .e_version = EV_CURRENT,
				 .e_shoff = (Elf32_Off)shoff, .e_ehsize = (Elf32_Half)ehsize,
				 .e_shentsize = (Elf32_Half)shentsize, .e_shnum = (Elf32_Half)nsec,
				 .e_shstrndx = (Elf32_Half)(nsec - 1) };
		memcpy(e.e_ident, ident, EI_NIDENT);
		memcpy(img, &e, sizeof(e));
	}
	char *names = (char *)img + stroff;
	size_t name = 1;
	off = ehsize;
	for (size_t i = 0; i < n; i++) {
		if (parts[i].size)
			memcpy(img + off, parts[i].data, parts[i].size);
		size_t len = strlen(parts[i].name) + 1;
		memcpy(names + name, parts[i].name, len);
		put_shdr(img + shoff + (i + 1) * shentsize, elfclass, (uint32_t)name, SHT_PROGBITS, off,
			 parts[i].size);
		name += len;
		off += parts[i].size;
	}
	memcpy(names + name, ".shstrtab", sizeof(".shstrtab"));
	put_shdr(img + shoff + (n + 1) * shentsize, elfclass, (uint32_t)name, SHT_STRTAB, stroff, strsz);
	return img;
}

const char *pm_dwp_unit_strings(const unsigned char *offs, size_t noffs, int v5,
				const unsigned char *str, size_t nstr, unsigned char **new_offs,
				unsigned char **new_str, size_t *new_nstr)
{
	*new_offs = NULL;
	*new_str = NULL;
	*new_nstr = 0;
	size_t hdr = 0, width = 4;
	if (v5) {
		uint32_t len32;
		if (noffs < 8)
			return "a string offsets table shorter than its header";
		memcpy(&len32, offs, 4);
		if (len32 == 0xffffffff) {
			if (noffs < 16)
				return "a string offsets table shorter than its header";
			hdr = 16;
			width = 8;
		} else {
			hdr = 8;
		}
	}
	size_t count = (noffs - hdr) / width;
	/* each string at most once per entry: the new section is no bigger
	 * than the strings the unit names */
	size_t cap = 64, used = 0;
	unsigned char *out = xmalloc(cap);
	unsigned char *tab = xmalloc(noffs ? noffs : 1);
	memcpy(tab, offs, noffs);
	for (size_t i = 0; i < count; i++) {
		uint64_t o = 0;
		if (width == 8)
			memcpy(&o, offs + hdr + i * 8, 8);
		else {
			uint32_t o32;
			memcpy(&o32, offs + hdr + i * 4, 4);
			o = o32;
		}
		const unsigned char *end = o < nstr ? memchr(str + o, 0, nstr - o) : NULL;
		if (!end) {
			free(out);
			free(tab);
			return "a string offset past the end of .debug_str.dwo";
		}
		size_t len = (size_t)(end - (str + o)) + 1;
		/* a unit names each string once: repeats of long strings are
		 * a hostile package's way to make pmdb allocate without end */
		if (used + len > 2 * nstr + 4096) {
			free(out);
			free(tab);
			return "string offsets that name the same strings again and again";
		}
		if (used + len > cap) {
			while (used + len > cap)
				cap *= 2;
			out = xrealloc(out, cap);
		}
		memcpy(out + used, str + o, len);
		if (width == 8) {
			uint64_t n64 = used;
			memcpy(tab + hdr + i * 8, &n64, 8);
		} else {
			if (used > UINT32_MAX) {
				free(out);
				free(tab);
				return "a unit's strings too big for 32-bit offsets";
			}
			uint32_t n32 = (uint32_t)used;
			memcpy(tab + hdr + i * 4, &n32, 4);
		}
		used += len;
	}
	*new_offs = tab;
	*new_str = out;
	*new_nstr = used;
	return NULL;
}
