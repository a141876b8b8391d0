/* Kernel dumps: ::uregs, the user registers a task entered the kernel
 * with, as crash's bt prints them below a syscall or interrupt from user
 * space.  x86-64 keeps them in the struct pt_regs at the top of the task's
 * kernel stack (task_pt_regs: stack + THREAD_SIZE - sizeof(pt_regs)). */
#include "cmds.h"
#include "../kernel/kernel.h"
#include "../kernel/ktypes.h"
#include "../kernel/vmalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_THREAD_SIZE (16u << 10)
#define GUARD (4u << 10)       /* the guard page a vmalloc'd stack's area includes */

/* crash's order, three a line; the member of struct pt_regs behind each */
static const struct {
	const char *label, *member;
	int width;
} REGS[] = {
	{ "RIP", "ip", 16 }, { "RSP", "sp", 16 }, { "RFLAGS", "flags", 8 },
	{ "RAX", "ax", 16 }, { "RBX", "bx", 16 }, { "RCX", "cx", 16 },
	{ "RDX", "dx", 16 }, { "RSI", "si", 16 }, { "RDI", "di", 16 },
	{ "RBP", "bp", 16 }, { "R8", "r8", 16 }, { "R9", "r9", 16 },
	{ "R10", "r10", 16 }, { "R11", "r11", 16 }, { "R12", "r12", 16 },
	{ "R13", "r13", 16 }, { "R14", "r14", 16 }, { "R15", "r15", 16 },
	{ "ORIG_RAX", "orig_ax", 16 }, { "CS", "cs", 4 }, { "SS", "ss", 4 },
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

struct pm_err *pm_cmd_uregs(struct pmdb *db, const struct pm_call *call)
{
	struct pm_target *t = db->t;
	if (!t->kernel)
		return pm_err_new(PM_ERR_LOOKUP, "::uregs: not a kernel crash dump ($r shows a core's registers)");
	if (strcmp(t->arch->name, "x86_64") != 0)
		return pm_err_new(PM_ERR_LOOKUP, "::uregs: %s kernel dumps are not supported (x86-64 only)",
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
	uint64_t regs[sizeof(REGS) / sizeof(*REGS)];
	for (size_t i = 0; i < sizeof(REGS) / sizeof(*REGS); i++) {
		uint64_t off;
		if (!pm_ktype_member(t, "pt_regs", REGS[i].member, &off, NULL))
			return pm_err_new(PM_ERR_LOOKUP, "struct pt_regs has no member %s", REGS[i].member);
		if ((err = pm_target_read_u64(t, top - size + off, &regs[i], "the task's pt_regs")))
			return err;
	}
	if ((regs[19] & 3) != 3)
		return pm_err_new(PM_ERR_LOOKUP, "task 0x%" PRIx64 " did not enter the kernel from user space "
				  "(a kernel thread, or cs 0x%" PRIx64 " in its pt_regs at 0x%" PRIx64 ")",
				  task, regs[19], top - size);
	for (size_t i = 0; i < sizeof(REGS) / sizeof(*REGS); i++) {
		const char *sep = i % 3 == 0 ? "    " : "  ";
		/* crash right-aligns the two-letter names: "  R8:" below "RBX:" */
		fprintf(db->out, "%s%*s: %0*" PRIx64, sep, REGS[i].label[0] == 'R' && strlen(REGS[i].label) < 3 ? 3 : 0, REGS[i].label,
			REGS[i].width, regs[i]);
		if (i % 3 == 2 || i + 1 == sizeof(REGS) / sizeof(*REGS))
			fputc('\n', db->out);
	}
	return NULL;
}
