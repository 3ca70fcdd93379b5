/* vsw_fwd.c: the frame path.
 *
 * One frame: parse, classify into a VLAN (IEEE 802.1Q 6.9 / 8.6.2 ingress
 * rules), apply the port's guards, learn the source, then forward to the
 * learned port or flood to every other member of the VLAN (IEEE 802.1Q
 * 8.6.3-8.6.6: never back out of the reception port). Each destination
 * gets the frame in its egress form: untagged where its port's PVID is the
 * frame's VLAN (access ports, and a trunk's native VLAN), tagged otherwise.
 * There are only these two forms, so a flood delivers every destination of
 * the current form, rewrites the header once, and delivers the rest.
 *
 * A frame sent in two parts (vsw_port_send_split) is decided on its head,
 * the sender's private copy; only the learned-unicast fast path hands its
 * tail on where it lies (deliver_split). Every other path copies the tail
 * behind the head first (fwd_join), so it runs on private bytes alone,
 * exactly as for vsw_port_send.
 */
#include "vswitch/vsw_internal.h"

#include <errno.h>
#include <stdint.h>

/* The frame as it goes out: where it starts now, how much writable space
 * lies before it, and whether it currently carries the VLAN's tag. */
struct fwd_frame {
	uint8_t *p;
	size_t len;
	size_t room;
	bool tagged;
	uint8_t pcp;
	uint16_t vid;
};

#define MACS_LEN (2 * VSW_ETH_ALEN)
#define FWD_GUARDS (VSW_PORT_DHCP_GUARD | VSW_PORT_ROUTER_GUARD)

/* A frame as the sender handed it in: buf, private, holds its first head
 * bytes and has room for all len; tail (NULL when head == len) the rest,
 * in memory the sender's guest may rewrite. */
struct fwd_in {
	uint8_t *buf;
	size_t head;
	size_t len;
	size_t headroom;
	const uint8_t *tail;
};

/* The tail copied behind the head, once: from here on the frame is whole
 * and private, and nothing reads the tail where the guest can write. */
static void fwd_join(struct fwd_in *x)
{
	memcpy(x->buf + x->head, x->tail, x->len - x->head);
	x->head = x->len;
	x->tail = NULL;
}

static int fwd_drop(struct vsw_port *in, enum vsw_drop why)
{
	in->st.drops[why]++;
	switch (why) {
	case VSW_DROP_RUNT:
	case VSW_DROP_OVERSIZE:
	case VSW_DROP_BAD_TAG:
	case VSW_DROP_BAD_SRC:
		return -EBADMSG;
	case VSW_DROP_NO_HEADROOM:
		return -ENOBUFS;
	case VSW_DROP_LOCAL:
		return 0;
	default:
		return -EPERM;
	}
}

static void fwd_strip(struct fwd_frame *f)
{
	memmove(f->p + sizeof(struct vsw_vlan_tag), f->p, MACS_LEN);
	f->p += sizeof(struct vsw_vlan_tag);
	f->len -= sizeof(struct vsw_vlan_tag);
	f->room += sizeof(struct vsw_vlan_tag);
	f->tagged = false;
}

static void fwd_write_tag(uint8_t *tag, const struct fwd_frame *f)
{
	vsw_put_be16(tag, VSW_ETHERTYPE_VLAN);
	vsw_put_be16(tag + 2, vsw_tci_make(f->pcp, f->vid));
}

/* Insert the tag in place when there is room before the frame, else build
 * the tagged frame once in the switch's preallocated scratch buffer. */
static int fwd_tag(struct vsw *sw, struct fwd_frame *f)
{
	uint8_t *src = f->p;

	if (f->room >= sizeof(struct vsw_vlan_tag)) {
		f->p -= sizeof(struct vsw_vlan_tag);
		f->room -= sizeof(struct vsw_vlan_tag);
		memmove(f->p, src, MACS_LEN);
	} else {
		if (f->len + sizeof(struct vsw_vlan_tag) > sw->scratch_len)
			return -ENOBUFS;
		memcpy(sw->scratch, src, MACS_LEN);
		memcpy(sw->scratch + MACS_LEN + sizeof(struct vsw_vlan_tag),
		       src + MACS_LEN, f->len - MACS_LEN);
		f->p = sw->scratch;
		f->room = 0;
	}
	fwd_write_tag(f->p + MACS_LEN, f);
	f->len += sizeof(struct vsw_vlan_tag);
	f->tagged = true;
	return 0;
}

static int fwd_convert(struct vsw *sw, struct fwd_frame *f)
{
	if (f->tagged) {
		fwd_strip(f);
		return 0;
	}
	return fwd_tag(sw, f);
}

/* Remembers a port that holds frames back until its flush. */
static inline void fwd_queue_flush(struct vsw *sw, struct vsw_port *dp)
{
	if (dp->flush && !dp->flush_queued) {
		dp->flush_queued = true;
		sw->flushq[sw->n_flushq++] = dp;
	}
}

static inline void fwd_deliver(struct vsw *sw, struct vsw_port *dp,
			       const struct fwd_frame *f)
{
	dp->st.tx_frames++;
	dp->st.tx_bytes += f->len;
	fwd_queue_flush(sw, dp);
	dp->deliver(dp->ctx, f->p, f->len);   /* may free dp: its last use */
}

static inline bool fwd_flood_to(const struct vsw_port *dp,
				const struct vsw_port *in, uint16_t vid)
{
	return dp != in && !dp->dead && vsw_port_member(dp, vid);
}

/* One walk over the ports: deliver to the members that take the current
 * form, count the others. */
static int fwd_flood_pass(struct vsw *sw, struct vsw_port *in,
			  const struct fwd_frame *f, int *other)
{
	int n = 0;

	for (uint32_t i = 0; i < sw->n_active; i++) {
		struct vsw_port *dp = sw->active[i];

		if (!fwd_flood_to(dp, in, f->vid))
			continue;
		if ((dp->pvid != f->vid) == f->tagged) {
			fwd_deliver(sw, dp, f);
			n++;
		} else {
			(*other)++;
		}
	}
	return n;
}

/* Deliver to every member of the VLAN except the ingress port: first
 * those that take the current form, then (after one rewrite) the rest.
 * A callback may remove ports meanwhile (sw->busy defers the free). */
static int fwd_flood(struct vsw *sw, struct vsw_port *in, struct fwd_frame *f)
{
	int n, other = 0;

	sw->st.flooded++;
	sw->busy++;
	n = fwd_flood_pass(sw, in, f, &other);
	if (other) {
		if (!fwd_convert(sw, f))
			n += fwd_flood_pass(sw, in, f, &other);
		else if (!n)
			n = fwd_drop(in, VSW_DROP_NO_HEADROOM);
	}
	if (--sw->busy == 0 && sw->dead)
		vsw_port_reap(sw);
	return n;
}

static int fwd_unicast(struct vsw *sw, struct vsw_port *in,
		       struct vsw_port *dp, struct fwd_frame *f)
{
	if (dp == in)
		return fwd_drop(in, VSW_DROP_LOCAL);
	if ((dp->pvid != f->vid) != f->tagged && fwd_convert(sw, f))
		return fwd_drop(in, VSW_DROP_NO_HEADROOM);
	sw->st.forwarded++;
	fwd_deliver(sw, dp, f);
	return 1;
}

/* IEEE 802.1Q 6.9: untagged and priority-tagged frames belong to the
 * port's PVID; 8.6.2: a tagged frame whose VID is not in the port's member
 * set is discarded. Returns the VID or -1. */
static int fwd_ingress_vid(const struct vsw_port *in,
			   const struct vsw_frame_info *fi)
{
	if (!fi->tagged || fi->vid == VSW_VID_PRIORITY)
		return in->pvid;
	return vsw_port_member(in, fi->vid) ? fi->vid : -1;
}

/* Hyper-V's DHCP guard and router guard (see vsw_frame_classify). The L2
 * parse again, here: the frame path's parse result never has its address
 * taken, so it stays in registers there. */
static int fwd_guards(struct vsw_port *in, const uint8_t *frame, size_t len,
		      uint32_t mtu)
{
	struct vsw_frame_info fi;
	unsigned c;

	vsw_parse_l2(frame, len, mtu, &fi); /* succeeded on the frame path */
	c = vsw_frame_classify(frame, len, &fi);

	if ((c & VSW_CLASS_DHCP_SERVER) && (in->flags & VSW_PORT_DHCP_GUARD))
		return fwd_drop(in, VSW_DROP_DHCP_GUARD);
	if ((c & VSW_CLASS_ROUTER) && (in->flags & VSW_PORT_ROUTER_GUARD))
		return fwd_drop(in, VSW_DROP_ROUTER_GUARD);
	return 0;
}

/* A priority-tagged frame (VID 0) that joined a VLAN gets that VID in its
 * tag. In the untagged network (VID 0) its tag already says VID 0; every
 * member there has PVID 0, so each delivery strips it. */
static void fwd_init(struct fwd_frame *f, uint8_t *frame, size_t len,
		     size_t headroom, const struct vsw_frame_info *fi, uint16_t vid)
{
	f->p = frame;
	f->len = len;
	f->room = headroom;
	f->tagged = fi->tagged;
	f->pcp = fi->pcp;
	f->vid = vid;
	if (fi->tagged && fi->vid != vid)
		fwd_write_tag(f->p + MACS_LEN, f);
}

/* Learned unicast whose egress form equals the ingress form (the common
 * case: no tag to add, strip or rewrite) goes straight out, a split frame
 * in its two parts where the port takes them; returns -1 to send
 * everything else down the general path. */
static inline int fwd_fast(struct vsw *sw, struct vsw_port *in,
			   struct vsw_port *dp, struct fwd_in *x,
			   const struct vsw_frame_info *fi, uint16_t vid)
{
	if (dp == in)
		return -1;
	if (dp->pvid == vid ? fi->tagged :
	    !(fi->tagged && fi->vid == vid && vsw_port_member(dp, vid)))
		return -1;
	sw->st.forwarded++;
	dp->st.tx_frames++;
	dp->st.tx_bytes += x->len;
	/* Queued first: a callback that removes dp frees it (no flood holds
	 * it off on this path), and the removal unqueues it. */
	fwd_queue_flush(sw, dp);
	if (x->tail && dp->deliver_split) {
		sw->st.split++;
		dp->deliver_split(dp->ctx, x->buf, x->head, x->tail,
				  x->len - x->head);
	} else {
		if (x->tail)
			fwd_join(x);
		dp->deliver(dp->ctx, x->buf, x->len);
	}
	return 1;
}

/* The ingress checks: the frame's VLAN and its source (*src), or a
 * negative errno, the drop counted. Always inlined, as what calls it:
 * vsw_port_send's copy, whose tail is NULL, loses every test of it (the
 * frame path of tests/bench/vswitch stays as it was). */
static inline __attribute__((always_inline))
int fwd_admit(struct vsw_port *in, struct fwd_in *x, uint32_t mtu,
	      struct vsw_frame_info *fi, uint64_t *src)
{
	int vid;

	/* The L2 parse reads VSW_SPLIT_HEAD_MIN bytes at most. */
	if (x->tail && x->head < VSW_SPLIT_HEAD_MIN)
		fwd_join(x);
	if (vsw_parse_l2(x->buf, x->len, mtu, fi))
		return fwd_drop(in, fi->why);
	vid = fwd_ingress_vid(in, fi);
	if (vid < 0)
		return fwd_drop(in, VSW_DROP_VLAN);
	*src = vsw_mac_key(x->buf + VSW_ETH_ALEN);
	if (in->spoof_guard && *src != in->mac_key)
		return fwd_drop(in, VSW_DROP_SPOOF);
	if (in->flags & FWD_GUARDS) {
		/* They parse L3 and L4: the frame whole and private. */
		if (x->tail)
			fwd_join(x);
		if (fwd_guards(in, x->buf, x->len, mtu))
			return -EPERM;
	}
	return vid;
}

static inline __attribute__((always_inline))
int fwd_frame(struct vsw *sw, struct vsw_port *in, struct fwd_in *x)
{
	struct vsw_frame_info fi;
	struct fwd_frame f;
	uint64_t src = 0, vkey;
	uint32_t now = vsw_now_tick(sw);
	struct vsw_port *dp = NULL;
	int vid;

	vid = fwd_admit(in, x, sw->mtu, &fi, &src);
	if (vid < 0)
		return vid;
	vkey = vsw_mac_vid_key((uint16_t)vid);
	vsw_mac_learn(sw, vkey | src, in->idx, now);
	if (!vsw_mac_is_group(x->buf)) {
		dp = vsw_mac_lookup(sw, vkey | vsw_mac_key(x->buf), now);
		if (dp) {
			int n = fwd_fast(sw, in, dp, x, &fi, (uint16_t)vid);

			if (n >= 0)
				return n;
		}
	}
	if (x->tail)
		fwd_join(x);
	fwd_init(&f, x->buf, x->len, x->headroom, &fi, (uint16_t)vid);
	if (dp && vsw_port_member(dp, f.vid))
		return fwd_unicast(sw, in, dp, &f);
	return fwd_flood(sw, in, &f);
}

static inline __attribute__((always_inline))
int fwd_send(struct vsw_port *port, struct fwd_in *x)
{
	struct vsw *sw = port->sw;
	int ret;

	vsw_lock(sw);
	port->st.rx_frames++;
	port->st.rx_bytes += x->len;
	ret = fwd_frame(sw, port, x);
	if (!sw->bursts)
		vsw_flush_queued(sw);
	vsw_unlock(sw);
	return ret;
}

int vsw_port_send(struct vsw_port *port, uint8_t *frame, size_t len,
		  size_t headroom)
{
	struct fwd_in x = { frame, len, len, headroom, NULL };

	if (!port || !frame)
		return -EINVAL;
	return fwd_send(port, &x);
}

int vsw_port_send_split(struct vsw_port *port, uint8_t *buf, size_t head_len,
			size_t headroom, const uint8_t *tail,
			size_t tail_len)
{
	struct fwd_in x = { buf, head_len, head_len + tail_len, headroom,
			    tail_len ? tail : NULL };

	if (!port || !buf || (tail_len && !tail) ||
	    tail_len > SIZE_MAX - head_len)
		return -EINVAL;
	return fwd_send(port, &x);
}

/* Pops before calling: a callback that removes a port (port_unqueue)
 * leaves the queue consistent. */
void vsw_flush_queued(struct vsw *sw)
{
	while (sw->n_flushq) {
		struct vsw_port *p = sw->flushq[--sw->n_flushq];

		p->flush_queued = false;
		p->flush(p->ctx);
	}
}

void vsw_burst_begin(struct vsw_port *port)
{
	if (!port)
		return;
	vsw_lock(port->sw);
	port->sw->bursts++;
	vsw_unlock(port->sw);
}

void vsw_burst_end(struct vsw_port *port)
{
	struct vsw *sw;

	if (!port)
		return;
	sw = port->sw;
	vsw_lock(sw);
	if (sw->bursts && --sw->bursts == 0)
		vsw_flush_queued(sw);
	vsw_unlock(sw);
}
