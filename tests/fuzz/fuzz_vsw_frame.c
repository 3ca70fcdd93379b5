/* fuzz_vsw_frame.c: libFuzzer target for the vswitch frame parser, the
 * guard classifier and the whole frame path.
 *
 * Input: byte 0 picks the ingress port and headroom, byte 1 the MTU for
 * the bare parser and, when odd, a split send (vsw_port_send_split) of a
 * head of byte 1 / 2 bytes, the tail in a buffer of its own; the rest is
 * the frame. Every delivery is checked: never to the ingress port, never
 * outside the frame's VLAN, always in that port's egress form, never
 * longer than MTU plus header and tag. The even ports take frames in two
 * parts (deliver_split): those must be the frame as sent, the head the
 * sender's and at least VSW_SPLIT_HEAD_MIN, the tail by the sender's own
 * pointer. Every port's MAC is learned at setup (and moves as frames
 * with spoofed sources from the ports allowed them teach the switch), so
 * learned unicast, the split fast path, is reached.
 */
#include "vswitch/vsw.h"
#include "vswitch/vsw_wire.h"

#include <stdlib.h>
#include <string.h>

#define NPORTS 5

struct fport {
	struct vsw_port *port;
	int id;
	uint16_t pvid;
	bool trunk;
	bool allowed[4096];
};

static struct vsw *fsw;
static struct fport fp[NPORTS];
static int cur_in;
static int cur_vid;
/* The frame being sent, and its split (head bytes, tail pointer). */
static const uint8_t *cur_frame;
static size_t cur_len, cur_head;
static const uint8_t *cur_tail;

static void fz_check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool fz_member(const struct fport *p, int vid)
{
	return vid == p->pvid || (p->trunk && vid > 0 && vid < 4096 && p->allowed[vid]);
}

/* The frame as sent but for its tag: the same addresses, and the same
 * bytes after the Ethernet header, or after the tag (IEEE 802.1Q 9.5). */
static void fz_check_bytes(const uint8_t *frame, size_t len, bool tagged)
{
	size_t hin = vsw_get_be16(cur_frame + 12) == VSW_ETHERTYPE_VLAN ? 18 : 14;
	size_t hout = tagged ? 18 : 14;

	fz_check(cur_len >= hin && len - hout == cur_len - hin);
	fz_check(!memcmp(frame, cur_frame, 12));
	fz_check(!memcmp(frame + hout, cur_frame + hin, len - hout));
}

static void fz_deliver(void *ctx, const uint8_t *frame, size_t len)
{
	const struct fport *p = ctx;
	bool tagged;

	fz_check(p->id != cur_in);
	fz_check(len >= 14 && len <= VSW_MTU_DEFAULT + 18);
	fz_check(fz_member(p, cur_vid));
	tagged = vsw_get_be16(frame + 12) == VSW_ETHERTYPE_VLAN;
	fz_check(tagged == (cur_vid != p->pvid));
	if (tagged) {
		fz_check(len >= 18);
		fz_check(vsw_tci_vid(vsw_get_be16(frame + 14)) == cur_vid);
	}
	if (cur_frame)
		fz_check_bytes(frame, len, tagged);
}

/* The two parts: exactly the frame sent, split where the sender split
 * it, its tail not copied; then the checks of any delivery. */
static void fz_deliver_split(void *ctx, const uint8_t *head, size_t head_len,
			     const uint8_t *tail, size_t tail_len)
{
	static uint8_t whole[VSW_MTU_DEFAULT + 18];

	fz_check(cur_frame && cur_tail && head_len >= VSW_SPLIT_HEAD_MIN);
	fz_check(head_len == cur_head && tail == cur_tail);
	fz_check(head_len + tail_len == cur_len && cur_len <= sizeof(whole));
	memcpy(whole, head, head_len);
	memcpy(whole + head_len, tail, tail_len);
	fz_check(!memcmp(whole, cur_frame, cur_len));
	fz_deliver(ctx, whole, cur_len);
}

/* Each port says hello (a broadcast from its MAC), so the switch knows
 * them all. */
static void fz_learn(void)
{
	uint8_t f[60];

	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	f[12] = 0x88;
	f[13] = 0xB5;
	cur_frame = NULL;
	for (int i = 0; i < NPORTS; i++) {
		f[6] = 0x02;
		f[11] = (uint8_t)(i + 1);
		cur_in = i;
		cur_vid = fp[i].pvid;
		(void)vsw_port_send(fp[i].port, f, sizeof(f), 0);
	}
}

static void fz_setup(void)
{
	static const uint16_t pv[NPORTS] = { 0, 10, 0, 20, 0 };
	static const uint16_t allowed[] = { 10, 20, 30 };
	struct vsw_port_config c;

	if (vsw_create("fuzz", VSW_TYPE_EXTERNAL, NULL, &fsw))
		abort();
	for (int i = 0; i < NPORTS; i++) {
		memset(&c, 0, sizeof(c));
		c.kind = i == 4 ? VSW_PORT_EXTERNAL : VSW_PORT_VM;
		c.mac[0] = 0x02;
		c.mac[5] = (uint8_t)(i + 1);
		fp[i].id = i;
		fp[i].pvid = pv[i];
		fp[i].trunk = i >= 2;
		c.vlan_mode = fp[i].trunk ? VSW_VLAN_TRUNK : VSW_VLAN_ACCESS;
		c.access_vlan = pv[i];
		c.native_vlan = pv[i];
		c.allowed_vlans = allowed;
		c.n_allowed = fp[i].trunk ? 3 : 0;
		for (size_t k = 0; k < c.n_allowed; k++)
			fp[i].allowed[allowed[k]] = true;
		c.flags = (i == 1 ? VSW_PORT_ALLOW_SPOOF : 0) |
			  (i & 1 ? VSW_PORT_DHCP_GUARD | VSW_PORT_ROUTER_GUARD : 0);
		c.deliver = fz_deliver;
		c.deliver_split = i % 2 ? NULL : fz_deliver_split;
		c.ctx = &fp[i];
		if (vsw_port_add(fsw, &c, &fp[i].port))
			abort();
	}
	fz_learn();
}

/* The frame (len bytes at buf, headroom before it) sent whole, or split
 * after head bytes: the tail in a buffer of its own (ASan sees any read
 * past it), buf past the head scrambled (a delivery that used those
 * bytes without the tail copied there would differ from the frame). */
static int fz_send(uint8_t *buf, size_t len, size_t headroom, size_t head)
{
	uint8_t *tail;
	int n;

	cur_tail = NULL;
	if (head >= len)
		return vsw_port_send(fp[cur_in].port, buf, len, headroom);
	tail = malloc(len - head);
	memcpy(tail, buf + head, len - head);
	memset(buf + head, 0xA5, len - head);
	cur_head = head;
	cur_tail = tail;
	n = vsw_port_send_split(fp[cur_in].port, buf, head, headroom, tail,
				len - head);
	free(tail);
	cur_tail = NULL;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsw_frame_info fi;
	size_t len, headroom;
	uint8_t *buf;

	if (size < 2)
		return 0;
	if (!fsw)
		fz_setup();
	len = size - 2;
	/* Parser alone, on an exact-size copy so ASan sees any overread. */
	buf = malloc(len ? len : 1);
	memcpy(buf, data + 2, len);
	if (vsw_frame_parse(buf, len, VSW_MTU_MIN + data[1] * 40u, &fi) == 0)
		(void)vsw_frame_classify(buf, len, &fi);
	free(buf);
	/* The whole frame path. */
	headroom = data[0] & 0x80 ? VSW_HEADROOM : 0;
	cur_in = (data[0] & 0x7F) % NPORTS;
	buf = malloc(len + headroom + 1);
	memcpy(buf + headroom, data + 2, len);
	cur_vid = -1;
	if (vsw_frame_parse(buf + headroom, len, VSW_MTU_DEFAULT, &fi) == 0)
		cur_vid = (!fi.tagged || fi.vid == 0) ? fp[cur_in].pvid : fi.vid;
	cur_frame = data + 2;
	cur_len = len;
	int n = fz_send(buf + headroom, len, headroom,
			(data[1] & 1u) ? data[1] >> 1 : len);
	fz_check(n <= 0 || cur_vid >= 0);
	free(buf);
	return 0;
}
