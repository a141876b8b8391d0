/*
 * static: a statically linked program (no PT_INTERP, no link_map, no
 * shared libraries in the core) reading through a NULL pointer three
 * frames deep: main -> parse_config -> find_section -> section_size.
 * Why: the debugger must cope with an executable-only address space and
 * libc symbols living in the executable itself.  Built: -O0 -g -static.
 */
#include <stdio.h>
#include <string.h>

struct section {
	const char	*s_name;	/* offset 0 */
	unsigned long	s_size;		/* offset 8: read through NULL */
};

static struct section sections[] = {
	{ "header", 64 },
	{ "body", 4096 },
};

__attribute__((noinline)) unsigned long
section_size(const struct section *s)
{
	return s->s_size;		/* s == NULL: reads address 0x8 */
}

__attribute__((noinline)) unsigned long
find_section(const char *name)
{
	struct section *found = NULL;
	for (size_t i = 0; i < sizeof (sections) / sizeof (sections[0]); i++)
		if (strcmp(sections[i].s_name, name) == 0)
			found = &sections[i];
	return section_size(found);	/* "trailer" is not there */
}

__attribute__((noinline)) unsigned long
parse_config(void)
{
	return find_section("header") + find_section("trailer");
}

int
main(void)
{
	printf("not reached: %lu\n", parse_config());
	return 0;
}
