/* libFuzzer: a kernel dump (ELF vmcore with VMCOREINFO): the page-table
 * walk, kallsyms, BTF, the printk ring buffer, tasks, ORC stacks, slab
 * caches and ::whatis, and the typed dcmds on the BTF written out as DWARF
 * (no vmlinux looked for). */
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pm_dwarf_set_vmlinux("");
	fuzz_dump(data, size, "::status; ::msgbuf; ::ps; $c; ::stacks; ::analyze; ::kmastat; <rsp::whatis; "
		  "init_task::whatis; init_task::print struct task_struct; ::p ((struct task_struct *)&init_task)->tasks; "
		  "::print struct sk_buff; ::enum pid_type; ::offsetof struct task_struct in_execve");
	return 0;
}
