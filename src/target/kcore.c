/* /proc/kcore: the running kernel as an ELF core.  Its PT_LOADs carry
 * kernel virtual addresses; those of RAM and of the kernel text also give
 * the physical address (p_paddr, -1 for vmalloc, modules and vmemmap),
 * which is all open_kernel needs: the rest of the kernel's memory is
 * found through its page tables, as in a dump.  The differences: memory
 * changes under pmdb, so it is read with pread each time (no page cache);
 * only the direct map and the kernel image keep their mapping for good,
 * the rest (vmalloc'd stacks, modules, the page array) is translated
 * through the page tables as they are at each read; and the one
 * NT_PRSTATUS is a zeroed placeholder, not a CPU's registers. */
#include "core.h"
#include "../base/util.h"
#include "../kernel/kernel.h"

#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

/* procfs also holds /proc/vmcore, a dump with real CPU notes: kcore is
 * /proc/kcore itself, or a file named kcore where proc is mounted elsewhere */
bool pm_kcore_is(int fd, const char *path)
{
	struct statfs fs;
	struct stat a, b;
	if (fstatfs(fd, &fs) != 0 || fs.f_type != PROC_SUPER_MAGIC || fstat(fd, &a) != 0)
		return false;
	if (stat("/proc/kcore", &b) == 0)
		return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	const char *base = strrchr(path, '/');
	return strcmp(base ? base + 1 : path, "kcore") == 0;
}

/* Reads of holes fail or read zeros; either way no more than asked. */
static size_t live_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct pm_pagecache *pc = ctx;
	if (off >= pc->size)
		return 0;
	if (len > pc->size - off)
		len = (size_t)(pc->size - off);
	return pm_pread_all(pc->fd, off, buf, len);
}

void pm_kcore_prepare(struct pm_target *t, struct pm_core *c)
{
	c->core_backing.read = live_read;
	/* the placeholder NT_PRSTATUS: no thread rather than zeroed registers */
	t->nthreads = 0;
}

void pm_kcore_finish(struct pm_target *t, struct pm_core *c, size_t phnum)
{
	/* the page-table walk's mappings are a snapshot: vmalloc space may be
	 * remapped by the time it is read, so keep only the segments whose
	 * mapping never changes (those /proc/kcore gives a physical address) */
	pm_memmap_free(&t->mem);
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(c->elf, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_filesz ||
		    ph.p_paddr == UINT64_MAX || ph.p_vaddr + ph.p_filesz < ph.p_vaddr)
			continue;
		pm_memmap_add(&t->mem, ph.p_vaddr, ph.p_vaddr + ph.p_filesz, &c->core_backing, ph.p_offset);
	}
	pm_memmap_finish(&t->mem);
	t->mem.miss = pm_kernel_live_read;
	t->mem.miss_ctx = t;
	pm_kernel_set_live(t);
}
