/*
 * The disk and volume cmdlets: Get-Volume, Get-Disk, Set-Disk (-IsOffline,
 * for pass-through disks), Get-Partition and Measure-Volume (a benchmark
 * of file and raw disk throughput).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/crc32.h"
#include "partition/arch/cpu.h"
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/cmdlets/cmdlets.h"
#include "partition/drivers/disk.h"
#include "partition/vm.h"
#include "partition/volume/volume.h"

/* ---- Get-Volume ------------------------------------------------------------------ */

static const struct cmd_type volume_type = { "Volume", false, NULL, 0, NULL, NULL, NULL };

static int volume_emit(struct cmd_ctx *ctx, const struct volume *v, const struct ext2_statfs *st)
{
	char letter[2] = { v->letter, '\0' }, loc[48];
	const struct cmd_prop p[] = {
		CMD_PROP_STR("DriveLetter", letter),
		CMD_PROP_STR("FileSystemLabel", st->label),
		CMD_PROP_STR("FileSystem", v->kind == VOL_KIND_EXT2 ? "ext2" : "BootFiles"),
		CMD_PROP_STR("DriveType", v->kind == VOL_KIND_BOOT ? "Boot" :
			     v->disk->use == DISK_USE_MOUNTED_VHD ? "VHD" : "Fixed"),
		CMD_PROP_STR("Location", loc),
		CMD_PROP_BYTES("SizeRemaining", st->free_blocks * st->block_size),
		CMD_PROP_BYTES("Size", st->blocks * st->block_size),
	};

	if (v->kind == VOL_KIND_EXT2)
		snprintf(loc, sizeof(loc), "Disk %d%s%.0d", v->disk->number, v->part ? " Part " : "",
			 v->part);
	else
		snprintf(loc, sizeof(loc), "GRUB modules");
	return cmd_emit(ctx, &volume_type, p, 7);
}

static int cmdlet_get_volume(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *want = cmd_arg_str(a, "DriveLetter");
	struct volume *v;
	int n = 0, rc = 0;

	for (int i = 0; rc == 0 && (v = volume_at(i)) != NULL; i++) {
		struct ext2_statfs st;

		if (want && (!want[0] || (want[0] | 0x20) != (v->letter | 0x20)))
			continue;
		volume_statfs(v, &st);
		rc = volume_emit(ctx, v, &st);
		n++;
	}
	if (!n && want)
		return cmd_error(ctx, a, "No MSFT_Volume objects found with property 'DriveLetter' equal to '%s'.",
				 want);
	return rc;
}

/* ---- Get-Disk, Get-Partition ------------------------------------------------------ */

static const struct cmd_column disk_cols[] = {
	{ "Number", NULL, 0 }, { "FriendlyName", NULL, 0 }, { "SerialNumber", NULL, 0 },
	{ "OperationalStatus", NULL, 0 }, { "Size", NULL, 0 }, { "PartitionStyle", NULL, 0 },
	{ "Partitions", NULL, 0 }, { "Use", NULL, 0 }, { "Location", NULL, 0 },
};
static const struct cmd_type disk_type = { "Disk", false, disk_cols, 9, NULL, NULL, NULL };

/* DiskNumber repeats Number so that Get-Disk | Get-Partition binds it. */
static int disk_emit(struct cmd_ctx *ctx, const struct disk *d)
{
	char loc[48];
	const struct cmd_prop p[] = {
		CMD_PROP_INT("Number", d->number),
		CMD_PROP_STR("FriendlyName", d->model),
		CMD_PROP_STR("SerialNumber", d->serial[0] ? d->serial : "-"),
		CMD_PROP_STR("OperationalStatus", d->offline ? "Offline" : "Online"),
		CMD_PROP_BYTES("Size", d->bd.size),
		CMD_PROP_STR("PartitionStyle", ptable_style_name(d->table.style)),
		CMD_PROP_INT("Partitions", d->table.nparts),
		/* ATAPI drives are read-only optical media (partition/drivers/atapi.h). */
		CMD_PROP_STR("Use", !strcmp(d->bus, "ATAPI") ? "Optical" : disk_use_name(d->use)),
		CMD_PROP_STR("Location", loc),
		CMD_PROP_INT("DiskNumber", d->number),
		CMD_PROP_INT("LogicalSectorSize", d->bd.sector_size ? d->bd.sector_size : 512),
		CMD_PROP_BOOL("IsOffline", d->offline),
	};

	snprintf(loc, sizeof(loc), "%s %s", d->bus, d->location);
	return cmd_emit(ctx, &disk_type, p, 12);
}

/* Get-Disk -Number N -ReadSector LBA: a diagnostic that reads one sector
 * (the disk's own sector size) and prints its CRC-32 and first 16 bytes. */
static int disk_read_sector_cmd(struct cmd_ctx *ctx, const struct cmd_args *a, int64_t number,
				int64_t lba)
{
	struct disk *d = number >= 0 ? disk_find((int)number) : NULL;
	uint32_t ss;
	uint8_t *buf;
	int rc;

	if (number < 0)
		return cmd_error(ctx, a, "-ReadSector needs -Number (the disk to read).");
	if (!d)
		return cmd_error(ctx, a, "No MSFT_Disk objects found with property 'Number' equal to '%lld'.",
				 (long long)number);
	ss = d->bd.sector_size ? d->bd.sector_size : 512;
	if ((uint64_t)lba >= d->bd.size / ss)
		return cmd_error(ctx, a, "Sector %lld is past the end of disk %d (%llu sectors of %u bytes).",
				 (long long)lba, d->number, (unsigned long long)(d->bd.size / ss), ss);
	if (!(buf = malloc(ss)))
		return cmd_error(ctx, a, "Out of memory.");
	rc = blockdev_read(&d->bd, (uint64_t)lba * ss, buf, ss);
	if (rc) {
		free(buf);
		return cmd_error(ctx, a, "Reading sector %lld of disk %d failed: %s.", (long long)lba,
				 d->number, strerror(-rc));
	}
	cmd_printf(ctx, "Disk %d sector %lld (%u bytes): CRC32 %08x, bytes 0-15:", d->number,
		   (long long)lba, ss, (unsigned)crc32_compute(buf, ss));
	for (int i = 0; i < 16; i++)
		cmd_printf(ctx, " %02x", buf[i]);
	cmd_printf(ctx, "\n");
	free(buf);
	return 0;
}

static const struct cmd_column part_cols[] = {
	{ "DiskNumber", NULL, 0 }, { "PartitionNumber", NULL, 0 }, { "DriveLetter", NULL, 0 },
	{ "Offset", NULL, 0 }, { "Size", NULL, 0 }, { "Type", NULL, 0 },
};
static const struct cmd_type part_type = { "Partition", false, part_cols, 6, NULL, NULL, NULL };

/* Partition i of disk d. */
static int partition_emit(struct cmd_ctx *ctx, const struct disk *d, int i)
{
	const struct ptable_part *dp = &d->table.parts[i];
	char letter[2] = { d->part_volume[i], '\0' };
	struct cmd_prop p[] = {
		CMD_PROP_INT("DiskNumber", d->number),
		CMD_PROP_INT("PartitionNumber", dp->number),
		CMD_PROP_STR("DriveLetter", letter[0] ? letter : NULL),
		CMD_PROP_INT("Offset", (int64_t)dp->offset),
		CMD_PROP_BYTES("Size", dp->size),
		CMD_PROP_STR("Type", dp->type),
	};

	return cmd_emit(ctx, &part_type, p, 6);
}

static int cmdlet_get_partition(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	int64_t only = cmd_arg_int(a, "DiskNumber", -1);
	struct disk *d;
	int n = 0, rc = 0;

	for (int i = 0; rc == 0 && (d = disk_at(i)) != NULL; i++) {
		if (only >= 0 && d->number != only)
			continue;
		for (int p = 0; rc == 0 && p < d->table.nparts; p++, n++)
			rc = partition_emit(ctx, d, p);
		if (d->table.note[0])
			cmd_printf(ctx, "Disk %d: %s\n", d->number, d->table.note);
	}
	if (n || rc)
		return rc;
	if (only >= 0 && !disk_find((int)only))
		return cmd_error(ctx, a, "No MSFT_Disk objects found with property 'Number' equal to '%lld'.",
				 (long long)only);
	if (!ctx->input)        /* Get-Disk | Get-Partition: quiet for such disks */
		cmd_printf(ctx, "No partitions (a whole-disk file system or an empty disk).\n");
	return 0;
}

static int cmdlet_get_disk(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	int64_t only = cmd_arg_int(a, "Number", -1);
	struct disk *d;
	int n = 0, rc = 0;

	if (cmd_arg_int(a, "ReadSector", -1) >= 0)
		return disk_read_sector_cmd(ctx, a, only, cmd_arg_int(a, "ReadSector", -1));
	for (int i = 0; rc == 0 && (d = disk_at(i)) != NULL; i++) {
		if (only >= 0 && d->number != only)
			continue;
		rc = disk_emit(ctx, d);
		n++;
	}
	if (!n && only >= 0)
		return cmd_error(ctx, a, "No MSFT_Disk objects found with property 'Number' equal to '%lld'.",
				 (long long)only);
	if (!n)
		cmd_printf(ctx, "No disks found.\n");
	return rc;
}

/* ---- Set-Disk -IsOffline ------------------------------------------------------------ */

/* Offline: refused while a volume of the disk is mounted, with the
 * status MSFT_Disk's Offline method gives for the disk the system runs
 * from (41009, "Operation not supported on a critical disk") or for a
 * disk in use (6); online: refused while a VM has it as a pass-through
 * disk (the parent must not mount what the guest writes). */
static int disk_offline_refused(struct cmd_ctx *ctx, const struct cmd_args *a, struct disk *d,
				bool offline)
{
	struct vm *owner = cmdlet_disk_owner(d->number);
	char letter = disk_mounted_letter(d);

	/* A CD/DVD drive is not an MSFT_Disk in Windows (Get-Disk lists it
	 * here only for -ReadSector), and a pass-through disk must be a
	 * hard disk (phys_arg, vmdisk.c): nothing to take offline. */
	if (!strcmp(d->bus, "ATAPI"))
		return cmd_error(ctx, a, "The request is not supported. (Disk %d is a CD/DVD drive; "
				 "only a hard disk goes offline.)", d->number), -1;
	if (offline && d->use == DISK_USE_HOST_VOLUME)
		return cmd_error(ctx, a, "Operation not supported on a critical disk. (Disk %d holds "
				 "the host volume %c:.)", d->number, letter ? letter : 'C'), -1;
	if (offline && letter)
		return cmd_error(ctx, a, "Disk is in use. (Drive %c: is mounted from disk %d; "
				 "Dismount-VHD it first.)", letter, d->number), -1;
	if (!offline && owner)
		return cmd_error(ctx, a, "Disk is in use. (Disk %d is a pass-through disk of virtual "
				 "machine '%s'; Remove-VMHardDiskDrive it first.)", d->number,
				 owner->name), -1;
	return 0;
}

static int cmdlet_set_disk(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	int64_t number = cmd_arg_int(a, "Number", -1), off;
	const char *want = cmd_arg_str(a, "IsOffline");
	struct disk *d = number >= 0 && number <= INT32_MAX ? disk_find((int)number) : NULL;
	int rc;

	if (!d)
		return cmd_error(ctx, a, "No MSFT_Disk objects found with property 'Number' equal to '%lld'.",
				 (long long)number);
	if (!want)
		return cmd_error(ctx, a, "Give -IsOffline $true or $false.");
	if (cmd_parse_bool(want, &off))
		return cmd_error(ctx, a, "Cannot process argument transformation on parameter 'IsOffline'. "
				 "Cannot convert value \"%s\" to type \"System.Boolean\".", want);
	if (disk_offline_refused(ctx, a, d, off != 0))
		return 0;
	rc = disk_set_offline(d, off != 0);
	if (rc)       /* a running VM has it (the configuration check above covers that) */
		return cmd_error(ctx, a, "Disk is in use. (Disk %d: %s.)", d->number, strerror(-rc));
	return 0;
}

/* ---- Measure-Volume (benchmark) ---------------------------------------------------- */

/* Sequential transfer of size bytes in CMDLET_CHUNK pieces: 0 file write,
 * 1 file read, 2 raw read of the volume's own sectors. */
static int measure_pass(struct volume *v, struct vol_file *f, int kind, uint64_t size, char *buf,
			uint64_t *ticks)
{
	uint64_t t0 = cpu_rdtsc();

	for (uint64_t off = 0; off < size; off += CMDLET_CHUNK) {
		size_t n = size - off < CMDLET_CHUNK ? (size_t)(size - off) : CMDLET_CHUNK;
		int64_t r = kind == 0 ? volume_file_write(f, off, buf, n) :
			    kind == 1 ? volume_file_read(f, off, buf, n) :
			    blockdev_read(&v->disk->bd, v->base + off, buf, n);

		if (r < 0)
			return (int)r;
	}
	if (kind == 0) {
		int rc = volume_sync(v);

		if (rc)
			return rc;
	}
	*ticks = cpu_rdtsc() - t0;
	return 0;
}

static int cmdlet_measure_volume(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	uint64_t size = cmd_arg_size(a, "SizeBytes", 16ull << 20), t[3] = { 0 }, mib;
	struct vol_path vp;
	struct vol_file f;
	char *buf;
	int rc;

	if (cmdlet_path_arg(ctx, a, "measure-volume.tmp", &vp))
		return 0;
	if (vp.vol->kind != VOL_KIND_EXT2 || size < (1u << 20) || size > vp.vol->size)
		return cmd_error(ctx, a, "Measure-Volume needs an ext2 current drive and 1MB <= -SizeBytes <= its size.");
	mib = size >> 20;
	rc = cmdlet_space_check(vp.vol, size, 0);
	buf = malloc(CMDLET_CHUNK);
	if (!rc && buf) {
		memset(buf, 0x5a, CMDLET_CHUNK);
		rc = volume_open(&vp, EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_TRUNC, &f);
		if (!rc) {
			rc = measure_pass(vp.vol, &f, 0, size, buf, &t[0]);
			for (int k = 1; k < 3 && !rc; k++)
				rc = measure_pass(vp.vol, &f, k, size, buf, &t[k]);
			volume_file_close(&f);
			volume_unlink(&vp);
			cmdlet_sync(ctx, a, vp.vol);
		}
	}
	free(buf);
	if (rc || !buf)
		return cmdlet_path_error(ctx, a, "measure-volume.tmp", buf ? rc : -ENOMEM);
	cmd_printf(ctx, "FileWriteTscPerMiB : %llu\n", (unsigned long long)(t[0] / mib));
	cmd_printf(ctx, "FileReadTscPerMiB  : %llu\n", (unsigned long long)(t[1] / mib));
	cmd_printf(ctx, "RawReadTscPerMiB   : %llu\n", (unsigned long long)(t[2] / mib));
	cmd_printf(ctx, "FileReadVsRaw      : %llu%%\n", (unsigned long long)(t[1] ? t[2] * 100 / t[1] : 0));
	return 0;
}

/* ---- Parameters and the table ------------------------------------------------------ */

static const struct cmd_param p_volume[] = {
	{ "DriveLetter", CMD_P_STRING, 0, 0, "Only this drive (C, B, V, ...).", NULL },
};
static const struct cmd_param p_disk[] = {
	{ "Number", CMD_P_INT, 0, 0, "Only this disk.", CMD_ALIASES("DeviceId") },
	{ "ReadSector", CMD_P_INT, 0, -1, "Diagnostic: read this sector (LBA, in the disk's sector size) of disk -Number and print its CRC-32 and first 16 bytes.", NULL },
};
static const struct cmd_param p_set_disk[] = {
	{ "Number", CMD_P_INT, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "The disk (Get-Disk's Number; Get-Disk 1 | Set-Disk -IsOffline $true).", NULL },
	{ "IsOffline", CMD_P_STRING, 0, -1, "$true: take the disk offline (no volume of it mounted; it may then be a VM's pass-through disk); $false: bring it online.", NULL },
};
static const struct cmd_param p_measure[] = {
	{ "SizeBytes", CMD_P_SIZE, 0, 0, "How much to write and read (default 16MB).", NULL },
};
static const struct cmd_param p_part[] = {
	{ "DiskNumber", CMD_P_INT, CMD_F_PIPELINE, 0, "Only this disk's partitions (Get-Disk 1 | Get-Partition).", NULL },
};

const struct cmd_def cmdlets_disk[] = {
	{ "Get-Volume", "Lists drives with their size and free space.",
	  "Lists the drives: B: (boot files), C: (the host volume) and mounted VHDs, with file system, size and free space.",
	  p_volume, 1, cmdlet_get_volume, NULL },
	{ "Get-Disk", "Lists disks.",
	  "Lists the disks the parent found: number, model, serial, OperationalStatus (Online, or Offline after Set-Disk -IsOffline $true), size, partition style, partitions and use (host volume, pass-through to a running VM, mounted VHD, or none). Get-Disk -Number N | Get-Partition lists a disk's partitions. CD/DVD drives (bus ATAPI, use Optical) come after the other disks at boot and are read-only, with 2048-byte sectors. Diagnostic: -Number N -ReadSector LBA reads one sector and prints its CRC-32 and first 16 bytes.",
	  p_disk, 2, cmdlet_get_disk, NULL },
	{ "Set-Disk", "Takes a disk offline or brings it online.",
	  "Set-Disk -Number N -IsOffline $true takes disk N offline in the parent: it is not mounted, and Add-VMHardDiskDrive -DiskNumber N may pass it through to a VM. Refused for the disk of the host volume (a critical disk) and a disk with a mounted drive. -IsOffline $false brings it online again, refused while a VM has it as a pass-through disk. Get-Disk shows the state (OperationalStatus, IsOffline); at boot every disk is online, then the disks the VMs' configurations name as pass-through disks are taken offline again.",
	  p_set_disk, 2, cmdlet_set_disk, NULL },
	{ "Get-Partition", "Lists partitions.",
	  "Lists the MBR or GPT partitions of every disk (or of disk -DiskNumber), with offset, size, type and drive letter.",
	  p_part, 1, cmdlet_get_partition, NULL },
	{ "Measure-Volume", "Times file and raw disk throughput.",
	  "Writes, syncs and reads back a file of -SizeBytes in the current location, then reads as many bytes of the raw volume, and prints TSC ticks per MiB for each (benchmark; the file is removed).",
	  p_measure, 1, cmdlet_measure_volume, NULL },
};
const int cmdlets_disk_count = sizeof(cmdlets_disk) / sizeof(cmdlets_disk[0]);
