/* Private to the unwinder (unwind.c, unwind_fallback.c): the frames
 * collected from libdwfl, and where pmdb goes on when libdwfl stops. */
#ifndef PM_UNWIND_STATE_H
#define PM_UNWIND_STATE_H

#include "internal.h"

struct physical {
	uint64_t pc, sp;
	bool activation;
	bool has_fp;
	uint64_t fp;            /* the frame pointer register, when known */
};

struct collect {
	struct physical *v;
	size_t n, cap;
	int sp_dwarf, fp_dwarf;
	struct pm_target *t;
	uint64_t tramp_sp;      /* a signal trampoline without CFI stopped the unwind */
	bool at_tramp;
	/* the last frame's registers (arch->regs order, 0 where libdwfl does
	 * not know one), kept where arch->exidx needs them */
	uint64_t last_regs[PM_MAX_REGS];
};

/* libdwfl stopped at the innermost frame on an architecture with a
 * link register and no libdwfl fallback: regs for its caller at lr. */
bool pm_unwind_leaf_caller(struct pm_dwarf *d, const struct pm_thread *th, const struct collect *c,
			   uint64_t *regs);
/* libdwfl stopped for want of CFI: regs for the caller along the
 * frame-pointer chain, where the architecture has one. */
bool pm_unwind_fp_step(struct pm_dwarf *d, const struct collect *c, uint64_t *regs);
/* libdwfl stopped for want of CFI in 32-bit ARM code: regs for the
 * caller from the code's .ARM.exidx unwind table (unwind_exidx.c). */
bool pm_unwind_exidx_step(struct pm_dwarf *d, const struct collect *c, uint64_t *regs);
/* How many of the collected frames to show: up to the entry point's. */
size_t pm_unwind_outermost_frames(struct pm_dwarf *d, const struct collect *c);

#endif
