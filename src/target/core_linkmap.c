/* Cores without NT_FILE (QEMU's linux-user mode writes only NT_PRSTATUS,
 * NT_PRPSINFO and NT_AUXV, and leaves file-backed text out): the file
 * table is rebuilt from the executable's program headers, placed by the
 * auxiliary vector's AT_ENTRY, and from the dynamic linker's link_map,
 * found through the executable's DT_DEBUG in the core's own memory. */
#include "core.h"
#include "resolve.h"
#include "../base/util.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_OBJECTS 4096        /* link_map entries walked at most */
/* In pointers (4 or 8 bytes): r_debug is int r_version, then struct
 * link_map *r_map; struct link_map is l_addr, l_name, l_ld, l_next. */
#define R_DEBUG_MAP 1
#define LM_NAME 1
#define LM_NEXT 3

struct elf_view {
	int fd;
	Elf *elf;
	GElf_Ehdr eh;
	size_t phnum;
};

static bool open_view(const char *path, unsigned machine, struct elf_view *v)
{
	/* the path comes from the core's link_map: a FIFO or a device there
	 * must not block pmdb, nor be read */
	struct stat st;
	v->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (v->fd >= 0 && (fstat(v->fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(v->fd);
		v->fd = -1;
	}
	v->elf = v->fd >= 0 ? elf_begin(v->fd, ELF_C_READ_MMAP, NULL) : NULL;
	if (v->elf && gelf_getehdr(v->elf, &v->eh) && v->eh.e_machine == machine &&
	    elf_getphdrnum(v->elf, &v->phnum) == 0)
		return true;
	elf_end(v->elf);
	if (v->fd >= 0)
		close(v->fd);
	return false;
}

static void close_view(struct elf_view *v)
{
	elf_end(v->elf);
	close(v->fd);
}

/* One object: its PT_LOAD file contents at bias, as NT_FILE would list them. */
static void add_object(struct pm_target *t, struct pm_core *c, const char *recorded,
		       const char *local, const struct elf_view *v, uint64_t bias)
{
	uint64_t page = 4096;
	bool found;
	uint64_t ps = pm_target_auxv(t, AT_PAGESZ, &found);
	if (found && ps >= 4096 && ps <= (1u << 20) && !(ps & (ps - 1)))
		page = ps;
	vec_reserve(&t->objects, &c->objects_cap, t->nobjects + 1, sizeof(*t->objects));
	struct pm_object *o = &t->objects[t->nobjects++];
	o->recorded = xstrdup(recorded);
	o->local = xstrdup(local);
	o->bias = bias;
	for (size_t i = 0; i < v->phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(v->elf, (int)i, &ph) || ph.p_type != PT_LOAD || ph.p_filesz == 0)
			continue;
		uint64_t start = (bias + ph.p_vaddr) & ~(page - 1);
		uint64_t end = (bias + ph.p_vaddr + ph.p_filesz + page - 1) & ~(page - 1);
		if (end <= start)
			continue;
		vec_reserve(&t->files, &c->files_cap, t->nfiles + 1, sizeof(*t->files));
		t->files[t->nfiles++] = (struct pm_ntfile){
			.start = start, .end = end, .offset = ph.p_offset & ~(page - 1), .path = o->recorded,
		};
	}
}

/* The executable: the user's, else the one AT_EXECFN names. */
static bool add_executable(struct pm_target *t, struct pm_core *c, const char *user_exe,
			   uint64_t *dyn, uint64_t *dynsz, char **interp)
{
	bool found;
	uint64_t execfn = pm_target_auxv(t, AT_EXECFN, &found);
	char *recorded = NULL;
	struct pm_err *err = found ? pm_target_read_str(t, execfn, 4096, &recorded) : NULL;
	pm_err_free(err);
	if (!recorded || !*recorded) {
		free(recorded);
		recorded = xstrdup(t->fname[0] ? t->fname : "a.out");
	}
	if (user_exe)
		pm_resolve_given(recorded, user_exe);
	char *local = pm_resolve_file(recorded, false, NULL, 0, NULL);
	struct elf_view v;
	uint64_t entry = pm_target_auxv(t, AT_ENTRY, &found);
	bool ok = local && found && open_view(local, t->arch->elf_machine, &v);
	if (ok) {
		uint64_t bias = v.eh.e_type == ET_DYN ? entry - v.eh.e_entry : 0;
		add_object(t, c, recorded, local, &v, bias);
		*dyn = *dynsz = 0;
		for (size_t i = 0; i < v.phnum; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(v.elf, (int)i, &ph))
				continue;
			if (ph.p_type == PT_DYNAMIC) {
				*dyn = bias + ph.p_vaddr;
				*dynsz = ph.p_memsz;
			} else if (ph.p_type == PT_INTERP && !*interp && ph.p_filesz > 1 && ph.p_filesz < 4096) {
				*interp = xcalloc(1, ph.p_filesz + 1);
				if (pread(v.fd, *interp, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
					(*interp)[0] = 0;
			}
		}
		close_view(&v);
	}
	free(local);
	free(recorded);
	return ok;
}

static void add_library(struct pm_target *t, struct pm_core *c, const char *name, uint64_t bias)
{
	for (size_t i = 0; i < t->nobjects; i++)
		if (t->objects[i].bias == bias && strcmp(t->objects[i].recorded, name) == 0)
			return;         /* a list that loops back */
	/* the vDSO's name is no file: it stays unresolved and is skipped */
	char *local = pm_resolve_file(name, true, NULL, 0, NULL);
	struct elf_view v;
	if (local && open_view(local, t->arch->elf_machine, &v)) {
		add_object(t, c, name, local, &v, bias);
		close_view(&v);
	}
	free(local);
}

/* The shared objects of the link_map after the executable's own entry.
 * The dynamic linker's entry names it with the executable's PT_INTERP
 * string, which is in text the core left out: it is placed at AT_BASE. */
static void add_libraries(struct pm_target *t, struct pm_core *c, uint64_t r_debug,
			  const char *interp)
{
	bool has_base;
	uint64_t base = pm_target_auxv(t, AT_BASE, &has_base);
	uint64_t lm = 0, w = t->arch->ptr_size;
	struct pm_err *err = pm_target_read_ptr(t, r_debug + R_DEBUG_MAP * w, &lm, "r_debug.r_map");
	for (size_t n = 0; !err && lm && n < MAX_OBJECTS; n++) {
		uint64_t addr, namep, next;
		char *name = NULL;
		if ((err = pm_target_read_ptr(t, lm, &addr, "link_map.l_addr")) ||
		    (err = pm_target_read_ptr(t, lm + LM_NAME * w, &namep, "link_map.l_name")) ||
		    (err = pm_target_read_ptr(t, lm + LM_NEXT * w, &next, "link_map.l_next")))
			break;
		struct pm_err *e2 = n && namep ? pm_target_read_str(t, namep, 4096, &name) : NULL;
		pm_err_free(e2);
		if (name && *name)
			add_library(t, c, name, addr);
		else if (n && has_base && addr == base && interp && *interp)
			add_library(t, c, interp, addr);
		free(name);
		if (next == lm)
			break;
		lm = next;
	}
	pm_err_free(err);
}

void pm_core_files_from_linkmap(struct pm_target *t, const char *user_exe)
{
	struct pm_core *c = t->priv;
	uint64_t dyn = 0, dynsz = 0;
	char *interp = NULL;
	if (add_executable(t, c, user_exe, &dyn, &dynsz, &interp)) {
		uint64_t r_debug = dyn ? pm_target_dt_debug(t, dyn, dynsz) : 0;
		if (r_debug)
			add_libraries(t, c, r_debug, interp);
	}
	free(interp);
}
