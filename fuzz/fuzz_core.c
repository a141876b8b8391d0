/* libFuzzer: the ELF core reader, its notes, the module list, threads'
 * stacks and mappings, on a user core given as bytes. */
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_dump(data, size, "::status; $c; ::mappings; ::modules; $r; ::threads");
	return 0;
}
