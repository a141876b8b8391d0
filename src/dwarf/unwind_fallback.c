/* Where libdwfl stops and gdb goes on: the caller from the link register
 * (32-bit ARM without CFI), the frame-pointer chain (i386 without CFI,
 * past gcc's realigning main), and the end of the stack at the entry
 * point's function. */
#include "unwind_state.h"

#include <elf.h>
#include <string.h>

/* libdwfl could not step from the innermost frame, on an architecture
 * it has no fallback for (32-bit ARM code has .ARM.exidx, not CFI): the
 * caller is where the link register points, as a leaf function leaves
 * it (gdb does the same when it cannot analyze the prologue). */
bool pm_unwind_leaf_caller(struct pm_dwarf *d, const struct pm_thread *th, const struct collect *c,
			uint64_t *regs)
{
	const struct pm_target *t = d->t;
	const struct pm_arch *a = t->arch;
	if (!a->lr_fallback || c->n != 1)
		return false;
	memcpy(regs, th->regs, sizeof(th->regs));
	regs[a->pc] = pm_target_code_addr(t, th->regs[a->lr]);
	return regs[a->pc] != 0 && regs[a->pc] != c->v[0].pc;
}

/* gcc's i386 main realigns its stack before making its frame:
 *	lea 4(%esp),%ecx; and $-16,%esp; pushl -4(%ecx); push %ebp; mov %esp,%ebp
 * so [ebp+4] holds a copy of the return address, and the caller's stack
 * pointer is just above the original, 4 to 16 bytes higher. */
static const unsigned char realign_prologue[] = { 0x8d, 0x4c, 0x24, 0x04, 0x83, 0xe4, 0xf0 };

static uint64_t caller_sp(struct pm_dwarf *d, const struct physical *f, uint64_t ret)
{
	struct pm_target *t = d->t;
	size_t w = t->arch->reg_size;
	uint64_t sp = f->fp + 2 * w;
	struct pm_sym s;
	unsigned char code[sizeof(realign_prologue)];
	if (!pm_sym_by_addr(d, f->activation ? f->pc : f->pc - 1, &s) ||
	    pm_memmap_read_partial(&t->mem, s.addr, code, sizeof(code)) != sizeof(code) ||
	    memcmp(code, realign_prologue, sizeof(code)) != 0)
		return sp;
	for (uint64_t up = 16; up >= w; up -= w) {
		uint64_t v = 0;
		if (pm_memmap_read_partial(&t->mem, f->fp + w + up, &v, w) == w && v == ret)
			return sp + up;
	}
	return sp;
}

/* Where libdwfl stopped for want of CFI, on an architecture whose frames
 * chain through the frame pointer (i386 code built without CFI): the
 * caller's registers from the last frame's fp, when the chain looks
 * sound: fp at or above sp, and a return address into code. */
bool pm_unwind_fp_step(struct pm_dwarf *d, const struct collect *c, uint64_t *regs)
{
	struct pm_target *t = d->t;
	const struct pm_arch *a = t->arch;
	const struct physical *last = c->n ? &c->v[c->n - 1] : NULL;
	if (!a->fp_chain || !last || !last->has_fp || last->fp < last->sp || last->fp == 0)
		return false;
	uint64_t saved_fp = 0, ret = 0;
	size_t w = a->reg_size;
	if (pm_memmap_read_partial(&t->mem, last->fp, &saved_fp, w) != w ||
	    pm_memmap_read_partial(&t->mem, last->fp + w, &ret, w) != w)
		return false;
	const struct pm_mapping *m = pm_target_mapping(t, ret);
	if (!m || !(m->prot & PF_X))
		return false;
	memset(regs, 0, PM_MAX_REGS * sizeof(*regs));
	regs[a->pc] = ret;
	regs[a->sp] = caller_sp(d, last, ret);
	regs[a->fp] = saved_fp;
	return true;
}

/* gdb's "backtrace past-entry off": nothing is called from the
 * executable's entry point, so its function is the outermost frame (a
 * -nostdlib _start has CFI saying nothing of its caller). */
size_t pm_unwind_outermost_frames(struct pm_dwarf *d, const struct collect *c)
{
	/* looked up once a session: a symbol lookup by address walks the
	 * module's whole symbol table */
	if (d->entry_state == 0) {
		bool found;
		uint64_t at = pm_target_auxv(d->t, AT_ENTRY, &found);
		d->entry_state = found && pm_sym_by_addr(d, at, &d->entry_sym) &&
				 d->entry_sym.offset == 0 ? 1 : -1;
	}
	if (d->entry_state < 0)
		return c->n;
	const struct pm_sym entry = d->entry_sym;
	struct pm_sym s;
	for (size_t i = 0; i < c->n; i++) {
		uint64_t lookup = c->v[i].activation ? c->v[i].pc : c->v[i].pc - 1;
		bool in_entry = entry.size ? lookup - entry.addr < entry.size :   /* no lookup */
				pm_sym_by_addr(d, lookup, &s) && s.addr == entry.addr;
		if (in_entry)
			return i + 1;
	}
	return c->n;
}

