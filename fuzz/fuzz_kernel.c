/* libFuzzer: a kernel dump (ELF vmcore with VMCOREINFO): the page-table
 * walk, kallsyms, BTF, the printk ring buffer, tasks and ORC stacks. */
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_dump(data, size, "::status; ::msgbuf; ::ps; $c; ::stacks; ::analyze");
	return 0;
}
