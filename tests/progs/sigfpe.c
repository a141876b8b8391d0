/* Integer division by zero: SIGFPE with FPE_INTDIV. */
__attribute__((noinline)) int divide(int a, int b) { return a / b; }

int main(void)
{
	volatile int zero = 0;
	return divide(42, zero);
}
