/* A core's memory: PT_LOAD contents from the core, and the parts the kernel
 * left out (p_filesz < p_memsz: unmodified file-backed text) from the files
 * NT_FILE names, when their build-id matches the image in the core. */
#include "core.h"
#include "buildid.h"
#include "resolve.h"
#include "../base/util.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

static const struct pm_ntfile *ntfile_at(const struct pm_target *t, uint64_t addr)
{
	for (size_t i = 0; i < t->nfiles; i++)
		if (addr >= t->files[i].start && addr < t->files[i].end)
			return &t->files[i];
	return NULL;
}

/* The build-id of the image the core holds for the file recorded as
 * PATH (its first page is saved), or 0. */
static size_t recorded_id(struct pm_target *t, const char *path, unsigned char *id, size_t max)
{
	for (size_t i = 0; i < t->nfiles; i++)
		if (t->files[i].offset == 0 && strcmp(t->files[i].path, path) == 0)
			return pm_buildid_from_memory(t, t->files[i].start, id, max);
	return 0;
}

/* Needs the core's own memory in t->mem, for the build-id check. */
void pm_core_find_exe(struct pm_target *t, const char *user_exe)
{
	bool found;
	const struct pm_ntfile *f = NULL;
	uint64_t entry = pm_target_auxv(t, AT_ENTRY, &found);
	if (found)
		f = ntfile_at(t, entry);
	if (!f) {
		uint64_t phdr = pm_target_auxv(t, AT_PHDR, &found);
		if (found)
			f = ntfile_at(t, phdr);
	}
	if (f)
		t->exe_name = xstrdup(f->path);
	else if (t->fname[0])
		t->exe_name = xstrdup(t->fname);
	if (user_exe && t->exe_name)
		pm_resolve_given(t->exe_name, user_exe);

	char *local = NULL;
	if (f) {
		unsigned char id[64];
		size_t idlen = recorded_id(t, f->path, id, sizeof(id));
		local = pm_resolve_file(f->path, false, id, idlen, NULL);
	}
	if (user_exe) {
		t->exe_path = xstrdup(user_exe);
		free(local);
	} else if (local) {
		t->exe_path = local;
	} else {
		pm_warn("executable %s is not on disk: give it as 'pmdb EXECUTABLE CORE'%s",
			t->exe_name ? t->exe_name : "(unknown)",
			pm_resolve_sysroot() ? " or put it under --sysroot" : "");
	}
}

/* The backing for the file recorded as PATH: the file found for it here
 * (resolve.c: --sysroot, --solib-path, the path itself) with the
 * build-id of the image in the core, or one marked unusable. */
static struct pm_backing *backing_for(struct pm_target *t, const char *path)
{
	struct pm_core *c = t->priv;
	unsigned char id[64];
	size_t idlen = recorded_id(t, path, id, sizeof(id));
	bool mismatch = false;
	char *lp = pm_resolve_file(path, !t->exe_name || strcmp(path, t->exe_name) != 0, id, idlen,
				   &mismatch);
	const char *key = lp ? lp : path;
	for (size_t i = 0; i < c->nbackings; i++)
		if (strcmp(c->files[i].path, key) == 0) {
			free(lp);
			return &c->files[i];
		}
	/* Pointers into c->files are handed out: size it once, up front. */
	if (!c->files)
		c->files = xcalloc(t->nfiles + 1, sizeof(*c->files));
	struct pm_backing *b = &c->files[c->nbackings++];
	b->path = lp ? lp : xstrdup(path);
	if (!lp) {
		b->state = -1;
		b->why = xstrdup(mismatch ? "build-id mismatch" : "not on disk");
	} else {
		pm_backing_open(b);
	}
	if (b->state < 0 && !mismatch)
		pm_warn("%s is mapped in the core but cannot be read (%s): its unsaved contents are not available",
			path, b->why);
	return b;
}

static void add_file_parts(struct pm_target *t, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < t->nfiles; i++) {
		const struct pm_ntfile *f = &t->files[i];
		uint64_t s = start > f->start ? start : f->start;
		uint64_t e = end < f->end ? end : f->end;
		if (s >= e)
			continue;
		struct pm_backing *b = backing_for(t, f->path);
		if (b->state > 0)
			pm_memmap_add(&t->mem, s, e, b, f->offset + (s - f->start));
	}
}

/* Name the mappings that have no file: the thread stacks, the vDSO, the
 * brk heap (the first writable anonymous mapping within 1 GiB after the
 * executable: x86-64 kernels randomize brk over 1 GiB, 32 MiB for ia32). */
static void label_maps(struct pm_target *t)
{
	bool has_vdso;
	uint64_t vdso = pm_target_auxv(t, AT_SYSINFO_EHDR, &has_vdso);
	uint64_t exe_end = 0;
	bool heap_named = false;
	for (size_t i = 0; i < t->nmaps; i++)
		if (t->maps[i].path && t->exe_name && strcmp(t->maps[i].path, t->exe_name) == 0)
			exe_end = t->maps[i].end;
	for (size_t i = 0; i < t->nmaps; i++) {
		struct pm_mapping *m = &t->maps[i];
		if (m->path)
			continue;
		if (pm_target_label_stack(t, m))
			continue;
		if (has_vdso && m->start == vdso)
			snprintf(m->label, sizeof(m->label), "[ vdso ]");
		else if (m->start == 0xffffffffff600000ULL)
			snprintf(m->label, sizeof(m->label), "[ vsyscall ]");
		else if (!heap_named && exe_end && m->start >= exe_end &&
			 m->start - exe_end < 0x40000000 && (m->prot & PF_W)) {
			snprintf(m->label, sizeof(m->label), "[ heap ]");
			heap_named = true;
		} else
			snprintf(m->label, sizeof(m->label), "[ anon ]");
	}
}

void pm_core_build_maps(struct pm_target *t, const char *user_exe)
{
	struct pm_core *c = t->priv;
	size_t phnum = 0;
	elf_getphdrnum(c->elf, &phnum);
	uint64_t fsize = c->core_backing.size;
	bool warned_trunc = false;

	/* First the core's own bytes, so build-ids can be read from them. */
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(c->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		uint64_t filesz = ph.p_filesz < ph.p_memsz ? ph.p_filesz : ph.p_memsz;
		if (ph.p_offset + filesz > fsize && !warned_trunc) {
			pm_warn("core file is truncated: %llu bytes, but its segments need %llu; memory from 0x%llx on is missing",
				(unsigned long long)fsize,
				(unsigned long long)(ph.p_offset + filesz),
				(unsigned long long)(ph.p_vaddr + (fsize > ph.p_offset ? fsize - ph.p_offset : 0)));
			warned_trunc = true;
		}
		pm_memmap_add(&t->mem, ph.p_vaddr, ph.p_vaddr + filesz, &c->core_backing, ph.p_offset);
	}
	pm_memmap_finish(&t->mem);
	if (t->nfiles == 0)
		pm_core_files_from_linkmap(t, user_exe);
	pm_core_find_exe(t, user_exe);

	t->maps = xcalloc(phnum + 1, sizeof(*t->maps));
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(c->elf, (int)i, &ph) || ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		uint64_t filesz = ph.p_filesz < ph.p_memsz ? ph.p_filesz : ph.p_memsz;
		if (ph.p_offset + filesz > fsize)
			filesz = fsize > ph.p_offset ? fsize - ph.p_offset : 0;
		struct pm_mapping *m = &t->maps[t->nmaps++];
		m->start = ph.p_vaddr;
		m->end = ph.p_vaddr + ph.p_memsz;
		m->prot = ph.p_flags;
		const struct pm_ntfile *f = ntfile_at(t, m->start);
		if (f) {
			m->path = f->path;
			m->offset = f->offset + (m->start - f->start);
		}
		if (filesz == ph.p_memsz) {
			m->data = PM_DATA_CORE;
			continue;
		}
		size_t before = t->mem.nsegs;
		add_file_parts(t, ph.p_vaddr + filesz, m->end);
		uint64_t from_file = 0;
		for (size_t s = before; s < t->mem.nsegs; s++)
			from_file += t->mem.segs[s].end - t->mem.segs[s].start;
		if (from_file == 0)
			m->data = filesz ? PM_DATA_PART : PM_DATA_NONE;
		else if (filesz == 0 && from_file == ph.p_memsz)
			m->data = PM_DATA_FILE;
		else
			m->data = PM_DATA_PART;
	}
	pm_memmap_finish(&t->mem);
	label_maps(t);
}
