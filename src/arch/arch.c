#include "arch.h"

#include <elf.h>
#include <string.h>

/* 64-bit elf_prstatus: siginfo (12), cursig, sigpend and sighold (longs),
 * then pr_pid at 32; elf_prpsinfo: 4 chars, pr_flag (long), 32-bit ids. */
const struct pm_note_layout pm_notes_lp64 = {
	.word = 8, .prstatus_pid = 32, .prpsinfo_size = 136, .prpsinfo_uid = 16, .uid_size = 4,
	.prpsinfo_pid = 24, .prpsinfo_fname = 40, .siginfo_addr = 16,
};

/* The same with 4-byte longs and 16-bit uid/gid (i386's and ARM's
 * __kernel_uid_t, and x86's compat_uid_t that x32 cores use). */
const struct pm_note_layout pm_notes_ilp32 = {
	.word = 4, .prstatus_pid = 24, .prpsinfo_size = 124, .prpsinfo_uid = 8, .uid_size = 2,
	.prpsinfo_pid = 12, .prpsinfo_fname = 28, .siginfo_addr = 12,
};

static const struct pm_arch *const all[] = {
	&pm_arch_x86_64, &pm_arch_aarch64, &pm_arch_i386, &pm_arch_x32, &pm_arch_arm,
};

const struct pm_arch *pm_arch_for_elf(unsigned elf_machine, unsigned elf_class)
{
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->elf_machine == elf_machine && all[i]->elf_class == elf_class)
			return all[i];
	return NULL;
}

int pm_arch_reg_index(const struct pm_arch *arch, const char *name)
{
	for (size_t i = 0; i < arch->nregs; i++)
		if (strcmp(arch->regs[i].name, name) == 0)
			return (int)i;
	return -1;
}
