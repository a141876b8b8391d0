#include "addrset.h"
#include "util.h"

#include <stdlib.h>

static size_t slot_of(uint64_t a, size_t cap)
{
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdull;
	a ^= a >> 33;
	return (size_t)a & (cap - 1);
}

static void insert(uint64_t *slots, size_t cap, uint64_t a)
{
	size_t i = slot_of(a, cap);
	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = a;
}

bool pm_addrset_add(struct pm_addrset *s, uint64_t a)
{
	if (a == 0) {
		bool fresh = !s->has_zero;
		s->has_zero = true;
		return fresh;
	}
	if (s->cap) {
		for (size_t i = slot_of(a, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1))
			if (s->slots[i] == a)
				return false;
	}
	if (2 * (s->n + 1) > s->cap) {     /* keep it at most half full */
		size_t cap = s->cap ? 2 * s->cap : 64;
		uint64_t *slots = xcalloc(cap, sizeof(*slots));
		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i])
				insert(slots, cap, s->slots[i]);
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	insert(s->slots, s->cap, a);
	s->n++;
	return true;
}

void pm_addrset_free(struct pm_addrset *s)
{
	free(s->slots);
	*s = (struct pm_addrset){ 0 };
}
