/* The e1000 as a switch's external port (see e1000_uplink.h). */
#include "partition/drivers/e1000_uplink.h"

#include <errno.h>
#include <string.h>

void e1000_uplink_init(struct e1000_uplink *u, struct e1000 *d)
{
	memset(u, 0, sizeof(*u));
	u->d = d;
}

/* 0 unicast, 1 multicast, 2 broadcast (IEEE 802-2014 8.2). */
static int dst_class(const uint8_t *frame)
{
	static const uint8_t all[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (!(frame[0] & 1))
		return 0;
	return memcmp(frame, all, 6) ? 1 : 2;
}

/* The switch's delivery to the external port: onto the wire. */
static void uplink_deliver(void *ctx, const uint8_t *frame, size_t len)
{
	struct e1000_uplink *u = ctx;
	uint64_t *cnt[3] = { &u->st.tx_uc, &u->st.tx_mc, &u->st.tx_bc };

	if (len < E1000_FRAME_MIN || e1000_send(u->d, frame, len))
		u->st.tx_dropped++;
	else
		(*cnt[dst_class(frame)])++;
}

int e1000_uplink_bind(struct e1000_uplink *u, struct vsw *sw)
{
	/* Hyper-V's external port is a trunk of VIDs 1..4094 with the
	 * untagged network native (vsw.h VSW_PORT_TRUNK_ALL). */
	struct vsw_port_config c = {
		.kind = VSW_PORT_EXTERNAL, .mac_mode = VSW_MAC_STATIC,
		.vlan_mode = VSW_VLAN_TRUNK, .native_vlan = 0,
		.flags = VSW_PORT_TRUNK_ALL, .deliver = uplink_deliver, .ctx = u,
	};
	int rc;

	if (u->port)
		return -EBUSY;
	memcpy(c.mac, u->d->mac, 6);
	rc = vsw_port_add(sw, &c, &u->port);
	if (rc) {
		u->port = NULL;
		return rc;
	}
	e1000_set_promisc(u->d, true);
	return 0;
}

void e1000_uplink_unbind(struct e1000_uplink *u)
{
	if (!u->port)
		return;
	vsw_port_remove(u->port);
	u->port = NULL;
	e1000_set_promisc(u->d, false);
}

/* One frame from the wire (the driver hands up 14..E1000_FRAME_MAX
 * bytes without errors, e1000.c rx_one). */
static void uplink_receive(void *ctx, const uint8_t *frame, size_t len)
{
	struct e1000_uplink *u = ctx;
	uint64_t *cnt[3] = { &u->st.rx_uc, &u->st.rx_mc, &u->st.rx_bc };

	(*cnt[dst_class(frame)])++;
	if (!u->port || len > E1000_FRAME_MAX) {
		u->st.rx_unbound++;
		return;
	}
	memcpy(u->copy + VSW_HEADROOM, frame, len);
	(void)vsw_port_send(u->port, u->copy + VSW_HEADROOM, len, VSW_HEADROOM);
}

unsigned e1000_uplink_poll(struct e1000_uplink *u, unsigned budget)
{
	return e1000_poll_rx(u->d, uplink_receive, u, budget);
}
