/* netvsp_rx.c: everything netvsp sends to the guest.
 *
 * Frames and RNDIS control replies are written into sections of the
 * guest's receive buffer and named by a transfer-page packet (page set =
 * the id the guest gave its buffer, 0xCAFE for Linux), as Hyper-V does;
 * Linux's netvsc_receive() reads every RNDIS message that way. The
 * packet's trans_id encodes the allocation (count << 32 | first
 * section); the guest's completion echoing it frees the sections, and a
 * completion naming no live allocation is counted and ignored.
 *
 * Frames are batched: each is written into the sections right after the
 * previous one's and gets its own range, and one packet with up to
 * NETVSP_RX_BATCH_MAX ranges announces them when the switch says the
 * sender's burst is over (netvsp_deliver_flush; vsw.h "Bursts"). Linux's
 * netvsc_receive() handles range_cnt ranges, one RNDIS packet each, and
 * completes the packet once; Hyper-V batches receives the same way. The
 * batch's sections are one allocation, so that completion frees them.
 *
 * A reply that finds the outbound ring full waits in a small queue
 * (vmbus_ring_write has armed pending_send_sz, so the guest signals us
 * when it has read); frames are dropped and counted instead. The queue
 * is one array for all channels, but each channel's replies go out in
 * their order and independently of the others' (pend_flush).
 */
#include "vswitch/netvsp/netvsp_internal.h"

#include <stddef.h>
#include <stdlib.h>

int netvsp_rxalloc_init(struct netvsp_rxalloc *a, uint32_t n)
{
	memset(a, 0, sizeof(*a));
	if (n == 0)
		return -EINVAL;
	a->words = (n + 63u) / 64u;
	a->used = calloc(a->words, sizeof(*a->used));
	a->alloc_n = calloc(n, 1);
	if (!a->used || !a->alloc_n) {
		netvsp_rxalloc_free(a);
		return -ENOMEM;
	}
	/* Bits past the last section are permanently "used". */
	if (n % 64u)
		a->used[a->words - 1] = ~0ull << (n % 64u);
	a->n = n;
	return 0;
}

void netvsp_rxalloc_free(struct netvsp_rxalloc *a)
{
	free(a->used);
	free(a->alloc_n);
	memset(a, 0, sizeof(*a));
}

int netvsp_rx_init(struct netvsp *nv, uint32_t n)
{
	netvsp_rx_fini(nv);
	return netvsp_rxalloc_init(&nv->rx, n);
}

void netvsp_rx_fini(struct netvsp *nv)
{
	/* A batch not yet announced dies with the buffer. */
	nv->st.rx_drop_not_ready += nv->rxb.n;
	memset(&nv->rxb, 0, sizeof(nv->rxb));
	netvsp_rxalloc_free(&nv->rx);
}

static bool sec_used(const struct netvsp_rxalloc *a, uint32_t i)
{
	return a->used[i / 64u] >> (i % 64u) & 1u;
}

static void sec_mark(struct netvsp_rxalloc *a, uint32_t i, uint32_t k,
		     bool used)
{
	if (k == 1) {  /* the common case: a frame up to 1,684 bytes (1,668
			* with its hash) */
		a->used[i / 64u] ^= 1ull << (i % 64u);
		return;
	}
	for (uint32_t j = i; j < i + k; j++) {
		if (used)
			a->used[j / 64u] |= 1ull << (j % 64u);
		else
			a->used[j / 64u] &= ~(1ull << (j % 64u));
	}
}

/* One free section, next fit by whole words. */
static int alloc_one(struct netvsp_rxalloc *a)
{
	uint32_t w = a->cursor / 64u;

	for (uint32_t k = 0; k < a->words; k++, w = (w + 1 == a->words) ? 0 : w + 1) {
		uint64_t freebits = ~a->used[w];

		if (freebits)
			return (int)(w * 64u + (uint32_t)__builtin_ctzll(freebits));
	}
	return -1;
}

/* k contiguous free sections (k > 1: jumbo frames), first fit. */
static int alloc_run(const struct netvsp_rxalloc *a, uint32_t k)
{
	for (uint32_t i = 0, run = 0; i < a->n; i++) {
		run = sec_used(a, i) ? 0 : run + 1;
		if (run == k)
			return (int)(i + 1 - k);
	}
	return -1;
}

/* Marks k free sections at first as one allocation: a new receive, or
 * one the guest held at a save (netvsp_save.c checked the range). */
void netvsp_rxalloc_take(struct netvsp_rxalloc *a, uint32_t first, uint32_t k)
{
	sec_mark(a, first, k, true);
	a->alloc_n[first] = (uint8_t)k;
	a->in_use += k;
}

static int rx_alloc(struct netvsp_rxalloc *a, uint32_t k)
{
	int i = k == 1 ? alloc_one(a) : alloc_run(a, k);

	if (i < 0)
		return -ENOBUFS;
	netvsp_rxalloc_take(a, (uint32_t)i, k);
	a->cursor = (uint32_t)i + k >= a->n ? 0 : (uint32_t)i + k;
	return i;
}

static void rx_free(struct netvsp_rxalloc *a, uint32_t i)
{
	uint32_t k = a->alloc_n[i];

	sec_mark(a, i, k, false);
	a->alloc_n[i] = 0;
	a->in_use -= k;
}

void netvsp_rx_complete(struct netvsp *nv, uint64_t tid)
{
	uint32_t first = (uint32_t)tid, k = (uint32_t)(tid >> 32);

	if (!nv->rx.n || first >= nv->rx.n || k == 0 ||
	    nv->rx.alloc_n[first] != k) {
		nv->st.comp_bad++;
		return;
	}
	rx_free(&nv->rx, first);
}

/* Grows an allocation of `have` sections at `first` by the k sections
 * right after it, when they are free (a batch stays one allocation). */
static bool rx_grow(struct netvsp_rxalloc *a, uint32_t first, uint32_t have,
		    uint32_t k)
{
	uint32_t end = first + have;

	if (have + k > 255u || end + k > a->n)
		return false;
	for (uint32_t j = end; j < end + k; j++)
		if (sec_used(a, j))
			return false;
	sec_mark(a, end, k, true);
	a->alloc_n[first] = (uint8_t)(have + k);
	a->in_use += k;
	a->cursor = end + k >= a->n ? 0 : end + k;
	return true;
}

static void rx_shrink(struct netvsp_rxalloc *a, uint32_t first,
		      uint32_t have, uint32_t k)
{
	sec_mark(a, first + have, k, false);
	a->alloc_n[first] = (uint8_t)have;
	a->in_use -= k;
}

/* After the descriptor, page-set header and ranges: the NVSP
 * SEND_RNDIS_PKT that Linux's netvsc_receive() reads at offset8, which
 * must lie past NETVSC_XFER_HEADER_SIZE(range_cnt). */
struct xfer_tail {
	uint32_t type;
	struct nvsp_rndis_pkt p;
} __attribute__((packed));
_Static_assert(sizeof(struct xfer_tail) == 16, "type + nvsp_1_message_send_rndis_packet");

/* One transfer-page packet naming n ranges: one ring write, so at most
 * one signal for the lot. */
static int xfer_send(struct vmbus_chan *ch, uint16_t pageset, uint64_t tid,
		     const struct vmbus_xfer_range *r, uint32_t n)
{
	uint32_t off = (uint32_t)sizeof(struct vmbus_xfer_hdr) +
		       n * (uint32_t)sizeof(*r);
	struct vmbus_xfer_hdr h = {
		.d = { VMBUS_PKT_XFER_PAGES, (uint16_t)(off / 8u),
		       (uint16_t)((off + sizeof(struct xfer_tail)) / 8u),
		       VMBUS_PKT_FLAG_COMPLETION_REQUESTED, tid },
		.xfer_pageset_id = pageset,
		.range_cnt = n,
	};
	struct xfer_tail t = {
		NVSP_MSG1_SEND_RNDIS_PKT,
		{ NVSP_CHANNEL_DATA, NVSP_INVALID_SECTION, 0 },
	};
	struct vmbus_iovec v[3] = {
		{ &h, sizeof(h) }, { r, n * sizeof(*r) }, { &t, sizeof(t) },
	};
	bool sig = false;
	int err = vmbus_ring_write(&ch->out, v, 3, &sig);

	if (!err && sig && ch->signal)
		(void)ch->signal(ch->signal_ctx, ch->signal_id);
	return err;
}

/* hdr (hlen bytes), then the frame's head, then its tail (if any), one
 * after another from off; the tail is the sending guest's send buffer,
 * copied as it is now. */
static int rx_write(struct netvsp *nv, uint32_t off, const void *hdr,
		    uint32_t hlen, const struct netvsp_frame *f)
{
	const struct netvsp_guest_ops *ops = &nv->cfg.ops;
	int err = ops->buf_write(ops->ctx, nv->rbuf.h, off, hdr, hlen);

	if (!err && f->head_len)
		err = ops->buf_write(ops->ctx, nv->rbuf.h, off + hlen, f->head,
				     f->head_len);
	if (!err && f->len > f->head_len)
		err = ops->buf_write(ops->ctx, nv->rbuf.h,
				     off + hlen + f->head_len, f->tail,
				     f->len - f->head_len);
	return err;
}

/* Writes msg into fresh sections and sends the transfer-page packet at
 * once (control replies). 0, or -ENOBUFS (no sections), -EAGAIN (ring
 * full), -ENOTCONN (no buffer or channel), -EFAULT. Lock held. */
static int rx_put(struct netvsp *nv, const void *msg, uint32_t total)
{
	static const struct netvsp_frame none = { NULL, NULL, 0, 0 };
	uint32_t sec = nv->recv_sec_size, k, off;
	struct vmbus_xfer_range r;
	int first, err;

	if (!nv->chans[0] || !nv->rx.n)
		return -ENOTCONN;
	/* Frames announced before this reply stay before it. */
	netvsp_rx_flush(nv);
	k = (total + sec - 1) / sec;
	if (k > 255u || (first = rx_alloc(&nv->rx, k)) < 0)
		return -ENOBUFS;
	off = (uint32_t)first * sec;
	r = (struct vmbus_xfer_range){ total, off };
	err = rx_write(nv, off, msg, total, &none);
	if (!err)
		err = xfer_send(nv->chans[0], nv->rbuf.id,
				(uint64_t)k << 32 | (uint32_t)first, &r, 1);
	if (err)
		rx_free(&nv->rx, (uint32_t)first);
	return err;
}

/* Writes a frame and its header (hlen bytes at hdr) into sections right
 * after the batch's (or starts a new batch when they are taken, the
 * batch is full or goes on another channel) and adds its range; the
 * switch's flush, or a full batch, sends the packet. Lock held. */
static int rx_batch_add(struct netvsp *nv, uint32_t chan, const void *hdr,
			uint32_t hlen, const struct netvsp_frame *f)
{
	struct netvsp_rxbatch *b = &nv->rxb;
	uint32_t sec = nv->recv_sec_size, total = hlen + f->len, k, at, have;
	int first, err;

	if (!nv->chans[0] || !nv->rx.n)
		return -ENOTCONN;
	k = (total + sec - 1) / sec;
	if (k > 255u)
		return -ENOBUFS;
	if (b->n && b->n < NETVSP_RX_BATCH_MAX && b->chan == chan &&
	    rx_grow(&nv->rx, b->first, b->secs, k)) {
		have = b->secs;
	} else {
		netvsp_rx_flush(nv);
		if ((first = rx_alloc(&nv->rx, k)) < 0)
			return -ENOBUFS;
		b->first = (uint32_t)first;
		b->chan = chan;
		have = 0;
	}
	at = b->first + have;
	err = rx_write(nv, at * sec, hdr, hlen, f);
	if (err) {
		if (have)
			rx_shrink(&nv->rx, b->first, have, k);
		else
			rx_free(&nv->rx, b->first);
		return err;
	}
	b->secs = have + k;
	b->r[b->n++] = (struct vmbus_xfer_range){ total, at * sec };
	b->bytes += f->len;
	return 0;
}

void netvsp_rx_flush(struct netvsp *nv)
{
	struct netvsp_rxbatch *b = &nv->rxb;
	int err;

	if (!b->n)
		return;
	/* A sub-channel gone meanwhile: the primary (netvsp_ch); Linux
	 * takes a receive on any of its channels (netvsc_receive()). */
	err = nv->chans[0] ? xfer_send(netvsp_ch(nv, b->chan), nv->rbuf.id,
				       (uint64_t)b->secs << 32 | b->first,
				       b->r, b->n) :
			     -ENOTCONN;
	if (!err) {
		if (netvsp_ch(nv, b->chan) != nv->chans[0])
			nv->st.rx_frames_sub += b->n;
		nv->st.rx_frames += b->n;
		nv->st.rx_bytes += b->bytes;
	} else {
		rx_free(&nv->rx, b->first);
		if (err == -EAGAIN)
			nv->st.rx_drop_ring_full += b->n;
		else
			nv->st.rx_drop_not_ready += b->n;
	}
	b->n = 0;
	b->secs = 0;
	b->bytes = 0;
}

static bool rx_filter(const struct netvsp *nv, const uint8_t *dst)
{
	uint32_t f = nv->filter;

	if (f & NDIS_PACKET_TYPE_PROMISCUOUS)
		return true;
	if (!(dst[0] & 1u))
		return (f & NDIS_PACKET_TYPE_DIRECTED) && !memcmp(dst, nv->cur_mac, 6);
	if (!memcmp(dst, "\xff\xff\xff\xff\xff\xff", 6))
		return f & NDIS_PACKET_TYPE_BROADCAST;
	if (f & NDIS_PACKET_TYPE_ALL_MULTICAST)
		return true;
	if (!(f & NDIS_PACKET_TYPE_MULTICAST))
		return false;
	for (uint32_t i = 0; i < nv->n_mcast; i++)
		if (!memcmp(dst, nv->mcast[i], 6))
			return true;
	return false;
}

/* What precedes a frame in its receive section: the RNDIS_PACKET header
 * and, for a hashed frame, its hash element. */
struct rx_hdr {
	struct rndis_hdr h;
	struct rndis_packet p;
	struct rndis_ppi_hash e;
} __attribute__((packed));
_Static_assert(sizeof(struct rx_hdr) == RNDIS_PKT_HDR_SIZE + 16u,
	       "header and hash element");
/* Header, hash element and an 802.1Q-tagged frame of the default MTU
 * still fit one section of Hyper-V's 1,728 bytes (1,578); larger frames
 * take a run of sections (rx_batch_add), as jumbo frames always did. */
_Static_assert(sizeof(struct rx_hdr) + VSW_MTU_DEFAULT + 18u <= 1728u,
	       "an MTU frame with its hash fits a receive section");

/* A hashed frame (RSS on) gets its hash as NBL_HASH_VALUE per-packet
 * info between the RNDIS_PACKET header and the frame, as Hyper-V sends
 * it: Linux's rndis_filter_receive_data() reads it and gives it to the
 * stack (skb_set_hash(), an L4 hash, in netvsc_alloc_recv_skb()), so
 * RPS and flow steering need not hash the frame again. Linux reads no
 * hash type (NBL_HASH_INFO), so none is sent. The one element is well
 * formed, as rndis_get_ppi() needs: a size it cannot step past, or a
 * data offset outside the element, makes its walk spin. Returns the
 * header's length. */
static uint32_t rx_hdr_hash(struct rx_hdr *m, uint32_t hash)
{
	m->p.ppi_off = sizeof(m->p);
	m->p.ppi_len = sizeof(m->e);
	m->p.data_off = (uint32_t)(sizeof(m->p) + sizeof(m->e));
	m->e.hdr = (struct rndis_ppi){ sizeof(m->e), RNDIS_PPI_HASH_VALUE,
				       sizeof(m->e.hdr) };
	m->e.value = hash;
	return sizeof(*m);
}

/* The packet filter reads the destination address in the head, which
 * the switch decided on (at least 14 bytes, 18 when split). */
static void rx_frame(struct netvsp *nv, const struct netvsp_frame *f)
{
	struct rx_hdr m;
	uint32_t hlen = RNDIS_PKT_HDR_SIZE, chan = 0, hash;
	int err;

	if (!nv->rndis_up || !nv->link_up || !nv->filter) {
		nv->st.rx_drop_not_ready++;
		return;
	}
	if (!rx_filter(nv, f->head)) {
		nv->st.rx_drop_filtered++;
		return;
	}
	/* Without a hash (RSS off, the bench's case, or a frame not hashed)
	 * no per-packet info: offset 0. Linux's rndis_get_ppi() (drivers/
	 * net/hyperv/rndis_filter.c) skips a zero offset, but a non-zero one
	 * needs a length of at least one PPI header, or it logs "Invalid
	 * per_pkt_info_len" for every frame (seen with Debian's 6.1). */
	memset(&m, 0, RNDIS_PKT_HDR_SIZE);
	m.h.type = RNDIS_MSG_PACKET;
	m.p.data_off = sizeof(m.p);
	m.p.data_len = f->len;
	if (nv->rss.on && netvsp_rss_frame(nv, f, &hash)) {
		hlen = rx_hdr_hash(&m, hash);
		chan = netvsp_rss_chan(&nv->rss, hash);
	}
	m.h.msg_len = hlen + f->len;
	/* Counted as received when the batch goes out (netvsp_rx_flush). */
	err = rx_batch_add(nv, chan, &m, hlen, f);
	if (!err)
		return;
	if (err == -ENOBUFS) {
		nv->st.rx_drop_no_buffer++;
	} else {
		nv->st.rx_drop_not_ready++;
	}
}

/* The switch's delivery callback (vsw_deliver_fn): the one copy of the
 * frame, straight into the guest's receive buffer. The switch checked
 * its length against the MTU, so it fits 32 bits. */
/* The same in two parts (vsw_deliver_split_fn): the tail goes from the
 * sender's send buffer straight into ours, its one copy (the sending
 * netvsp copied only the head). A whole frame is a head without tail. */
void netvsp_deliver_split(void *ctx, const uint8_t *head, size_t head_len,
			  const uint8_t *tail, size_t tail_len)
{
	struct netvsp *nv = ctx;
	struct netvsp_frame f = { head, tail, (uint32_t)head_len,
				  (uint32_t)(head_len + tail_len) };

	netvsp_lock(nv);
	rx_frame(nv, &f);
	netvsp_unlock(nv);
}

void netvsp_deliver(void *ctx, const uint8_t *frame, size_t len)
{
	netvsp_deliver_split(ctx, frame, len, NULL, 0);
}

void netvsp_deliver_flush(void *ctx)
{
	struct netvsp *nv = ctx;

	netvsp_lock(nv);
	netvsp_rx_flush(nv);
	netvsp_unlock(nv);
}

/* ---- replies, queued when the ring is full ---- */

/* A completion (VM_PKT_COMP echoing tid) built whole, for one copy into
 * the ring; same effect as vmbus_chan_send_comp. */
static int comp_send(struct vmbus_chan *ch, uint64_t tid, const void *msg,
		     size_t len)
{
	uint8_t b[sizeof(struct vmbus_pkt_desc) + NVSP_MSG_SIZE];
	struct vmbus_pkt_desc d = {
		VMBUS_PKT_COMP, sizeof(d) / 8u,
		(uint16_t)((sizeof(d) + len + 7u) / 8u), 0, tid,
	};
	struct vmbus_iovec v = { b, sizeof(d) + len };
	bool sig = false;
	int err;

	if (len > NVSP_MSG_SIZE)
		return vmbus_chan_send_comp(ch, tid, msg, len);
	memcpy(b, &d, sizeof(d));
	memcpy(b + sizeof(d), msg, len);
	err = vmbus_ring_write(&ch->out, &v, 1, &sig);
	if (!err && sig && ch->signal)
		(void)ch->signal(ch->signal_ctx, ch->signal_id);
	return err;
}

/* Completions on the request's channel (a sub-channel closed since: the
 * reply has nowhere to go); the rest on the primary. */
static int send_now(struct netvsp *nv, uint8_t kind, uint8_t chan,
		    uint64_t tid, const void *msg, size_t len)
{
	if (!nv->chans[0])
		return -ENOTCONN;
	switch (kind) {
	case PEND_COMP:
		if (chan >= NETVSP_MAX_CHANNELS || !nv->chans[chan])
			return -ENOTCONN;
		return comp_send(nv->chans[chan], tid, msg, len);
	case PEND_INBAND:
		return vmbus_chan_send(nv->chans[0], VMBUS_PKT_INBAND, 0, 0, msg,
				       len);
	default:
		return rx_put(nv, msg, (uint32_t)len);
	}
}

static int pend_try(struct netvsp *nv, const struct netvsp_pend *p)
{
	return send_now(nv, p->kind, p->chan, p->tid, p->data, p->len);
}

static void pend_add(struct netvsp *nv, uint8_t kind, uint8_t chan,
		     uint64_t tid, const void *msg, size_t len)
{
	struct netvsp_pend *p;

	if (nv->pend_count == NETVSP_PEND_MAX || len > NETVSP_CTRL_MAX) {
		nv->st.ctrl_dropped++;
		netvsp_log(nv, "reply dropped", "reply queue full");
		return;
	}
	p = &nv->pend[nv->pend_count++];
	p->kind = kind;
	p->chan = chan;
	p->tid = tid;
	p->len = (uint16_t)len;
	memcpy(p->data, msg, len);
}

/* A channel's bit in a mask of channels (chan < NETVSP_MAX_CHANNELS:
 * the poll loop's slot, or a restored reply netvsp_save.c checked). */
static uint32_t chan_bit(uint32_t chan)
{
	return 1u << (chan % NETVSP_MAX_CHANNELS);
}

/* Oldest first. A reply that finds no room (its ring full, or no
 * receive section for a control reply) blocks its channel: that
 * channel's later replies stay behind it, in order, and the other
 * channels' go on (Linux reads each channel's ring on its own CPU,
 * netvsc_poll(), so one guest CPU that does not read must not hold
 * back the others). The kept ones close up at the front of the array.
 * Returns the channels left blocked. */
static uint32_t pend_flush(struct netvsp *nv)
{
	uint32_t blocked = 0, kept = 0;

	for (uint32_t i = 0; i < nv->pend_count; i++) {
		struct netvsp_pend *p = &nv->pend[i];
		int err;

		if (!(blocked & chan_bit(p->chan))) {
			err = pend_try(nv, p);
			if (err != -EAGAIN && err != -ENOBUFS) {
				if (err)
					nv->st.ctrl_dropped++;
				continue;   /* sent, or it had nowhere to go */
			}
			blocked |= chan_bit(p->chan);
		}
		if (kept != i)
			nv->pend[kept] = *p;
		kept++;
	}
	nv->pend_count = kept;
	return blocked;
}

uint32_t netvsp_flush(struct netvsp *nv)
{
	if (nv->pend_count)
		pend_flush(nv);
	return nv->pend_count;
}

bool netvsp_pend_full(const struct netvsp *nv, uint32_t chan)
{
	uint32_t n = 0;

	if (NETVSP_PEND_MAX - nv->pend_count < NETVSP_BATCH_MAX + 1u)
		return true;
	/* The primary's replies are bounded by the array alone, as before
	 * sub-channels: a control reply waiting for a receive section is
	 * freed by completions the primary's drain reads. */
	if (chan == 0)
		return false;
	for (uint32_t i = 0; i < nv->pend_count; i++)
		n += nv->pend[i].chan == chan;
	return n >= NETVSP_PEND_SUB;
}

/* Keeps each channel's order: nothing overtakes a reply queued for the
 * same channel (chan: a completion's; the primary for the rest). */
static void send_or_queue(struct netvsp *nv, uint8_t kind, uint8_t chan,
			  uint64_t tid, const void *msg, size_t len)
{
	int err;

	if (len > NETVSP_CTRL_MAX) {
		nv->st.ctrl_dropped++;
		return;
	}
	if (!nv->pend_count || !(pend_flush(nv) & chan_bit(chan))) {
		err = send_now(nv, kind, chan, tid, msg, len);
		if (err != -EAGAIN && err != -ENOBUFS) {
			if (err)
				nv->st.ctrl_dropped++;
			return;
		}
	}
	pend_add(nv, kind, chan, tid, msg, len);
}

void netvsp_send_comp(struct netvsp *nv, uint32_t chan, uint64_t tid,
		      const void *msg, size_t len)
{
	send_or_queue(nv, PEND_COMP, (uint8_t)chan, tid, msg, len);
}

void netvsp_send_inband(struct netvsp *nv, const void *msg, size_t len)
{
	send_or_queue(nv, PEND_INBAND, 0, 0, msg, len);
}

void netvsp_send_ctrl(struct netvsp *nv, const void *msg, size_t len)
{
	send_or_queue(nv, PEND_CTRL, 0, 0, msg, len);
}
