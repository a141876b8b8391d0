/*
 * lang_data: static data with known values, then a NULL read in
 * read_config.  Why: the language's script tests (tests/scripts) read these
 * objects back with every format character, so their expected output is
 * the same on every machine.  lang_counter starts at 1 in the file and is
 * 2 in memory when the program dies: '/' and '?' must differ there.
 * Built: -O0 -g -fno-pie -no-pie.
 */
#include <stdint.h>
#include <stdio.h>

uint8_t lang_bytes[16] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
			   0x09, 0x0a, 0x0b, 0x0c, 0xfd, 0xfe, 0xff, 0x00 };
uint16_t lang_shorts[4] = { 0x1234, 0xfffe, 0, 7 };
uint32_t lang_words[4] = { 0xdeadbeef, 0x7fffffff, 0x80000000, 100 };
uint64_t lang_quads[2] = { 0x0123456789abcdefULL, 0xffffffffffffffffULL };
double lang_double = 1.5;
float lang_float = 2.25f;
char lang_text[] = "hello, world";
char lang_escapes[] = "tab\tnl\n\\q\001";
int32_t lang_time32 = 1000000000;          /* 2001 Sep  9 01:46:40 UTC */
int64_t lang_time64 = 86400;               /* 1970 Jan  2 00:00:00 UTC */
char *lang_pointer = lang_text;
uint64_t lang_counter = 1;

struct config {
	long size;
	long *limits;                      /* offset 8: read through NULL */
};

__attribute__((noinline)) long *
read_config(struct config *c)
{
	return c->limits;
}

int
main(int argc, char **argv)
{
	(void)argv;
	lang_counter = 2;
	struct config *c = argc > 100 ? (struct config *)lang_bytes : NULL;
	printf("not reached: %p\n", (void *)read_config(c));
	return 0;
}
