/* Decoding of a user core's notes: NT_PRSTATUS (one per thread),
 * NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE, NT_FPREGSET, NT_X86_XSTATE,
 * NT_ARM_PAC_MASK, NT_ARM_SVE, NT_ARM_TLS, NT_ARM_VFP.
 * Every size and count is checked against the note's length: cores come
 * from untrusted machines. */
#include "core.h"
#include "../base/util.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

/* A little-endian value of size bytes (2, 4 or 8). */
static uint64_t get_n(const unsigned char *p, unsigned size)
{
	if (size == 8)
		return pm_le64(p);
	if (size == 4)
		return pm_le32(p);
	return (uint64_t)p[0] | (uint64_t)p[1] << 8;
}

/* A long or pointer of the core's process (4 or 8 bytes). */
static uint64_t get_word(const struct pm_target *t, const unsigned char *p)
{
	return get_n(p, t->arch->notes->word);
}

static void note_prstatus(struct pm_target *t, const unsigned char *d, size_t n)
{
	const struct pm_arch *a = t->arch;
	if (n < a->prstatus_size) {
		pm_warn("NT_PRSTATUS note of %zu bytes is too short (want %zu); thread ignored",
			n, a->prstatus_size);
		return;
	}
	vec_reserve(&t->threads, &t->threads_cap, t->nthreads + 1, sizeof(*t->threads));
	struct pm_thread *th = &t->threads[t->nthreads++];
	memset(th, 0, sizeof(*th));
	th->cursig = (int16_t)(d[12] | d[13] << 8);
	th->tid = (int)pm_le32(d + a->notes->prstatus_pid);
	for (size_t i = 0; i < a->nregs; i++)
		th->regs[i] = get_n(d + a->prstatus_reg_offset + a->reg_size * i, a->reg_size) &
			      a->regs[i].mask;
}

static struct pm_thread *last_thread(struct pm_target *t)
{
	return t->nthreads ? &t->threads[t->nthreads - 1] : NULL;
}

static void note_prpsinfo(struct pm_target *t, const unsigned char *d, size_t n)
{
	const struct pm_note_layout *lay = t->arch->notes;
	if (n < lay->prpsinfo_size) {
		pm_warn("NT_PRPSINFO note of %zu bytes is too short", n);
		return;
	}
	t->has_prpsinfo = true;
	t->uid = (int)get_n(d + lay->prpsinfo_uid, lay->uid_size);
	t->gid = (int)get_n(d + lay->prpsinfo_uid + lay->uid_size, lay->uid_size);
	t->pid = (int)pm_le32(d + lay->prpsinfo_pid);
	t->ppid = (int)pm_le32(d + lay->prpsinfo_pid + 4);
	memcpy(t->fname, d + lay->prpsinfo_fname, 16);
	t->fname[16] = 0;
	memcpy(t->psargs, d + lay->prpsinfo_fname + 16, 80);
	t->psargs[80] = 0;
	/* the kernel leaves a trailing space when argv was cut */
	size_t l = strlen(t->psargs);
	while (l && t->psargs[l - 1] == ' ')
		t->psargs[--l] = 0;
}

static void decode_siginfo(const struct pm_target *t, const unsigned char *d,
			   struct pm_siginfo *si)
{
	size_t fields = t->arch->notes->siginfo_addr;   /* where the union starts */
	memset(si, 0, sizeof(*si));
	si->signo = (int)pm_le32(d);
	si->errno_ = (int)pm_le32(d + 4);
	si->code = (int)pm_le32(d + 8);
	si->addr = get_word(t, d + fields);
	si->pid = (int)pm_le32(d + fields);
	si->uid = (int)pm_le32(d + fields + 4);
}

static void note_siginfo(struct pm_target *t, const unsigned char *d, size_t n)
{
	if (n < 128) {
		pm_warn("NT_SIGINFO note of %zu bytes is too short", n);
		return;
	}
	struct pm_siginfo si;
	decode_siginfo(t, d, &si);
	/* The kernel writes one NT_SIGINFO after the first thread; gdb's gcore
	 * writes one per thread.  Keep both views. */
	struct pm_thread *th = last_thread(t);
	if (th && !th->has_siginfo) {
		th->has_siginfo = true;
		th->si = si;
	}
	if (!t->has_siginfo) {
		t->has_siginfo = true;
		t->siginfo = si;
	}
}

static void note_auxv(struct pm_target *t, const unsigned char *d, size_t n)
{
	size_t word = t->arch->notes->word;
	size_t pairs = n / (2 * word);
	free(t->auxv);
	t->auxv = xmalloc(pairs * 16 + 1);
	for (size_t i = 0; i < pairs * 2; i++)
		t->auxv[i] = get_word(t, d + word * i);
	t->nauxv = pairs;
}

static void note_file(struct pm_target *t, const unsigned char *d, size_t n)
{
	/* count, page size, then (start, end, page offset) per file: words */
	size_t word = t->arch->notes->word, head = 2 * word, entry = 3 * word;
	if (n < head) {
		pm_warn("NT_FILE note is too short");
		return;
	}
	uint64_t count = get_word(t, d), page = get_word(t, d + word);
	if (count > (n - head) / entry) {
		pm_warn("NT_FILE note claims %llu files but holds at most %zu; ignored",
			(unsigned long long)count, (n - head) / entry);
		return;
	}
	if (t->files) {
		/* the kernel writes one; the first is the one gdb reads too */
		pm_warn("a second NT_FILE note; the first is used");
		return;
	}
	const char *names = (const char *)d + head + count * entry;
	const char *end = (const char *)d + n;
	t->files = xcalloc(count, sizeof(*t->files));
	size_t ok = 0;
	for (uint64_t i = 0; i < count; i++) {
		const unsigned char *e = d + head + i * entry;
		size_t room = (size_t)(end - names);
		const char *nul = memchr(names, 0, room);
		if (!nul) {
			pm_warn("NT_FILE note: file name %llu is not terminated; rest ignored",
				(unsigned long long)i);
			break;
		}
		struct pm_ntfile *f = &t->files[ok++];
		f->start = get_word(t, e);
		f->end = get_word(t, e + word);
		f->offset = get_word(t, e + 2 * word) * page;
		f->path = names;
		names = nul + 1;
	}
	t->nfiles = ok;
}

static void note_fpregset(struct pm_target *t, const unsigned char *d, size_t n)
{
	struct pm_thread *th = last_thread(t);
	if (th && !th->fpregs) {
		th->fpregs = d;
		th->fpregs_len = n;
	}
}

static void note_xstate(struct pm_target *t, const unsigned char *d, size_t n)
{
	struct pm_thread *th = last_thread(t);
	if (th && !th->xstate) {
		th->xstate = d;
		th->xstate_len = n;
	}
}

/* A thread's own LINUX note (kept as bytes; decoded where shown) */
static void note_thread_blob(const unsigned char *d, size_t n, const unsigned char **slot,
			     size_t *slot_len)
{
	if (!*slot) {
		*slot = d;
		*slot_len = n;
	}
}

/* struct user_pac_mask { data_mask, insn_mask }: the same in every thread */
static void note_pac_mask(struct pm_target *t, const unsigned char *d, size_t n)
{
	if (n >= 16)
		t->pac_insn_mask = pm_le64(d + 8);
}

static bool ignore_vmcoreinfo;

void pm_target_ignore_vmcoreinfo(bool ignore)
{
	ignore_vmcoreinfo = ignore;
}

/* QEMU's QEMUCPUState (x86-64): version, size, 16 general registers,
 * rip, rflags, 10 segments of 24 bytes, then cr0..cr4. */
#define QEMU_CR_OFFSET 392
#define MAX_QEMU_CPUS 8192

static void note_qemu_cpu(struct pm_target *t, const unsigned char *desc, size_t len)
{
	t->qemu_notes = true;
	if (len < QEMU_CR_OFFSET + 5 * 8 || t->nqemu_cpus >= MAX_QEMU_CPUS)
		return;
	if (t->nqemu_cpus % 16 == 0)
		t->qemu_cpus = xrealloc(t->qemu_cpus, (t->nqemu_cpus + 16) * sizeof(*t->qemu_cpus));
	struct pm_qemu_cpu *c = &t->qemu_cpus[t->nqemu_cpus++];
	memcpy(&c->cr3, desc + QEMU_CR_OFFSET + 3 * 8, 8);
	memcpy(&c->cr4, desc + QEMU_CR_OFFSET + 4 * 8, 8);
}

void pm_core_note(struct pm_target *t, const char *owner, unsigned type,
		  const unsigned char *desc, size_t len)
{
	bool core = strcmp(owner, "CORE") == 0;
	bool linux_ = strcmp(owner, "LINUX") == 0;
	if (core && type == NT_PRSTATUS)
		note_prstatus(t, desc, len);
	else if (core && type == NT_PRPSINFO)
		note_prpsinfo(t, desc, len);
	else if (core && type == NT_SIGINFO)
		note_siginfo(t, desc, len);
	else if (core && type == NT_AUXV)
		note_auxv(t, desc, len);
	else if (core && type == NT_FILE)
		note_file(t, desc, len);
	else if (core && type == NT_FPREGSET)
		note_fpregset(t, desc, len);
	else if (linux_ && type == NT_X86_XSTATE)
		note_xstate(t, desc, len);
	else if (linux_ && type == NT_PRXFPREG && t->nthreads)
		note_thread_blob(desc, len, &last_thread(t)->xfpregs, &last_thread(t)->xfpregs_len);
	else if (linux_ && type == NT_ARM_PAC_MASK)
		note_pac_mask(t, desc, len);
	else if (linux_ && type == NT_ARM_SVE && t->nthreads)
		note_thread_blob(desc, len, &last_thread(t)->sve, &last_thread(t)->sve_len);
	else if (linux_ && type == NT_ARM_VFP && t->nthreads)
		note_thread_blob(desc, len, &last_thread(t)->vfp, &last_thread(t)->vfp_len);
	else if (linux_ && type == NT_ARM_TLS && t->nthreads)
		note_thread_blob(desc, len, &last_thread(t)->tls, &last_thread(t)->tls_len);
	else if (strcmp(owner, "QEMU") == 0)
		note_qemu_cpu(t, desc, len);
	else if (strcmp(owner, "VMCOREINFO") == 0 && !t->vmcoreinfo && !ignore_vmcoreinfo) {
		t->vmcoreinfo = (const char *)desc;
		t->vmcoreinfo_len = len;
	}
}
