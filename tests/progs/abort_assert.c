/*
 * abort_assert: a failing assert() -> __assert_fail -> abort() -> SIGABRT.
 * Why: the crashing thread is deep inside libc (raise/pthread_kill); the
 * debugger must unwind through libc back to check_invariant and main, and
 * can show the assertion message left on the stack.  Built: -O0 -g.
 */
#include <assert.h>
#include <stdio.h>

struct account {
	long	balance;
	long	limit;
};

__attribute__((noinline)) void
check_invariant(const struct account *a)
{
	assert(a->balance >= -a->limit);
}

__attribute__((noinline)) void
withdraw(struct account *a, long amount)
{
	a->balance -= amount;
	check_invariant(a);
}

int
main(void)
{
	struct account acct = { 100, 50 };
	withdraw(&acct, 500);
	printf("not reached\n");
	return 0;
}
