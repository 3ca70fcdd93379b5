/*
 * The parent's virtual switches (partition/vnet.c): the vswitch/ objects
 * New-VMSwitch creates, by name, and the host's pool of dynamic MAC
 * addresses. Switches live in memory only for now: they are gone after a
 * reboot (New-VMSwitch again); the adapters that name them are kept in
 * their VMs' configurations (docs/vm-config.md "Network adapters") and
 * start disconnected while their switch does not exist.
 *
 * An internal switch has the parent's own adapter on it from its
 * creation: a host port with a MAC from the dynamic pool, joined to an
 * lwIP interface named "vEthernet (S)", as Hyper-V names the management
 * OS's virtual NIC (partition/net/pnet.h; docs/ARCHITECTURE.md "The
 * parent on the network"). It goes with the switch. An external switch
 * has one while it allows the management OS (vnet_switch_set_mgmt).
 * Each starts with its DHCP client on, as a new adapter in Windows.
 */
#ifndef PARENT_VNET_H
#define PARENT_VNET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vswitch/vsw.h"

#define VNET_SWITCH_MAX 8
/* Dynamic MACs: 00-15-5D-00-0A-01 .. 00-15-5D-00-0A-FF (Hyper-V's OUI;
 * Hyper-V takes octets 4 and 5 from the host's IP address, which the
 * parent does not have). */
#define VNET_MAC_B3 0x00
#define VNET_MAC_B4 0x0A

struct pnet_if;

struct vnet_switch {
	bool used;
	char name[VSW_NAME_MAX];
	enum vsw_type type;
	struct vsw *sw;
	struct pnet_if *host;   /* the parent's adapter, or NULL */
};

/* "vEthernet (S)": the parent's adapter's name on switch S. */
#define VNET_HOST_ALIAS_FMT "vEthernet (%s)"

/* New-VMSwitch: 0, or -EEXIST (the name is taken), -ENOSPC, -ENOMEM with
 * the message in why. */
int vnet_switch_new(const char *name, enum vsw_type type, char *why, size_t n);
struct vnet_switch *vnet_switch_find(const char *name);   /* case-insensitive */
struct vnet_switch *vnet_switch_at(int i);                /* NULL if unused */
/* Adapters of all VMs whose configuration names this switch. */
int vnet_switch_users(const char *name);
/* -AllowManagementOS on external switch s: share gives the parent its
 * adapter "vEthernet (S)" on the switch with mac (the physical
 * adapter's: Hyper-V moves the NIC's address to the management OS's
 * virtual adapter), its DHCP client on; !share takes it away. 0 (also
 * when it was so), -EINVAL (not external), or the port's error (-EEXIST:
 * an adapter on the switch has mac). */
int vnet_switch_set_mgmt(struct vnet_switch *s, bool share, const uint8_t mac[6]);
/* Remove-VMSwitch, once no port is left on it (vsw_destroy). */
void vnet_switch_delete(struct vnet_switch *s);
/* A MAC from the dynamic pool that no VM's adapter has: 0, or -ENOSPC. */
int vnet_mac_new(uint8_t mac[6]);
/* Calls fn for every readable adapter of every VM (the VM, the
 * adapter's index in its configuration); stops at, and returns, the
 * first non-zero. */
struct vm;
struct vmcfg_nic;
int vnet_each_nic(int (*fn)(struct vm *vm, int idx, const struct vmcfg_nic *nic, void *arg),
		  void *arg);
/* Whether any VM's adapter, or any of the parent's, has mac. */
bool vnet_mac_taken(const uint8_t mac[6]);
#endif
