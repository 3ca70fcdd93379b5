/*
 * One open VMBus channel as seen from either side: an outbound ring we
 * write and an inbound ring we read, plus how to signal the peer. Used by
 * both the channel server (parent) and client (guest).
 */
#ifndef VMBUS_CHAN_H
#define VMBUS_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "vmbus/ring.h"

struct vmbus_chan {
	uint32_t relid;      /* child_relid */
	uint32_t signal_id;  /* what we pass to signal(): relid or conn id */
	/* The offer's sub_channel_index: 0 for a device's primary channel,
	 * 1.. for the sub-channels it asked for (server side; Linux
	 * vmbus_process_offer tells them apart the same way). */
	uint16_t sub_index;
	/* Server side: the virtual processor the guest named in OPENCHANNEL
	 * for this channel's interrupts (Linux: its target_cpu's VP index),
	 * as the guest sent it: the transport checks it before using it. */
	uint32_t target_vp;
	int (*signal)(void *ctx, uint32_t id);
	void *signal_ctx;
	struct vmbus_ring out, in;
	const char *why;     /* reason the channel broke, if it did */
};

/* Called for each received packet; pkt holds pkt_len bytes. A negative
 * return stops the poll and is returned by it. */
typedef int (*vmbus_pkt_fn)(void *ctx, struct vmbus_chan *ch,
			    const struct vmbus_pkt_info *info,
			    const uint8_t *pkt);

/* Sends one packet (descriptor built here, payload gathered from iov)
 * and signals the peer if the ring rules say so. Errors as
 * vmbus_ring_write. */
int vmbus_chan_sendv(struct vmbus_chan *ch, uint16_t type, uint16_t flags,
		     uint64_t trans_id, const struct vmbus_iovec *iov,
		     unsigned niov);
int vmbus_chan_send(struct vmbus_chan *ch, uint16_t type, uint16_t flags,
		    uint64_t trans_id, const void *buf, size_t len);
/* Completion packet (type 0xB) echoing the request's trans_id. */
int vmbus_chan_send_comp(struct vmbus_chan *ch, uint64_t trans_id,
			 const void *buf, size_t len);

/* Drains the inbound ring with interrupts masked, handing packets to fn,
 * giving space back in batches and waking a waiting writer; unmasks and
 * re-checks before returning so no packet is left without a signal.
 * At most budget packets are handled (0: no limit), so a peer that keeps
 * writing cannot hold this thread forever. Returns the number handled;
 * == budget means packets may remain, and since no new signal will come
 * for them the caller must poll again. Negative errno on failure (-EIO:
 * the ring is corrupt, ch->why says why; the channel must be closed). */
int vmbus_chan_poll(struct vmbus_chan *ch, uint8_t *buf, size_t cap,
		    vmbus_pkt_fn fn, void *ctx, unsigned budget);

/* Called for each received packet shown in place in the ring (v->seg,
 * descriptor included; the descriptor was checked, the rest is still
 * the peer's memory and may change under the reader: use it only where
 * that does not matter, such as copying it on). */
typedef int (*vmbus_view_fn)(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_view *v);
/* vmbus_chan_poll without the copy into a buffer. */
int vmbus_chan_poll_view(struct vmbus_chan *ch, vmbus_view_fn fn, void *ctx, unsigned budget);
/* True once either ring was found corrupt. */
int vmbus_chan_broken(const struct vmbus_chan *ch);

#endif /* VMBUS_CHAN_H */
