/* The kernel log from the printk ring buffer (Linux >= 5.10): a ring of
 * descriptors (state and id, and where the text lies in the data ring)
 * and of printk_info records (sequence number, timestamp, text length).
 * Every offset comes from VMCOREINFO, so no debug info is needed. */
#include "kernel.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DESC_STATE_SHIFT 62
#define DESC_ID_MASK (~(3ull << DESC_STATE_SHIFT))
#define DESC_COMMITTED 1
#define DESC_FINALIZED 2

struct layout {
	int64_t ring_desc, ring_text, desc_count_bits, desc_descs, desc_infos, desc_head, desc_tail;
	int64_t data_size_bits, data_data, desc_size, desc_state, desc_lpos, lpos_begin, lpos_next;
	int64_t info_size, info_ts, info_len;
};

static bool get_layout(struct pm_kernel *k, struct layout *l)
{
	const struct pm_vmcoreinfo *v = &k->vi;
	return pm_vmcoreinfo_number(v, "OFFSET", "printk_ringbuffer.desc_ring", &l->ring_desc) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "printk_ringbuffer.text_data_ring", &l->ring_text) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "prb_desc_ring.count_bits", &l->desc_count_bits) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "prb_desc_ring.descs", &l->desc_descs) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "prb_desc_ring.infos", &l->desc_infos) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "prb_desc_ring.head_id", &l->desc_head) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "prb_desc_ring.tail_id", &l->desc_tail) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "prb_data_ring.size_bits", &l->data_size_bits) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "prb_data_ring.data", &l->data_data) &&
	       pm_vmcoreinfo_number(v, "SIZE", "prb_desc", &l->desc_size) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "prb_desc.state_var", &l->desc_state) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "prb_desc.text_blk_lpos", &l->desc_lpos) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "prb_data_blk_lpos.begin", &l->lpos_begin) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "prb_data_blk_lpos.next", &l->lpos_next) &&
	       pm_vmcoreinfo_number(v, "SIZE", "printk_info", &l->info_size) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "printk_info.ts_nsec", &l->info_ts) &&
	       pm_vmcoreinfo_number(v, "OFFSET", "printk_info.text_len", &l->info_len);
}

static uint64_t rd64(struct pm_target *t, uint64_t a, bool *ok)
{
	uint64_t v = 0;
	if (pm_memmap_read_partial(&t->mem, a, &v, 8) != 8)
		*ok = false;
	return v;
}

static uint32_t rd32(struct pm_target *t, uint64_t a, bool *ok)
{
	uint32_t v = 0;
	if (pm_memmap_read_partial(&t->mem, a, &v, 4) != 4)
		*ok = false;
	return v;
}

/* One record's text: in the data ring between two logical positions,
 * after the block's id word; a block that wraps starts over at 0. */
static void print_text(struct pm_target *t, uint64_t data, unsigned size_bits, uint64_t begin,
		       uint64_t next, uint16_t len, int indent, FILE *out)
{
	if (begin & 1)                    /* a record with no text */
		return;
	uint64_t size = 1ull << size_bits, mask = size - 1;
	uint64_t at = (begin >> size_bits) == (next >> size_bits) ? (begin & mask) : 0;
	uint64_t end = next & mask ? next & mask : size;
	if (at + 8 > end || end - at - 8 < len)
		len = end > at + 8 ? (uint16_t)(end - at - 8) : 0;
	char *buf = xmalloc((size_t)len + 1);
	size_t got = pm_memmap_read_partial(&t->mem, data + at + 8, buf, len);
	/* a record of several lines: the later ones under the first's text,
	 * as dmesg and makedumpfile print them */
	for (size_t i = 0; i < got; i++) {
		fputc(buf[i], out);
		if (buf[i] == '\n' && i + 1 < got)
			fprintf(out, "%*s", indent, "");
	}
	free(buf);
}

struct pm_err *pm_kernel_msgbuf(struct pm_target *t, FILE *out)
{
	struct pm_kernel *k = t->kernel;
	struct layout l;
	uint64_t prb_var;
	if (!k || !pm_vmcoreinfo_symbol(&k->vi, "prb", &prb_var) || !get_layout(k, &l))
		return pm_err_new(PM_ERR_LOOKUP, "::msgbuf: the dump's VMCOREINFO does not describe a "
				  "printk ring buffer (a kernel before 5.10?)");
	bool ok = true;
	uint64_t prb = rd64(t, prb_var, &ok);
	uint64_t dr = prb + (uint64_t)l.ring_desc, tr = prb + (uint64_t)l.ring_text;
	unsigned count_bits = rd32(t, dr + (uint64_t)l.desc_count_bits, &ok);
	uint64_t descs = rd64(t, dr + (uint64_t)l.desc_descs, &ok);
	uint64_t infos = rd64(t, dr + (uint64_t)l.desc_infos, &ok);
	uint64_t head = rd64(t, dr + (uint64_t)l.desc_head, &ok) & DESC_ID_MASK;
	uint64_t tail = rd64(t, dr + (uint64_t)l.desc_tail, &ok) & DESC_ID_MASK;
	unsigned size_bits = rd32(t, tr + (uint64_t)l.data_size_bits, &ok);
	uint64_t data = rd64(t, tr + (uint64_t)l.data_data, &ok);
	/* the kernel's own limits: log_buf_len is at most 2^31 bytes and a
	 * descriptor stands for 32 of them on average */
	if (!ok || count_bits > 26 || size_bits > 31)
		return pm_err_new(PM_ERR_FAULT, "::msgbuf: the printk ring buffer at 0x%" PRIx64
				  " is not readable in this dump", prb);
	uint64_t count = 1ull << count_bits;
	uint64_t id = tail;
	for (uint64_t n = 0; n <= count; n++, id = (id + 1) & DESC_ID_MASK) {
		uint64_t idx = id & (count - 1);
		uint64_t desc = descs + idx * (uint64_t)l.desc_size;
		bool rok = true;
		uint64_t sv = rd64(t, desc + (uint64_t)l.desc_state, &rok);
		unsigned state = (unsigned)(sv >> DESC_STATE_SHIFT);
		if (rok && (sv & DESC_ID_MASK) == id && (state == DESC_COMMITTED || state == DESC_FINALIZED)) {
			uint64_t begin = rd64(t, desc + (uint64_t)(l.desc_lpos + l.lpos_begin), &rok);
			uint64_t next = rd64(t, desc + (uint64_t)(l.desc_lpos + l.lpos_next), &rok);
			uint64_t info = infos + idx * (uint64_t)l.info_size;
			uint64_t ts = rd64(t, info + (uint64_t)l.info_ts, &rok);
			uint16_t len = 0;
			if (pm_memmap_read_partial(&t->mem, info + (uint64_t)l.info_len, &len, 2) != 2)
				rok = false;
			if (rok) {
				int indent = fprintf(out, "[%5" PRIu64 ".%06" PRIu64 "] ", ts / 1000000000,
						     ts % 1000000000 / 1000);
				print_text(t, data, size_bits, begin, next, len, indent, out);
				fputc('\n', out);
			}
		}
		if (id == head)
			break;
	}
	return NULL;
}
