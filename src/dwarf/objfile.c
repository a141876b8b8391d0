/* Bytes of a module's ELF file at a target address, for the '?' verb: the
 * file offset comes from the PT_LOAD segment holding the address.  Bytes
 * past p_filesz (.bss) are not in the file. */
#include "internal.h"

#include <gelf.h>
#include <string.h>

size_t pm_dwarf_read_object(struct pm_dwarf *d, uint64_t addr, void *buf, size_t len)
{
	Dwfl_Module *mod = dwfl_addrmodule(d->dwfl, addr);
	if (!mod)
		return 0;
	Dwarf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	size_t size = 0, nphdr = 0;
	const char *raw = elf ? elf_rawfile(elf, &size) : NULL;
	if (!raw || elf_getphdrnum(elf, &nphdr) != 0)
		return 0;
	uint64_t va = addr - bias;
	for (size_t i = 0; i < nphdr; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (va < ph.p_vaddr || va - ph.p_vaddr >= ph.p_filesz)
			continue;
		uint64_t off = ph.p_offset + (va - ph.p_vaddr);
		uint64_t room = ph.p_filesz - (va - ph.p_vaddr);
		if (off >= size)
			return 0;
		if (room > size - off)
			room = size - off;
		size_t n = len < room ? len : (size_t)room;
		memcpy(buf, raw + off, n);
		return n;
	}
	return 0;
}
