/* A 32-bit ARM program run under the arm64 kernel as a compat task
 * (tests/lib/sve_core_arm64.py): the kernel writes its VFP state into
 * NT_ARM_VFP.  It loads d0-d31 with known values and sets fpscr, then
 * stores through NULL at offset 0x18 in the same asm block (the kernel's
 * si_addr is 0x18: tests/test_arm_analyze.py).
 *
 * Known values: d[i] = 0x0102030405060708 * (i + 1) (mod 2^64);
 * fpscr = 0x03c00000 (FZ, DN, round towards zero). */
#define NREGS 32

static unsigned long long vals[NREGS];

__attribute__((noinline)) static void fill_and_crash(void)
{
	for (int i = 0; i < NREGS; i++)
		vals[i] = 0x0102030405060708ull * (unsigned long long)(i + 1);
	__asm__ volatile(
		"vldm %0, {d0-d15}\n\t"
		"add r1, %0, #128\n\t"
		"vldm r1, {d16-d31}\n\t"
		"movw r2, #0\n\t"
		"movt r2, #0x03c0\n\t"
		"vmsr fpscr, r2\n\t"
		"mov r0, #0\n\t"
		"str r0, [r0, #0x18]\n\t"
		:: "r"(vals) : "r0", "r1", "r2", "memory");
}

int main(void)
{
	fill_and_crash();
	return 0;
}
