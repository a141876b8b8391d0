/* Grouping the cores by signature hash, most frequent first. */
#include "internal.h"
#include "../base/json.h"
#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

struct bucket {
	size_t first;        /* the example: the first core, in input order */
	size_t count;
};

static const struct pm_result *sort_res;

static int by_hash(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(sort_res[x].hash, sort_res[y].hash);
	return c ? c : (x > y) - (x < y);
}

static int by_count(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(sort_res[x->first].hash, sort_res[y->first].hash);
}

static void print_json(const struct bucket *b, const char *core, const struct pm_result *r,
		       FILE *out)
{
	struct pm_json j;
	pm_json_init(&j, out);
	pm_json_object(&j);
	pm_json_kstr(&j, "bucket", r->hash);
	pm_json_kint(&j, "count", (int64_t)b->count);
	pm_json_kstr(&j, "class", r->cls);
	pm_json_kstr(&j, "signature", r->signature);
	pm_json_kstr(&j, "example", core);
	pm_json_kstr(&j, "summary", r->summary);
	pm_json_object_end(&j);
	fputc('\n', out);
}

void pm_buckets_print(const struct pm_corelist *l, const struct pm_result *res, bool json,
		      FILE *out)
{
	size_t *idx = xcalloc(l->n + 1, sizeof(*idx)), n = 0, errors = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (res[i].hash)
			idx[n++] = i;
		else
			errors++;
	}
	sort_res = res;
	qsort(idx, n, sizeof(*idx), by_hash);
	struct bucket *b = xcalloc(n + 1, sizeof(*b));
	size_t nb = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(res[idx[i]].hash, res[idx[i - 1]].hash) != 0)
			b[nb++] = (struct bucket){ idx[i], 0 };
		b[nb - 1].count++;
	}
	qsort(b, nb, sizeof(*b), by_count);
	if (!json)
		fprintf(out, "\n%zu cores, %zu signatures, %zu not analysed\n%6s  %-16s  %-20s  %s\n",
			l->n, nb, errors, "COUNT", "HASH", "CLASS", "EXAMPLE / SIGNATURE / SUMMARY");
	for (size_t i = 0; i < nb; i++) {
		const struct pm_result *r = &res[b[i].first];
		if (json)
			print_json(&b[i], l->path[b[i].first], r, out);
		else
			fprintf(out, "%6zu  %-16s  %-20s  %s\n%48s%s\n%48s%s\n", b[i].count, r->hash,
				r->cls, l->path[b[i].first], "", r->signature, "", r->summary);
	}
	free(b);
	free(idx);
}
