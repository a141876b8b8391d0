/* AArch64 NT_ARM_SVE: struct user_sve_header (size, max_size as u32;
 * vl, max_vl, flags, reserved as u16), then from offset 16 either a
 * struct user_fpsimd_state (flags bit 0 clear: the thread's SVE state was
 * discarded, only the FPSIMD view is live) or the SVE registers: z0-z31
 * of vl bytes each, p0-p15 and ffr of vl/8 bytes each, then fpsr and fpcr
 * at the next 16-byte boundary (the kernel's uapi ptrace.h and
 * sve_context.h).  Every offset is checked against the note: cores are
 * untrusted. */
#include "aarch64_sve.h"
#include "../base/util.h"

#include <stdarg.h>
#include <string.h>

enum {
	HDR = 16,               /* sizeof(struct user_sve_header), 16-aligned */
	FPSIMD_SIZE = 32 * 16 + 8,  /* v0-v31, fpsr, fpcr (then 8 reserved bytes) */
	VL_MIN = 16, VL_MAX = 8192,
};

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

int pm_a64_sve_decode(const unsigned char *d, size_t n, struct pm_a64_sve *s,
		      char *why, size_t whylen)
{
	memset(s, 0, sizeof(*s));
	if (n < HDR)
		return fail(why, whylen, "%zu bytes, shorter than its %d-byte header", n, HDR);
	uint32_t size = pm_le32(d);
	s->vl = pm_le16(d + 8);
	s->max_vl = pm_le16(d + 10);
	s->sve = pm_le16(d + 12) & 1;
	if (size > n)
		return fail(why, whylen, "its header claims %u bytes but the note holds %zu", size, n);
	if (s->vl % 16 || s->vl < VL_MIN || s->vl > VL_MAX)
		return fail(why, whylen, "vector length %u is not a multiple of 16 in %d..%d",
			    s->vl, VL_MIN, VL_MAX);
	if (!s->sve) {
		if (size < HDR + FPSIMD_SIZE)
			return fail(why, whylen, "FPSIMD form of %u bytes, shorter than %d", size,
				    HDR + FPSIMD_SIZE);
		s->fpsimd = d + HDR;
		s->fpsr = pm_le32(d + HDR + 512);
		s->fpcr = pm_le32(d + HDR + 516);
		return 0;
	}
	size_t zlen = s->vl, plen = s->vl / 8;
	size_t ffr = HDR + 32 * zlen + 16 * plen;
	size_t fpsr = (ffr + plen + 15) / 16 * 16;
	if (fpsr + 8 > size)
		return fail(why, whylen, "SVE form with vector length %u needs %zu bytes, its header "
			    "claims %u", s->vl, fpsr + 8, size);
	s->z = d + HDR;
	s->p = d + HDR + 32 * zlen;
	s->ffr = d + ffr;
	s->fpsr = pm_le32(d + fpsr);
	s->fpcr = pm_le32(d + fpsr + 4);
	return 0;
}

/* 16-byte quadwords, lowest first, each as a number */
static void print_quads(FILE *out, const unsigned char *z, size_t len)
{
	fputc('{', out);
	for (size_t q = 0; q < len / 16; q++) {
		fputs(q ? ", 0x" : "0x", out);
		for (size_t k = 16; k-- > 0;)
			fprintf(out, "%02x", z[16 * q + k]);
	}
	fputs("}\n", out);
}

static void print_pred(FILE *out, const char *name, const unsigned char *p, size_t len)
{
	fprintf(out, "%%%-4s= 0x", name);
	for (size_t k = len; k-- > 0;)
		fprintf(out, "%02x", p[k]);
	fputc('\n', out);
}

void pm_a64_sve_print(FILE *out, const struct pm_a64_sve *s)
{
	fprintf(out, "\nsve: vl %u bytes (vg %u), max_vl %u, ", s->vl, s->vl / 8, s->max_vl);
	if (!s->sve) {
		fputs("FPSIMD only: z0-z31 are v0-v31 zero-extended, p0-p15 and ffr are 0\n", out);
		return;
	}
	fprintf(out, "SVE registers live (fpsr 0x%08x fpcr 0x%08x)\n\n", s->fpsr, s->fpcr);
	for (int i = 0; i < 32; i++) {
		fprintf(out, "%%z%-2d = ", i);
		print_quads(out, s->z + (size_t)i * s->vl, s->vl);
	}
	fputc('\n', out);
	for (int i = 0; i < 16; i++) {
		char name[16];
		snprintf(name, sizeof(name), "p%u", (unsigned)i & 15);
		print_pred(out, name, s->p + (size_t)i * (s->vl / 8), s->vl / 8);
	}
	print_pred(out, "ffr", s->ffr, s->vl / 8);
}
