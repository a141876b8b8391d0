/*
 * inline: built -O2 -g.  widget_set_size() is static inline with
 * __attribute__((always_inline)); it is inlined into the noinline
 * widget_resize(), and the NULL write happens inside the inlined body.
 *   main -> resize_all -> widget_resize -> [inline] widget_set_size
 * Why: the innermost frame is an inline frame (DW_TAG_inlined_subroutine):
 * the debugger should show widget_set_size (with its source line) as a
 * virtual frame above widget_resize, both at the same pc.
 * The widget pointer comes from a volatile global so gcc cannot prove it
 * is NULL (it would otherwise emit ud2 -> SIGILL).
 */
#include <stdio.h>

struct widget {
	int	w_id;		/* offset 0 */
	int	w_flags;	/* offset 4 */
	long	w_size;		/* offset 8: written through NULL */
	long	w_area;		/* offset 16 */
};

struct widget *volatile widget_table[4];	/* all NULL */

static inline __attribute__((always_inline)) void
widget_set_size(struct widget *w, long size)
{
	long clamped = size > 4096 ? 4096 : size;
	w->w_size = clamped;		/* w == NULL: writes address 0x8 */
	w->w_area = clamped * clamped;
}

__attribute__((noinline, noclone)) void
widget_resize(struct widget *w, long size)
{
	widget_set_size(w, size * 2);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline, noclone)) void
resize_all(int n)
{
	for (int i = 0; i < n; i++)
		widget_resize(widget_table[i], 100 + i);
	__asm__ volatile("" ::: "memory");
}

int
main(int argc, char **argv)
{
	(void) argv;
	resize_all(argc + 1);
	printf("not reached\n");
	return 0;
}
