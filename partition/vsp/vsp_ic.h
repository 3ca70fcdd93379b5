/*
 * Integration services (partition/vsp/vsp_ic.c): heartbeat, shutdown and
 * time synchronization, Hyper-V's utility channels, over vmbus/ic.h, as
 * Linux's hv_utils answers them. One instance per child and service,
 * created by the VMBus host from the device table (vsp_dev.h).
 */
#ifndef PARENT_VSP_IC_H
#define PARENT_VSP_IC_H
#include <stddef.h>
#include <stdint.h>
#include "vmbus/server.h"

enum vsp_ic_kind { VSP_IC_HEARTBEAT, VSP_IC_SHUTDOWN, VSP_IC_TIMESYNC, VSP_IC_KINDS };

/* Heartbeat requests every 2 s (hv_util.c: "Every two seconds, Hyper-V
 * send us a heartbeat request"); no answer for 3 periods is a lost
 * communication. Time samples every 5 s. */
#define VSP_IC_HEARTBEAT_MS 2000u
#define VSP_IC_LOST_MS      6000u
#define VSP_IC_TIMESYNC_MS  5000u

extern const struct vmbus_dev_ops vsp_ic_ops;
void *vsp_ic_create_heartbeat(uint64_t child, unsigned unit);
void *vsp_ic_create_shutdown(uint64_t child, unsigned unit);
void *vsp_ic_create_timesync(uint64_t child, unsigned unit);
void vsp_ic_destroy(void *dev);

/* Periodic work of one instance (heartbeat and time requests), at most
 * every call; now_ms from clock_monotonic_ns. */
void vsp_ic_tick(void *dev, uint64_t now_ms);

/* Status text as Get-VM and Get-VMIntegrationService show it: for the
 * heartbeat "OK", "NoContact" or "LostCommunication"; for the others
 * "OK" once negotiated, "NoContact" before, "ProtocolMismatch" when the
 * guest had no common version. */
const char *vsp_ic_status(const void *dev);
/* Negotiated message version (0 before). */
uint32_t vsp_ic_version(const void *dev);

/* Shutdown: send the request (0), or -ENODEV if the channel is not open
 * and negotiated. The guest's answer: vsp_ic_shutdown_answer gives -1
 * while none came, 0 accepted, 1 refused. */
int vsp_ic_shutdown_send(void *dev);
int vsp_ic_shutdown_answer(const void *dev);
/* Saved state (vsp_dev.h save/restore; format vsp_state.h, struct
 * vsp_st_ic). */
int vsp_ic_save(const void *dev, void *buf, size_t cap, size_t *len);
int vsp_ic_restore(void *dev, const void *buf, size_t len);
/* Time synchronization samples the guest acknowledged. */
uint64_t vsp_ic_time_samples(const void *dev);
#endif
