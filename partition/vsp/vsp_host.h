/*
 * The VMBus host for each child (partition/vsp/vsp_host.c): the parent's
 * own SynIC receives the children's channel messages, and a vmbus/
 * server per child answers them through hv's ports and connections.
 *
 * Wiring (docs/ARCHITECTURE.md "VMBus transport"): the parent's SINT 2
 * (vector VSP_VECTOR) receives; for child N, a message port
 * VSP_PORT_BASE + N on the parent, which only N may connect to, with N's
 * connection ids 1 and 4 (VMBus's INITIATE_CONTACT connections: below
 * and from protocol 5.0); and a message port 1 on the child (its SINT 2,
 * VP 0), reached by the parent's connection VSP_CONN_BASE + N; and event
 * ports both ways (below).
 */
#ifndef PARENT_VSP_HOST_H
#define PARENT_VSP_HOST_H
#include <stddef.h>
#include <stdint.h>

#define VSP_SINT       2
#define VSP_VECTOR     0x31      /* injected by hv, like HVPART_NOTIFY_VECTOR */
#define VSP_PORT_BASE  0x1000u
#define VSP_CONN_BASE  0x2000u
#define VSP_CHILD_PORT 1u
/* Events: child N's connection VSP_EVT_CONN reaches our event port
 * VSP_EVT_PORT_BASE + N (flags N * VSP_FLAGS .. + VSP_FLAGS - 1 of our
 * SIEF slot 2, so relids below VSP_FLAGS); for each of its virtual
 * processors V, our connection VSP_EVT_CONN_ID(N, V) reaches its event
 * port VSP_CHILD_EVT_PORT + V (all 2048 flags of V's SIEF slot 2), so a
 * channel is signalled on the VP its OPENCHANNEL named (TLFS: an event
 * port targets one VP; Linux takes a channel's interrupt on its
 * target_cpu, vmbus_chan_sched). */
#define VSP_FLAGS          128
#define VSP_EVT_CONN       16u
#define VSP_EVT_PORT_BASE  0x3000u
#define VSP_EVT_CONN_BASE  0x4000u
#define VSP_CHILD_EVT_PORT 2u
#define VSP_VPS_MAX        4      /* a child's virtual processors (VM_PROCESSORS_MAX) */
#define VSP_EVT_CONN_ID(child, vp) \
	(VSP_EVT_CONN_BASE + (uint32_t)(vp) * 0x100u + (uint32_t)(child))
/* Channels: the child signals relid on its connection VSP_CHAN_CONN_BASE
 * + relid (the offer's connection_id), which reaches our event port
 * VSP_CHAN_PORT(child, relid), flag child * VSP_FLAGS + relid. */
#define VSP_CHAN_CONN_BASE 0x100u
#define VSP_CHAN_PORT(child, relid) (0x10000u + (uint32_t)(child) * VSP_FLAGS + (relid))

/* Enable the parent's SynIC (SIMP, SIEFP, SINT 2): 0 or -errno. */
int vsp_init(void);
/* A child's VMBus host: ports and connections in hv, a vmbus server
 * offering every device type of vsp_dev.h whose bit is clear in
 * disabled. Called after CreateVp, before StartPartition: 0 or -errno
 * (nothing kept). */
int vsp_host_create(uint64_t child, uint32_t disabled, unsigned processors);
/* Offer (on) or withdraw (rescind) device type `type` while the child
 * runs: 0 or -errno. */
int vsp_host_set_device(uint64_t child, unsigned type, int on);
/* Device type `type` asked for count sub-channels of its open primary
 * channel (storvsp's on_subchannels): vmbus_server_offer_subchannels,
 * each wired like a device's channel. 0 or -errno. */
int vsp_host_offer_subchannels(uint64_t child, unsigned type, unsigned count);
/* The child's instance of device type `type`, or NULL (not offered). */
void *vsp_host_device(uint64_t child, unsigned type);
/* Host view of a GPADL the child made for device `type`'s channel
 * (netvsc's receive and send buffers): vmbus_server_gpadl_view. */
int vsp_host_gpadl_view(uint64_t child, unsigned type, uint32_t handle, void **va,
			size_t *bytes);
/* Whether Save-VM must refuse the child: NULL, or the name of a device
 * whose channel the guest has open and whose state the device cannot
 * save (no save op in vsp_dev.h), as Get-VMIntegrationService names it. */
const char *vsp_host_unsaveable(uint64_t child);
/* The VMBus section of a saved state (format partition/vsp/vsp_state.h):
 * the server's state and each offered device's own. Call with the child
 * suspended, its messages and events to the parent served. 0 and *len
 * (0 when the child has no VMBus host); -ENOSPC; -EBUSY with *busy the
 * device (its Get-VMIntegrationService name) whose state cannot be
 * saved now. */
int vsp_host_save(uint64_t child, void *buf, size_t cap, size_t *len, const char **busy);
/* Into a host just made by vsp_host_create for the same devices, the
 * child's memory (the saved copy) deposited, before it starts: the
 * channels come back at their saved relids, each device gets its state,
 * and every open channel is polled once. -EINVAL when the section does
 * not fit this host (damaged, or the VM's devices changed); the host is
 * then unusable (vsp_host_destroy it). */
int vsp_host_restore(uint64_t child, const void *buf, size_t len);
/* The device's status word (vsp_dev.h), "NoContact" when not offered. */
const char *vsp_host_status(uint64_t child, unsigned type);
/* Devices' periodic work (heartbeat, time samples): call on every
 * main-loop wake-up. */
void vsp_tick(void);
/* Before DeletePartition: the parent's port for the child goes (hv
 * removes the child's ports and connections with the child). */
void vsp_host_destroy(uint64_t child);
/* Set by the VSP_VECTOR interrupt: hv delivered a message or set a flag
 * (it raises the SINT for each), so vsp_service has work. */
extern volatile int vsp_irq_pending;
/* Drain the parent's SIM slot and event flags into the children's
 * servers; cheap when vsp_irq_pending is clear (the main loop calls it
 * on every wake-up). */
void vsp_service(void);
#endif
