/* Typed data: ::print, ::sizeof, ::offsetof, ::enum, ::array, ::list, ::p
 * and ::frame (the frame whose locals ::p sees). */
#include "cmds.h"
#include "../base/addrset.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Words of a type at argv[*i]: "struct foo", "proc_t", then any "*" words;
 * quoted multi-word spellings ("unsigned long") arrive as one word. */
static char *type_words(const struct pm_call *call, int *i)
{
	if (*i >= call->argc)
		return NULL;
	const char *w = call->argv[*i];
	char *t;
	if ((!strcmp(w, "struct") || !strcmp(w, "union") || !strcmp(w, "enum") || !strcmp(w, "class")) &&
	    *i + 1 < call->argc) {
		t = xasprintf("%s %s", w, call->argv[*i + 1]);
		*i += 2;
	} else {
		t = xstrdup(w);
		*i += 1;
	}
	while (*i < call->argc && strspn(call->argv[*i], "*") == strlen(call->argv[*i])) {
		char *more = xasprintf("%s %s", t, call->argv[*i]);
		free(t);
		t = more;
		(*i)++;
	}
	return t;
}

static struct pm_err *need_type(const struct pm_call *call, int *i, char **type)
{
	*type = type_words(call, i);
	if (!*type)
		return pm_err_new(PM_ERR_SYNTAX, "::%s: a type is needed (::help %s)", call->argv[0],
				  call->argv[0]);
	return NULL;
}

struct pm_err *pm_cmd_print(struct pmdb *db, const struct pm_call *call)
{
	struct pm_opts o;
	struct pm_err *err = pm_getopts(db, call, "atdx", "", &o);
	if (err)
		return err;
	int i = o.first_arg;
	char *type;
	if ((err = need_type(call, &i, &type)))
		return err;
	struct pm_print_opts po = { .addrs = o.flag['a'], .types = o.flag['t'],
				    .decimal = o.flag['d'] && !o.flag['x'] };
	if (!call->has_addr && i == call->argc)
		err = pm_print_named(db->dw, pm_cur_thread(db), db->cur_frame, type, &po, db->out);
	else
		err = pm_print_typed(db->dw, type, call->has_addr ? call->addr : db->dot,
				     call->argv + i, call->argc - i, &po, db->out);
	free(type);
	return err;
}

struct pm_err *pm_cmd_sizeof(struct pmdb *db, const struct pm_call *call)
{
	int i = 1;
	char *type;
	struct pm_err *err = need_type(call, &i, &type);
	if (err)
		return err;
	uint64_t size;
	if (!(err = pm_type_sizeof(db->dw, type, &size)))
		fprintf(db->out, "sizeof (%s) = 0x%" PRIx64 "\n", type, size);
	free(type);
	return err;
}

struct pm_err *pm_cmd_offsetof(struct pmdb *db, const struct pm_call *call)
{
	int i = 1;
	char *type;
	struct pm_err *err = need_type(call, &i, &type);
	if (err)
		return err;
	if (i + 1 != call->argc) {
		free(type);
		return pm_err_new(PM_ERR_SYNTAX, "usage: ::offsetof TYPE MEMBER");
	}
	uint64_t off, size;
	unsigned shift, bits;
	if (!(err = pm_type_offsetof(db->dw, type, call->argv[i], &off, &size, &shift, &bits))) {
		fprintf(db->out, "offsetof (%s, %s) = 0x%" PRIx64, type, call->argv[i], off);
		if (bits)
			fprintf(db->out, ", bit-field of %u bit%s from bit %u of that byte", bits,
				bits > 1 ? "s" : "", shift);
		else if (size)
			fprintf(db->out, ", sizeof (...->%s) = 0x%" PRIx64, call->argv[i], size);
		fputc('\n', db->out);
	}
	free(type);
	return err;
}

struct pm_err *pm_cmd_enum(struct pmdb *db, const struct pm_call *call)
{
	int i = 1;
	char *type;
	struct pm_err *err = need_type(call, &i, &type);
	if (err)
		return err;
	err = i != call->argc ? pm_err_new(PM_ERR_SYNTAX, "usage: [value]::enum TYPE") :
	      pm_type_enum(db->dw, type, call->has_addr, call->addr, db->out);
	free(type);
	return err;
}

#define PM_ARRAY_MAX 10000000

static struct pm_err *print_elements(struct pmdb *db, uint64_t addr, uint64_t size, uint64_t count)
{
	if (count > PM_ARRAY_MAX)
		return pm_err_new(PM_ERR_GENERIC, "::array: 0x%" PRIx64 " elements: at most %d",
				  count, PM_ARRAY_MAX);
	if (count && size > (UINT64_MAX - addr) / count)
		return pm_err_new(PM_ERR_GENERIC, "::array: 0x%" PRIx64 " elements of 0x%" PRIx64
				  " bytes from 0x%" PRIx64 " pass the end of the address space",
				  count, size, addr);
	for (uint64_t k = 0; k < count; k++)
		fprintf(db->out, "%" PRIx64 "\n", addr + k * size);
	return NULL;
}

struct pm_err *pm_cmd_array(struct pmdb *db, const struct pm_call *call)
{
	int i = 1;
	char *type;
	struct pm_err *err = need_type(call, &i, &type);
	if (err)
		return err;
	uint64_t size, count;
	if (i + 1 != call->argc)
		err = pm_err_new(PM_ERR_SYNTAX, "usage: addr::array TYPE COUNT");
	else if (!(err = pm_arg_number(db, call->argv[i], &count)) &&
		 !(err = pm_type_sizeof(db->dw, type, &size)))
		err = print_elements(db, call->has_addr ? call->addr : db->dot, size, count);
	free(type);
	return err;
}

/* Follows TYPE's MEMBER pointer from node to node, printing each node's
 * address; stops at NULL, at unreadable memory, at a node seen before,
 * or after PM_LIST_MAX nodes. */
#define PM_LIST_MAX 10000000
struct pm_err *pm_cmd_list(struct pmdb *db, const struct pm_call *call)
{
	int i = 1;
	char *type;
	struct pm_err *err = need_type(call, &i, &type);
	if (err)
		return err;
	uint64_t off, size;
	unsigned shift, bits = 0;
	if (i + 1 != call->argc)
		err = pm_err_new(PM_ERR_SYNTAX, "usage: addr::list TYPE MEMBER");
	else if (!(err = pm_type_offsetof(db->dw, type, call->argv[i], &off, &size, &shift, &bits)) && bits)
		err = pm_err_new(PM_ERR_SYNTAX, "::list: %s is a bit-field, not a pointer", call->argv[i]);
	free(type);
	if (err)
		return err;
	struct pm_addrset seen = { 0 };
	uint64_t node = call->has_addr ? call->addr : db->dot;
	for (size_t n = 0; node && !err; n++) {
		if (!pm_addrset_add(&seen, node)) {
			fprintf(stderr, "pmdb: ::list: the list loops back to %" PRIx64 "\n", node);
			break;
		}
		if (n == PM_LIST_MAX) {
			err = pm_err_new(PM_ERR_GENERIC, "::list: stopped after %d nodes", PM_LIST_MAX);
			break;
		}
		fprintf(db->out, "%" PRIx64 "\n", node);
		err = pm_target_read_u64(db->t, node + off, &node, "list link");
	}
	pm_addrset_free(&seen);
	return err;
}

static char *join_args(const struct pm_call *call, int from)
{
	size_t len = 1;
	for (int i = from; i < call->argc; i++)
		len += strlen(call->argv[i]) + 1;
	char *s = xmalloc(len);
	s[0] = 0;
	for (int i = from; i < call->argc; i++) {
		if (i > from)
			strcat(s, " ");
		strcat(s, call->argv[i]);
	}
	return s;
}

struct pm_err *pm_cmd_p(struct pmdb *db, const struct pm_call *call)
{
	struct pm_opts o;
	struct pm_err *err = pm_getopts(db, call, "x", "", &o);
	if (err)
		return err;
	if (o.first_arg >= call->argc)
		return pm_err_new(PM_ERR_SYNTAX, "usage: ::p EXPRESSION");
	char *text = join_args(call, o.first_arg);
	struct pm_print_opts po = { .decimal = !o.flag['x'] };
	err = pm_cexpr_print(db->dw, pm_cur_thread(db), db->cur_frame, text, &po, db->out);
	free(text);
	return err;
}

struct pm_err *pm_cmd_frame(struct pmdb *db, const struct pm_call *call)
{
	if (!call->has_addr) {
		fprintf(db->out, "frame %u\n", db->cur_frame);
		return NULL;
	}
	struct pm_thread *th = pm_cur_thread(db);
	if (!th)
		return pm_err_new(PM_ERR_LOOKUP, "the dump has no threads");
	struct pm_stack s;
	struct pm_err *err = pm_dwarf_stack(db->dw, th, &s);
	if (err)
		return err;
	if (call->addr >= s.nframes)
		err = pm_err_new(PM_ERR_LOOKUP, "no frame 0t%" PRIu64 ": the stack has %zu frames",
				 call->addr, s.nframes);
	else
		db->cur_frame = (unsigned)call->addr;
	pm_stack_free(&s);
	return err;
}
