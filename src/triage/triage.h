/* pmdb triage: many cores analysed in parallel worker processes, one JSON
 * line each, then grouped by crash signature. */
#ifndef PM_TRIAGE_H
#define PM_TRIAGE_H

/* argv[0] is "triage".  Exit status: 0 when every core was analysed, 1
 * when some could not be, 2 on a usage error or no cores. */
int pm_triage_main(int argc, char **argv);

#endif
