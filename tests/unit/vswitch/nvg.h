/* nvg.h: a mock netvsc guest for netvsp's host tests, fuzzers and bench.
 *
 * It plays Linux's hv_netvsc (drivers/net/hyperv/netvsc.c,
 * rndis_filter.c): a VMBus ring pair with a netvsp on the host end, a
 * receive and a send buffer shared by "GPADL" handle, a page arena for
 * GPA-direct packets, and the guest's half of NVSP and RNDIS. What the
 * host sends is checked the way Linux checks it (netvsc_receive(),
 * rndis_filter_receive_data(), netvsc_send_completion()); every
 * violation counts in proto_errors, which tests assert stays 0.
 * Sub-channels (receive-side scaling) are ring pairs of their own,
 * opened by nvg_open_sub as Linux's netvsc_sc_open() opens each offer;
 * the host polls and the guest drains every open channel, and the guest
 * completes a receive on the channel it arrived on.
 * No cmocka here: the fuzzers and the bench link it too.
 */
#ifndef NVG_H
#define NVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmbus/chan.h"
#include "vswitch/netvsp/netvsp.h"
#include "vswitch/netvsp/nvsp_wire.h"
#include "vswitch/netvsp/rndis_wire.h"

#define NVG_RECV_HANDLE 0x100u
#define NVG_SEND_HANDLE 0x200u
#define NVG_PFN_BASE 0x5000u
#define NVG_PAGES 16u
#define NVG_FRAMES 64u
#define NVG_FRAME_MAX 9300u
#define NVG_PKTBUF 70000u
/* The primary and up to 7 sub-channels (netvsp's NETVSP_MAX_CHANNELS). */
#define NVG_CHANNELS 8u
#define NVG_HELD_MAX 4096u
#define NVG_COMP_LOG 64u

struct nvg_buf {
	uint32_t handle;
	uint8_t *mem;
	uint32_t bytes;
	bool open;
};

struct nvg_frame {
	uint32_t len;
	uint32_t vlan;  /* 802.1Q PPI value, or ~0u */
	uint32_t chan;  /* the channel it arrived on */
	bool has_hash;  /* an NBL_HASH_VALUE per-packet info came with it */
	uint32_t hash;  /* its value */
	uint8_t data[NVG_FRAME_MAX];
};

/* A sub-channel: its own ring pair (rings of ring_bytes, as the
 * primary's), host end given to netvsp_open with sub_index set. */
struct nvg_sub {
	struct vmbus_chan host, guest;
	uint8_t *h2g, *g2h;
	bool open;                      /* polled by the host, drained */
	bool hold;                      /* open, but the guest does not read
					 * it (its CPU is busy) */
};

struct nvg {
	struct netvsp *nv;
	struct vmbus_chan host, guest;  /* host: out = h2g, guest: out = g2h */
	uint8_t *h2g, *g2h;
	uint32_t ring_bytes;
	struct nvg_buf recv, send;
	uint8_t *pages;                 /* NVG_PAGES guest pages */
	uint8_t *pktbuf;                /* one packet read from the ring */
	uint32_t version;
	uint32_t recv_section_size, recv_sections;
	uint32_t send_section_size;
	uint16_t recv_id;               /* receive buffer's page-set id, as
					 * given (Linux: NVSP_RECV_BUF_ID) */
	uint64_t next_tid;
	/* what the guest got */
	bool auto_complete;             /* complete receives at once */
	uint64_t held[NVG_HELD_MAX];    /* receives not completed yet */
	uint8_t held_ch[NVG_HELD_MAX];  /* the channel each came on */
	uint32_t n_held;
	struct nvg_frame frames[NVG_FRAMES];
	uint32_t n_frames;              /* total; frames[] keeps the last 64 */
	uint32_t n_xfer, last_ranges;   /* transfer-page packets; ranges of
					 * the last one */
	uint8_t ctrl[512];              /* last RNDIS control message */
	uint32_t ctrl_len, n_ctrl;
	uint32_t n_indicate, last_indicate;
	uint64_t comp_tid;              /* last completion */
	uint8_t comp[64];
	uint32_t comp_len, n_comp;
	uint32_t n_table, table_count;
	uint32_t tx_table[NVSP_SEND_TAB_SIZE]; /* the last send table */
	uint32_t table_chan;            /* the channel it came on */
	uint32_t proto_errors;
	const char *last_error;
	uint32_t host_signals, guest_signals;
	uint32_t rndis_req_id;
	int refuse_gpa;                 /* gpa_read fails */
	/* buf_ptr: the calls, refused (NULL: netvsp copies as without it),
	 * and a hook called with the range asked for first (a guest
	 * rewriting its send buffer as netvsp sends from it) */
	uint32_t n_ptr;
	int refuse_ptr;
	void (*on_ptr)(struct nvg *g, uint32_t off, uint32_t len);
	uint64_t bytes_read, bytes_written; /* through buf_read, buf_write */
	/* sub-channels: sub[1..7] (sub[0] unused: host, guest above) */
	struct nvg_sub sub[NVG_CHANNELS];
	struct vsw *sw;                 /* what nvg_create was given, for */
	uint8_t mac[6];                 /* nvg_set_max_subchannels */
	uint16_t vlan;
	uint16_t max_subchannels;       /* netvsp's, in nvg_config */
	int offer_err;                  /* offer_subchannels returns it */
	uint32_t n_offers, last_offer;  /* its calls, the last count */
	/* per channel: frames, transfer-page packets, completions */
	uint32_t n_frames_ch[NVG_CHANNELS];
	uint32_t n_xfer_ch[NVG_CHANNELS];
	uint32_t n_comp_ch[NVG_CHANNELS];
	uint32_t comp_chan;             /* channel of the last completion */
	/* every completion's trans_id and channel, in the order read (the
	 * last NVG_COMP_LOG) */
	uint64_t comp_log[NVG_COMP_LOG];
	uint8_t comp_log_ch[NVG_COMP_LOG];
	uint32_t n_comp_log;
	uint32_t ctrl_chan;             /* channel of the last control reply */
};

/* A guest with rings of ring_bytes data each and buffers of the given
 * sizes, its netvsp a port of sw (static MAC mac, access VLAN vlan). */
int nvg_create(struct nvg *g, struct vsw *sw, const uint8_t mac[6],
	       uint16_t vlan, uint32_t ring_bytes, uint32_t recv_bytes,
	       uint32_t send_bytes);
void nvg_destroy(struct nvg *g);
/* Two guests on one switch, and the switch, gone. */
void nvg_pair_destroy(struct nvg *a, struct nvg *b, struct vsw *sw);
/* The same, returning the protocol errors the two guests saw (their last
 * printed): tests assert 0. */
uint32_t nvg_pair_finish(struct nvg *a, struct nvg *b, struct vsw *sw);
/* netvsp's counters for g's port. */
struct netvsp_stats nvg_stats(struct nvg *g);
/* The netvsp's ops and config that nvg_create used (for custom
 * instances, and a restored one: the same configuration). */
void nvg_ops(struct nvg *g, struct netvsp_guest_ops *ops);
void nvg_config(struct nvg *g, struct vsw *sw, const uint8_t mac[6],
		uint16_t vlan, struct netvsp_config *cfg);

/* Guest -> host: a raw in-band NVSP message (flags: completion wanted),
 * on the primary or (_on) on channel ch (0: the primary). */
int nvg_send_nvsp(struct nvg *g, const void *msg, uint32_t len, bool comp,
		  uint64_t *tid);
int nvg_send_nvsp_on(struct nvg *g, uint32_t ch, const void *msg,
		     uint32_t len, bool comp, uint64_t *tid);
/* Host polls every open channel until all are idle; returns the last
 * netvsp_poll result of the primary, or a sub-channel's error. */
int nvg_host_poll(struct nvg *g);
/* Guest reads everything the host sent on every open channel (frames,
 * control replies, completions, tables); returns packets read. */
int nvg_guest_drain(struct nvg *g);
/* Complete the receives held back (auto_complete off), each on its
 * channel (the primary when that one is closed). */
void nvg_complete_held(struct nvg *g);

/* Rebuilds g's netvsp with max_subchannels max (and nvg_config gives
 * it from now on); call before the conversation starts. 0 or errno. */
int nvg_set_max_subchannels(struct nvg *g, uint16_t max);
/* Sub-channel idx (1..7): its rings made (fresh unless it is open) and
 * its host end given to netvsp_open; returns what netvsp_open does.
 * nvg_close_sub: netvsp_close_chan, and the guest stops using it. */
int nvg_open_sub(struct nvg *g, uint16_t idx);
void nvg_close_sub(struct nvg *g, uint16_t idx);
/* Linux's rndis_set_subchannel(): NVSP SUBCHANNEL ALLOCATE n on the
 * primary, then opens the sub-channels granted. Returns their count,
 * or -EPROTO when refused, another negative errno on failure. */
int nvg_subchannels(struct nvg *g, uint32_t n);

/* Linux's sequence: INIT(version), NDIS_CONFIG, NDIS_VER, SEND_RECV_BUF,
 * SEND_SEND_BUF. 0 on success, else the step's negative number. */
int nvg_connect(struct nvg *g, uint32_t version);
/* Its two halves: INIT alone (-1, -2), then the rest (-3 .. -8). */
int nvg_init(struct nvg *g, uint32_t version);
int nvg_buffers(struct nvg *g);
/* One RNDIS message through send-buffer section `section` (or, with
 * gpa, through the guest pages): waits for the NVSP completion; returns
 * its status (NVSP_STAT_*), or negative on a transport error. */
int nvg_rndis(struct nvg *g, const void *msg, uint32_t len, uint32_t channel,
	      bool gpa, uint32_t section);
/* The same on VMBus channel ch; the completion must come back on it. */
int nvg_rndis_on(struct nvg *g, uint32_t ch, const void *msg, uint32_t len,
		 uint32_t channel, bool gpa, uint32_t section);
/* RNDIS INITIALIZE / QUERY / SET round trips: the reply is in g->ctrl.
 * Return the RNDIS status of the reply, or negative. */
int nvg_rndis_init(struct nvg *g);
int nvg_query(struct nvg *g, uint32_t oid, const void *in, uint32_t in_len,
	      void *out, uint32_t *out_len);
int nvg_set(struct nvg *g, uint32_t oid, const void *in, uint32_t in_len);
/* Linux's attach+ifup: connect, RNDIS init, the queries, offload set,
 * packet filter. 0 on success. */
int nvg_bringup(struct nvg *g, uint32_t version);
/* Its second half, after nvg_connect: RNDIS up and the filter set. */
int nvg_ifup(struct nvg *g);
/* One frame as an RNDIS PACKET (vlan: ~0u for none); returns the NVSP
 * completion status. */
int nvg_send_frame(struct nvg *g, const uint8_t *frame, uint32_t len,
		   uint32_t vlan, bool gpa);
int nvg_send_frame_on(struct nvg *g, uint32_t ch, const uint8_t *frame,
		      uint32_t len, uint32_t vlan, bool gpa);
/* Builds the RNDIS PACKET message for a frame into buf; returns length. */
uint32_t nvg_build_packet(uint8_t *buf, const uint8_t *frame, uint32_t len,
			  uint32_t vlan);

#endif
