/*
 * ide_atapi: an ATAPI CD-ROM on an IDE channel ("Msft Virtual CD/ROM",
 * as Hyper-V's DVD drive of a generation 1 VM), its medium a read-only
 * struct blockdev of 2048-byte blocks (an ISO file).
 *
 * Transport: the PACKET command feature set of ATA/ATAPI-6 (T13/1410D):
 * 8.21 PACKET (Features bit 0 DMA, the byte count limit in the cylinder
 * registers, the interrupt reason I/O and C/D in the sector count
 * register) and 9.10/9.11, the PIO and DMA packet protocols: the
 * 12-byte command packet is taken with DRQ and C/D set and no
 * interrupt (IDENTIFY PACKET DEVICE word 0 says "DRQ within 50 us");
 * each PIO data-in DRQ block is at most the byte count limit (an odd
 * limit counts as the even number below it), announced in the cylinder
 * registers with I/O set and an interrupt; the status phase sets I/O
 * and C/D and interrupts. A CHECK CONDITION sets ERR with the sense key
 * in the Error register's bits 7:4.
 *
 * Commands: one table indexed by operation code, the unhandled entry
 * answering CHECK CONDITION ILLEGAL REQUEST / INVALID COMMAND OPERATION
 * CODE (05/20/00); sense data per SPC-3 "Sense data" (fixed format), commands
 * per MMC-5 (T10/1675-D) and SPC-3 (T10/1416-D). A pending UNIT
 * ATTENTION (a new medium, 06/28/00) fails the next command except
 * those that MMC-5 and SPC-3 ("Unit attention condition") exempt (INQUIRY, REQUEST
 * SENSE, GET CONFIGURATION, GET EVENT STATUS NOTIFICATION). Sense data
 * lasts until the next command that is not REQUEST SENSE.
 */
#include <errno.h>
#include <string.h>

#include "partition/devices/ide.h"

/* Operation codes (MMC-5 and SPC-3, the operation code tables). */
enum {
	SCSI_TEST_UNIT_READY = 0x00, SCSI_REQUEST_SENSE = 0x03, SCSI_INQUIRY = 0x12,
	SCSI_START_STOP = 0x1b, SCSI_PREVENT_ALLOW = 0x1e, SCSI_READ_CAPACITY = 0x25,
	SCSI_READ10 = 0x28, SCSI_WRITE10 = 0x2a, SCSI_WRITE_VERIFY10 = 0x2e,
	SCSI_READ_TOC = 0x43, SCSI_GET_CONFIGURATION = 0x46, SCSI_GET_EVENT_STATUS = 0x4a,
	SCSI_MODE_SENSE10 = 0x5a, SCSI_READ12 = 0xa8, SCSI_WRITE12 = 0xaa,
};

/* Sense keys and additional sense codes (SPC-3, "Sense key and sense code
 * definitions" and the ASC/ASCQ assignments). */
enum {
	KEY_NOT_READY = 0x02, KEY_MEDIUM_ERROR = 0x03, KEY_ILLEGAL_REQUEST = 0x05,
	KEY_UNIT_ATTENTION = 0x06, KEY_DATA_PROTECT = 0x07,
	ASC_UNRECOVERED_READ = 0x11, ASC_INVALID_OPCODE = 0x20, ASC_LBA_RANGE = 0x21,
	ASC_INVALID_FIELD = 0x24, ASC_WRITE_PROTECTED = 0x27, ASC_MEDIUM_CHANGED = 0x28,
	ASC_SAVING_UNSUPPORTED = 0x39, ASC_NO_MEDIUM = 0x3a, ASC_REMOVAL_PREVENTED = 0x53,
};

/* Interrupt reason (ATA/ATAPI-6, PACKET: the Sector Count register's
 * C/D bit 0 and I/O bit 1). */
#define IR_CD 0x01
#define IR_IO 0x02

/* Media event codes (MMC-5, GET EVENT STATUS NOTIFICATION, media class). */
#define EV_NEW_MEDIA     2
#define EV_MEDIA_REMOVAL 3

#define PROFILE_CDROM   0x0008      /* MMC-5, the profile list */
#define MAX_DRQ_BLOCK   0xfffeu

#define ID_MODEL    "Msft Virtual CD/ROM"
#define ID_FIRMWARE "1.0"

enum { F_MEDIUM = 1 << 0, F_NO_UA = 1 << 1 };

struct atapi_cmd {
	void (*run)(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb);
	unsigned flags;
};

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v);
}

/* ---- ending a command ---- */

static void sense_set(struct ide_drive *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
	d->cd.key = key;
	d->cd.asc = asc;
	d->cd.ascq = ascq;
}

/* CHECK CONDITION: ERR, the sense key in Error bits 7:4, ABRT for a
 * command the device refuses as invalid (ATA/ATAPI-6, PACKET "Error
 * outputs"). */
static void check_condition(struct ide_channel *ch, struct ide_drive *d, uint8_t key, uint8_t asc,
			    uint8_t ascq)
{
	sense_set(d, key, asc, ascq);
	ide_fail(ch, d, (uint8_t)(key << 4 | (key == KEY_ILLEGAL_REQUEST ? ATA_E_ABRT : 0)));
}

static void invalid_field(struct ide_channel *ch, struct ide_drive *d)
{
	check_condition(ch, d, KEY_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
}

void ide_atapi_complete(struct ide_channel *ch, struct ide_drive *d)
{
	ide_done(ch, d);
}

/* ---- the data-in phase ---- */

/* The next PIO DRQ block, or the status phase when nothing is left. */
static void pio_next_block(struct ide_channel *ch, struct ide_drive *d)
{
	uint32_t blk = d->cd.bcl & ~1u;

	if (d->cd.total == 0) {
		ide_atapi_complete(ch, d);
		return;
	}
	if (blk > MAX_DRQ_BLOCK)
		blk = MAX_DRQ_BLOCK;
	if (blk > d->cd.total)
		blk = (uint32_t)d->cd.total;
	d->cd.blk_left = blk;
	ch->tf.lbam[0] = (uint8_t)blk;
	ch->tf.lbah[0] = (uint8_t)(blk >> 8);
	ch->tf.count[0] = IR_IO;
	d->status = ATA_DRDY | ATA_DRQ;
	ide_raise(ch, d);
}

/* d->cd.total bytes go to the host: from d->buf (a reply) or the medium
 * (on_disk, d->lba and d->left set). A PIO transfer needs a byte count
 * limit: zero cannot carry data (ATA/ATAPI-6, PACKET "Byte Count":
 * the host shall not give zero), so the command is refused as an invalid field. */
static void data_in(struct ide_channel *ch, struct ide_drive *d)
{
	if (d->cd.total == 0) {
		ide_atapi_complete(ch, d);
		return;
	}
	if (d->cd.dma) {
		d->xfer = IDE_X_DMA_IN;
		ch->tf.count[0] = IR_IO;
		d->status = ATA_DRDY | ATA_DRQ;
		ide_dma_claim(ch, d);
		ide_bm_kick(ch);
		return;
	}
	if ((d->cd.bcl & ~1u) == 0) {
		invalid_field(ch, d);
		return;
	}
	d->xfer = IDE_X_ATAPI_IN;
	pio_next_block(ch, d);
}

/* A reply of len bytes built in d->buf, cut to the allocation length. */
static void reply(struct ide_channel *ch, struct ide_drive *d, uint32_t len, uint32_t alloc)
{
	d->on_disk = false;
	d->pos = 0;
	d->len = len < alloc ? len : alloc;
	d->cd.total = d->len;
	data_in(ch, d);
}

int ide_atapi_fill(struct ide_channel *ch, struct ide_drive *d)
{
	uint32_t n = d->left < IDE_BUF_SIZE / ATAPI_SECTOR ? d->left : IDE_BUF_SIZE / ATAPI_SECTOR;

	if (d->pos < d->len)
		return 0;
	if (!d->cd.medium) {
		check_condition(ch, d, KEY_NOT_READY, ASC_NO_MEDIUM, 0);
		return -EIO;
	}
	if (!d->on_disk || n == 0 ||
	    blockdev_read(d->cd.medium, d->lba * ATAPI_SECTOR, d->buf, n * ATAPI_SECTOR) < 0) {
		check_condition(ch, d, KEY_MEDIUM_ERROR, ASC_UNRECOVERED_READ, 0);
		return -EIO;
	}
	d->pos = 0;
	d->len = n * ATAPI_SECTOR;
	d->lba += n;
	d->left -= n;
	return 0;
}

/* A word of the data register; a block of odd length ends with a
 * padded word (ATA/ATAPI-6, the PACKET PIO data-in protocol: the host
 * reads the rounded-up count). */
uint16_t ide_atapi_data_in(struct ide_channel *ch, struct ide_drive *d)
{
	uint32_t n = d->cd.blk_left < 2 ? d->cd.blk_left : 2;
	uint16_t w;

	if (n == 0 || ide_atapi_fill(ch, d) < 0)
		return 0xffff;
	w = d->buf[d->pos];
	if (n == 2 && d->pos + 1 < d->len)
		w |= (uint16_t)(d->buf[d->pos + 1] << 8);
	d->pos += n;
	d->cd.blk_left -= n;
	d->cd.total -= n;
	if (d->cd.blk_left == 0)
		pio_next_block(ch, d);
	return w;
}

/* ---- the commands ---- */

static void cmd_unhandled(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	(void)cdb;
	check_condition(ch, d, KEY_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
}

static void cmd_good(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	(void)cdb;
	ide_atapi_complete(ch, d);
}

/* REQUEST SENSE (SPC-3): fixed-format sense data (SPC-3), then
 * the sense is cleared; with none, a pending unit attention is
 * reported (and cleared) instead. Descriptor format is not supported. */
static void cmd_request_sense(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	uint8_t *b = d->buf;

	if (cdb[1] & 0x01) {
		invalid_field(ch, d);
		return;
	}
	if (d->cd.key == 0 && d->cd.unit_attention) {
		sense_set(d, KEY_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
		d->cd.unit_attention = false;
	}
	memset(b, 0, 18);
	b[0] = 0x70;
	b[2] = d->cd.key;
	b[7] = 10;
	b[12] = d->cd.asc;
	b[13] = d->cd.ascq;
	sense_set(d, 0, 0, 0);
	reply(ch, d, 18, cdb[4]);
}

static void pad_copy(uint8_t *dst, const char *s, size_t n)
{
	size_t k = strlen(s);

	memset(dst, ' ', n);
	memcpy(dst, s, k < n ? k : n);
}

/* INQUIRY (SPC-3): standard data only (EVPD refused): a removable
 * CD/DVD device (peripheral type 05h, MMC-5), Hyper-V's strings. */
static void cmd_inquiry(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	uint8_t *b = d->buf;

	if ((cdb[1] & 0x01) || cdb[2]) {
		invalid_field(ch, d);
		return;
	}
	memset(b, 0, 36);
	b[0] = 0x05;
	b[1] = 0x80;               /* RMB */
	b[2] = 0x05;               /* SPC-3 */
	b[3] = 0x02;               /* response data format 2 */
	b[4] = 36 - 5;
	pad_copy(b + 8, "Msft", 8);
	pad_copy(b + 16, "Virtual CD/ROM", 16);
	pad_copy(b + 32, ID_FIRMWARE, 4);
	reply(ch, d, 36, be16(cdb + 3));
}

/* READ CAPACITY (MMC-5): the last block and the block length. */
static void cmd_read_capacity(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	(void)cdb;
	put_be32(d->buf, (uint32_t)(d->cd.blocks - 1));
	put_be32(d->buf + 4, ATAPI_SECTOR);
	reply(ch, d, 8, 8);
}

/* READ (10) and READ (12) (MMC-5): the range must lie on
 * the medium (05/21/00 otherwise); a zero length moves nothing. */
static void read_blocks(struct ide_channel *ch, struct ide_drive *d, uint32_t lba, uint32_t n)
{
	if (lba > d->cd.blocks || n > d->cd.blocks - lba) {
		check_condition(ch, d, KEY_ILLEGAL_REQUEST, ASC_LBA_RANGE, 0);
		return;
	}
	d->on_disk = true;
	d->lba = lba;
	d->left = n;
	d->pos = d->len = 0;
	d->cd.total = (uint64_t)n * ATAPI_SECTOR;
	data_in(ch, d);
}

static void cmd_read10(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	read_blocks(ch, d, be32(cdb + 2), be16(cdb + 7));
}

static void cmd_read12(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	read_blocks(ch, d, be32(cdb + 2), be32(cdb + 6));
}

/* WRITE (10), WRITE (12), WRITE AND VERIFY (10): the medium is a
 * CD-ROM: DATA PROTECT / WRITE PROTECTED (SPC-3 ASC 27h/00h). */
static void cmd_write(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	(void)cdb;
	check_condition(ch, d, KEY_DATA_PROTECT, ASC_WRITE_PROTECTED, 0);
}

/* The CD/DVD Capabilities and Mechanical Status page 2Ah (MMC-3, "CD
 * Capabilities and Mechanical Status Page"; MMC-5 keeps it in an
 * annex): reads CD-ROM only, a tray that locks and ejects. changeable: the mask of changeable fields (none). */
static uint32_t page_capabilities(const struct ide_drive *d, uint8_t *p, bool changeable)
{
	memset(p, 0, 20);
	p[0] = 0x2a;
	p[1] = 18;
	if (changeable)
		return 20;
	p[4] = 0x40;                           /* multi-session */
	p[6] = (uint8_t)(0x29 | (d->cd.locked ? 0x02 : 0));  /* tray, eject, lock */
	put_be16(p + 8, 706);                  /* 4x, in kB/s */
	put_be16(p + 12, 512);                 /* buffer, KiB */
	put_be16(p + 14, 706);
	return 20;
}

/* MODE SENSE (10) (SPC-3): the capabilities page (alone or as
 * "all pages"), current, default or changeable values; saved values
 * are not supported (39/00). No block descriptors. */
static void cmd_mode_sense10(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	unsigned pc = cdb[2] >> 6, page = cdb[2] & 0x3f;
	uint32_t len;

	if (pc == 3) {
		check_condition(ch, d, KEY_ILLEGAL_REQUEST, ASC_SAVING_UNSUPPORTED, 0);
		return;
	}
	if ((page != 0x2a && page != 0x3f) || cdb[3]) {
		invalid_field(ch, d);
		return;
	}
	memset(d->buf, 0, 8);
	/* medium type (MMC-3, mode parameter header): 01h 120 mm CD-ROM, 70h door closed, no disc */
	d->buf[2] = d->cd.medium ? 0x01 : 0x70;
	len = 8 + page_capabilities(d, d->buf + 8, pc == 1);
	put_be16(d->buf, len - 2);
	reply(ch, d, len, be16(cdb + 7));
}

/* One TOC track descriptor (MMC-5, READ TOC/PMA/ATIP format 0000b): a data track (ADR 1,
 * control 4), its start as an LBA or as MSF (LBA + 150 frames). */
static void toc_entry(uint8_t *e, uint8_t track, uint32_t lba, bool msf)
{
	uint32_t f = lba + 150;

	memset(e, 0, 8);
	e[1] = 0x14;
	e[2] = track;
	if (!msf) {
		put_be32(e + 4, lba);
		return;
	}
	e[5] = (uint8_t)(f / (60 * 75));
	e[6] = (uint8_t)(f / 75 % 60);
	e[7] = (uint8_t)(f % 75);
}

/* READ TOC/PMA/ATIP (MMC-5): format 0 (the TOC: track 1 and the
 * lead-out, from the starting track on) and format 1 (session info,
 * which Linux's sr asks for through the older format field in byte 9
 * bits 7:6, SFF-8020i). Other formats are refused. */
static void cmd_read_toc(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	bool msf = cdb[1] & 0x02;
	unsigned fmt = cdb[2] & 0x0f, track = cdb[6];
	uint8_t *b = d->buf;
	uint32_t len = 4;

	if (!fmt)
		fmt = cdb[9] >> 6;
	if (fmt > 1 || (fmt == 0 && track > 1 && track != 0xaa)) {
		invalid_field(ch, d);
		return;
	}
	if (fmt == 1 || track <= 1) {
		toc_entry(b + len, 1, 0, msf);
		len += 8;
	}
	if (fmt == 0) {
		toc_entry(b + len, 0xaa, (uint32_t)d->cd.blocks, msf);
		len += 8;
	}
	put_be16(b, len - 2);
	b[2] = b[3] = 1;                       /* first and last track or session */
	reply(ch, d, len, be16(cdb + 7));
}

/* GET CONFIGURATION (MMC-5): the Profile List (0000h: CD-ROM,
 * current with a medium) and Core (0001h: ATAPI; MMC-5, "Core Feature") features;
 * RT 0 all from the starting feature, 1 the current ones, 2 exactly it. */
static uint32_t feature(const struct ide_drive *d, unsigned code, uint8_t *f)
{
	memset(f, 0, 12);
	put_be16(f, code);
	f[2] = 0x03;                           /* persistent, current */
	f[3] = 4;
	if (code == 0) {
		put_be16(f + 4, PROFILE_CDROM);
		f[6] = d->cd.medium ? 0x01 : 0;
	} else {
		put_be32(f + 4, 2);            /* physical interface: ATAPI */
	}
	return 8;
}

static void cmd_get_configuration(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	unsigned rt = cdb[1] & 0x03, start = be16(cdb + 2);
	uint32_t len = 8;

	if (rt == 3) {
		invalid_field(ch, d);
		return;
	}
	memset(d->buf, 0, 8);
	for (unsigned code = 0; code <= 1; code++)
		if (rt == 2 ? code == start : code >= start)
			len += feature(d, code, d->buf + len);
	put_be32(d->buf, len - 4);
	put_be16(d->buf + 6, d->cd.medium ? PROFILE_CDROM : 0);
	reply(ch, d, len, be16(cdb + 7));
}

/* GET EVENT STATUS NOTIFICATION (MMC-5), polled only (asynchronous
 * is refused): the media class, its event reported once. */
static void cmd_get_event_status(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	uint8_t *b = d->buf;

	if (!(cdb[1] & 0x01)) {
		invalid_field(ch, d);
		return;
	}
	memset(b, 0, 8);
	b[3] = 0x10;                           /* supported: media */
	if (!(cdb[4] & 0x10)) {
		b[1] = 2;
		b[2] = 0x80;                   /* NEA: no class asked for is supported */
		reply(ch, d, 4, be16(cdb + 7));
		return;
	}
	b[1] = 6;
	b[2] = 0x04;                           /* media class */
	b[4] = d->cd.media_event;
	b[5] = d->cd.medium ? 0x02 : 0;        /* media present, door closed */
	d->cd.media_event = 0;
	reply(ch, d, 8, be16(cdb + 7));
}

/* PREVENT ALLOW MEDIUM REMOVAL (MMC-5): the guest's lock. */
static void cmd_prevent_allow(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	d->cd.locked = cdb[4] & 0x01;
	ide_atapi_complete(ch, d);
}

/* START STOP UNIT (MMC-5): an eject while locked is refused
 * (05/53/02); otherwise the command succeeds and the medium stays: it
 * is the host's to change (Set-VMDvdDrive), as in Hyper-V. */
static void cmd_start_stop(struct ide_channel *ch, struct ide_drive *d, const uint8_t *cdb)
{
	if ((cdb[4] & 0x03) == 0x02 && d->cd.locked) {
		check_condition(ch, d, KEY_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 0x02);
		return;
	}
	ide_atapi_complete(ch, d);
}

static const struct atapi_cmd atapi_cmds[256] = {
	[SCSI_TEST_UNIT_READY]   = { cmd_good, F_MEDIUM },
	[SCSI_REQUEST_SENSE]     = { cmd_request_sense, F_NO_UA },
	[SCSI_INQUIRY]           = { cmd_inquiry, F_NO_UA },
	[SCSI_START_STOP]        = { cmd_start_stop, 0 },
	[SCSI_PREVENT_ALLOW]     = { cmd_prevent_allow, 0 },
	[SCSI_READ_CAPACITY]     = { cmd_read_capacity, F_MEDIUM },
	[SCSI_READ10]            = { cmd_read10, F_MEDIUM },
	[SCSI_WRITE10]           = { cmd_write, F_MEDIUM },
	[SCSI_WRITE_VERIFY10]    = { cmd_write, F_MEDIUM },
	[SCSI_READ_TOC]          = { cmd_read_toc, F_MEDIUM },
	[SCSI_GET_CONFIGURATION] = { cmd_get_configuration, F_NO_UA },
	[SCSI_GET_EVENT_STATUS]  = { cmd_get_event_status, F_NO_UA },
	[SCSI_MODE_SENSE10]      = { cmd_mode_sense10, 0 },
	[SCSI_READ12]            = { cmd_read12, F_MEDIUM },
	[SCSI_WRITE12]           = { cmd_write, F_MEDIUM },
};

static const struct atapi_cmd atapi_unhandled = { cmd_unhandled, 0 };

/* The packet has arrived: unit attention first, then the medium. */
static void run_cdb(struct ide_channel *ch, struct ide_drive *d)
{
	const uint8_t *cdb = d->cd.cdb;
	const struct atapi_cmd *c = atapi_cmds[cdb[0]].run ? &atapi_cmds[cdb[0]] : &atapi_unhandled;

	d->xfer = IDE_X_NONE;
	d->pos = d->len = 0;
	if (cdb[0] != SCSI_REQUEST_SENSE)
		sense_set(d, 0, 0, 0);
	if (d->cd.unit_attention && !(c->flags & F_NO_UA)) {
		d->cd.unit_attention = false;
		check_condition(ch, d, KEY_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
		return;
	}
	if ((c->flags & F_MEDIUM) && !d->cd.medium) {
		check_condition(ch, d, KEY_NOT_READY, ASC_NO_MEDIUM, 0);
		return;
	}
	c->run(ch, d, cdb);
}

void ide_atapi_data_out(struct ide_channel *ch, struct ide_drive *d, uint16_t w)
{
	if (d->pos + 2 > ATAPI_CDB_LEN)
		return;
	d->cd.cdb[d->pos] = (uint8_t)w;
	d->cd.cdb[d->pos + 1] = (uint8_t)(w >> 8);
	d->pos += 2;
	if (d->pos == ATAPI_CDB_LEN)
		run_cdb(ch, d);
}

/* PACKET (ATA/ATAPI-6, PACKET command): Features bit 0 DMA, bit 1 OVL (overlap is
 * not claimed in IDENTIFY PACKET DEVICE, so it is aborted); then DRQ
 * with C/D set for the command packet, no interrupt. */
void ide_atapi_packet(struct ide_channel *ch, struct ide_drive *d)
{
	d->cd.packet_cmd = true;
	if (ch->tf.feature[0] & 0x02) {
		ide_fail(ch, d, ATA_E_ABRT);
		return;
	}
	d->cd.dma = ch->tf.feature[0] & 0x01;
	d->cd.bcl = (uint16_t)(ch->tf.lbam[0] | ch->tf.lbah[0] << 8);
	memset(d->cd.cdb, 0, sizeof(d->cd.cdb));
	d->xfer = IDE_X_PACKET;
	d->pos = 0;
	d->len = ATAPI_CDB_LEN;
	ch->tf.count[0] = IR_CD;
	d->status = ATA_DRDY | ATA_DRQ;
}

/* IDENTIFY DEVICE (and the disk's media commands) on a PACKET device:
 * ABRT with the signature (ATA/ATAPI-6, IDENTIFY DEVICE). */
void ide_atapi_signature_abort(struct ide_channel *ch, struct ide_drive *d)
{
	ide_fail(ch, d, ATA_E_ABRT);
	ch->tf.count[0] = 0x01;
	ch->tf.lbal[0] = 0x01;
	ch->tf.lbam[0] = 0x14;
	ch->tf.lbah[0] = 0xeb;
}

/* IDENTIFY PACKET DEVICE (ATA/ATAPI-6): word 0 85C0h (ATAPI,
 * CD-ROM, removable, DRQ within 50 us, 12-byte packets); LBA and DMA
 * (word 49), the ATA disk's PIO/DMA modes; PACKET, DEVICE RESET and
 * power management feature sets (words 82-87); ATA/ATAPI-4 to -6. */
void ide_atapi_identify(struct ide_channel *ch, struct ide_drive *d)
{
	uint16_t id[256];

	memset(id, 0, sizeof(id));
	id[0] = 0x85c0;
	ide_id_string(&id[10], 10, d->serial);
	ide_id_string(&id[23], 4, ID_FIRMWARE);
	ide_id_string(&id[27], 20, ID_MODEL);
	id[49] = 0x0b00;
	id[53] = 0x0006;
	id[63] = 0x0007;
	id[64] = 0x0003;
	id[65] = id[66] = id[67] = id[68] = 120;
	id[80] = 0x0070;
	id[82] = 0x0218;
	id[83] = 0x4000;
	id[84] = 0x4000;
	id[85] = 0x0218;
	id[87] = 0x4000;
	id[88] = 0x0007;
	id[93] = d == &ch->drive[1] ? 0x4300 : 0x400b;
	ide_id_checksum(id);
	ide_pio_send_identify(ch, d, id);
}

/* ---- attaching and changing the medium ---- */

static bool medium_ok(struct blockdev *m)
{
	uint64_t size = m ? blockdev_get_size(m) : 0;

	return !m || (size >= ATAPI_SECTOR && size % ATAPI_SECTOR == 0);
}

static void medium_put(struct ide_drive *d, struct blockdev *m)
{
	d->cd.medium = m;
	d->cd.blocks = m ? blockdev_get_size(m) / ATAPI_SECTOR : 0;
}

int ide_attach_atapi(struct ide_channel *ch, unsigned unit, struct blockdev *medium,
		     const char *serial)
{
	struct ide_drive *d;
	int rc;

	if (unit > 1 || !medium_ok(medium))
		return -EINVAL;
	rc = ide_attach(ch, unit, NULL, serial);
	if (rc)
		return rc;
	d = &ch->drive[unit];
	d->is_atapi = true;
	medium_put(d, medium);
	return 0;
}

/* A transfer in progress from the old medium ends with the change as
 * its error; a new medium is announced by unit attention, an ejected
 * one by MEDIUM NOT PRESENT on the next command, both by a media event. */
int ide_atapi_set_medium(struct ide_channel *ch, unsigned unit, struct blockdev *medium)
{
	struct ide_drive *d = unit < 2 ? &ch->drive[unit] : NULL;

	if (!d || !d->is_atapi || !medium_ok(medium))
		return -EINVAL;
	if (d->xfer == IDE_X_ATAPI_IN || d->xfer == IDE_X_DMA_IN)
		check_condition(ch, d, KEY_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
	medium_put(d, medium);
	d->cd.unit_attention = medium != NULL;
	d->cd.media_event = medium ? EV_NEW_MEDIA : EV_MEDIA_REMOVAL;
	return 0;
}
