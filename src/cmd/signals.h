/* Names of signals and of si_code values. */
#ifndef PM_SIGNALS_H
#define PM_SIGNALS_H

#include <stdbool.h>

const char *pm_signal_name(int signo);        /* "SIGSEGV" or NULL */
const char *pm_signal_desc(int signo);        /* "Segmentation fault" or NULL */
const char *pm_sicode_name(int signo, int code); /* "SEGV_MAPERR" or NULL */
/* Does si_addr hold a fault address for this signal and code? */
bool pm_signal_has_addr(int signo, int code);
/* Does the siginfo name a sending process (si_pid, si_uid)? */
bool pm_signal_has_sender(int code);
/* The signal named by SIGSEGV, SEGV (any case) or a number; 0 if none. */
int pm_signal_parse(const char *s);

#endif
