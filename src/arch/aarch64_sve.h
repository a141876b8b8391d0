/* AArch64's NT_ARM_SVE note: decoding (every size checked) and ::fpregs'
 * view of it. */
#ifndef PM_AARCH64_SVE_H
#define PM_AARCH64_SVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pm_a64_sve {
	unsigned vl, max_vl;              /* vector length in bytes */
	bool sve;                         /* SVE form; else FPSIMD form */
	const unsigned char *fpsimd;      /* FPSIMD form: struct user_fpsimd_state */
	const unsigned char *z, *p, *ffr; /* SVE form: 32 x vl, 16 x vl/8, vl/8 bytes */
	uint32_t fpsr, fpcr;
};

/* 0, or -1 with why saying what in the note is wrong. */
int pm_a64_sve_decode(const unsigned char *d, size_t n, struct pm_a64_sve *s,
		      char *why, size_t whylen);
void pm_a64_sve_print(FILE *out, const struct pm_a64_sve *s);

#endif
