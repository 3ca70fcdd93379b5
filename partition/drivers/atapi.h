/*
 * atapi: ATAPI (PACKET) devices on the legacy IDE channels, in practice
 * CD/DVD drives. PIO PACKET commands only, polled with nIEN set, every wait
 * bounded by a timeout. Commands used: TEST UNIT READY, REQUEST SENSE
 * (SPC-3), READ CAPACITY(10) and READ(10) (MMC-5 / SBC-2). A drive with a
 * medium becomes a read-only disk of 2048-byte sectors in the disk registry.
 *
 * All on-wire structures this driver reads or writes are in this header:
 * IDENTIFY PACKET DEVICE words, the 12-byte command packet, fixed-format
 * sense data and READ CAPACITY data. Multi-byte SCSI fields are big-endian
 * byte arrays (SPC-3 3.5 "Bit and byte ordering"). Errors are negative errno.
 */
#ifndef PARENT_DRIVERS_ATAPI_H
#define PARENT_DRIVERS_ATAPI_H

#include <stdint.h>
#include "partition/drivers/disk.h"

#define ATAPI_SECTOR 2048u   /* MMC-5: a CD/DVD logical block */

/* Signature a PACKET device leaves in LBA mid/high after reset and after
 * aborting IDENTIFY DEVICE (ATA8-ACS 9.12 "Signature and persistence"). */
#define ATAPI_SIG_MID  0x14u
#define ATAPI_SIG_HIGH 0xebu

/* ---- IDENTIFY PACKET DEVICE data (ATA8-ACS 7.17.7) ------------------------ */
/* Same 256-word layout as struct ata_identify; words we read: */
#define ATAPI_ID_GENCONF        0      /* word 0: general configuration */
#define ATAPI_ID_GENCONF_PROTO  0xc000u /* bits 15:14: 10b = ATAPI device */
#define ATAPI_ID_GENCONF_ATAPI  0x8000u
#define ATAPI_ID_GENCONF_TYPE   0x1f00u /* bits 12:8: SCSI peripheral device type */
#define ATAPI_ID_GENCONF_TYPE_SHIFT 8
#define ATAPI_ID_GENCONF_PKTLEN 0x0003u /* bits 1:0: 00b = 12-byte packets */
#define ATAPI_TYPE_CDROM        0x05u   /* SPC-3 peripheral device type: CD/DVD (MMC) */
/* Serial (words 10-19) and model (27-46) as in ATA_ID_SERIAL/ATA_ID_MODEL. */

/* ---- Command packet (ATA8-ACS PACKET A0h: 12 bytes, word 0 first) ------ */
#define ATAPI_CDB_LEN 12
struct atapi_cdb {
	uint8_t b[ATAPI_CDB_LEN];
};
_Static_assert(sizeof(struct atapi_cdb) == 12, "ATAPI command packet");

/* Operation codes. */
#define SCSI_TEST_UNIT_READY  0x00   /* SPC-3 TEST UNIT READY */
#define SCSI_REQUEST_SENSE    0x03   /* SPC-3 REQUEST SENSE */
#define SCSI_READ_CAPACITY10  0x25   /* SBC-2 / MMC-5 READ CAPACITY */
#define SCSI_READ10           0x28   /* SBC-2 / MMC-5 READ (10) */
/* READ(10): LBA in bytes 2-5, transfer length (blocks) in bytes 7-8. */
#define SCSI_READ10_LBA   2
#define SCSI_READ10_COUNT 7
/* REQUEST SENSE: allocation length in byte 4. */
#define SCSI_SENSE_ALLOC  4

/* ---- Fixed-format sense data (SPC-3 4.5.3 "Fixed format sense data") -------------------------------- */
struct scsi_sense {
	uint8_t response;        /* bits 6:0: 0x70 current, 0x71 deferred */
	uint8_t obsolete;
	uint8_t key;             /* bits 3:0: sense key */
	uint8_t info[4];
	uint8_t add_len;         /* additional sense length (n - 7) */
	uint8_t cmd_info[4];
	uint8_t asc, ascq;       /* additional sense code and qualifier */
	uint8_t fru;
	uint8_t key_specific[3];
};
_Static_assert(sizeof(struct scsi_sense) == 18, "fixed sense data");
#define SCSI_SENSE_RESPONSE_MASK 0x7fu
#define SCSI_SENSE_KEY_MASK      0x0fu
/* Sense keys (SPC-3 "Sense key descriptions"). */
#define SCSI_KEY_NO_SENSE        0x0
#define SCSI_KEY_NOT_READY       0x2
#define SCSI_KEY_MEDIUM_ERROR    0x3
#define SCSI_KEY_ILLEGAL_REQUEST 0x5
#define SCSI_KEY_UNIT_ATTENTION  0x6
#define SCSI_KEY_DATA_PROTECT    0x7
#define SCSI_ASC_NO_MEDIUM       0x3a  /* SPC-3 ASC list: MEDIUM NOT PRESENT */

/* ---- READ CAPACITY(10) data (SBC-2 READ CAPACITY (10) parameter data) -------------------------------- */
struct scsi_capacity10 {
	uint8_t last_lba[4];     /* big-endian: the last logical block */
	uint8_t block_len[4];    /* big-endian: bytes per block */
};
_Static_assert(sizeof(struct scsi_capacity10) == 8, "READ CAPACITY(10) data");

/* ---- Driver ---------------------------------------------------------------- */

struct atapi_dev {
	uint16_t io, ctl;        /* command and control block bases */
	uint8_t slave;
	uint8_t sense_key, asc, ascq;   /* from the last REQUEST SENSE */
	uint32_t blocks;         /* READ CAPACITY last LBA + 1 */
	char model[DISK_MODEL_MAX];
	char serial[DISK_SERIAL_MAX];
	char location[24];
};

/* Called by the ATA probe, after the ATA disks, for a device that aborted
 * IDENTIFY DEVICE with the PACKET signature in LBA mid/high: identifies
 * the drive, reads its capacity and registers it (bus "ATAPI", read-only,
 * 2048-byte sectors). 1 if registered, else 0. */
int atapi_probe_device(uint16_t io, uint16_t ctl, int slave, const char *location);
/* One PIO PACKET command: cdb in, up to len bytes of data in (len 0: no
 * data). Returns the bytes received, -EIO on CHECK CONDITION (sense in
 * d->sense_key/asc/ascq), -ENXIO (no medium), -ETIMEDOUT, -ENODEV. */
int atapi_packet_run(struct atapi_dev *d, const struct atapi_cdb *cdb, void *buf, uint32_t len);
int atapi_test_unit_ready(struct atapi_dev *d);
int atapi_request_sense(struct atapi_dev *d);
/* Sets d->blocks; -ENOTSUP if the block length is not 2048. */
int atapi_read_capacity(struct atapi_dev *d);
/* count 2048-byte blocks from lba into buf (count <= ATAPI_BURST). */
#define ATAPI_BURST 32u
int atapi_read_sectors(struct atapi_dev *d, uint32_t lba, uint32_t count, void *buf);

#endif
