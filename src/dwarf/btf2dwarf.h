/* The kernel's BTF written out as an ELF file of DWARF 4 that libdw reads
 * like any debug file (btf2dwarf.c), so that the typed dcmds work on a
 * kernel dump without vmlinux. */
#ifndef PM_BTF2DWARF_H
#define PM_BTF2DWARF_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"
#include "../kernel/btf.h"

struct pm_btf_dwarf_info {
	const unsigned char *build_id;  /* the kernel's, put in the file's note */
	size_t build_id_len;
	uint64_t text_start, text_size; /* link-time addresses of the kernel image: the
					 * file's PT_LOAD, as vmlinux's first one */
	uint64_t percpu_base;           /* where .data..percpu starts (per-cpu offsets) */
	unsigned machine;               /* the file's e_machine: the dump's */
};

/* Write the ELF file to fd (at offset 0).  Every type of the BTF becomes a
 * DIE of one compile unit; the per-cpu variables of its .data..percpu
 * section become variables at percpu_base + their offset. */
struct pm_err *pm_btf_write_dwarf(const struct pm_btf *b, const struct pm_btf_dwarf_info *info,
				  int fd);

#endif
