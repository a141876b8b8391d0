/* Streaming decoders behind one interface, for src/target/unpack.c. */
#ifndef PM_CODEC_H
#define PM_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_zbuf {
	const uint8_t *in;
	size_t in_len, in_pos;
	uint8_t *out;
	size_t out_cap, out_pos;
};

enum pm_codec_status { PM_CODEC_MORE, PM_CODEC_END, PM_CODEC_ERROR };

struct pm_codec {
	const char *name;
	void *(*start)(void);
	/* Consume input and produce output; eof says no more input will come.
	 * PM_CODEC_END: the input so far ends at a frame boundary.  On
	 * PM_CODEC_ERROR *why says what is wrong with the data. */
	enum pm_codec_status (*step)(void *st, struct pm_zbuf *z, bool eof, const char **why);
	void (*end)(void *st);
};

const struct pm_codec *pm_codec_find(const char *name);

#endif
