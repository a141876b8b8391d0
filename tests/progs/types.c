/*
 * types: data of every kind the DWARF type printer must handle, reachable
 * from globals and from the locals of the crashing frames: nested structs,
 * arrays (of scalars, chars, structs, two dimensions), bit-fields, enums
 * (plain, negative, flags), unions, anonymous members, function pointers,
 * a linked list and a list that loops, char pointers, doubles.
 * The crash: walk() follows node->next into NULL (reads 0x10, the offset
 * of 'next' in struct node).  Built: -O0 -g.
 */
#include <stdint.h>
#include <string.h>

enum color { RED, GREEN = 5, BLUE };
enum sign { MINUS_ONE = -1, ZERO, ONE };
enum perm { PERM_R = 1, PERM_W = 2, PERM_X = 4 };

struct node {
	int value;
	const char *label;
	struct node *next;            /* offset 0x10 */
};

struct flags {
	unsigned int ready : 1;
	unsigned int mode : 3;
	signed int delta : 5;
	enum color tint : 4;
	uint16_t tail;
};

typedef int (*handler_t)(int);

struct record {
	uint8_t kind;
	int32_t count;
	int64_t big;
	double ratio;
	char name[16];
	short matrix[2][3];
	struct node inline_node;
	struct node *head;
	struct flags fl;
	enum color col;
	enum sign sg;
	enum perm perms;
	union {
		uint32_t as_u32;
		float as_float;
	} u;
	struct {
		int anon_x;
		int anon_y;
	};
	handler_t on_event;
	const char *motto;
	struct node pair[2];
};

typedef struct record record_t;

static int twice(int x) { return 2 * x; }

struct node list_c = { 3, "third", NULL };
struct node list_b = { 2, "second", &list_c };
struct node list_a = { 1, "first", &list_b };

struct node loop_a, loop_b = { 20, "loop-b", &loop_a }, loop_a = { 10, "loop-a", &loop_b };

record_t global_record;
long counter = -42;
const char *greeting = "hello, pmdb";
int numbers[5] = { 10, 20, 30, 40, 50 };

static void fill(record_t *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = 7;
	r->count = -3;
	r->big = 0x123456789abcLL;
	r->ratio = 2.5;
	strcpy(r->name, "widget");
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			r->matrix[i][j] = (short)(i * 10 + j);
	r->inline_node = (struct node){ 99, "inline", NULL };
	r->head = &list_a;
	r->fl.ready = 1;
	r->fl.mode = 5;
	r->fl.delta = -7;
	r->fl.tint = BLUE;
	r->fl.tail = 0xbeef;
	r->col = GREEN;
	r->sg = MINUS_ONE;
	r->perms = PERM_R | PERM_X;
	r->u.as_float = 1.0f;
	r->anon_x = 11;
	r->anon_y = 12;
	r->on_event = twice;
	r->motto = greeting;
	r->pair[0] = (struct node){ 5, "left", NULL };
	r->pair[1] = (struct node){ 6, "right", NULL };
}

__attribute__((noinline)) int walk(struct node *n, int steps)
{
	int total = 0;
	for (int i = 0; i <= steps; i++) {
		total += n->value;
		n = n->next;              /* NULL after list_c: the crash */
	}
	return total;
}

int main(int argc, char **argv)
{
	(void)argv;
	record_t local = { 0 };
	fill(&global_record);
	fill(&local);
	local.count = argc;
	int limit = 3 + (argc > 5);
	return walk(&list_a, limit) + twice(local.count);
}
