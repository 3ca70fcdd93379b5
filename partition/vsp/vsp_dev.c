/* The device types the VMBus host offers (see vsp_dev.h). */
#include "partition/vsp/vsp_dev.h"
#include "partition/vsp/vsp_ic.h"
#include "partition/vsp/vsp_stor.h"
#include "storage/storvsp/storvsp.h"
#include "partition/vsp/vsp_net.h"

#define IDE_ROW(unit) { "IDE Controller", VMBUS_GUID_IDE, &storvsp_dev_ops, vsp_stor_create_ide, \
			vsp_stor_destroy, NULL, vsp_stor_status, 0, (unit), vsp_stor_ide_instance, \
			vsp_stor_save, vsp_stor_restore }

const struct vsp_dev_type vsp_dev_types[VSP_DEV_COUNT] = {
	[VSP_DEV_ECHO] = { "Echo", VMBUS_GUID_HVPART_ECHO, &vsp_echo_ops, vsp_echo_create,
			   vsp_echo_destroy, NULL, NULL, 0,
			   .save = vsp_echo_save, .restore = vsp_echo_restore },
	[VSP_DEV_HEARTBEAT] = { "Heartbeat", VMBUS_GUID_HEARTBEAT, &vsp_ic_ops,
				vsp_ic_create_heartbeat, vsp_ic_destroy, vsp_ic_tick, vsp_ic_status, 1,
				.save = vsp_ic_save, .restore = vsp_ic_restore },
	[VSP_DEV_SHUTDOWN] = { "Shutdown", VMBUS_GUID_SHUTDOWN, &vsp_ic_ops, vsp_ic_create_shutdown,
			       vsp_ic_destroy, NULL, vsp_ic_status, 1,
			       .save = vsp_ic_save, .restore = vsp_ic_restore },
	[VSP_DEV_TIMESYNC] = { "Time Synchronization", VMBUS_GUID_TIMESYNC, &vsp_ic_ops,
			       vsp_ic_create_timesync, vsp_ic_destroy, vsp_ic_tick, vsp_ic_status, 1,
			       .save = vsp_ic_save, .restore = vsp_ic_restore },
	/* Offered only to a VM with disks (partition/vm.c). */
	[VSP_DEV_SCSI] = { "SCSI Controller", VMBUS_GUID_SCSI, &storvsp_dev_ops, vsp_stor_create,
			   vsp_stor_destroy, NULL, vsp_stor_status, 0,
			   .save = vsp_stor_save, .restore = vsp_stor_restore },
	/* Offered only to a VM with an adapter (vsp_net_absent). */
	[VSP_DEV_NET] = { "Network Adapter", VMBUS_GUID_NIC, &vsp_net_ops, vsp_net_create,
			  vsp_net_destroy, NULL, vsp_net_status, 0,
			  .save = vsp_net_save, .restore = vsp_net_restore },
	/* Offered only for an IDE disk at that position (partition/vm.c). */
	[VSP_DEV_IDE0] = IDE_ROW(0),
	[VSP_DEV_IDE1] = IDE_ROW(1),
	[VSP_DEV_IDE2] = IDE_ROW(2),
	[VSP_DEV_IDE3] = IDE_ROW(3),
};
