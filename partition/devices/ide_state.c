/*
 * ide_state: an IDE channel's saved state (devstate.h). The checks on
 * restore are the channel's invariants, the ones tests/fuzz/fuzz_ide.c
 * asserts after every port access (ATA/ATAPI-7 vol 2: ERR never with BSY
 * or DRQ, DRQ exactly while a data transfer is under way, BSY only while
 * SRST is held; a transfer never past the medium or the buffer), plus
 * the values each setting command can leave (ATA8-ACS SET MULTIPLE MODE,
 * INITIALIZE DEVICE PARAMETERS, SET FEATURES). The drives are the VM's
 * configuration, not state: a record must describe the drives attached
 * now, with the same capacity.
 */
#include <errno.h>
#include <string.h>

#include "partition/devices/devstate.h"

static uint8_t drive_kind(const struct ide_drive *d, uint64_t *size)
{
	*size = 0;
	if (d->bd) {
		*size = d->sectors;
		return DS_DRIVE_DISK;
	}
	if (!d->is_atapi)
		return DS_DRIVE_NONE;
	*size = d->cd.blocks;
	return d->cd.medium ? DS_DRIVE_CD : DS_DRIVE_CD_EMPTY;
}

static void drive_save(const struct ide_drive *d, struct ds_ide_drive *w)
{
	const struct ide_atapi *cd = &d->cd;

	memset(w, 0, sizeof(*w));
	w->kind = drive_kind(d, &w->sectors);
	w->status = d->status; w->error = d->error; w->intrq = d->intrq;
	w->mult = d->mult; w->xfer_mode = d->xfer_mode; w->wcache = d->wcache;
	w->lookahead = d->lookahead; w->standby = d->standby;
	w->xfer = (uint8_t)d->xfer; w->on_disk = d->on_disk;
	w->heads = d->heads; w->spt = d->spt;
	w->lba = d->lba; w->left = d->left; w->block = d->block;
	w->pos = d->pos; w->len = d->len;
	memcpy(w->cdb, cd->cdb, sizeof(w->cdb));
	w->key = cd->key; w->asc = cd->asc; w->ascq = cd->ascq;
	w->unit_attention = cd->unit_attention; w->media_event = cd->media_event;
	w->locked = cd->locked; w->packet_cmd = cd->packet_cmd; w->dma = cd->dma;
	w->bcl = cd->bcl; w->blk_left = cd->blk_left; w->total = cd->total;
	memcpy(w->buf, d->buf, sizeof(w->buf));
}

void ide_save(const struct ide_channel *ch, struct ds_ide_channel *w)
{
	const struct ide_taskfile *tf = &ch->tf;

	memset(w, 0, offsetof(struct ds_ide_channel, drive));
	memcpy(w->tf_feature, tf->feature, 2); memcpy(w->tf_count, tf->count, 2);
	memcpy(w->tf_lbal, tf->lbal, 2); memcpy(w->tf_lbam, tf->lbam, 2);
	memcpy(w->tf_lbah, tf->lbah, 2);
	w->tf_device = tf->device; w->devctl = ch->devctl;
	w->irq_level = (uint8_t)ch->irq_level; w->sig_valid = ch->sig_valid;
	w->bm_cmd = ch->bm.cmd; w->bm_status = ch->bm.status;
	w->dma_unit = (int8_t)ch->dma_unit;
	w->bm_enabled = ch->bm.enabled; w->bm_cur_eot = ch->bm.cur_eot;
	w->bm_prd_table = ch->bm.prd_table; w->bm_prd_index = ch->bm.prd_index;
	w->bm_cur_addr = ch->bm.cur_addr; w->bm_cur_left = ch->bm.cur_left;
	for (unsigned u = 0; u < 2; u++)
		drive_save(&ch->drive[u], &w->drive[u]);
}

/* SET FEATURES 03h's transfer modes (ide_ata.c mode_ok, ATA8-ACS "Set
 * transfer mode"): PIO default, PIO 0-4, multiword DMA and Ultra DMA. */
static bool xfer_mode_ok(uint8_t m)
{
	return m <= 0x01 || (m >= 0x08 && m <= 0x0c) || (m >= 0x20 && m <= 0x27) ||
	       (m >= 0x40 && m <= 0x47);
}

/* Values commands can leave: flags 0 or 1, SET MULTIPLE MODE's power of
 * two up to 16, INITIALIZE DEVICE PARAMETERS' 1-16 heads and 0-255
 * sectors a track, a DRQ block of at most IDE_MAX_MULT sectors. */
static int drive_fields_ok(const struct ds_ide_drive *w)
{
	if ((w->intrq | w->wcache | w->lookahead | w->standby | w->on_disk) > 1)
		return -EINVAL;
	if ((w->unit_attention | w->locked | w->packet_cmd | w->dma) > 1)
		return -EINVAL;
	if (w->pad0 || w->pad1[0] || w->pad1[1] || w->pad1[2] || w->xfer > IDE_X_ATAPI_IN || !xfer_mode_ok(w->xfer_mode))
		return -EINVAL;
	if (w->mult > IDE_MAX_MULT || (w->mult & (w->mult - 1)) || w->block > IDE_MAX_MULT)
		return -EINVAL;
	return w->heads < 1 || w->heads > 16 || w->spt > 255 ? -EINVAL : 0;
}

static int atapi_ok(const struct ds_ide_drive *w)
{
	bool media = w->xfer != IDE_X_NONE && w->xfer != IDE_X_PACKET;

	if (w->xfer == IDE_X_PIO_OUT || w->xfer == IDE_X_DMA_OUT)
		return -EINVAL;                /* a CD-ROM takes no data */
	if (w->xfer == IDE_X_ATAPI_IN && w->blk_left > 0xfffe)
		return -EINVAL;
	if (w->xfer == IDE_X_PACKET && w->pos > ATAPI_CDB_LEN)
		return -EINVAL;
	if (w->on_disk && media &&
	    (w->lba > w->sectors || w->left > w->sectors - w->lba ||
	     w->total > (uint64_t)w->left * ATAPI_SECTOR + w->len - w->pos))
		return -EINVAL;
	return 0;
}

static int disk_ok(const struct ds_ide_drive *w, bool pio, bool dma)
{
	bool atapi_state = w->key || w->asc || w->ascq || w->unit_attention ||
			   w->media_event || w->locked || w->packet_cmd || w->dma ||
			   w->bcl || w->blk_left || w->total;

	if (w->xfer == IDE_X_PACKET || w->xfer == IDE_X_ATAPI_IN || atapi_state)
		return -EINVAL;
	for (unsigned i = 0; i < ATAPI_CDB_LEN; i++)
		if (w->cdb[i])
			return -EINVAL;
	if (pio && w->on_disk &&
	    (w->lba > w->sectors || w->left > w->sectors - w->lba ||
	     w->len > (uint64_t)w->left * IDE_SECTOR))
		return -EINVAL;
	if (dma && (w->lba > w->sectors || w->left > w->sectors - w->lba))
		return -EINVAL;
	return 0;
}

static int drive_check(const struct ds_ide_channel *c, const struct ide_drive *d,
		       const struct ds_ide_drive *w, int unit)
{
	bool pio = w->xfer == IDE_X_PIO_IN || w->xfer == IDE_X_PIO_OUT;
	bool dma = w->xfer == IDE_X_DMA_IN || w->xfer == IDE_X_DMA_OUT;
	uint64_t size;

	if (w->kind != drive_kind(d, &size) || w->sectors != size || drive_fields_ok(w))
		return -EINVAL;
	if (w->kind == DS_DRIVE_NONE)
		return w->status || w->xfer != IDE_X_NONE || w->intrq ? -EINVAL : 0;
	if (w->kind == DS_DRIVE_DISK ? disk_ok(w, pio, dma) : atapi_ok(w))
		return -EINVAL;
	if ((w->status & ATA_ERR) && (w->status & (ATA_BSY | ATA_DRQ)))
		return -EINVAL;
	if ((w->status & ATA_BSY) && !(c->devctl & ATA_CTL_SRST))
		return -EINVAL;
	if (!(w->status & ATA_DRQ) != (w->xfer == IDE_X_NONE))
		return -EINVAL;
	if (w->pos > w->len || w->len > IDE_BUF_SIZE || w->pos % 2)
		return -EINVAL;
	return dma && c->dma_unit != unit ? -EINVAL : 0;
}

/* The channel's own registers: the bus master as ide_bmdma.c keeps it
 * (SFF-8038i: command bits 0 and 3, status without simplex, Active only
 * with Start, a dword-aligned PRD table of at most 8192 entries, a region
 * inside one 64 KiB block), the
 * interrupt line as ide_update_irq makes it. */
static int channel_check(const struct ide_channel *ch, const struct ds_ide_channel *w)
{
	static const uint8_t zero[sizeof(w->pad)];
	const struct ds_ide_drive *sel = &w->drive[(w->tf_device & ATA_DEV_DEV) ? 1 : 0];
	int level;

	if (w->sig_valid > 1 || w->bm_enabled > 1 || w->bm_cur_eot > 1 ||
	    memcmp(w->pad, zero, sizeof(zero)))
		return -EINVAL;
	if (w->dma_unit < -1 || w->dma_unit > 1 || (w->bm_cmd & ~(BM_CMD_START | BM_CMD_TOMEM)))
		return -EINVAL;
	if ((w->bm_status & 0x98) || ((w->bm_status & BM_ST_ACTIVE) && !(w->bm_cmd & BM_CMD_START)))
		return -EINVAL;
	if ((w->bm_prd_table & 3) || w->bm_cur_left > 0x10000 || w->bm_prd_index > 8192)
		return -EINVAL;
	if ((w->bm_cur_addr & 0xffffu) + w->bm_cur_left > 0x10000)
		return -EINVAL;               /* a region stays inside 64 KiB */
	level = sel->kind != DS_DRIVE_NONE && sel->intrq && !(w->devctl & ATA_CTL_NIEN);
	if (level != w->irq_level)
		return -EINVAL;
	(void)ch;
	return 0;
}

int ide_check(const struct ide_channel *ch, const struct ds_ide_channel *w)
{
	if (channel_check(ch, w))
		return -EINVAL;
	for (int u = 0; u < 2; u++)
		if (drive_check(w, &ch->drive[u], &w->drive[u], u))
			return -EINVAL;
	if (w->dma_unit >= 0) {
		uint8_t x = w->drive[w->dma_unit].xfer;

		/* the engine's drive has its DMA command pending */
		if (x != IDE_X_DMA_IN && x != IDE_X_DMA_OUT)
			return -EINVAL;
	}
	return 0;
}

static void drive_load(struct ide_drive *d, const struct ds_ide_drive *w)
{
	struct ide_atapi *cd = &d->cd;

	d->status = w->status; d->error = w->error; d->intrq = w->intrq;
	d->mult = w->mult; d->xfer_mode = w->xfer_mode; d->wcache = w->wcache;
	d->lookahead = w->lookahead; d->standby = w->standby;
	d->xfer = (enum ide_xfer)w->xfer; d->on_disk = w->on_disk;
	d->heads = w->heads; d->spt = w->spt;
	d->lba = w->lba; d->left = w->left; d->block = w->block;
	d->pos = w->pos; d->len = w->len;
	memcpy(cd->cdb, w->cdb, sizeof(cd->cdb));
	cd->key = w->key; cd->asc = w->asc; cd->ascq = w->ascq;
	cd->unit_attention = w->unit_attention; cd->media_event = w->media_event;
	cd->locked = w->locked; cd->packet_cmd = w->packet_cmd; cd->dma = w->dma;
	cd->bcl = w->bcl; cd->blk_left = w->blk_left; cd->total = w->total;
	memcpy(d->buf, w->buf, sizeof(d->buf));
}

int ide_restore(struct ide_channel *ch, const struct ds_ide_channel *w)
{
	struct ide_taskfile *tf = &ch->tf;

	if (ide_check(ch, w))
		return -EINVAL;
	memcpy(tf->feature, w->tf_feature, 2); memcpy(tf->count, w->tf_count, 2);
	memcpy(tf->lbal, w->tf_lbal, 2); memcpy(tf->lbam, w->tf_lbam, 2);
	memcpy(tf->lbah, w->tf_lbah, 2);
	tf->device = w->tf_device; ch->devctl = w->devctl;
	ch->irq_level = w->irq_level; ch->sig_valid = w->sig_valid;
	ch->bm.cmd = w->bm_cmd; ch->bm.status = w->bm_status;
	ch->dma_unit = w->dma_unit;
	ch->bm.enabled = w->bm_enabled; ch->bm.cur_eot = w->bm_cur_eot;
	ch->bm.prd_table = w->bm_prd_table; ch->bm.prd_index = w->bm_prd_index;
	ch->bm.cur_addr = w->bm_cur_addr; ch->bm.cur_left = w->bm_cur_left;
	for (unsigned u = 0; u < 2; u++)
		drive_load(&ch->drive[u], &w->drive[u]);
	return 0;
}
