/* Kernel stacks with the ORC unwinder's tables, read from the dump
 * (__start_orc_unwind_ip: sorted 32-bit self-relative addresses;
 * __start_orc_unwind: a 6-byte entry for each, telling where the CFA is
 * and how to find the caller's frame).  No vmlinux is needed. */
#include "karch.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KFRAMES 4096
#define MAX_ORC (16u << 20)
#define PT_REGS_SIZE (21 * 8)
#define PT_REGS_BP (4 * 8)
#define PT_REGS_IP (16 * 8)
#define PT_REGS_CS (17 * 8)
#define PT_REGS_SP (19 * 8)

enum { R_UNDEFINED, R_PREV_SP, R_DX, R_DI, R_BP, R_SP, R_R10, R_R13, R_BP_INDIRECT, R_SP_INDIRECT };
enum { T_CALL, T_REGS, T_REGS_PARTIAL, T_END, T_UNDEFINED };

/* One sorted table: vmlinux's, or a module's (module.arch.orc_unwind_ip,
 * sorted by the kernel when it loaded the module, same encoding). */
struct orc_table {
	int32_t *ip;          /* self-relative */
	uint8_t (*entry)[6];
	size_t n;
	uint64_t ip_base;     /* address of ip[0] */
	uint64_t lo, hi;      /* a module table: the code it alone covers */
};

struct pm_orc {
	struct orc_table vmlinux;
	struct orc_table *mods;
	size_t nmods;
	bool new_layout;      /* Linux >= 6.3: 3-bit type, a signal bit */
	int state;            /* 0 not loaded, 1 ok, -1 none */
};

static void table_free(struct orc_table *tab)
{
	free(tab->ip);
	free(tab->entry);
}

void pm_orc_free(struct pm_orc *o)
{
	if (!o)
		return;
	table_free(&o->vmlinux);
	for (size_t i = 0; i < o->nmods; i++)
		table_free(&o->mods[i]);
	free(o->mods);
	free(o);
}

static uint64_t ip_at(const struct orc_table *tab, size_t i)
{
	return tab->ip_base + i * 4 + (uint64_t)(int64_t)tab->ip[i];
}

/* Newer kernels renumbered the types (CALL became 2) and widened the
 * field: whichever reading makes CALL the most common type is right. */
static void detect_layout(struct pm_orc *o)
{
	const struct orc_table *tab = &o->vmlinux;
	size_t old_call = 0, new_call = 0;
	for (size_t i = 0; i < tab->n; i += 7) {
		unsigned bits = tab->entry[i][4] | (unsigned)tab->entry[i][5] << 8;
		old_call += ((bits >> 8) & 3) == 0;
		new_call += ((bits >> 8) & 7) == 2;
	}
	o->new_layout = new_call > old_call;
}

static bool load_table(struct pm_target *t, struct orc_table *tab, uint64_t ips, uint64_t entries, size_t n)
{
	memset(tab, 0, sizeof(*tab));
	if (n == 0 || n > MAX_ORC)
		return false;
	tab->ip = xmalloc(n * 4);
	tab->entry = xmalloc(n * 6);
	if (pm_memmap_read_partial(&t->mem, ips, tab->ip, n * 4) != n * 4 ||
	    pm_memmap_read_partial(&t->mem, entries, tab->entry, n * 6) != n * 6) {
		table_free(tab);
		memset(tab, 0, sizeof(*tab));
		return false;
	}
	tab->n = n;
	tab->ip_base = ips;
	return true;
}

/* Each module's table, for the addresses of its code; a module whose
 * table cannot be read is unwound no further than its own frame. */
static void load_modules(struct pm_target *t, struct pm_orc *o)
{
	struct pm_kmodule *mods;
	size_t n;
	struct pm_err *err = pm_kernel_modules(t, &mods, &n);
	if (err) {
		pm_err_free(err);
		return;
	}
	o->mods = n ? xcalloc(n, sizeof(*o->mods)) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct orc_table *tab = &o->mods[o->nmods];
		/* each entry is a distinct address of the module's code */
		if (mods[i].num_orcs > mods[i].size ||
		    !load_table(t, tab, mods[i].orc_ip, mods[i].orc, mods[i].num_orcs))
			continue;
		tab->lo = mods[i].base;
		tab->hi = mods[i].base + mods[i].size;
		o->nmods++;
	}
	pm_kernel_modules_free(mods, n);
}

static bool load(struct pm_target *t, struct pm_orc *o)
{
	if (o->state)
		return o->state > 0;
	o->state = -1;
	const struct pm_ksym *ip0 = pm_ksym_by_name(t, "__start_orc_unwind_ip");
	const struct pm_ksym *ip1 = pm_ksym_by_name(t, "__stop_orc_unwind_ip");
	const struct pm_ksym *e0 = pm_ksym_by_name(t, "__start_orc_unwind");
	if (!ip0 || !ip1 || !e0 || ip1->addr <= ip0->addr ||
	    !load_table(t, &o->vmlinux, ip0->addr, e0->addr, (size_t)(ip1->addr - ip0->addr) / 4))
		return false;
	o->vmlinux.hi = UINT64_MAX;
	detect_layout(o);
	load_modules(t, o);
	o->state = 1;
	return true;
}

struct entry {
	int16_t sp_off, bp_off;
	unsigned sp_reg, bp_reg, type;
};

/* The table that covers ip: its module's, else vmlinux's. */
static const struct orc_table *table_of(const struct pm_orc *o, uint64_t ip)
{
	for (size_t i = 0; i < o->nmods; i++)
		if (ip >= o->mods[i].lo && ip < o->mods[i].hi)
			return &o->mods[i];
	return &o->vmlinux;
}

static bool find(const struct pm_orc *o, uint64_t ip, struct entry *e)
{
	const struct orc_table *tab = table_of(o, ip);
	size_t lo = 0, hi = tab->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ip_at(tab, mid) <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	const uint8_t *r = tab->entry[lo - 1];
	memcpy(&e->sp_off, r, 2);
	memcpy(&e->bp_off, r + 2, 2);
	unsigned bits = r[4] | (unsigned)r[5] << 8;
	e->sp_reg = bits & 0xf;
	e->bp_reg = (bits >> 4) & 0xf;
	if (o->new_layout) {
		static const unsigned map[] = { T_UNDEFINED, T_END, T_CALL, T_REGS, T_REGS_PARTIAL };
		unsigned ty = (bits >> 8) & 7;
		e->type = ty < 5 ? map[ty] : T_UNDEFINED;
	} else {
		e->type = (bits >> 10) & 1 ? T_END : (bits >> 8) & 3;
	}
	return true;
}

static bool rd(struct pm_target *t, uint64_t a, uint64_t *v)
{
	return pm_memmap_read_partial(&t->mem, a, v, 8) == 8;
}

/* The user registers where the kernel was entered (a syscall, a fault):
 * the last frame, the user pc and sp, as crash prints them. */
static void user_frame(struct pm_target *t, struct pm_stack *s, uint64_t regs)
{
	uint64_t ip, sp;
	if (rd(t, regs + PT_REGS_IP, &ip) && rd(t, regs + PT_REGS_SP, &sp))
		pm_kstack_push_user(s, ip, sp);
}

/* The unwind; *exception (if not NULL) gets the address of the first
 * full pt_regs of an exception or interrupt taken in kernel mode. */
struct pm_err *pm_orc_unwind(struct pm_target *t, const uint64_t *regs, struct pm_stack *out,
			     uint64_t *exception)
{
	memset(out, 0, sizeof(*out));
	struct pm_kernel *k = t->kernel;
	if (!k->orc)
		k->orc = xcalloc(1, sizeof(*k->orc));
	struct pm_orc *o = k->orc;
	if (!load(t, o))
		return pm_err_new(PM_ERR_LOOKUP, "the dump has no ORC unwind tables (__start_orc_unwind_ip)");
	const struct pm_arch *a = t->arch;
	uint64_t ip = regs[a->pc], sp = regs[a->sp], bp = regs[pm_arch_reg_index(a, "rbp")];
	bool exact = true;       /* the pc of an interrupted frame is not a return address */
	for (size_t n = 0; n < MAX_KFRAMES; n++) {
		pm_kstack_push(t, out, ip, sp, exact);
		struct entry e;
		if (!find(o, exact ? ip : ip - 1, &e) || e.type == T_END || e.type == T_UNDEFINED)
			break;
		uint64_t cfa;
		switch (e.sp_reg) {
		case R_SP: cfa = sp + (uint64_t)(int64_t)e.sp_off; break;
		case R_BP: cfa = bp + (uint64_t)(int64_t)e.sp_off; break;
		case R_SP_INDIRECT:
			/* Linux >= 5.12: (%rsp) + offset, the stack switch of
			 * call_on_stack (the old stack pointer saved at the top
			 * of the IRQ stack) */
			if (!rd(t, sp, &cfa))
				return NULL;
			cfa += (uint64_t)(int64_t)e.sp_off;
			break;
		case R_BP_INDIRECT:
			if (!rd(t, bp + (uint64_t)(int64_t)e.sp_off, &cfa))
				return NULL;
			break;
		default:
			/* the CFA is in a register only the innermost frame knows */
			return NULL;
		}
		uint64_t nip, nsp;
		if (e.type == T_CALL) {
			if (!rd(t, cfa - 8, &nip))
				break;
			nsp = cfa;
			exact = false;
		} else {
			/* pt_regs (or, partial, just its iret frame) at the CFA */
			uint64_t regs_at = e.type == T_REGS ? cfa : cfa - PT_REGS_IP;
			uint64_t cs = 0;
			if (!rd(t, regs_at + PT_REGS_IP, &nip) || !rd(t, regs_at + PT_REGS_SP, &nsp))
				break;
			rd(t, regs_at + PT_REGS_CS, &cs);
			if (cs & 3) {                 /* entered from user space */
				user_frame(t, out, regs_at);
				break;
			}
			if (e.type == T_REGS) {
				rd(t, regs_at + PT_REGS_BP, &bp);
				if (exception && !*exception)
					*exception = regs_at;
			}
			exact = true;
		}
		if (e.bp_reg == R_PREV_SP && !rd(t, cfa + (uint64_t)(int64_t)e.bp_off, &bp))
			break;
		if (e.bp_reg == R_BP && !rd(t, bp + (uint64_t)(int64_t)e.bp_off, &bp))
			break;
		if (nsp <= sp && e.type == T_CALL)
			break;                        /* the stack must move up */
		ip = nip;
		sp = nsp;
	}
	return NULL;
}

struct pm_err *pm_x86_pt_regs(struct pm_target *t, uint64_t at, uint64_t *out)
{
	uint64_t words[PT_REGS_SIZE / 8];
	if (pm_memmap_read_partial(&t->mem, at, words, sizeof(words)) != sizeof(words))
		return pm_err_fault(at, "struct pt_regs");
	/* pt_regs holds r15 ... ss in the order of the x86-64 register set */
	memset(out, 0, PM_MAX_REGS * sizeof(*out));
	memcpy(out, words, sizeof(words));
	return NULL;
}
