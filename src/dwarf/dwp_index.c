/* Reading .debug_cu_index (dwp_index.h).  The package is untrusted: the
 * counts are checked against the section size before any table is read,
 * and a lookup probes at most nslots slots. */
#include "dwp_index.h"
#include "../base/util.h"

#include <string.h>

/* Section ids of the GNU version 2 index and of DWARF 5's (DW_SECT_*). */
static const enum pm_dwp_sect v2_ids[] = {
	[1] = PM_DWP_INFO, [2] = PM_DWP_TYPES, [3] = PM_DWP_ABBREV, [4] = PM_DWP_LINE,
	[5] = PM_DWP_LOC, [6] = PM_DWP_STR_OFFSETS, [7] = PM_DWP_MACINFO, [8] = PM_DWP_MACRO,
};
static const enum pm_dwp_sect v5_ids[] = {
	[1] = PM_DWP_INFO, [2] = PM_DWP_NSECT, [3] = PM_DWP_ABBREV, [4] = PM_DWP_LINE,
	[5] = PM_DWP_LOCLISTS, [6] = PM_DWP_STR_OFFSETS, [7] = PM_DWP_MACRO, [8] = PM_DWP_RNGLISTS,
};

/* The index is read in the host's byte order: pmdb only accepts a package
 * in it (the caller checks). */

const char *pm_dwp_index_parse(struct pm_dwp_index *x, const void *data, size_t size)
{
	memset(x, 0, sizeof(*x));
	x->data = data;
	x->size = size;
	for (int i = 0; i < PM_DWP_NSECT; i++)
		x->col[i] = -1;
	if (size < 16)
		return "its unit index is shorter than its header";
	uint16_t v16;
	memcpy(&v16, x->data, 2);
	if (pm_le32(x->data) == 2)
		x->version = 2;
	else if (v16 == 5)
		x->version = 5;
	else
		return "its unit index has a version pmdb does not know (neither 2 nor 5)";
	x->ncols = pm_le32(x->data + 4);
	x->nunits = pm_le32(x->data + 8);
	x->nslots = pm_le32(x->data + 12);
	if (x->nunits == 0)
		return "its unit index lists no unit";
	if (x->ncols == 0 || x->ncols > 16)
		return "its unit index has an absurd column count";
	if (x->nslots == 0 || (x->nslots & (x->nslots - 1)) != 0 || x->nslots < x->nunits)
		return "its unit index has an absurd slot count";
	/* all in 64 bits: each count is below 2^32 */
	uint64_t need = 16 + (uint64_t)x->nslots * 12 + (uint64_t)x->ncols * 4 +
			2 * (uint64_t)x->nunits * x->ncols * 4;
	if (need > size)
		return "its unit index is truncated (its tables run past the section's end)";
	x->hash_off = 16;
	x->row_off = x->hash_off + (size_t)x->nslots * 8;
	x->offsets_off = x->row_off + (size_t)x->nslots * 4;
	x->sizes_off = x->offsets_off + (size_t)x->ncols * 4 + (size_t)x->nunits * x->ncols * 4;
	const enum pm_dwp_sect *ids = x->version == 5 ? v5_ids : v2_ids;
	for (uint32_t c = 0; c < x->ncols; c++) {
		uint32_t id = pm_le32(x->data + x->offsets_off + 4 * c);
		if (id == 0 || id > 8 || ids[id] == PM_DWP_NSECT)
			return "its unit index names a section pmdb does not know";
		if (x->col[ids[id]] != -1)
			return "its unit index names a section twice";
		x->col[ids[id]] = (int)c;
	}
	/* a GNU type-unit index has .debug_types where a unit index has .debug_info */
	if ((x->col[PM_DWP_INFO] < 0 && x->col[PM_DWP_TYPES] < 0) || x->col[PM_DWP_ABBREV] < 0)
		return "its unit index has no .debug_info, .debug_types or .debug_abbrev column";
	return NULL;
}

uint32_t pm_dwp_index_find(const struct pm_dwp_index *x, uint64_t id)
{
	uint64_t mask = x->nslots - 1;
	uint64_t h = id & mask, step = ((id >> 32) & mask) | 1;
	for (uint32_t n = 0; n < x->nslots; n++, h = (h + step) & mask) {
		uint32_t row = pm_le32(x->data + x->row_off + 4 * h);
		if (row == 0)
			return 0;
		if (pm_le64(x->data + x->hash_off + 8 * h) == id)
			return row <= x->nunits ? row : 0;
	}
	return 0;
}

bool pm_dwp_index_slot(const struct pm_dwp_index *x, uint32_t slot, uint64_t *id, uint32_t *row)
{
	if (slot >= x->nslots)
		return false;
	*row = pm_le32(x->data + x->row_off + 4 * (size_t)slot);
	*id = pm_le64(x->data + x->hash_off + 8 * (size_t)slot);
	return *row != 0 && *row <= x->nunits;
}

void pm_dwp_index_row(const struct pm_dwp_index *x, uint32_t row,
		      struct pm_dwp_contrib out[PM_DWP_NSECT])
{
	memset(out, 0, sizeof(struct pm_dwp_contrib) * PM_DWP_NSECT);
	if (row == 0 || row > x->nunits)
		return;
	size_t base = (size_t)(row - 1) * x->ncols * 4;
	for (int s = 0; s < PM_DWP_NSECT; s++) {
		if (x->col[s] < 0)
			continue;
		size_t c = (size_t)x->col[s] * 4;
		out[s].off = pm_le32(x->data + x->offsets_off + x->ncols * 4 + base + c);
		out[s].size = pm_le32(x->data + x->sizes_off + base + c);
		out[s].present = true;
	}
}
