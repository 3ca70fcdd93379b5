/*
 * disk: the parent's disk registry and the hardware structures its drivers
 * read (ATA IDENTIFY data, bus-master PRD entries).
 *
 * Each disk is a struct blockdev (storage/blockdev.h, byte-addressed) plus
 * what Get-Disk shows: number, model, serial, size, partition table and
 * what the disk is used for. Drivers (ATA, ATAPI, AHCI) register disks
 * with disk_register, which reads the partition table through the
 * portable storage/ptable.h; disk_scan probes the controllers. Errors are
 * negative errno values.
 */
#ifndef PARENT_DRIVERS_DISK_H
#define PARENT_DRIVERS_DISK_H

#include <stdbool.h>
#include <stdint.h>
#include "storage/blockdev.h"
#include "storage/ptable.h"

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

/* ---- Registry ------------------------------------------------------------- */

#define DISK_MAX        8
#define DISK_MODEL_MAX  41
#define DISK_SERIAL_MAX 21

enum disk_use { DISK_USE_NONE, DISK_USE_HOST_VOLUME, DISK_USE_VM, DISK_USE_MOUNTED_VHD };

struct disk {
	int number;
	char model[DISK_MODEL_MAX];
	char serial[DISK_SERIAL_MAX];
	char bus[16];          /* "ATA", "VHD" */
	char location[24];     /* "ata0-master", a VHD path's base name */
	struct blockdev bd;
	struct ptable table;   /* style, partitions, and why a table was ignored */
	char part_volume[PTABLE_PART_MAX]; /* drive letter of table.parts[i], 0 if none */
	enum disk_use use;
	char volume;           /* drive letter on the whole disk, 0 if none */
	/* Set-Disk -IsOffline: no volume of it is mounted while set; a VM
	 * may have it as a pass-through disk only then (use DISK_USE_VM
	 * while the VM runs). Every disk is online at boot. */
	bool offline;
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
/* A drive letter on the disk or one of its partitions (0 if none). */
char disk_mounted_letter(const struct disk *d);
/* Set-Disk -IsOffline: offline is refused (-EBUSY) while a volume of the
 * disk is mounted (the host volume, a mounted VHD's drive), online while
 * a VM has it (DISK_USE_VM). Callers refuse more (an attached disk). */
int disk_set_offline(struct disk *d, bool offline);
/* A VM starts with disk d passed through: -ENODEV for a CD/DVD drive,
 * -EBUSY unless d is offline and no other VM has it; then d's use is
 * DISK_USE_VM until disk_release_vm. */
int disk_claim_vm(struct disk *d);
void disk_release_vm(struct disk *d);

#endif
