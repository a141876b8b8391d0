/* A failed assert(): glibc prints the assertion and calls abort(). */
#include <assert.h>
#include <stddef.h>

__attribute__((noinline)) void check_queue(size_t depth, size_t limit)
{
	assert(depth < limit && "queue overflow");
}

int main(void)
{
	check_queue(17, 16);
	return 0;
}
