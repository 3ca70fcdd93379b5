/* vsw.h: the hvpart virtual switch (public API).
 *
 * A switch is one Hyper-V virtual network: private (children only),
 * internal (children plus the parent's host port) or external (children,
 * the physical NIC's port, and the host port when the management OS is
 * allowed to share the adapter). It learns MAC addresses per VLAN in a
 * bounded table with aging, floods unknown unicast, broadcast and
 * multicast, never sends a frame back out of its ingress port, enforces
 * IEEE 802.1Q access/trunk membership, and applies Hyper-V's MAC-spoofing,
 * DHCP and router guards.
 *
 * Frame path: vsw_port_send() hands each destination port the frame through
 * its deliver callback (pointer + length) while the switch lock is held.
 * The switch allocates nothing per frame and copies no payload: tag
 * insertion or removal rewrites at most 16 header bytes in place (using the
 * caller's headroom) and only falls back to one copy into a buffer
 * preallocated at vsw_create() when no headroom is given.
 * vsw_port_send_split() takes a frame whose head the sender copied and
 * whose rest is still where a guest wrote it; it decides on the head alone
 * and, for a learned unicast frame, hands the destination both parts
 * (deliver_split), so the rest is copied once, by the destination.
 *
 * Threading: every entry point takes the switch lock from the ops table
 * (none when the ops leave it NULL). Deliver callbacks run under that lock.
 * Because vsw_port_remove() takes the lock, once it returns no frame is in
 * flight to that port and its callback is never called again. A callback
 * may add or remove ports of the same switch (with no lock, or a recursive
 * one): a port removed mid-flood is skipped and freed when the flood ends.
 * A callback must not send on, or destroy, the same switch; a port that
 * wants to answer a frame queues the answer and sends it after returning.
 *
 * Errors are negative errno values.
 */
#ifndef VSW_H
#define VSW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VSW_NAME_MAX 64
#define VSW_MTU_DEFAULT 1500u
#define VSW_MTU_MIN 68u     /* RFC 791: every IPv4 host takes 68 octets */
#define VSW_MTU_MAX 9216u
#define VSW_FRAME_MIN 14u   /* shorter than an Ethernet header: a runt */
#define VSW_HEADROOM 4u     /* headroom that makes tag insertion copy-free */
/* The least head vsw_port_send_split decides on: the Ethernet header and
 * an 802.1Q tag (IEEE 802.1Q 9.5), every byte the L2 parse reads. */
#define VSW_SPLIT_HEAD_MIN 18u

struct vsw;
struct vsw_port;

enum vsw_type {
	VSW_TYPE_PRIVATE = 0,
	VSW_TYPE_INTERNAL,
	VSW_TYPE_EXTERNAL,
};

enum vsw_port_kind {
	VSW_PORT_VM = 0,   /* a child's synthetic NIC */
	VSW_PORT_HOST,     /* the management OS's virtual NIC */
	VSW_PORT_EXTERNAL, /* the physical NIC */
};

enum vsw_mac_mode {
	VSW_MAC_STATIC = 0,
	VSW_MAC_DYNAMIC, /* from the vsw_macpool in vsw_config */
};

enum vsw_vlan_mode {
	VSW_VLAN_ACCESS = 0, /* one VLAN; VID 0 means the untagged network */
	VSW_VLAN_TRUNK,      /* native VLAN untagged plus an allowed list */
};

/* Port flags. */
#define VSW_PORT_ALLOW_SPOOF  0x1u /* MacAddressSpoofing On */
#define VSW_PORT_DHCP_GUARD   0x2u /* DhcpGuard On */
#define VSW_PORT_ROUTER_GUARD 0x4u /* RouterGuard On */
#define VSW_PORT_TRUNK_ALL    0x8u /* trunk allows VIDs 1..4094, as the
				    * external port does in Hyper-V */

/* Why a frame was dropped; indexes vsw_port_stats.drops. */
enum vsw_drop {
	VSW_DROP_RUNT = 0,     /* under 14 bytes */
	VSW_DROP_OVERSIZE,     /* over MTU plus Ethernet/802.1Q header */
	VSW_DROP_BAD_TAG,      /* truncated, stacked, or reserved VID 0xFFF */
	VSW_DROP_BAD_SRC,      /* group (multicast) source address */
	VSW_DROP_VLAN,         /* VID not in the ingress port's member set */
	VSW_DROP_SPOOF,        /* source MAC is not the port's own */
	VSW_DROP_DHCP_GUARD,   /* DHCP server message from a guarded port */
	VSW_DROP_ROUTER_GUARD, /* RA / redirect from a guarded port */
	VSW_DROP_LOCAL,        /* destination lives on the ingress port */
	VSW_DROP_NO_HEADROOM,  /* tag change needed, no headroom, no scratch */
	VSW_DROP_COUNT
};

struct vsw_port_stats {
	uint64_t rx_frames, rx_bytes; /* everything the port handed in */
	uint64_t tx_frames, tx_bytes; /* everything delivered to the port */
	uint64_t drops[VSW_DROP_COUNT];
};

struct vsw_stats {
	uint32_t mac_entries;  /* live entries now */
	uint32_t mac_capacity; /* the bound */
	uint64_t mac_learned, mac_moved, mac_evicted, mac_aged;
	uint64_t flooded, forwarded; /* frames sent by flood / by lookup */
	uint64_t split;              /* of forwarded: in two parts
				      * (vsw_port_send_split, deliver_split) */
};

/* Environment of a switch: clock and lock. Any member may be NULL: no
 * clock means entries never age, no lock means single-threaded use. */
struct vsw_ops {
	uint64_t (*now_ms)(void *ctx);
	void (*lock)(void *ctx);
	void (*unlock)(void *ctx);
	void *ctx;
};

/* Hyper-V's dynamic MAC pool: 00:15:5D:b3:b4:lo .. 00:15:5D:b3:b4:hi
 * (Hyper-V derives b3:b4 from the host's IPv4 address). One pool serves
 * every switch of a host; it is not locked, the caller serialises it. */
struct vsw_macpool {
	uint8_t b3, b4, lo, hi;
	uint32_t used[8]; /* bit n: last octet n handed out */
};

struct vsw_config {
	uint32_t mtu;            /* 0: VSW_MTU_DEFAULT */
	uint32_t max_ports;      /* 0: 256; at most 4096 */
	uint32_t mac_table_size; /* 0: 4096; rounded up to 4 x a power of two,
				  * at least 8 (4-way sets, see vsw_mac.c) */
	uint32_t aging_ms;       /* 0: 300000 (five minutes) */
	struct vsw_macpool *pool; /* needed for VSW_MAC_DYNAMIC ports */
	struct vsw_ops ops;
};

typedef void (*vsw_deliver_fn)(void *ctx, const uint8_t *frame, size_t len);
/* Optional: "the frames delivered since the last flush are all there is
 * for now" (see vsw_burst_begin). Runs under the switch lock like
 * deliver, and like it must not send on or destroy the switch. */
typedef void (*vsw_flush_fn)(void *ctx);
/* Optional: one frame in two parts (vsw_port_send_split), head_len bytes
 * at head (at least VSW_SPLIT_HEAD_MIN, the sender's private copy, on
 * which the switch decided) then tail_len bytes at tail, memory the
 * sending guest may rewrite while this runs: a byte read from the tail
 * twice may differ, so nothing read there may size or bound anything.
 * Runs where deliver would, under the switch lock, with its rules. */
typedef void (*vsw_deliver_split_fn)(void *ctx, const uint8_t *head,
				     size_t head_len, const uint8_t *tail,
				     size_t tail_len);

struct vsw_port_config {
	enum vsw_port_kind kind;
	enum vsw_mac_mode mac_mode;
	uint8_t mac[6];           /* static MAC (VM and host ports) */
	enum vsw_vlan_mode vlan_mode;
	uint16_t access_vlan;     /* access: 0 (untagged) or 1..4094 */
	uint16_t native_vlan;     /* trunk: VLAN of untagged frames */
	const uint16_t *allowed_vlans; /* trunk: list of VIDs 1..4094 */
	size_t n_allowed;
	uint32_t flags;           /* VSW_PORT_* */
	vsw_deliver_fn deliver;
	void *ctx;
	vsw_flush_fn flush;       /* NULL: the port holds nothing back */
	vsw_deliver_split_fn deliver_split; /* NULL: frames whole, deliver */
};

/* MAC pool. */
int vsw_macpool_init(struct vsw_macpool *pool, uint8_t b3, uint8_t b4,
		     uint8_t lo, uint8_t hi);
int vsw_macpool_alloc(struct vsw_macpool *pool, uint8_t mac[6]);
int vsw_macpool_release(struct vsw_macpool *pool, const uint8_t mac[6]);

/* Switches. cfg may be NULL for defaults. */
int vsw_create(const char *name, enum vsw_type type,
	       const struct vsw_config *cfg, struct vsw **out);
void vsw_destroy(struct vsw *sw);
const char *vsw_get_name(const struct vsw *sw);
enum vsw_type vsw_get_type(const struct vsw *sw);
/* External switches only: "allow management OS to share this adapter".
 * Turning it off while a host port is attached gives -EBUSY. */
int vsw_set_mgmt_share(struct vsw *sw, bool share);
void vsw_get_stats(struct vsw *sw, struct vsw_stats *out);
/* Drop expired MAC entries now (lookups also ignore them lazily). */
void vsw_age_macs(struct vsw *sw);

/* Ports. */
int vsw_port_add(struct vsw *sw, const struct vsw_port_config *cfg,
		 struct vsw_port **out);
int vsw_port_remove(struct vsw_port *port);
/* Change a live port's VLAN settings and flags (Set-VMNetworkAdapterVlan,
 * Set-VMNetworkAdapter -DhcpGuard ...): only vlan_mode, access_vlan,
 * native_vlan, allowed_vlans, n_allowed and flags of cfg are used. The
 * port's learned MAC entries are flushed. */
int vsw_port_update(struct vsw_port *port, const struct vsw_port_config *cfg);
void vsw_port_get_mac(const struct vsw_port *port, uint8_t mac[6]);
void vsw_port_get_stats(struct vsw_port *port, struct vsw_port_stats *out);

/* Switch one frame that entered through `port`. The switch may rewrite
 * the first 16 bytes of the frame and the `headroom` bytes before it (an
 * 802.1Q tag insert/strip), so the buffer must be private to the caller,
 * never guest-writable. Returns the number of deliveries (0 or more), or
 * when the frame was dropped (the reason is counted on the port):
 * -EBADMSG malformed, -EPERM refused by VLAN filter or a guard, -ENOBUFS
 * no way to rewrite the tag; -EINVAL for bad arguments. */
int vsw_port_send(struct vsw_port *port, uint8_t *frame, size_t len,
		  size_t headroom);
/* The same for a frame of head_len + tail_len bytes of which the caller
 * copied the first head_len into buf (private, as vsw_port_send's frame,
 * with headroom before it and room for the whole frame from buf on);
 * the other tail_len are at tail, memory its guest may rewrite at any
 * time (a netvsc send buffer). Every decision (L2 parse, VLAN, spoofing
 * guard, learning, lookup) reads buf alone. A learned unicast frame that
 * leaves in its ingress form (no tag to add, strip or rewrite) for a
 * port with deliver_split, from a port without DHCP or router guard
 * (they parse L3 and L4), with head_len >= VSW_SPLIT_HEAD_MIN, is
 * delivered in its two parts. Anything else first has the tail copied
 * after the head in buf, once, before anything reads it, and goes as
 * vsw_port_send would. Returns as vsw_port_send. */
int vsw_port_send_split(struct vsw_port *port, uint8_t *buf, size_t head_len,
			size_t headroom, const uint8_t *tail,
			size_t tail_len);

/* Bursts. A sender with several frames in hand (netvsp draining a
 * guest's ring) brackets them with vsw_burst_begin/vsw_burst_end on its
 * port: a destination port with a flush callback then hears flush once,
 * when the burst ends, instead of after every frame, so it can announce
 * the frames together (netvsp: one transfer-page packet and at most one
 * signal, as Hyper-V batches receives). Outside a burst flush follows
 * each vsw_port_send. Bursts nest and may overlap across threads: the
 * flushes run when the last one ends. Not from a deliver callback. */
void vsw_burst_begin(struct vsw_port *port);
void vsw_burst_end(struct vsw_port *port);

/* Frame parser (exposed for the fuzzer and for netvsp). */
struct vsw_frame_info {
	uint16_t vid;       /* 0 when untagged or priority-tagged */
	uint8_t pcp;
	bool tagged;        /* an 802.1Q tag was present */
	uint16_t ethertype; /* after the tag */
	size_t l3_off;      /* offset of the L3 header */
	enum vsw_drop why;  /* set when parsing fails */
};
/* 0, or -EBADMSG for a malformed frame (reason in info->why). */
int vsw_frame_parse(const uint8_t *frame, size_t len, uint32_t mtu,
		    struct vsw_frame_info *info);
/* Guard classification. DHCP_SERVER: a DHCPv4 (RFC 2131) or DHCPv6
 * (RFC 8415) server/relay message; ROUTER: ICMPv6 router advertisement or
 * redirect (RFC 4861), ICMPv4 redirect (RFC 792) or router advertisement
 * (RFC 1256). An IPv6 packet whose upper-layer header cannot be found in
 * the frame gets both bits (RFC 7113 section 3, RFC 7610 section 5). */
#define VSW_CLASS_DHCP_SERVER 0x1u
#define VSW_CLASS_ROUTER      0x2u
unsigned vsw_frame_classify(const uint8_t *frame, size_t len,
			    const struct vsw_frame_info *info);

#endif /* VSW_H */
