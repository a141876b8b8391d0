/* Lists for the list and ptrs walkers: a five-node list on the heap
 * (next pointer at offset 8), a three-node cycle, a list whose second
 * node points into unmapped memory, and a NULL-terminated array of
 * pointers.  Then a NULL read, so the core holds them all. */
#include <stdint.h>
#include <stdlib.h>

struct node {
	long value;
	struct node *next;
};

struct node *head, *cycle, *broken;
struct node *table[4];
volatile int *null_ptr;

static struct node *push(struct node *list, long value)
{
	struct node *n = malloc(sizeof(*n));
	n->value = value;
	n->next = list;
	return n;
}

int main(void)
{
	for (long v = 5; v >= 1; v--)
		head = push(head, v * 100);
	cycle = push(push(push(NULL, 3), 2), 1);
	cycle->next->next->next = cycle;
	broken = push(push(NULL, 2), 1);
	broken->next->next = (struct node *)(uintptr_t)0x10;
	table[0] = head;
	table[1] = cycle;
	table[2] = broken;
	return *null_ptr;
}
