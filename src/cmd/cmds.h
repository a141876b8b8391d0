/* The dcmd functions, one file per area; cmd/table.c lists them. */
#ifndef PM_CMDS_H
#define PM_CMDS_H

#include "../pmdb.h"

struct pm_err *pm_cmd_status(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_stack(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_stack_c(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_stack_C(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_findstack(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_stacks(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_regs(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_fpregs(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_walk(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_context(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_tid(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_threads(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_mappings(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_gcore(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_run(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_cont(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_stepi(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_stepover(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_step(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_kill(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_release(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_sigbp(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_sigignore(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_bp(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_delete(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_events(struct pmdb *db, const struct pm_call *call);
/* The end of a session: breakpoints and the program's arguments (bpts.c). */
void pm_runctl_free(struct pmdb *db);
struct pm_err *pm_cmd_modules(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_modinfo(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_dis(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_print(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_sizeof(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_offsetof(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_enum(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_array(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_list(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_p(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_frame(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_analyze(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_ps(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_pgrep(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_lsmod(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_vtop(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_ptree(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_threadlist(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_kmastat(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_msgbuf(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_set(struct pmdb *db, const struct pm_call *call);
/* A new debug session (settings changed, libraries loaded or unloaded):
 * the old one closed, breakpoints placed again (settings.c). */
struct pm_err *pm_debug_reopen(struct pmdb *db);
struct pm_err *pm_cmd_vmcoreinfo(struct pmdb *db, const struct pm_call *call);
/* ::whatis of a kernel dump (kwhatis.c) */
struct pm_err *pm_kernel_whatis(struct pmdb *db, uint64_t addr);
/* ::status of a kernel dump (kstatus.c) */
struct pm_err *pm_kernel_status(struct pmdb *db);
struct pm_err *pm_live_status(struct pmdb *db);
struct pm_err *pm_cmd_help(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_dcmds(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_formats(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_demangle(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_quit(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_radix(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_vars(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_eval(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_grep(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_map(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_macro(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_macro_nested(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_which(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_walkers(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_whatis(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_nm(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_load(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_unload(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_dmods(struct pmdb *db, const struct pm_call *call);

/* Stacks (stack.c): a frame's name as $c shows it (function+offset()),
 * and a kernel task's stack from its CPU's or its switch frame's registers. */
void pm_print_frame_name(struct pmdb *db, const struct pm_frame *f, FILE *out);
struct pm_err *pm_kernel_task_stack(struct pmdb *db, uint64_t task, struct pm_stack *s);
/* ::threadlist -v's stack: "    SP func+off" lines and a blank line. */
void pm_print_stack_lines(struct pmdb *db, const struct pm_stack *s);
struct pm_err *pm_cmd_cpuinfo(struct pmdb *db, const struct pm_call *call);
struct pm_err *pm_cmd_uregs(struct pmdb *db, const struct pm_call *call);

/* Index of the thread that took the signal (on a kernel dump: the CPU
 * that panicked). */
size_t pm_signal_thread(struct pm_target *t);

/* Option parsing shared by dcmds: flags are single letters; letters in
 * with_value take the next word as a number.  Unknown options fail. */
struct pm_opts {
	bool flag[128];
	uint64_t value[128];
	int first_arg;   /* index of the first non-option word */
};
struct pm_err *pm_getopts(struct pmdb *db, const struct pm_call *call, const char *flags,
			  const char *with_value, struct pm_opts *o);

#endif
