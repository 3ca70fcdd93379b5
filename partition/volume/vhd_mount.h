/*
 * vhd_mount: VHDs attached as disks of the parent (Mount-VHD). A mount
 * opens the VHD through its drive's file operations (fio_ext2.h), hands
 * the disk layer a block device over it (Get-Disk lists it, bus "VHD"),
 * and mounts the ext2 file system in it (whole disk or first ext2
 * partition) as the first free drive letter from V:.
 */
#ifndef PARENT_VOLUME_VHD_MOUNT_H
#define PARENT_VOLUME_VHD_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include "partition/drivers/disk.h"
#include "partition/volume/fio_ext2.h"
#include "partition/volume/volume.h"
#include "storage/vhd/vhd.h"

struct vhd_mount {
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct vol_path file;          /* the .vhd on its drive */
	struct vhd *vhd;               /* the open chain; the disk's blockdev reads it */
	struct disk *disk;
	struct volume *vol;            /* NULL: no file system mounted */
	bool read_only;
};

/* Open the .vhd file (and its parents) on its drive through the drive's
 * file operations: fx and ops get bound to file's drive and must stay
 * where they are while *out is open. What Mount-VHD and a VM's disks
 * (partition/vsp/vsp_stor.c) both use. On failure why holds the
 * sentence to print. */
int vhd_mount_open_file(const struct vol_path *file, bool read_only, struct fio_ext2 *fx,
			struct fio_ops *ops, struct vhd **out, char *why, size_t n);
/* The mount of this .vhd file; NULL if it is not mounted. */
struct vhd_mount *vhd_mount_find(const struct vol_path *file);
/* True when the file is mounted or is a parent of a mounted VHD: writing
 * it underneath the mount would corrupt what the mount sees. */
bool vhd_mount_in_use(const struct vol_path *file);
/* Mount-VHD: attach and mount file. On failure nothing is left attached
 * and why holds the sentence to print. */
int vhd_mount_open(const struct vol_path *file, bool read_only, struct vhd_mount **out,
		   char *why, size_t n);
/* Unmount the drive, flush and detach the disk, free m; -EBUSY (and
 * nothing changed) while a file on the drive is open. */
int vhd_mount_close(struct vhd_mount *m);
/* Dismount every mounted VHD (before power-off). */
void vhd_mount_close_all(void);

#endif
