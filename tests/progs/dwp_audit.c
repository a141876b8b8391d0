/* The second unit of dwp_main.c's program (see there). */
struct account {
	int id;
	long balance;
	const char *owner;
	struct account *next;
};

extern volatile long sink;
static long audits;
#ifdef OTHER_BUILD
int other_audit = 1;   /* another build: other DWO ids */
#endif

static inline __attribute__((always_inline)) void check_balance(struct account *a, long limit)
{
	/* accounts[1].next is NULL: reads address 0x8 */
	if (a->next->balance > limit)
		sink = a->next->id;
	audits++;
}

__attribute__((noinline)) void audit(struct account *a, int depth)
{
	check_balance(a, depth * 100L);
	sink = a->id * depth + audits;
}
