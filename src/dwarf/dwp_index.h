/* The unit index of a DWARF package (.dwp): .debug_cu_index, in the
 * DWARF 5 layout (version 5) or the GNU one (version 2) that binutils'
 * dwp and llvm-dwp write for DWARF 4.  A hash table of DWO ids leads to
 * a row; the row gives, per section column, the offset and size of the
 * unit's contribution to that section of the package. */
#ifndef PM_DWP_INDEX_H
#define PM_DWP_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The sections a unit contributes to, whatever the index version calls
 * them (DW_SECT_* numbers differ between version 2 and 5). */
enum pm_dwp_sect {
	PM_DWP_INFO, PM_DWP_TYPES, PM_DWP_ABBREV, PM_DWP_LINE, PM_DWP_LOC, PM_DWP_LOCLISTS,
	PM_DWP_STR_OFFSETS, PM_DWP_MACINFO, PM_DWP_MACRO, PM_DWP_RNGLISTS, PM_DWP_NSECT
};

struct pm_dwp_index {
	const unsigned char *data;
	size_t size;
	unsigned version;             /* 2 or 5 */
	uint32_t ncols, nunits, nslots;
	int col[PM_DWP_NSECT];        /* column of each section, -1 if none */
	size_t hash_off, row_off, offsets_off, sizes_off;
};

struct pm_dwp_contrib {
	uint64_t off, size;
	bool present;
};

/* Checks the header and that every table lies inside the section.  NULL,
 * or why the index cannot be used (a static string). */
const char *pm_dwp_index_parse(struct pm_dwp_index *x, const void *data, size_t size);
/* The row (1-based) holding unit ID, or 0. */
uint32_t pm_dwp_index_find(const struct pm_dwp_index *x, uint64_t id);
/* Slot SLOT (< nslots) of the hash table: false when empty, else the
 * unit's id and its row (1-based, checked against nunits). */
bool pm_dwp_index_slot(const struct pm_dwp_index *x, uint32_t slot, uint64_t *id, uint32_t *row);
/* Row ROW's contribution to each section. */
void pm_dwp_index_row(const struct pm_dwp_index *x, uint32_t row,
		      struct pm_dwp_contrib out[PM_DWP_NSECT]);

#endif
