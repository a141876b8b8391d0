/* addr::dis [-n count] - disassembly around addr, or of a whole function
 * when addr is where one starts. */
#include "cmds.h"
#include "../arch/disasm.h"

#include <inttypes.h>

static void print_insn_line(struct pmdb *db, uint64_t addr, const char *text, bool mark)
{
	FILE *out = db->out;
	fputs(mark ? "=> " : "   ", out);
	fprintf(out, "0x%0*" PRIx64 " ", pm_addr_digits(db), addr);
	char label[256];
	FILE *mem = fmemopen(label, sizeof(label), "w");
	if (mem) {
		struct pm_sym s;
		if (db->dw && pm_sym_by_addr(db->dw, addr, &s))
			pm_sym_print(db->dw, mem, addr);
		fclose(mem);
	} else {
		label[0] = 0;
	}
	fprintf(out, "%-28s %s\n", label[0] ? label : "", text);
}

/* Decode from `from` to just past `addr`, keeping the start of the last
 * `before` instructions; false if decoding does not land on addr. */
static bool find_window_start(struct pmdb *db, uint64_t from, uint64_t addr, unsigned before,
			      uint64_t *start)
{
	uint64_t ring[64];
	unsigned n = 0;
	if (before > 63)
		before = 63;
	uint64_t a = from;
	while (a < addr) {
		char text[256];
		unsigned len;
		struct pm_err *err = pm_disasm_one(db, a, text, sizeof(text), &len);
		if (err) {
			pm_err_free(err);
			return false;
		}
		ring[n++ % 64] = a;
		a += len;
	}
	if (a != addr)
		return false;
	unsigned keep = n < before ? n : before;
	*start = keep ? ring[(n - keep) % 64] : addr;
	return true;
}

struct pm_err *pm_cmd_dis(struct pmdb *db, const struct pm_call *call)
{
	struct pm_opts o;
	struct pm_err *err = pm_getopts(db, call, "", "n", &o);
	if (err)
		return err;
	uint64_t addr = call->has_addr ? call->addr : db->dot;
	if (o.first_arg < call->argc && (err = pm_arg_number(db, call->argv[o.first_arg], &addr)))
		return err;
	struct pm_sym sym;
	bool has_sym = db->dw && pm_sym_by_addr(db->dw, addr, &sym);
	uint64_t start, end;
	if (has_sym && sym.offset == 0 && sym.size && !o.flag['n']) {
		/* the whole function */
		start = addr;
		end = addr + sym.size;
	} else {
		unsigned n = o.flag['n'] ? (unsigned)(o.value['n'] > 1000 ? 1000 : o.value['n']) : 10;
		start = addr;
		bool found = false;
		if (has_sym && sym.offset < 0x10000)
			found = find_window_start(db, addr - sym.offset, addr, n, &start);
		for (unsigned back = 15 * (n < 64 ? n : 64); !found && back > 0; back--)
			if (addr >= back)
				found = find_window_start(db, addr - back, addr, n, &start) &&
					start <= addr;
		/* then n instructions after addr */
		end = addr;
		for (unsigned i = 0; i <= n; i++) {
			char text[256];
			unsigned len;
			struct pm_err *e = pm_disasm_one(db, end, text, sizeof(text), &len);
			if (e) {
				if (i == 0)
					return e;
				pm_err_free(e);
				break;
			}
			end += len;
		}
	}
	for (uint64_t a = start; a < end;) {
		char text[256];
		unsigned len;
		if ((err = pm_disasm_one(db, a, text, sizeof(text), &len)))
			return err;
		print_insn_line(db, a, text, a == addr && !(has_sym && sym.offset == 0 && !o.flag['n']));
		a += len;
	}
	db->dot = addr;
	return NULL;
}
