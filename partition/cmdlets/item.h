/*
 * File, location, volume and disk cmdlets for the parent console:
 * Get-ChildItem, Get-Content, Set-Content, Add-Content, New-Item,
 * Copy-Item, Move-Item, Remove-Item, Set-Location, Get-Location,
 * Get-Volume, Get-Disk, Get-Partition.
 *
 * FILE_CMDS_ENTRIES expands to their struct cmd_def initialisers, so that
 * the console's table (partition/cmds.c) can list them inline; file_cmds[]
 * holds the same entries on their own.
 */
#ifndef PARENT_FILE_CMDS_H
#define PARENT_FILE_CMDS_H

#include "partition/console/cmd.h"

extern const struct cmd_def file_cmds[];
extern const int file_ncmds;

int file_get_childitem(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_get_content(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_set_content(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_add_content(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_new_item(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_copy_item(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_move_item(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_remove_item(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_set_location(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_get_location(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_get_volume(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_get_disk(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_get_partition(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_measure_volume(struct cmd_ctx *ctx, const struct cmd_args *a);
/* VHD cmdlets (partition/fio_ext2.c). */
int file_new_vhd(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_get_vhd(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_test_vhd(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_merge_vhd(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_mount_vhd(struct cmd_ctx *ctx, const struct cmd_args *a);
int file_dismount_vhd(struct cmd_ctx *ctx, const struct cmd_args *a);

extern const struct cmd_param file_p_path[1], file_p_path_req[1], file_p_content[2],
	file_p_new[3], file_p_copy[2], file_p_remove[2], file_p_volume[1], file_p_disk[2],
	file_p_part[1], file_p_measure[1], file_p_new_vhd[7], file_p_vhd[1], file_p_mount_vhd[2];
extern const char *const file_a_ls[], *const file_a_cat[], *const file_a_cp[],
	*const file_a_mv[], *const file_a_rm[], *const file_a_cd[], *const file_a_pwd[],
	*const file_a_ni[], *const file_a_sc[], *const file_a_ac[];

#define FILE_CMDS_ENTRIES \
	{ "Get-ChildItem", "Lists the files in a directory.", \
	  "Lists a directory (default: the current location), one file, or the names matching a wildcard in the last part of the path. Drive C: is the host volume (ext2); drive B: holds the files the boot loader handed over (GRUB modules, read-only), which New-VM -Kernel and -Module take by name. Without a host volume the current location is B:\\.", \
	  file_p_path, 1, file_get_childitem, file_a_ls }, \
	{ "Get-Content", "Prints a text file.", \
	  "Prints a text file (a path on any drive; B: holds the boot files). Binary files are refused.", \
	  file_p_path_req, 1, file_get_content, file_a_cat }, \
	{ "Set-Content", "Writes text to a file.", \
	  "Replaces a file's content with the value and a line end, creating the file if needed.", \
	  file_p_content, 2, file_set_content, file_a_sc }, \
	{ "Add-Content", "Appends text to a file.", \
	  "Appends the value and a line end to a file, creating the file if needed.", \
	  file_p_content, 2, file_add_content, file_a_ac }, \
	{ "New-Item", "Creates a file or a directory.", \
	  "Creates an empty file (or one holding -Value and a line end), or a directory with -ItemType Directory. The parent directory must exist.", \
	  file_p_new, 3, file_new_item, file_a_ni }, \
	{ "Copy-Item", "Copies a file.", \
	  "Copies a file to a new name or into a directory, on the same or another drive (for example from B:, the boot files, to C:). An existing destination file is replaced. A copy that runs out of space is removed.", \
	  file_p_copy, 2, file_copy_item, file_a_cp }, \
	{ "Move-Item", "Moves or renames a file or directory.", \
	  "Renames a file or directory, or moves it into a directory, on the same drive.", \
	  file_p_copy, 2, file_move_item, file_a_mv }, \
	{ "Remove-Item", "Deletes a file or directory.", \
	  "Deletes a file or an empty directory; -Recurse deletes a directory with everything in it.", \
	  file_p_remove, 2, file_remove_item, file_a_rm }, \
	{ "Set-Location", "Changes the current location.", \
	  "Makes a directory the current location; relative paths start there. Each drive keeps its own current directory; \"X:\" switches drive.", \
	  file_p_path_req, 1, file_set_location, file_a_cd }, \
	{ "Get-Location", "Shows the current location.", "Shows the current drive and directory.", \
	  NULL, 0, file_get_location, file_a_pwd }, \
	{ "Get-Volume", "Lists drives with their size and free space.", \
	  "Lists the drives: B: (boot files), C: (the host volume) and mounted VHDs, with file system, size and free space.", \
	  file_p_volume, 1, file_get_volume, NULL }, \
	{ "Get-Disk", "Lists disks.", \
	  "Lists the disks the parent found: number, model, size, partition style, partitions and use (host volume, pass-through to a VM, mounted VHD, or offline). With -Number, also lists that disk's partitions. CD/DVD drives (bus ATAPI, use Optical) come after the other disks at boot and are read-only, with 2048-byte sectors. Diagnostic: -Number N -ReadSector LBA reads one sector and prints its CRC-32 and first 16 bytes.", \
	  file_p_disk, 2, file_get_disk, NULL }, \
	{ "Get-Partition", "Lists partitions.", \
	  "Lists the MBR or GPT partitions of every disk (or of disk -DiskNumber), with offset, size, type and drive letter.", \
	  file_p_part, 1, file_get_partition, NULL }, \
	{ "Measure-Volume", "Times file and raw disk throughput.", \
	  "Writes, syncs and reads back a file of -SizeBytes in the current location, then reads as many bytes of the raw volume, and prints TSC ticks per MiB for each (benchmark; the file is removed).", \
	  file_p_measure, 1, file_measure_volume, NULL }, \
	{ "New-VHD", "Creates a VHD file.", \
	  "Creates a fixed, dynamic (the default) or differencing VHD on an ext2 drive; a fixed one shows progress as it is written. A differencing disk's parent must be on the same drive.", \
	  file_p_new_vhd, 7, file_new_vhd, NULL }, \
	{ "Get-VHD", "Shows a VHD's type, sizes and parent.", \
	  "Shows a VHD's format, type, file size, virtual size, block size, parent and whether it is mounted.", \
	  file_p_vhd, 1, file_get_vhd, NULL }, \
	{ "Test-VHD", "Checks a VHD for consistency.", \
	  "Checks a VHD (and its parents) and prints True, or each problem found and False.", \
	  file_p_vhd, 1, file_test_vhd, NULL }, \
	{ "Merge-VHD", "Merges a differencing VHD into its parent.", \
	  "Writes a differencing disk's data into its parent, with progress, then deletes it. An interrupted merge resumes.", \
	  file_p_vhd, 1, file_merge_vhd, NULL }, \
	{ "Mount-VHD", "Attaches a VHD and mounts its file system.", \
	  "Attaches a VHD (fixed, dynamic or differencing) as a disk of the parent (Get-Disk lists it) and mounts the ext2 file system in it as the first free drive from V:, which it prints; copy files out of it or into it. -ReadOnly refuses every write. A VHD in use cannot be mounted.", \
	  file_p_mount_vhd, 2, file_mount_vhd, NULL }, \
	{ "Dismount-VHD", "Flushes and detaches a mounted VHD.", \
	  "Unmounts the VHD's drive, flushes everything to the .vhd file and detaches the disk.", \
	  file_p_vhd, 1, file_dismount_vhd, NULL }

#endif
