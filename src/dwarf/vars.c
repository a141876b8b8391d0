/* Variables by name: a frame's locals and parameters (innermost scope
 * first, inline frames included), then globals of every module.  Their
 * DWARF location expressions are evaluated with what a core gives: all
 * registers in the innermost frame; in callers only the stack pointer and
 * the CFA (which is all -O0 code and most frame bases need). */
#include "vars.h"
#include "nameidx.h"
#include "scopes.h"
#include "../base/util.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#define EVAL_STACK 64
#define KERNEL_LINK_MIN 0xffffffff80000000ull   /* x86-64's __START_KERNEL_map */

struct locctx {
	struct pm_dwarf *d;
	Dwarf_Addr bias;
	const uint64_t *regs;    /* the thread's registers, innermost frame only */
	uint64_t sp, cfa;
	bool has_cfa;
	Dwarf_Die *subprogram;   /* for DW_AT_frame_base */
	uint64_t pc;             /* module-relative, for location lists */
	int depth;
	Dwarf_Attribute *loc;    /* the location being evaluated: its DW_OP_addrx entries */
};

static bool dwarf_reg(const struct locctx *c, unsigned regno, uint64_t *v)
{
	const struct pm_arch *a = c->d->t->arch;
	for (size_t i = 0; i < a->nregs; i++) {
		if (a->regs[i].dwarf != (int)regno)
			continue;
		if (c->regs) {
			*v = c->regs[i];
			return true;
		}
		if ((int)i == a->sp) {
			*v = c->sp;
			return true;
		}
	}
	return false;
}

static struct pm_err *eval_ops(struct locctx *c, const Dwarf_Op *ops, size_t n, struct pm_var *out);

static struct pm_err *frame_base(struct locctx *c, uint64_t *fb)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	if (!c->subprogram || !dwarf_attr(c->subprogram, DW_AT_frame_base, &a) ||
	    dwarf_getlocation_addr(&a, c->pc, &ops, &n, 1) < 1)
		return pm_err_new(PM_ERR_LOOKUP, "the function has no frame base here");
	if (c->depth > 4)
		return pm_err_new(PM_ERR_FORMAT, "frame base defined by itself");
	struct pm_var v;
	c->depth++;
	Dwarf_Attribute *outer = c->loc;
	c->loc = &a;
	struct pm_err *err = eval_ops(c, ops, n, &v);
	c->loc = outer;
	c->depth--;
	if (err)
		return err;
	/* DW_OP_bregN/call_frame_cfa give an address; a lone DW_OP_regN
	 * names the register that holds the base */
	*fb = v.in_memory ? v.addr : v.value;
	return NULL;
}

static struct pm_err *unavailable(const char *why)
{
	return pm_err_new(PM_ERR_LOOKUP, "value not available: %s", why);
}

static struct pm_err *eval_ops(struct locctx *c, const Dwarf_Op *ops, size_t n, struct pm_var *out)
{
	uint64_t st[EVAL_STACK];
	size_t sp = 0;
	bool in_reg = false, stack_value = false;
	uint64_t regval = 0;
	struct pm_err *err;
#define PUSH(x) do { if (sp == EVAL_STACK) return pm_err_new(PM_ERR_FORMAT, "DWARF expression too deep"); st[sp++] = (x); } while (0)
#define NEED(k) do { if (sp < (k)) return pm_err_new(PM_ERR_FORMAT, "bad DWARF expression"); } while (0)
	for (size_t i = 0; i < n; i++) {
		const Dwarf_Op *op = &ops[i];
		uint64_t v;
		unsigned atom = op->atom;
		if (atom >= DW_OP_lit0 && atom <= DW_OP_lit31) {
			PUSH(atom - DW_OP_lit0);
		} else if (atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
			if (!dwarf_reg(c, atom - DW_OP_reg0, &regval))
				return unavailable("it is in a register this frame does not keep");
			in_reg = true;
		} else if (atom == DW_OP_regx) {
			if (!dwarf_reg(c, (unsigned)op->number, &regval))
				return unavailable("it is in a register this frame does not keep");
			in_reg = true;
		} else if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
			if (!dwarf_reg(c, atom - DW_OP_breg0, &v))
				return unavailable("its address is in a register this frame does not keep");
			PUSH(v + op->number);
		} else switch (atom) {
		case DW_OP_addr:
			/* a kernel's per-cpu variables are offsets into each CPU's
			 * area (.data..percpu is linked at 0): KASLR moves none */
			PUSH(op->number + (c->d->t->kernel && op->number < KERNEL_LINK_MIN ? 0 : c->bias));
			break;
		case DW_OP_addrx: case DW_OP_GNU_addr_index:
		case DW_OP_constx: case DW_OP_GNU_const_index: {
			/* split DWARF: an index into the skeleton's .debug_addr */
			Dwarf_Attribute entry;
			Dwarf_Addr addr;
			if (!c->loc || dwarf_getlocation_attr(c->loc, op, &entry) != 0 ||
			    dwarf_formaddr(&entry, &addr) != 0)
				return pm_err_new(PM_ERR_FORMAT, "DWARF: an address index pmdb cannot resolve");
			bool is_addr = atom == DW_OP_addrx || atom == DW_OP_GNU_addr_index;
			PUSH(addr + (is_addr ? c->bias : 0));
			break;
		}
		case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
		case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
		case DW_OP_constu: case DW_OP_consts:
			PUSH(op->number);
			break;
		case DW_OP_fbreg:
			if ((err = frame_base(c, &v)))
				return err;
			PUSH(v + op->number);
			break;
		case DW_OP_call_frame_cfa:
			if (!c->has_cfa)
				return unavailable("the frame's CFA is unknown");
			PUSH(c->cfa);
			break;
		case DW_OP_plus_uconst:
			NEED(1);
			st[sp - 1] += op->number;
			break;
		case DW_OP_plus: case DW_OP_minus: case DW_OP_and: case DW_OP_or: case DW_OP_mul:
			NEED(2);
			v = st[--sp];
			st[sp - 1] = atom == DW_OP_plus ? st[sp - 1] + v : atom == DW_OP_minus ? st[sp - 1] - v :
				     atom == DW_OP_and ? st[sp - 1] & v : atom == DW_OP_or ? st[sp - 1] | v :
				     st[sp - 1] * v;
			break;
		case DW_OP_dup:
			NEED(1);
			v = st[sp - 1];
			PUSH(v);
			break;
		case DW_OP_deref:
			NEED(1);
			if ((err = pm_target_read(c->d->t, st[sp - 1], &v, 8, "a variable's location")))
				return err;
			st[sp - 1] = v;
			break;
		case DW_OP_stack_value:
			stack_value = true;
			break;
		case DW_OP_implicit_value:
			if (op->number > 8)
				return unavailable("an implicit value larger than 8 bytes");
			v = 0;
			memcpy(&v, (const void *)(uintptr_t)op->number2, (size_t)op->number);
			PUSH(v);
			stack_value = true;
			break;
		case DW_OP_GNU_entry_value:
		case DW_OP_entry_value:
			return unavailable("it was only known on entry to the function (optimized out)");
		case DW_OP_piece:
		case DW_OP_bit_piece:
			return unavailable("it is split into pieces (optimized)");
		case DW_OP_GNU_push_tls_address:
		case DW_OP_form_tls_address:
			return unavailable("thread-local variables are not supported yet");
		default:
			return pm_err_new(PM_ERR_GENERIC, "DWARF operation 0x%x is not supported", atom);
		}
	}
#undef PUSH
#undef NEED
	if (in_reg) {
		out->in_memory = false;
		out->value = regval;
		return NULL;
	}
	if (sp == 0)
		return unavailable("optimized out");
	out->in_memory = !stack_value;
	out->addr = out->value = st[sp - 1];
	return NULL;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	return dwarf_attr_integrate(die, DW_AT_name, &a) ? dwarf_formstring(&a) : NULL;
}

static struct pm_err *locate(struct locctx *c, Dwarf_Die *var, struct pm_var *out)
{
	memset(out, 0, sizeof(*out));
	out->type.is_void = !pm_ctype_target(var, &out->type.die);
	Dwarf_Attribute a;
	if (dwarf_attr_integrate(var, DW_AT_const_value, &a)) {
		Dwarf_Word u;
		Dwarf_Sword s;
		if (dwarf_formsdata(&a, &s) == 0)
			out->value = (uint64_t)s;
		else if (dwarf_formudata(&a, &u) == 0)
			out->value = u;
		else
			return unavailable("a constant in a form pmdb does not read");
		return NULL;
	}
	Dwarf_Op *ops;
	size_t n;
	if (!dwarf_attr(var, DW_AT_location, &a))
		return unavailable("optimized out");
	int k = dwarf_getlocation_addr(&a, c->pc, &ops, &n, 1);
	if (k < 1)
		return unavailable("optimized out at this pc");
	c->loc = &a;
	return eval_ops(c, ops, n, out);
}

/* ---- locals ---- */

static bool is_var(int tag)
{
	return tag == DW_TAG_variable || tag == DW_TAG_formal_parameter;
}

static bool find_in_scope(Dwarf_Die *scope, const char *name, Dwarf_Die *out)
{
	Dwarf_Die c;
	if (dwarf_child(scope, &c) != 0)
		return false;
	do {
		const char *n;
		if (is_var(dwarf_tag(&c)) && (n = die_name(&c)) && strcmp(n, name) == 0) {
			*out = c;
			return true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

/* What locating variables of one displayed frame needs: registers, CFA,
 * the scopes at its pc, and where in them this frame's own scopes start
 * (an inlined frame's scopes sit inside the deeper inlined calls'). */
struct frame_scope {
	struct locctx c;
	Dwarf_Die *scopes;
	int n, start;
};

static struct pm_err *frame_scope(struct pm_dwarf *d, const struct pm_thread *th,
				  const struct pm_stack *s, size_t frame, struct frame_scope *fs)
{
	memset(fs, 0, sizeof(*fs));
	if (frame >= s->nframes)
		return pm_err_new(PM_ERR_LOOKUP, "no frame %zu: the stack has %zu", frame, s->nframes);
	/* the physical frame holding FRAME, and how deep FRAME is inlined in it */
	size_t first = frame, phys = frame;
	while (first > 0 && s->frames[first - 1].kind == PM_FRAME_INLINE &&
	       s->frames[first - 1].sp == s->frames[frame].sp && s->frames[first - 1].pc == s->frames[frame].pc)
		first--;
	while (phys + 1 < s->nframes && s->frames[phys].kind == PM_FRAME_INLINE)
		phys++;
	unsigned inline_depth = (unsigned)(frame - first);
	fs->c = (struct locctx){ .d = d, .sp = s->frames[phys].sp, .regs = first == 0 ? th->regs : NULL };
	if (phys + 1 < s->nframes) {
		fs->c.cfa = s->frames[phys + 1].sp;
		fs->c.has_cfa = fs->c.cfa != 0;
	}
	uint64_t lookup = s->frames[frame].lookup_pc;
	Dwfl_Module *mod = dwfl_addrmodule(d->dwfl, lookup);
	Dwarf_Die *cu = mod ? dwfl_module_addrdie(mod, lookup, &fs->c.bias) : NULL;
	fs->n = cu ? pm_scopes(mod, cu, lookup - fs->c.bias, &fs->scopes) : 0;
	fs->c.pc = lookup - fs->c.bias;
	for (int i = 0; i < fs->n; i++)
		if (dwarf_tag(&fs->scopes[i]) == DW_TAG_subprogram) {
			fs->c.subprogram = &fs->scopes[i];
			break;
		}
	unsigned seen = 0;
	while (fs->start < fs->n && seen < inline_depth)
		if (dwarf_tag(&fs->scopes[fs->start++]) == DW_TAG_inlined_subroutine)
			seen++;
	return NULL;
}

static struct pm_err *find_local(struct pm_dwarf *d, const struct pm_thread *th, unsigned frame,
				 const char *name, struct pm_var *out, bool *found)
{
	*found = false;
	struct pm_stack s;
	struct pm_err *err = pm_dwarf_stack(d, th, &s);
	struct frame_scope fs;
	if (!err)
		err = frame_scope(d, th, &s, frame, &fs);
	pm_stack_free(&s);
	if (err)
		return err;
	for (int i = fs.start; i < fs.n && !*found; i++) {
		int tag = dwarf_tag(&fs.scopes[i]);
		if (tag == DW_TAG_compile_unit)
			break;
		Dwarf_Die var;
		if (find_in_scope(&fs.scopes[i], name, &var)) {
			*found = true;
			err = locate(&fs.c, &var, out);
		}
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine)
			break;   /* the caller's locals are another frame's */
	}
	free(fs.scopes);
	return err;
}

void pm_var_frame_each(struct pm_dwarf *d, const struct pm_thread *th, const struct pm_stack *s,
		       size_t frame, bool params_only, pm_param_fn fn, void *arg)
{
	struct frame_scope fs;
	struct pm_err *err = frame_scope(d, th, s, frame, &fs);
	if (err) {
		pm_err_free(err);
		return;
	}
	for (int i = fs.start; i < fs.n; i++) {
		int tag = dwarf_tag(&fs.scopes[i]);
		bool function = tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
		if (tag == DW_TAG_compile_unit || (params_only && !function))
			continue;
		Dwarf_Die c;
		if (dwarf_child(&fs.scopes[i], &c) == 0) {
			do {
				const char *name;
				int ct = dwarf_tag(&c);
				if (!(ct == DW_TAG_formal_parameter || (!params_only && ct == DW_TAG_variable)) ||
				    !(name = die_name(&c)))
					continue;
				struct pm_var v;
				err = locate(&fs.c, &c, &v);
				fn(arg, name, err ? NULL : &v);
				pm_err_free(err);
			} while (dwarf_siblingof(&c, &c) == 0);
		}
		if (function)
			break;
	}
	free(fs.scopes);
}

/* ---- globals ---- */

static bool is_declaration(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	bool flag = false;
	return dwarf_attr(die, DW_AT_declaration, &a) && dwarf_formflag(&a, &flag) == 0 && flag;
}

/* A global's definition in MOD, located; else the first declaration with
 * a type in *DECL (an extern the linker script defines, like the kernel's
 * jiffies, has no DWARF definition: its symbol gives the address). */
/* The first DIE of variable NAME the module's index knows, checked. */
static bool indexed_var(const struct pm_nameidx *x, Dwarf *dw, const char *name, bool decl,
			Dwarf_Die *out)
{
	static const int var[] = { DW_TAG_variable, 0 };
	uint64_t off;
	const char *n;
	return pm_nameidx_first(x, name, var, decl, &off) && dwarf_offdie(dw, off, out) &&
	       dwarf_tag(out) == DW_TAG_variable && (n = die_name(out)) && strcmp(n, name) == 0;
}

static bool global_in_module(struct pm_dwarf *d, Dwfl_Module *mod, const char *name,
			     struct pm_var *out, struct pm_err **err, Dwarf_Die *decl, bool *has_decl)
{
	const struct pm_nameidx *x = pm_kdwarf_index(d, mod);
	if (x) {
		Dwarf_Addr bias;
		Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
		Dwarf_Die c;
		if (dw && indexed_var(x, dw, name, false, &c)) {
			struct locctx lc = { .d = d, .bias = bias };
			*err = locate(&lc, &c, out);
			return true;
		}
		if (dw && !*has_decl && indexed_var(x, dw, name, true, &c)) {
			*decl = c;
			*has_decl = true;
		}
		return false;
	}
	Dwarf_Addr bias;
	Dwarf_Die *cu = NULL;
	while ((cu = dwfl_module_nextcu(mod, cu, &bias)) != NULL) {
		Dwarf_Die c, split;
		if (dwarf_child(pm_cu_split(mod, cu, &split), &c) != 0)
			continue;
		do {
			const char *n;
			Dwarf_Attribute a;
			if (dwarf_tag(&c) != DW_TAG_variable || !(n = die_name(&c)) || strcmp(n, name) != 0)
				continue;
			if (!dwarf_attr(&c, DW_AT_location, &a)) {
				if (!*has_decl && is_declaration(&c) && dwarf_attr(&c, DW_AT_type, &a)) {
					*decl = c;
					*has_decl = true;
				}
				continue;
			}
			struct locctx lc = { .d = d, .bias = bias };
			*err = locate(&lc, &c, out);
			return true;
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	return false;
}

struct pm_err *pm_var_lookup(struct pm_dwarf *d, const struct pm_thread *th, unsigned frame,
			     const char *name, struct pm_var *out)
{
	bool found = false;
	struct pm_err *err = th ? find_local(d, th, frame, name, out, &found) : NULL;
	if (found || err)
		return err;
	Dwfl_Module **mods;
	size_t n = pm_ctype_search_order(d, &mods);
	Dwarf_Die decl;
	bool has_decl = false;
	for (size_t i = 0; i < n && !found; i++)
		found = global_in_module(d, mods[i], name, out, &err, &decl, &has_decl);
	free(mods);
	uint64_t addr;
	struct pm_err *nosym = NULL;
	if (!found && has_decl && !(nosym = pm_sym_by_name(d, name, &addr))) {
		memset(out, 0, sizeof(*out));
		out->type.is_void = !pm_ctype_target(&decl, &out->type.die);
		out->in_memory = true;
		out->addr = out->value = addr;
		return NULL;
	}
	if (!found && has_decl)
		pm_err_free(nosym);
	if (!found)
		return pm_err_new(PM_ERR_LOOKUP, "no variable '%s' in frame %u or among the globals",
				  name, frame);
	return err;
}
