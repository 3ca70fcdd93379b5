/*
 * ide_bmdma: a channel's bus-master IDE engine (SFF-8038i rev 1.0, "Bus
 * Master Programming Interface"; Intel PIIX4 datasheet, BMICx, BMISx,
 * BMIDTPx). The engine walks the guest's PRD table and moves the data
 * of the device's DMA command through struct ide_host_ops' mem. It runs
 * when both the device has a DMA command and Start is set, in either
 * order, and finishes before the port access returns.
 *
 * Guest mistakes end the transfer the way the hardware reports them:
 * a guest-memory access that fails, a PRD crossing a 64 KiB boundary or
 * a PRD table running past its own 64 KiB region, and a direction bit
 * that disagrees with the command are taken as a master abort: Error
 * set, Active cleared, the device ends its command with ABRT and
 * interrupts. A PRD table shorter than the transfer clears Active
 * without Interrupt (the SFF-8038i status table's "PRD smaller than the
 * transfer"); the device drops the rest of the command without an
 * interrupt, as QEMU's does, so the guest's timeout and reset recover.
 */
#include <errno.h>

#include "partition/devices/ide.h"

#define BM_PRD_SHORT 1               /* prd_move: the table ended first */
#define BM_64K       0x10000u

void ide_bm_reset(struct ide_bm *bm)
{
	bool enabled = bm->enabled;

	*bm = (struct ide_bm){ .enabled = enabled };
}

/* Guest memory through the host; no callback is a master abort too. */
static int guest_mem(struct ide_channel *ch, uint64_t gpa, uint8_t *buf, uint32_t len,
		     bool to_guest)
{
	if (!ch->ops || !ch->ops->mem)
		return -EIO;
	return ch->ops->mem(ch->ctx, gpa, buf, len, to_guest);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The next descriptor: the table is dword aligned (bits 1:0 of the
 * pointer are zero) and may not cross a 64 KiB boundary, which also
 * bounds the walk to 8192 entries. */
static int prd_load(struct ide_channel *ch)
{
	struct ide_bm *bm = &ch->bm;
	uint64_t at = (bm->prd_table & 0xffffu) + (uint64_t)bm->prd_index * 8;
	uint8_t e[sizeof(struct ide_prd)];
	uint32_t count;

	if (at + sizeof(e) > BM_64K)
		return -EIO;
	if (guest_mem(ch, (bm->prd_table & ~0xffffu) + at, e, sizeof(e), false) < 0)
		return -EIO;
	bm->cur_addr = le32(e) & ~1u;
	count = le32(e + 4) & 0xfffeu;
	bm->cur_left = count ? count : BM_64K;
	bm->cur_eot = le32(e + 4) & PRD_EOT;
	bm->prd_index++;
	if ((bm->cur_addr & 0xffffu) + bm->cur_left > BM_64K)
		return -EIO;
	return 0;
}

/* Moves len bytes between buf and the regions the table describes.
 * 0, BM_PRD_SHORT, or -EIO (master abort). */
static int prd_move(struct ide_channel *ch, uint8_t *buf, uint32_t len, bool to_guest)
{
	struct ide_bm *bm = &ch->bm;
	uint32_t off = 0, k;

	while (off < len) {
		if (bm->cur_left == 0) {
			if (bm->cur_eot)
				return BM_PRD_SHORT;
			if (prd_load(ch) < 0)
				return -EIO;
		}
		k = bm->cur_left < len - off ? bm->cur_left : len - off;
		if (guest_mem(ch, bm->cur_addr, buf + off, k, to_guest) < 0)
			return -EIO;
		bm->cur_addr += k;
		bm->cur_left -= k;
		off += k;
	}
	return 0;
}

static void bm_abort(struct ide_channel *ch, struct ide_drive *d)
{
	ch->bm.status = (uint8_t)((ch->bm.status | BM_ST_ERROR) & ~BM_ST_ACTIVE);
	ide_fail(ch, d, ATA_E_ABRT);
}

static void bm_short(struct ide_channel *ch, struct ide_drive *d)
{
	ch->bm.status &= (uint8_t)~BM_ST_ACTIVE;
	ide_end_transfer(ch, d);
	d->status = ATA_DRDY | ATA_DSC;
}

/* One chunk of up to IDE_BUF_SIZE bytes: 0, or the outcome that ended
 * the command (already reported). */
static int bm_chunk(struct ide_channel *ch, struct ide_drive *d)
{
	uint32_t n = d->left < IDE_MAX_MULT ? d->left : IDE_MAX_MULT;
	uint32_t len = n * IDE_SECTOR;
	bool in = d->xfer == IDE_X_DMA_IN;
	int r;

	if (in && blockdev_read(d->bd, d->lba * IDE_SECTOR, d->buf, len) < 0) {
		ide_fail(ch, d, ATA_E_UNC);
		return -EIO;
	}
	r = prd_move(ch, d->buf, len, in);
	if (r == 0 && !in && blockdev_write(d->bd, d->lba * IDE_SECTOR, d->buf, len) < 0) {
		ide_fail(ch, d, ATA_E_ABRT);
		return -EIO;
	}
	if (r < 0)
		bm_abort(ch, d);
	else if (r == BM_PRD_SHORT)
		bm_short(ch, d);
	if (r)
		return -EIO;
	d->lba += n;
	d->left -= n;
	return 0;
}

/* An ATAPI reply: the device hands over its bytes as it has them
 * (ide_atapi_fill), the engine moves them; a short table or a master
 * abort ends it as for a disk. */
static void bm_run_atapi(struct ide_channel *ch, struct ide_drive *d)
{
	while (d->cd.total > 0) {
		uint32_t k;
		int r;

		if (ide_atapi_fill(ch, d) < 0)
			return;
		k = (uint32_t)(d->len - d->pos < d->cd.total ? d->len - d->pos : d->cd.total);
		r = prd_move(ch, d->buf + d->pos, k, true);
		if (r < 0)
			bm_abort(ch, d);
		else if (r == BM_PRD_SHORT)
			bm_short(ch, d);
		if (r)
			return;
		d->pos += k;
		d->cd.total -= k;
	}
	if (ch->bm.cur_left == 0 && ch->bm.cur_eot)
		ch->bm.status &= (uint8_t)~BM_ST_ACTIVE;
	ide_atapi_complete(ch, d);
}

/* The whole transfer. At the end Active stays set when descriptors (or
 * bytes of one) remain: "PRD larger than the transfer" in SFF-8038i. */
static void bm_run(struct ide_channel *ch, struct ide_drive *d)
{
	bool in = d->xfer == IDE_X_DMA_IN;

	if (in != !!(ch->bm.cmd & BM_CMD_TOMEM)) {
		bm_abort(ch, d);
		return;
	}
	if (d->is_atapi) {
		bm_run_atapi(ch, d);
		return;
	}
	while (d->left > 0)
		if (bm_chunk(ch, d) < 0)
			return;
	if (ch->bm.cur_left == 0 && ch->bm.cur_eot)
		ch->bm.status &= (uint8_t)~BM_ST_ACTIVE;
	ide_done(ch, d);
}

void ide_bm_kick(struct ide_channel *ch)
{
	struct ide_drive *d;

	if (ch->dma_unit < 0 || !ch->bm.enabled || !(ch->bm.cmd & BM_CMD_START) ||
	    !(ch->bm.status & BM_ST_ACTIVE))
		return;
	d = &ch->drive[ch->dma_unit];
	if (!ide_present(d) || (d->xfer != IDE_X_DMA_IN && d->xfer != IDE_X_DMA_OUT))
		return;
	bm_run(ch, d);
}

/* Start 0 -> 1 sets Active and restarts at the table's first entry;
 * 1 -> 0 stops the engine (clears Active; a transfer it interrupts is
 * abandoned). The direction bit may not change while Start is set. */
static void bm_cmd_write(struct ide_channel *ch, uint8_t v)
{
	struct ide_bm *bm = &ch->bm;
	uint8_t old = bm->cmd;

	if (old & BM_CMD_START)
		v = (uint8_t)((v & BM_CMD_START) | (old & BM_CMD_TOMEM));
	bm->cmd = v & (BM_CMD_START | BM_CMD_TOMEM);
	if (!(old & BM_CMD_START) && (v & BM_CMD_START)) {
		bm->status |= BM_ST_ACTIVE;
		bm->prd_index = 0;
		bm->cur_left = 0;
		bm->cur_eot = false;
		ide_bm_kick(ch);
	} else if ((old & BM_CMD_START) && !(v & BM_CMD_START)) {
		bm->status &= (uint8_t)~BM_ST_ACTIVE;
	}
}

/* Status: Active read-only, Error and Interrupt write 1 to clear, the
 * two "drive DMA capable" bits plain read/write, simplex (bit 7) 0. */
static void bm_status_write(struct ide_bm *bm, uint8_t v)
{
	bm->status = (uint8_t)((v & (BM_ST_DMA0 | BM_ST_DMA1)) |
			       (bm->status & BM_ST_ACTIVE) |
			       (bm->status & ~v & (BM_ST_ERROR | BM_ST_INTR)));
}

static uint8_t bm_read8(const struct ide_channel *ch, unsigned reg)
{
	switch (reg) {
	case BM_REG_CMD:
		return ch->bm.cmd;
	case BM_REG_STATUS:
		return ch->bm.status;
	case BM_REG_PRD: case BM_REG_PRD + 1: case BM_REG_PRD + 2: case BM_REG_PRD + 3:
		return (uint8_t)(ch->bm.prd_table >> (8 * (reg - BM_REG_PRD)));
	default:
		return 0;       /* reserved */
	}
}

static void bm_write8(struct ide_channel *ch, unsigned reg, uint8_t v)
{
	unsigned sh;

	switch (reg) {
	case BM_REG_CMD:
		bm_cmd_write(ch, v);
		break;
	case BM_REG_STATUS:
		bm_status_write(&ch->bm, v);
		break;
	case BM_REG_PRD: case BM_REG_PRD + 1: case BM_REG_PRD + 2: case BM_REG_PRD + 3:
		sh = 8 * (reg - BM_REG_PRD);
		ch->bm.prd_table = (ch->bm.prd_table & ~(0xffu << sh)) | (uint32_t)v << sh;
		ch->bm.prd_table &= ~3u;
		break;
	}
}

uint32_t ide_bm_read(struct ide_channel *ch, unsigned reg, unsigned size)
{
	uint32_t v = 0;
	unsigned i;

	for (i = 0; i < size && i < 4; i++)
		v |= (uint32_t)(reg + i < 8 ? bm_read8(ch, reg + i) : 0xff) << (8 * i);
	return v;
}

void ide_bm_write(struct ide_channel *ch, unsigned reg, unsigned size, uint32_t v)
{
	unsigned i;

	for (i = 0; i < size && i < 4 && reg + i < 8; i++)
		bm_write8(ch, reg + i, (uint8_t)(v >> (8 * i)));
}
