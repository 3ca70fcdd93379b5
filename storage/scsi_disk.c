/*
 * SCSI direct-access logical unit over a blockdev (see scsi_disk.h).
 * Field layouts from SPC-3 (INQUIRY, VPD pages, MODE SENSE, REPORT LUNS,
 * sense data) and SBC-3 (READ/WRITE, READ CAPACITY, SYNCHRONIZE CACHE,
 * UNMAP, the Block Limits / Block Device Characteristics / Logical Block
 * Provisioning VPD pages). What a guest sees is what Hyper-V's virtual
 * disk says of itself ("Msft", "Virtual Disk"), so that Linux's storvsc
 * applies its Msft rules (docs/ARCHITECTURE.md rule 4).
 */
#include "storage/scsi_disk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BOUNCE_BYTES (64u * 1024u)

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

void scsi_cmd_sense(struct scsi_cmd *c, uint8_t key, uint8_t asc,
		    uint8_t ascq)
{
	memset(c->sense, 0, sizeof(c->sense));
	c->sense[0] = 0x70;        /* current error, fixed format */
	c->sense[2] = key;
	c->sense[7] = SCSI_SENSE_LEN - 8;  /* additional sense length */
	c->sense[12] = asc;
	c->sense[13] = ascq;
	c->sense_len = SCSI_SENSE_LEN;
	c->status = SCSI_STATUS_CHECK_CONDITION;
}

static int bad_field(struct scsi_cmd *c)
{
	scsi_cmd_sense(c, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_CDB, 0);
	return 0;
}

static int lba_range(struct scsi_cmd *c)
{
	scsi_cmd_sense(c, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE, 0);
	return 0;
}

/* Returns data built in buf: at most alloc bytes and what the initiator's
 * buffer holds (SPC-3 4.3.4.6: the allocation length truncates). */
static int reply(struct scsi_cmd *c, const void *buf, uint32_t len,
		 uint32_t alloc)
{
	uint32_t n = len;
	int err;

	if (n > alloc)
		n = alloc;
	if (n > c->buf_len)
		n = c->buf_len;
	if (n) {
		err = c->xfer->to_initiator(c->xfer_ctx, 0, buf, n);
		if (err)
			return err;
	}
	c->done = n;
	return 0;
}

/* ---- INQUIRY ---- */

static void inquiry_std(uint8_t *b, uint8_t pdt)
{
	memset(b, 0, 36);
	b[0] = pdt;
	b[2] = 0x05;               /* SPC-3 */
	b[3] = 0x12;               /* HISUP, response data format 2 */
	b[4] = 36 - 5;
	b[7] = 0x02;               /* CMDQUE */
	memcpy(b + 8, "Msft    ", 8);
	memcpy(b + 16, "Virtual Disk    ", 16);
	memcpy(b + 32, "1.0 ", 4);
}

static uint32_t vpd_supported(const struct scsi_disk *d, uint8_t *b)
{
	static const uint8_t pages[] = { 0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2 };

	(void)d;
	memcpy(b + 4, pages, sizeof(pages));
	return sizeof(pages);
}

static uint32_t vpd_serial(const struct scsi_disk *d, uint8_t *b)
{
	size_t n = strlen(d->serial);

	memcpy(b + 4, d->serial, n);
	return (uint32_t)n;
}

/* Device Identification: an NAA designator (binary, logical unit) and a
 * T10 vendor ID one ("Msft" + serial), SPC-3 7.6.3. */
static uint32_t vpd_devid(const struct scsi_disk *d, uint8_t *b)
{
	uint8_t *p = b + 4;
	size_t sn = strlen(d->serial);

	p[0] = 0x01;               /* binary */
	p[1] = 0x03;               /* LU association, NAA */
	p[3] = 16;
	memcpy(p + 4, d->naa_id, 16);
	p += 20;
	p[0] = 0x02;               /* ASCII */
	p[1] = 0x01;               /* LU association, T10 vendor ID */
	p[3] = (uint8_t)(8 + sn);
	memcpy(p + 4, "Msft    ", 8);
	memcpy(p + 12, d->serial, sn);
	return (uint32_t)(20 + 4 + 8 + sn);
}

static uint32_t vpd_limits(const struct scsi_disk *d, uint8_t *b)
{
	put16(b + 6, 1);                       /* optimal granularity */
	put32(b + 8, d->max_xfer_blocks);      /* maximum transfer length */
	put32(b + 12, d->max_xfer_blocks);     /* optimal transfer length */
	if (blockdev_can_discard(d->bd)) {
		uint32_t g = d->bd->discard_granularity / d->lbsz;

		put32(b + 20, 0xFFFFFFFFu);    /* maximum unmap LBA count */
		put32(b + 24, SCSI_UNMAP_MAX_DESC);
		/* Optimal unmap granularity: Linux aligns its discards to it
		 * (discard_granularity), so a VHD gets whole blocks to free. */
		put32(b + 28, g ? g : 1);
		put32(b + 32, 0x80000000u);    /* UGAVALID, alignment 0 */
	}
	return 0x3C;
}

static uint32_t vpd_characteristics(const struct scsi_disk *d, uint8_t *b)
{
	(void)d;
	put16(b + 4, 1);           /* non-rotating medium */
	return 0x3C;
}

/* Logical Block Provisioning (SBC-3 6.5.4): UNMAP only when the backend
 * can discard, and then discarded blocks read as zeros (LBPRZ). */
static uint32_t vpd_provisioning(const struct scsi_disk *d, uint8_t *b)
{
	if (blockdev_can_discard(d->bd)) {
		b[5] = 0x80 | 0x04;    /* LBPU, LBPRZ */
		b[6] = 0x02;           /* thin provisioned */
	}
	return 4;
}

struct vpd_page {
	uint8_t code;
	uint32_t (*fill)(const struct scsi_disk *d, uint8_t *b);
};

static const struct vpd_page vpd_pages[] = {
	{ 0x00, vpd_supported }, { 0x80, vpd_serial }, { 0x83, vpd_devid },
	{ 0xB0, vpd_limits }, { 0xB1, vpd_characteristics },
	{ 0xB2, vpd_provisioning },
};

static int inquiry_vpd(struct scsi_disk *d, struct scsi_cmd *c, uint8_t code,
		       uint16_t alloc)
{
	uint8_t b[128];

	for (size_t i = 0; i < sizeof(vpd_pages) / sizeof(vpd_pages[0]); i++) {
		uint32_t n;

		if (vpd_pages[i].code != code)
			continue;
		memset(b, 0, sizeof(b));
		b[1] = code;
		n = vpd_pages[i].fill(d, b);
		put16(b + 2, (uint16_t)n);
		return reply(c, b, n + 4, alloc);
	}
	return bad_field(c);
}

static int op_inquiry(struct scsi_disk *d, struct scsi_cmd *c)
{
	uint8_t b[36];
	uint16_t alloc = be16(c->cdb + 3);

	if (c->cdb[1] & 0x02)      /* CMDDT: obsolete, unsupported */
		return bad_field(c);
	if (c->cdb[1] & 0x01)
		return inquiry_vpd(d, c, c->cdb[2], alloc);
	if (c->cdb[2])
		return bad_field(c);
	inquiry_std(b, 0x00);      /* direct-access block device */
	return reply(c, b, sizeof(b), alloc);
}

int scsi_inquiry_no_lun(struct scsi_cmd *c)
{
	uint8_t b[36];
	uint16_t alloc = be16(c->cdb + 3);

	c->status = SCSI_STATUS_GOOD;
	c->sense_len = 0;
	c->done = 0;
	if (c->cdb_len < 6)
		return bad_field(c);
	inquiry_std(b, 0x7F);      /* qualifier 3: no LU here, type 1Fh */
	if (c->cdb[1] & 0x01) {    /* a VPD page header with no content */
		memset(b + 1, 0, 4);
		b[1] = c->cdb[2];
		return reply(c, b, 4, alloc);
	}
	return reply(c, b, sizeof(b), alloc);
}

int scsi_report_luns(struct scsi_cmd *c, const uint16_t *luns, unsigned n)
{
	uint8_t b[8 + 8 * 256];
	uint32_t alloc;

	c->status = SCSI_STATUS_GOOD;
	c->sense_len = 0;
	c->done = 0;
	if (c->cdb_len < 12)
		return bad_field(c);
	alloc = be32(c->cdb + 6);
	if (alloc < 16 || n > 256)  /* SPC-3 6.21: at least 16 */
		return bad_field(c);
	memset(b, 0, sizeof(b));
	put32(b, n * 8u);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = b + 8 + 8 * i;

		if (luns[i] < 256) {
			e[1] = (uint8_t)luns[i];   /* peripheral device */
		} else {
			e[0] = (uint8_t)(0x40 | (luns[i] >> 8 & 0x3F));
			e[1] = (uint8_t)luns[i];   /* flat space */
		}
	}
	return reply(c, b, 8 + 8 * n, alloc);
}

/* ---- capacity, mode pages, sense ---- */

static int op_read_cap10(struct scsi_disk *d, struct scsi_cmd *c)
{
	uint8_t b[8];
	uint64_t last = d->nblocks - 1;

	put32(b, last > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)last);
	put32(b + 4, d->lbsz);
	return reply(c, b, sizeof(b), sizeof(b));
}

static int op_service_in16(struct scsi_disk *d, struct scsi_cmd *c)
{
	uint8_t b[32];

	if ((c->cdb[1] & 0x1F) != 0x10)   /* READ CAPACITY (16) only */
		return bad_field(c);
	memset(b, 0, sizeof(b));
	put64(b, d->nblocks - 1);
	put32(b + 8, d->lbsz);
	if (blockdev_can_discard(d->bd))
		b[14] = 0x80 | 0x40;  /* LBPME, LBPRZ */
	return reply(c, b, sizeof(b), be32(c->cdb + 10));
}

static int op_tur(struct scsi_disk *d, struct scsi_cmd *c)
{
	(void)d;
	(void)c;
	return 0;
}

/* Autosense carries every error, so nothing is ever pending here. */
static int op_request_sense(struct scsi_disk *d, struct scsi_cmd *c)
{
	uint8_t b[SCSI_SENSE_LEN];

	(void)d;
	memset(b, 0, sizeof(b));
	b[0] = 0x70;
	b[7] = SCSI_SENSE_LEN - 8;
	return reply(c, b, sizeof(b), c->cdb[4]);
}

/* Caching mode page (SBC-3 6.3.4): WCE set, since writes are durable
 * only once flushed (storage/README.md, crash safety). pc 1 asks for the
 * changeable mask: nothing is (no MODE SELECT). */
static uint32_t page_caching(uint8_t *p, unsigned pc)
{
	memset(p, 0, 20);
	p[0] = 0x08;
	p[1] = 0x12;
	if (pc != 1)
		p[2] = 0x04;           /* WCE */
	return 20;
}

static uint32_t page_control(uint8_t *p, unsigned pc)
{
	(void)pc;
	memset(p, 0, 12);
	p[0] = 0x0A;
	p[1] = 0x0A;
	return 12;
}

/* Mode pages for page code page (0x3F: all); 0 if not supported. */
static uint32_t mode_pages(uint8_t *p, unsigned page, unsigned pc)
{
	uint32_t n = 0;

	if (page == 0x08 || page == 0x3F)
		n += page_caching(p + n, pc);
	if (page == 0x0A || page == 0x3F)
		n += page_control(p + n, pc);
	return n;
}

static void block_desc(const struct scsi_disk *d, uint8_t *p)
{
	memset(p, 0, 8);
	put32(p, d->nblocks > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)d->nblocks);
	put32(p + 4, d->lbsz & 0xFFFFFFu);
}

/* hdr is 4 (MODE SENSE 6) or 8 (10) bytes; builds the data after it. */
static int mode_sense(struct scsi_disk *d, struct scsi_cmd *c, uint32_t hdr,
		      uint32_t alloc)
{
	uint8_t b[8 + 8 + 64];
	unsigned pc = c->cdb[2] >> 6, page = c->cdb[2] & 0x3F;
	int dbd = c->cdb[1] & 0x08;
	uint32_t n = hdr, pages;

	if (pc == 3) {
		scsi_cmd_sense(c, SCSI_KEY_ILLEGAL_REQUEST,
			       SCSI_ASC_SAVING_NOT_SUPPORTED, 0);
		return 0;
	}
	if (c->cdb[3] != 0 && c->cdb[3] != 0xFF)
		return bad_field(c);  /* no subpages */
	memset(b, 0, sizeof(b));
	if (!dbd) {
		block_desc(d, b + n);
		n += 8;
	}
	pages = mode_pages(b + n, page, pc);
	if (!pages)
		return bad_field(c);
	n += pages;
	/* Device-specific parameter: WP, DPOFUA (FUA honoured). */
	b[hdr == 4 ? 2 : 3] = (uint8_t)((d->bd->read_only ? 0x80 : 0) | 0x10);
	if (hdr == 4) {
		b[0] = (uint8_t)(n - 1);
		b[3] = dbd ? 0 : 8;
	} else {
		put16(b, (uint16_t)(n - 2));
		put16(b + 6, dbd ? 0 : 8);
	}
	return reply(c, b, n, alloc);
}

static int op_mode_sense6(struct scsi_disk *d, struct scsi_cmd *c)
{
	return mode_sense(d, c, 4, c->cdb[4]);
}

static int op_mode_sense10(struct scsi_disk *d, struct scsi_cmd *c)
{
	return mode_sense(d, c, 8, be16(c->cdb + 7));
}

/* ---- data commands ---- */

static int io_fail(struct scsi_disk *d, struct scsi_cmd *c, int err, int wr)
{
	d->errors++;
	if (err == -EROFS)
		scsi_cmd_sense(c, SCSI_KEY_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED, 0);
	else
		scsi_cmd_sense(c, SCSI_KEY_MEDIUM_ERROR,
			       wr ? SCSI_ASC_WRITE_ERROR : SCSI_ASC_UNRECOVERED_READ, 0);
	return 0;
}

/* Checks [lba, lba + n) against the disk and n blocks against the limits
 * and the initiator's buffer, before anything moves (SBC-3 4.5: LBA OUT
 * OF RANGE; a transfer the buffer cannot hold is an invalid CDB). */
static int rw_check(struct scsi_disk *d, struct scsi_cmd *c, uint64_t lba,
		    uint32_t n)
{
	if (lba > d->nblocks || n > d->nblocks - lba) {
		lba_range(c);
		return -1;
	}
	if (n > d->max_xfer_blocks || (uint64_t)n * d->lbsz > c->buf_len) {
		bad_field(c);
		return -1;
	}
	return 0;
}

/* The next piece of a transfer at pos: straight into (or out of) the
 * initiator's buffer when the transport gives a span, else through the
 * bounce buffer. *direct says which. */
static uint32_t piece(struct scsi_disk *d, struct scsi_cmd *c, uint32_t pos,
		      uint32_t left, int to_init, uint8_t **p, int *direct)
{
	uint32_t n;

	if (c->xfer->span && !c->xfer->span(c->xfer_ctx, pos, left, to_init, p, &n) &&
	    n && n <= left) {
		*direct = 1;
		return n;
	}
	*direct = 0;
	*p = d->bounce;
	return left < d->bounce_len ? left : d->bounce_len;
}

static int do_read(struct scsi_disk *d, struct scsi_cmd *c, uint64_t lba,
		   uint32_t n)
{
	uint64_t off = lba * d->lbsz;
	uint32_t total = n * d->lbsz, pos = 0, chunk;
	uint8_t *p;
	int err, direct;

	if (rw_check(d, c, lba, n))
		return 0;
	d->reads++;
	while (pos < total) {
		chunk = piece(d, c, pos, total - pos, 1, &p, &direct);
		err = blockdev_read(d->bd, off + pos, p, chunk);
		if (err)
			return io_fail(d, c, err, 0);
		if (!direct) {
			err = c->xfer->to_initiator(c->xfer_ctx, pos, p, chunk);
			if (err)
				return err;
		}
		pos += chunk;
		c->done = pos;
	}
	return 0;
}

static int do_write(struct scsi_disk *d, struct scsi_cmd *c, uint64_t lba,
		    uint32_t n, int fua)
{
	uint64_t off = lba * d->lbsz;
	uint32_t total = n * d->lbsz, pos = 0;
	int err;

	if (rw_check(d, c, lba, n))
		return 0;
	if (d->bd->read_only)
		return io_fail(d, c, -EROFS, 1);
	d->writes++;
	while (pos < total) {
		uint8_t *p;
		int direct;
		uint32_t chunk = piece(d, c, pos, total - pos, 0, &p, &direct);

		if (!direct) {
			err = c->xfer->from_initiator(c->xfer_ctx, pos, p, chunk);
			if (err)
				return err;
		}
		err = blockdev_write(d->bd, off + pos, p, chunk);
		if (err)
			return io_fail(d, c, err, 1);
		pos += chunk;
		c->done = pos;
	}
	/* FUA: the data is on the medium before GOOD (SBC-3 5.11), which
	 * for a VHD means after vhd_flush's ordered BAT update (rule 7). */
	if (fua) {
		d->flushes++;
		err = blockdev_flush(d->bd);
		if (err)
			return io_fail(d, c, err, 1);
	}
	return 0;
}

static int op_read10(struct scsi_disk *d, struct scsi_cmd *c)
{
	return do_read(d, c, be32(c->cdb + 2), be16(c->cdb + 7));
}

static int op_read16(struct scsi_disk *d, struct scsi_cmd *c)
{
	return do_read(d, c, be64(c->cdb + 2), be32(c->cdb + 10));
}

static int op_write10(struct scsi_disk *d, struct scsi_cmd *c)
{
	return do_write(d, c, be32(c->cdb + 2), be16(c->cdb + 7),
			c->cdb[1] & 0x08);
}

static int op_write16(struct scsi_disk *d, struct scsi_cmd *c)
{
	return do_write(d, c, be64(c->cdb + 2), be32(c->cdb + 10),
			c->cdb[1] & 0x08);
}

/* SYNCHRONIZE CACHE (10)/(16): the whole cache is flushed whatever the
 * range (SBC-3 allows more than asked); the range is still checked. */
static int sync_cache(struct scsi_disk *d, struct scsi_cmd *c, uint64_t lba,
		      uint64_t n)
{
	int err;

	if (lba > d->nblocks || n > d->nblocks - lba)
		return lba_range(c);
	d->flushes++;
	err = blockdev_flush(d->bd);
	return err ? io_fail(d, c, err, 1) : 0;
}

static int op_sync10(struct scsi_disk *d, struct scsi_cmd *c)
{
	return sync_cache(d, c, be32(c->cdb + 2), be16(c->cdb + 7));
}

static int op_sync16(struct scsi_disk *d, struct scsi_cmd *c)
{
	return sync_cache(d, c, be64(c->cdb + 2), be32(c->cdb + 10));
}

static int param_error(struct scsi_cmd *c, uint8_t asc)
{
	scsi_cmd_sense(c, SCSI_KEY_ILLEGAL_REQUEST, asc, 0);
	return 0;
}

/* Every descriptor of an UNMAP list is checked before any is applied. */
static int unmap_check(struct scsi_disk *d, struct scsi_cmd *c,
		       const uint8_t *desc, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t lba = be64(desc + 16 * i);
		uint32_t n = be32(desc + 16 * i + 8);

		if (lba > d->nblocks || n > d->nblocks - lba) {
			lba_range(c);
			return -1;
		}
	}
	return 0;
}

/* UNMAP (SBC-3 5.28). */
static int op_unmap(struct scsi_disk *d, struct scsi_cmd *c)
{
	uint8_t p[8 + 16 * SCSI_UNMAP_MAX_DESC];
	uint16_t len = be16(c->cdb + 7), bdl;
	int err;

	if (!blockdev_can_discard(d->bd))
		return param_error(c, SCSI_ASC_INVALID_OPCODE);
	if (c->cdb[1] & 0x01)      /* ANCHOR: not supported */
		return bad_field(c);
	if (len == 0)
		return 0;
	if (len < 8)
		return param_error(c, SCSI_ASC_PARAM_LIST_LENGTH);
	if (len > c->buf_len || len > sizeof(p))
		return bad_field(c);
	err = c->xfer->from_initiator(c->xfer_ctx, 0, p, len);
	if (err)
		return err;
	c->done = len;
	bdl = be16(p + 2);
	if (bdl % 16 || bdl > len - 8u)
		return param_error(c, SCSI_ASC_PARAM_LIST_LENGTH);
	if (unmap_check(d, c, p + 8, bdl / 16u))
		return 0;
	d->unmaps++;
	for (uint32_t i = 0; i < bdl / 16u; i++) {
		uint64_t lba = be64(p + 8 + 16 * i);
		uint32_t n = be32(p + 8 + 16 * i + 8);

		err = blockdev_discard(d->bd, lba * d->lbsz, (uint64_t)n * d->lbsz);
		if (err)
			return io_fail(d, c, err, 1);
	}
	return 0;
}

static int op_unhandled(struct scsi_disk *d, struct scsi_cmd *c)
{
	(void)d;
	return param_error(c, SCSI_ASC_INVALID_OPCODE);
}

/* ---- dispatch ---- */

struct scsi_op {
	uint8_t opcode;
	uint8_t cdb_len;           /* minimum CDB length */
	int (*fn)(struct scsi_disk *d, struct scsi_cmd *c);
};

static const struct scsi_op scsi_ops[] = {
	{ 0x00, 6, op_tur },            /* TEST UNIT READY */
	{ 0x03, 6, op_request_sense },  /* REQUEST SENSE */
	{ 0x12, 6, op_inquiry },        /* INQUIRY */
	{ 0x1A, 6, op_mode_sense6 },    /* MODE SENSE (6) */
	{ 0x25, 10, op_read_cap10 },    /* READ CAPACITY (10) */
	{ 0x28, 10, op_read10 },        /* READ (10) */
	{ 0x2A, 10, op_write10 },       /* WRITE (10) */
	{ 0x35, 10, op_sync10 },        /* SYNCHRONIZE CACHE (10) */
	{ 0x42, 10, op_unmap },         /* UNMAP */
	{ 0x5A, 10, op_mode_sense10 },  /* MODE SENSE (10) */
	{ 0x88, 16, op_read16 },        /* READ (16) */
	{ 0x8A, 16, op_write16 },       /* WRITE (16) */
	{ 0x91, 16, op_sync16 },        /* SYNCHRONIZE CACHE (16) */
	{ 0x9E, 16, op_service_in16 },  /* SERVICE ACTION IN: READ CAPACITY (16) */
};

/* The explicit unhandled entry: CHECK CONDITION, INVALID COMMAND
 * OPERATION CODE. */
static const struct scsi_op scsi_op_unhandled = { 0, 0, op_unhandled };

static const struct scsi_op *scsi_lookup(uint8_t opcode)
{
	for (size_t i = 0; i < sizeof(scsi_ops) / sizeof(scsi_ops[0]); i++)
		if (scsi_ops[i].opcode == opcode)
			return &scsi_ops[i];
	return &scsi_op_unhandled;
}

int scsi_disk_execute(struct scsi_disk *d, struct scsi_cmd *c)
{
	const struct scsi_op *op;

	c->status = SCSI_STATUS_GOOD;
	c->sense_len = 0;
	c->done = 0;
	if (c->cdb_len < 1)
		return bad_field(c);
	op = scsi_lookup(c->cdb[0]);
	if (c->cdb_len < op->cdb_len)
		return bad_field(c);
	return op->fn(d, c);
}

int scsi_disk_init(struct scsi_disk *d, struct blockdev *bd,
		   const struct scsi_disk_params *p)
{
	uint32_t lbsz = blockdev_get_sector_size(bd);
	size_t sn = p->serial ? strlen(p->serial) : 0;

	memset(d, 0, sizeof(*d));
	if (lbsz < 512 || lbsz > 4096 || (lbsz & (lbsz - 1)) ||
	    blockdev_get_size(bd) < lbsz)
		return -EINVAL;
	d->bd = bd;
	d->lbsz = lbsz;
	d->nblocks = blockdev_get_size(bd) / lbsz;
	d->max_xfer_blocks = p->max_xfer_bytes / lbsz;
	memcpy(d->serial, p->serial ? p->serial : "", sn > 20 ? 20 : sn);
	memcpy(d->naa_id, p->naa_id, sizeof(d->naa_id));
	d->bounce_len = BOUNCE_BYTES;
	d->bounce = malloc(d->bounce_len);
	return d->bounce ? 0 : -ENOMEM;
}

void scsi_disk_fini(struct scsi_disk *d)
{
	free(d->bounce);
	d->bounce = NULL;
}
