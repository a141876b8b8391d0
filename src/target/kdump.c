/* Kernel dumps in makedumpfile's kdump-compressed ("diskdump") format,
 * read through libkdumpfile (zlib, lzo, snappy, zstd pages), and its
 * flattened format (what makedumpfile -F and QEMU's kdump writer emit),
 * put back together in memory first.  libkdumpfile gives machine-physical
 * pages only: pmdb does its own translation from VMCOREINFO (QEMU 7.2
 * writes a wrong phys_base and an empty utsname into the header, which
 * would mislead libkdumpfile's).  The CPU notes are read from the file. */
#include "core.h"
#include "kdump_vmci.h"
#include "unpack.h"
#include "../base/elfnote.h"
#include "../base/util.h"
#include "../kernel/kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FLAT_HEADER 4096
#define MAX_FLAT_RECORD (1u << 30)
#define MAX_NOTES (16u << 20)

/* What pmdb reads of the main header (disk_dump_header) and the
 * sub-header (kdump_sub_header, one block after it), read once. */
struct kdump_header {
	unsigned char main[440];
	int32_t version, block_size, sub_blocks;
	uint32_t bitmap_blocks;
	/* the sub-header's first ten words: (offset, size) of VMCOREINFO at
	 * [4], of the ELF notes at [6], of the erase information at [8] */
	uint64_t sub[10];
	size_t sub_len;               /* bytes of sub[] the file holds */
};

struct pm_kdump {
	kdump_ctx_t *ctx;
	int fd;
	struct kdump_header h;
	unsigned char *notes;          /* NT_PRSTATUS, VMCOREINFO: the targets point into it */
	struct pm_backing phys;
};

static size_t phys_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct pm_kdump *k = ctx;
	size_t done = 0;
	while (done < len) {
		/* one page at a time: a page the dump filtered out ends the read */
		size_t chunk = 4096 - ((off + done) & 4095);
		if (chunk > len - done)
			chunk = len - done;
		size_t n = chunk;
		if (kdump_read(k->ctx, KDUMP_MACHPHYSADDR, off + done, (char *)buf + done, &n) != KDUMP_OK)
			break;
		done += n;
		if (n < chunk)
			break;
	}
	return done;
}

static struct pm_err *kdump_target_read(struct pm_target *t, uint64_t addr, void *buf, size_t len,
					const char *what)
{
	return pm_memmap_read(&t->mem, addr, buf, len, what);
}

static void kdump_close(struct pm_target *t)
{
	struct pm_kdump *k = t->priv;
	pm_kernel_free(t->kernel);
	if (k->ctx)
		kdump_free(k->ctx);
	if (k->fd >= 0)
		close(k->fd);
	free(k->notes);
	free(k->phys.path);
	free(k);
}

static const struct pm_target_ops kdump_ops = {
	.kind = "kernel",
	.read = kdump_target_read,
	.close = kdump_close,
};

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The flattened format: a 4 KiB header, then (offset, size) records in
 * big-endian, each followed by its data, until offset -1. */
static int unflatten(int fd, const char *path, struct pm_err **err)
{
	const char *where;
	uint64_t free_space;
	int out = pm_scratch_open(&where, &free_space);
	if (out < 0) {
		*err = pm_err_new(PM_ERR_IO, "%s: no scratch file to reassemble it into: %s", path,
				  strerror(errno));
		return -1;
	}
	off_t pos = FLAT_HEADER;
	unsigned char h[16];
	char *buf = NULL;
	bool ended = false;
	for (;;) {
		if (pread(fd, h, 16, pos) != 16)
			break;              /* a file cut short keeps what it has */
		int64_t off = (int64_t)be64(h);
		uint64_t size = be64(h + 8);
		if (off < 0) {
			ended = true;
			break;
		}
		if (size > MAX_FLAT_RECORD || (uint64_t)off > (1ull << 50)) {
			*err = pm_err_new(PM_ERR_FORMAT, "%s: a flattened record of %llu bytes at 0x%llx: not "
					  "a flattened dump", path, (unsigned long long)size, (unsigned long long)off);
			break;
		}
		buf = xrealloc(buf, size ? size : 1);
		ssize_t got = pread(fd, buf, size, pos + 16);
		if (got <= 0 || pwrite(out, buf, (size_t)got, off) != got || (uint64_t)got < size)
			break;
		pos += 16 + (off_t)size;
	}
	free(buf);
	if (!*err && !ended)
		pm_warn("%s: truncated: the flattened dump ends at byte %lld without its end marker; "
			"what it holds up to there is read", path, (long long)pos);
	if (*err) {
		close(out);
		return -1;
	}
	return out;
}

/* kdump_sub_header's ELF notes (version 4 on). */
static bool read_notes(struct pm_target *t, struct pm_kdump *k)
{
	const struct kdump_header *h = &k->h;
	if (h->version < 4 || h->block_size > (1 << 20) || h->sub_len < 8 * sizeof(uint64_t))
		return false;
	const unsigned char *hdr = h->main;
	uint64_t off = h->sub[6], size = h->sub[7];
	if (!size || size > MAX_NOTES)
		return false;
	k->notes = xmalloc(size);
	if (pread(k->fd, k->notes, size, (off_t)off) != (ssize_t)size)
		return false;
	/* the header's utsname.machine (after the 8-byte signature, the
	 * version and four 65-byte utsname fields) names the architecture
	 * the notes' registers are laid out for; QEMU writes "Unknown" there
	 * for Arm, whose VMCOREINFO note then tells (kimage_voffset is arm64's) */
	char machine[66] = { 0 };
	memcpy(machine, hdr + 12 + 4 * 65, 65);
	if (strcmp(machine, "aarch64") == 0 || (strcmp(machine, "x86_64") != 0 &&
	    memmem(k->notes, size, "NUMBER(kimage_voffset)=", 23)))
		t->arch = &pm_arch_aarch64;
	struct pm_note n;
	for (size_t at = 0; pm_note_next(k->notes, size, &at, &n);) {
		if (n.namesz && n.name[n.namesz - 1] != 0)
			break;
		pm_core_note(t, n.namesz ? (const char *)n.name : "", n.type, n.desc, n.descsz);
	}
	return true;
}

/* The page data of the last page the dump holds must end inside the file:
 * the second half of the bitmaps marks the pages dumped, and one 24-byte
 * page descriptor (offset, size, flags) per such page follows them.  A
 * dump cut short still opens; this says so once, instead of each read of a
 * missing page failing unexplained. */
static void warn_if_cut(struct pm_target *t, int fd, uint64_t bitmaps, uint64_t bitmaps_len,
			uint64_t fsize)
{
	uint64_t dumped = 0;
	unsigned char buf[1 << 16];
	for (uint64_t off = bitmaps_len / 2; off < bitmaps_len;) {
		size_t want = bitmaps_len - off < sizeof(buf) ? (size_t)(bitmaps_len - off) : sizeof(buf);
		ssize_t got = pread(fd, buf, want, (off_t)(bitmaps + off));
		if (got <= 0)
			return;
		for (ssize_t i = 0; i < got; i++)
			dumped += (uint64_t)__builtin_popcount(buf[i]);
		off += (uint64_t)got;
	}
	if (!dumped)
		return;
	struct { int64_t offset; uint32_t size, flags; uint64_t page_flags; } last;
	uint64_t at = bitmaps + bitmaps_len + (dumped - 1) * sizeof(last);
	if (at + sizeof(last) > fsize || pread(fd, &last, sizeof(last), (off_t)at) != (ssize_t)sizeof(last))
		pm_warn("%s: truncated: the page descriptors end past the file's %llu bytes; pages near "
			"the end of memory are missing", t->path, (unsigned long long)fsize);
	else if (last.offset < 0 || (uint64_t)last.offset + last.size > fsize)
		pm_warn("%s: truncated: the last page's data ends at %llu, the file has %llu bytes; "
			"pages near the end of memory are missing", t->path,
			(unsigned long long)last.offset + last.size, (unsigned long long)fsize);
}

/* The sub-header's (offset, size) pairs libkdumpfile maps, as the header's
 * version gives them (kdump_sub_header: vmcoreinfo from version 3, the
 * ELF notes from 4, eraseinfo from 5): each must lie in the file, or the
 * mapping faults (SIGBUS) past its end. */
static struct pm_err *check_sub_header(struct pm_target *t, int fd, const struct kdump_header *h,
				       uint64_t fsize)
{
	static const struct { int version; unsigned at; const char *what; } parts[] = {
		{ 3, 32, "VMCOREINFO" }, { 4, 48, "ELF notes" }, { 5, 64, "erase information" },
	};
	int32_t version = h->version;
	const uint64_t *sub = h->sub;
	/* the words the version says are there must be in the file:
	 * libkdumpfile reads them whole, and then fails in ways it cannot
	 * free (kdump_free crashed on a sub-header cut short) */
	size_t need = version >= 5 ? 80 : version == 4 ? 64 : version == 3 ? 48 : 0;
	if (h->sub_len < need)
		return pm_err_new(PM_ERR_FORMAT, "%s: the kdump sub-header (version %d) is cut short: "
				  "%zu of its first %zu bytes are in the file (truncated or corrupt dump?)",
				  t->path, (int)version, h->sub_len, need);
	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++) {
		uint64_t off = sub[parts[i].at / 8], len = sub[parts[i].at / 8 + 1];
		if (version < parts[i].version || len == 0)
			continue;
		if (off > fsize || len > fsize - off)
			return pm_err_new(PM_ERR_FORMAT, "%s: the kdump sub-header puts %llu bytes of %s at "
					  "offset %llu, past the file's %llu bytes (truncated or corrupt dump?)",
					  t->path, (unsigned long long)len, parts[i].what,
					  (unsigned long long)off, (unsigned long long)fsize);
	}
	const char *why = pm_kdump_vmcoreinfo_problem(fd, version, sub, fsize);
	if (why)
		return pm_err_new(PM_ERR_FORMAT, "%s: %s: not a kernel's dump (corrupt?)", t->path, why);
	return NULL;
}

/* libkdumpfile maps the header, sub-header and bitmaps without checking
 * them against the file's size: a truncated dump would fault (SIGBUS). */
static struct pm_err *check_layout(struct pm_target *t, int fd, struct kdump_header *h)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || pread(fd, h->main, sizeof(h->main), 0) != (ssize_t)sizeof(h->main))
		return pm_err_new(PM_ERR_FORMAT, "%s: the kdump header is cut short (truncated dump?)",
				  t->path);
	memcpy(&h->version, h->main + 8, 4);
	memcpy(&h->block_size, h->main + 428, 4);
	memcpy(&h->sub_blocks, h->main + 432, 4);
	memcpy(&h->bitmap_blocks, h->main + 436, 4);
	int32_t block_size = h->block_size, sub_blocks = h->sub_blocks;
	uint32_t bitmap_blocks = h->bitmap_blocks;
	if (block_size <= 0 || sub_blocks < 0 ||
	    (1 + (uint64_t)sub_blocks + bitmap_blocks) * (uint64_t)block_size > (uint64_t)st.st_size)
		return pm_err_new(PM_ERR_FORMAT, "%s: the kdump header's block size %d, %d sub-header "
				  "and %u bitmap blocks do not fit in the file's %lld bytes (truncated "
				  "or corrupt dump?)", t->path, block_size, sub_blocks, bitmap_blocks,
				  (long long)st.st_size);
	ssize_t got = pread(fd, h->sub, sizeof(h->sub), (off_t)block_size);
	h->sub_len = got > 0 ? (size_t)got : 0;
	struct pm_err *err = check_sub_header(t, fd, h, (uint64_t)st.st_size);
	if (err)
		return err;
	warn_if_cut(t, fd, (1 + (uint64_t)sub_blocks) * (uint64_t)block_size,
		    (uint64_t)bitmap_blocks * (uint64_t)block_size, (uint64_t)st.st_size);
	return NULL;
}

/* The dump's page size is its header's block size: QEMU writes an AArch64
 * guest's memory in 64 KiB pages, where libkdumpfile 0.5 assumes the
 * kernel's 4 KiB (and its page numbers would run out a sixteenth of the
 * way through memory); told the header's, it reads them right. */
static kdump_num_t page_size(struct pm_kdump *k)
{
	int32_t block = k->h.block_size;
	kdump_num_t page = 4096;
	kdump_get_number_attr(k->ctx, "arch.page_size", &page);
	if (block >= 4096 && block <= (1 << 20) && !(block & (block - 1)) && (kdump_num_t)block != page) {
		kdump_attr_t a = { .type = KDUMP_NUMBER, .val.number = (kdump_num_t)block };
		if (kdump_set_attr(k->ctx, "arch.page_size", &a) == KDUMP_OK)
			page = (kdump_num_t)block;
	}
	return page;
}

static struct pm_err *open_fd(struct pm_target *t, struct pm_kdump *k)
{
	struct pm_err *err = check_layout(t, k->fd, &k->h);
	if (err)
		return err;
	k->ctx = kdump_new();
	if (!k->ctx)
		return pm_err_new(PM_ERR_NOMEM, "libkdumpfile: out of memory");
	if (kdump_open_fd(k->ctx, k->fd) != KDUMP_OK)
		return pm_err_new(PM_ERR_FORMAT, "%s: libkdumpfile: %s", t->path, kdump_get_err(k->ctx));
	if (!read_notes(t, k))
		pm_warn("%s: the dump has no readable notes: no CPU registers", t->path);
	const char *vmci = NULL;
	if (!t->vmcoreinfo && kdump_get_string_attr(k->ctx, "linux.vmcoreinfo.raw", &vmci) == KDUMP_OK) {
		t->vmcoreinfo = vmci;
		t->vmcoreinfo_len = strlen(vmci);
	}
	if (!t->vmcoreinfo)
		return pm_err_new(PM_ERR_FORMAT, "%s: the dump has no VMCOREINFO: finding the kernel "
				  "without it is not supported yet", t->path);
	kdump_num_t max_pfn = 0;
	kdump_get_number_attr(k->ctx, "max_pfn", &max_pfn);
	if (!max_pfn)
		max_pfn = 1ull << 36;
	k->phys.path = xstrdup(t->path);
	k->phys.read = phys_read;
	k->phys.read_ctx = k;
	k->phys.state = 1;
	kdump_num_t page = page_size(k);
	struct pm_memmap phys = { 0 };
	pm_memmap_add(&phys, 0, (uint64_t)max_pfn * page, &k->phys, 0);
	pm_memmap_finish(&phys);
	return pm_kernel_attach(t, &k->phys, &phys, t->vmcoreinfo, t->vmcoreinfo_len);
}

struct pm_err *pm_kdump_open(const char *path, bool flattened, struct pm_target **out)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pm_err_new(PM_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	struct pm_err *err = NULL;
	if (flattened) {
		int whole = unflatten(fd, path, &err);
		close(fd);
		if (whole < 0)
			return err;
		fd = whole;
	}
	struct pm_target *t = xcalloc(1, sizeof(*t));
	struct pm_kdump *k = xcalloc(1, sizeof(*k));
	k->fd = fd;
	t->ops = &kdump_ops;
	t->arch = &pm_arch_x86_64;
	t->path = xstrdup(path);
	t->priv = k;
	if ((err = open_fd(t, k))) {
		pm_target_close(t);
		return err;
	}
	*out = t;
	return NULL;
}
