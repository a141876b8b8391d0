/* Kernel dumps: ::uregs, the user registers a task entered the kernel
 * with, as crash's bt prints them below a syscall or interrupt from user
 * space.  x86-64 and AArch64 keep them in the struct pt_regs at the top of
 * the task's kernel stack (task_pt_regs: stack + THREAD_SIZE -
 * sizeof(pt_regs)). */
#include "cmds.h"
#include "../kernel/kernel.h"
#include "../kernel/ktypes.h"
#include "../kernel/vmalloc.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_THREAD_SIZE (16u << 10)
#define GUARD (4u << 10)       /* the guard page a vmalloc'd stack's area includes */

/* A register of the block: its label (padded as printed), the member of
 * struct pt_regs behind it (element INDEX of an array member) and its
 * width in hex digits (0: as many as it takes). */
struct ureg {
	const char *label, *member;
	unsigned index;
	int digits;
};

/* An architecture's block, three registers a line in crash's bt order,
 * and the register whose MASK bits equal USER for a task that entered from
 * user space. */
struct ulayout {
	const char *arch;
	const struct ureg *regs;
	size_t n;
	size_t mode;
	uint64_t mask, user;
};

static const struct ureg X86_64[] = {
	{ "RIP", "ip", 0, 16 }, { "RSP", "sp", 0, 16 }, { "RFLAGS", "flags", 0, 8 },
	{ "RAX", "ax", 0, 16 }, { "RBX", "bx", 0, 16 }, { "RCX", "cx", 0, 16 },
	{ "RDX", "dx", 0, 16 }, { "RSI", "si", 0, 16 }, { "RDI", "di", 0, 16 },
	{ "RBP", "bp", 0, 16 }, { " R8", "r8", 0, 16 }, { " R9", "r9", 0, 16 },
	{ "R10", "r10", 0, 16 }, { "R11", "r11", 0, 16 }, { "R12", "r12", 0, 16 },
	{ "R13", "r13", 0, 16 }, { "R14", "r14", 0, 16 }, { "R15", "r15", 0, 16 },
	{ "ORIG_RAX", "orig_ax", 0, 16 }, { "CS", "cs", 0, 4 }, { "SS", "ss", 0, 4 },
};

#define X(i, label) { label, "regs", i, 16 }
static const struct ureg AARCH64[] = {
	{ " PC", "pc", 0, 16 }, { " LR", "regs", 30, 16 }, { " SP", "sp", 0, 16 },
	X(29, "X29"), X(28, "X28"), X(27, "X27"), X(26, "X26"), X(25, "X25"), X(24, "X24"),
	X(23, "X23"), X(22, "X22"), X(21, "X21"), X(20, "X20"), X(19, "X19"), X(18, "X18"),
	X(17, "X17"), X(16, "X16"), X(15, "X15"), X(14, "X14"), X(13, "X13"), X(12, "X12"),
	X(11, "X11"), X(10, "X10"), X(9, " X9"), X(8, " X8"), X(7, " X7"), X(6, " X6"),
	X(5, " X5"), X(4, " X4"), X(3, " X3"), X(2, " X2"), X(1, " X1"), X(0, " X0"),
	{ "ORIG_X0", "orig_x0", 0, 16 }, { "SYSCALLNO", "syscallno", 0, 0 }, { "PSTATE", "pstate", 0, 8 },
};
#undef X

#define N(a) (sizeof(a) / sizeof(*(a)))
/* x86-64: CS's privilege level 3; AArch64: PSTATE's mode EL0t (its low
 * four bits 0, for 64- and 32-bit tasks alike) */
static const struct ulayout LAYOUTS[] = {
	{ "x86_64", X86_64, N(X86_64), 19, 3, 3 },
	{ "aarch64", AARCH64, N(AARCH64), 35, 0xf, 0 },
};

/* The running task of the current CPU, when no task is named. */
static struct pm_err *current_task(struct pmdb *db, uint64_t *task)
{
	struct pm_ktask *v;
	size_t n;
	struct pm_err *err = pm_kernel_tasks(db->t, &v, &n);
	if (err)
		return err;
	*task = 0;
	for (size_t i = 0; i < n && !*task; i++)
		if (v[i].on_cpu && v[i].cpu >= 0 && (size_t)v[i].cpu == db->cur_thread)
			*task = v[i].addr;
	free(v);
	return *task ? NULL : pm_err_new(PM_ERR_LOOKUP, "no task is running on CPU %zu: give one (TASK::uregs)",
					 db->cur_thread);
}

/* The top of the task's kernel stack: its vmalloc area's end less the
 * guard page, else task->stack + 16 KiB. */
static struct pm_err *stack_top(struct pm_target *t, uint64_t task, uint64_t *top)
{
	uint64_t off, stack;
	if (!pm_ktype_member(t, "task_struct", "stack", &off, NULL))
		return pm_err_new(PM_ERR_LOOKUP, "struct task_struct has no member stack in the dump's types");
	struct pm_err *err = pm_target_read_u64(t, task + off, &stack, "task_struct.stack");
	if (err)
		return err;
	struct pm_vmap_area a;
	bool found = false;
	pm_err_free(pm_vmap_area(t, stack, &a, &found));
	*top = found && a.start == stack && a.end - a.start > GUARD ? a.end - GUARD : stack + DEFAULT_THREAD_SIZE;
	return NULL;
}

/* The block's registers from the struct pt_regs at ADDR. */
static struct pm_err *read_regs(struct pm_target *t, const struct ulayout *l, uint64_t addr,
				uint64_t *vals)
{
	for (size_t i = 0; i < l->n; i++) {
		uint64_t off, size;
		if (!pm_ktype_member(t, "pt_regs", l->regs[i].member, &off, &size))
			return pm_err_new(PM_ERR_LOOKUP, "struct pt_regs has no member %s", l->regs[i].member);
		/* an array member's size is the whole array's */
		size_t width = l->regs[i].index || size > 8 ? 8 : (size_t)size;
		if (width == 0 || (uint64_t)(l->regs[i].index + 1) * width > size)
			return pm_err_new(PM_ERR_LOOKUP, "struct pt_regs' member %s is too small",
					  l->regs[i].member);
		unsigned char b[8] = { 0 };
		struct pm_err *err = pm_target_read(t, addr + off + l->regs[i].index * width, b, width,
						    "the task's pt_regs");
		if (err)
			return err;
		vals[i] = pm_le64(b);
	}
	return NULL;
}

struct pm_err *pm_cmd_uregs(struct pmdb *db, const struct pm_call *call)
{
	struct pm_target *t = db->t;
	if (!t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "::uregs: not a kernel crash dump ($r shows a core's registers)");
	const struct ulayout *l = NULL;
	for (size_t i = 0; i < N(LAYOUTS) && !l; i++)
		if (strcmp(t->arch->name, LAYOUTS[i].arch) == 0)
			l = &LAYOUTS[i];
	if (!l)
		return pm_err_new(PM_ERR_LOOKUP, "::uregs: %s kernel dumps are not supported (x86-64 and AArch64)",
				  t->arch->name);
	if (call->argc > 1)
		return pm_err_new(PM_ERR_SYNTAX, "::uregs takes no arguments: TASK::uregs");
	uint64_t task = call->addr, top = 0, size = pm_ktype_size(t, "pt_regs");
	struct pm_err *err = call->has_addr ? NULL : current_task(db, &task);
	if (!err)
		err = stack_top(t, task, &top);
	if (err)
		return err;
	if (size == 0 || size > 1024)
		return pm_err_new(PM_ERR_LOOKUP, "struct pt_regs is unknown in the dump's types");
	uint64_t vals[N(AARCH64)] = { 0 };
	_Static_assert(N(X86_64) <= N(AARCH64), "the largest block sizes vals");
	if ((err = read_regs(t, l, top - size, vals)))
		return err;
	if ((vals[l->mode] & l->mask) != l->user)
		return pm_err_new(PM_ERR_LOOKUP, "task 0x%" PRIx64 " did not enter the kernel from user space "
				  "(a kernel thread, or %s 0x%" PRIx64 " in its pt_regs at 0x%" PRIx64 ")",
				  task, l->regs[l->mode].member, vals[l->mode], top - size);
	for (size_t i = 0; i < l->n; i++) {
		fprintf(db->out, "%s%s: %0*" PRIx64, i % 3 == 0 ? "    " : "  ", l->regs[i].label,
			l->regs[i].digits, vals[i]);
		if (i % 3 == 2 || i + 1 == l->n)
			fputc('\n', db->out);
	}
	return NULL;
}
