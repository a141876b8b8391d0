/* DWARF packages (dwp.h): finding a module's .dwp, checking its unit
 * index against the module's skeleton units, and one libdw handle per
 * unit used, made on first use and kept for the session. */
#include "dwp.h"
#include "dwp_image.h"
#include "dwp_index.h"
#include "internal.h"
#include "../base/util.h"
#include "../target/looklog.h"
#include "../target/target.h"

#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct unit {
	Dwarf *dw;
	Elf *elf;
	void *img;
	Dwarf_Die die;           /* the unit's DIE */
	Dwarf_Die type;          /* a type unit's type */
	bool tried, ok;
};

struct pkg {
	Dwfl_Module *mod;
	char *path;              /* NULL: none found or not usable */
	int fd;
	Elf *elf;
	int elfclass;
	uint16_t machine;
	struct pm_dwp_index idx, tidx;   /* .debug_cu_index, .debug_tu_index */
	Elf_Data *sec[PM_DWP_NSECT], *str;
	struct unit *units;      /* by row - 1 */
	struct unit *tunits;     /* type units by row - 1; NULL: no usable index */
	bool tu_warned;
	/* where each unit's .debug_addr and .debug_ranges contributions
	 * start in the module (sorted): the next one bounds a unit's copy */
	uint64_t *addr_bases, *ranges_bases;
	size_t naddr, nranges;
	bool warned;
};

static struct pkg *pkgs;
static size_t npkgs, cappkgs;

/* The unit images opened, with their package's index in pkgs: a type
 * signature libdw cannot resolve inside an image is looked for in the
 * image's package. */
static struct owned {
	Dwarf *dw;
	size_t pkg;
} *owned;
static size_t nowned, capowned;

/* Names of the package's sections, by enum pm_dwp_sect. */
static const char *const sect_names[PM_DWP_NSECT] = {
	[PM_DWP_INFO] = ".debug_info.dwo", [PM_DWP_TYPES] = ".debug_types.dwo",
	[PM_DWP_ABBREV] = ".debug_abbrev.dwo", [PM_DWP_LINE] = ".debug_line.dwo",
	[PM_DWP_LOC] = ".debug_loc.dwo", [PM_DWP_LOCLISTS] = ".debug_loclists.dwo",
	[PM_DWP_STR_OFFSETS] = ".debug_str_offsets.dwo", [PM_DWP_MACINFO] = ".debug_macinfo.dwo",
	[PM_DWP_MACRO] = ".debug_macro.dwo", [PM_DWP_RNGLISTS] = ".debug_rnglists.dwo",
};

static void pkg_warn(struct pkg *p, const char *path, const char *why)
{
	if (p->warned)
		return;
	p->warned = true;
	pm_warn("split DWARF: %s: %s; not used", path, why);
}

static Elf_Data *section(Elf *elf, const char *want)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    !(name = elf_strptr(elf, shstrndx, sh.sh_name)) || strcmp(name, want) != 0)
			continue;
		if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
			return NULL;
		Elf_Data *d = elf_getdata(scn, NULL);
		return d && d->d_buf && d->d_size ? d : NULL;
	}
	return NULL;
}

static bool skeleton_id(Dwarf_Die *cu, uint64_t *id)
{
	uint8_t type;
	Dwarf_Half version;
	return dwarf_cu_info(cu->cu, &version, &type, NULL, NULL, id, NULL, NULL) == 0 &&
	       type == DW_UT_skeleton;
}

static bool attr_udata(Dwarf_Die *die, int a1, int a2, Dwarf_Word *v)
{
	Dwarf_Attribute a;
	return (dwarf_attr(die, a1, &a) || dwarf_attr(die, a2, &a)) && dwarf_formudata(&a, v) == 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Add the unit's base attribute, if any, to the array (grown as needed). */
static void note_base(Dwarf_Die *cudie, int a1, int a2, uint64_t **v, size_t *n, size_t *cap)
{
	Dwarf_Word base;
	if (!attr_udata(cudie, a1, a2, &base))
		return;
	vec_reserve(v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = base;
}

/* The end of the contribution that starts at BASE in a section of SIZE
 * bytes: the next unit's start, or the section's end.  Units' parts of
 * .debug_addr and .debug_ranges follow one another as the linker put the
 * objects together. */
static uint64_t contribution_end(const uint64_t *bases, size_t n, uint64_t base, uint64_t size)
{
	size_t next = pm_count_le(bases, n, sizeof(*bases), 0, base);
	return next < n && bases[next] < size ? bases[next] : size;
}

/* .debug_tu_index, when the package has type units (gcc
 * -fdebug-types-section): a damaged one costs the types, not the package. */
static void check_type_units(struct pkg *p, const char *path)
{
	Elf_Data *ix = section(p->elf, ".debug_tu_index");
	/* binutils' dwp writes an empty one when there are no type units */
	if (!ix || (ix->d_size >= 12 && pm_le32((const char *)ix->d_buf + 8) == 0))
		return;
	const char *why = pm_dwp_index_parse(&p->tidx, ix->d_buf, ix->d_size);
	int body = p->tidx.col[PM_DWP_TYPES] >= 0 ? PM_DWP_TYPES : PM_DWP_INFO;
	if (!why && p->tidx.col[body] < 0)
		why = "it has no column for the units' bodies";
	for (int s = 0; s < PM_DWP_NSECT && !why; s++)
		if (p->tidx.col[s] >= 0 && !p->sec[s] && !(p->sec[s] = section(p->elf, sect_names[s])))
			why = "it names a section the file does not have";
	if (why) {
		/* the package's compile units are still used */
		pm_warn("split DWARF: %s: its type unit index (.debug_tu_index): %s; the types in type "
			"units are not available", path, why);
		return;
	}
	p->tunits = xcalloc(p->tidx.nunits, sizeof(*p->tunits));
}

/* The index's sections, and whether any skeleton of the module is in it:
 * a package built from other objects is reported, not used. */
static const char *check(struct pkg *p, const char *path)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(p->elf, &eh))
		return "not an ELF file";
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
#else
	if (eh.e_ident[EI_DATA] != ELFDATA2MSB)
#endif
		return "its byte order is not this machine's";
	p->elfclass = eh.e_ident[EI_CLASS];
	p->machine = eh.e_machine;
	Elf_Data *ix = section(p->elf, ".debug_cu_index");
	if (!ix)
		return "it has no .debug_cu_index";
	const char *why = pm_dwp_index_parse(&p->idx, ix->d_buf, ix->d_size);
	if (why)
		return why;
	if (p->idx.col[PM_DWP_INFO] < 0)
		return "its unit index has no .debug_info column";
	for (int s = 0; s < PM_DWP_NSECT; s++)
		if (p->idx.col[s] >= 0 && s != PM_DWP_TYPES && !(p->sec[s] = section(p->elf, sect_names[s])))
			return "its unit index names a section the file does not have";
	p->str = section(p->elf, ".debug_str.dwo");
	check_type_units(p, path);
	Dwarf_Addr bias;
	Dwarf *dw = dwfl_module_getdwarf(p->mod, &bias);
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	size_t skeletons = 0, found = 0, units = 0, capaddr = 0, capranges = 0;
	uint8_t type;
	while (dw && units++ < 1000000 && skeletons < 100000 &&
	       dwarf_get_units(dw, cu, &cu, NULL, &type, &cudie, NULL) == 0) {
		uint64_t id;
		note_base(&cudie, DW_AT_addr_base, DW_AT_GNU_addr_base, &p->addr_bases, &p->naddr, &capaddr);
		note_base(&cudie, DW_AT_GNU_ranges_base, DW_AT_GNU_ranges_base, &p->ranges_bases,
			  &p->nranges, &capranges);
		if (type != DW_UT_skeleton || !skeleton_id(&cudie, &id))
			continue;
		skeletons++;
		found += pm_dwp_index_find(&p->idx, id) != 0;
	}
	if (p->naddr)
		qsort(p->addr_bases, p->naddr, sizeof(*p->addr_bases), cmp_u64);
	if (p->nranges)
		qsort(p->ranges_bases, p->nranges, sizeof(*p->ranges_bases), cmp_u64);
	if (skeletons && !found)
		return "none of its units is one this module's skeleton units name (their DWO ids differ)";
	p->units = xcalloc(p->idx.nunits, sizeof(*p->units));
	return NULL;
}

static bool try_path(struct pkg *p, const char *mname, const char *place, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pm_looklog_add(mname, PM_LOOK_DEBUG, place, path, strerror(errno));
		return false;
	}
	p->fd = fd;
	p->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	const char *why = p->elf ? check(p, path) : "not an ELF file";
	if (why) {
		pm_looklog_add(mname, PM_LOOK_DEBUG, place, path, why);
		pkg_warn(p, path, why);
		return true;     /* found but unusable: gdb stops at the first too */
	}
	char *used = xasprintf("used (%u units, index version %u)", p->idx.nunits, p->idx.version);
	pm_looklog_add(mname, PM_LOOK_DEBUG, place, path, used);
	free(used);
	p->path = xstrdup(path);
	return true;
}

/* gdb's places: the file's name + ".dwp" beside it, beside the debug
 * file in use, then in each debug folder. */
static void find(struct pkg *p)
{
	const char *mname, *mainfile = NULL, *debugfile = NULL;
	mname = dwfl_module_info(p->mod, NULL, NULL, NULL, NULL, NULL, &mainfile, &debugfile);
	mainfile = pm_module_file(mname, mainfile);
	if (!mname || !mainfile)
		return;
	const char *base = strrchr(mainfile, '/');
	base = base ? base + 1 : mainfile;
	char *tries[3] = { xasprintf("%s.dwp", mainfile), NULL, NULL };
	const char *places[3] = { "dwp (beside)", "dwp (debug)", "dwp (debug)" };
	if (debugfile) {
		size_t n = strlen(debugfile);
		if (n > 6 && strcmp(debugfile + n - 6, ".debug") == 0)
			tries[1] = xasprintf("%.*s.dwp", (int)(n - 6), debugfile);
		tries[2] = xasprintf("%s.dwp", debugfile);
	}
	bool done = false;
	for (int i = 0; i < 3 && !done; i++)
		done = tries[i] && try_path(p, mname, places[i], tries[i]);
	const char *const *dirs;
	size_t ndirs = pm_dwarf_search_dirs(&dirs);
	for (size_t i = 0; i < ndirs && !done; i++) {
		char *path = xasprintf("%s/%s.dwp", dirs[i], base);
		done = try_path(p, mname, "dwp (debug dir)", path);
		free(path);
	}
	for (int i = 0; i < 3; i++)
		free(tries[i]);
}

static struct pkg *pkg_of(Dwfl_Module *mod)
{
	for (size_t i = 0; i < npkgs; i++)
		if (pkgs[i].mod == mod)
			return &pkgs[i];
	vec_reserve(&pkgs, &cappkgs, npkgs + 1, sizeof(*pkgs));
	struct pkg *p = &pkgs[npkgs++];
	memset(p, 0, sizeof(*p));
	p->mod = mod;
	p->fd = -1;
	find(p);
	return p;
}

/* Part [off, off+size) of D, or false when it is not inside D. */
static bool slice(const Elf_Data *d, uint64_t off, uint64_t size, struct pm_dwp_part *part)
{
	if (!d || off > d->d_size || size > d->d_size - off)
		return false;
	part->data = (const unsigned char *)d->d_buf + off;
	part->size = size;
	return true;
}


/* The skeleton's .debug_addr entries, from its DW_AT_addr_base to the end
 * of its contribution (DWARF 5's header says where; else the section's
 * end): the split unit's address indexes count from there. */
static bool addr_part(const struct pkg *p, Dwarf_Die *skel, Elf *selp, struct pm_dwp_part *part)
{
	Elf_Data *d = section(selp, ".debug_addr");
	Dwarf_Word base;
	if (!d || !attr_udata(skel, DW_AT_addr_base, DW_AT_GNU_addr_base, &base) || base > d->d_size)
		return false;
	uint64_t end = contribution_end(p->addr_bases, p->naddr, base, d->d_size);
	uint32_t len;
	uint16_t ver;
	if (base >= 8) {
		memcpy(&len, (const char *)d->d_buf + base - 8, 4);
		memcpy(&ver, (const char *)d->d_buf + base - 4, 2);
		if (ver == 5 && len >= 4 && len - 4 <= d->d_size - base && base + (len - 4) < end)
			end = base + (len - 4);
	}
	return slice(d, base, end - base, part);
}

/* GNU split DWARF 4: the split unit's DW_AT_ranges are offsets from the
 * skeleton's DW_AT_GNU_ranges_base into the skeleton's .debug_ranges, and
 * their pairs count from the skeleton's DW_AT_low_pc, which the unlinked
 * split unit does not see: the copy adds it. */
static unsigned char *ranges_part(const struct pkg *p, Dwarf_Die *skel, Elf *selp, int addr_size,
				  struct pm_dwp_part *part)
{
	Elf_Data *d = section(selp, ".debug_ranges");
	Dwarf_Word base;
	if (!d || !attr_udata(skel, DW_AT_GNU_ranges_base, DW_AT_GNU_ranges_base, &base) ||
	    base > d->d_size ||
	    !slice(d, base, contribution_end(p->ranges_bases, p->nranges, base, d->d_size) - base, part))
		return NULL;
	unsigned char *copy = xmalloc(part->size ? part->size : 1);
	memcpy(copy, part->data, part->size);
	part->data = copy;
	Dwarf_Addr low = 0;
	if (dwarf_lowpc(skel, &low) != 0 || low == 0)
		return copy;
	bool based = false;
	for (size_t o = 0; o + 2 * (size_t)addr_size <= part->size; o += 2 * (size_t)addr_size) {
		uint64_t b = 0, e = 0;
		if (addr_size == 8) {
			memcpy(&b, copy + o, 8);
			memcpy(&e, copy + o + 8, 8);
		} else {
			uint32_t b4, e4;
			memcpy(&b4, copy + o, 4);
			memcpy(&e4, copy + o + 4, 4);
			b = b4;
			e = e4;
		}
		uint64_t max = addr_size == 8 ? UINT64_MAX : UINT32_MAX;
		if (b == 0 && e == 0)
			based = false;
		else if (b == max)
			based = true;
		else if (!based) {
			b += low;
			e += low;
			if (addr_size == 8) {
				memcpy(copy + o, &b, 8);
				memcpy(copy + o + 8, &e, 8);
			} else {
				uint32_t b4 = (uint32_t)b, e4 = (uint32_t)e;
				memcpy(copy + o, &b4, 4);
				memcpy(copy + o + 4, &e4, 4);
			}
		}
	}
	return copy;
}

/* A DWARF 4 type unit, alone in an image's .debug_types.dwo: libdw's
 * dwarf_get_units starts from a .debug_info the image does not have. */
static const char *open_types_unit(struct unit *u, uint64_t id)
{
	Dwarf_Off next, type_off;
	size_t hsize;
	uint64_t sig;
	if (dwarf_next_unit(u->dw, 0, &next, &hsize, NULL, NULL, NULL, NULL, &sig, &type_off) != 0 ||
	    !dwarf_offdie_types(u->dw, hsize, &u->die) || !dwarf_offdie_types(u->dw, type_off, &u->type))
		return "a type unit libdw cannot read";
	return sig == id ? NULL : "a type unit whose signature is not the one its index row gives";
}

/* The image of row ROW of index X (the package's CU or TU index), opened
 * with libdw: the row's contributions, its strings, and for a split
 * compile unit the skeleton SKEL's address and range parts.  NULL, or why
 * the package's contributions do not make the unit ID. */
static const char *open_image(struct pkg *p, const struct pm_dwp_index *x, struct unit *u, uint32_t row,
			      uint64_t id, Dwarf_Die *skel)
{
	struct pm_dwp_contrib c[PM_DWP_NSECT];
	pm_dwp_index_row(x, row, c);
	struct pm_dwp_part parts[PM_DWP_NSECT + 3];
	size_t n = 0;
	for (int s = 0; s < PM_DWP_NSECT; s++) {
		if (!c[s].present || s == PM_DWP_STR_OFFSETS || (s == PM_DWP_TYPES && skel))
			continue;
		parts[n].name = sect_names[s];
		if (!slice(p->sec[s], c[s].off, c[s].size, &parts[n]))
			return "a unit's contribution lies past its section's end";
		n++;
	}
	unsigned char *offs = NULL, *str = NULL, *ranges = NULL;
	if (c[PM_DWP_STR_OFFSETS].present) {
		struct pm_dwp_part so;
		size_t nstr;
		if (!p->str || !slice(p->sec[PM_DWP_STR_OFFSETS], c[PM_DWP_STR_OFFSETS].off,
				      c[PM_DWP_STR_OFFSETS].size, &so))
			return "a unit's string offsets lie past their section's end";
		const char *why = pm_dwp_unit_strings(so.data, so.size, x->version == 5, p->str->d_buf,
						      p->str->d_size, &offs, &str, &nstr);
		if (why)
			return why;
		parts[n++] = (struct pm_dwp_part){ ".debug_str_offsets.dwo", offs, so.size };
		parts[n++] = (struct pm_dwp_part){ ".debug_str.dwo", str, nstr };
	}
	Elf *selp = skel ? dwarf_getelf(dwarf_cu_getdwarf(skel->cu)) : NULL;
	if (selp && addr_part(p, skel, selp, &parts[n]))
		parts[n++].name = ".debug_addr.dwo";
	Dwarf_Half version = 0;
	uint8_t asize = 8;
	if (skel) {
		dwarf_cu_info(skel->cu, &version, NULL, NULL, NULL, NULL, NULL, NULL);
		Dwarf_Die tmp;
		dwarf_diecu(skel, &tmp, &asize, NULL);
	}
	if (version && version < 5 && selp && (ranges = ranges_part(p, skel, selp, asize, &parts[n])))
		parts[n++].name = ".debug_ranges.dwo";
	size_t size;
	u->img = pm_dwp_image(p->elfclass, p->machine, parts, n, &size);
	free(offs);
	free(str);
	free(ranges);
	u->elf = elf_memory(u->img, size);
	u->dw = u->elf ? dwarf_begin_elf(u->elf, DWARF_C_READ, NULL) : NULL;
	if (u->dw) {
		vec_reserve(&owned, &capowned, nowned + 1, sizeof(*owned));
		owned[nowned++] = (struct owned){ u->dw, (size_t)(p - pkgs) };
	}
	if (u->dw && !skel && x->col[PM_DWP_TYPES] >= 0)
		return open_types_unit(u, id);
	Dwarf_CU *cu = NULL;
	uint8_t type;
	uint64_t uid = 0;
	if (!u->dw || dwarf_get_units(u->dw, NULL, &cu, NULL, &type, &u->die, &u->type) != 0)
		return "a unit libdw cannot read";
	bool want = skel ? type == DW_UT_split_compile : type == DW_UT_type || type == DW_UT_split_type;
	if (!want || dwarf_cu_info(cu, NULL, NULL, NULL, NULL, &uid, NULL, NULL) != 0 || uid != id)
		return skel ? "a unit whose DWO id is not the one its index row gives"
			    : "a type unit whose signature is not the one its index row gives";
	return NULL;
}

/* Type unit ROW (1-based) of P, signature SIG, opened on first use; NULL
 * if unusable. */
static struct unit *type_unit(struct pkg *p, uint32_t row, uint64_t sig)
{
	struct unit *u = &p->tunits[row - 1];
	if (!u->tried) {
		u->tried = true;
		const char *why = open_image(p, &p->tidx, u, row, sig, NULL);
		u->ok = !why;
		if (why && !p->tu_warned) {
			p->tu_warned = true;
			pm_warn("split DWARF: %s: type unit %016" PRIx64 ": %s; the types it holds are not "
				"available", p->path, sig, why);
		}
	}
	return u->ok ? u : NULL;
}

bool pm_dwp_owns(Dwarf *dw)
{
	for (size_t i = 0; i < nowned; i++)
		if (owned[i].dw == dw)
			return true;
	return false;
}

bool pm_dwp_type_unit(Dwarf_Attribute *a, Dwarf_Die *out)
{
	Dwarf *dw = a && a->cu ? dwarf_cu_getdwarf(a->cu) : NULL;
	for (size_t i = 0; dw && i < nowned; i++) {
		struct pkg *p = &pkgs[owned[i].pkg];
		if (owned[i].dw != dw || !p->tunits)
			continue;
		uint64_t sig = pm_le64(a->valp);
		uint32_t row = pm_dwp_index_find(&p->tidx, sig);
		struct unit *u = row ? type_unit(p, row, sig) : NULL;
		if (u)
			*out = u->type;
		return u != NULL;
	}
	return false;
}

bool pm_dwp_each_type_unit(Dwfl_Module *mod, bool (*fn)(Dwarf_Die *unit, void *arg), void *arg)
{
	/* only a module with skeleton units has a package: looking for one
	 * beside every other module would fill ::modinfo's look log */
	if (!mod || !pm_dwp_path(mod))
		return false;
	struct pkg *p = pkg_of(mod);
	if (!p->tunits)
		return false;
	for (uint32_t slot = 0; slot < p->tidx.nslots; slot++) {
		uint64_t sig;
		uint32_t row;
		struct unit *u = pm_dwp_index_slot(&p->tidx, slot, &sig, &row) ? type_unit(p, row, sig) : NULL;
		if (u && fn(&u->die, arg))
			return true;
	}
	return false;
}

bool pm_dwp_split(Dwfl_Module *mod, Dwarf_Die *skel, Dwarf_Die *out)
{
	uint64_t id;
	if (!mod || !skeleton_id(skel, &id))
		return false;
	struct pkg *p = pkg_of(mod);
	uint32_t row;
	if (!p->path || !(row = pm_dwp_index_find(&p->idx, id)))
		return false;
	struct unit *u = &p->units[row - 1];
	if (!u->tried) {
		u->tried = true;
		const char *why = open_image(p, &p->idx, u, row, id, skel);
		u->ok = !why;
		if (why)
			pkg_warn(p, p->path, why);
	}
	if (u->ok)
		*out = u->die;
	return u->ok;
}

const char *pm_dwp_path(Dwfl_Module *mod)
{
	Dwarf_Addr bias;
	Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, sub;
	uint8_t type;
	/* libdw looks for .dwo files as each unit is asked for: the first
	 * skeleton tells whether this module needs a package.  A few units
	 * built without split DWARF may come first; a module whose first
	 * hundreds are such (libc's debug file) has none. */
	for (int n = 0; n < 256 && dw && dwarf_get_units(dw, cu, &cu, NULL, &type, &cudie, NULL) == 0; n++) {
		if (type != DW_UT_skeleton)
			continue;
		if (dwarf_cu_info(cu, NULL, NULL, NULL, &sub, NULL, NULL, NULL) == 0 &&
		    dwarf_tag(&sub) == DW_TAG_compile_unit)
			return NULL;
		return pkg_of(mod)->path;
	}
	return NULL;
}

void pm_dwp_end(void)
{
	for (size_t i = 0; i < npkgs; i++) {
		struct pkg *p = &pkgs[i];
		for (uint32_t r = 0; p->units && r < p->idx.nunits; r++) {
			dwarf_end(p->units[r].dw);
			elf_end(p->units[r].elf);
			free(p->units[r].img);
		}
		free(p->units);
		for (uint32_t r = 0; p->tunits && r < p->tidx.nunits; r++) {
			dwarf_end(p->tunits[r].dw);
			elf_end(p->tunits[r].elf);
			free(p->tunits[r].img);
		}
		free(p->tunits);
		free(p->addr_bases);
		free(p->ranges_bases);
		elf_end(p->elf);
		if (p->fd >= 0)
			close(p->fd);
		free(p->path);
	}
	free(pkgs);
	pkgs = NULL;
	npkgs = cappkgs = 0;
	free(owned);
	owned = NULL;
	nowned = capowned = 0;
}
