/* fuzz_pnet.c: frames a child sends to the parent's adapter, through a
 * real internal switch into lwIP (partition/net/pnet.c): every byte after
 * the Ethernet source is the guest's. The parent's address is set, an
 * echo session waits for a reply, and the clock moves between frames so
 * ARP, fragment reassembly and DHCP timers run on what arrived. Each
 * frame also goes to a second adapter, on its own switch, whose DHCP
 * client runs (lwIP parses a child's DHCP offers and acks there: a child
 * on an internal switch can answer the parent's DHCPDISCOVER). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/sys.h"
#include "partition/net/pnet.h"
#include "vswitch/vsw.h"

static uint32_t fake_ms;

u32_t sys_now(void)
{
	return fake_ms;
}

void pnet_platform_assert(const char *msg, const char *file, int line)
{
	(void)msg;
	(void)file;
	(void)line;
	abort();   /* an lwIP invariant a guest's frame broke: a finding */
}

uint32_t pnet_platform_rand(void)
{
	return 4;
}

static void sink(void *ctx, const uint8_t *f, size_t len)
{
	(void)ctx;
	(void)f;
	(void)len;
}

static struct vsw_port *station, *station2;

static void add_station(struct vsw *sw, const uint8_t mac[6], struct vsw_port **out)
{
	struct vsw_port_config pc;

	memset(&pc, 0, sizeof(pc));
	pc.kind = VSW_PORT_VM;
	pc.flags = VSW_PORT_ALLOW_SPOOF;   /* any source the input names */
	memcpy(pc.mac, mac, 6);
	pc.deliver = sink;
	if (vsw_port_add(sw, &pc, out))
		abort();
}

static void setup(void)
{
	static const uint8_t host[6] = { 0x00, 0x15, 0x5d, 0x00, 0x0a, 0x01 };
	static const uint8_t st[6] = { 0x00, 0x15, 0x5d, 0x00, 0x0b, 0x02 };
	struct vsw *sw, *sw2;
	struct pnet_if *nif, *nif2;

	if (vsw_create("S", VSW_TYPE_INTERNAL, NULL, &sw) ||
	    vsw_create("D", VSW_TYPE_INTERNAL, NULL, &sw2))
		abort();
	add_station(sw, st, &station);
	add_station(sw2, st, &station2);
	if (pnet_if_add(sw, "vEthernet (S)", host, &nif) || pnet_addr_set(nif, 0x0a000101u, 24, 0x0a0001feu) ||
	    pnet_if_add(sw2, "vEthernet (D)", host, &nif2) || pnet_dhcp_set(nif2, true))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t host[6] = { 0x00, 0x15, 0x5d, 0x00, 0x0a, 0x01 };
	static bool ready;
	uint8_t frame[VSW_HEADROOM + 1600], copy[sizeof(frame)];

	if (!ready) {
		setup();
		ready = true;
	}
	/* The first byte picks the destination (the parent, or broadcast)
	 * and how far the clock moves; the rest is the frame from byte 6. */
	if (size < 1 || size - 1 > sizeof(frame) - VSW_HEADROOM - 6)
		return 0;
	memset(frame, 0, sizeof(frame));
	memcpy(frame + VSW_HEADROOM, data[0] & 1 ? (const uint8_t *)"\xff\xff\xff\xff\xff\xff" : host, 6);
	memcpy(frame + VSW_HEADROOM + 6, data + 1, size - 1);
	if (!(data[0] & 2))
		pnet_ping_send(0x0a000102u, 1, 32, 80);
	memcpy(copy, frame, sizeof(copy));   /* the switch may rewrite it */
	vsw_port_send(station, frame + VSW_HEADROOM, size + 5, VSW_HEADROOM);
	vsw_port_send(station2, copy + VSW_HEADROOM, size + 5, VSW_HEADROOM);
	pnet_poll();
	fake_ms += (uint32_t)(data[0] >> 2) * 250u;
	pnet_poll();
	return 0;
}
