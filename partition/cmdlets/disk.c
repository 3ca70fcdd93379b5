/*
 * The disk and volume cmdlets: Get-Volume, Get-Disk, Get-Partition and
 * Measure-Volume (a benchmark of file and raw disk throughput).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/crc32.h"
#include "partition/arch/cpu.h"
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/cmdlets/cmdlets.h"
#include "partition/drivers/disk.h"
#include "partition/volume/volume.h"

/* ---- Get-Volume ------------------------------------------------------------------ */

#define VOLCOLS 7
static int cmdlet_get_volume(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const hdr[VOLCOLS] = { "DriveLetter", "FileSystemLabel", "FileSystem",
		"DriveType", "Location", "SizeRemaining", "Size" };
	static char cells[VOL_MAX + 1][VOLCOLS][48];
	const char *rows[(VOL_MAX + 1) * VOLCOLS];
	const char *want = cmd_arg_str(a, "DriveLetter");
	struct tbl_sink sink = cmd_sink(ctx);
	struct volume *v;
	int n = 0;

	for (int i = 0; (v = volume_at(i)) != NULL && n <= VOL_MAX; i++) {
		struct ext2_statfs st;
		char (*c)[48] = cells[n];

		if (want && (!want[0] || (want[0] | 0x20) != (v->letter | 0x20)))
			continue;
		volume_statfs(v, &st);
		snprintf(c[0], 48, "%c", v->letter);
		snprintf(c[1], 48, "%s", st.label);
		snprintf(c[2], 48, "%s", v->kind == VOL_KIND_EXT2 ? "ext2" : "BootFiles");
		snprintf(c[3], 48, "%s", v->kind == VOL_KIND_BOOT ? "Boot" :
			 v->disk->use == DISK_USE_MOUNTED_VHD ? "VHD" : "Fixed");
		if (v->kind == VOL_KIND_EXT2)
			snprintf(c[4], 48, "Disk %d%s%.0d", v->disk->number, v->part ? " Part " : "", v->part);
		else
			snprintf(c[4], 48, "GRUB modules");
		tbl_format_bytes(c[5], 48, st.free_blocks * st.block_size);
		tbl_format_bytes(c[6], 48, st.blocks * st.block_size);
		for (int k = 0; k < VOLCOLS; k++)
			rows[n * VOLCOLS + k] = c[k];
		n++;
	}
	if (!n && want)
		return cmd_error(ctx, a, "No MSFT_Volume objects found with property 'DriveLetter' equal to '%s'.",
				 want);
	tbl_print(&sink, hdr, VOLCOLS, rows, n, "lllllrr");
	return 0;
}

/* ---- Get-Disk, Get-Partition ------------------------------------------------------ */

#define DISKCOLS 8
static void disk_cells(const struct disk *d, char c[DISKCOLS][48])
{
	snprintf(c[0], 48, "%d", d->number);
	snprintf(c[1], 48, "%s", d->model);
	snprintf(c[2], 48, "%s", d->serial[0] ? d->serial : "-");
	tbl_format_bytes(c[3], 48, d->bd.size);
	snprintf(c[4], 48, "%s", disk_style_name(d->style));
	snprintf(c[5], 48, "%d", d->nparts);
	/* ATAPI drives are read-only optical media (partition/drivers/atapi.h). */
	snprintf(c[6], 48, "%s", !strcmp(d->bus, "ATAPI") ? "Optical" : disk_use_name(d->use));
	snprintf(c[7], 48, "%s %s", d->bus, d->location);
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

#define PARTCOLS 6
static int print_partitions(struct cmd_ctx *ctx, const struct cmd_args *a, int only)
{
	static const char *const hdr[PARTCOLS] = { "DiskNumber", "PartitionNumber", "DriveLetter",
		"Offset", "Size", "Type" };
	static char cells[DISK_MAX * (DISK_PART_MAX + 1)][PARTCOLS][48];
	const char *rows[DISK_MAX * (DISK_PART_MAX + 1) * PARTCOLS];
	struct tbl_sink sink = cmd_sink(ctx);
	struct disk *d;
	int n = 0;

	for (int i = 0; (d = disk_at(i)) != NULL; i++) {
		if (only >= 0 && d->number != only)
			continue;
		for (int p = 0; p < d->nparts; p++) {
			const struct disk_part *dp = &d->parts[p];
			char (*c)[48] = cells[n];

			snprintf(c[0], 48, "%d", d->number);
			snprintf(c[1], 48, "%d", dp->number);
			snprintf(c[2], 48, "%c", dp->volume ? dp->volume : ' ');
			snprintf(c[3], 48, "%llu", (unsigned long long)dp->offset);
			tbl_format_bytes(c[4], 48, dp->size);
			snprintf(c[5], 48, "%s", dp->type);
			for (int k = 0; k < PARTCOLS; k++)
				rows[n * PARTCOLS + k] = c[k];
			n++;
		}
		if (d->note[0])
			cmd_printf(ctx, "Disk %d: %s\n", d->number, d->note);
	}
	if (!n) {
		if (only >= 0 && !disk_find(only))
			return cmd_error(ctx, a, "No MSFT_Disk objects found with property 'Number' equal to '%d'.",
					 only);
		cmd_printf(ctx, "No partitions (a whole-disk file system or an empty disk).\n");
		return 0;
	}
	tbl_print(&sink, hdr, PARTCOLS, rows, n, "rrlrrl");
	return 0;
}

static int cmdlet_get_disk(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const hdr[DISKCOLS] = { "Number", "FriendlyName", "SerialNumber",
		"Size", "PartitionStyle", "Partitions", "Use", "Location" };
	static char cells[DISK_MAX][DISKCOLS][48];
	const char *rows[DISK_MAX * DISKCOLS];
	int64_t only = cmd_arg_int(a, "Number", -1);
	struct tbl_sink sink = cmd_sink(ctx);
	struct disk *d;
	int n = 0;

	if (cmd_arg_int(a, "ReadSector", -1) >= 0)
		return disk_read_sector_cmd(ctx, a, only, cmd_arg_int(a, "ReadSector", -1));
	for (int i = 0; (d = disk_at(i)) != NULL && n < DISK_MAX; i++) {
		if (only >= 0 && d->number != only)
			continue;
		disk_cells(d, cells[n]);
		for (int k = 0; k < DISKCOLS; k++)
			rows[n * DISKCOLS + k] = cells[n][k];
		n++;
	}
	if (!n && only >= 0)
		return cmd_error(ctx, a, "No MSFT_Disk objects found with property 'Number' equal to '%lld'.",
				 (long long)only);
	if (!n) {
		cmd_printf(ctx, "No disks found.\n");
		return 0;
	}
	tbl_print(&sink, hdr, DISKCOLS, rows, n, "rllrlrll");
	if (only >= 0)
		return print_partitions(ctx, a, (int)only);
	return 0;
}

static int cmdlet_get_partition(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return print_partitions(ctx, a, (int)cmd_arg_int(a, "DiskNumber", -1));
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
	{ "DriveLetter", CMD_P_STRING, 0, 0, "Only this drive (C, B, V, ...)." },
};
static const struct cmd_param p_disk[] = {
	{ "Number", CMD_P_INT, 0, 0, "Only this disk, with its partitions." },
	{ "ReadSector", CMD_P_INT, 0, -1, "Diagnostic: read this sector (LBA, in the disk's sector size) of disk -Number and print its CRC-32 and first 16 bytes." },
};
static const struct cmd_param p_measure[] = {
	{ "SizeBytes", CMD_P_SIZE, 0, 0, "How much to write and read (default 16MB)." },
};
static const struct cmd_param p_part[] = {
	{ "DiskNumber", CMD_P_INT, 0, 0, "Only this disk's partitions." },
};

const struct cmd_def cmdlets_disk[] = {
	{ "Get-Volume", "Lists drives with their size and free space.",
	  "Lists the drives: B: (boot files), C: (the host volume) and mounted VHDs, with file system, size and free space.",
	  p_volume, 1, cmdlet_get_volume, NULL },
	{ "Get-Disk", "Lists disks.",
	  "Lists the disks the parent found: number, model, size, partition style, partitions and use (host volume, pass-through to a VM, mounted VHD, or offline). With -Number, also lists that disk's partitions. CD/DVD drives (bus ATAPI, use Optical) come after the other disks at boot and are read-only, with 2048-byte sectors. Diagnostic: -Number N -ReadSector LBA reads one sector and prints its CRC-32 and first 16 bytes.",
	  p_disk, 2, cmdlet_get_disk, NULL },
	{ "Get-Partition", "Lists partitions.",
	  "Lists the MBR or GPT partitions of every disk (or of disk -DiskNumber), with offset, size, type and drive letter.",
	  p_part, 1, cmdlet_get_partition, NULL },
	{ "Measure-Volume", "Times file and raw disk throughput.",
	  "Writes, syncs and reads back a file of -SizeBytes in the current location, then reads as many bytes of the raw volume, and prints TSC ticks per MiB for each (benchmark; the file is removed).",
	  p_measure, 1, cmdlet_measure_volume, NULL },
};
const int cmdlets_disk_count = sizeof(cmdlets_disk) / sizeof(cmdlets_disk[0]);
