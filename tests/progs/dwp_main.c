/*
 * dwp_main.c + dwp_audit.c: two units for split DWARF packaged in a .dwp
 * (tests/test_dwp.py).  Built -O1 -g -gsplit-dwarf: the crash is a NULL
 * read inside check_balance(), inlined into audit(), called by process():
 *   main -> process -> audit -> [inline] check_balance
 * The arguments are used after each call so that they stay in callee-saved
 * registers and the debuggers can show them in every frame.
 */
struct account {
	int id;
	long balance;
	const char *owner;
	struct account *next;
};

void audit(struct account *a, int depth);

struct account accounts[3] = {
	{ 7, 1200, "ada", &accounts[1] },
	{ 8, -45, "brian", 0 },
	{ 9, 99, "carla", &accounts[0] },
};
int ledger_total = 4242;
volatile long sink;
#ifdef OTHER_BUILD
int other_build = 1;   /* another build: other DWO ids */
#endif

__attribute__((noinline)) int process(struct account *a, int round)
{
	long fee = round * 11L;
	ledger_total += round;
	audit(a, round * 3);
	sink = a->id + round + fee;
	return (int)sink;
}

int main(int argc, char **argv)
{
	(void)argv;
	return process(&accounts[argc], argc + 4);
}
