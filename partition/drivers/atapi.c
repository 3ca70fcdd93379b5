/*
 * ATAPI driver: PIO PACKET commands to CD/DVD drives on the legacy IDE
 * channels, polled (nIEN set by the ATA probe). The PACKET command and
 * its register usage follow ATA8-ACS ("PACKET A0h", "IDENTIFY PACKET
 * DEVICE A1h"); the host side of the exchange follows the PACKET protocol
 * of ATA8-APT (transport: BSY/DRQ handshake, the interrupt reason in the
 * Sector Count register, the byte count in LBA Mid/High); the commands
 * carried inside are SPC-3, SBC-2 and MMC-5. Every wait is bounded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "partition/arch/cpu.h"
#include "partition/drivers/ata_string.h"
#include "partition/drivers/atapi.h"
#include "partition/vm.h"

/* Command block registers (ATA8-APT "Command block registers"). For
 * PACKET, Features carries the DMA flag, Sector Count the interrupt reason
 * and LBA Mid/High the byte count (ATA8-ACS PACKET: inputs and outputs). */
#define REG_DATA    0
#define REG_ERROR   1
#define REG_FEATURE 1
#define REG_REASON  2
#define REG_LBA0    3
#define REG_BCOUNT_LO 4
#define REG_BCOUNT_HI 5
#define REG_DEVICE  6
#define REG_STATUS  7
#define REG_COMMAND 7
#define REG_ALTSTATUS 0

/* Status bits (ATA8-ACS "Status field"); for PACKET commands bit 0 is CHK. */
#define ST_CHK  0x01u
#define ST_DRQ  0x08u
#define ST_DF   0x20u
#define ST_BSY  0x80u
/* Interrupt reason (ATA8-ACS PACKET outputs, Sector Count register):
 * CoD 1 = command packet / status, IO 1 = to the host. */
#define IR_COD  0x01u
#define IR_IO   0x02u
/* Error register bits 7:4 hold the sense key after CHK (ATA8-ACS PACKET). */
#define ERR_SENSE_SHIFT 4

#define DEV_OBS   0xa0u
#define DEV_SLAVE 0x10u

#define CMD_DEVICE_RESET    0x08   /* ATA8-ACS DEVICE RESET */
#define CMD_PACKET          0xa0
#define CMD_IDENTIFY_PACKET 0xa1

/* Byte count limit per DRQ block: even, below 64 KiB (ATA8-ACS PACKET:
 * 0xFFFF is treated as 0xFFFE). */
#define ATAPI_BYTE_LIMIT 0xfffeu
#define ATAPI_TIMEOUT_MS 10000u
#define ATAPI_READY_TRIES 4

static uint64_t atapi_ticks(unsigned ms)
{
	uint64_t hz = parent_tsc_hz ? parent_tsc_hz : 1000000000ull;

	return hz / 1000 * ms;
}

/* Status is valid 400 ns after a command or device selection (ATA8-APT):
 * four reads of the alternate status register. */
static void atapi_delay400(const struct atapi_dev *d)
{
	for (int i = 0; i < 4; i++)
		(void)pio_inb(d->ctl + REG_ALTSTATUS);
}

/* Waits for BSY clear and returns the status, or -ETIMEDOUT / -ENODEV. */
static int atapi_wait_idle(const struct atapi_dev *d, unsigned ms)
{
	uint64_t start = cpu_rdtsc(), lim = atapi_ticks(ms);

	for (;;) {
		uint8_t st = pio_inb(d->io + REG_STATUS);

		if (st == 0xff)
			return -ENODEV;
		if (!(st & ST_BSY))
			return st;
		if (cpu_rdtsc() - start > lim)
			return -ETIMEDOUT;
	}
}

/* A drive stuck busy gets DEVICE RESET, which a PACKET device accepts
 * while BSY is set (ATA8-ACS DEVICE RESET); only this device is reset. */
static void atapi_reset(struct atapi_dev *d)
{
	pio_outb(d->io + REG_DEVICE, (uint8_t)(DEV_OBS | (d->slave ? DEV_SLAVE : 0)));
	atapi_delay400(d);
	pio_outb(d->io + REG_COMMAND, CMD_DEVICE_RESET);
	atapi_delay400(d);
	(void)atapi_wait_idle(d, 2000);
}

/* Device selection (ATA8-APT "Device selection protocol"): BSY and DRQ
 * clear before and after writing the Device register. */
static int atapi_select(struct atapi_dev *d)
{
	int st = atapi_wait_idle(d, ATAPI_TIMEOUT_MS);

	if (st >= 0 && (st & ST_DRQ))
		st = -EIO;
	if (st < 0)
		return st;
	pio_outb(d->io + REG_DEVICE, (uint8_t)(DEV_OBS | (d->slave ? DEV_SLAVE : 0)));
	atapi_delay400(d);
	st = atapi_wait_idle(d, ATAPI_TIMEOUT_MS);
	if (st >= 0 && (st & ST_DRQ))
		st = -EIO;
	return st < 0 ? st : 0;
}

/* PACKET protocol, command phase: PIO (Features 0), the byte count limit
 * in LBA Mid/High, command A0h; the device asks for the packet with DRQ=1,
 * CoD=1, IO=0, and takes it as six words. */
static int atapi_send_packet(struct atapi_dev *d, const struct atapi_cdb *cdb, uint16_t limit)
{
	int st = atapi_select(d);

	if (st)
		return st;
	pio_outb(d->io + REG_FEATURE, 0);
	pio_outb(d->io + REG_REASON, 0);
	pio_outb(d->io + REG_BCOUNT_LO, (uint8_t)limit);
	pio_outb(d->io + REG_BCOUNT_HI, (uint8_t)(limit >> 8));
	pio_outb(d->io + REG_COMMAND, CMD_PACKET);
	atapi_delay400(d);
	st = atapi_wait_idle(d, ATAPI_TIMEOUT_MS);
	if (st < 0)
		return st;
	if (st & ST_CHK)
		return -EIO;
	if (!(st & ST_DRQ) ||
	    (pio_inb(d->io + REG_REASON) & (IR_COD | IR_IO)) != IR_COD)
		return -EPROTO;
	for (int i = 0; i < ATAPI_CDB_LEN; i += 2)
		pio_outw(d->io + REG_DATA, (uint16_t)(cdb->b[i] | cdb->b[i + 1] << 8));
	return 0;
}

/* One DRQ data block: the device sets the byte count it will move; we
 * take all of it (the data register must be drained) and keep what fits. */
static uint32_t atapi_take_block(struct atapi_dev *d, uint8_t *buf, uint32_t len, uint32_t got)
{
	uint32_t n = pio_inb(d->io + REG_BCOUNT_LO) | (uint32_t)pio_inb(d->io + REG_BCOUNT_HI) << 8;

	for (uint32_t i = 0; i < n; i += 2) {
		uint16_t w = pio_inw(d->io + REG_DATA);

		if (got + i < len)
			buf[got + i] = (uint8_t)w;
		if (got + i + 1 < len && i + 1 < n)
			buf[got + i + 1] = (uint8_t)(w >> 8);
	}
	return n;
}

/* Data and status phases: each DRQ=1 with IO=1, CoD=0 is a data block;
 * BSY=0, DRQ=0 ends the command (CoD=1, IO=1 then); CHK reports a CHECK
 * CONDITION whose sense key is in the Error register. */
static int atapi_data_phase(struct atapi_dev *d, void *buf, uint32_t len)
{
	uint64_t start = cpu_rdtsc(), lim = atapi_ticks(ATAPI_TIMEOUT_MS);
	uint32_t got = 0;

	for (;;) {
		int st;

		atapi_delay400(d);
		st = atapi_wait_idle(d, ATAPI_TIMEOUT_MS);
		if (st < 0)
			return st;
		if (st & (ST_CHK | ST_DF)) {
			d->sense_key = (uint8_t)(pio_inb(d->io + REG_ERROR) >> ERR_SENSE_SHIFT);
			return -EIO;
		}
		if (!(st & ST_DRQ))
			return (int)(got < len ? got : len);
		if ((pio_inb(d->io + REG_REASON) & (IR_COD | IR_IO)) != IR_IO)
			return -EPROTO;   /* only data-in commands are issued */
		if (cpu_rdtsc() - start > lim)
			return -ETIMEDOUT;
		got += atapi_take_block(d, buf, len, got);
	}
}

int atapi_packet_run(struct atapi_dev *d, const struct atapi_cdb *cdb, void *buf, uint32_t len)
{
	uint16_t limit = len && len < ATAPI_BYTE_LIMIT ? (uint16_t)((len + 1) & ~1u) : ATAPI_BYTE_LIMIT;
	int rc = atapi_send_packet(d, cdb, limit);

	if (!rc)
		rc = atapi_data_phase(d, buf, len);
	if (rc == -ETIMEDOUT || rc == -EPROTO)
		atapi_reset(d);   /* leave the drive usable for the next command */
	return rc;
}

int atapi_request_sense(struct atapi_dev *d)
{
	struct atapi_cdb cdb = { { SCSI_REQUEST_SENSE } };
	struct scsi_sense s;
	int rc;

	memset(&s, 0, sizeof(s));
	cdb.b[SCSI_SENSE_ALLOC] = sizeof(s);
	rc = atapi_packet_run(d, &cdb, &s, sizeof(s));
	if (rc < 0)
		return rc;
	/* SPC-3 4.5.3: response codes 70h and 71h are fixed format. */
	if (rc < 14 || ((s.response & SCSI_SENSE_RESPONSE_MASK) != 0x70 &&
			(s.response & SCSI_SENSE_RESPONSE_MASK) != 0x71))
		return -EPROTO;
	d->sense_key = s.key & SCSI_SENSE_KEY_MASK;
	d->asc = s.asc;
	d->ascq = s.ascq;
	return 0;
}

/* A command, with REQUEST SENSE after a CHECK CONDITION (SPC-3: sense
 * data describe the last command that ended with CHECK CONDITION). */
static int atapi_command(struct atapi_dev *d, const struct atapi_cdb *cdb, void *buf, uint32_t len)
{
	int rc = atapi_packet_run(d, cdb, buf, len);

	if (rc != -EIO)
		return rc;
	if (atapi_request_sense(d))
		return -EIO;
	if (d->sense_key == SCSI_KEY_NOT_READY && d->asc == SCSI_ASC_NO_MEDIUM)
		return -ENXIO;
	return -EIO;
}

/* TEST UNIT READY; UNIT ATTENTION (after reset or a medium change) and a
 * becoming-ready NOT READY are retried a few times. */
int atapi_test_unit_ready(struct atapi_dev *d)
{
	struct atapi_cdb cdb = { { SCSI_TEST_UNIT_READY } };
	int rc = -EIO;

	for (int i = 0; i < ATAPI_READY_TRIES; i++) {
		rc = atapi_command(d, &cdb, NULL, 0);
		if (rc != -EIO || (d->sense_key != SCSI_KEY_UNIT_ATTENTION &&
				   d->sense_key != SCSI_KEY_NOT_READY))
			break;
	}
	return rc < 0 ? rc : 0;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

int atapi_read_capacity(struct atapi_dev *d)
{
	struct atapi_cdb cdb = { { SCSI_READ_CAPACITY10 } };
	struct scsi_capacity10 cap;
	int rc = atapi_command(d, &cdb, &cap, sizeof(cap));

	if (rc < 0)
		return rc;
	if (rc < (int)sizeof(cap))
		return -EPROTO;
	/* MMC-5: the block length of CD/DVD data is 2048 bytes. */
	if (get_be32(cap.block_len) != ATAPI_SECTOR)
		return -ENOTSUP;
	if (get_be32(cap.last_lba) == 0xffffffffu)
		return -EFBIG;
	d->blocks = get_be32(cap.last_lba) + 1;
	return 0;
}

int atapi_read_sectors(struct atapi_dev *d, uint32_t lba, uint32_t count, void *buf)
{
	struct atapi_cdb cdb = { { SCSI_READ10 } };
	int rc;

	if (!count || count > ATAPI_BURST || lba >= d->blocks || count > d->blocks - lba)
		return -EINVAL;
	put_be32(&cdb.b[SCSI_READ10_LBA], lba);
	cdb.b[SCSI_READ10_COUNT] = (uint8_t)(count >> 8);
	cdb.b[SCSI_READ10_COUNT + 1] = (uint8_t)count;
	rc = atapi_command(d, &cdb, buf, count * ATAPI_SECTOR);
	if (rc < 0)
		return rc;
	return rc == (int)(count * ATAPI_SECTOR) ? 0 : -EIO;
}

/* ---- Block-device adapter: read-only, byte offsets ------------------------ */

static int atapi_bd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct atapi_dev *d = ctx;
	uint8_t *p = buf, *sec = NULL;
	int rc = 0;

	while (len && !rc) {
		uint64_t lba = off / ATAPI_SECTOR;
		size_t in = (size_t)(off % ATAPI_SECTOR), n;

		if (in || len < ATAPI_SECTOR) {
			if (!sec && !(sec = malloc(ATAPI_SECTOR)))
				return -ENOMEM;
			n = ATAPI_SECTOR - in < len ? ATAPI_SECTOR - in : len;
			rc = atapi_read_sectors(d, (uint32_t)lba, 1, sec);
			if (!rc)
				memcpy(p, sec + in, n);
		} else {
			uint64_t cnt = len / ATAPI_SECTOR;

			cnt = cnt > ATAPI_BURST ? ATAPI_BURST : cnt;
			n = (size_t)cnt * ATAPI_SECTOR;
			rc = atapi_read_sectors(d, (uint32_t)lba, (uint32_t)cnt, p);
		}
		p += n, off += n, len -= n;
	}
	free(sec);
	return rc;
}

/* Optical media are read-only here: blockdev_write refuses them first
 * (read_only), and this backstop keeps any direct caller out. */
static int atapi_bd_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx, (void)off, (void)buf, (void)len;
	return -EROFS;
}

static int atapi_bd_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct blockdev_ops atapi_bd_ops = {
	.read = atapi_bd_read, .write = atapi_bd_write, .flush = atapi_bd_flush, .close = NULL,
};

/* ---- Probe ------------------------------------------------------------------ */

/* IDENTIFY PACKET DEVICE (ATA8-ACS 7.17): PIO data-in of 256 words. Word 0
 * must say ATAPI (bits 15:14 = 10b) with 12-byte packets (bits 1:0 = 00b). */
static int atapi_identify(struct atapi_dev *d, struct ata_identify *id)
{
	int st = atapi_select(d);
	uint16_t g;

	if (st)
		return st;
	pio_outb(d->io + REG_COMMAND, CMD_IDENTIFY_PACKET);
	atapi_delay400(d);
	st = atapi_wait_idle(d, 2000);
	if (st < 0)
		return st;
	if ((st & (ST_CHK | ST_DF)) || !(st & ST_DRQ))
		return -EIO;
	for (int i = 0; i < ATA_ID_WORDS; i++)
		id->word[i] = pio_inw(d->io + REG_DATA);
	(void)atapi_wait_idle(d, 2000);
	g = id->word[ATAPI_ID_GENCONF];
	if ((g & ATAPI_ID_GENCONF_PROTO) != ATAPI_ID_GENCONF_ATAPI || (g & ATAPI_ID_GENCONF_PKTLEN))
		return -ENODEV;
	return (g & ATAPI_ID_GENCONF_TYPE) >> ATAPI_ID_GENCONF_TYPE_SHIFT;
}

static int atapi_register(struct atapi_dev *d)
{
	struct blockdev bd;

	memset(&bd, 0, sizeof(bd));
	bd.ops = &atapi_bd_ops;
	bd.ctx = d;
	bd.size = (uint64_t)d->blocks * ATAPI_SECTOR;
	bd.sector_size = ATAPI_SECTOR;
	bd.read_only = 1;
	printf("atapi: %s: %s, %lu sectors of 2048 bytes (%llu MiB), read-only\n", d->location,
	       d->model, (unsigned long)d->blocks, (unsigned long long)(bd.size >> 20));
	return disk_register(&bd, "ATAPI", d->location, d->model, d->serial) != NULL;
}

int atapi_probe_device(uint16_t io, uint16_t ctl, int slave, const char *location)
{
	struct ata_identify id;
	struct atapi_dev *d;
	int type, rc;

	if (!(d = calloc(1, sizeof(*d))))
		return 0;
	d->io = io, d->ctl = ctl, d->slave = (uint8_t)slave;
	snprintf(d->location, sizeof(d->location), "%s", location);
	type = atapi_identify(d, &id);
	if (type < 0 || type != ATAPI_TYPE_CDROM) {
		printf("atapi: %s: not a CD/DVD drive (%d); skipped\n", location, type);
		free(d);
		return 0;
	}
	ata_string_decode(&id.word[ATA_ID_MODEL], 20, d->model);
	ata_string_decode(&id.word[ATA_ID_SERIAL], 10, d->serial);
	rc = atapi_test_unit_ready(d);
	if (!rc)
		rc = atapi_read_capacity(d);
	if (rc || !d->blocks || !atapi_register(d)) {
		printf("atapi: %s: %s: no usable medium (%d, sense %x/%02x/%02x)\n", location,
		       d->model, rc, d->sense_key, d->asc, d->ascq);
		free(d);
		return 0;
	}
	return 1;
}
