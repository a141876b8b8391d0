/* The demo crash of README.md: a linked list whose last node's `next` is
 * NULL is walked one step too far, reading the member at offset 8. */
#include <stdio.h>
#include <stdlib.h>

struct order {
	long id;
	struct order *next;   /* offset 8 */
	double amount;
};

static struct order *make_orders(int n)
{
	struct order *head = NULL;
	for (int i = n; i > 0; i--) {
		struct order *o = calloc(1, sizeof(*o));
		o->id = i;
		o->amount = i * 9.5;
		o->next = head;
		head = o;
	}
	return head;
}

/* Bug: asks for the order after the n-th without checking the list's end. */
__attribute__((noinline)) static struct order *nth_after(struct order *o, int n)
{
	for (int i = 0; i < n; i++)
		o = o->next;
	return o->next;
}

__attribute__((noinline)) static double total_after(struct order *list, int skip)
{
	double sum = 0;
	for (struct order *o = nth_after(list, skip); o; o = o->next)
		sum += o->amount;
	return sum;
}

int main(void)
{
	struct order *list = make_orders(3);
	printf("total: %.2f\n", total_after(list, 3));
	return 0;
}
