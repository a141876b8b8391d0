/* Unwinding with libdwfl over pmdb's own memory map and the registers of
 * NT_PRSTATUS (dwfl_attach_state with our callbacks: libdwfl's own core
 * reader re-scans program headers for every word it reads).  Each physical
 * frame is then expanded into its inline frames (inline.c). */
#include "internal.h"
#include "unwind_state.h"
#include "../kernel/kernel.h"
#include "../base/util.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#define PM_MAX_FRAMES 2000000

static pid_t cb_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	struct pm_dwarf *d = arg;
	struct pm_thread_ctx *cur = *thread_argp;
	size_t i = cur ? (size_t)(cur - d->thread_ctx) + 1 : 0;
	if (i >= d->t->nthreads)
		return 0;
	*thread_argp = &d->thread_ctx[i];
	return d->t->threads[i].tid;
}

static bool cb_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl;
	struct pm_dwarf *d = arg;
	for (size_t i = 0; i < d->t->nthreads; i++)
		if (d->t->threads[i].tid == tid) {
			*thread_argp = &d->thread_ctx[i];
			return true;
		}
	return false;
}

/* A signed return address saved on the stack: libdwfl 0.188 knows no PAC
 * and would look for the caller's CFI at the signed value.  A word is taken
 * for one when it is in no mapping and lands in code once stripped. */
static uint64_t strip_if_signed(const struct pm_target *t, uint64_t v)
{
	uint64_t plain = pm_target_code_addr(t, v);
	if (plain == v || pm_target_mapping(t, v))
		return v;
	const struct pm_mapping *m = pm_target_mapping(t, plain);
	return m && (m->prot & PF_X) ? plain : v;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)dwfl;
	struct pm_dwarf *d = arg;
	/* a stack word: 4 bytes on i386 and ARM (8 on x32, whose calls push
	 * 8-byte return addresses); little-endian, zero-extended */
	uint64_t v = 0;
	size_t n = d->t->arch->reg_size;
	if (pm_memmap_read_partial(&d->t->mem, addr, &v, n) != n)
		return false;
	*result = strip_if_signed(d->t, v);
	return true;
}

static bool cb_set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	struct pm_thread_ctx *ctx = thread_arg;
	const struct pm_arch *a = ctx->d->t->arch;
	const uint64_t *r = ctx->regs ? ctx->regs : ctx->th->regs;
	Dwarf_Word regs[64] = { 0 };
	size_t n = a->ndwarf_initial;
	for (size_t i = 0; i < a->nregs; i++) {
		int dw = a->regs[i].dwarf;
		if (dw >= 0 && (size_t)dw < n)
			regs[dw] = r[i];
	}
	/* libdwfl 0.188 knows no PAC: a signed link register would be no pc */
	if (a->lr >= 0)
		regs[a->regs[a->lr].dwarf] = pm_target_code_addr(ctx->d->t, r[a->lr]);
	if (!dwfl_thread_state_registers(thread, 0, (unsigned)n, regs))
		return false;
	dwfl_thread_state_register_pc(thread, r[a->pc]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = cb_next_thread,
	.get_thread = cb_get_thread,
	.memory_read = cb_memory_read,
	.set_initial_registers = cb_set_initial_registers,
};

static struct pm_err *attach(struct pm_dwarf *d)
{
	if (d->attached)
		return NULL;
	if (!d->t->elf)
		return pm_err_new(PM_ERR_GENERIC, "this target cannot be unwound");
	free(d->thread_ctx);
	d->thread_ctx = xcalloc(d->t->nthreads + 1, sizeof(*d->thread_ctx));
	for (size_t i = 0; i < d->t->nthreads; i++)
		d->thread_ctx[i] = (struct pm_thread_ctx){ d, &d->t->threads[i], NULL };
	pid_t pid = d->t->pid ? d->t->pid : (d->t->nthreads ? d->t->threads[0].tid : 1);
	if (!dwfl_attach_state(d->dwfl, (Elf *)d->t->elf, pid, &thread_callbacks, d))
		return pm_err_new(PM_ERR_GENERIC, "cannot unwind: %s", dwfl_errmsg(-1));
	d->attached = true;
	return NULL;
}

/* A return into the signal trampoline that libdwfl has no CFI for. */
static bool is_sigreturn(struct pm_target *t, uint64_t pc)
{
	uint64_t code;
	return t->arch->sigreturn_code &&
	       pm_memmap_read_partial(&t->mem, pc, &code, sizeof(code)) == sizeof(code) &&
	       code == t->arch->sigreturn_code;
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct collect *c = arg;
	Dwarf_Addr pc;
	bool activation;
	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	pc = pm_target_code_addr(c->t, pc);
	Dwarf_Word sp = 0, fp = 0;
	if (dwfl_frame_reg(state, (unsigned)c->sp_dwarf, &sp) != 0)
		sp = 0;
	bool has_fp = c->fp_dwarf >= 0 && dwfl_frame_reg(state, (unsigned)c->fp_dwarf, &fp) == 0;
	/* A frame that repeats the previous one means a broken unwind: stop. */
	if (c->n && c->v[c->n - 1].pc == pc && c->v[c->n - 1].sp == sp)
		return DWARF_CB_ABORT;
	if (c->n >= PM_MAX_FRAMES || pc == 0)
		return DWARF_CB_ABORT;
	vec_reserve(&c->v, &c->cap, c->n + 1, sizeof(*c->v));
	if (!activation && is_sigreturn(c->t, pc)) {
		/* the interrupted registers are in the frame: pm_dwarf_stack
		 * goes on from them */
		c->v[c->n++] = (struct physical){ pc, sp, true, has_fp, fp };
		c->tramp_sp = sp;
		c->at_tramp = true;
		return DWARF_CB_ABORT;
	}
	c->v[c->n++] = (struct physical){ pc, sp, activation, has_fp, fp };
	const struct pm_arch *a = c->t->arch;
	for (size_t i = 0; a->exidx && i < a->nregs; i++) {
		Dwarf_Word v = 0;
		int dw = a->regs[i].dwarf;
		c->last_regs[i] = dw >= 0 && (size_t)dw < a->ndwarf_initial &&
				  dwfl_frame_reg(state, (unsigned)dw, &v) == 0 ? v : 0;
	}
	return DWARF_CB_OK;
}

/* A kernel stack unwound with ORC gets vmlinux's inline frames and
 * source lines, when there is a vmlinux with DWARF. */
static void kernel_inline(struct pm_dwarf *d, struct pm_stack *s)
{
	if (!pm_kdwarf_load(d, false))
		return;
	struct pm_stack x = { .error = s->error };
	for (size_t i = 0; i < s->nframes; i++) {
		const struct pm_frame *f = &s->frames[i];
		if (f->func) {
			pm_inline_expand(d, &x, f->pc, f->lookup_pc, f->sp);
		} else {     /* the user pc where the kernel was entered */
			vec_reserve(&x.frames, &x.cap, x.nframes + 1, sizeof(*x.frames));
			x.frames[x.nframes++] = *f;
		}
	}
	free(s->frames);
	*s = x;
}

/* A call to where no code is (a NULL function pointer) on a processor
 * whose calls leave the return address in the link register: libdwfl's
 * fallback would take the caller's frame record for the callee's and skip
 * the caller.  The callee made no frame yet: unwind from pc = lr, as gdb
 * does.  regs gets those registers. */
static bool called_nowhere(struct pm_dwarf *d, const struct pm_thread *th, uint64_t *regs)
{
	const struct pm_target *t = d->t;
	const struct pm_arch *a = t->arch;
	if (a->lr < 0)
		return false;
	const struct pm_mapping *m = pm_target_mapping(t, th->regs[a->pc]);
	if (m && (m->prot & PF_X))
		return false;
	memcpy(regs, th->regs, sizeof(th->regs));
	regs[a->pc] = pm_target_code_addr(t, th->regs[a->lr]);
	/* pc == lr: a ret to a bad address, not a call */
	return regs[a->pc] != 0 && regs[a->pc] != pm_target_code_addr(t, th->regs[a->pc]);
}

#define MAX_SIGNAL_HOPS 64
#define MAX_FP_HOPS 4096

/* Unwind thread tid from regs (NULL: its own registers). */
static int unwind_from(struct pm_dwarf *d, int tid, const uint64_t *regs, struct collect *c)
{
	struct pm_thread_ctx *ctx = NULL;
	for (size_t i = 0; i < d->t->nthreads && !ctx; i++)
		if (d->t->threads[i].tid == tid)
			ctx = &d->thread_ctx[i];
	if (!ctx)
		return -1;
	ctx->regs = regs;
	int rc = dwfl_getthread_frames(d->dwfl, tid, frame_cb, c);
	ctx->regs = NULL;
	return rc;
}

/* The registers the kernel (or QEMU) saved in the rt_sigframe at sp. */
static bool sigframe_regs(struct pm_target *t, uint64_t sp, uint64_t *regs)
{
	const struct pm_arch *a = t->arch;
	memset(regs, 0, PM_MAX_REGS * sizeof(*regs));
	for (size_t i = 0; i < a->nregs; i++) {
		size_t n = a->reg_size;
		if (pm_memmap_read_partial(&t->mem, sp + a->sigframe_regs + i * n, &regs[i], n) != n)
			return false;
	}
	return regs[a->sp] > sp;
}

struct pm_err *pm_dwarf_stack(struct pm_dwarf *d, const struct pm_thread *th, struct pm_stack *out)
{
	memset(out, 0, sizeof(*out));
	if (d->t->kernel) {
		struct pm_err *err = pm_kernel_unwind(d->t, th->regs, out);
		if (!err)
			kernel_inline(d, out);
		return err;
	}
	struct pm_err *err = attach(d);
	if (err)
		return err;
	const struct pm_arch *a = d->t->arch;
	struct collect c = { .sp_dwarf = a->regs[a->sp].dwarf, .fp_dwarf = a->regs[a->fp].dwarf,
			     .t = d->t };
	uint64_t regs[PM_MAX_REGS];
	int rc;
	if (called_nowhere(d, th, regs)) {
		/* the frame that is no code, then the caller's from lr */
		vec_reserve(&c.v, &c.cap, 1, sizeof(*c.v));
		c.v[c.n++] = (struct physical){ .pc = pm_target_code_addr(d->t, th->regs[a->pc]),
						.sp = th->regs[a->sp], .activation = true };
		rc = unwind_from(d, th->tid, regs, &c);
		if (c.n > 1)
			c.v[1].activation = false;   /* lr is a return address */
	} else {
		rc = unwind_from(d, th->tid, NULL, &c);
	}
	/* a signal trampoline libdwfl could not step through: on from the
	 * registers its frame saved (bounded: each one is further up) */
	for (size_t hops = 0; c.at_tramp && hops < MAX_SIGNAL_HOPS; hops++) {
		c.at_tramp = false;
		if (!sigframe_regs(d->t, c.tramp_sp, regs))
			break;
		rc = unwind_from(d, th->tid, regs, &c);
	}
	/* no CFI: on from the unwind tables of ARM code, the frame-pointer
	 * chain, or the link register at the innermost frame (each hop is
	 * further up the stack, or the frame repeats and ends the unwind) */
	for (size_t hops = 0; rc < 0 && hops < MAX_FP_HOPS; hops++) {
		size_t first = c.n;
		if (!pm_unwind_exidx_step(d, &c, regs) && !pm_unwind_fp_step(d, &c, regs) &&
		    !pm_unwind_leaf_caller(d, th, &c, regs))
			break;
		rc = unwind_from(d, th->tid, regs, &c);
		if (c.n > first)
			c.v[first].activation = false;   /* a return address */
	}
	if (rc < 0 && dwfl_errno() != 0) {
		const char *msg = dwfl_errmsg(-1);
		if (msg)
			out->error = xstrdup(msg);
	}
	/* libdwfl reports "activation" both for the signal trampoline (its CFI
	 * is marked as a signal frame) and for the frame the signal
	 * interrupted, whose pc is exact rather than a return address. */
	bool after_tramp = false;
	size_t nphys = pm_unwind_outermost_frames(d, &c);
	if (nphys < c.n && out->error) {
		free(out->error);     /* the error was past the outermost frame */
		out->error = NULL;
	}
	for (size_t i = 0; i < nphys; i++) {
		struct physical *p = &c.v[i];
		if (i > 0 && p->activation && !after_tramp) {
			vec_reserve(&out->frames, &out->cap, out->nframes + 1, sizeof(*out->frames));
			out->frames[out->nframes++] = (struct pm_frame){
				.kind = PM_FRAME_SIGNAL, .pc = p->pc, .lookup_pc = p->pc, .sp = p->sp,
			};
			after_tramp = true;
			continue;
		}
		after_tramp = false;
		uint64_t lookup = p->activation ? p->pc : p->pc - 1;
		pm_inline_expand(d, out, p->pc, lookup, p->sp);
	}
	free(c.v);
	return NULL;
}

struct pm_err *pm_dwarf_stack_names(struct pm_dwarf *d, const struct pm_thread *th,
				    struct pm_stack *out)
{
	d->no_lines = true;
	struct pm_err *err = pm_dwarf_stack(d, th, out);
	d->no_lines = false;
	return err;
}

void pm_stack_free(struct pm_stack *s)
{
	free(s->frames);
	free(s->error);
	memset(s, 0, sizeof(*s));
}
