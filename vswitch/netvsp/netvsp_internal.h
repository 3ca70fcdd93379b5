/* netvsp_internal.h: shared by the netvsp sources only. */
#ifndef NETVSP_INTERNAL_H
#define NETVSP_INTERNAL_H

#include "vswitch/netvsp/netvsp.h"
#include "vswitch/netvsp/nvsp_wire.h"
#include "vswitch/netvsp/rndis_wire.h"
#include "vmbus/pkt.h"

#include <errno.h>
#include <string.h>

/* Largest packet the guest may put in our inbound ring: a GPA-direct
 * header with its ranges and PFNs (vmbus_pkt_gpa_parse caps them) plus
 * an NVSP message. Larger breaks the channel (vmbus_chan_poll). */
#define NETVSP_PKT_MAX (24u + 16u * 16u + 1024u * 8u + 64u)
/* Control replies are built in full before they are sent. */
#define NETVSP_CTRL_MAX 256u
/* Largest QUERY answer: a control reply less its headers (8 + 16). */
#define NETVSP_OID_OUT_MAX (NETVSP_CTRL_MAX - 24u)
/* Replies waiting for room in the outbound ring: one array shared by
 * the channels, oldest first, each channel's sent in its own order
 * (netvsp_rx.c). A guest packet can queue one completion on its channel
 * and up to NETVSP_BATCH_MAX control replies on the primary. */
#define NETVSP_PEND_MAX 32u
#define NETVSP_BATCH_MAX 8u
#define NETVSP_MCAST_MAX 32u
/* Frames announced by one transfer-page packet (one range each, Linux's
 * netvsc_receive() walks range_cnt); 32 ranges make a 296-byte packet. */
#define NETVSP_RX_BATCH_MAX 32u
/* Bounds on what a guest may hand us. */
#define NETVSP_RECV_BUF_MAX (128u << 20)
#define NETVSP_SEND_BUF_MAX (64u << 20)
/* Channels: the primary and up to 7 sub-channels (a child has at most 4
 * virtual processors; Linux takes one channel per CPU, VRSS_CHANNEL_MAX
 * 64). */
#define NETVSP_MAX_CHANNELS 8u
/* A sub-channel's drain stops once this many of its completions wait
 * (its ring is full): every sub-channel blocked at once still leaves the
 * primary a packet's worth of the array (netvsp_pend_full). */
#define NETVSP_PEND_SUB 3u
_Static_assert((NETVSP_MAX_CHANNELS - 1u) * NETVSP_PEND_SUB +
	       NETVSP_BATCH_MAX + 1u <= NETVSP_PEND_MAX,
	       "blocked sub-channels leave the primary room");
/* RSS: the Toeplitz key and indirection table sizes Linux sends
 * (hyperv_net.h NETVSC_HASH_KEYLEN, ITAB_NUM; we advertise 128 entries,
 * so 6.12's table, sized by num_indirect_tabent, has 128 too). */
#define NETVSP_RSS_KEY 40u
#define NETVSP_RSS_TAB 128u
/* Largest SET information buffer: the RSS parameters with a table of
 * 256 entries (Linux ITAB_NUM_MAX) and the key, 40 + 1,024 + 40. */
#define NETVSP_SET_IN_MAX 1104u
/* Longest hash input: IPv6 source and destination and two ports. */
#define NETVSP_RSS_IN_MAX 36u
/* The head of a frame from the send buffer that netvsp copies for the
 * switch to decide on (vsw_port_send_split); the rest stays where the
 * guest wrote it. More than the switch reads (VSW_SPLIT_HEAD_MIN) costs
 * nothing: the first read of a message fetches it with the headers. */
#define NETVSP_SPLIT_HEAD 64u
_Static_assert(NETVSP_SPLIT_HEAD >= VSW_SPLIT_HEAD_MIN,
	       "the head holds all the switch decides on");

enum netvsp_pend_kind {
	PEND_COMP = 0,  /* VM_PKT_COMP carrying data[0..len) */
	PEND_CTRL,      /* RNDIS control message into the receive buffer */
	PEND_INBAND,    /* in-band NVSP message without completion */
};

struct netvsp_pend {
	uint8_t kind;
	uint8_t chan;     /* completions: the request's channel */
	uint16_t len;
	uint64_t tid;
	uint8_t data[NETVSP_CTRL_MAX];
};

/* Receive-buffer sections: one bit per section (1 = the guest owns it
 * until it completes the transfer that named it); alloc_n[i] is the
 * length of the allocation starting at i (0: none starts there). */
struct netvsp_rxalloc {
	uint64_t *used;
	uint8_t *alloc_n;
	uint32_t n;       /* sections */
	uint32_t words;
	uint32_t cursor;  /* next-fit start */
	uint32_t in_use;
};

/* Frames written into the receive buffer and not yet announced: their
 * sections are one allocation (first, secs), grown as frames come, so
 * the guest's one completion of the packet frees them all. */
struct netvsp_rxbatch {
	uint32_t n;       /* ranges (frames) */
	uint32_t chan;    /* the channel it goes out on */
	uint32_t first;   /* first section */
	uint32_t secs;    /* sections so far */
	uint64_t bytes;   /* frame bytes, for the counters */
	struct vmbus_xfer_range r[NETVSP_RX_BATCH_MAX];
};

/* Receive-side scaling as the guest set it (OID_GEN_RECEIVE_SCALE_
 * PARAMETERS): a frame's Toeplitz hash picks a table entry, the entry
 * the channel. nib[] holds the hash's contribution of each input nibble
 * for this key, so a hash is two lookups a byte, not eight shifts. */
struct netvsp_rss {
	bool on;
	uint16_t n_table;                  /* entries, 1..NETVSP_RSS_TAB */
	uint32_t hashinfo;                 /* NDIS_HASH_* the guest enabled */
	uint8_t key[NETVSP_RSS_KEY];
	uint8_t table[NETVSP_RSS_TAB];     /* channel index per entry */
	uint32_t nib[2u * NETVSP_RSS_IN_MAX][16];
};

struct netvsp_buf {
	void *h;          /* from buf_open; NULL when absent */
	uint32_t gpadl;
	uint32_t bytes;
	uint16_t id;
};

struct netvsp {
	struct netvsp_config cfg;
	struct vsw_port *port;
	uint8_t mac[6];         /* the port's (permanent) address */
	uint8_t cur_mac[6];     /* the guest's current address: mac, or what
				 * it set as NetworkAddress (netvsp_oid.c) */
	/* Open channels by sub_channel_index: [0] the primary. */
	struct vmbus_chan *chans[NETVSP_MAX_CHANNELS];
	uint16_t subch;         /* sub-channels granted to this session */
	uint32_t poll_chan;     /* the channel netvsp_poll_chan drains */
	struct netvsp_rss rss;
	uint32_t version;       /* negotiated NVSP version, 0 = none */
	uint32_t ndis_major, ndis_minor, guest_mtu;
	struct netvsp_buf rbuf, sbuf;
	uint32_t recv_sec_size, send_sec_size, send_secs;
	struct netvsp_rxalloc rx;
	struct netvsp_rxbatch rxb;
	bool rndis_up;          /* INITIALIZED and not halted */
	bool link_up;
	uint32_t filter;
	uint32_t n_mcast;
	uint8_t mcast[NETVSP_MCAST_MAX][6];
	struct netvsp_pend pend[NETVSP_PEND_MAX]; /* [0, pend_count) */
	uint32_t pend_count;
	struct netvsp_stats st;
	uint8_t pkt[NETVSP_PKT_MAX];
	/* one guest frame: headroom for a tag insert, tag, MTU, header */
	uint8_t txbuf[VSW_HEADROOM + 4u + VSW_MTU_MAX + 18u];
};

/* Where an RNDIS message batch lives: a send-buffer section or the pages
 * of a GPA-direct packet. */
struct netvsp_src {
	struct netvsp *nv;
	uint32_t chan;                 /* the channel the request came on */
	uint32_t len;
	uint32_t base;                 /* send buffer: section offset */
	const struct vmbus_gpa_view *r; /* GPA direct: ranges */
	unsigned nr;
};

static inline void netvsp_lock(struct netvsp *nv)
{
	if (nv->cfg.ops.lock)
		nv->cfg.ops.lock(nv->cfg.ops.ctx);
}

static inline void netvsp_unlock(struct netvsp *nv)
{
	if (nv->cfg.ops.unlock)
		nv->cfg.ops.unlock(nv->cfg.ops.ctx);
}

static inline void netvsp_log(struct netvsp *nv, const char *what,
			      const char *why)
{
	if (nv->cfg.ops.log)
		nv->cfg.ops.log(nv->cfg.ops.ctx, what, why);
}

/* netvsp_nvsp.c: is v a version INIT would negotiate? */
bool netvsp_version_known(uint32_t v);
/* The open channel with index chan, else the primary (may be NULL). */
static inline struct vmbus_chan *netvsp_ch(const struct netvsp *nv,
					   uint32_t chan)
{
	if (chan < NETVSP_MAX_CHANNELS && nv->chans[chan])
		return nv->chans[chan];
	return nv->chans[0];
}
/* The send indirection table message as it is sent, over nchan
 * channels (the primary and nchan - 1 sub-channels). */
void netvsp_send_table_build(struct nvsp_send_table_msg *t, uint32_t nchan);

/* A frame the switch delivers: head_len bytes at head (the whole frame,
 * or the sender's private copy of its first bytes, at least
 * VSW_SPLIT_HEAD_MIN), then len - head_len bytes at tail, in the sending
 * guest's send buffer (vsw_deliver_split_fn): those may change while we
 * read them, so nothing read there may bound or size anything. */
struct netvsp_frame {
	const uint8_t *head;
	const uint8_t *tail;
	uint32_t head_len;
	uint32_t len;
};

/* netvsp_rss.c: the RSS OIDs and a received frame's hash. */
uint32_t netvsp_rss_caps(struct netvsp *nv, uint8_t *out, uint32_t *out_len);
uint32_t netvsp_rss_set(struct netvsp *nv, const uint8_t *in, uint32_t len);
/* Rebuilds rss->nib from rss->key. */
void netvsp_rss_prepare(struct netvsp_rss *rss);
uint32_t netvsp_rss_hash(const struct netvsp_rss *rss, const uint8_t *in,
			 uint32_t n);
/* The frame's Toeplitz hash into *hash, as NDIS defines it for the
 * hash types the guest enabled; false when it is not hashed (RSS off,
 * no sub-channel granted, not IP, a cut header, a type not enabled).
 * The same for a frame in two parts as for it whole, wherever split. */
bool netvsp_rss_frame(const struct netvsp *nv, const struct netvsp_frame *f,
		      uint32_t *hash);
/* The channel of a hashed frame: its table entry (n_table is a power of
 * two; NDIS takes the hash's low bits). netvsp_ch falls back to the
 * primary when that channel is closed. */
static inline uint32_t netvsp_rss_chan(const struct netvsp_rss *rss,
				       uint32_t hash)
{
	return rss->table[hash & (rss->n_table - 1u)];
}

/* netvsp_rx.c: receive buffer, delivery, replies to the guest. */
int netvsp_rx_init(struct netvsp *nv, uint32_t n);  /* n sections */
void netvsp_rx_fini(struct netvsp *nv);
/* The section allocator alone (n sections; -EINVAL for 0, -ENOMEM). */
int netvsp_rxalloc_init(struct netvsp_rxalloc *a, uint32_t n);
void netvsp_rxalloc_free(struct netvsp_rxalloc *a);
void netvsp_rxalloc_take(struct netvsp_rxalloc *a, uint32_t first, uint32_t k);
void netvsp_rx_complete(struct netvsp *nv, uint64_t tid);
void netvsp_deliver(void *ctx, const uint8_t *frame, size_t len);
/* The same for a frame in two parts (vsw_deliver_split_fn). */
void netvsp_deliver_split(void *ctx, const uint8_t *head, size_t head_len,
			  const uint8_t *tail, size_t tail_len);
/* The switch's flush callback: announce the batch (vsw_flush_fn). */
void netvsp_deliver_flush(void *ctx);
/* Sends the pending batch; lock held. */
void netvsp_rx_flush(struct netvsp *nv);
/* Queue-or-send helpers; call with the lock held. */
void netvsp_send_comp(struct netvsp *nv, uint32_t chan, uint64_t tid,
		      const void *msg, size_t len);
void netvsp_send_inband(struct netvsp *nv, const void *msg, size_t len);
void netvsp_send_ctrl(struct netvsp *nv, const void *msg, size_t len);
/* Retries queued replies, each channel's in order, past the channels
 * that still have no room; returns the number still queued. */
uint32_t netvsp_flush(struct netvsp *nv);
/* Must the drain of channel chan stop? While fewer than a packet's
 * replies fit the array, or (a sub-channel) NETVSP_PEND_SUB of its own
 * wait. Lock held, or the poll thread (the only one that queues). */
bool netvsp_pend_full(const struct netvsp *nv, uint32_t chan);

/* netvsp_rndis.c: one batch of RNDIS messages; NVSP status result. */
uint32_t netvsp_rndis_batch(struct netvsp *nv, const struct netvsp_src *src);
int netvsp_src_read(const struct netvsp_src *src, uint32_t off, void *dst,
		    uint32_t len);

/* netvsp_oid.c: QUERY and SET answers. */
uint32_t netvsp_oid_query(struct netvsp *nv, uint32_t oid, const void *in,
			  uint32_t in_len, uint8_t *out, uint32_t *out_len);
uint32_t netvsp_oid_set(struct netvsp *nv, uint32_t oid, const void *in,
			uint32_t in_len);

#endif /* NETVSP_INTERNAL_H */
