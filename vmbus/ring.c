/*
 * VMBus ring buffer operations. Layout and rules follow Linux
 * drivers/hv/ring_buffer.c and include/linux/hyperv.h (facts only; this is
 * our own code):
 *  - indices are byte offsets into the data area, always multiples of 8;
 *  - the ring is empty when read_index == write_index, so a writer needs
 *    strictly more free bytes than the packet (it never fills the ring
 *    completely, otherwise full and empty would look alike);
 *  - each packet: descriptor, payload padded to 8, 8-byte trailer holding
 *    (u64)start_offset << 32.
 */
#include "vmbus/ring.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

/* The shared indices are accessed as C11 atomics. _Atomic uint32_t has the
 * size and alignment of uint32_t on every ABI we build for (asserted), so
 * viewing the wire fields through it is sound with GCC and Clang. */
_Static_assert(sizeof(_Atomic uint32_t) == sizeof(uint32_t) &&
	       _Alignof(_Atomic uint32_t) == _Alignof(uint32_t),
	       "atomic u32 must have the plain layout");
#define A(field) ((_Atomic uint32_t *)&(field))

/*
 * Memory ordering. Data bytes are published with release/acquire on the
 * indices: the writer's release store of write_index pairs with the reader's
 * load of it, the reader's release store of read_index with the writer's
 * load of it. The two wake-up handshakes are StoreLoad patterns (each
 * side stores its flag, then loads the other's), which release/acquire does
 * not order; Linux uses virt_mb() there. We make both the store and the load
 * of each handshake memory_order_seq_cst instead of a standalone fence: the
 * single total order of seq_cst operations guarantees at least one side sees
 * the other's store (no lost wake-up), and ThreadSanitizer models it. On
 * x86 a seq_cst store is an XCHG and a seq_cst load a plain MOV.
 *   1. writer: write_index (store) -> interrupt_mask, read_index (loads);
 *      reader: interrupt_mask = 0 (store) -> write_index (load).
 *   2. writer: pending_send_sz (store) -> read_index (load);
 *      reader: read_index (store) -> pending_send_sz (load).
 * seq_cst operations are also acquire/release, so they carry the data
 * publication as well. Loads that only refresh a cached peer index on the
 * hot path are plain acquire (no handshake depends on them). Per packet the
 * writer pays one full barrier (the write_index store, as Linux's virt_mb()
 * in hv_signal_on_write); the reader pays one per drained batch (commit).
 */
#define SC memory_order_seq_cst

/* peer_idx before the first load (never a valid, 8-aligned index). */
#define RING_NO_IDX 0xFFFFFFFFu
#define RING_MIN_PKT (sizeof(struct vmbus_pkt_desc) + VMBUS_PKT_TRAILER)
/* len8 is 16 bits: a packet is at most 0xFFFF * 8 bytes (without trailer). */
#define RING_MAX_PKT (0xFFFFu * 8u)

static int ring_break(struct vmbus_ring *r, const char *why)
{
	if (!r->broken) {
		r->broken = true;
		r->why = why;
	}
	return -EIO;
}

static bool ring_index_ok(const struct vmbus_ring *r, uint32_t idx)
{
	return idx < r->size && (idx & 7u) == 0;
}

/* Free bytes for the writer given both indices (not counting the one
 * reserved slot that keeps full distinct from empty). */
static uint32_t ring_free(uint32_t size, uint32_t w, uint32_t rd)
{
	return rd > w ? rd - w : size - (w - rd);
}

static uint32_t ring_used(uint32_t size, uint32_t w, uint32_t rd)
{
	return w >= rd ? w - rd : size - rd + w;
}

static void ring_copy_in(struct vmbus_ring *r, uint32_t off, const void *src,
			 size_t len)
{
	size_t first = r->size - off;

	if (first >= len) {
		memcpy(r->data + off, src, len);
		return;
	}
	memcpy(r->data + off, src, first);
	memcpy(r->data, (const uint8_t *)src + first, len - first);
}

static void ring_copy_out(const struct vmbus_ring *r, uint32_t off, void *dst,
			  size_t len)
{
	size_t first = r->size - off;

	if (first >= len) {
		memcpy(dst, r->data + off, len);
		return;
	}
	memcpy(dst, r->data + off, first);
	memcpy((uint8_t *)dst + first, r->data, len - first);
}

/* off < size and n <= size at every call (packet pieces of a packet that
 * fits), so one conditional subtraction wraps; no division on the hot
 * path. */
static uint32_t ring_add(const struct vmbus_ring *r, uint32_t off, size_t n)
{
	uint64_t v = (uint64_t)off + n;

	return (uint32_t)(v >= r->size ? v - r->size : v);
}

void vmbus_ring_format(void *base, size_t total_bytes)
{
	struct vmbus_ring_hdr *h = base;

	(void)total_bytes;
	memset(h, 0, sizeof(*h));
	/* We implement the pending_send_sz protocol as reader and writer. */
	atomic_store_explicit(A(h->feature_bits), VMBUS_RING_FEAT_PENDING_SEND_SZ,
			      memory_order_relaxed);
}

int vmbus_ring_attach(struct vmbus_ring *r, void *base, size_t total_bytes)
{
	uint32_t w, rd;

	memset(r, 0, sizeof(*r));
	if (!base || total_bytes < VMBUS_PAGE_SIZE + VMBUS_PAGE_SIZE ||
	    total_bytes - VMBUS_PAGE_SIZE > 0x80000000u ||
	    (total_bytes & 7u) != 0) {
		r->broken = true;
		r->why = "ring geometry invalid (need header page + data, x8)";
		return -EINVAL;
	}
	r->hdr = base;
	r->data = (uint8_t *)base + VMBUS_PAGE_SIZE;
	r->size = (uint32_t)(total_bytes - VMBUS_PAGE_SIZE);
	/* The peer may have shared a ring with arbitrary indices: check once
	 * here, afterwards we keep our own copies. */
	w = atomic_load_explicit(A(r->hdr->write_index), memory_order_acquire);
	rd = atomic_load_explicit(A(r->hdr->read_index), memory_order_acquire);
	if (!ring_index_ok(r, w) || !ring_index_ok(r, rd)) {
		r->broken = true;
		r->why = "ring indices out of range at attach";
		return -EINVAL;
	}
	r->priv_write = w;
	r->priv_read = rd;
	r->peer_idx = RING_NO_IDX;  /* each role loads it on first use */
	r->start_read = rd;
	return 0;
}

uint32_t vmbus_ring_max_payload(const struct vmbus_ring *r)
{
	uint32_t room = r->size - 8u - (uint32_t)RING_MIN_PKT;

	if (room > RING_MAX_PKT - sizeof(struct vmbus_pkt_desc))
		room = RING_MAX_PKT - (uint32_t)sizeof(struct vmbus_pkt_desc);
	return room & ~7u;
}

/* Loads the reader's index. Acquire pairs with the reader's store in
 * iter_commit: its copies out of the data area happen before we reuse that
 * space. The caller passes seq_cst when the load closes handshake 2, plain
 * acquire on the hot path (refreshing a stale cached index). */
static int ring_load_read(struct vmbus_ring *r, uint32_t *rd,
			  memory_order order)
{
	*rd = atomic_load_explicit(A(r->hdr->read_index), order);
	if (!ring_index_ok(r, *rd))
		return ring_break(r, "peer read_index out of range");
	r->peer_idx = *rd;
	return 0;
}

uint32_t vmbus_ring_space(const struct vmbus_ring *r)
{
	uint32_t rd = atomic_load_explicit(A(r->hdr->read_index),
					   memory_order_acquire);

	if (r->broken || !ring_index_ok(r, rd))
		return 0;
	return ring_free(r->size, r->priv_write, rd);
}

/* Writer out of room: publish how much we need so the reader signals us
 * when it frees it, then look again in case it already did. */
static int ring_wait_room(struct vmbus_ring *r, uint32_t need, uint32_t *rd)
{
	uint32_t feat = atomic_load_explicit(A(r->hdr->feature_bits),
					     memory_order_relaxed);

	if (!(feat & VMBUS_RING_FEAT_PENDING_SEND_SZ))
		return -EAGAIN;
	/* Handshake 2 (seq_cst store, then seq_cst load of read_index):
	 * either the reader's commit sees our request and signals, or we see
	 * its progress here. */
	atomic_store_explicit(A(r->hdr->pending_send_sz), need, SC);
	if (ring_load_read(r, rd, SC))
		return -EIO;
	return ring_free(r->size, r->priv_write, *rd) > need ? 0 : -EAGAIN;
}

/* Decide whether the reader needs an interrupt (Linux hv_signal_on_write):
 * only when the ring was empty before this packet and the reader has not
 * masked interrupts because it is polling. */
static bool ring_need_signal(struct vmbus_ring *r, uint32_t old_write)
{
	uint32_t rd;

	/* Handshake 1: our write_index store was seq_cst, so are these loads;
	 * pairs with the reader's unmask-then-recheck in mask_end. Either it
	 * sees our packet or we see the mask clear. */
	if (atomic_load_explicit(A(r->hdr->interrupt_mask), SC))
		return false;
	rd = atomic_load_explicit(A(r->hdr->read_index), SC);
	return rd == old_write;
}

/* One packet to write: an optional header piece (the descriptor built by
 * vmbus_ring_send) followed by the caller's gather list, so that send does
 * not copy the list to prepend its descriptor. */
struct ring_pkt {
	const void *head;
	size_t head_len;
	const struct vmbus_iovec *iov;
	unsigned niov;
};

static int ring_write_check(struct vmbus_ring *r, const struct ring_pkt *p,
			    size_t *len)
{
	size_t total = p->head_len;

	if (r->broken)
		return -EIO;
	for (unsigned i = 0; i < p->niov; i++) {
		if (!p->iov[i].base && p->iov[i].len)
			return -EINVAL;
		/* Compare before adding: a huge len must not wrap total. */
		if (p->iov[i].len > RING_MAX_PKT - total)
			return -EMSGSIZE;
		total += p->iov[i].len;
	}
	if (total < sizeof(struct vmbus_pkt_desc))
		return -EINVAL;
	if (((total + 7u) & ~(size_t)7u) + VMBUS_PKT_TRAILER >= r->size)
		return -EMSGSIZE;
	*len = total;
	return 0;
}

/* Room for need bytes at our write index. The cached read index can only
 * understate the free space (the reader only moves forward), so trust it
 * when it says "enough" and touch the shared cache line only when it does
 * not. */
static int ring_reserve(struct vmbus_ring *r, uint32_t need)
{
	uint32_t rd = r->peer_idx;

	if (rd != RING_NO_IDX && ring_free(r->size, r->priv_write, rd) > need)
		return 0;
	if (ring_load_read(r, &rd, memory_order_acquire))
		return -EIO;
	if (ring_free(r->size, r->priv_write, rd) > need)
		return 0;
	return ring_wait_room(r, need, &rd);
}

/* Copies the packet at the private write index: head, gather list, then
 * zero padding to 8 and the trailer. Returns the new index. The packet
 * starts 8-aligned and the data area's size is a multiple of 8 (attach),
 * so the padding ends at or before the end of the area and the trailer
 * starts 8-aligned: neither straddles the wrap, and both are plain
 * stores rather than a third ring_copy_in of a staging buffer. */
static uint32_t ring_copy_pkt(struct vmbus_ring *r, const struct ring_pkt *p,
			      size_t len)
{
	uint32_t off = r->priv_write, pad = (uint32_t)(-len & 7u);
	uint64_t trailer = (uint64_t)r->priv_write << 32;

	if (p->head_len) {
		ring_copy_in(r, off, p->head, p->head_len);
		off = ring_add(r, off, p->head_len);
	}
	for (unsigned i = 0; i < p->niov; i++) {
		ring_copy_in(r, off, p->iov[i].base, p->iov[i].len);
		off = ring_add(r, off, p->iov[i].len);
	}
	if (pad) {
		memset(r->data + off, 0, pad);
		off = ring_add(r, off, pad);
	}
	memcpy(r->data + off, &trailer, sizeof(trailer));
	return ring_add(r, off, VMBUS_PKT_TRAILER);
}

static int ring_write_pkt(struct vmbus_ring *r, const struct ring_pkt *p,
			  bool *signal)
{
	size_t len = 0;
	uint32_t old_write = r->priv_write;
	int err;

	*signal = false;
	err = ring_write_check(r, p, &len);
	if (!err)
		err = ring_reserve(r, (uint32_t)(((len + 7u) & ~(size_t)7u) +
						 VMBUS_PKT_TRAILER));
	if (err)
		return err;
	r->priv_write = ring_copy_pkt(r, p, len);
	/* Release (via seq_cst): packet bytes become visible before the new
	 * write_index, pairing with the reader's load of it; seq_cst for
	 * handshake 1. */
	atomic_store_explicit(A(r->hdr->write_index), r->priv_write, SC);
	/* Request satisfied. Relaxed: a stale value seen by the reader only
	 * costs a spurious signal. */
	if (atomic_load_explicit(A(r->hdr->pending_send_sz), memory_order_relaxed))
		atomic_store_explicit(A(r->hdr->pending_send_sz), 0,
				      memory_order_relaxed);
	*signal = ring_need_signal(r, old_write);
	if (*signal)
		r->signals++;
	return 0;
}

int vmbus_ring_write(struct vmbus_ring *r, const struct vmbus_iovec *iov,
		     unsigned niov, bool *signal)
{
	struct ring_pkt p = { NULL, 0, iov, niov };

	return ring_write_pkt(r, &p, signal);
}

int vmbus_ring_send(struct vmbus_ring *r, uint16_t type, uint16_t flags,
		    uint64_t trans_id, const struct vmbus_iovec *iov,
		    unsigned niov, bool *signal)
{
	struct vmbus_pkt_desc d;
	struct ring_pkt p = { &d, sizeof(d), iov, niov };
	size_t len = sizeof(d);

	*signal = false;
	if (niov > 7)
		return -EINVAL;
	for (unsigned i = 0; i < niov; i++) {
		if (iov[i].len > RING_MAX_PKT - len)
			return -EMSGSIZE;
		len += iov[i].len;
	}
	d.type = type;
	d.offset8 = sizeof(d) / 8;
	d.len8 = (uint16_t)((len + 7u) / 8u);
	d.flags = flags;
	d.trans_id = trans_id;
	return ring_write_pkt(r, &p, signal);
}

/* Loads the writer's index. Acquire pairs with the writer's store:
 * everything up to write_index has been written. The caller passes seq_cst
 * when the load closes handshake 1 (avail after unmasking), plain acquire
 * on the hot path (the cached index is used up). */
static int ring_load_write(struct vmbus_ring *r, uint32_t *w,
			   memory_order order)
{
	*w = atomic_load_explicit(A(r->hdr->write_index), order);
	if (!ring_index_ok(r, *w))
		return ring_break(r, "peer write_index out of range");
	r->peer_idx = *w;
	return 0;
}

uint32_t vmbus_ring_avail(struct vmbus_ring *r)
{
	uint32_t w;

	if (r->broken || ring_load_write(r, &w, SC))
		return 0;
	return ring_used(r->size, w, r->priv_read);
}

/* Copies and validates the descriptor at the private read index. Returns
 * 1 with *info filled, 0 if empty, -EIO if the ring is corrupt. */
static int ring_next_desc(struct vmbus_ring *r, struct vmbus_pkt_info *info)
{
	uint32_t w, avail, plen, poff;

	if (r->broken)
		return -EIO;
	/* Packets below the cached write index are already published; look
	 * at the shared index only when they are used up. */
	w = r->peer_idx;
	if ((w == RING_NO_IDX || w == r->priv_read) &&
	    ring_load_write(r, &w, memory_order_acquire))
		return -EIO;
	avail = ring_used(r->size, w, r->priv_read);
	if (avail == 0)
		return 0;
	/* Writers publish whole packets, so anything shorter is corruption. */
	if (avail < RING_MIN_PKT)
		return ring_break(r, "partial packet in ring");
	/* Copy first, then validate the copy: the peer may change the shared
	 * bytes under us (no double fetch). */
	ring_copy_out(r, r->priv_read, &info->desc, sizeof(info->desc));
	plen = (uint32_t)info->desc.len8 * 8u;
	poff = (uint32_t)info->desc.offset8 * 8u;
	if (plen < sizeof(struct vmbus_pkt_desc))
		return ring_break(r, "packet len8 shorter than descriptor");
	if (poff < sizeof(struct vmbus_pkt_desc) || poff > plen)
		return ring_break(r, "packet offset8 outside packet");
	if ((uint64_t)plen + VMBUS_PKT_TRAILER > avail)
		return ring_break(r, "packet longer than data in ring");
	info->pkt_len = plen;
	info->payload_off = poff;
	info->payload_len = plen - poff;
	return 1;
}

static int ring_fetch(struct vmbus_ring *r, void *buf, size_t cap,
		      struct vmbus_pkt_info *info, bool consume)
{
	struct vmbus_pkt_info tmp;
	int n;

	if (!info)
		info = &tmp;
	n = ring_next_desc(r, info);
	if (n <= 0)
		return n;
	if (cap < info->pkt_len)
		return -ENOBUFS;
	ring_copy_out(r, r->priv_read, buf, info->pkt_len);
	/* Keep the validated descriptor, not a re-read one. */
	memcpy(buf, &info->desc, sizeof(info->desc));
	if (consume)
		r->priv_read = ring_add(r, r->priv_read,
					info->pkt_len + VMBUS_PKT_TRAILER);
	return (int)info->pkt_len;
}

int vmbus_ring_iter_next(struct vmbus_ring *r, void *buf, size_t cap,
			 struct vmbus_pkt_info *info)
{
	return ring_fetch(r, buf, cap, info, true);
}

int vmbus_ring_iter_view(struct vmbus_ring *r, struct vmbus_pkt_view *v)
{
	uint32_t first;
	int n = ring_next_desc(r, &v->info);

	if (n <= 0)
		return n;
	first = r->size - r->priv_read;
	if (first > v->info.pkt_len)
		first = v->info.pkt_len;
	v->seg[0] = r->data + r->priv_read;
	v->seg_len[0] = first;
	v->seg[1] = r->data;
	v->seg_len[1] = v->info.pkt_len - first;
	r->priv_read = ring_add(r, r->priv_read,
				v->info.pkt_len + VMBUS_PKT_TRAILER);
	return (int)v->info.pkt_len;
}

int vmbus_ring_peek(struct vmbus_ring *r, void *buf, size_t cap,
		    struct vmbus_pkt_info *info)
{
	return ring_fetch(r, buf, cap, info, false);
}

/* Linux hv_pkt_iter_close: signal the writer only when this batch moved
 * the free space across its pending_send_sz threshold. */
static bool ring_writer_wants(struct vmbus_ring *r, uint32_t freed)
{
	uint32_t pending, w, space;

	if (!(atomic_load_explicit(A(r->hdr->feature_bits),
				   memory_order_relaxed) &
	      VMBUS_RING_FEAT_PENDING_SEND_SZ))
		return false;
	/* Handshake 2: our read_index store was seq_cst, so is this load;
	 * pairs with the writer arming pending_send_sz then re-reading
	 * read_index in ring_wait_room. */
	pending = atomic_load_explicit(A(r->hdr->pending_send_sz), SC);
	if (!pending)
		return false;
	if (ring_load_write(r, &w, memory_order_acquire))
		return false;
	space = ring_free(r->size, w, r->priv_read);
	if (space <= pending)
		return false;
	/* Already above the threshold before this batch: the writer was
	 * signalled then, or never needed to wait. */
	return space - freed <= pending;
}

void vmbus_ring_iter_commit(struct vmbus_ring *r, bool *signal)
{
	uint32_t freed;

	*signal = false;
	if (r->broken || r->priv_read == r->start_read)
		return;
	freed = ring_used(r->size, r->priv_read, r->start_read);
	r->start_read = r->priv_read;
	/* Release (via seq_cst): our copies out of the data area complete
	 * before the writer can see the space as free (pairs with
	 * ring_load_read); seq_cst for handshake 2. */
	atomic_store_explicit(A(r->hdr->read_index), r->priv_read, SC);
	*signal = ring_writer_wants(r, freed);
	if (*signal)
		r->signals++;
}

uint32_t vmbus_ring_uncommitted(const struct vmbus_ring *r)
{
	return ring_used(r->size, r->priv_read, r->start_read);
}

int vmbus_ring_read(struct vmbus_ring *r, void *buf, size_t cap,
		    struct vmbus_pkt_info *info, bool *signal)
{
	int n = vmbus_ring_iter_next(r, buf, cap, info);

	*signal = false;
	if (n > 0)
		vmbus_ring_iter_commit(r, signal);
	return n;
}

void vmbus_ring_mask_begin(struct vmbus_ring *r)
{
	/* Only an optimisation hint for the writer: relaxed is enough. */
	atomic_store_explicit(A(r->hdr->interrupt_mask), 1, memory_order_relaxed);
}

uint32_t vmbus_ring_mask_end(struct vmbus_ring *r)
{
	/* Handshake 1 (Linux hv_end_read uses virt_mb() here): unmask with a
	 * seq_cst store, then re-read write_index with a seq_cst load. Either
	 * the writer sees the mask clear and signals, or we see its data. */
	atomic_store_explicit(A(r->hdr->interrupt_mask), 0, SC);
	return vmbus_ring_avail(r);
}
