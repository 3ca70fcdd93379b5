/* vsw_internal.h: switch internals shared by the vswitch sources only. */
#ifndef VSW_INTERNAL_H
#define VSW_INTERNAL_H

#include "vswitch/vsw.h"
#include "vswitch/vsw_wire.h"

#include <errno.h>
#include <string.h>

#define VSW_VID_BITMAP_WORDS (4096u / 64u)
#define VSW_MAC_WAYS 4u
#define VSW_NO_PORT 0xFFFFu
/* Table timestamps count 256 ms ticks: 32 bits last 34 years. */
#define VSW_TICK_SHIFT 8u
/* Key layout: bits 16..63 hold the MAC (vsw_mac_key), bits 0..15 VID + 1
 * (so no key is 0, the empty way). */

/* One cache line: four ways of (key, last-seen tick, port index). */
struct vsw_mac_bucket {
	uint64_t key[VSW_MAC_WAYS];
	uint32_t stamp[VSW_MAC_WAYS];
	uint16_t port[VSW_MAC_WAYS];
	uint8_t pad[8];
};
_Static_assert(sizeof(struct vsw_mac_bucket) == 64, "bucket is a cache line");

struct vsw_mactable {
	struct vsw_mac_bucket *b;
	uint32_t mask;        /* buckets - 1 */
	uint32_t shift;       /* 64 - log2(buckets); at least 2 buckets */
	uint32_t aging_ticks;
	uint32_t entries;
};

struct vsw_port {
	struct vsw *sw;
	uint16_t idx;        /* slot in sw->ports, stored in the MAC table */
	uint16_t pvid;       /* access VLAN, or trunk native VLAN */
	uint32_t active_pos; /* slot in sw->active */
	bool trunk;
	bool dynamic_mac;
	bool spoof_guard;
	bool dead;           /* removed during a flood; freed after it */
	struct vsw_port *next_dead;
	enum vsw_port_kind kind;
	uint32_t flags;
	uint64_t mac_key;     /* vsw_mac_key6(mac), for the spoofing guard */
	uint8_t mac[6];
	vsw_deliver_fn deliver;
	void *ctx;
	vsw_flush_fn flush;
	vsw_deliver_split_fn deliver_split; /* NULL: deliver only */
	bool flush_queued;   /* in sw->flushq */
	struct vsw_port_stats st;
	uint64_t allowed[VSW_VID_BITMAP_WORDS]; /* trunk allowed VIDs */
};

struct vsw {
	char name[VSW_NAME_MAX];
	enum vsw_type type;
	bool mgmt_share;
	uint32_t mtu;
	uint32_t max_ports;
	struct vsw_ops ops;
	struct vsw_macpool *pool;
	struct vsw_port **ports;  /* by index; NULL = free slot */
	struct vsw_port **active; /* dense list for flooding */
	uint32_t n_active;
	struct vsw_port *host, *external;
	uint32_t busy;            /* floods in progress (active[] being walked) */
	struct vsw_port *dead;    /* ports removed while busy, freed after */
	struct vsw_port **flushq; /* ports delivered to since the last flush */
	uint32_t n_flushq;
	uint32_t bursts;          /* vsw_burst_begin without its end */
	struct vsw_mactable tbl;
	struct vsw_stats st;
	uint8_t *scratch;         /* one frame, for tag insertion w/o headroom */
	size_t scratch_len;
};

/* The MAC at p in the top 48 bits of a key, the low 16 bits clear; p must
 * have 8 readable bytes (an address in an Ethernet header has: the type
 * follows). One load and one shift or mask: the bytes after the MAC fall
 * out, whichever end of the load they land in. Any bijection works as a
 * key, as long as every key is made here. */
static inline uint64_t vsw_mac_key(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return v << 16;
#else
	return v & ~(uint64_t)0xFFFF;
#endif
}

/* vsw_mac_key of a 6-byte MAC with nothing readable after it. */
static inline uint64_t vsw_mac_key6(const uint8_t mac[VSW_ETH_ALEN])
{
	uint8_t b[8] = { 0 };

	memcpy(b, mac, VSW_ETH_ALEN);
	return vsw_mac_key(b);
}

/* The VLAN half of a key; OR in a MAC from vsw_mac_key(). */
static inline uint64_t vsw_mac_vid_key(uint16_t vid)
{
	return (uint64_t)vid + 1;
}

static inline struct vsw_mac_bucket *vsw_mac_bucket_of(struct vsw_mactable *t,
							uint64_t key)
{
	/* Fibonacci hashing: every key bit reaches the top of the product,
	 * so the top bits pick the set. */
	uint64_t h = key * 0x9E3779B97F4A7C15ull;

	return &t->b[h >> t->shift];
}

static inline bool vsw_port_member(const struct vsw_port *p, uint16_t vid)
{
	if (vid == p->pvid)
		return true;
	return p->trunk && (p->allowed[vid >> 6] >> (vid & 63) & 1);
}

static inline uint32_t vsw_now_tick(const struct vsw *sw)
{
	if (!sw->ops.now_ms)
		return 0;
	return (uint32_t)(sw->ops.now_ms(sw->ops.ctx) >> VSW_TICK_SHIFT);
}

static inline void vsw_lock(const struct vsw *sw)
{
	if (sw->ops.lock)
		sw->ops.lock(sw->ops.ctx);
}

static inline void vsw_unlock(const struct vsw *sw)
{
	if (sw->ops.unlock)
		sw->ops.unlock(sw->ops.ctx);
}

static inline int vsw_parse_fail(struct vsw_frame_info *info, enum vsw_drop why)
{
	info->why = why;
	return -EBADMSG;
}

/* Ethernet + 802.1Q parse (the body of vsw_frame_parse, inline for the
 * frame path). */
static inline int vsw_parse_l2(const uint8_t *frame, size_t len, uint32_t mtu,
			       struct vsw_frame_info *info)
{
	size_t max = (size_t)mtu + sizeof(struct vsw_eth_hdr);
	uint16_t type;

	info->vid = 0;
	info->pcp = 0;
	info->tagged = false;
	info->l3_off = sizeof(struct vsw_eth_hdr);
	info->why = VSW_DROP_COUNT;
	if (len < VSW_FRAME_MIN)
		return vsw_parse_fail(info, VSW_DROP_RUNT);
	type = vsw_get_be16(frame + 12);
	if (type == VSW_ETHERTYPE_VLAN) {
		uint16_t tci;

		/* IEEE 802.1Q 9.5: a tagged frame needs TCI and inner type. */
		if (len < sizeof(struct vsw_eth_hdr) + sizeof(struct vsw_vlan_tag))
			return vsw_parse_fail(info, VSW_DROP_BAD_TAG);
		tci = vsw_get_be16(frame + 14);
		/* IEEE 802.1Q Table 9-2: VID 0xFFF is reserved, never on a wire. */
		if (vsw_tci_vid(tci) == VSW_VID_RESERVED)
			return vsw_parse_fail(info, VSW_DROP_BAD_TAG);
		info->tagged = true;
		info->vid = vsw_tci_vid(tci);
		info->pcp = vsw_tci_pcp(tci);
		type = vsw_get_be16(frame + 16);
		/* A second C-tag would ride untagged to a native-VLAN trunk and
		 * be read there as another VLAN (double-tagging VLAN hopping);
		 * Hyper-V carries no stacked tags, so this is a bad tag. */
		if (type == VSW_ETHERTYPE_VLAN)
			return vsw_parse_fail(info, VSW_DROP_BAD_TAG);
		info->l3_off += sizeof(struct vsw_vlan_tag);
		max += sizeof(struct vsw_vlan_tag);
	}
	info->ethertype = type;
	if (len > max)
		return vsw_parse_fail(info, VSW_DROP_OVERSIZE);
	/* IEEE 802 8.2: a source address is always an individual address. */
	if (vsw_mac_is_group(frame + 6))
		return vsw_parse_fail(info, VSW_DROP_BAD_SRC);
	return 0;
}

/* vsw_switch.c: free the ports removed while a flood was walking them. */
void vsw_port_reap(struct vsw *sw);
/* vsw_fwd.c: flush callbacks of the queued ports (lock held). */
void vsw_flush_queued(struct vsw *sw);

/* vsw_mac.c */
int vsw_mac_init(struct vsw_mactable *t, uint32_t size, uint32_t aging_ms);
void vsw_mac_fini(struct vsw_mactable *t);
void vsw_mac_insert(struct vsw *sw, uint64_t key, uint16_t port, uint32_t now);
void vsw_mac_flush_port(struct vsw *sw, uint16_t port);

/* Way holding key, or -1. Unrolled: a hit in way 0 costs one compare, and
 * is the one expected, as a set fills from way 0 (mac_pick_victim). */
static inline int vsw_mac_way(const struct vsw_mac_bucket *b, uint64_t key)
{
	if (__builtin_expect(b->key[0] == key, 1))
		return 0;
	if (b->key[1] == key)
		return 1;
	if (b->key[2] == key)
		return 2;
	if (b->key[3] == key)
		return 3;
	return -1;
}
_Static_assert(VSW_MAC_WAYS == 4, "vsw_mac_way is unrolled for 4 ways");

/* Learn (key -> port) at tick `now`. The hit path is inline because it runs
 * for every frame; a miss goes to vsw_mac_insert(). */
static inline void vsw_mac_learn(struct vsw *sw, uint64_t key, uint16_t port,
				 uint32_t now)
{
	struct vsw_mac_bucket *b = vsw_mac_bucket_of(&sw->tbl, key);
	int i = vsw_mac_way(b, key);

	if (i < 0) {
		vsw_mac_insert(sw, key, port, now);
		return;
	}
	if (b->port[i] != port) {
		b->port[i] = port; /* the station moved */
		sw->st.mac_moved++;
	}
	b->stamp[i] = now;
}

/* The port learned for key, or NULL when unknown or aged out. */
static inline struct vsw_port *vsw_mac_lookup(struct vsw *sw, uint64_t key,
					      uint32_t now)
{
	struct vsw_mac_bucket *b = vsw_mac_bucket_of(&sw->tbl, key);
	int i = vsw_mac_way(b, key);

	if (i < 0)
		return NULL;
	if ((uint32_t)(now - b->stamp[i]) > sw->tbl.aging_ticks) {
		b->key[i] = 0;
		sw->tbl.entries--;
		sw->st.mac_aged++;
		return NULL;
	}
	return sw->ports[b->port[i]];
}

#endif /* VSW_INTERNAL_H */
