/* zstd, xz and lz4 (frame format) streaming decoders. */
#include "codec.h"

#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

static void *zstd_start(void)
{
	return ZSTD_createDStream();
}

static enum pm_codec_status zstd_step(void *st, struct pm_zbuf *z, bool eof, const char **why)
{
	(void)eof;
	ZSTD_inBuffer in = { z->in, z->in_len, z->in_pos };
	ZSTD_outBuffer out = { z->out, z->out_cap, z->out_pos };
	size_t r = ZSTD_decompressStream(st, &out, &in);
	z->in_pos = in.pos;
	z->out_pos = out.pos;
	if (ZSTD_isError(r)) {
		*why = ZSTD_getErrorName(r);
		return PM_CODEC_ERROR;
	}
	return r == 0 ? PM_CODEC_END : PM_CODEC_MORE;
}

static void zstd_end(void *st)
{
	ZSTD_freeDStream(st);
}

static void *xz_start(void)
{
	lzma_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	*s = (lzma_stream)LZMA_STREAM_INIT;
	if (lzma_stream_decoder(s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
		free(s);
		return NULL;
	}
	return s;
}

static const char *xz_why(lzma_ret r)
{
	switch (r) {
	case LZMA_MEM_ERROR: return "out of memory";
	case LZMA_FORMAT_ERROR: return "not in the .xz format";
	case LZMA_OPTIONS_ERROR: return "unsupported compression options";
	case LZMA_DATA_ERROR: return "corrupt data";
	default: return "decoder error";
	}
}

static enum pm_codec_status xz_step(void *st, struct pm_zbuf *z, bool eof, const char **why)
{
	lzma_stream *s = st;
	s->next_in = z->in + z->in_pos;
	s->avail_in = z->in_len - z->in_pos;
	s->next_out = z->out + z->out_pos;
	s->avail_out = z->out_cap - z->out_pos;
	lzma_ret r = lzma_code(s, eof ? LZMA_FINISH : LZMA_RUN);
	z->in_pos = z->in_len - s->avail_in;
	z->out_pos = z->out_cap - s->avail_out;
	if (r == LZMA_STREAM_END)
		return PM_CODEC_END;
	/* At the end of the input, a buffer error means the stream stops short:
	 * the caller reports that as truncation. */
	if (r == LZMA_OK || r == LZMA_BUF_ERROR)
		return PM_CODEC_MORE;
	*why = xz_why(r);
	return PM_CODEC_ERROR;
}

static void xz_end(void *st)
{
	lzma_end(st);
	free(st);
}

static void *lz4_start(void)
{
	LZ4F_dctx *d;
	return LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)) ? NULL : d;
}

static enum pm_codec_status lz4_step(void *st, struct pm_zbuf *z, bool eof, const char **why)
{
	(void)eof;
	size_t out_len = z->out_cap - z->out_pos, in_len = z->in_len - z->in_pos;
	size_t r = LZ4F_decompress(st, z->out + z->out_pos, &out_len, z->in + z->in_pos,
				   &in_len, NULL);
	z->in_pos += in_len;
	z->out_pos += out_len;
	if (LZ4F_isError(r)) {
		*why = LZ4F_getErrorName(r);
		return PM_CODEC_ERROR;
	}
	return r == 0 ? PM_CODEC_END : PM_CODEC_MORE;
}

static void lz4_end(void *st)
{
	LZ4F_freeDecompressionContext(st);
}

static const struct pm_codec codecs[] = {
	{ "zstd", zstd_start, zstd_step, zstd_end },
	{ "xz", xz_start, xz_step, xz_end },
	{ "lz4", lz4_start, lz4_step, lz4_end },
};

const struct pm_codec *pm_codec_find(const char *name)
{
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (strcmp(codecs[i].name, name) == 0)
			return &codecs[i];
	return NULL;
}
