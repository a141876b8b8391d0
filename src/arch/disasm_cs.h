/* Private to src/arch: the capstone handle of an architecture. */
#ifndef PM_DISASM_CS_H
#define PM_DISASM_CS_H

#include <capstone/capstone.h>

#include "../pmdb.h"

/* Opened on first use, with detail on; an error if capstone cannot. */
struct pm_err *pm_disasm_handle(const struct pm_arch *arch, csh *h);
/* 32-bit ARM's handle for Thumb state (pm_disasm_handle's is ARM state). */
struct pm_err *pm_disasm_handle_thumb(csh *h);

#endif
