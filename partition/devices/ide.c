/*
 * ide: the channel's registers, device selection, resets, INTRQ and the
 * PIO data register. References: ATA/ATAPI-7 volume 2 (parallel
 * transport: register file, device 0/1 responses, SRST and nIEN, PIO
 * data-in and data-out protocols) and ATA8-ACS (HOB, signatures).
 */
#include <errno.h>
#include <string.h>

#include "partition/devices/ide.h"

/* With no device on the channel nothing drives the bus; DD7's pull-down
 * (ATA/ATAPI-7 vol 2, the DD7 pull-down) makes every register read 0x7f. */
#define IDE_FLOAT 0x7fu

static bool channel_empty(const struct ide_channel *ch)
{
	return !ide_present(&ch->drive[0]) && !ide_present(&ch->drive[1]);
}

struct ide_drive *ide_sel(struct ide_channel *ch)
{
	return &ch->drive[(ch->tf.device & ATA_DEV_DEV) ? 1 : 0];
}

/* Only the selected device drives INTRQ, and not while nIEN is set;
 * the bus-master status latches the line's rising edge (SFF-8038i,
 * "Interrupt" bit). */
void ide_update_irq(struct ide_channel *ch)
{
	struct ide_drive *d = ide_sel(ch);
	int level = ide_present(d) && d->intrq && !(ch->devctl & ATA_CTL_NIEN);

	if (level == ch->irq_level)
		return;
	ch->irq_level = level;
	if (level)
		ch->bm.status |= BM_ST_INTR;
	if (ch->ops && ch->ops->irq)
		ch->ops->irq(ch->ctx, ch->irq_line, level);
}

void ide_raise(struct ide_channel *ch, struct ide_drive *d)
{
	d->intrq = true;
	ide_update_irq(ch);
}

void ide_end_transfer(struct ide_channel *ch, struct ide_drive *d)
{
	d->xfer = IDE_X_NONE;
	d->left = 0;
	d->pos = d->len = 0;
	d->cd.total = d->cd.blk_left = 0;
	if (ch->dma_unit >= 0 && &ch->drive[ch->dma_unit] == d)
		ch->dma_unit = -1;
}

/* A PACKET device ends every command with interrupt reason I/O and C/D
 * set in the sector count register (ATA/ATAPI-6, PACKET normal outputs
 * and the packet protocols,
 * "status" phase). */
static void packet_status_phase(struct ide_channel *ch, struct ide_drive *d)
{
	if (d->is_atapi && d->cd.packet_cmd)
		ch->tf.count[0] = 0x03;
}

/* The channel has one bus-master engine: a host that starts a DMA
 * command on one device while the other's is pending broke the rule of
 * one command a channel (ATA/ATAPI-6, without the overlapped
 * feature set); the older command is aborted. */
void ide_dma_claim(struct ide_channel *ch, struct ide_drive *d)
{
	int unit = d == &ch->drive[0] ? 0 : 1;

	if (ch->dma_unit >= 0 && ch->dma_unit != unit)
		ide_fail(ch, &ch->drive[ch->dma_unit], ATA_E_ABRT);
	ch->dma_unit = unit;
}

void ide_done(struct ide_channel *ch, struct ide_drive *d)
{
	ide_end_transfer(ch, d);
	d->status = ATA_DRDY | ATA_DSC;
	packet_status_phase(ch, d);
	ide_raise(ch, d);
}

void ide_fail(struct ide_channel *ch, struct ide_drive *d, uint8_t err)
{
	ide_end_transfer(ch, d);
	d->status = ATA_DRDY | ATA_ERR;
	d->error = err;
	packet_status_phase(ch, d);
	ide_raise(ch, d);
}

/* The ATA signature (ATA8-ACS table "Device signatures"): count 1,
 * LBA 0x000001 with LBA mid/high zero; DEV cleared. */
void ide_set_signature(struct ide_channel *ch)
{
	struct ide_taskfile *tf = &ch->tf;

	memset(tf, 0, sizeof(*tf));
	tf->count[0] = tf->count[1] = 1;
	tf->lbal[0] = tf->lbal[1] = 1;
	ch->sig_valid = true;
}

/* A device after reset or diagnostics: idle, no transfer, diagnostic
 * code 01h ("passed"), settings kept. A PACKET device leaves DRDY
 * clear (ATA/ATAPI-6, "Signature and persistence": status 00h
 * for devices implementing the PACKET command feature set). */
void ide_drive_ready(struct ide_channel *ch, struct ide_drive *d)
{
	ide_end_transfer(ch, d);
	d->intrq = false;
	d->standby = false;
	d->status = d->bd ? (ATA_DRDY | ATA_DSC) : 0;
	d->error = ide_present(d) ? 0x01 : 0;
}

/* Power-on defaults of the settings a reset does not touch. */
static void drive_defaults(struct ide_drive *d)
{
	d->mult = 0;
	d->xfer_mode = 0;
	d->wcache = true;
	d->lookahead = true;
	d->heads = 16;
	d->spt = 63;
}

void ide_init(struct ide_channel *ch, const struct ide_host_ops *ops, void *ctx,
	      unsigned irq_line)
{
	memset(ch, 0, sizeof(*ch));
	ch->ops = ops;
	ch->ctx = ctx;
	ch->irq_line = irq_line;
	ch->dma_unit = -1;
	ch->bm.enabled = true;
	ide_reset(ch);
}

int ide_attach(struct ide_channel *ch, unsigned unit, struct blockdev *bd,
	       const char *serial)
{
	struct ide_drive *d;

	if (unit > 1 || (bd && blockdev_get_size(bd) < IDE_SECTOR))
		return -EINVAL;
	d = &ch->drive[unit];
	memset(&d->cd, 0, sizeof(d->cd));
	d->is_atapi = false;
	d->bd = bd;
	d->sectors = bd ? blockdev_get_size(bd) / IDE_SECTOR : 0;
	memset(d->serial, 0, sizeof(d->serial));
	if (serial)
		strncpy(d->serial, serial, sizeof(d->serial) - 1);
	return 0;
}

void ide_reset(struct ide_channel *ch)
{
	unsigned i;

	ch->devctl = 0;
	for (i = 0; i < 2; i++) {
		drive_defaults(&ch->drive[i]);
		ide_drive_ready(ch, &ch->drive[i]);
	}
	ide_set_signature(ch);
	ide_bm_reset(&ch->bm);
	ch->dma_unit = -1;
	ide_update_irq(ch);
}

/* PIO: fill the next DRQ block (data-in) or get ready to take one
 * (data-out). d->lba, d->left, d->block were checked by the command. */
static int pio_next_block(struct ide_drive *d)
{
	uint32_t n = d->left < d->block ? d->left : d->block;

	if (n == 0 || n > IDE_MAX_MULT)
		return -EINVAL;
	d->pos = 0;
	d->len = n * IDE_SECTOR;
	if (d->xfer != IDE_X_PIO_IN || !d->on_disk)
		return 0;
	return blockdev_read(d->bd, d->lba * IDE_SECTOR, d->buf, d->len);
}

/* The first block: data-in raises INTRQ with DRQ set; data-out sets DRQ
 * and waits for the host without an interrupt (ATA/ATAPI-7 vol 2,
 * PIO data-out protocol). */
void ide_pio_start(struct ide_channel *ch, struct ide_drive *d)
{
	if (pio_next_block(d) < 0) {
		ide_fail(ch, d, d->xfer == IDE_X_PIO_IN ? ATA_E_UNC : ATA_E_ABRT);
		return;
	}
	d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
	if (d->xfer == IDE_X_PIO_IN)
		ide_raise(ch, d);
}

/* A DRQ block has gone: move on, or end. After the last data-in block
 * the device goes idle without an interrupt; each data-out block ends
 * with one. */
static void pio_block_done(struct ide_channel *ch, struct ide_drive *d)
{
	uint32_t n = d->len / IDE_SECTOR;
	bool out = d->xfer == IDE_X_PIO_OUT;

	if (out && blockdev_write(d->bd, d->lba * IDE_SECTOR, d->buf, d->len) < 0) {
		ide_fail(ch, d, ATA_E_ABRT);
		return;
	}
	d->left -= n;
	d->lba += n;
	if (d->left == 0) {
		ide_end_transfer(ch, d);
		d->status = ATA_DRDY | ATA_DSC;
		if (out)
			ide_raise(ch, d);
		return;
	}
	ide_pio_start(ch, d);
	if (out && d->xfer == IDE_X_PIO_OUT)
		ide_raise(ch, d);
}

static uint16_t data_in_word(struct ide_channel *ch, struct ide_drive *d)
{
	uint16_t w;

	if (d->xfer == IDE_X_ATAPI_IN)
		return ide_atapi_data_in(ch, d);
	if (d->xfer != IDE_X_PIO_IN || d->pos + 2 > d->len)
		return 0xffff;
	w = (uint16_t)(d->buf[d->pos] | d->buf[d->pos + 1] << 8);
	d->pos += 2;
	if (d->pos == d->len)
		pio_block_done(ch, d);
	return w;
}

static void data_out_word(struct ide_channel *ch, struct ide_drive *d, uint16_t w)
{
	if (d->xfer == IDE_X_PACKET) {
		ide_atapi_data_out(ch, d, w);
		return;
	}
	if (d->xfer != IDE_X_PIO_OUT || d->pos + 2 > d->len)
		return;
	d->buf[d->pos] = (uint8_t)w;
	d->buf[d->pos + 1] = (uint8_t)(w >> 8);
	d->pos += 2;
	if (d->pos == d->len)
		pio_block_done(ch, d);
}

/* The data register is 16 bits wide; a dword access moves two words
 * (PIIX4 32-bit PIO), a byte access one word of which the upper byte is
 * lost (reads) or zero (writes). */
static uint32_t data_read(struct ide_channel *ch, unsigned size)
{
	struct ide_drive *d = ide_sel(ch);
	uint32_t v;

	if (!ide_present(d))
		return size == 4 ? 0xffffffffu : 0xffffu;
	v = data_in_word(ch, d);
	if (size == 4)
		v |= (uint32_t)data_in_word(ch, d) << 16;
	return size == 1 ? (v & 0xff) : v;
}

static void data_write(struct ide_channel *ch, unsigned size, uint32_t v)
{
	struct ide_drive *d = ide_sel(ch);

	if (!ide_present(d))
		return;
	data_out_word(ch, d, (uint16_t)(size == 1 ? (v & 0xff) : v));
	if (size == 4)
		data_out_word(ch, d, (uint16_t)(v >> 16));
}

/* Device 1 absent with device 0 present: device 0 answers for it with
 * its register file, but status, alternate status and error read 00h
 * (ATA/ATAPI-7 vol 2, "device 0 only" configuration). */
static uint8_t status_read(struct ide_channel *ch, bool clear_irq)
{
	struct ide_drive *d = ide_sel(ch);

	if (channel_empty(ch))
		return IDE_FLOAT;
	if (!ide_present(d))
		return 0;
	if (clear_irq) {
		d->intrq = false;
		ide_update_irq(ch);
	}
	return d->status;
}

/* Each device keeps its own signature after a reset; the register
 * file here is shared, so a PACKET device's (LBA mid 14h, high EBh:
 * ATA/ATAPI-6, "Signature and persistence") shows while it is
 * selected until the host writes a register. */
static bool sig_packet(struct ide_channel *ch)
{
	return ch->sig_valid && ide_sel(ch)->is_atapi;
}

static uint8_t reg_read(struct ide_channel *ch, unsigned reg)
{
	struct ide_taskfile *tf = &ch->tf;
	unsigned hob = (ch->devctl & ATA_CTL_HOB) ? 1 : 0;

	if (channel_empty(ch))
		return IDE_FLOAT;
	switch (reg) {
	case IDE_REG_ERROR:
		return ide_present(ide_sel(ch)) ? ide_sel(ch)->error : 0;
	case IDE_REG_COUNT:
		return tf->count[hob];
	case IDE_REG_LBAL:
		return tf->lbal[hob];
	case IDE_REG_LBAM:
		return sig_packet(ch) ? 0x14 : tf->lbam[hob];
	case IDE_REG_LBAH:
		return sig_packet(ch) ? 0xeb : tf->lbah[hob];
	case IDE_REG_DEVICE:
		return tf->device;
	case IDE_REG_STATUS:
		return status_read(ch, true);
	default:
		return 0xff;
	}
}

/* Each of the 48-bit registers is a two-deep FIFO. */
static void push(uint8_t r[2], uint8_t v)
{
	r[1] = r[0];
	r[0] = v;
}

/* Writes reach both devices; a write to any command block register
 * clears HOB (ATA/ATAPI-7 vol 1, Device Control register). While SRST
 * is held the devices are busy and take none. */
static void reg_write(struct ide_channel *ch, unsigned reg, uint8_t v)
{
	struct ide_taskfile *tf = &ch->tf;

	if (ch->devctl & ATA_CTL_SRST)
		return;
	ch->devctl &= (uint8_t)~ATA_CTL_HOB;
	if (reg != IDE_REG_DEVICE)
		ch->sig_valid = false;
	switch (reg) {
	case IDE_REG_FEATURE:
		push(tf->feature, v);
		break;
	case IDE_REG_COUNT:
		push(tf->count, v);
		break;
	case IDE_REG_LBAL:
		push(tf->lbal, v);
		break;
	case IDE_REG_LBAM:
		push(tf->lbam, v);
		break;
	case IDE_REG_LBAH:
		push(tf->lbah, v);
		break;
	case IDE_REG_DEVICE:
		tf->device = v;
		ide_update_irq(ch);   /* the other device may drive INTRQ now */
		break;
	case IDE_REG_COMMAND:
		ide_execute(ch, v);
		break;
	}
}

uint32_t ide_cmd_read(struct ide_channel *ch, unsigned reg, unsigned size)
{
	uint32_t v = 0;
	unsigned i;

	if (reg == IDE_REG_DATA && size >= 2)
		return data_read(ch, size);
	if (reg == IDE_REG_DATA)
		return data_read(ch, 1);
	for (i = 0; i < size && i < 4; i++)
		v |= (uint32_t)(reg + i <= 7 ? reg_read(ch, reg + i) : 0xff) << (8 * i);
	return v;
}

void ide_cmd_write(struct ide_channel *ch, unsigned reg, unsigned size, uint32_t v)
{
	unsigned i;

	if (reg == IDE_REG_DATA) {
		if (ch->devctl & ATA_CTL_SRST)
			return;
		ch->devctl &= (uint8_t)~ATA_CTL_HOB;
		data_write(ch, size, v);
		return;
	}
	for (i = 0; i < size && i < 4 && reg + i <= 7; i++)
		reg_write(ch, reg + i, (uint8_t)(v >> (8 * i)));
}

uint8_t ide_ctl_read(struct ide_channel *ch)
{
	return status_read(ch, false);
}

/* SRST set: both devices go busy and drop what they were doing; SRST
 * cleared: they come back with the signature and diagnostic code 01h,
 * settings kept, no interrupt (ATA/ATAPI-7 vol 2, software reset). */
static void srst_edge(struct ide_channel *ch, bool asserted)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct ide_drive *d = &ch->drive[i];

		ide_drive_ready(ch, d);
		if (asserted && ide_present(d))
			d->status = ATA_BSY;
	}
	ch->dma_unit = -1;
	if (!asserted)
		ide_set_signature(ch);
}

void ide_ctl_write(struct ide_channel *ch, uint8_t v)
{
	uint8_t old = ch->devctl;

	ch->devctl = v & (ATA_CTL_HOB | ATA_CTL_SRST | ATA_CTL_NIEN);
	if ((v ^ old) & ATA_CTL_SRST)
		srst_edge(ch, v & ATA_CTL_SRST);
	ide_update_irq(ch);
}
