/* Private to the core-file target. */
#ifndef PM_CORE_H
#define PM_CORE_H

#include <gelf.h>

#include "target.h"
#include "memmap.h"
#include "pagecache.h"

struct pm_core {
	int fd;
	Elf *elf;
	struct pm_backing core_backing;   /* the core file itself, read through: */
	struct pm_pagecache core_pages;
	struct pm_backing *files;         /* one per distinct NT_FILE path */
	size_t nbackings;
	size_t files_cap, objects_cap;    /* t->files, t->objects made by core_linkmap.c */
};

void pm_core_note(struct pm_target *t, const char *owner, unsigned type,
		  const unsigned char *desc, size_t len);
/* Build t->maps from PT_LOAD and NT_FILE and fill t->mem; chooses the
 * executable (pm_core_find_exe) once the core's own bytes are in. */
void pm_core_build_maps(struct pm_target *t, const char *user_exe);
/* Choose the executable: the user's, or found from NT_FILE / auxv. */
void pm_core_find_exe(struct pm_target *t, const char *user_exe);

/* A core without NT_FILE: t->files and t->objects from the executable
 * and the dynamic linker's link_map (core_linkmap.c). */
void pm_core_files_from_linkmap(struct pm_target *t, const char *user_exe);

/* Kernel dumps in kdump-compressed or flattened format (kdump.c). */
struct pm_err *pm_kdump_open(const char *path, bool flattened, struct pm_target **out);

/* /proc/kcore (kcore.c): is fd the running kernel's core; then, before
 * the kernel is attached, live reads and no placeholder thread. */
bool pm_kcore_is(int fd, const char *path);
void pm_kcore_prepare(struct pm_target *t, struct pm_core *c);
/* After it: the kernel's virtual memory as it is at each read. */
void pm_kcore_finish(struct pm_target *t, struct pm_core *c, size_t phnum);

#endif
