/*
 * A child's synthetic network adapter (partition/vsp/vsp_net.c): the
 * netvsp library (vswitch/netvsp/) as a row of the VMBus host's device
 * table (vsp_dev.h), its guest memory reached through the channel's
 * GPADLs (vsp_gpadl.c) and its port on one of the parent's switches
 * (partition/vnet.h). One adapter per VM is offered for now: the VM's
 * first [NetworkAdapter] (docs/vm-config.md).
 */
#ifndef PARENT_VSP_NET_H
#define PARENT_VSP_NET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmbus/server.h"
#include "vswitch/netvsp/netvsp.h"

struct vm;
struct vmcfg_nic;

extern const struct vmbus_dev_ops vsp_net_ops;
/* The adapter of the VM whose partition is child, plugged into the
 * switch its configuration names (unplugged when there is none); NULL
 * when the VM has no adapter or memory ran out. */
void *vsp_net_create(uint64_t child, unsigned unit);
void vsp_net_destroy(void *dev);
/* "Ok" once the guest's driver brought RNDIS up, "NoContact" before. */
const char *vsp_net_status(const void *dev);
/* Whether vm has an adapter to offer (Start-VM leaves the row out when
 * not: 1 << VSP_DEV_NET in the disabled mask). */
uint32_t vsp_net_absent(const struct vm *vm);
/* Connect-VMNetworkAdapter (sw) / Disconnect-VMNetworkAdapter (NULL) on
 * a running VM: 0 or the switch's error. */
int vsp_net_connect(void *dev, struct vsw *sw);
void vsp_net_stats(void *dev, struct netvsp_stats *st);
/* Set-VMNetworkAdapter -MacAddressSpoofing, Set-VMNetworkAdapterVlan on
 * a running VM: nic's spoofing and VLAN settings onto the live port.
 * 0, or -EINVAL (nothing changed). */
int vsp_net_set_policy(void *dev, const struct vmcfg_nic *nic);
/* The switch port's counters (drops by reason, vswitch/vsw.h); all zero
 * while the adapter is not connected. */
void vsp_net_port_stats(void *dev, struct vsw_port_stats *st);
/* Saved state (vsp_dev.h save/restore): netvsp_save/_restore, and the
 * link as the adapter's switch has it now. */
int vsp_net_save(const void *dev, void *buf, size_t cap, size_t *len);
int vsp_net_restore(void *dev, const void *buf, size_t len);
#endif
