/*
 * The parent's physical network adapters (partition/pnic.c): each Intel
 * 82540EM (e1000, PCI 8086:100E) found at boot, driven by
 * partition/drivers/e1000.c, named as Windows names them ("Ethernet",
 * "Ethernet 2", ...) for Get-NetAdapter, and the uplink port of at most
 * one external virtual switch (New-VMSwitch -NetAdapterName). The driver
 * is polled from the parent's idle loop (vm_idle): the device's
 * interrupts stay masked (IMC) and its INTx is off (PCI command bit 10),
 * so nothing needs routing through the parent's interrupt controllers.
 */
#ifndef PARENT_PNIC_H
#define PARENT_PNIC_H
#include <stdbool.h>
#include <stdint.h>
#include "partition/drivers/e1000.h"
#include "partition/drivers/e1000_uplink.h"
#include "vswitch/vsw.h"

#define PNIC_MAX 4

struct vnet_switch;

struct pnic {
	bool used;
	char name[16];            /* "Ethernet", "Ethernet 2" */
	const char *description;  /* InterfaceDescription */
	int if_index;
	uint8_t bus, dev, fn;
	struct e1000 d;
	struct vnet_switch *bound; /* the external switch it is the uplink of */
	struct e1000_uplink up;   /* its port on that switch, and counters */
};

/* Probe PCI for e1000s and bring each up (boot; "nic=off" on hv's
 * command line skips it). Returns how many are up. */
int pnic_probe_all(void);
struct pnic *pnic_at(int i);                 /* NULL if none */
struct pnic *pnic_find(const char *name);    /* case-insensitive */
/* The adapter bound to switch s, or NULL. */
struct pnic *pnic_of_switch(const struct vnet_switch *s);
/* Make nic the uplink of the external switch s: promiscuous receive, an
 * external port on the switch. -EBUSY when nic is bound already. */
int pnic_bind(struct pnic *nic, struct vnet_switch *s);
/* Undo pnic_bind for whichever adapter s has (none: nothing). */
void pnic_unbind_switch(const struct vnet_switch *s);
/* From the idle loop: received frames into the bound switch, link state
 * once per PIT tick. */
void pnic_poll(void);
/* "Up" / "Disconnected"; LinkSpeed text ("1 Gbps", "0 bps" when down). */
const char *pnic_status(const struct pnic *nic);
void pnic_link_speed(const struct pnic *nic, char *buf, size_t n);
#endif
