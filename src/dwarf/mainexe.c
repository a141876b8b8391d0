/* The executable the user named, in place of the file the core names.
 *
 * For a program with no link_map entry for itself (static, non-PIE or
 * PIE), libdwfl opens the path in the core's NT_FILE note when that file's
 * build-id matches (or either has none) and never asks find_elf.  A
 * stripped binary installed there then hides the unstripped one the user
 * gave on the command line, as gdb would use it: no symbols, no DWARF.  The
 * module is reported again from the user's file, with the same name and
 * load bias, unless their build-ids differ (the core's file is then the
 * right one, and the target layer has already said the given one is not). */
#include "internal.h"
#include "reround.h"
#include "../target/target.h"
#include "../base/util.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct scan {
	const char *recorded;     /* the executable's name in the core */
	Dwfl_Module *exe;         /* its module, once found */
};

static int find_exe(Dwfl_Module *mod, void **ud, const char *name, Dwarf_Addr start, void *arg)
{
	(void)ud;
	(void)start;
	struct scan *s = arg;
	if (name && strcmp(name, s->recorded) == 0) {
		s->exe = mod;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

static bool is_module(Dwfl_Module *mod, Dwarf_Addr lo, Dwarf_Addr hi, void *arg)
{
	(void)lo;
	(void)hi;
	return mod == arg;
}

static bool same_file(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra && rb && strcmp(ra, rb) == 0;
	free(ra);
	free(rb);
	return same;
}

/* The given file's build-id differs from the one libdwfl's file has. */
static bool other_build(Elf *in_use, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	const void *a, *b;
	ssize_t na = in_use ? dwelf_elf_gnu_build_id(in_use, &a) : -1;
	ssize_t nb = e ? dwelf_elf_gnu_build_id(e, &b) : -1;
	bool differ = !e || (na > 0 && nb > 0 && (na != nb || memcmp(a, b, (size_t)na) != 0));
	elf_end(e);
	close(fd);
	return differ;
}

void pm_mainexe_prefer_given(struct pm_dwarf *d)
{
	const struct pm_target *t = d->t;
	if (!t->exe_path || !t->exe_name)
		return;
	struct scan s = { .recorded = t->exe_name };
	dwfl_getmodules(d->dwfl, find_exe, &s, 0);
	const char *file = NULL;
	Dwarf_Addr bias = 0;
	Elf *elf = NULL;
	if (s.exe) {
		/* libdwfl names no file for the one it opened itself */
		dwfl_module_info(s.exe, NULL, NULL, NULL, NULL, NULL, &file, NULL);
		elf = dwfl_module_getelf(s.exe, &bias);
	}
	if (!s.exe || !elf || same_file(file ? file : t->exe_name, t->exe_path) ||
	    other_build(elf, t->exe_path))
		return;
	/* a round without the executable drops its module; the next adds it
	 * back from the given file */
	pm_reround_begin(d->dwfl, is_module, s.exe);
	dwfl_report_end(d->dwfl, NULL, NULL);
	dwfl_report_begin_add(d->dwfl);
	if (!dwfl_report_elf(d->dwfl, t->exe_name, t->exe_path, -1, bias, false))
		pm_warn("%s: %s", t->exe_path, dwfl_errmsg(-1));
	dwfl_report_end(d->dwfl, NULL, NULL);
}
