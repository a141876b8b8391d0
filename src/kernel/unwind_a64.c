/* AArch64 kernel stacks by their frame records (the kernel is built with
 * frame pointers): x29 points at {caller's x29, return address}.  An
 * exception taken in the kernel saves pt_regs and makes a frame record
 * inside it (pt_regs.stackframe = {interrupted x29, interrupted pc}) that
 * the chain runs through; an entry from user space ends the chain with a
 * zeroed record there, whose pt_regs give the user pc and sp.  A sleeping
 * task's registers are its thread.cpu_context (x19-x28, fp, sp, pc), which
 * cpu_switch_to saved.  Offsets come from the dump's BTF. */
#include "karch.h"

#include <string.h>

#define MAX_KFRAMES 4096
#define USER_PT_REGS_WORDS 34        /* x0-x30, sp, pc, pstate */
#define PSTATE_MODE 0xfull           /* M[3:0]: 0 is EL0t */
#define NEAR (64u << 10)             /* farther than this, the chain changed stacks */
#define MAX_STACK_SWITCHES 4         /* IRQ stack -> task stack, overflow -> ... */

static bool rd(struct pm_target *t, uint64_t a, uint64_t *v)
{
	return pm_memmap_read_partial(&t->mem, a, v, 8) == 8;
}

/* A return address without its pointer-authentication code: the kernel's
 * own addresses have every bit of KERNELPACMASK set. */
static uint64_t strip_pac(const struct pm_kernel *k, uint64_t a)
{
	return k->pac_mask ? a | k->pac_mask : a;
}

static struct pm_err *btf_offset(struct pm_target *t, const char *type, const char *member,
				 uint64_t *off)
{
	struct pm_btf *b;
	struct pm_err *err = pm_kernel_btf(t, &b);
	if (err)
		return err;
	if (!pm_btf_member(b, pm_btf_find_struct(b, type), member, off, NULL))
		return pm_err_new(PM_ERR_LOOKUP, "the dump's BTF has no %s.%s", type, member);
	return NULL;
}

struct pm_err *pm_a64_pt_regs(struct pm_target *t, uint64_t addr, uint64_t *out)
{
	uint64_t words[USER_PT_REGS_WORDS];
	if (pm_memmap_read_partial(&t->mem, addr, words, sizeof(words)) != sizeof(words))
		return pm_err_fault(addr, "struct pt_regs");
	/* pt_regs begins with user_pt_regs, in the order of the AArch64 register set */
	memset(out, 0, PM_MAX_REGS * sizeof(*out));
	memcpy(out, words, sizeof(words));
	return NULL;
}

struct pm_err *pm_a64_switch_regs(struct pm_target *t, uint64_t task, uint64_t *regs)
{
	uint64_t off, ctx[13];
	struct pm_err *err = btf_offset(t, "task_struct", "thread.cpu_context", &off);
	if (err)
		return err;
	if (pm_memmap_read_partial(&t->mem, task + off, ctx, sizeof(ctx)) != sizeof(ctx))
		return pm_err_fault(task + off, "the task's thread.cpu_context");
	memset(regs, 0, PM_MAX_REGS * sizeof(*regs));
	for (int i = 0; i < 10; i++)
		regs[19 + i] = ctx[i];
	regs[29] = ctx[10];
	regs[t->arch->sp] = ctx[11];
	regs[t->arch->pc] = strip_pac(t->kernel, ctx[12]);
	return NULL;
}

/* The frame record at fp is pt_regs.stackframe of an exception entry:
 * *regs_at gets the pt_regs. */
static bool exception_record(struct pm_target *t, uint64_t frame_off, uint64_t fp, uint64_t next_fp,
			     uint64_t lr, uint64_t *regs_at)
{
	uint64_t pc, x29, pstate, at = fp - frame_off;
	if (!rd(t, at + 32 * 8, &pc) || !rd(t, at + 29 * 8, &x29) || !rd(t, at + 33 * 8, &pstate))
		return false;
	*regs_at = at;
	/* the zeroed record that ends every task's chain: an entry from user
	 * space when its pt_regs hold a user pc (a kernel thread's are zero) */
	if (next_fp == 0 && lr == 0)
		return (pstate & PSTATE_MODE) == 0 && !(pstate & 0x10) && pc != 0;
	return pc == lr && x29 == next_fp && (pstate & PSTATE_MODE) != 0;
}

/* The user pc and sp where the kernel was entered: a last frame with no name. */
static void user_frame(struct pm_target *t, struct pm_stack *s, uint64_t regs_at)
{
	uint64_t pc, sp;
	if (rd(t, regs_at + 32 * 8, &pc) && rd(t, regs_at + 31 * 8, &sp))
		pm_kstack_push_user(s, pc, sp);
}

struct pm_err *pm_a64_unwind(struct pm_target *t, const uint64_t *regs, struct pm_stack *out,
			     uint64_t *exception)
{
	memset(out, 0, sizeof(*out));
	uint64_t frame_off;
	struct pm_err *err = btf_offset(t, "pt_regs", "stackframe", &frame_off);
	if (err)
		return err;
	struct pm_kernel *k = t->kernel;
	uint64_t fp = regs[29], sp = regs[t->arch->sp];
	pm_kstack_push(t, out, strip_pac(k, regs[t->arch->pc]), sp, true);
	int switches = 0;
	for (size_t n = 0; n < MAX_KFRAMES && fp && !(fp & 7); n++) {
		uint64_t next_fp, lr, regs_at;
		if (!rd(t, fp, &next_fp) || !rd(t, fp + 8, &lr))
			break;
		lr = strip_pac(k, lr);
		bool exc = exception_record(t, frame_off, fp, next_fp, lr, &regs_at);
		if (exc && next_fp == 0) {
			user_frame(t, out, regs_at);
			break;
		}
		if (!lr)
			break;
		if (exc && exception && !*exception)
			*exception = regs_at;
		/* an exception's pc is the interrupted instruction, not a return address */
		pm_kstack_push(t, out, lr, fp + 16, exc);
		if (!next_fp)
			break;
		/* the chain climbs its stack; it may move to another stack (IRQ
		 * to task) a few times, never loop */
		if (next_fp <= fp || next_fp - fp >= NEAR) {
			if (next_fp == fp || ++switches > MAX_STACK_SWITCHES)
				break;
		}
		fp = next_fp;
	}
	return NULL;
}
