/* fuzz_vsw_frame.c: libFuzzer target for the vswitch frame parser, the
 * guard classifier and the whole frame path.
 *
 * Input: byte 0 picks the ingress port and headroom, byte 1 the MTU for
 * the bare parser, the rest is the frame. Every delivery is checked: never
 * to the ingress port, never outside the frame's VLAN, always in that
 * port's egress form, never longer than MTU plus header and tag.
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

static void fz_check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool fz_member(const struct fport *p, int vid)
{
	return vid == p->pvid || (p->trunk && vid > 0 && vid < 4096 && p->allowed[vid]);
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
		c.ctx = &fp[i];
		if (vsw_port_add(fsw, &c, &fp[i].port))
			abort();
	}
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
	int n = vsw_port_send(fp[cur_in].port, buf + headroom, len, headroom);
	fz_check(n <= 0 || cur_vid >= 0);
	free(buf);
	return 0;
}
