/*
 * disk: the parent's disk registry and the on-disk hardware structures its
 * drivers read (ATA IDENTIFY data, bus-master PRD entries, MBR and GPT).
 *
 * Each disk is a struct blockdev (storage/blockdev.h, byte-addressed) plus
 * what Get-Disk shows: number, model, serial, size, partition style and
 * partitions, and what the disk is used for. Drivers (ATA today) register
 * disks with disk_register; disk_scan probes the controllers and reads the
 * partition tables. Errors are negative errno values.
 */
#ifndef PARENT_DRIVERS_DISK_H
#define PARENT_DRIVERS_DISK_H

#include <stdint.h>
#include "storage/blockdev.h"

/* ---- Hardware structures -------------------------------------------------- */

/* ATA IDENTIFY DEVICE data: 256 little-endian words (ATA/ATAPI-8 ACS 7.16.7).
 * Only the words we read are named; strings are big-endian byte pairs. */
#define ATA_ID_WORDS         256
#define ATA_ID_SERIAL        10   /* words 10-19: serial number, 20 chars */
#define ATA_ID_FIRMWARE      23   /* words 23-26: firmware revision, 8 chars */
#define ATA_ID_MODEL         27   /* words 27-46: model number, 40 chars */
#define ATA_ID_CAPS          49   /* capabilities */
#define ATA_ID_CAPS_LBA      0x0200u   /* word 49 bit 9: LBA supported */
#define ATA_ID_CAPS_DMA      0x0100u   /* word 49 bit 8: DMA supported */
#define ATA_ID_LBA28_SECTORS 60   /* words 60-61: user addressable sectors (LBA28) */
#define ATA_ID_CMDSET2       83   /* commands and feature sets supported */
#define ATA_ID_CMDSET2_LBA48 0x0400u   /* word 83 bit 10: 48-bit Address feature set (T13 ATA-6) */
#define ATA_ID_CMDSET5       86   /* commands and feature sets enabled */
#define ATA_ID_LBA48_SECTORS 100  /* words 100-103: max user LBA for 48-bit (T13 ATA-6) */

struct ata_identify {
	uint16_t word[ATA_ID_WORDS];
};
_Static_assert(sizeof(struct ata_identify) == 512, "IDENTIFY data is one sector");

/* Bus-master IDE physical region descriptor (SFF-8038i / ATA host adapter
 * standard): a 32-bit physical base, a byte count (0 = 64 KiB) and bit 15 of
 * the last word marking the end of the table. */
struct ata_prd {
	uint32_t base;
	uint16_t count;
	uint16_t flags;
};
_Static_assert(sizeof(struct ata_prd) == 8, "PRD entry");
#define ATA_PRD_EOT 0x8000u

/* Master Boot Record: four 16-byte partition entries at offset 446 and the
 * signature 0x55 0xAA at 510 (UEFI spec 2.x, 5.2.1 "Legacy MBR"). */
#define MBR_SIG_OFFSET   510
#define MBR_TABLE_OFFSET 446
#define MBR_TYPE_EMPTY   0x00
#define MBR_TYPE_GPT_PROTECTIVE 0xee   /* UEFI spec 5.2.3 "Protective MBR" */
#define MBR_TYPE_EXTENDED_CHS 0x05
#define MBR_TYPE_EXTENDED_LBA 0x0f
#define MBR_TYPE_LINUX   0x83

struct mbr_entry {
	uint8_t boot;          /* 0x80 = bootable */
	uint8_t chs_first[3];
	uint8_t type;
	uint8_t chs_last[3];
	uint8_t lba_first[4];  /* little-endian, unaligned in the sector */
	uint8_t sectors[4];
};
_Static_assert(sizeof(struct mbr_entry) == 16, "MBR partition entry");

/* GPT header at LBA 1 (UEFI spec 2.x, 5.3.2 "GPT Header"). */
#define GPT_SIGNATURE "EFI PART"
struct gpt_header {
	char signature[8];
	uint32_t revision;
	uint32_t header_size;      /* 92 .. sector size */
	uint32_t header_crc32;     /* CRC32 of header_size bytes, this field 0 */
	uint32_t reserved;
	uint64_t my_lba, alternate_lba, first_usable_lba, last_usable_lba;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t entry_count;
	uint32_t entry_size;       /* 128 * 2^n */
	uint32_t entries_crc32;
} __attribute__((packed));
_Static_assert(sizeof(struct gpt_header) == 92, "GPT header");

/* GPT partition entry (UEFI spec 2.x, 5.3.3 "GPT Partition Entry Array"). */
struct gpt_entry {
	uint8_t type_guid[16];     /* all zero: unused entry */
	uint8_t unique_guid[16];
	uint64_t first_lba, last_lba; /* inclusive */
	uint64_t attributes;
	uint16_t name[36];         /* UTF-16LE */
} __attribute__((packed));
_Static_assert(sizeof(struct gpt_entry) == 128, "GPT partition entry");

/* ---- Registry ------------------------------------------------------------- */

#define DISK_MAX        8
#define DISK_PART_MAX   16
#define DISK_MODEL_MAX  41
#define DISK_SERIAL_MAX 21

enum disk_style { DISK_STYLE_RAW, DISK_STYLE_MBR, DISK_STYLE_GPT };
enum disk_use { DISK_USE_OFFLINE, DISK_USE_HOST_VOLUME, DISK_USE_VM, DISK_USE_MOUNTED_VHD };

struct disk_part {
	int number;            /* 1-based, as Windows numbers partitions */
	uint64_t offset, size; /* bytes */
	uint8_t mbr_type;      /* MBR type byte, 0 for GPT */
	char type[40];         /* "Linux (0x83)", "Linux filesystem", ... */
	char volume;           /* drive letter mounted from it, 0 if none */
};

struct disk {
	int number;
	char model[DISK_MODEL_MAX];
	char serial[DISK_SERIAL_MAX];
	char bus[16];          /* "ATA", "VHD" */
	char location[24];     /* "ata0-master", a VHD path's base name */
	struct blockdev bd;
	enum disk_style style;
	int nparts;
	struct disk_part parts[DISK_PART_MAX];
	enum disk_use use;
	char volume;           /* drive letter on the whole disk, 0 if none */
	char note[64];         /* why a table was ignored, "" if all is well */
};

/* Probe the ATA channels and read every disk's partition table. */
void disk_scan(void);
/* Add a disk (the registry copies bd and owns it from then on); reads its
 * partition table. Returns the disk or NULL when the registry is full. */
struct disk *disk_register(const struct blockdev *bd, const char *bus,
			   const char *location, const char *model,
			   const char *serial);
/* Remove a disk that is not in use (Dismount-VHD); closes its blockdev. */
int disk_unregister(struct disk *d);
int disk_count(void);
struct disk *disk_at(int i);           /* NULL past the end */
struct disk *disk_find(int number);    /* NULL if none */
const char *disk_use_name(enum disk_use u);
const char *disk_style_name(enum disk_style s);
/* Re-read the partition table (after the disk changed). */
int disk_read_partitions(struct disk *d);

#endif
