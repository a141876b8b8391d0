/* Tasks of a kernel dump, found by walking init_task.tasks (and each
 * group's thread_group list) with task_struct's layout from the dump's
 * BTF, and the other CPUs' idle tasks from their runqueues.  (crash 8.0.2
 * uses the pid hash, which misses tasks on 6.1.) */
#include "karch.h"
#include "../base/addrset.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TASKS (4u << 20)
#define MAX_BTF_BYTES (64u << 20)

struct pm_err *pm_kernel_btf(struct pm_target *t, struct pm_btf **out)
{
	struct pm_kernel *k = t->kernel;
	if (!k)
		return pm_err_new(PM_ERR_LOOKUP, "not a kernel dump");
	if (k->btf_state == 0) {
		k->btf_state = -1;
		uint64_t start = pm_kernel_data_symbol(t, "__start_BTF");
		uint64_t stop = pm_kernel_data_symbol(t, "__stop_BTF");
		size_t len = stop > start ? (size_t)(stop - start) : 0;
		if (!start || !stop)
			pm_kernel_find_btf(t, &start, &len);
		if (start && len && len < MAX_BTF_BYTES) {
			unsigned char *blob = xmalloc(len);
			if (pm_memmap_read_partial(&t->mem, start, blob, len) == len) {
				struct pm_err *err = pm_btf_load(&k->btf, blob, len);
				if (!err)
					k->btf_state = 1;
				pm_err_free(err);
			}
			free(blob);
		}
	}
	if (k->btf_state < 0)
		return pm_err_new(PM_ERR_LOOKUP, "the dump holds no readable BTF (CONFIG_DEBUG_INFO_BTF): "
				  "task structures are unknown without it");
	*out = &k->btf;
	return NULL;
}

struct layout {
	uint64_t tasks, pid, tgid, comm, state, exit_state, parent, mm, on_cpu, cpu, thread_group;
	bool has_group;
};

static struct pm_err *get_layout(struct pm_target *t, struct layout *l)
{
	struct pm_btf *b;
	struct pm_err *err = pm_kernel_btf(t, &b);
	if (err)
		return err;
	uint32_t ts = pm_btf_find_struct(b, "task_struct");
	bool ok = ts && pm_btf_member(b, ts, "tasks", &l->tasks, NULL) &&
		  pm_btf_member(b, ts, "pid", &l->pid, NULL) && pm_btf_member(b, ts, "tgid", &l->tgid, NULL) &&
		  pm_btf_member(b, ts, "comm", &l->comm, NULL) &&
		  (pm_btf_member(b, ts, "__state", &l->state, NULL) || pm_btf_member(b, ts, "state", &l->state, NULL)) &&
		  pm_btf_member(b, ts, "exit_state", &l->exit_state, NULL) &&
		  pm_btf_member(b, ts, "real_parent", &l->parent, NULL) && pm_btf_member(b, ts, "mm", &l->mm, NULL) &&
		  pm_btf_member(b, ts, "on_cpu", &l->on_cpu, NULL) &&
		  (pm_btf_member(b, ts, "cpu", &l->cpu, NULL) || pm_btf_member(b, ts, "thread_info.cpu", &l->cpu, NULL));
	if (!ok)
		return pm_err_new(PM_ERR_LOOKUP, "the dump's BTF has no task_struct with the members ::ps needs");
	l->has_group = pm_btf_member(b, ts, "thread_group", &l->thread_group, NULL);
	return NULL;
}

static uint64_t rd(struct pm_target *t, uint64_t a, size_t n, bool *ok)
{
	uint64_t v = 0;
	if (pm_memmap_read_partial(&t->mem, a, &v, n) != n)
		*ok = false;
	return v;
}

static bool read_task(struct pm_target *t, const struct layout *l, uint64_t a, struct pm_ktask *k)
{
	bool ok = true;
	memset(k, 0, sizeof(*k));
	k->addr = a;
	k->pid = (int)rd(t, a + l->pid, 4, &ok);
	k->tgid = (int)rd(t, a + l->tgid, 4, &ok);
	k->state = (unsigned)rd(t, a + l->state, 4, &ok);
	k->exit_state = (unsigned)rd(t, a + l->exit_state, 4, &ok);
	k->on_cpu = rd(t, a + l->on_cpu, 4, &ok) != 0;
	k->cpu = (int)rd(t, a + l->cpu, 4, &ok);
	k->kthread = rd(t, a + l->mm, 8, &ok) == 0;
	uint64_t parent = rd(t, a + l->parent, 8, &ok);
	bool pok = true;
	k->parent = parent;
	k->ppid = parent ? (int)rd(t, parent + l->pid, 4, &pok) : 0;
	if (pm_memmap_read_partial(&t->mem, a + l->comm, k->comm, 16) != 16)
		ok = false;
	k->comm[16] = 0;
	return ok;
}

struct walk {
	struct pm_target *t;
	struct pm_ktask *v;
	size_t n, cap;
	struct pm_addrset seen;
};

static void add(struct walk *w, const struct layout *l, uint64_t task)
{
	if (w->n >= MAX_TASKS || !pm_addrset_add(&w->seen, task))
		return;
	struct pm_ktask k;
	if (!read_task(w->t, l, task, &k))
		return;
	vec_reserve(&w->v, &w->cap, w->n + 1, sizeof(*w->v));
	w->v[w->n++] = k;
}

/* A circular list_head at offset off in each element: the elements. */
static void each_in_list(struct walk *w, const struct layout *l, uint64_t first, uint64_t off,
			 bool threads)
{
	uint64_t head = first + off, node;
	struct pm_addrset visited = { 0 };
	bool ok = true;
	node = rd(w->t, head, 8, &ok);
	while (ok && node && node != head && pm_addrset_add(&visited, node) && visited.n < MAX_TASKS) {
		uint64_t task = node - off;
		add(w, l, task);
		if (!threads && l->has_group)
			each_in_list(w, l, task, l->thread_group, true);
		node = rd(w->t, node, 8, &ok);
	}
	pm_addrset_free(&visited);
}

/* The idle task of every CPU but the first (init_task is CPU 0's) is on
 * no list: each CPU's runqueue (the per-CPU `runqueues`, at
 * __per_cpu_offset[cpu]) points at it. */
static void add_idle_tasks(struct walk *w, const struct layout *l)
{
	struct pm_target *t = w->t;
	uint64_t rq = pm_kernel_data_symbol(t, "runqueues");
	uint64_t offsets = pm_kernel_data_symbol(t, "__per_cpu_offset");
	struct pm_btf *b;
	uint64_t idle;
	struct pm_err *err = pm_kernel_btf(t, &b);
	if (err || !rq || !offsets) {
		pm_err_free(err);
		return;
	}
	uint32_t rqs = pm_btf_find_struct(b, "rq");
	if (!rqs || !pm_btf_member(b, rqs, "idle", &idle, NULL))
		return;
	for (size_t cpu = 1; cpu < pm_kernel_ncpus(t); cpu++) {
		bool ok = true;
		uint64_t base = rd(t, offsets + cpu * 8, 8, &ok);
		uint64_t task = rd(t, base + rq + idle, 8, &ok);
		if (ok && task)
			add(w, l, task);
	}
}

struct init_hit {
	const struct layout *l;
	uint64_t task;
};

/* "swapper/0" as init_task.comm: its pid 0, its tasks list sound. */
static bool init_comm(struct pm_target *t, uint64_t at, const unsigned char *p, size_t n, void *arg)
{
	struct init_hit *h = arg;
	if (n < 10 || memcmp(p, "swapper/0", 10) != 0 || at < h->l->comm)
		return false;
	uint64_t task = at - h->l->comm;
	bool ok = true;
	uint64_t next = rd(t, task + h->l->tasks, 8, &ok);
	if (!ok || rd(t, task + h->l->pid, 4, &ok) != 0 || rd(t, next + 8, 8, &ok) != task + h->l->tasks || !ok)
		return false;
	h->task = task;
	return true;
}

/* init_task: kallsyms's, or (a kernel without CONFIG_KALLSYMS_ALL) found
 * in the image's data by its name. */
static uint64_t init_task(struct pm_target *t, const struct layout *l)
{
	uint64_t start, end, a = pm_kernel_data_symbol(t, "init_task");
	struct init_hit h = { l, 0 };
	if (!a && pm_kernel_image_data(t, &start, &end) && pm_kernel_scan(t, start, end, 8, init_comm, &h))
		a = h.task;
	return a;
}

struct pm_err *pm_kernel_tasks(struct pm_target *t, struct pm_ktask **out, size_t *n)
{
	struct layout l;
	struct pm_err *err = get_layout(t, &l);
	if (err)
		return err;
	uint64_t init = init_task(t, &l);
	if (!init)
		return pm_err_new(PM_ERR_LOOKUP, "no init_task symbol, and none found in the kernel's data");
	struct walk w = { .t = t };
	add(&w, &l, init);
	add_idle_tasks(&w, &l);
	each_in_list(&w, &l, init, l.tasks, false);
	pm_addrset_free(&w.seen);
	*out = w.v;
	*n = w.n;
	return NULL;
}

const char *pm_ktask_state(const struct pm_ktask *k)
{
	if (k->exit_state & 0x10)
		return "ZO";
	if (k->exit_state & 0x20)
		return "DE";
	unsigned s = k->state;
	if (s == 0)
		return "RU";
	if ((s & 0x402) == 0x402)        /* TASK_IDLE: uninterruptible, not counted as load */
		return "ID";
	if (s & 0x1)
		return "IN";
	if (s & 0x2)
		return "UN";
	if (s & 0x4)
		return "ST";
	if (s & 0x8)
		return "TR";
	return "??";
}

/* x86-64's inactive_task_frame, where switch_to left a sleeping task's
 * callee-saved registers: r15 r14 r13 r12 bx bp, then the return address. */
static const char *const switch_frame[] = { "r15", "r14", "r13", "r12", "rbx", "rbp", "rip" };

struct pm_err *pm_kernel_task_regs(struct pm_target *t, uint64_t task, uint64_t *regs)
{
	struct layout l;
	struct pm_err *err = get_layout(t, &l);
	if (err)
		return err;
	struct pm_ktask k;
	if (!read_task(t, &l, task, &k))
		return pm_err_fault(task, "task_struct");
	/* a task on a CPU: that CPU's registers, from its note; a live
	 * kernel's running CPUs have none (the switch frame is stale) */
	if (k.on_cpu && t->kernel->live)
		return pm_kernel_live_regs_err(k.cpu);
	if (k.on_cpu && k.cpu >= 0 && (size_t)k.cpu < t->nthreads) {
		memcpy(regs, t->threads[k.cpu].regs, sizeof(t->threads[k.cpu].regs));
		return NULL;
	}
	return t->kernel->arch->switch_regs(t, task, regs);
}

struct pm_err *pm_x86_switch_regs(struct pm_target *t, uint64_t task, uint64_t *regs)
{
	bool ok = true;
	struct pm_btf *b;
	uint64_t sp_off, frame[7];
	pm_kernel_btf(t, &b);
	uint32_t ts = pm_btf_find_struct(b, "task_struct");
	uint64_t sp;
	if (!pm_btf_member(b, ts, "thread.sp", &sp_off, NULL))
		return pm_err_new(PM_ERR_LOOKUP, "the dump's BTF has no task_struct.thread.sp");
	sp = rd(t, task + sp_off, 8, &ok);
	if (!ok || pm_memmap_read_partial(&t->mem, sp, frame, sizeof(frame)) != sizeof(frame))
		return pm_err_fault(sp, "the task's switch frame");
	memset(regs, 0, PM_MAX_REGS * sizeof(*regs));
	for (size_t i = 0; i < 7; i++) {
		int r = pm_arch_reg_index(t->arch, switch_frame[i]);
		if (r >= 0)
			regs[r] = frame[i];
	}
	regs[t->arch->sp] = sp + sizeof(frame);
	return NULL;
}
