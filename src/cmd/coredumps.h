/* systemd-coredump's cores, for the command line and ::status. */
#ifndef PM_COREDUMPS_H
#define PM_COREDUMPS_H

#include <stdio.h>

/* Print the cores in DIR; the exit status for main. */
int pm_coredump_list(const char *dir, FILE *out);
/* The "coredump:" line of ::status when PATH is named as systemd-coredump
 * names its files. */
void pm_coredump_status(const char *path, FILE *out);

#endif
