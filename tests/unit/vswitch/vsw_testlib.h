/* vsw_testlib.h: helpers shared by the vswitch unit tests. */
#ifndef VSW_TESTLIB_H
#define VSW_TESTLIB_H

#include "vswitch/vsw.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VSWT_MAX_FRAME 2048
#define VSWT_UNTAGGED (-1)

/* A port's receive side: counts deliveries and keeps the last frame. */
struct vswt_sink {
	int id;
	unsigned count;
	uint8_t last[VSWT_MAX_FRAME];
	size_t last_len;
};

void vswt_deliver_record(void *ctx, const uint8_t *frame, size_t len);
/* Locally administered unicast MAC 02:00:00:00:hi:lo. */
void vswt_make_mac(uint8_t mac[6], unsigned n);
/* Build an Ethernet frame at buf (tag when vid >= 0; pcp in the tag).
 * Payload bytes follow; returns the frame length. */
size_t vswt_build_frame(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6],
			int vid, uint8_t pcp, uint16_t type,
			const uint8_t *payload, size_t plen);
/* Fill buf with a filler payload pattern. */
void vswt_fill_payload(uint8_t *buf, size_t n, unsigned seed);
/* IPv4/UDP packet (no options) into buf; returns its length. */
size_t vswt_build_udp4(uint8_t *buf, uint16_t sport, uint16_t dport,
		       const uint8_t *data, size_t dlen);
/* IPv6 with the given next header and payload bytes; returns length. */
size_t vswt_build_ipv6(uint8_t *buf, uint8_t next, const uint8_t *data,
		       size_t dlen);
/* Simple port config: VM, static MAC, access VLAN. */
struct vsw_port_config vswt_port_config_vm(const uint8_t mac[6], uint16_t vlan,
					   struct vswt_sink *sink);

#endif
