/*
 * ptable: the partition table of a block device, MBR (primary partitions
 * and the logical ones of an extended partition) or GPT (CRC-checked, with
 * the backup header as fallback). Portable C over struct blockdev, so the
 * parent's disk registry, VHDs it mounts and the host tests read tables the
 * same way; every field read from the disk is checked before use (the
 * table is as untrusted as a guest: tests/fuzz/fuzz_ptable).
 *
 * Tables are read in 512-byte sectors, as partitioning tools write them
 * for the disks here (ATA, and hybrid ISO images on 2048-byte optical
 * media). Partition numbers follow Windows: MBR primary entries 1-4,
 * logical partitions from 5; GPT entries by their index from 1.
 */
#ifndef STORAGE_PTABLE_H
#define STORAGE_PTABLE_H

#include <stdint.h>
#include "storage/blockdev.h"

#define PTABLE_SECTOR   512u
#define PTABLE_PART_MAX 16
#define PTABLE_TYPE_MAX 40
#define PTABLE_NOTE_MAX 64
#define PTABLE_GPT_ENTRIES_MAX 1024u   /* more than any real table (128 usual) */

enum ptable_style { PTABLE_STYLE_RAW, PTABLE_STYLE_MBR, PTABLE_STYLE_GPT };

struct ptable_part {
	int number;                  /* 1-based, as Windows numbers partitions */
	uint64_t offset, size;       /* bytes, inside the device */
	uint8_t mbr_type;            /* MBR type byte, 0 for GPT */
	char type[PTABLE_TYPE_MAX];  /* "Linux (0x83)", "Linux filesystem", ... */
};

struct ptable {
	enum ptable_style style;
	int nparts;
	struct ptable_part parts[PTABLE_PART_MAX];
	char note[PTABLE_NOTE_MAX];  /* why a table was ignored, "" if all is well */
};

/* Reads bd's partition table into pt. 0 with style RAW when there is none
 * (no 0x55AA signature, or an MBR without a usable entry: an ext2 volume's
 * first sector can carry the signature by chance); a negative errno when a
 * read fails, or -EINVAL when a protective MBR leads to no valid GPT (the
 * reason in pt->note, no partitions). Entries that do not fit inside the
 * device are skipped. */
int ptable_read(struct blockdev *bd, struct ptable *pt);
/* The partition numbered number, NULL if none. */
const struct ptable_part *ptable_find(const struct ptable *pt, int number);
/* "RAW", "MBR", "GPT" (Get-Disk's PartitionStyle). */
const char *ptable_style_name(enum ptable_style s);

#endif
