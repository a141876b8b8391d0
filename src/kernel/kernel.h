/* A Linux kernel crash dump: its VMCOREINFO, physical memory, the
 * virtual memory the kernel's page tables map (put into the target's
 * memory map, so every reader works with kernel virtual addresses), and
 * the symbols decoded from the dump's own kallsyms tables. */
#ifndef PM_KERNEL_H
#define PM_KERNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "btf.h"
#include "vmcoreinfo.h"
#include "../target/memmap.h"
#include "../target/target.h"
#include "../dwarf/dwarf.h"

struct pm_ksym {
	uint64_t addr;
	uint64_t size;        /* to the next symbol's address (kallsyms has no sizes) */
	char type;            /* nm's letter: t T d D b B r R ... */
	const char *name;
	const char *module;   /* "qemu_fw_cfg", NULL for vmlinux */
};

/* A loaded kernel module. */
struct pm_kmodule {
	uint64_t addr, base;  /* struct module, and its code */
	uint32_t size;
	char *name;
	/* its ORC tables (module.arch), num_orcs 0 when unknown */
	uint64_t orc_ip, orc;
	uint32_t num_orcs;
};

struct pm_orc;
struct pm_kmem;
struct pm_ktypes;
struct pm_kcode;

/* A page of the kernel's page tables, as the walk at open found it. */
struct pm_ktable {
	uint64_t pa;
	int level;                  /* 1 (PTE) to 4 or 5 (PGD) */
};

struct pm_karch;

struct pm_kernel {
	const struct pm_karch *arch; /* karch.h: page tables and unwinding */
	struct pm_vmcoreinfo vi;
	struct pm_memmap phys;      /* physical address -> the dump file */
	uint64_t phys_base, kaslr_offset, pgd;
	bool l5;
	uint64_t pte_mask;          /* bits of entries that are not address (x86's SME bit) */
	/* AArch64: VA_BITS, __pa of the kernel image (va - kimage_voffset) and
	 * of the linear map (PHYS_OFFSET), pointer authentication's bits */
	unsigned va_bits;
	uint64_t kimage_voffset, phys_offset, pac_mask;
	bool vmcoreinfo_rebuilt;    /* the dump had none: vi was made by vmcoreinfo_rebuild.c */
	size_t pages_mapped;        /* leaf page-table entries found */
	struct pm_ktable *tables;   /* the page-table pages, sorted by address */
	size_t ntables;
	/* kallsyms, sorted by address */
	struct pm_ksym *syms;
	size_t nsyms;
	char *names;                /* all names, NUL-separated */
	char *module_names;         /* the modules' symbol names */
	uint32_t *by_name;          /* indexes of syms sorted by name, built on first use */
	bool syms_loaded;
	struct pm_btf btf;          /* loaded on first use */
	struct pm_orc *orc;         /* the ORC tables, loaded on first use */
	int btf_state;              /* 0 not tried, 1 loaded, -1 failed */
	struct pm_kmem *kmem;       /* memory layout (kmem.c), learnt on first use */
	struct pm_ktypes *ktypes;   /* ktypes.c's cache of type ids */
	struct pm_kcode *kcode;     /* kcode.c: data symbols found in code */
	/* the running kernel (/proc/kcore): memory is read as it changes, and
	 * its CPUs (nr_cpu_ids) have no saved registers */
	bool live;
	unsigned live_cpus;
};

/* A task, as ::ps shows it. */
struct pm_ktask {
	uint64_t addr;
	uint64_t parent;      /* real_parent's task_struct (init_task's is itself) */
	int pid, tgid, ppid, cpu;
	unsigned state, exit_state;
	bool on_cpu, kthread;
	char comm[17];
};

/* Called by the ELF core reader for a dump with a VMCOREINFO note:
 * physical segments from the PT_LOADs (p_paddr), then t->mem filled with
 * the virtual mappings of the kernel's page tables. */
struct pm_err *pm_kernel_attach(struct pm_target *t, struct pm_backing *dump,
				const struct pm_memmap *phys_segments, const char *vmcoreinfo,
				size_t len);
void pm_kernel_free(struct pm_kernel *k);
/* The running kernel: mark it live and count its CPUs (kcore.c). */
void pm_kernel_set_live(struct pm_target *t);
/* A live kernel's memory at a virtual address outside the direct map and
 * the kernel image: translated through its page tables now (ctx: the
 * target); the bytes read up to the end of its page, 0 if unmapped. */
size_t pm_kernel_live_read(void *ctx, uint64_t addr, void *buf, size_t len);
/* CPUs: the dump's CPU notes, or a live kernel's nr_cpu_ids. */
size_t pm_kernel_ncpus(const struct pm_target *t);
/* The error for registers asked of a running CPU of a live kernel. */
struct pm_err *pm_kernel_live_regs_err(int cpu);

/* Read up to len bytes of physical memory at pa (0 on other targets);
 * returns how many the dump holds from pa on. */
size_t pm_kernel_read_phys(struct pm_target *t, uint64_t pa, void *buf, size_t len);

/* A kernel virtual address's translation, with the entry of each level. */
struct pm_vtop {
	uint64_t pa, page_size;
	uint64_t entries[5];
	int nentries;
};
struct pm_err *pm_kernel_vtop(struct pm_target *t, uint64_t va, struct pm_vtop *out);
/* The level of the kernel page table at physical pa (1 PTE .. 4/5 PGD),
 * 0 if it is not one of init_top_pgt's tables. */
int pm_kernel_table_level(struct pm_target *t, uint64_t pa);

/* kallsyms (decoded on first use) */
const struct pm_ksym *pm_ksym_by_addr(struct pm_target *t, uint64_t addr);
const struct pm_ksym *pm_ksym_by_name(struct pm_target *t, const char *name);
size_t pm_ksyms(struct pm_target *t, const struct pm_ksym **syms);
/* ::nm's walk: vmlinux's and the modules' symbols (module: "vmlinux" or a
 * module's name; NULL for all), nm's letters as ELF types and bindings. */
struct pm_err *pm_kernel_symbols(struct pm_target *t, const char *module, pm_symbol_fn *fn, void *arg);

/* The dump's BTF, or an error saying why there is none. */
struct pm_err *pm_kernel_btf(struct pm_target *t, struct pm_btf **out);
/* Every task: init_task, then the tasks list with each one's threads. */
struct pm_err *pm_kernel_tasks(struct pm_target *t, struct pm_ktask **out, size_t *n);
/* The registers of a task: its CPU's if it was running, else those its
 * last context switch saved on its stack (regs: PM_MAX_REGS entries). */
struct pm_err *pm_kernel_task_regs(struct pm_target *t, uint64_t task, uint64_t *regs);
/* crash's state letters: RU IN UN ST TR ZO DE ID ... */
const char *pm_ktask_state(const struct pm_ktask *task);

/* A kernel stack from registers, with the dump's ORC tables; at an entry
 * from user space, a last frame with the user pc and sp and no name. */
struct pm_err *pm_kernel_unwind(struct pm_target *t, const uint64_t *regs, struct pm_stack *out);
void pm_orc_free(struct pm_orc *o);
/* The registers an exception or interrupt taken in kernel mode saved on
 * the stack that regs starts (the faulting instruction's, for an Oops):
 * the first such pt_regs the unwind meets (out: PM_MAX_REGS entries). */
struct pm_err *pm_kernel_exception_regs(struct pm_target *t, const uint64_t *regs, uint64_t *out);
/* The CPU that panicked (index into t->threads), or -1 if none did. */
int pm_kernel_panic_cpu(struct pm_target *t);

/* Loaded modules, from the `modules` list (BTF layouts). */
struct pm_err *pm_kernel_modules(struct pm_target *t, struct pm_kmodule **out, size_t *n);
void pm_kernel_modules_free(struct pm_kmodule *v, size_t n);
/* For kallsyms.c: every module's symbols, their strings in *names. */
size_t pm_kernel_module_symbols(struct pm_target *t, struct pm_ksym **out, char **names);

/* kdata.c: a data symbol's address from kallsyms or VMCOREINFO (0 if
 * neither has it; then kcode.h's table of symbols found in code); the image's data from __init_begin on; a scan of
 * [start, end) calling hit at every ALIGN bytes with the bytes from there
 * (n of them) until it returns true; vmlinux's BTF found by its header. */
uint64_t pm_kernel_data_symbol(struct pm_target *t, const char *name);
/* Why pm_kernel_data_symbol has no NAME, for a message. */
void pm_kernel_data_why(struct pm_target *t, const char *name, char *buf, size_t len);
bool pm_kernel_image_data(struct pm_target *t, uint64_t *start, uint64_t *end);
bool pm_kernel_scan(struct pm_target *t, uint64_t start, uint64_t end, unsigned align,
		    bool (*hit)(struct pm_target *, uint64_t, const unsigned char *, size_t, void *),
		    void *arg);
bool pm_kernel_find_btf(struct pm_target *t, uint64_t *addr, size_t *len);

/* The printk ring buffer, "[seconds.micros] text" lines. */
struct pm_err *pm_kernel_msgbuf(struct pm_target *t, FILE *out);

#endif
