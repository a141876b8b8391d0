/* NULL write at offset 0x10, built -O0 -g -no-pie (a non-PIE executable). */
struct node {
	long key;
	struct node *next;
	long value;
};

__attribute__((noinline)) void set_value(struct node *n, long v) { n->value = v; }
__attribute__((noinline)) void update(struct node *head) { set_value(head->next, 42); }

int main(void)
{
	struct node tail = { 1, 0, 0 };
	update(&tail); /* tail.next is NULL */
	return 0;
}
