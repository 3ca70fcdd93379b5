/*
 * VMBus channel server: the host (parent partition) side of the channel
 * management protocol. A transport-agnostic state machine: messages from
 * the guest come in through vmbus_server_handle_msg (HvPostMessage
 * intercepts), guest signals through vmbus_server_handle_event
 * (HvSignalEvent); everything it needs from the platform goes through
 * struct vmbus_server_ops. Not internally locked: call it from one thread
 * (the parent's VMBus worker) per server instance.
 */
#ifndef VMBUS_SERVER_H
#define VMBUS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "vmbus/chan.h"
#include "vmbus/msg.h"

#define VMBUS_SERVER_MAX_CHANNELS 64
#define VMBUS_SERVER_MAX_GPADLS 256
/* GPADLs whose bodies are still arriving: each holds a PFN array of up to
 * 64 KiB, so a guest that never finishes them can pin at most 512 KiB. */
#define VMBUS_SERVER_MAX_PENDING_GPADLS 8

/* NTSTATUS values we return in OPENCHANNEL_RESULT / GPADL_CREATED. */
#define VMBUS_STATUS_OK 0u
#define VMBUS_STATUS_UNSUCCESSFUL 0xC0000001u

struct vmbus_server_ops {
	/* Post a message to the guest (SIMP slot of SINT 2). Must not drop:
	 * when the slot is busy the transport queues the message and sets
	 * msg_pending (the guest's EOM releases the next one); the protocol
	 * has no retransmission, so a lost reply hangs the guest. */
	int (*post_msg)(void *ctx, const void *msg, size_t len);
	/* Signal the guest for channel relid (SIEFP flag + SINT 2). */
	int (*signal)(void *ctx, uint32_t relid);
	/* Map the guest pages pfns[0..n) as one contiguous host view. MUST
	 * fail (negative errno) unless every page belongs to this guest:
	 * this is the only door through which a guest names memory. */
	int (*map)(void *ctx, const uint64_t *pfns, uint32_t n, void **va);
	void (*unmap)(void *ctx, void *va, uint32_t n);
	void *(*alloc)(void *ctx, size_t n);  /* zeroed, or NULL */
	void (*free)(void *ctx, void *p);
	/* Log line: what happened, and why (both static strings). */
	void (*log)(void *ctx, const char *what, const char *why);
	void *ctx;
	/* Optional: relid is about to be offered (a device, a sub-channel,
	 * or a channel vmbus_server_restore brings back), so the transport
	 * can make sure the guest's signals on its connection id reach the
	 * host. Called again for a relid used before; non-zero refuses. */
	int (*on_relid)(void *ctx, uint32_t relid);
};

/* A device (VSP) behind an offered channel. */
struct vmbus_dev_ops {
	/* Channel opened; rings attached. Non-zero refuses the open. */
	int (*on_open)(void *dev, struct vmbus_chan *ch);
	/* The guest signalled the channel: poll it (with a budget). Return
	 * > 0 if packets may remain, so the server asks to be called again. */
	int (*on_event)(void *dev, struct vmbus_chan *ch);
	/* Channel closing (guest close, teardown, unload, rescind, broken
	 * ring); the rings are unmapped right after this returns. */
	void (*on_close)(void *dev, struct vmbus_chan *ch);
	/* Optional: a GPADL of this channel (other than its rings) is about
	 * to be unmapped; drop any pointer from vmbus_server_gpadl_view. */
	void (*on_gpadl_teardown)(void *dev, uint32_t handle);
	/* Optional: the channel is given back by vmbus_server_restore (rings
	 * attached with their saved indices). A device that starts its
	 * conversation itself in on_open (the integration services send
	 * their negotiation) takes the channel here without sending; NULL:
	 * on_open is called instead. Non-zero refuses the restore. */
	int (*on_restore)(void *dev, struct vmbus_chan *ch);
};

enum vmbus_server_state {
	VMBUS_SRV_DISCONNECTED = 0,
	VMBUS_SRV_CONNECTED = 1,
};

struct vmbus_server;

/* max_version: highest protocol version offered (>= 0x20004). */
struct vmbus_server *vmbus_server_create(const struct vmbus_server_ops *ops,
					 uint32_t max_version);
void vmbus_server_destroy(struct vmbus_server *s);

/* Register a channel; offered now if the guest already asked for offers.
 * Returns 0 with *relid, -ENOSPC when full. */
int vmbus_server_offer(struct vmbus_server *s, const struct vmbus_guid *type,
		       const struct vmbus_guid *instance,
		       const struct vmbus_dev_ops *dops, void *dev,
		       uint32_t *relid);
/* The device behind the open primary channel primary_relid asked for
 * count sub-channels (storvsc's CREATE_SUB_CHANNELS, netvsc's
 * SUBCHANNEL request): offers sub-channels 1..count not yet offered,
 * with the primary's GUIDs, device ops and device and sub_channel_index
 * set, as Hyper-V does (Linux vmbus_process_offer files an offer whose
 * GUIDs match a known channel and whose index is not 0 under that
 * primary). They are the server's to withdraw: when the guest closes the
 * primary or the primary is rescinded, they are rescinded too (the guest
 * driver asks afresh on its next open), and a guest reconnecting forgets
 * them. Callable from the device's on_event. 0; -ENOENT (no such open
 * primary), -EINVAL (count 0 or above VMBUS_SERVER_MAX_SUBCHANNELS),
 * -ENOSPC, or the transport's error (those offered stay). */
#define VMBUS_SERVER_MAX_SUBCHANNELS 16
int vmbus_server_offer_subchannels(struct vmbus_server *s, uint32_t primary_relid,
				   unsigned count);
/* Withdraw a channel (closes it if open, sends RESCIND_OFFER), and its
 * sub-channels with it. The server keeps no pointer to its device
 * afterwards. */
int vmbus_server_rescind(struct vmbus_server *s, uint32_t relid);

/* A message the guest posted. Returns 0 if handled, or a negative errno
 * when dropped (the reason has been logged). */
int vmbus_server_handle_msg(struct vmbus_server *s, const void *msg,
			    size_t len);
/* The guest signalled connection id conn_id (== relid for our offers).
 * Returns 1 when the device has more to do: call again later (after other
 * channels, for fairness), as no new signal will come for that work. */
int vmbus_server_handle_event(struct vmbus_server *s, uint32_t conn_id);

/* Offers carry connection_id = base + relid (default base 0: the relid),
 * the connection the guest signals the channel on; set it before the
 * first offer. handle_event still takes the relid. */
void vmbus_server_set_conn_base(struct vmbus_server *s, uint32_t base);
int vmbus_server_state(const struct vmbus_server *s);
uint32_t vmbus_server_version(const struct vmbus_server *s);
/* Open channel by relid, or NULL. */
struct vmbus_chan *vmbus_server_chan(struct vmbus_server *s, uint32_t relid);
/* Host view of a complete GPADL the guest created for channel relid (e.g.
 * netvsc's receive buffer, named by handle in a device message): *va is
 * the first byte (byte_offset applied), *bytes its byte_count. Valid until
 * on_gpadl_teardown for that handle. -ENOENT if no such GPADL for relid. */
int vmbus_server_gpadl_view(struct vmbus_server *s, uint32_t relid,
			    uint32_t handle, void **va, size_t *bytes);
/* Number of live GPADLs (for tests and leak checks). */
unsigned vmbus_server_gpadl_count(const struct vmbus_server *s);
/* Relid of the offered (or open) primary channel with these GUIDs: how callers
 * find their channels again after vmbus_server_restore renumbered them.
 * -ENOENT if none. */
int vmbus_server_relid_of(const struct vmbus_server *s,
			  const struct vmbus_guid *type,
			  const struct vmbus_guid *instance, uint32_t *relid);

/* Saved state (format in vmbus/server_state.h, what it holds and what
 * restore does in vmbus/README.md "Saved state"). Bytes
 * vmbus_server_save would write for s now. */
size_t vmbus_server_save_size(const struct vmbus_server *s);
/* The state into buf (cap bytes), its length into *len. Call it between
 * handle_msg/handle_event calls, with the guest's vCPUs stopped. -ENOSPC
 * when it does not fit, -EBUSY when a device is inside a poll. */
int vmbus_server_save(const struct vmbus_server *s, void *buf, size_t cap,
		      size_t *len);
/* Restores a saved state into s, which must be fresh (created,
 * set_conn_base as before, never connected) with the same devices
 * offered again, in any order: they move to their saved relids (look
 * them up again with vmbus_server_relid_of). The guest memory must be the
 * saved copy: GPADLs are mapped again through ops->map, rings of open
 * channels re-attached with the host's saved indices, and on_restore (or
 * on_open) called for each open channel; nothing is posted to the guest. Afterwards call
 * handle_event once for each open channel (a signal the guest raised
 * just before the save may not have been handled). Returns 0; -EINVAL
 * when the blob is not a state this server can take (corrupt, other
 * devices, pages map refuses, a device refusing its channel), -EBUSY
 * when s is not fresh, -ENOMEM: in every failure s is as before. */
int vmbus_server_restore(struct vmbus_server *s, const void *buf, size_t len);

#endif /* VMBUS_SERVER_H */
