/* Shared inside src/dwarf only. */
#ifndef PM_DWARF_INTERNAL_H
#define PM_DWARF_INTERNAL_H

#include <elfutils/libdwfl.h>

#include "dwarf.h"

/* Interned strings that live as long as the session. */
struct pm_strpool {
	char **strs;
	size_t n, cap;
};

/* What libdwfl hands back to the unwinding callbacks for one thread. */
struct pm_thread_ctx {
	struct pm_dwarf *d;
	const struct pm_thread *th;
	const uint64_t *regs;    /* registers to unwind from instead of th's, or NULL */
};

struct pm_nameidx;

struct pm_dwarf {
	struct pm_target *t;
	Dwfl *dwfl;
	Dwfl_Callbacks callbacks;
	char *debug_path;
	bool demangle;
	bool attached;           /* dwfl_attach_state done */
	struct pm_thread_ctx *thread_ctx; /* one per target thread */
	void *inline_cache;      /* inline.c's expansions by pc */
	bool no_lines;           /* stacks without files and lines (pm_dwarf_stack_names) */
	int entry_state;         /* entry_sym: 0 not looked up, 1 found, -1 none */
	struct pm_sym entry_sym; /* the symbol at AT_ENTRY (unwind_fallback.c) */
	struct pm_strpool pool;
	struct pm_module_info *mods;
	size_t nmods;
	/* kernel dumps (kdwarf.c) */
	bool kvmlinux_tried, kbtf_tried, kidx_tried;
	enum { PM_KDWARF_NONE, PM_KDWARF_VMLINUX, PM_KDWARF_BTF } kdwarf;
	Dwfl_Module *kmod;               /* the kernel's module */
	struct pm_nameidx *kidx;         /* vmlinux's names (nameidx.h) */
	/* last demangled name, cached */
	char *dm_in, *dm_out;
	struct pm_symnames *symnames;    /* symbols by name (symnames.c), built on first use */
	struct pm_symaddr *symaddr;      /* symbols by address (symaddr.c), per module on first use */
};

/* symaddr.c: libdwfl's symbol for ADDR in MOD (its name, biased address
 * and size) from a sorted index; false when it cannot tell (no sized
 * symbol holds ADDR, ARM): ask dwfl_module_addrinfo. */
bool pm_symaddr_lookup(struct pm_dwarf *d, Dwfl_Module *mod, uint64_t addr, const char **name,
		       uint64_t *value, uint64_t *size);
void pm_symaddr_free(struct pm_symaddr *s);

/* symnames.c: the address of symbol NAME (in MODULE, a module name or file
 * name prefix, or any module when NULL), as a versioned NAME@VER too. */
bool pm_symnames_lookup(struct pm_dwarf *d, const char *module, const char *name, uint64_t *addr);
void pm_symnames_free(struct pm_symnames *s);

void pm_inline_expand(struct pm_dwarf *d, struct pm_stack *s, uint64_t pc, uint64_t lookup_pc,
		      uint64_t sp);
/* MODULE in MODULE`NAME or ::nm -m: the full name, or a prefix of the file name. */
bool pm_module_matches(const char *mname, const char *want);
const char *pm_pool_add(struct pm_strpool *p, char *owned);

/* The file libdwfl reads for a module: mainfile (dwfl_module_info's), else
 * the module's name when that is the path libdwfl opened by itself. */
const char *pm_module_file(const char *name, const char *mainfile);

/* mainexe.c: the executable given on the command line in place of the
 * same build's file at the path the core names (static programs). */
void pm_mainexe_prefer_given(struct pm_dwarf *d);

/* The debug folders searched by build-id: the -d folders, /usr/lib/debug,
 * the sysroot's. */
size_t pm_dwarf_search_dirs(const char *const **dirs);

/* Kernel dumps (kdwarf.c): report the kernel's debug info to libdwfl
 * once, when first needed.  TYPES: types will do (vmlinux, else the
 * dump's BTF); otherwise only vmlinux (lines, inline frames) is wanted.
 * Whether the session now has what was asked for. */
bool pm_kdwarf_load(struct pm_dwarf *d, bool types);
/* kvmlinux.c: the -k file checked against the dump; NULL without -k. */
struct pm_err *pm_kdwarf_check_option(struct pm_dwarf *d);
/* kvmlinux.c: an fd to the vmlinux to use and its *path (malloc'd), or -1
 * (none found, --no-vmlinux).  Each place tried is in the look log. */
int pm_kvmlinux_find(struct pm_dwarf *d, char **path);
/* The dump's build-id from VMCOREINFO (kernels since 5.9): its length,
 * 0 if none or not hex. */
size_t pm_kdwarf_build_id(struct pm_target *t, unsigned char *id, size_t max);
#define PM_KDWARF_MODNAME "vmlinux"
/* find_elf's answer for the kernel's module: an fd, or -2 if USERDATA
 * is not the kernel's. */
int pm_kdwarf_find_elf(void **userdata, char **file_name);
void pm_kdwarf_end(void);
/* The index of MOD's names when MOD is vmlinux (made, or mapped from the
 * cache, on first use), else NULL: search MOD CU by CU. */
struct pm_nameidx *pm_kdwarf_index(struct pm_dwarf *d, Dwfl_Module *mod);
/* Where a kernel dump's types come from ("the kernel's BTF", "vmlinux's
 * DWARF"), NULL if from nowhere or not a kernel dump. */
const char *pm_kdwarf_source(const struct pm_dwarf *d);

#endif
