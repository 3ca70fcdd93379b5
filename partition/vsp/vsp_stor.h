/*
 * A child's synthetic SCSI controller (partition/vsp/vsp_stor.c): the
 * portable storvsp (storage/storvsp/) bound to the child's VMBus channel,
 * its disks VHD files on an ext2 drive of the parent (C:), opened the way
 * Mount-VHD opens them (partition/volume/vhd_mount.h), or pass-through
 * disks: a parent disk that is offline (Set-Disk -IsOffline), claimed
 * for the child while it runs (disk_claim_vm, partition/drivers/disk.h)
 * and reached through a view of the driver's device (blockdev_view_open),
 * so SCSI and IDE serve it as they serve a VHD.
 *
 * Order at Start-VM (partition/vm.c): vsp_stor_attach opens the VM's
 * disks, then vsp_host_create offers the controller (row VSP_DEV_SCSI of
 * vsp_dev.h), whose create picks them up. When the child stops:
 * vsp_host_destroy closes the channel and frees the storvsp, then
 * vsp_stor_detach flushes each VHD (vhd_flush: data, BAT, footer, the
 * drive synced) and closes it; the VM is reported Off only after that.
 *
 * Differencing disks: the chain is opened with its parents read-only
 * (vhd_open) and every file claimed (storage/vhd/vhd_claim.h): the top
 * for writing, parents for reading, so two children may share a parent
 * while no one may write a file a running child's chain reads.
 *
 * SCSI hot add and remove while the child runs (vsp_stor_hot_add,
 * _hot_remove): the LUN is added to or removed from the running storvsp
 * and the guest told to rescan (an unsolicited ENUMERATE_BUS).
 *
 * The child's data pages: every page a request names is proved the
 * child's by hv (HvpartMapGpadlPages, docs/hypercalls.md "GPADL pages")
 * before any byte moves, and unmapped when the request is done.
 */
#ifndef PARENT_VSP_STOR_H
#define PARENT_VSP_STOR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "partition/vmconfig/vmcfg.h"
#include "partition/volume/volume.h"
#include "storage/vhd/vhd.h"

/* Open disks d[0..n) for child: SCSI ones (ControllerLocation = the
 * LUN) for the synthetic controller, IDE ones for the emulated IDE
 * controller (vsp_stor_ide_disk), one opening and claiming path for
 * both. The synthetic controller offers a sub-channel for each of the
 * child's processors but one. 0, or -errno with why the sentence to print (nothing kept
 * open). */
int vsp_stor_attach(uint64_t child, const struct vmcfg_disk *d, int n, unsigned processors,
		    char *why, size_t len);
/* Flush and close the child's disks (after vsp_host_destroy): 0, or the
 * first flush error (every disk is closed anyway). */
int vsp_stor_detach(uint64_t child);
/* The IDE disk at controller (0-1) location (0-1) that vsp_stor_attach
 * opened for child, and its IDENTIFY serial; NULL when none. Valid until
 * vsp_stor_detach. */
struct blockdev *vsp_stor_ide_disk(uint64_t child, unsigned controller, unsigned location,
				   const char **serial);
/* SCSI hot add (Add-VMHardDiskDrive on a running VM): open d and add it
 * at LUN d->controller_location, then tell the guest to rescan. 0, or
 * -errno with why the sentence to print (-ENODEV: the child has no SCSI
 * controller, it started without disks). */
int vsp_stor_hot_add(uint64_t child, const struct vmcfg_disk *d, char *why, size_t len);
/* SCSI hot remove: drop the LUN, tell the guest to rescan, flush and
 * close the VHD. 0, -ENOENT (no such disk open), or the flush error (the
 * disk is closed anyway). */
int vsp_stor_hot_remove(uint64_t child, unsigned lun);
/* Checkpoint-VM of a running VM (partition/vm_snap.c), the child
 * suspended: switch_close flushes and closes the VHD of cfg's disk but
 * keeps its slot (the IDE controller and storvsp keep their blockdev
 * pointer), and switch_open opens cfg's file into that slot: the new
 * AVHD, or the old file again when the switch failed. The disk must not
 * be reached in between. 0, or -errno (switch_open: with why). */
int vsp_stor_switch_close(uint64_t child, const struct vmcfg_disk *cfg);
/* Flush cfg's open disk (its file whole on the drive: data, BAT, footer)
 * without closing it: 0, -ENOENT, or the flush error. */
int vsp_stor_flush(uint64_t child, const struct vmcfg_disk *cfg);
int vsp_stor_switch_open(uint64_t child, const struct vmcfg_disk *cfg, char *why, size_t len);
/* Live merge (Remove-VMSnapshot of a running VM, partition/vm_merge.c):
 * mid, the parent of the open disk cfg's top, merged into its own
 * parent while the child uses the disk (storage/vhd/vhd.h). begin
 * starts it; mid and its parent must be this chain's alone (-EBUSY). step copies
 * up to nblocks of mid's blocks between the child's requests: 0 more
 * to do, 1 finished (the chain reads through mid's parent now, mid is
 * deleted), -ENOENT no merge, else -errno with why (a stopped merge
 * resumes). Closing the disk stops a merge; its record keeps the
 * progress for the next open. progress: blocks done and in all. */
int vsp_stor_merge_begin(uint64_t child, const struct vmcfg_disk *cfg, const char *mid, char *why,
			 size_t len);
int vsp_stor_merge_step(uint64_t child, const struct vmcfg_disk *cfg, uint32_t nblocks, char *why,
			size_t len);
int vsp_stor_merge_progress(uint64_t child, const struct vmcfg_disk *cfg, uint32_t *done,
			    uint32_t *total);
/* The file a merge of cfg's disk is merging (its top's parent, in the
 * "C:\..." form config.txt keeps), or -ENOENT when none runs. */
int vsp_stor_merge_mid(uint64_t child, const struct vmcfg_disk *cfg, char *out, size_t len);
/* Stop cfg's merge, its progress kept for the next open of the chain. */
void vsp_stor_merge_stop(uint64_t child, const struct vmcfg_disk *cfg);
/* Whether any disk has a live merge: the idle loop's cheap test. */
bool vsp_stor_merging(void);
/* True while a running child uses file: as a disk (written) or as the
 * parent of a differencing disk (read). */
bool vsp_stor_in_use(const struct vol_path *file);
/* The child whose open chain stands in the way of opening file (write:
 * for writing; else for reading, which only a child writing it refuses),
 * or -1. */
int vsp_stor_user(const struct vol_path *file, bool write);
/* The same for a whole chain v opened from top (its top for writing when
 * writable, its parents for reading); *path names the file in the way. */
int vsp_stor_chain_user(const struct vol_path *top, const struct vhd *v, bool writable,
			const char **path);

/* The device rows' functions (vsp_dev.c): the SCSI controller, and an
 * IDE disk's accelerator channel (unit = ControllerNumber * 2 +
 * ControllerLocation) with its instance GUID. */
struct vmbus_guid;
void *vsp_stor_create(uint64_t child, unsigned unit);
void *vsp_stor_create_ide(uint64_t child, unsigned unit);
void vsp_stor_ide_instance(unsigned unit, struct vmbus_guid *inst);
/* Saved state (vsp_dev.h save/restore): storvsp_save/_restore. */
int vsp_stor_save(const void *dev, void *buf, size_t cap, size_t *len);
int vsp_stor_restore(void *dev, const void *buf, size_t len);
void vsp_stor_destroy(void *dev);
const char *vsp_stor_status(const void *dev);
#endif
