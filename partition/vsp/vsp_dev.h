/*
 * The device types the parent's VMBus host offers a child (one channel
 * each), as a table (partition/vsp/vsp_dev.c): storvsp, netvsp and the
 * integration services plug in by adding a row. The host creates one
 * instance per child at Start-VM, offers it with the row's GUID, and the
 * vmbus/ server calls the row's vmbus_dev_ops when the child opens,
 * signals and closes the channel; the rings and any other GPADL are
 * already mapped through hv (partition/vsp/vsp_gpadl.c) by then.
 */
#ifndef PARENT_VSP_DEV_H
#define PARENT_VSP_DEV_H
#include <stddef.h>
#include <stdint.h>
#include "vmbus/server.h"

struct vsp_dev_type {
	const char *name;            /* Get-VMIntegrationService's Name */
	const char *guid;            /* offer if_type, vmbus/msg.h text form */
	const struct vmbus_dev_ops *ops;
	/* An instance for child (state of the device, passed as `dev` to
	 * ops): NULL when out of memory (the device is then not offered).
	 * unit is the row's own (which of several rows of one kind). */
	void *(*create)(uint64_t child, unsigned unit);
	void (*destroy)(void *dev);
	/* Optional: periodic work (every main-loop wake-up), now in ms. */
	void (*tick)(void *dev, uint64_t now_ms);
	/* Optional: a status word for the cmdlets ("OK", ...). */
	const char *(*status)(const void *dev);
	int integration;             /* listed by Get-VMIntegrationService */
	unsigned unit;               /* passed to create */
	/* Optional: the offer's instance GUID, from the type's (else the
	 * type's with 0 and the row in its last two bytes). */
	void (*instance)(unsigned unit, struct vmbus_guid *inst);
	/* Optional: the device's own saved state (Save-VM), beside the
	 * server's (vsp_host_save): into buf (cap bytes), its length into
	 * *len; -ENOSPC, or -EBUSY when it cannot be saved now. A device
	 * with an open channel and no save cannot be saved. */
	int (*save)(const void *dev, void *buf, size_t cap, size_t *len);
	/* Optional: applied after the server's restore gave the device its
	 * channel back (on_restore or on_open); sends nothing to the guest.
	 * -EINVAL (device unchanged) when the state does not fit it. */
	int (*restore)(void *dev, const void *buf, size_t len);
};

/* Rows of vsp_dev_types by index (the table's order is the order of
 * the relids a child sees: 1, 2, ...). */
enum { VSP_DEV_ECHO, VSP_DEV_HEARTBEAT, VSP_DEV_SHUTDOWN, VSP_DEV_TIMESYNC, VSP_DEV_SCSI,
       VSP_DEV_NET,
       /* The IDE accelerator channels: IDE controller N location L is row
	* VSP_DEV_IDE0 + N * 2 + L (vsp_stor.h). */
       VSP_DEV_IDE0, VSP_DEV_IDE1, VSP_DEV_IDE2, VSP_DEV_IDE3,
       VSP_DEV_COUNT };
extern const struct vsp_dev_type vsp_dev_types[VSP_DEV_COUNT];

/* The echo test device (partition/vsp/vsp_echo.c). */
extern const struct vmbus_dev_ops vsp_echo_ops;
void *vsp_echo_create(uint64_t child, unsigned unit);
void vsp_echo_destroy(void *dev);
int vsp_echo_save(const void *dev, void *buf, size_t cap, size_t *len);
int vsp_echo_restore(void *dev, const void *buf, size_t len);
/* Packets it echoed and dropped (its reply did not fit), over all
 * children since boot. */
void vsp_echo_stats(uint64_t *echoed, uint64_t *dropped);
#endif
