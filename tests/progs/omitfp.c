/* -O2 -fomit-frame-pointer: unwinding through these frames needs CFI. */
__attribute__((noinline)) void level5(long *p, long v) { asm volatile("" ::: "memory"); *p = v; }
__attribute__((noinline)) void level4(long *p, long v) { level5(p, v + 1); asm volatile("" ::: "memory"); }
__attribute__((noinline)) void level3(long *p, long v) { level4(p, v * 3); asm volatile("" ::: "memory"); }
__attribute__((noinline)) void level2(long *p, long v) { volatile long pad[4] = { v }; level3(p, pad[0] + 2); asm volatile("" ::: "memory"); }
__attribute__((noinline)) void level1(long *p, long v) { level2(p, v - 1); asm volatile("" ::: "memory"); }

int main(int argc, char **argv)
{
	(void)argv;
	level1(argc > 99 ? (long *)argv : 0, argc);
	return 0;
}
