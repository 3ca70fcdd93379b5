/*
 * e1000_uplink: an e1000 (partition/drivers/e1000.h) as the external port
 * of a virtual switch (vswitch/vsw.h), the uplink of a Hyper-V external
 * switch. Portable: the parent uses it (partition/pnic.c) and the host
 * test runs it against the register-level model and a real switch.
 *
 * Frames the switch sends to the external port go onto the wire; frames
 * from the wire are switched from a private copy (the switch may rewrite
 * a header in place, vsw.h), with headroom for an 802.1Q tag. The NIC
 * receives promiscuously while bound: the children's MACs are not its
 * own (Hyper-V, too, puts the physical adapter in promiscuous mode).
 */
#ifndef PARENT_DRIVERS_E1000_UPLINK_H
#define PARENT_DRIVERS_E1000_UPLINK_H
#include <stdint.h>
#include "partition/drivers/e1000.h"
#include "vswitch/vsw.h"

/* Frames by destination class (IEEE 802-2014 8.2: the I/G bit; all
 * ones is broadcast), as Get-NetAdapterStatistics reports them. */
struct e1000_uplink_stats {
	uint64_t rx_uc, rx_mc, rx_bc, tx_uc, tx_mc, tx_bc;
	uint64_t rx_unbound;   /* received while no switch was bound */
	uint64_t tx_dropped;   /* sent by the switch, refused by the NIC */
};

struct e1000_uplink {
	struct e1000 *d;
	struct vsw_port *port; /* NULL while unbound */
	struct e1000_uplink_stats st;
	uint8_t copy[VSW_HEADROOM + E1000_FRAME_MAX];
};

void e1000_uplink_init(struct e1000_uplink *u, struct e1000 *d);
/* Become sw's external port (trunk of every VLAN, untagged native):
 * 0, -EBUSY when bound already, or vsw_port_add's error. */
int e1000_uplink_bind(struct e1000_uplink *u, struct vsw *sw);
void e1000_uplink_unbind(struct e1000_uplink *u);
/* Up to budget received frames into the switch (counted and dropped
 * while unbound). Returns the number taken from the ring. */
unsigned e1000_uplink_poll(struct e1000_uplink *u, unsigned budget);
#endif
