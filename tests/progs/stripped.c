/*
 * stripped: NULL read three frames deep (main -> load_plugin ->
 * plugin_init -> plugin_version).  The test harness builds it with -g and
 * -Wl,--build-id, moves the debug info into a separate file
 * DEBUGDIR/.build-id/xx/rest.debug (objcopy --only-keep-debug), strips the
 * binary (strip --strip-debug --strip-unneeded: no .debug_*, no .symtab)
 * and adds a .gnu_debuglink to it.  The core is made with the stripped
 * binary.
 * Why: finding separate debug info by build-id (from the core's note /
 * the executable) and by debuglink.  Built: -O0 -g -Wl,--build-id.
 */
#include <stdio.h>

struct plugin {
	const char	*p_name;	/* offset 0 */
	const int	*p_version;	/* offset 8: read through NULL */
};

static struct plugin *registry[2];	/* empty */

__attribute__((noinline)) int
plugin_version(const struct plugin *p)
{
	return *p->p_version;		/* p == NULL: reads address 0x8 */
}

__attribute__((noinline)) int
plugin_init(int slot)
{
	return plugin_version(registry[slot]);
}

__attribute__((noinline)) int
load_plugin(const char *name)
{
	(void) name;
	return plugin_init(1);
}

int
main(void)
{
	printf("not reached: %d\n", load_plugin("codec"));
	return 0;
}
