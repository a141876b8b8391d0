/* The only door to libdw/libdwfl: modules, symbols, source lines, inline
 * chains and unwinding over a target.  Nothing outside src/dwarf includes
 * elfutils' headers. */
#ifndef PM_DWARF_H
#define PM_DWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/err.h"
#include "../target/target.h"

struct pm_dwarf;

/* debug_dirs: extra folders searched for separate debug info (':'-separated),
 * before the standard ones; may be NULL. */
struct pm_err *pm_dwarf_open(struct pm_target *t, const char *debug_dirs, struct pm_dwarf **out);
void pm_dwarf_close(struct pm_dwarf *d);
/* Where inflated copies of compressed debug files are cached: DIR, or ""
 * for no cache; by default $PMDB_CACHE_DIR, else $XDG_CACHE_HOME/pmdb,
 * else ~/.cache/pmdb.  Call before pm_dwarf_open. */
void pm_dwarf_set_cache_dir(const char *dir);
/* A kernel dump's vmlinux (-k): checked by pm_dwarf_open against the
 * dump's build-id, read when a command needs it; "": none, types from
 * the dump's BTF (--no-vmlinux); NULL: look for one.  Call before
 * pm_dwarf_open. */
void pm_dwarf_set_vmlinux(const char *path);

/* Symbol lookup.  A result's strings live until the session closes. */
struct pm_sym {
	const char *name;     /* as in the symbol table (mangled) */
	uint64_t addr, size;
	uint64_t offset;      /* addr asked for minus the symbol's address */
	const char *module;   /* short module name */
};
bool pm_sym_by_addr(struct pm_dwarf *d, uint64_t addr, struct pm_sym *sym);
/* NAME or MODULE`NAME. */
struct pm_err *pm_sym_by_name(struct pm_dwarf *d, const char *name, uint64_t *addr);
/* Demangle when the setting is on ($G); returns name itself otherwise.
 * The result is owned by the session. */
const char *pm_sym_display(struct pm_dwarf *d, const char *name);
void pm_dwarf_set_demangle(struct pm_dwarf *d, bool on);
bool pm_dwarf_demangle(const struct pm_dwarf *d);
/* Print "sym+0xoff", or the bare address when no symbol covers it. */
void pm_sym_print(struct pm_dwarf *d, FILE *out, uint64_t addr);

/* Symbol tables: each defined symbol of the modules matching module (a
 * file name or its prefix, or MODULE's full name; NULL for all), with
 * run-time values.  Fails when no module matches. */
struct pm_symbol {
	const char *name;     /* as in the table (mangled) */
	uint64_t value, size;
	const char *type;     /* "FUNC", "OBJECT", "NOTYPE", "TLS", "IFUNC", ... */
	const char *bind;     /* "LOCAL", "GLOBAL", "WEAK", "UNIQUE" */
	const char *module;   /* short module name */
};
typedef void pm_symbol_fn(const struct pm_symbol *s, void *arg);
struct pm_err *pm_dwarf_symbols(struct pm_dwarf *d, const char *module, pm_symbol_fn *fn,
				void *arg);

/* Modules */
struct pm_module_info {
	const char *name;     /* path or name as reported */
	uint64_t start, end, bias;
	char build_id[129];   /* hex, or "" */
	const char *file;     /* file used for symbols, or NULL */
	const char *debug_file; /* separate debug info used, or NULL */
	bool debuginfod;        /* debug_file came from a debuginfod server */
	bool has_dwarf;         /* DWARF found, in file or debug_file */
	const char *dwp;        /* split DWARF package used, or NULL */
};
size_t pm_dwarf_modules(struct pm_dwarf *d, struct pm_module_info **out);
/* A kernel dump's debug info (vmlinux, else its BTF) now, not at the
 * first typed command: for ::modules and ::modinfo. */
void pm_dwarf_load_kernel(struct pm_dwarf *d);

/* Up to len bytes of the object file mapped at addr, as the file holds them
 * (not as the dump does); how many were read, 0 if none. */
size_t pm_dwarf_read_object(struct pm_dwarf *d, uint64_t addr, void *buf, size_t len);

/* Source line of a pc, or false. */
bool pm_dwarf_line(struct pm_dwarf *d, uint64_t pc, const char **file, int *line);

/* Typed data.  TYPE is a C spelling: "struct proc", "proc_t *",
 * "unsigned long".  Output follows mdb's ::print: hex integers unless
 * decimal is set, members one per line. */
struct pm_print_opts {
	bool addrs;          /* -a: each member's address */
	bool types;          /* -t: each member's type */
	bool decimal;        /* -d: integers in decimal */
};
/* addr::print TYPE [MEMBER...]; a MEMBER is a path: a.b[2].c, p->q. */
struct pm_err *pm_print_typed(struct pm_dwarf *d, const char *type, uint64_t addr,
			      char *const *members, int nmembers, const struct pm_print_opts *o,
			      FILE *out);
struct pm_err *pm_type_sizeof(struct pm_dwarf *d, const char *type, uint64_t *size);
/* Offset of a member path in bytes, and its size (0 if unknown); of a
 * bit-field, the byte of its lowest bit, that bit's position in the byte
 * and its width (*bit_size 0 for other members). */
struct pm_err *pm_type_offsetof(struct pm_dwarf *d, const char *type, const char *member,
				uint64_t *off, uint64_t *size, unsigned *bit_shift, unsigned *bit_size);
/* The enumerators of an enum type, or the one(s) matching value. */
struct pm_err *pm_type_enum(struct pm_dwarf *d, const char *type, bool has_value, uint64_t value,
			    FILE *out);
/* Print a type's definition, as gdb's ptype. */
struct pm_err *pm_type_describe(struct pm_dwarf *d, const char *type, FILE *out);
/* ::print NAME with no address: type NAME's definition, else variable
 * NAME's value (a local of frame FRAME of th, which may be NULL, or a
 * global). */
struct pm_err *pm_print_named(struct pm_dwarf *d, const struct pm_thread *th, unsigned frame,
			      const char *name, const struct pm_print_opts *o, FILE *out);
/* Evaluate a C expression (casts, -> . [] & *, + -, variables of the
 * current thread's frame FRAME and globals) and print "(type) value". */
struct pm_err *pm_cexpr_print(struct pm_dwarf *d, const struct pm_thread *th, unsigned frame,
			      const char *expr, const struct pm_print_opts *o, FILE *out);
/* Evaluate a C expression to a number (pointer values, integers,
 * addresses of lvalues with '&'). */
struct pm_err *pm_cexpr_value(struct pm_dwarf *d, const struct pm_thread *th, unsigned frame,
			      const char *expr, uint64_t *val);

/* The variable in scope in frame FRAME of thread th that holds pointer
 * VALUE, described with what lies at offset OFF of what it points to:
 * "p->p_version (member at offset 0x8 of struct plugin, and p is 0x0)".
 * NULL if none does.  malloc'd. */
char *pm_dwarf_blame(struct pm_dwarf *d, const struct pm_thread *th, size_t frame, uint64_t value,
		     uint64_t off);

/* Stacks.  One element per displayed frame: physical frames are expanded
 * into their inline frames (innermost first), and the signal trampoline
 * is marked. */
enum pm_frame_kind { PM_FRAME_NORMAL, PM_FRAME_INLINE, PM_FRAME_SIGNAL };

struct pm_frame {
	enum pm_frame_kind kind;
	uint64_t pc;          /* as the unwinder reports it (a return address for callers) */
	uint64_t lookup_pc;   /* pc used for symbols: pc - 1 for call sites */
	uint64_t sp;          /* stack pointer in this frame, 0 if unknown */
	const char *func;     /* display name or NULL (no symbol) */
	uint64_t func_off;    /* pc - function start (ELF symbol), if func */
	bool has_off;
	const char *file;     /* source file or NULL */
	int line;
};

struct pm_stack {
	struct pm_frame *frames;
	size_t nframes, cap;
	char *error;          /* why the unwind stopped early, or NULL */
};

struct pm_err *pm_dwarf_stack(struct pm_dwarf *d, const struct pm_thread *th, struct pm_stack *out);
/* The same frames without their files and lines (file NULL, line 0),
 * which spares reading line tables when only names are shown. */
struct pm_err *pm_dwarf_stack_names(struct pm_dwarf *d, const struct pm_thread *th,
				    struct pm_stack *out);
void pm_stack_free(struct pm_stack *s);
/* "name=value, ..." for the parameters of frame i of s (thread th), as
 * gdb's bt shows them; aggregates as "...", unknown ones <unavailable>. */
void pm_dwarf_frame_args(struct pm_dwarf *d, const struct pm_thread *th, const struct pm_stack *s,
			 size_t frame, FILE *out);

#endif
