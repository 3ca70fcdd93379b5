/*
 * vhd_mount: the table of mounted VHDs (partition/volume/vhd_mount.h).
 * Each mount keeps its own struct vhd *; the disk layer's block device
 * stays opaque to it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "partition/volume/vhd_mount.h"

static struct vhd_mount *mounts[DISK_MAX];

struct vhd_mount *vhd_mount_find(const struct vol_path *file)
{
	for (int i = 0; i < DISK_MAX; i++)
		if (mounts[i] && mounts[i]->file.vol == file->vol &&
		    !strcmp(mounts[i]->file.path, file->path))
			return mounts[i];
	return NULL;
}

bool vhd_mount_in_use(const struct vol_path *file)
{
	for (int i = 0; i < DISK_MAX; i++) {
		struct vhd *v;

		if (!mounts[i] || mounts[i]->file.vol != file->vol)
			continue;
		for (v = mounts[i]->vhd; v; v = vhd_get_parent(v))
			if (!strcmp(vhd_get_path(v), file->path))
				return true;
	}
	return false;
}

static int mount_fs(struct vhd_mount *m)
{
	struct disk *d = m->disk;
	unsigned fl = m->read_only ? EXT2_MOUNT_RDONLY : 0;
	int rc = -ENOENT;

	if (!d->table.nparts)
		return volume_mount_ext2(d, 0, 0, fl, &m->vol);
	for (int k = 0; k < d->table.nparts && rc; k++)
		rc = volume_mount_ext2(d, d->table.parts[k].number, 0, fl, &m->vol);
	return rc;
}

int vhd_mount_close(struct vhd_mount *m)
{
	int rc = 0;

	if (m->vol) {
		rc = volume_unmount(m->vol);
		if (rc == -EBUSY)
			return rc;
		m->vol = NULL;
	}
	m->disk->use = DISK_USE_NONE;
	disk_unregister(m->disk);      /* closes the blockdev, which closes (and flushes) the VHD */
	for (int i = 0; i < DISK_MAX; i++)
		if (mounts[i] == m)
			mounts[i] = NULL;
	free(m);
	return rc;
}

void vhd_mount_close_all(void)
{
	for (int i = 0; i < DISK_MAX; i++)
		if (mounts[i])
			(void)vhd_mount_close(mounts[i]);
}

static int mount_slot(void)
{
	for (int i = 0; i < DISK_MAX; i++)
		if (!mounts[i])
			return i;
	return -1;
}

int vhd_mount_open_file(const struct vol_path *file, bool read_only, struct fio_ext2 *fx,
			struct fio_ops *ops, struct vhd **out, char *why, size_t n)
{
	char where[VOL_PATH_MAX + 4];
	struct vhd_err err;
	int rc;

	fio_ext2_bind(fx, file->vol, NULL, NULL, ops);
	rc = vhd_open(ops, file->path, read_only ? 0 : VHD_OPEN_RDWR, out, &err);
	if (rc) {
		volume_format(file, where, sizeof(where));
		snprintf(why, n, "'%s': %s.", where, err.msg);
	}
	return rc;
}

/* Open the VHD and register it as a disk. */
static int mount_attach(struct vhd_mount *m, char *why, size_t n)
{
	struct blockdev bd;
	int rc = vhd_mount_open_file(&m->file, m->read_only, &m->fx, &m->ops, &m->vhd, why, n);

	if (rc)
		return rc;
	vhd_blockdev_wrap(m->vhd, !m->read_only, &bd);
	m->disk = disk_register(&bd, "VHD", volume_basename(&m->file), "Virtual Disk", "");
	if (!m->disk) {
		vhd_close(m->vhd);
		snprintf(why, n, "Too many disks (at most %d).", DISK_MAX);
		return -ENOSPC;
	}
	m->disk->use = DISK_USE_MOUNTED_VHD;
	return 0;
}

int vhd_mount_open(const struct vol_path *file, bool read_only, struct vhd_mount **out,
		   char *why, size_t n)
{
	struct vhd_mount *m;
	char where[VOL_PATH_MAX + 4];
	int rc, slot = mount_slot();

	volume_format(file, where, sizeof(where));
	if (slot < 0) {
		snprintf(why, n, "Too many VHDs mounted (at most %d).", DISK_MAX);
		return -EMFILE;
	}
	if (vhd_mount_find(file) || vhd_mount_in_use(file)) {
		snprintf(why, n, "The disk '%s' is already mounted or in use by a mounted VHD.", where);
		return -EBUSY;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(why, n, "Out of memory.");
		return -ENOMEM;
	}
	m->file = *file;
	m->read_only = read_only;
	rc = mount_attach(m, why, n);
	if (rc) {
		free(m);
		return rc;
	}
	mounts[slot] = m;
	rc = mount_fs(m);
	if (rc) {
		snprintf(why, n, "'%s' holds no ext2 file system that can be mounted (%s).", where,
			 volume_strerror(rc));
		vhd_mount_close(m);
		return rc;
	}
	*out = m;
	return 0;
}
