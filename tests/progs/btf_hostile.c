/* Hostile BTF blobs for src/kernel/btf.c (tests/test_btf_hostile.py): an
 * array of itself, and a struct whose anonymous members are itself many
 * times over.  Each lookup must end, and quickly. */
#include "kernel/btf.h"

#include <stdio.h>
#include <string.h>

static size_t blob_of(unsigned char *blob, const uint32_t *types, uint32_t tlen)
{
	uint16_t magic = 0xeb9f;
	memcpy(blob, &magic, 2);
	blob[2] = 1;
	uint32_t h[6] = { 24, 0, tlen, tlen, 4, 0 };   /* hdr_len, type_off, type_len, str_off, str_len */
	memcpy(blob + 4, h, sizeof(h));
	memcpy(blob + 24, types, tlen);
	memcpy(blob + 24 + tlen, "\0ab\0", 4);
	return 24 + tlen + 4;
}

int main(void)
{
	static unsigned char blob[4096];
	struct pm_btf b;
	/* type 1: an ARRAY of 10 of type 1 */
	uint32_t self_array[6] = { 0, (uint32_t)PM_BTF_ARRAY << 24, 0, 1, 1, 10 };
	struct pm_err *err = pm_btf_load(&b, blob, blob_of(blob, self_array, sizeof(self_array)));
	printf("array load %s size %llu\n", err ? "failed" : "ok", (unsigned long long)pm_btf_size(&b, 1));
	pm_err_free(err);
	pm_btf_free(&b);
	/* type 1: a STRUCT of 12 anonymous members of type 1 */
	enum { N = 12 };
	uint32_t nest[3 + 3 * N] = { 1, ((uint32_t)PM_BTF_STRUCT << 24) | N, 8 };
	for (int i = 0; i < N; i++)
		nest[3 + 3 * i + 1] = 1;
	err = pm_btf_load(&b, blob, blob_of(blob, nest, sizeof(nest)));
	uint64_t off;
	printf("nest load %s member %d\n", err ? "failed" : "ok", pm_btf_member(&b, 1, "nothere", &off, NULL));
	pm_err_free(err);
	pm_btf_free(&b);
	/* strings not ending in a NUL */
	size_t n = blob_of(blob, self_array, sizeof(self_array));
	blob[n - 1] = 'x';
	err = pm_btf_load(&b, blob, n);
	printf("strings %s\n", err ? err->msg : "accepted");
	pm_err_free(err);
	if (!err)
		pm_btf_free(&b);
	return 0;
}
