/*
 * VMBus ring buffers: the shared-memory layout that Hyper-V, Windows and
 * Linux (include/linux/hyperv.h, struct hv_ring_buffer) use, plus the
 * operations on one direction of a channel.
 *
 * A ring is a 4 KiB header page followed by a data area whose size is a
 * multiple of 8 (in practice of 4 KiB). The writer owns write_index, the
 * reader owns read_index, interrupt_mask; pending_send_sz is written by the
 * writer and read by the reader. Each side keeps a private copy of the index
 * it owns and never trusts the shared copy of it after attach, and every
 * index it reads from the peer is validated before use: a peer can corrupt
 * the ring only into an error, never into an out-of-bounds access.
 *
 * Concurrency: one writer thread and one reader thread per ring (the peer
 * may be in another partition). Callers serialise their own side.
 */
#ifndef VMBUS_RING_H
#define VMBUS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMBUS_PAGE_SIZE 4096u

/* Packet types (include/linux/hyperv.h enum vmbus_packet_type). */
#define VMBUS_PKT_INBAND     0x6u  /* VM_PKT_DATA_INBAND */
#define VMBUS_PKT_XFER_PAGES 0x7u  /* VM_PKT_DATA_USING_XFER_PAGES */
#define VMBUS_PKT_GPA_DIRECT 0x9u  /* VM_PKT_DATA_USING_GPA_DIRECT */
#define VMBUS_PKT_COMP       0xBu  /* VM_PKT_COMP */
/* Descriptor flag: the sender wants a VMBUS_PKT_COMP echoing trans_id. */
#define VMBUS_PKT_FLAG_COMPLETION_REQUESTED 0x1u

/* feature_bits bit 0: the reader honours pending_send_sz (Linux
 * feat_pending_send_sz; absent before WS2012). */
#define VMBUS_RING_FEAT_PENDING_SEND_SZ 0x1u

/*
 * Shared ring header page (struct hv_ring_buffer). The four indices are
 * aligned 32-bit words that both partitions access concurrently; ring.c
 * accesses them only through C11 atomics (as _Atomic uint32_t, whose layout
 * it asserts equal), so this wire header stays plain for every includer.
 */
struct vmbus_ring_hdr {
	uint32_t write_index;     /* byte offset into data, writer's */
	uint32_t read_index;      /* byte offset into data, reader's */
	uint32_t interrupt_mask;  /* reader: "don't signal me" */
	uint32_t pending_send_sz; /* writer: "signal me at this space" */
	uint32_t reserved1[12];
	uint32_t feature_bits;    /* offset 64 */
	uint8_t reserved2[VMBUS_PAGE_SIZE - 68];
};
_Static_assert(sizeof(struct vmbus_ring_hdr) == VMBUS_PAGE_SIZE,
	       "ring header is one page");
_Static_assert(offsetof(struct vmbus_ring_hdr, feature_bits) == 64,
	       "feature_bits at 64 as in Linux hv_ring_buffer");

/* Packet descriptor (struct vmpacket_descriptor), 16 bytes. offset8 is the
 * payload offset and len8 the whole packet length without the trailer, both
 * in 8-byte units. */
struct vmbus_pkt_desc {
	uint16_t type;
	uint16_t offset8;
	uint16_t len8;
	uint16_t flags;
	uint64_t trans_id;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_pkt_desc) == 16, "vmpacket_descriptor");

/* Every packet is followed by an 8-byte trailer holding the packet's start
 * offset in its upper 32 bits (Linux hv_get_ring_bufferindices). */
#define VMBUS_PKT_TRAILER 8u

/* A gather element for writes. */
struct vmbus_iovec {
	const void *base;
	size_t len;
};

/* What a reader learns about one packet, after validation. */
struct vmbus_pkt_info {
	struct vmbus_pkt_desc desc;
	uint32_t pkt_len;      /* len8 * 8: descriptor + headers + payload + pad */
	uint32_t payload_off;  /* offset8 * 8 */
	uint32_t payload_len;  /* pkt_len - payload_off (includes padding) */
};

/* Private per-side state of one ring direction. */
struct vmbus_ring {
	struct vmbus_ring_hdr *hdr;
	uint8_t *data;
	uint32_t size;        /* data area size in bytes */
	uint32_t priv_write;  /* writer: our write index */
	uint32_t priv_read;   /* reader: read index not yet published */
	uint32_t start_read;  /* reader: published read index */
	uint32_t peer_idx;    /* last validated peer index (read_index for
			       * the writer, write_index for the reader) */
	bool broken;
	const char *why;      /* reason the ring was declared broken */
	uint64_t signals;     /* statistics: signals we asked for */
};

/* Initialise the shared header of a freshly allocated ring (the side that
 * allocates the pages does this, before sharing them). */
void vmbus_ring_format(void *base, size_t total_bytes);

/* Attach to a ring at base (header page + data). Validates the geometry
 * and the current shared indices. Returns 0 or -EINVAL (with r->why). */
int vmbus_ring_attach(struct vmbus_ring *r, void *base, size_t total_bytes);

/* Largest payload that can ever fit in this ring with a 16-byte
 * descriptor. */
uint32_t vmbus_ring_max_payload(const struct vmbus_ring *r);

/* Writer side. Writes the concatenation of iov[] as one packet (caller's
 * bytes start with a vmbus_pkt_desc), padded to 8, plus the trailer.
 * *signal is set when the reader must be signalled (ring went from empty
 * to non-empty and interrupt_mask clear). Returns 0, -EAGAIN (full: the
 * writer's pending_send_sz is armed, retry after a signal), -EMSGSIZE
 * (never fits), -EINVAL (bad arguments), -EIO (ring broken). */
int vmbus_ring_write(struct vmbus_ring *r, const struct vmbus_iovec *iov,
		     unsigned niov, bool *signal);

/* Builds the descriptor (offset8 = 2) and writes payload iov[] (at most 7
 * elements) after it. */
int vmbus_ring_send(struct vmbus_ring *r, uint16_t type, uint16_t flags,
		    uint64_t trans_id, const struct vmbus_iovec *iov,
		    unsigned niov, bool *signal);

/* Bytes the writer could place now (for tests and flow control). */
uint32_t vmbus_ring_space(const struct vmbus_ring *r);

/* Reader side. iter_next validates and copies the next packet (descriptor
 * included) into buf and advances the private read index; nothing is given
 * back to the writer until iter_commit. Returns the packet length copied
 * (>= 16), 0 if the ring is empty, -ENOBUFS if cap is too small (the packet
 * is not consumed; info is filled), -EIO if the ring is broken/corrupt. */
int vmbus_ring_iter_next(struct vmbus_ring *r, void *buf, size_t cap,
			 struct vmbus_pkt_info *info);

/* Zero-copy variant of iter_next: validates the next packet and describes
 * it in place as up to two segments (two when it wraps the end of the
 * data area); info->desc is a validated private copy. The view stays valid
 * until iter_commit. The peer can still change the bytes under the view:
 * copy any field before checking and using it (no double fetch). Returns
 * the packet length, 0 if empty, -EIO if corrupt. */
struct vmbus_pkt_view {
	struct vmbus_pkt_info info;
	const uint8_t *seg[2];
	uint32_t seg_len[2];  /* seg_len[0] + seg_len[1] == info.pkt_len */
};
int vmbus_ring_iter_view(struct vmbus_ring *r, struct vmbus_pkt_view *v);

/* Copy the next packet without consuming it. Same returns as iter_next. */
int vmbus_ring_peek(struct vmbus_ring *r, void *buf, size_t cap,
		    struct vmbus_pkt_info *info);

/* Publish the private read index; *signal is set when the writer asked
 * (pending_send_sz) and this read made enough room. */
void vmbus_ring_iter_commit(struct vmbus_ring *r, bool *signal);

/* Bytes consumed by iter_next/iter_view but not yet committed: readers
 * commit when this reaches a fraction of the ring, so that a writer
 * waiting for room is not held up by a long batch. */
uint32_t vmbus_ring_uncommitted(const struct vmbus_ring *r);

/* iter_next + iter_commit. */
int vmbus_ring_read(struct vmbus_ring *r, void *buf, size_t cap,
		    struct vmbus_pkt_info *info, bool *signal);

/* Reader interrupt mitigation: mask while polling, unmask when done.
 * mask_end returns the bytes still readable after unmasking; non-zero
 * means the caller must poll again (a write may have raced the unmask).
 * A reader that does not mask must call vmbus_ring_avail() after its last
 * iter_commit and before sleeping, for the same reason (the writer only
 * signals when it saw the ring empty). */
void vmbus_ring_mask_begin(struct vmbus_ring *r);
uint32_t vmbus_ring_mask_end(struct vmbus_ring *r);

/* Bytes readable now (0 if broken). */
uint32_t vmbus_ring_avail(struct vmbus_ring *r);

#endif /* VMBUS_RING_H */
