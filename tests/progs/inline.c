/* -O2 -g: the fault is in a function inlined into its caller, so the
 * innermost frame is an inline frame. */
struct counter { long hits; long *slot; };

static inline __attribute__((always_inline)) void bump(struct counter *c)
{
	c->hits++;
	*c->slot = c->hits;
}

__attribute__((noinline)) void record_hit(struct counter *c)
{
	bump(c);
	asm volatile("" ::: "memory");
}

int main(void)
{
	static struct counter c;
	record_hit(&c);
	return 0;
}
