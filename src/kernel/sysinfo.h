/* crash's `sys` facts beyond utsname and the log (sysinfo.c). */
#ifndef PM_SYSINFO_H
#define PM_SYSINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "../target/target.h"

/* The wall clock at the crash, seconds since 1970 (tk_core's xtime_sec). */
bool pm_kernel_date(struct pm_target *t, int64_t *secs);
/* avenrun[]: the 1, 5 and 15 minute load, fixed point with 11 fraction bits. */
bool pm_kernel_loadavg(struct pm_target *t, uint64_t avenrun[3]);
/* The CPU clock in MHz (cpu_khz), 0 if unknown. */
unsigned pm_kernel_cpu_mhz(struct pm_target *t);
/* How many of the first ncpus CPUs __cpu_online_mask has, -1 if unknown. */
int pm_kernel_cpus_online(struct pm_target *t, unsigned ncpus);

#endif
