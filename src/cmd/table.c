/* The one list of dcmds.  ::help, ::dcmds and the README's command list
 * are generated from it. */
#include "cmds.h"
#include "registry.h"

#include <string.h>

const struct pm_dcmd pm_dcmds[] = {
	{ "status", "", "what the dump is and why the process died",
	  "Prints the core file, executable, initial argv, pid and thread count, then the\n"
	  "signal: its name and number, si_code by name (SEGV_MAPERR, SI_KERNEL, SI_TKILL ...),\n"
	  "the fault address for faults, the sender for signals sent by a process, and\n"
	  "which thread took it.",
	  "::status", pm_cmd_status, PM_NEEDS_TARGET },
	{ "$c", "[tid]", "stack of the current thread (or of thread tid)",
	  "One frame per line, innermost first: function+offset().  Inline frames are\n"
	  "marked (inlined), the kernel's signal trampoline shows as <signal handler called>.\n"
	  "Options as ::stack.",
	  "$c\n0t4242$c", pm_cmd_stack_c, PM_NEEDS_TARGET },
	{ "$C", "[tid]", "stack with each frame's stack pointer",
	  "As $c, with the stack pointer of each frame in the first column.",
	  "$C", pm_cmd_stack_C, PM_NEEDS_TARGET },
	{ "stack", "[tid] [-afps] [-n count]", "stack of a thread, with options",
	  "-a  show each function's arguments where DWARF locates them (name=value)\n"
	  "-f  show each frame's stack pointer\n"
	  "-p  show each frame's pc (a return address for callers, as gdb shows it)\n"
	  "-s  show the source file and line\n"
	  "-n  show at most count frames\n"
	  "Unwinding uses DWARF CFI (.eh_frame, .debug_frame) and falls back to frame pointers.",
	  "::stack -ps\n::walk thread | ::stack -n 3", pm_cmd_stack, PM_NEEDS_TARGET },
	{ "findstack", "[tid]", "stack of a thread, with its stack pointer",
	  "mdb's layout: the thread's stack pointer, then each frame's stack pointer and\n"
	  "function.  Without an address, the current thread.",
	  "::walk thread | ::findstack", pm_cmd_findstack, PM_NEEDS_TARGET },
	{ "stacks", "[-v]", "every thread's stack, identical stacks grouped",
	  "Threads whose frames have the same pcs are shown once, with a count and the\n"
	  "first thread's id; -v lists every thread id of a group.",
	  NULL, pm_cmd_stacks, PM_NEEDS_TARGET },
	{ "$r", "[tid]", "general registers of the current thread",
	  "%rip is shown as symbol+offset, %rflags decoded (set flags upper case),\n"
	  "with the segment registers and the fs/gs bases.",
	  NULL, pm_cmd_regs, PM_NEEDS_TARGET },
	{ "regs", "[tid]", "general registers (as $r)", "The same as $r.", NULL, pm_cmd_regs,
	  PM_NEEDS_TARGET },
	{ "fpregs", "", "floating-point and vector registers",
	  "x87 control and status words, %st0-7, %mxcsr and %xmm0-15, or %ymm0-15 when\n"
	  "the dump holds the AVX state (NT_X86_XSTATE).",
	  NULL, pm_cmd_fpregs, PM_NEEDS_TARGET },
	{ "walk", "[addr] walker [arg]", "print the elements a walker visits",
	  "One element per line: addresses as 0x..., thread ids as 0tTID, so that a\n"
	  "pipeline's next stage reads them back.  addr starts walkers that take a start\n"
	  "(list, link_map); arg is the walker's own (list: the next pointer's offset).\n"
	  "::walkers lists the walkers, built-in and from loaded modules.  On a kernel\n"
	  "dump, thread and task both walk every task_struct (a Linux thread is a task):\n"
	  "init_task, the other CPUs' idle tasks, then init_task.tasks in order with each\n"
	  "thread group's threads after its leader; thread gives 0tTID only on cores.",
	  "::walk thread | ::findstack\n::walk link_map\nhead::walk list 8", pm_cmd_walk, PM_NEEDS_TARGET },
	{ "walkers", "", "list the walkers", "Built-in walkers, then those of loaded modules.", NULL,
	  pm_cmd_walkers, 0 },
	{ "context", "[tid]", "select the current thread",
	  "tid::context makes thread tid the current one for $r, $c and <reg.\n"
	  "Without an address, prints the current thread.",
	  "0t4243::context", pm_cmd_context, PM_NEEDS_TARGET },
	{ "$l", "", "the current thread's id", "Prints the current thread id as 0tTID.", NULL,
	  pm_cmd_tid, PM_NEEDS_TARGET },
	{ "threads", "", "every thread with its pc",
	  "'>' marks the current thread, '*' the one that took the signal.", NULL,
	  pm_cmd_threads, PM_NEEDS_TARGET },
	{ "mappings", "[addr]", "memory mappings of the process",
	  "BASE LIMIT SIZE, permissions, where the contents come from (core: saved in the\n"
	  "core; file: read from the mapped file; part: partly; none: not available) and the\n"
	  "file or [ stack ], [ heap ], [ vdso ], [ anon ].  With addr, the mapping holding it.",
	  NULL, pm_cmd_mappings, PM_NEEDS_TARGET },
	{ ":r", "[args]", "run the program pmdb was started with",
	  "Starts the program named on pmdb's command line (pmdb PROG [ARGS]) under pmdb,\n"
	  "with ASLR off as gdb does, and runs it until a breakpoint, a signal or its end.\n"
	  "Arguments replace the ones given before.  A program already running is killed\n"
	  "and started again.  It is killed when pmdb exits.",
	  "::bp main\n:r\n:r -v input.txt", pm_cmd_run, 0 },
	{ ":c", "[SIG]", "continue the process",
	  "Resumes every thread until a breakpoint, a signal that stops (::sigbp, :i) or\n"
	  "the end.  A signal the process stopped on is handed to it; :c 0 discards it and\n"
	  ":c SIG hands over SIG instead.  Ctrl-C stops it and gives the prompt back.  The\n"
	  "child of a fork is let go with the breakpoints out of its memory (gdb's\n"
	  "detach-on-fork).",
	  ":c\n:c 0", pm_cmd_cont, PM_NEEDS_TARGET },
	{ ":s", "", "step one instruction",
	  "Single-steps the current thread; the others stay stopped.",
	  ":s", pm_cmd_stepi, PM_NEEDS_TARGET },
	{ ":e", "", "step over a call",
	  "As :s, but a call instruction runs to its return (every thread runs meanwhile).",
	  ":e", pm_cmd_stepover, PM_NEEDS_TARGET },
	{ "step", "[over|out]", "step an instruction, over a call, or out of a function",
	  "::step is :s, ::step over is :e, ::step out runs until the current function\n"
	  "returns to its caller (recursion-safe: the stack must be above this frame).",
	  "::step out", pm_cmd_step, PM_NEEDS_TARGET },
	{ "bp", "symbol|addr ...", "set a breakpoint",
	  "A breakpoint at the address, or at each symbol's address (mdb's: the function's\n"
	  "first instruction).  A symbol not loaded yet stays pending and is set when the\n"
	  "dynamic loader maps its library (once the program is loaded, pmdb says when no\n"
	  "loaded object defines it).  addr:b is the same as addr::bp.",
	  "::bp main\n::bp puts\nmain+0x10::bp", pm_cmd_bp, 0 },
	{ ":b", "", "set a breakpoint at an address (addr:b)", "The same as addr::bp.",
	  "main:b", pm_cmd_bp, 0 },
	{ "delete", "id|all", "delete a breakpoint", "Ids are those ::events shows.",
	  "::delete 1\n::delete all", pm_cmd_delete, 0 },
	{ "events", "", "list the breakpoints",
	  "Each breakpoint with its id, address, hit count and where it is (or the\n"
	  "symbol it waits for).", NULL, pm_cmd_events, 0 },
	{ "sigbp", "[SIG ...]", "stop when a signal arrives",
	  "By default every signal stops the process except SIGCHLD, SIGWINCH, SIGALRM,\n"
	  "SIGURG, SIGPROF, SIGVTALRM and SIGIO, which are handed over quietly.  Without\n"
	  "arguments, lists the signals handed over without stopping.",
	  "::sigbp SIGALRM", pm_cmd_sigbp, PM_NEEDS_TARGET },
	{ ":i", "SIG ...", "hand a signal over without stopping",
	  "The process still gets the signal (gdb's handle SIG nostop pass).",
	  ":i SIGSEGV\n:i USR1", pm_cmd_sigignore, PM_NEEDS_TARGET },
	{ ":k", "", "kill the process", "Sends SIGKILL and waits for the end.", NULL, pm_cmd_kill,
	  PM_NEEDS_TARGET },
	{ "release", "", "let the process go",
	  "Detaches from every thread, breakpoints removed; the process runs on (even one\n"
	  "started with :r).  pmdb then has no target.", NULL, pm_cmd_release, PM_NEEDS_TARGET },
	{ "gcore", "[file]", "write a core file of the live process",
	  "Writes an ELF core of the process pmdb is attached to (pmdb -p PID) while it is\n"
	  "stopped, as the kernel would write one: each thread's registers and FP state,\n"
	  "NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE, and the mappings its\n"
	  "/proc/PID/coredump_filter selects (by default anonymous and written-to memory,\n"
	  "the first page of mapped ELF files, the vdso).  Zero pages stay holes.  The\n"
	  "file defaults to core.PID and is readable by its owner only.",
	  "::gcore\n::gcore /tmp/server.core", pm_cmd_gcore, PM_NEEDS_TARGET },
	{ "$m", "[addr]", "memory mappings (as ::mappings)", "The same as ::mappings.", NULL,
	  pm_cmd_mappings, PM_NEEDS_TARGET },
	{ "modules", "", "loaded objects with build-ids and the files used",
	  "Every module (executable, shared libraries, vDSO) with its address range,\n"
	  "build-id, the file its symbols come from, its separate debug file and the\n"
	  "split DWARF package (.dwp) its units come from, if any.  On a kernel dump:\n"
	  "vmlinux, or the DWARF pmdb wrote from the dump's BTF.",
	  NULL, pm_cmd_modules, PM_NEEDS_TARGET },
	{ "set", "[debug-path DIR[:DIR...]]", "show or change the session's settings",
	  "With no arguments, the settings.  debug-path (alias debug-file-directory, as\n"
	  "gdb's): the folders searched for separate debug info, as -d gives them, before\n"
	  "/usr/lib/debug; setting it opens the debug session again, so modules whose debug\n"
	  "file is found there get their symbols, types and lines (::modinfo shows where\n"
	  "each was looked for).  \"\" sets none.",
	  "::set debug-path /srv/debug\n::set", pm_cmd_set, 0 },
	{ "modinfo", "", "where each module's file and debug file were looked for",
	  "For every module, each place searched for its file (command line, --sysroot,\n"
	  "--solib-path, the recorded path) and for its debug info (the file itself, the\n"
	  "cache, build-id folders, .gnu_debuglink names, debuginfod; for split DWARF\n"
	  "whose .dwo files are missing, FILE.dwp), in order, with what was found there:\n"
	  "missing, build-id mismatch, other DWO ids, used.  On a kernel dump, where\n"
	  "vmlinux was looked for (-k, build-id folders, by release, debuginfod), else the\n"
	  "BTF's DWARF (written, or from the cache).",
	  NULL, pm_cmd_modinfo, PM_NEEDS_TARGET },
	{ "dis", "[addr] [-n count]", "disassemble",
	  "At the start of a function, the whole function.  Elsewhere, count (default 10)\n"
	  "instructions before and after addr, addr marked with =>.  AT&T syntax.",
	  "<rip::dis -n 6\nmain::dis", pm_cmd_dis, PM_NEEDS_TARGET },
	{ "analyze", "[-j]", "why the process crashed, with the evidence",
	  "A class (null-deref, wild-pointer, bad-jump, stack-overflow, abort, signal-sent,\n"
	  "arithmetic, illegal-instruction, breakpoint, bus-error, bad-access, unknown) and\n"
	  "a one-line summary; then the facts behind it, each 'key: value' (docs/analyze.md\n"
	  "lists the keys): the faulting instruction and operand, the registers and the\n"
	  "variable it used, the jump target and where it came from, the stack's bounds and\n"
	  "recursion, the abort message, the C++ exception or Rust panic; CERT's exploitable\n"
	  "class; the crashing thread's frames, => marking the first one past abort/raise.\n"
	  "When a signal handler re-raised a fault, the original fault is analysed, from the\n"
	  "signal frame.  Last, the crash signature (class and top functions, the same for\n"
	  "the same bug across runs) and its hash.  -j: the JSON report of the whole dump\n"
	  "instead, on one line (docs/json.md).",
	  "::analyze\n::analyze -j", pm_cmd_analyze, PM_NEEDS_TARGET },
	{ "msgbuf", "", "the kernel log (printk ring buffer) of a kernel dump",
	  "Every record of the printk ring buffer (Linux 5.10 and later) as\n"
	  "[seconds.microseconds] text, oldest first, read with the offsets VMCOREINFO\n"
	  "gives: no vmlinux needed.",
	  "::msgbuf ! tail -20", pm_cmd_msgbuf, PM_NEEDS_TARGET },
	{ "ps", "", "the tasks of a kernel dump",
	  "Every task (init_task, the tasks list, each one's threads) with PID, parent's\n"
	  "PID, CPU, task_struct address, state as crash names it (RU IN UN ID ST TR ZO DE)\n"
	  "and command, kernel threads in [brackets], '>' for the tasks on a CPU.  Layouts\n"
	  "come from the dump's BTF: no vmlinux needed.  Into a pipeline (|) it prints\n"
	  "each task_struct address instead, one a line, for the next dcmd.",
	  "::ps\n::ps ! grep kworker\n::ps | ::findstack", pm_cmd_ps, PM_NEEDS_TARGET },
	{ "pgrep", "PATTERN", "the tasks whose command matches a glob",
	  "As ::ps, only the tasks whose command name matches PATTERN (fnmatch); into a\n"
	  "pipeline, their task_struct addresses.",
	  "::pgrep 'kworker*'\n::pgrep 'mdb*' | ::ptree", pm_cmd_pgrep, PM_NEEDS_TARGET },
	{ "ptree", "", "the process tree of a kernel dump",
	  "Without an address, every process (thread-group leader) under its parent\n"
	  "(task_struct.real_parent), as mdb's ::ptree: 'TASK  COMM', four spaces deeper a\n"
	  "generation, children in ::ps order; init_task (swapper/0) is the root, with init\n"
	  "and kthreadd below it.  TASK::ptree prints TASK's ancestors from the root down to\n"
	  "it, then its descendants; a thread's address stands for its process.",
	  "::ptree\nffff8a5c44496100::ptree\n::pgrep sleep | ::ptree", pm_cmd_ptree, PM_NEEDS_TARGET },
	{ "uregs", "", "the user registers a kernel task entered the kernel with",
	  "TASK::uregs (no address: the task running on the current CPU) prints the\n"
	  "struct pt_regs at the top of the task's kernel stack, where the kernel saved the\n"
	  "user registers at its syscall or interrupt from user space, in crash's bt\n"
	  "layout (x86-64: RIP RSP RFLAGS ... ORIG_RAX CS SS; AArch64: PC LR SP, X29 to X0,\n"
	  "ORIG_X0 SYSCALLNO PSTATE).  A kernel thread, which never came from user space,\n"
	  "is refused.",
	  "::uregs\n::pgrep sleep | ::uregs", pm_cmd_uregs, PM_NEEDS_TARGET },
	{ "cpuinfo", "[-v]", "each CPU of a kernel dump and the task it ran",
	  "For every CPU of the dump: the task running on it (task_struct, PID, command)\n"
	  "and the pc of its saved registers, the CPU that panicked marked.  -v adds each\n"
	  "CPU's stack (as crash's bt -a), unwound from those registers with the dump's ORC\n"
	  "tables.",
	  "::cpuinfo\n::cpuinfo -v", pm_cmd_cpuinfo, PM_NEEDS_TARGET },
	{ "threadlist", "[-v]", "every task of a kernel dump and where it waits",
	  "mdb's ::threadlist: TASK, PID, COMM and the function the task's stack is in: the\n"
	  "first frame outside the scheduler's and lock functions (__sched_text and\n"
	  "__lock_text, as the kernel's wchan; for a task on a CPU, the pc the dump saved).\n"
	  "-v adds each task's whole stack (each frame's stack pointer and function).",
	  "::threadlist\n::threadlist -v", pm_cmd_threadlist, PM_NEEDS_TARGET },
	{ "lsmod", "", "the loaded kernel modules",
	  "Each module of the kernel's module list: its struct module, name, the base and\n"
	  "size of its code.  Their symbols (from each module's own symbol table in the\n"
	  "dump) name addresses in modules.",
	  NULL, pm_cmd_lsmod, PM_NEEDS_TARGET },
	{ "vtop", "", "translate a kernel virtual address to a physical one",
	  "addr::vtop walks the kernel's page tables (init_top_pgt) for addr and prints\n"
	  "the physical address, the page size and the entry of each level.",
	  "init_task::vtop", pm_cmd_vtop, PM_NEEDS_TARGET },
	{ "kmastat", "[PATTERN]", "the slab caches of a kernel dump",
	  "Every SLUB cache of the slab_caches list (or those whose name matches the glob\n"
	  "PATTERN) in crash's kmem -s columns: the struct kmem_cache, object size,\n"
	  "allocated and total objects, slabs, slab size, name; then the totals.  Totals\n"
	  "and slabs are each node's counters (CONFIG_SLUB_DEBUG); allocated is the total\n"
	  "less the free objects of the partial slabs and of each CPU's slab, freelist and\n"
	  "partial slabs (free pointers decoded under CONFIG_SLAB_FREELIST_HARDENED).  A\n"
	  "cache whose lists are broken or loop shows ? and a warning.  Layouts come from\n"
	  "the dump's BTF: no vmlinux needed.",
	  "::kmastat\n::kmastat 'kmalloc-*'", pm_cmd_kmastat, PM_NEEDS_TARGET },
	{ "vmcoreinfo", "", "the VMCOREINFO facts of a kernel dump",
	  "The KEY=VALUE lines of the dump's VMCOREINFO note (symbol addresses, layouts,\n"
	  "phys_base, KASLR offset) as pmdb uses them.  For a dump without the note (a\n"
	  "QEMU guest without qemu_fw_cfg, or --ignore-vmcoreinfo) the lines pmdb rebuilt:\n"
	  "the kernel found from the CPUs' page tables, kallsyms located by their layout,\n"
	  "then symbols from kallsyms, layouts from BTF, release and build-id from memory.",
	  "::vmcoreinfo ! grep KERNELOFFSET", pm_cmd_vmcoreinfo, PM_NEEDS_TARGET },
	{ "dmesg", "", "the kernel log (as ::msgbuf)", "The same as ::msgbuf.", NULL, pm_cmd_msgbuf,
	  PM_NEEDS_TARGET },
	{ "print", "[-atdx] TYPE [MEMBER ...]", "print memory at addr as a DWARF type",
	  "addr::print TYPE shows the value of TYPE at addr: aggregates one member per\n"
	  "line, nested ones in braces, arrays in [ ], enums with their enumerator, char\n"
	  "arrays and char pointers as strings, function pointers with their symbol.\n"
	  "MEMBERs are C paths: a.b.c, a[2], p->next.  TYPE is a C spelling: struct proc,\n"
	  "proc_t, 'unsigned long', 'struct node *'.  Without an address, the type's\n"
	  "definition, or when TYPE names a variable instead, its value.  On a kernel\n"
	  "dump the types are vmlinux's (-k, or found by build-id), else the dump's BTF.\n"
	  "-a  each member's address    -t  each member's type\n"
	  "-d  integers in decimal      -x  integers in hex (the default)",
	  "0x567480c0::print struct proc p_pid\n<rdi::print -at struct node\n::print struct node",
	  pm_cmd_print, PM_NEEDS_TARGET },
	{ "sizeof", "TYPE", "size of a type", "In bytes, from DWARF.", "::sizeof struct node",
	  pm_cmd_sizeof, PM_NEEDS_TARGET },
	{ "offsetof", "TYPE MEMBER", "offset of a member",
	  "The byte offset of MEMBER (a path: a.b, a[3]) in TYPE, and its size; of a\n"
	  "bit-field, the byte holding its lowest bit, that bit and its width.",
	  "::offsetof struct proc p_user.u_psargs", pm_cmd_offsetof, PM_NEEDS_TARGET },
	{ "enum", "TYPE", "enumerators of an enum, or the name of a value",
	  "Without an address, every enumerator with its value.  value::enum TYPE names\n"
	  "the enumerator with that value, or the flags it is made of.",
	  "::enum enum color\n2::enum enum color", pm_cmd_enum, PM_NEEDS_TARGET },
	{ "array", "TYPE COUNT", "addresses of the elements of an array",
	  "addr::array TYPE COUNT prints the address of each of COUNT elements of TYPE\n"
	  "starting at addr, for a pipeline.",
	  "table::array struct node 4 | ::print struct node value", pm_cmd_array, PM_NEEDS_TARGET },
	{ "list", "TYPE MEMBER", "addresses of the nodes of a linked list",
	  "addr::list TYPE MEMBER follows the pointer MEMBER of TYPE from node to node\n"
	  "and prints each node's address; it stops at NULL, at unreadable memory, and when\n"
	  "the list loops back on itself.",
	  "head::list struct node next | ::print struct node value", pm_cmd_list, PM_NEEDS_TARGET },
	{ "p", "[-x] EXPRESSION", "evaluate a C expression and print it with its type",
	  "For gdb habits.  Casts, ->, ., [], &, *, + and -, numbers, $registers, and\n"
	  "variables: the locals and parameters of the frame ::frame selected, then\n"
	  "globals of every module.  Integers in decimal; -x for hex.  A symbol without\n"
	  "debug info stands for its address, to cast: on a kernel dump without vmlinux,\n"
	  "((struct task_struct *)&init_task)->comm.",
	  "::p ((struct proc *)0x567480c0)->p_pid\n::p *list_head\n::p argv[0]",
	  pm_cmd_p, PM_NEEDS_TARGET },
	{ "frame", "", "select the frame whose variables ::p sees",
	  "N::frame selects frame N of the current thread (numbered as $c shows them,\n"
	  "inline frames included, 0 innermost).  Without an address, prints it.",
	  "0t2::frame", pm_cmd_frame, PM_NEEDS_TARGET },
	{ "whatis", "addr", "what an address is",
	  "A symbol (name+offset, its size and module), else the mapping holding addr (file\n"
	  "and file offset, or [ heap ] / anonymous), and for a thread's stack, the thread and\n"
	  "the frame whose stack pointers enclose it.\n"
	  "On a kernel dump: the slab object holding addr (mdb's 'is ADDR+off, allocated\n"
	  "from CACHE' or 'freed from', with the cache, the slab, its node, counts and the\n"
	  "CPU whose slab it is), the task whose task_struct or stack holds it, a CPU's\n"
	  "per-CPU variable, the vmalloc area and its caller, the region (direct map,\n"
	  "kernel image text/data/bss, modules, page array), and the physical address\n"
	  "with its struct page, flags and what the page is (a kernel page table, free).",
	  "<rsp::whatis\nmain+4::whatis", pm_cmd_whatis, PM_NEEDS_TARGET },
	{ "nm", "[-n|-s] [-m module] [pattern]", "list symbols",
	  "VALUE SIZE TYPE BIND NAME of every defined symbol of every module (or of\n"
	  "module, by file name or prefix: -m libc), values as run-time addresses.  pattern is a\n"
	  "shell glob.  Sorted by value; -n by name, -s by size.  On a kernel dump: kallsyms\n"
	  "(sizes to the next symbol) and each module's own symbol table; -m vmlinux or -m a\n"
	  "module ::lsmod lists.",
	  "::nm -m libc 'mall*'\n::nm -s -m null_read\n::nm -m pmdbcrash", pm_cmd_nm, PM_NEEDS_TARGET },
	{ "load", "path", "load a module (dmod)",
	  "dlopen()s path and adds the dcmds and walkers its pmdb_module_init lists\n"
	  "(include/pmdb/module.h).  Names may not clash with built-ins or loaded modules.",
	  "::load build/dmod/pmdb_example.so", pm_cmd_load, 0 },
	{ "unload", "name", "unload a module", "Removes the module's dcmds and walkers.", NULL,
	  pm_cmd_unload, 0 },
	{ "dmods", "", "list the loaded modules", "Each module with its file, dcmds and walkers.",
	  NULL, pm_cmd_dmods, 0 },
	{ "help", "[dcmd]", "this help, or a dcmd's", "::help NAME shows NAME's synopsis and description.",
	  NULL, pm_cmd_help, 0 },
	{ "dcmds", "", "list the dcmds", "One line per dcmd, from the same table as ::help.", NULL,
	  pm_cmd_dcmds, 0 },
	{ "formats", "", "list the format characters",
	  "The characters after / (memory), ? (object file), \\ (physical memory of a\n"
	  "kernel dump) and = (a value).", NULL,
	  pm_cmd_formats, 0 },
	{ "$G", "", "toggle C++ and Rust demangling", "Demangling is on at start.", NULL,
	  pm_cmd_demangle, 0 },
	{ "$q", "", "quit", "Leaves pmdb.", NULL, pm_cmd_quit, 0 },
	{ "$d", "[radix]", "show or set the default radix",
	  "Numbers without a 0x, 0t, 0o or 0i prefix are read in the default radix (16 at\n"
	  "start), and ::map, ::grep, $v and the W and w formats print in it.  With an\n"
	  "address from 2 to 16 (itself read in the old radix unless prefixed), sets it.",
	  "0t10$d\n$d", pm_cmd_radix, 0 },
	{ "$v", "", "list the variables that are not zero",
	  "One 'name = value' line per variable, values in the default radix.  value>name\n"
	  "sets a variable, <name reads one (registers are read the same way); the\n"
	  "variable 0 holds the last value a format verb showed.",
	  "0t42>answer; $v", pm_cmd_vars, 0 },
	{ "eval", "command", "run a command string",
	  "Runs the commands in its one argument, as if typed.",
	  "::eval '<rsp/K'", pm_cmd_eval, 0 },
	{ "grep", "[addr] command", "pass dot on when a command leaves it non-zero",
	  "Runs command with dot set to addr; prints addr (in the default radix) when dot\n"
	  "is then non-zero.  In a pipeline it keeps the values that match.",
	  "::walk thread | ::grep .==0t4242", pm_cmd_grep, 0 },
	{ "map", "[addr] command", "replace dot with what a command makes of it",
	  "Runs command with dot set to addr and prints the resulting dot (in the default\n"
	  "radix): in a pipeline, each value is mapped to a new one.",
	  "<rsp::map .+8\n<rsp::map *.", pm_cmd_map, 0 },
	{ "$<", "file", "run a macro file",
	  "Runs the commands in file; run from another macro file, it replaces that one\n"
	  "(the rest of it is not run).  addr,count$<file sets dot and the variable 9.",
	  "$< cmds.mdb", pm_cmd_macro, 0 },
	{ "$<<", "file", "run a macro file, then return",
	  "As $<, but a macro file that runs it continues afterwards.", "$<< cmds.mdb",
	  pm_cmd_macro_nested, 0 },
	{ "which", "dcmd ...", "tell where a dcmd comes from",
	  "Every dcmd is built into pmdb today.", "::which status", pm_cmd_which, 0 },
};

const size_t pm_ndcmds = sizeof(pm_dcmds) / sizeof(pm_dcmds[0]);

const struct pm_dcmd *pm_dcmd_find(const char *name)
{
	for (size_t i = 0; i < pm_ndcmds; i++)
		if (strcmp(pm_dcmds[i].name, name) == 0)
			return &pm_dcmds[i];
	return pm_dmod_dcmd_find(name);
}

const struct pmdb_walker pm_walkers[] = {
	{ "thread", "every thread id (0tTID); kernel dumps: every task_struct, as task",
	  pm_walk_thread_init, pm_walk_thread_step, pm_walk_thread_fini,
	  PMDB_WALKER_DECIMAL | PM_WALKER_ADDRS_ON_KERNEL },
	{ "mapping", "the base address of every mapping", pm_walk_init_index,
	  pm_walk_mapping_step, NULL, 0 },
	{ "module", "the base address of every loaded object", pm_walk_init_index,
	  pm_walk_module_step, NULL, 0 },
	{ "link_map", "glibc's struct link_map list, from r_debug.r_map (or addr)",
	  pm_walk_link_map_init, pm_walk_list_step, pm_walk_list_fini, 0 },
	{ "list", "addr::walk list [offset]: a list linked by the pointer at offset",
	  pm_walk_list_init, pm_walk_list_step, pm_walk_list_fini, 0 },
	{ "task", "kernel dumps: every task_struct (init_task, other CPUs' idle tasks, the tasks list, each group's threads)",
	  pm_walk_task_init, pm_walk_task_step, pm_walk_task_fini, 0 },
};

const size_t pm_nwalkers = sizeof(pm_walkers) / sizeof(pm_walkers[0]);
