/* vsw_testlib.c: helpers shared by the vswitch unit tests. */
#include "tests/unit/vswitch/vsw_testlib.h"
#include "vswitch/vsw_wire.h"

#include <string.h>

void vswt_deliver_record(void *ctx, const uint8_t *frame, size_t len)
{
	struct vswt_sink *s = ctx;

	s->count++;
	s->last_len = len < VSWT_MAX_FRAME ? len : VSWT_MAX_FRAME;
	memcpy(s->last, frame, s->last_len);
}

void vswt_make_mac(uint8_t mac[6], unsigned n)
{
	mac[0] = 0x02;
	mac[1] = 0;
	mac[2] = 0;
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

size_t vswt_build_frame(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6],
			int vid, uint8_t pcp, uint16_t type,
			const uint8_t *payload, size_t plen)
{
	size_t o = 12;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	if (vid >= 0) {
		vsw_put_be16(buf + 12, VSW_ETHERTYPE_VLAN);
		vsw_put_be16(buf + 14, vsw_tci_make(pcp, (uint16_t)vid));
		o = 16;
	}
	vsw_put_be16(buf + o, type);
	o += 2;
	if (plen)
		memcpy(buf + o, payload, plen);
	return o + plen;
}

void vswt_fill_payload(uint8_t *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(seed * 31u + i * 7u);
}

size_t vswt_build_udp4(uint8_t *buf, uint16_t sport, uint16_t dport,
		       const uint8_t *data, size_t dlen)
{
	memset(buf, 0, 28);
	buf[0] = 0x45;
	vsw_put_be16(buf + 2, (uint16_t)(28 + dlen));
	buf[8] = 64;
	buf[9] = VSW_IPPROTO_UDP;
	vsw_put_be16(buf + 20, sport);
	vsw_put_be16(buf + 22, dport);
	vsw_put_be16(buf + 24, (uint16_t)(8 + dlen));
	memcpy(buf + 28, data, dlen);
	return 28 + dlen;
}

size_t vswt_build_ipv6(uint8_t *buf, uint8_t next, const uint8_t *data,
		       size_t dlen)
{
	memset(buf, 0, 40);
	buf[0] = 0x60;
	vsw_put_be16(buf + 4, (uint16_t)dlen);
	buf[6] = next;
	buf[7] = 255;
	memcpy(buf + 40, data, dlen);
	return 40 + dlen;
}

struct vsw_port_config vswt_port_config_vm(const uint8_t mac[6], uint16_t vlan,
					   struct vswt_sink *sink)
{
	struct vsw_port_config c;

	memset(&c, 0, sizeof(c));
	c.kind = VSW_PORT_VM;
	c.mac_mode = VSW_MAC_STATIC;
	memcpy(c.mac, mac, 6);
	c.vlan_mode = VSW_VLAN_ACCESS;
	c.access_vlan = vlan;
	c.deliver = vswt_deliver_record;
	c.ctx = sink;
	return c;
}
