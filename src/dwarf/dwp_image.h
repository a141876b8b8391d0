/* One unit of a DWARF package as an ELF file in memory, for libdw
 * (elfutils before 0.191 cannot read a .dwp): each of the unit's
 * contributions becomes a whole section, so the bases libdw assumes for
 * an unlinked split unit (the start of each section, after its header)
 * are the unit's own. */
#ifndef PM_DWP_IMAGE_H
#define PM_DWP_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct pm_dwp_part {
	const char *name;       /* ".debug_info.dwo", ... */
	const void *data;
	size_t size;
};

/* A malloc'd ELF image of class ELFCLASS (host byte order) holding the
 * parts as sections, its size in *size. */
void *pm_dwp_image(int elfclass, uint16_t machine, const struct pm_dwp_part *parts, size_t n,
		   size_t *size);

/* The unit's strings on their own: from its .debug_str_offsets
 * contribution OFFS (a DWARF 5 header first when V5) into the package's
 * shared .debug_str.dwo STR, a new string section (*str) and offsets
 * table pointing into it (*new_offs, same layout and size as OFFS), both
 * malloc'd.  NULL, or why not (a static string). */
const char *pm_dwp_unit_strings(const unsigned char *offs, size_t noffs, int v5,
				const unsigned char *str, size_t nstr, unsigned char **new_offs,
				unsigned char **new_str, size_t *new_nstr);

#endif
