/* A set of addresses (open addressing), for walks that must notice when
 * they come back to a node they have seen. */
#ifndef PM_ADDRSET_H
#define PM_ADDRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_addrset {
	uint64_t *slots;      /* 0 marks an empty slot; address 0 is kept aside */
	size_t cap, n;
	bool has_zero;
};

/* Adds addr; returns false if it was already there. */
bool pm_addrset_add(struct pm_addrset *s, uint64_t addr);
void pm_addrset_free(struct pm_addrset *s);

#endif
