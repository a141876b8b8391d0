#include "arch.h"

#include <elf.h>
#include <string.h>

const struct pm_arch *pm_arch_for_machine(unsigned elf_machine)
{
	if (elf_machine == EM_X86_64)
		return &pm_arch_x86_64;
	if (elf_machine == EM_AARCH64)
		return &pm_arch_aarch64;
	return NULL;
}

int pm_arch_reg_index(const struct pm_arch *arch, const char *name)
{
	for (size_t i = 0; i < arch->nregs; i++)
		if (strcmp(arch->regs[i].name, name) == 0)
			return (int)i;
	return -1;
}
