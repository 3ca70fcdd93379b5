/* Unit tests for vmbus/ring: layout vs Linux, edges, signalling rules,
 * corruption handling, and a property test against a FIFO model. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmbus/ring.h"

#define DATA_SZ (4u * 4096u)

struct pair {
	uint8_t *mem;
	size_t total;
	struct vmbus_ring w, r;
};

static struct pair *pair_new(uint32_t data_sz, uint32_t start)
{
	struct pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->total = VMBUS_PAGE_SIZE + data_sz;
	p->mem = aligned_alloc(4096, p->total);
	assert_non_null(p->mem);
	memset(p->mem, 0xA5, p->total);
	vmbus_ring_format(p->mem, p->total);
	((struct vmbus_ring_hdr *)p->mem)->write_index = start;
	((struct vmbus_ring_hdr *)p->mem)->read_index = start;
	assert_int_equal(vmbus_ring_attach(&p->w, p->mem, p->total), 0);
	assert_int_equal(vmbus_ring_attach(&p->r, p->mem, p->total), 0);
	return p;
}

static void pair_free(struct pair *p)
{
	free(p->mem);
	free(p);
}

static struct vmbus_ring_hdr *hdr(struct pair *p)
{
	return (struct vmbus_ring_hdr *)p->mem;
}

static int send_bytes(struct pair *p, const void *buf, size_t len,
		      uint64_t tid, bool *sig)
{
	struct vmbus_iovec v = { buf, len };

	return vmbus_ring_send(&p->w, VMBUS_PKT_INBAND, 0, tid, &v, 1, sig);
}

/* Offsets and sizes Linux uses (struct hv_ring_buffer and
 * vmpacket_descriptor in include/linux/hyperv.h). */
static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct vmbus_ring_hdr, write_index), 0);
	assert_int_equal(offsetof(struct vmbus_ring_hdr, read_index), 4);
	assert_int_equal(offsetof(struct vmbus_ring_hdr, interrupt_mask), 8);
	assert_int_equal(offsetof(struct vmbus_ring_hdr, pending_send_sz), 12);
	assert_int_equal(offsetof(struct vmbus_ring_hdr, feature_bits), 64);
	assert_int_equal(sizeof(struct vmbus_ring_hdr), 4096);
	assert_int_equal(offsetof(struct vmbus_pkt_desc, type), 0);
	assert_int_equal(offsetof(struct vmbus_pkt_desc, offset8), 2);
	assert_int_equal(offsetof(struct vmbus_pkt_desc, len8), 4);
	assert_int_equal(offsetof(struct vmbus_pkt_desc, flags), 6);
	assert_int_equal(offsetof(struct vmbus_pkt_desc, trans_id), 8);
	assert_int_equal(sizeof(struct vmbus_pkt_desc), 16);
	assert_int_equal(VMBUS_PKT_INBAND, 6);
	assert_int_equal(VMBUS_PKT_XFER_PAGES, 7);
	assert_int_equal(VMBUS_PKT_GPA_DIRECT, 9);
	assert_int_equal(VMBUS_PKT_COMP, 11);
}

/* Wire bytes of one packet: descriptor, payload, zero pad, trailer. */
static void test_wire_format(void **state)
{
	struct pair *p = pair_new(DATA_SZ, 0);
	uint8_t pay[5] = { 1, 2, 3, 4, 5 }, *d = p->mem + 4096;
	struct vmbus_pkt_desc desc;
	uint64_t trailer;
	bool sig;

	(void)state;
	assert_int_equal(send_bytes(p, pay, 5, 0x1122334455667788ull, &sig), 0);
	memcpy(&desc, d, 16);
	assert_int_equal(desc.type, 6);
	assert_int_equal(desc.offset8, 2);
	assert_int_equal(desc.len8, 3);  /* 16 + 5 -> 24 */
	assert_int_equal(desc.flags, 0);
	assert_true(desc.trans_id == 0x1122334455667788ull);
	assert_memory_equal(d + 16, pay, 5);
	assert_int_equal(d[21] | d[22] | d[23], 0);
	memcpy(&trailer, d + 24, 8);
	assert_true(trailer == 0);  /* start offset 0 << 32 */
	assert_int_equal(hdr(p)->write_index, 32);
	assert_true(send_bytes(p, pay, 1, 2, &sig) == 0);
	memcpy(&trailer, d + 32 + 24, 8);
	assert_true(trailer == (32ull << 32));
	assert_int_equal(hdr(p)->feature_bits, VMBUS_RING_FEAT_PENDING_SEND_SZ);
	pair_free(p);
}

/* The packet's tail at the end of the data area: padding that ends
 * exactly there puts the trailer at offset 0, as does a payload that
 * ends there without padding (ring_copy_pkt stores both in place). */
static void test_wrap_tail(void **state)
{
	uint8_t pay[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, buf[64], *d;
	struct pair *p = pair_new(DATA_SZ, DATA_SZ - 24);
	struct vmbus_pkt_info info;
	uint64_t trailer;
	bool sig;

	(void)state;
	d = p->mem + 4096;
	/* 16 + 5 = 21, 3 bytes of padding up to DATA_SZ, trailer at 0. */
	assert_int_equal(send_bytes(p, pay, 5, 11, &sig), 0);
	assert_int_equal(hdr(p)->write_index, 8);
	assert_int_equal(d[DATA_SZ - 3] | d[DATA_SZ - 2] | d[DATA_SZ - 1], 0);
	memcpy(&trailer, d, 8);
	assert_true(trailer == ((uint64_t)(DATA_SZ - 24) << 32));
	assert_int_equal(d[8], 0xA5);  /* nothing written past the trailer */
	assert_int_equal(vmbus_ring_read(&p->r, buf, sizeof(buf), &info, &sig), 24);
	assert_true(info.desc.trans_id == 11);
	assert_memory_equal(buf + 16, pay, 5);
	pair_free(p);
	/* 16 + 8 = 24 ends at DATA_SZ: no padding, trailer at 0. */
	p = pair_new(DATA_SZ, DATA_SZ - 24);
	d = p->mem + 4096;
	assert_int_equal(send_bytes(p, pay, 8, 12, &sig), 0);
	assert_int_equal(hdr(p)->write_index, 8);
	memcpy(&trailer, d, 8);
	assert_true(trailer == ((uint64_t)(DATA_SZ - 24) << 32));
	assert_int_equal(vmbus_ring_read(&p->r, buf, sizeof(buf), &info, &sig), 24);
	assert_memory_equal(buf + 16, pay, 8);
	pair_free(p);
}

static void test_roundtrip_zero_len(void **state)
{
	struct pair *p = pair_new(DATA_SZ, 0);
	struct vmbus_pkt_info info;
	uint8_t buf[64];
	bool sig;

	(void)state;
	assert_int_equal(vmbus_ring_read(&p->r, buf, sizeof(buf), &info, &sig), 0);
	assert_int_equal(vmbus_ring_send(&p->w, VMBUS_PKT_COMP, 0, 77, NULL, 0,
					 &sig), 0);
	assert_true(sig);
	assert_int_equal(hdr(p)->write_index, 24);
	assert_int_equal(vmbus_ring_read(&p->r, buf, sizeof(buf), &info, &sig), 16);
	assert_int_equal(info.desc.type, VMBUS_PKT_COMP);
	assert_int_equal(info.payload_len, 0);
	assert_true(info.desc.trans_id == 77);
	assert_int_equal(hdr(p)->read_index, 24);
	assert_int_equal(vmbus_ring_avail(&p->r), 0);
	pair_free(p);
}

/* A packet that straddles the end of the data area reads back intact. */
static void test_wrap(void **state)
{
	uint8_t pay[200], buf[256];
	struct pair *p = pair_new(DATA_SZ, DATA_SZ - 64);
	struct vmbus_pkt_info info;
	uint64_t trailer;
	bool sig;

	(void)state;
	for (unsigned i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(send_bytes(p, pay, sizeof(pay), 9, &sig), 0);
	/* 16 + 200 = 216, + 8 trailer = 224; wraps to 224 - 64 = 160. */
	assert_int_equal(hdr(p)->write_index, 160);
	memcpy(&trailer, p->mem + 4096 + 152, 8);
	assert_true(trailer == ((uint64_t)(DATA_SZ - 64) << 32));
	assert_int_equal(vmbus_ring_read(&p->r, buf, sizeof(buf), &info, &sig),
			 216);
	assert_memory_equal(buf + 16, pay, sizeof(pay));
	assert_int_equal(hdr(p)->read_index, 160);
	/* Descriptor itself split across the end. */
	pair_free(p);
	p = pair_new(DATA_SZ, DATA_SZ - 8);
	assert_int_equal(send_bytes(p, pay, 8, 10, &sig), 0);
	assert_int_equal(vmbus_ring_read(&p->r, buf, sizeof(buf), &info, &sig), 24);
	assert_true(info.desc.trans_id == 10);
	assert_memory_equal(buf + 16, pay, 8);
	pair_free(p);
}

/* Exact fit: the writer needs strictly more free bytes than the packet. */
static void test_full_and_exact_fit(void **state)
{
	static uint8_t pay[DATA_SZ];
	struct pair *p = pair_new(DATA_SZ, 0);
	uint8_t buf[DATA_SZ];
	bool sig;
	/* Packet total = 16 + len + 8; free = DATA_SZ. */
	size_t fits = DATA_SZ - 16 - 8 - 8, too_big = DATA_SZ - 16 - 8;

	(void)state;
	assert_int_equal(send_bytes(p, pay, too_big, 1, &sig), -EMSGSIZE);
	assert_int_equal(vmbus_ring_max_payload(&p->w), fits);
	assert_int_equal(send_bytes(p, pay, fits, 1, &sig), 0);
	assert_int_equal(vmbus_ring_space(&p->w), 8);
	assert_int_equal(send_bytes(p, pay, 0, 2, &sig), -EAGAIN);
	/* Writer armed pending_send_sz with what it needed (24). */
	assert_int_equal(hdr(p)->pending_send_sz, 24);
	assert_int_equal(vmbus_ring_read(&p->r, buf, sizeof(buf), NULL, &sig),
			 (int)(16 + fits));
	assert_true(sig);  /* space crossed the threshold: wake the writer */
	assert_int_equal(send_bytes(p, pay, 0, 2, &sig), 0);
	assert_int_equal(hdr(p)->pending_send_sz, 0);
	pair_free(p);
}

/* Fill with small packets until full, then free one: exact boundary. */
static void test_fill_small(void **state)
{
	struct pair *p = pair_new(DATA_SZ, 0);
	uint8_t pay[40] = { 0 }, buf[64];
	unsigned n = 0;
	bool sig;
	int rc;

	(void)state;
	while ((rc = send_bytes(p, pay, sizeof(pay), n, &sig)) == 0)
		n++;
	assert_int_equal(rc, -EAGAIN);
	/* Each packet is 64 bytes; one 8-byte slot must stay free. */
	assert_int_equal(n, DATA_SZ / 64 - 1);
	assert_int_equal(vmbus_ring_space(&p->w), 64);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(vmbus_ring_read(&p->r, buf, sizeof(buf), NULL,
						 &sig), 56);
		assert_true(((struct vmbus_pkt_desc *)buf)->trans_id == i);
	}
	assert_int_equal(vmbus_ring_read(&p->r, buf, sizeof(buf), NULL, &sig), 0);
	pair_free(p);
}

/* Signal only on empty -> non-empty, and not while the reader masks. */
static void test_signal_rules(void **state)
{
	struct pair *p = pair_new(DATA_SZ, 0);
	uint8_t pay[8] = { 0 }, buf[64];
	bool sig;

	(void)state;
	assert_int_equal(send_bytes(p, pay, 8, 1, &sig), 0);
	assert_true(sig);
	assert_int_equal(send_bytes(p, pay, 8, 2, &sig), 0);
	assert_false(sig);  /* was not empty */
	assert_int_equal(vmbus_ring_read(&p->r, buf, 64, NULL, &sig), 24);
	assert_false(sig);  /* writer never asked (pending_send_sz == 0) */
	assert_int_equal(vmbus_ring_read(&p->r, buf, 64, NULL, &sig), 24);
	vmbus_ring_mask_begin(&p->r);
	assert_int_equal(hdr(p)->interrupt_mask, 1);
	assert_int_equal(send_bytes(p, pay, 8, 3, &sig), 0);
	assert_false(sig);  /* masked: reader is polling */
	assert_int_equal(vmbus_ring_mask_end(&p->r), 32);  /* must poll again */
	assert_int_equal(hdr(p)->interrupt_mask, 0);
	/* Uncommitted reads keep read_index behind: no signal yet. */
	assert_int_equal(vmbus_ring_iter_next(&p->r, buf, 64, NULL), 24);
	assert_int_equal(send_bytes(p, pay, 8, 4, &sig), 0);
	assert_false(sig);
	pair_free(p);
}

static void test_iter_peek_nobufs(void **state)
{
	struct pair *p = pair_new(DATA_SZ, 0);
	uint8_t pay[100] = { 1 }, buf[256];
	struct vmbus_pkt_info info;
	bool sig;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(send_bytes(p, pay, 100, i, &sig), 0);
	assert_int_equal(vmbus_ring_peek(&p->r, buf, 256, &info), 120);
	assert_int_equal(vmbus_ring_peek(&p->r, buf, 256, &info), 120);
	assert_true(info.desc.trans_id == 0);
	assert_int_equal(vmbus_ring_iter_next(&p->r, buf, 50, &info), -ENOBUFS);
	assert_int_equal(info.pkt_len, 120);
	assert_int_equal(vmbus_ring_iter_next(&p->r, buf, 256, &info), 120);
	assert_int_equal(vmbus_ring_iter_next(&p->r, buf, 256, &info), 120);
	assert_true(info.desc.trans_id == 1);
	assert_int_equal(hdr(p)->read_index, 0);  /* nothing published yet */
	vmbus_ring_iter_commit(&p->r, &sig);
	assert_int_equal(hdr(p)->read_index, 256);
	assert_int_equal(vmbus_ring_avail(&p->r), 128);
	assert_false(p->r.broken);
	pair_free(p);
}

static void expect_broken(struct pair *p, const char *why_part)
{
	uint8_t buf[256];
	bool sig;

	assert_int_equal(vmbus_ring_read(&p->r, buf, sizeof(buf), NULL, &sig),
			 -EIO);
	assert_true(p->r.broken);
	assert_non_null(strstr(p->r.why, why_part));
	/* Stays broken. */
	assert_int_equal(vmbus_ring_read(&p->r, buf, sizeof(buf), NULL, &sig),
			 -EIO);
}

static void test_corrupt_indices(void **state)
{
	struct pair *p = pair_new(DATA_SZ, 0);
	uint8_t pay[8] = { 0 };
	bool sig;

	(void)state;
	hdr(p)->write_index = DATA_SZ;  /* one past the end */
	expect_broken(p, "write_index");
	pair_free(p);
	p = pair_new(DATA_SZ, 0);
	hdr(p)->write_index = 12;  /* misaligned */
	expect_broken(p, "write_index");
	pair_free(p);
	p = pair_new(DATA_SZ, 0);
	hdr(p)->write_index = 16;  /* less than descriptor + trailer */
	expect_broken(p, "partial");
	pair_free(p);
	/* Writer side: the reader corrupts read_index. */
	p = pair_new(DATA_SZ, 0);
	hdr(p)->read_index = 0xFFFFFFF8u;
	assert_int_equal(send_bytes(p, pay, 8, 1, &sig), -EIO);
	assert_true(p->w.broken);
	assert_int_equal(send_bytes(p, pay, 8, 1, &sig), -EIO);
	pair_free(p);
}

static void test_corrupt_desc(void **state)
{
	struct pair *p = pair_new(DATA_SZ, 0);
	uint8_t pay[64] = { 0 };
	struct vmbus_pkt_desc *d;
	bool sig;

	(void)state;
	assert_int_equal(send_bytes(p, pay, 64, 1, &sig), 0);
	d = (struct vmbus_pkt_desc *)(p->mem + 4096);
	d->len8 = 200;  /* beyond what the writer published */
	expect_broken(p, "longer");
	pair_free(p);
	p = pair_new(DATA_SZ, 0);
	assert_int_equal(send_bytes(p, pay, 64, 1, &sig), 0);
	d = (struct vmbus_pkt_desc *)(p->mem + 4096);
	d->offset8 = 1;
	expect_broken(p, "offset8");
	pair_free(p);
	p = pair_new(DATA_SZ, 0);
	assert_int_equal(send_bytes(p, pay, 64, 1, &sig), 0);
	d = (struct vmbus_pkt_desc *)(p->mem + 4096);
	d->offset8 = 11;  /* past len8 = 10 */
	expect_broken(p, "offset8");
	pair_free(p);
	p = pair_new(DATA_SZ, 0);
	assert_int_equal(send_bytes(p, pay, 64, 1, &sig), 0);
	d = (struct vmbus_pkt_desc *)(p->mem + 4096);
	d->len8 = 1;
	expect_broken(p, "len8");
	pair_free(p);
}

/* In-place view: one segment normally, two across the end. */
static void test_view(void **state)
{
	struct pair *p = pair_new(DATA_SZ, DATA_SZ - 64);
	struct vmbus_pkt_view v;
	uint8_t pay[100], whole[128];
	bool sig;

	(void)state;
	for (unsigned i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i + 1);
	assert_int_equal(send_bytes(p, pay, 32, 1, &sig), 0);   /* 56 bytes */
	assert_int_equal(send_bytes(p, pay, 100, 2, &sig), 0);  /* wraps */
	assert_int_equal(vmbus_ring_iter_view(&p->r, &v), 48);
	assert_int_equal(v.seg_len[0], 48);
	assert_int_equal(v.seg_len[1], 0);
	assert_memory_equal(v.seg[0] + 16, pay, 32);
	assert_int_equal(vmbus_ring_iter_view(&p->r, &v), 120);
	assert_true(v.info.desc.trans_id == 2);
	assert_int_equal(v.seg_len[0], 8);  /* 64 - 56 bytes left */
	assert_int_equal(v.seg_len[1], 112);
	memcpy(whole, v.seg[0], v.seg_len[0]);
	memcpy(whole + v.seg_len[0], v.seg[1], v.seg_len[1]);
	assert_memory_equal(whole + 16, pay, 100);
	assert_int_equal(vmbus_ring_iter_view(&p->r, &v), 0);
	assert_int_equal(hdr(p)->read_index, DATA_SZ - 64);
	vmbus_ring_iter_commit(&p->r, &sig);
	assert_int_equal(hdr(p)->read_index, hdr(p)->write_index);
	pair_free(p);
}

static void test_attach_checks(void **state)
{
	struct pair *p = pair_new(DATA_SZ, 0);
	struct vmbus_ring r;

	(void)state;
	assert_int_equal(vmbus_ring_attach(&r, p->mem, 4096), -EINVAL);
	assert_int_equal(vmbus_ring_attach(&r, NULL, p->total), -EINVAL);
	assert_int_equal(vmbus_ring_attach(&r, p->mem, p->total - 4), -EINVAL);
	hdr(p)->read_index = DATA_SZ + 8;
	assert_int_equal(vmbus_ring_attach(&r, p->mem, p->total), -EINVAL);
	assert_true(r.broken);
	hdr(p)->read_index = 0;
	assert_int_equal(vmbus_ring_attach(&r, p->mem, p->total), 0);
	pair_free(p);
}

static void test_gather(void **state)
{
	struct pair *p = pair_new(DATA_SZ, DATA_SZ - 24);
	struct vmbus_pkt_desc d = { .type = VMBUS_PKT_GPA_DIRECT, .offset8 = 4,
				    .len8 = 6, .flags = 1, .trans_id = 5 };
	uint8_t extra[16], pay[13], buf[64];
	struct vmbus_iovec v[3] = { { &d, 16 }, { extra, 16 }, { pay, 13 } };
	struct vmbus_pkt_info info;
	bool sig;

	(void)state;
	memset(extra, 0xEE, sizeof(extra));
	memset(pay, 0x42, sizeof(pay));
	assert_int_equal(vmbus_ring_write(&p->w, v, 3, &sig), 0);
	assert_int_equal(vmbus_ring_read(&p->r, buf, 64, &info, &sig), 48);
	assert_int_equal(info.payload_off, 32);
	assert_int_equal(info.payload_len, 16);
	assert_memory_equal(buf + 16, extra, 16);
	assert_memory_equal(buf + 32, pay, 13);
	assert_int_equal(buf[45] | buf[46] | buf[47], 0);
	v[0].len = 8;  /* shorter than a descriptor */
	assert_int_equal(vmbus_ring_write(&p->w, v, 1, &sig), -EINVAL);
	/* A length that would wrap the running total is too big, not small. */
	v[0].len = 16;
	v[1].len = SIZE_MAX - 7;  /* 16 + this wraps to 8 */
	assert_int_equal(vmbus_ring_write(&p->w, v, 3, &sig), -EMSGSIZE);
	assert_int_equal(vmbus_ring_send(&p->w, VMBUS_PKT_INBAND, 0, 1, &v[1],
					 2, &sig), -EMSGSIZE);
	assert_int_equal(vmbus_ring_space(&p->w), DATA_SZ);
	pair_free(p);
}

/* Property test: random sends, reads, peeks and batched iterations against
 * a FIFO model of (trans_id, length); free space must always equal the ring
 * size minus what the model holds. */
struct model {
	uint64_t tid[4096];
	uint32_t len[4096];
	unsigned head, count;
	uint32_t bytes;
};

static uint32_t rng_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

static uint32_t pkt_bytes(uint32_t len)
{
	return 16u + ((len + 7u) & ~7u) + 8u;
}

static void model_step(struct pair *p, struct model *m, uint64_t *s,
		       uint64_t *tid)
{
	static uint8_t pay[DATA_SZ], buf[DATA_SZ];
	uint32_t op = rng_next(s) % 8, len = rng_next(s) % 700;
	struct vmbus_pkt_info info;
	bool sig;
	int rc;

	if (rng_next(s) % 50 == 0)
		len = rng_next(s) % (DATA_SZ / 2);
	if (op < 4) {
		memset(pay, (int)(*tid & 0xFF), len);
		rc = send_bytes(p, pay, len, *tid, &sig);
		if (pkt_bytes(len) < DATA_SZ - m->bytes) {
			unsigned i = (m->head + m->count) % 4096;
			assert_int_equal(rc, 0);
			assert_true(sig == (m->count == 0));
			m->tid[i] = (*tid)++;
			m->len[i] = len;
			m->count++;
			m->bytes += pkt_bytes(len);
		} else {
			assert_int_equal(rc, -EAGAIN);
		}
	} else {
		rc = op == 7 ? vmbus_ring_peek(&p->r, buf, sizeof(buf), &info)
			     : vmbus_ring_read(&p->r, buf, sizeof(buf), &info,
					       &sig);
		if (m->count == 0) {
			assert_int_equal(rc, 0);
			return;
		}
		assert_int_equal(rc, 16 + ((m->len[m->head] + 7) & ~7u));
		assert_true(info.desc.trans_id == m->tid[m->head]);
		if (m->len[m->head])
			assert_int_equal(buf[16 + m->len[m->head] - 1],
					 (uint8_t)(m->tid[m->head] & 0xFF));
		if (op == 7)
			return;
		m->bytes -= pkt_bytes(m->len[m->head]);
		m->head = (m->head + 1) % 4096;
		m->count--;
	}
	assert_int_equal(vmbus_ring_space(&p->w), DATA_SZ - m->bytes);
}

static void test_model(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct pair *p = pair_new(DATA_SZ, (uint32_t)(seed * 8 % DATA_SZ));
		struct model *m = calloc(1, sizeof(*m));
		uint64_t s = seed, tid = 1;

		assert_non_null(m);
		for (int i = 0; i < 3000; i++)
			model_step(p, m, &s, &tid);
		assert_false(p->r.broken || p->w.broken);
		free(m);
		pair_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_wire_format),
		cmocka_unit_test(test_roundtrip_zero_len),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_wrap_tail),
		cmocka_unit_test(test_full_and_exact_fit),
		cmocka_unit_test(test_fill_small),
		cmocka_unit_test(test_signal_rules),
		cmocka_unit_test(test_iter_peek_nobufs),
		cmocka_unit_test(test_corrupt_indices),
		cmocka_unit_test(test_corrupt_desc),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_attach_checks),
		cmocka_unit_test(test_gather),
		cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
