/*
 * hugetypes: DWARF types far larger than any memory, for the bounds of the
 * typed-data layer: an int array of 2^40 elements, a 2^20 x 2^20 array,
 * a char array of 2^50 bytes, a struct holding a huge array, all reached
 * through pointers to real (small) memory.  The crash: a NULL write.
 * Built: -O0 -g.
 */
#include <stdlib.h>

typedef char huge_t[1UL << 50];
typedef int square_t[1 << 20][1 << 20];

struct holder {
	long tag;
	int many[1UL << 40];
};

static int small[64] = { 1, 2, 3 };

huge_t *huge_p = (huge_t *)small;
square_t *square_p = (square_t *)small;
int (*wide_p)[1UL << 40] = (int (*)[1UL << 40])small;
struct holder *holder_p = (struct holder *)small;

int main(void)
{
	volatile int *crash = NULL;
	*crash = (int)sizeof(**huge_p) + small[0];
	return 0;
}
