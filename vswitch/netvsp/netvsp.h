/* netvsp.h: the host side of Hyper-V's synthetic NIC (NVSP over VMBus,
 * RNDIS inside it), as one port of a virtual switch.
 *
 * A netvsp instance is created with a switch port (vsw_port_add) and
 * lives as long as the VM's network adapter; a VMBus channel comes and
 * goes under it (netvsp_open / netvsp_close from the channel's on_open /
 * on_close, netvsp_poll from on_event). Guest frames leave through the
 * switch; frames the switch delivers are written straight into a section
 * of the guest's receive buffer (the one copy) and announced with a
 * transfer-page packet; the guest's completion frees the section. A
 * frame in the send buffer leaves with only its head copied (where the
 * ops give buf_ptr): another netvsp on the switch copies the rest from
 * the send buffer into its guest's receive buffer.
 *
 * It depends on vmbus/ (struct vmbus_chan, packets) and vswitch/vsw.h
 * only. Guest memory is reached through struct netvsp_guest_ops: the
 * host maps the guest's GPADLs and GPA pages, netvsp copies through it
 * and checks every guest-given offset, length, count and index first.
 *
 * Threading: netvsp_poll and netvsp_open/close for one instance from one
 * thread; the switch may deliver from any thread. The ops' lock (if any)
 * serialises the outbound ring and the receive-buffer allocator between
 * the two; netvsp never holds it while sending into the switch, so two
 * instances on one switch cannot deadlock.
 *
 * Errors are negative errno values.
 */
#ifndef NETVSP_H
#define NETVSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmbus/chan.h"
#include "vswitch/vsw.h"

struct netvsp;

struct netvsp_guest_ops {
	/* Map the GPADL `handle` the guest created for this channel: *buf
	 * an opaque handle for the copies below, *bytes its size. -ENOENT
	 * when there is no such GPADL. */
	int (*buf_open)(void *ctx, uint32_t handle, void **buf,
			uint32_t *bytes);
	void (*buf_close)(void *ctx, void *buf);
	/* Copy out of / into an open buffer; -EFAULT when [off, off + len)
	 * is not inside it (netvsp checks first; this is the second lock). */
	int (*buf_read)(void *ctx, void *buf, uint32_t off, void *dst,
			uint32_t len);
	int (*buf_write)(void *ctx, void *buf, uint32_t off, const void *src,
			 uint32_t len);
	/* Optional: a pointer to [off, off + len) of an open buffer where
	 * the host maps it contiguously, or NULL (not inside it, not so
	 * mapped): netvsp then copies through buf_read as before. The guest
	 * may write there at any time; netvsp hands such a pointer only to
	 * the switch, for the tail of a frame sent from the send buffer
	 * (vsw_port_send_split), which the switch decides nothing on. */
	const void *(*buf_ptr)(void *ctx, void *buf, uint32_t off,
			       uint32_t len);
	/* Copy len bytes at byte off (< 4096, off + len <= 4096) of guest
	 * page pfn, named by a GPA-direct packet; -EFAULT when the page is
	 * not the guest's. */
	int (*gpa_read)(void *ctx, uint64_t pfn, uint32_t off, void *dst,
			uint32_t len);
	/* Optional: lock/unlock (see Threading), log line (static strings). */
	void (*lock)(void *ctx);
	void (*unlock)(void *ctx);
	void (*log)(void *ctx, const char *what, const char *why);
	void *ctx;
};

struct netvsp_config {
	/* NULL: not connected (link down, frames dropped as tx_switch_drops;
	 * port.mac_mode must be static) until netvsp_set_switch. */
	struct vsw *sw;
	/* The switch port (kind VM); deliver and ctx are netvsp's own. */
	struct vsw_port_config port;
	uint32_t mtu;               /* 0: the switch default, 1500 */
	uint32_t recv_section_size; /* 0: 1728 (Hyper-V, Linux's default) */
	uint32_t send_section_size; /* 0: 6144 (NETVSC_SEND_SECTION_SIZE) */
	uint32_t link_speed_100bps; /* 0: 100000000 (10 Gbit/s) */
	/* Receive-side scaling: how many sub-channels a guest may have (0:
	 * none, RSS capabilities say one queue; at most 7). When the guest
	 * asks for n (NVSP SUBCHANNEL), offer_subchannels(ops.ctx, n) must
	 * offer sub-channels 1..n (vmbus_server_offer_subchannels) and
	 * return 0, or a negative errno (the guest is refused and keeps
	 * one channel). Their opens come through netvsp_open. */
	uint16_t max_subchannels;
	int (*offer_subchannels)(void *ctx, uint16_t count);
	struct netvsp_guest_ops ops;
};

struct netvsp_stats {
	/* guest -> switch */
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_switch_drops;  /* refused by the switch (VLAN, guard...) */
	uint64_t tx_bad;           /* malformed RNDIS packets, bad sections */
	/* switch -> guest */
	uint64_t rx_frames, rx_bytes;
	uint64_t rx_drop_not_ready; /* no channel, buffer, RNDIS or filter */
	uint64_t rx_drop_filtered;  /* packet filter said no */
	uint64_t rx_drop_no_buffer; /* receive buffer full */
	uint64_t rx_drop_ring_full; /* no room in the channel's ring */
	/* protocol */
	uint64_t nvsp_bad;          /* malformed, out of order, unhandled */
	uint64_t rndis_bad;         /* malformed or unknown RNDIS message */
	uint64_t oid_unhandled;     /* OIDs answered NOT_SUPPORTED */
	uint64_t comp_bad;          /* completions naming no outstanding xfer */
	uint64_t ctrl_dropped;      /* control replies lost (queue full) */
	uint64_t rx_frames_sub;     /* of rx_frames, sent on sub-channels */
	uint64_t tx_frames_sub;     /* of tx_frames, from sub-channels */
	/* state */
	uint32_t nvsp_version;      /* 0 until INIT succeeded */
	uint32_t recv_sections, recv_sections_used;
	uint32_t send_sections;
	uint32_t packet_filter;
	bool rndis_up;
	uint16_t subchannels;       /* granted to the guest */
	uint16_t channels_open;     /* the primary and sub-channels */
	bool rss_on;
};

int netvsp_create(const struct netvsp_config *cfg, struct netvsp **out);
/* Removes the switch port (no delivery is in flight after this starts to
 * return) and frees the instance. Close the channel first. */
void netvsp_destroy(struct netvsp *nv);

/* A channel opened (rings attached). The primary (ch->sub_index 0):
 * the NVSP conversation restarts. A sub-channel (1..max_subchannels)
 * joins the session as it is (the VMBus server's restore may give a
 * sub-channel back before its primary). -EINVAL for another index or
 * one already open. */
int netvsp_open(struct netvsp *nv, struct vmbus_chan *ch);
/* The primary is closing: every channel forgotten, buffers closed,
 * state reset (the VMBus server closes the sub-channels with it). */
void netvsp_close(struct netvsp *nv);
/* ch is closing: a sub-channel only leaves; the primary is netvsp_close. */
void netvsp_close_chan(struct netvsp *nv, struct vmbus_chan *ch);
/* The guest signalled the primary (netvsp_poll) or channel ch. Handles
 * at most budget packets (0: 64). Returns 1 when work may remain (call
 * again), 0 when idle, -EIO when the channel broke (close it). */
int netvsp_poll(struct netvsp *nv, unsigned budget);
int netvsp_poll_chan(struct netvsp *nv, struct vmbus_chan *ch,
		     unsigned budget);
/* A GPADL of this channel is going away (vmbus on_gpadl_teardown): stop
 * using it if it is one of the buffers. */
void netvsp_gpadl_teardown(struct netvsp *nv, uint32_t handle);

/* Media connect / disconnect, indicated to the guest (RNDIS
 * INDICATE_STATUS) when RNDIS is up; a disconnected NIC drops frames. */
void netvsp_set_link(struct netvsp *nv, bool up);

/* Plug the NIC into another switch (Connect-VMNetworkAdapter), or into
 * none (sw NULL: Disconnect-VMNetworkAdapter): a new port with the same
 * MAC and VLAN settings, the old one removed, and the link indicated up
 * or down; the switch it is on already is no change. Call from the
 * netvsp_poll thread. 0, or the new port's error (nothing changed). */
int netvsp_set_switch(struct netvsp *nv, struct vsw *sw);

/* Set-VMNetworkAdapter -MacAddressSpoofing, Set-VMNetworkAdapterVlan:
 * the port's vlan_mode, access_vlan, native_vlan, allowed_vlans,
 * n_allowed and flags from pc (the rest ignored), applied to the live
 * port (vsw_port_update) and kept for the next switch. allowed_vlans
 * must stay valid while the instance lives or until the next call.
 * Call from the netvsp_poll thread. 0, or -EINVAL (nothing changed). */
int netvsp_set_policy(struct netvsp *nv, const struct vsw_port_config *pc);

/* Saved state (Save-VM; format netvsp_state.h, README "Saved state").
 * Bytes netvsp_save would write now. */
size_t netvsp_save_size(const struct netvsp *nv);
/* nv's protocol state into buf (cap bytes), its length into *len. Call
 * from the netvsp_poll thread between polls, with the guest stopped; the
 * switch may still deliver (other VMs run), so the size can grow between
 * netvsp_save_size and this call: -ENOSPC then (nothing written, *len
 * the size needed), call again. Frames written into the receive buffer
 * but not yet announced to the guest are not saved (dropped, as a
 * network may drop them).
 * -EBUSY is reserved for state that cannot be saved (a VF) and never
 * returned today. Sub-channels are saved: how many the guest was
 * granted and its RSS settings (the VMBus server saves the channels). */
int netvsp_save(const struct netvsp *nv, void *buf, size_t cap, size_t *len);
/* Restores a saved state into nv. The VMBus server's restore has already
 * given nv its channels back through netvsp_open (so nv is just opened,
 * nothing negotiated), or, when the blob says no channel was open, nv
 * has none. Applies the saved protocol state on top: the NVSP and NDIS
 * versions, the buffers reopened through ops.buf_open by their saved
 * GPADL handles (sizes and section geometry must match), RNDIS state,
 * packet filter, multicast list, the guest's address, the link state the
 * guest was last told, the receive sections the guest holds (its
 * completions free them) and the replies that waited for ring room
 * (sent by the next netvsp_poll). Sends nothing to the guest; if the link
 * is not what was saved, call netvsp_set_link afterwards to tell it.
 * 0; -EINVAL when the blob is malformed, inconsistent or does not match
 * nv; -EBUSY when nv is not just opened (or just created / closed);
 * -ENOMEM. On error nv is unchanged (buffers it opened closed again). */
int netvsp_restore(struct netvsp *nv, const void *buf, size_t len);

void netvsp_get_stats(struct netvsp *nv, struct netvsp_stats *out);
struct vsw_port *netvsp_port(struct netvsp *nv);

#endif /* NETVSP_H */
