/* libFuzzer: kdump-compressed and flattened dumps.  The input's first byte
 * picks the format; the rest is the file with the magic put back, so the
 * mutator does not waste its time breaking the signature. */
#include "common.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *const magic[] = { "KDUMP   ", "DISKDUMP", "makedumpfile" };
	const char *m = magic[data[0] % 3];
	size_t mlen = strlen(m), n = size - 1;
	uint8_t *buf = malloc(n > mlen ? n : mlen);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, n);
	memcpy(buf, m, mlen);
	fuzz_dump(buf, n > mlen ? n : mlen, "::status; ::msgbuf; ::ps; $c");
	free(buf);
	return 0;
}
