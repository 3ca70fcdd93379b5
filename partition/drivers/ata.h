/*
 * ata: ATA disks on the legacy IDE channels (0x1f0/0x3f6, 0x170/0x376),
 * PIO and bus-master DMA transfers with polling, LBA28 and LBA48 (T13
 * ATA-6). DMA is used when a PCI IDE controller in compatibility mode with
 * a bus master is found (PIIX3 in Bochs and QEMU), PIO otherwise. Each disk
 * found becomes a struct blockdev registered with the disk registry.
 * Interrupts stay off (nIEN), so nothing here runs in interrupt context.
 */
#ifndef PARENT_DRIVERS_ATA_H
#define PARENT_DRIVERS_ATA_H

#include <stdint.h>
#include "storage/blockdev.h"
#include "partition/drivers/disk.h"

#define ATA_SECTOR 512u

struct ata_dev {
	uint16_t io, ctl;      /* command block and control block bases */
	uint8_t slave;         /* 0 master, 1 slave */
	uint8_t lba48;         /* 48-bit Address feature set supported */
	uint8_t dma;           /* bus-master DMA in use */
	uint16_t bm;           /* this channel's bus-master registers, 0 if none */
	uint64_t sectors;
	char model[DISK_MODEL_MAX];
	char serial[DISK_SERIAL_MAX];
	char location[24];
};

/* Probe both channels, register each ATA disk with disk_register; returns
 * the number of disks found. Devices with the PACKET signature are then
 * handed to atapi_probe_device (CD/DVD drives, partition/drivers/atapi.h),
 * so they are numbered after the disks. */
int ata_probe_all(void);
/* Sector I/O: count sectors from lba, buffer of count * 512 bytes. */
int ata_read_sectors(struct ata_dev *d, uint64_t lba, uint32_t count, void *buf);
int ata_write_sectors(struct ata_dev *d, uint64_t lba, uint32_t count, const void *buf);
int ata_flush_cache(struct ata_dev *d);
/* Bus-master DMA transfer through the driver's 64 KiB bounce buffer: at
 * most ATA_DMA_MAX sectors; -ENODEV when the device has no DMA. */
#define ATA_DMA_MAX 128u
int ata_dma_read(struct ata_dev *d, uint64_t lba, uint32_t count, void *buf);
int ata_dma_write(struct ata_dev *d, uint64_t lba, uint32_t count, const void *buf);
/* Wraps the device as a block device (byte offsets, partial sectors are
 * read-modify-written). */
void ata_blockdev_make(struct ata_dev *d, struct blockdev *out);

#endif
