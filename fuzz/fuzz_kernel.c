/* libFuzzer: a kernel dump (ELF vmcore with VMCOREINFO): the page-table
 * walk, kallsyms, BTF, the printk ring buffer, tasks, ORC stacks, slab
 * caches and ::whatis. */
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_dump(data, size, "::status; ::msgbuf; ::ps; $c; ::stacks; ::analyze; ::kmastat; <rsp::whatis; init_task::whatis");
	return 0;
}
