/*
 * ide_ata: the ATA commands of an IDE disk, one table indexed by the
 * command code with an explicit unhandled entry: a code the table does
 * not have ends with ABRT, as a drive aborts a command it does not
 * implement (ATA8-ACS, Error field: ABRT). Every address and count the
 * guest wrote is checked against the disk before a byte moves.
 */
#include <string.h>

#include "partition/devices/ide.h"

/* Command codes (ATA8-ACS, table "Command codes"). */
enum {
	ATA_READ_SECTORS = 0x20, ATA_READ_SECTORS_NR = 0x21,
	ATA_READ_SECTORS_EXT = 0x24, ATA_READ_DMA_EXT = 0x25,
	ATA_READ_MULTIPLE_EXT = 0x29, ATA_WRITE_SECTORS = 0x30,
	ATA_WRITE_SECTORS_NR = 0x31, ATA_WRITE_SECTORS_EXT = 0x34,
	ATA_WRITE_DMA_EXT = 0x35, ATA_WRITE_MULTIPLE_EXT = 0x39,
	ATA_READ_VERIFY = 0x40, ATA_READ_VERIFY_NR = 0x41,
	ATA_READ_VERIFY_EXT = 0x42, ATA_EXEC_DIAG = 0x90,
	ATA_INIT_DEV_PARAMS = 0x91, ATA_READ_MULTIPLE = 0xc4,
	ATA_WRITE_MULTIPLE = 0xc5, ATA_SET_MULTIPLE = 0xc6,
	ATA_READ_DMA = 0xc8, ATA_READ_DMA_NR = 0xc9, ATA_WRITE_DMA = 0xca,
	ATA_WRITE_DMA_NR = 0xcb, ATA_STANDBY_IMM = 0xe0, ATA_IDLE_IMM = 0xe1,
	ATA_STANDBY = 0xe2, ATA_IDLE = 0xe3, ATA_CHECK_POWER = 0xe5,
	ATA_SLEEP = 0xe6, ATA_FLUSH_CACHE = 0xe7, ATA_FLUSH_CACHE_EXT = 0xea,
	ATA_IDENTIFY = 0xec, ATA_SET_FEATURES = 0xef,
	ATA_DEVICE_RESET = 0x08, ATA_PACKET = 0xa0, ATA_IDENTIFY_PACKET = 0xa1,
};

/* What IDENTIFY says (and SET FEATURES accepts): PIO 0-4, multiword
 * DMA 0-2, Ultra DMA 0-2, the PIIX4's UDMA/33 (ata_piix: piix_pata_33). */
#define ID_MWDMA_MASK 0x07u
#define ID_UDMA_MASK  0x07u
#define ID_MODEL      "Virtual HD"
#define ID_FIRMWARE   "1.1.0"
#define LBA28_MAX     0x0fffffffu

enum {
	C_LBA48 = 1 << 0, C_WRITE = 1 << 1, C_MULT = 1 << 2, C_DMA = 1 << 3,
	C_VERIFY = 1 << 4, C_WAKE = 1 << 5,
};

struct ata_cmd {
	void (*run)(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c);
	unsigned flags;
};

/* ---- addresses and counts ---- */

static uint32_t tf_count(const struct ide_taskfile *tf, bool lba48)
{
	uint32_t n = tf->count[0];

	if (lba48) {
		n |= (uint32_t)tf->count[1] << 8;
		return n ? n : 65536;
	}
	return n ? n : 256;
}

/* LBA48, LBA28 or CHS through the current translation (ATA8-ACS
 * "Logical block addressing"; ATA-5 for CHS). false: a CHS address
 * that does not exist. */
static bool tf_lba(const struct ide_taskfile *tf, const struct ide_drive *d,
		   bool lba48, uint64_t *lba)
{
	uint64_t cyl;
	unsigned head = tf->device & 0x0f, sec = tf->lbal[0];

	if (lba48) {
		*lba = tf->lbal[0] | (uint64_t)tf->lbam[0] << 8 |
		       (uint64_t)tf->lbah[0] << 16 | (uint64_t)tf->lbal[1] << 24 |
		       (uint64_t)tf->lbam[1] << 32 | (uint64_t)tf->lbah[1] << 40;
		return true;
	}
	if (tf->device & ATA_DEV_LBA) {
		*lba = tf->lbal[0] | (uint64_t)tf->lbam[0] << 8 |
		       (uint64_t)tf->lbah[0] << 16 | (uint64_t)head << 24;
		return true;
	}
	if (sec == 0 || sec > d->spt || head >= d->heads)
		return false;
	cyl = tf->lbam[0] | (uint64_t)tf->lbah[0] << 8;
	*lba = (cyl * d->heads + head) * d->spt + sec - 1;
	return true;
}

/* The error outputs of the read/write commands name the sector. */
static void tf_put_lba(struct ide_taskfile *tf, uint64_t lba)
{
	tf->lbal[0] = (uint8_t)lba;
	tf->lbam[0] = (uint8_t)(lba >> 8);
	tf->lbah[0] = (uint8_t)(lba >> 16);
	tf->lbal[1] = (uint8_t)(lba >> 24);
	tf->lbam[1] = (uint8_t)(lba >> 32);
	tf->lbah[1] = (uint8_t)(lba >> 40);
}

/* ---- the commands ---- */

static void cmd_abort(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	(void)c;
	ide_fail(ch, d, ATA_E_ABRT);
}

static void start_data(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	bool wr = c->flags & C_WRITE;

	d->on_disk = true;
	if (c->flags & C_DMA) {
		d->xfer = wr ? IDE_X_DMA_OUT : IDE_X_DMA_IN;
		d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
		ide_dma_claim(ch, d);
		ide_bm_kick(ch);
		return;
	}
	d->xfer = wr ? IDE_X_PIO_OUT : IDE_X_PIO_IN;
	d->block = (c->flags & C_MULT) ? d->mult : 1;
	ide_pio_start(ch, d);
}

/* READ/WRITE SECTOR(S), MULTIPLE, DMA (EXT) and READ VERIFY: the range
 * must lie on the disk (IDNF otherwise), a MULTIPLE command needs SET
 * MULTIPLE MODE first and a write a writable disk (ABRT otherwise). */
static void cmd_rw(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	bool lba48 = c->flags & C_LBA48;
	uint32_t n = tf_count(&ch->tf, lba48);
	uint64_t lba = 0;

	d->standby = false;
	if (!tf_lba(&ch->tf, d, lba48, &lba) || lba > d->sectors || n > d->sectors - lba) {
		tf_put_lba(&ch->tf, lba);
		ide_fail(ch, d, ATA_E_IDNF);
		return;
	}
	if (((c->flags & C_MULT) && !d->mult) ||
	    ((c->flags & C_WRITE) && d->bd->read_only)) {
		ide_fail(ch, d, ATA_E_ABRT);
		return;
	}
	d->lba = lba;
	d->left = n;
	if (c->flags & C_VERIFY)
		ide_done(ch, d);
	else
		start_data(ch, d, c);
}

void ide_id_string(uint16_t *w, unsigned words, const char *s)
{
	size_t n = strlen(s);
	unsigned i;

	/* ATA strings: two characters a word, the first in bits 15:8,
	 * padded with spaces (ATA8-ACS, "ATA string convention"). */
	for (i = 0; i < words * 2; i++) {
		uint8_t ch = (uint8_t)(i < n ? s[i] : ' ');

		w[i / 2] |= (uint16_t)(i & 1 ? ch : ch << 8);
	}
}

/* Default CHS geometry and the current translation (words 1-6, 54-58). */
static void id_geometry(uint16_t *id, const struct ide_drive *d)
{
	uint64_t cyl = d->sectors / (16 * 63), cur;

	id[1] = (uint16_t)(cyl > 16383 ? 16383 : cyl);
	id[3] = 16;
	id[6] = 63;
	cyl = d->heads && d->spt ? d->sectors / ((uint64_t)d->heads * d->spt) : 0;
	if (cyl > 65535)
		cyl = 65535;
	cur = cyl * d->heads * d->spt;
	id[53] = 0x0007;        /* words 54-58, 64-70 and 88 are valid */
	id[54] = (uint16_t)cyl;
	id[55] = d->heads;
	id[56] = d->spt;
	id[57] = (uint16_t)cur;
	id[58] = (uint16_t)(cur >> 16);
}

/* Supported and selected transfer modes (words 63, 64, 88). */
static void id_modes(uint16_t *id, const struct ide_drive *d)
{
	id[63] = ID_MWDMA_MASK;
	id[64] = 0x0003;        /* PIO 3 and 4 */
	id[65] = id[66] = id[67] = id[68] = 120;
	id[88] = ID_UDMA_MASK;
	if (d->xfer_mode >= 0x20 && d->xfer_mode <= 0x22)
		id[63] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
	if (d->xfer_mode >= 0x40 && d->xfer_mode <= 0x42)
		id[88] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
}

/* Feature sets: words 82-87 claim what the table implements: power
 * management (CHECK POWER MODE, IDLE, STANDBY, SLEEP), write cache and
 * look-ahead (SET FEATURES 02h/82h, AAh/55h), FLUSH CACHE (EXT) and the
 * 48-bit address feature set. Bits 14 set, 15 clear: the words are valid. */
static void id_features(uint16_t *id, const struct ide_drive *d)
{
	id[80] = 0x01f0;        /* ATA-4 to ATA8-ACS */
	id[82] = 0x0068;
	id[83] = 0x7400;
	id[84] = 0x4000;
	id[85] = (uint16_t)(0x0008 | (d->wcache ? 0x20 : 0) | (d->lookahead ? 0x40 : 0));
	id[86] = 0x3400;
	id[87] = 0x4000;
}

void ide_id_checksum(uint16_t *id)
{
	uint8_t sum = 0xa5;
	unsigned i;

	/* Word 255: signature A5h and a checksum making the 512 bytes sum
	 * to zero (ATA8-ACS, IDENTIFY DEVICE word 255). */
	for (i = 0; i < 255; i++)
		sum = (uint8_t)(sum + (id[i] & 0xff) + (id[i] >> 8));
	id[255] = (uint16_t)(0xa5 | (uint8_t)-sum << 8);
}

static void build_identify(const struct ide_drive *d, unsigned unit, uint16_t *id)
{
	uint64_t n = d->sectors;

	memset(id, 0, 512);
	id[0] = 0x0040;                       /* ATA device, fixed */
	ide_id_string(&id[10], 10, d->serial);
	ide_id_string(&id[23], 4, ID_FIRMWARE);
	ide_id_string(&id[27], 20, ID_MODEL);
	id[47] = 0x8000 | IDE_MAX_MULT;
	id[49] = 0x0b00;                      /* IORDY, LBA, DMA */
	id[50] = 0x4000;
	id[51] = 0x0200;
	id[59] = (uint16_t)(d->mult ? 0x0100 | d->mult : 0);
	id[60] = (uint16_t)(n > LBA28_MAX ? LBA28_MAX : n);
	id[61] = (uint16_t)((n > LBA28_MAX ? LBA28_MAX : n) >> 16);
	id[93] = unit ? 0x4300 : 0x400b;      /* reset result, jumper-set */
	id[100] = (uint16_t)n;
	id[101] = (uint16_t)(n >> 16);
	id[102] = (uint16_t)(n >> 32);
	id[103] = (uint16_t)(n >> 48);
	id[106] = 0x4000;                     /* 512-byte logical = physical */
	id_geometry(id, d);
	id_modes(id, d);
	id_features(id, d);
	ide_id_checksum(id);
}

static void cmd_identify(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	uint16_t id[256];

	(void)c;
	build_identify(d, d == &ch->drive[1], id);
	ide_pio_send_identify(ch, d, id);
}

void ide_pio_send_identify(struct ide_channel *ch, struct ide_drive *d, const uint16_t *id)
{
	for (unsigned i = 0; i < 256; i++) {
		d->buf[2 * i] = (uint8_t)id[i];
		d->buf[2 * i + 1] = (uint8_t)(id[i] >> 8);
	}
	d->on_disk = false;
	d->xfer = IDE_X_PIO_IN;
	d->left = d->block = 1;
	ide_pio_start(ch, d);
}

/* Count: 0 disables multiple mode; otherwise a power of two up to
 * IDENTIFY word 47's maximum. */
static void cmd_set_multiple(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	uint8_t n = ch->tf.count[0];

	(void)c;
	if (n > IDE_MAX_MULT || (n & (n - 1))) {
		ide_fail(ch, d, ATA_E_ABRT);
		return;
	}
	d->mult = n;
	ide_done(ch, d);
}

/* SET FEATURES 03h: count 00h/01h PIO default, 08h+n PIO n, 20h+n
 * multiword DMA n, 40h+n Ultra DMA n (ATA8-ACS, "Set transfer mode"). */
static bool mode_ok(uint8_t m)
{
	if (m <= 0x01 || (m >= 0x08 && m <= 0x0c))
		return true;
	if (m >= 0x20 && m <= 0x27)
		return ID_MWDMA_MASK & (1u << (m & 7));
	if (m >= 0x40 && m <= 0x47)
		return ID_UDMA_MASK & (1u << (m & 7));
	return false;
}

static bool set_feature(struct ide_drive *d, uint8_t sub, uint8_t count)
{
	switch (sub) {
	case 0x02: d->wcache = true; return true;
	case 0x82: d->wcache = false; return true;
	case 0xaa: d->lookahead = true; return true;
	case 0x55: d->lookahead = false; return true;
	case 0x03:
		if (!mode_ok(count))
			return false;
		d->xfer_mode = count;
		return true;
	default:
		return false;
	}
}

static void cmd_set_features(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	(void)c;
	if (set_feature(d, ch->tf.feature[0], ch->tf.count[0]))
		ide_done(ch, d);
	else
		ide_fail(ch, d, ATA_E_ABRT);
}

/* INITIALIZE DEVICE PARAMETERS: the CHS translation for later commands
 * with the LBA bit clear: count sectors a track, device bits 3:0 + 1
 * heads. A translation with no sectors makes every CHS address IDNF. */
static void cmd_init_params(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	(void)c;
	d->spt = ch->tf.count[0];
	d->heads = (uint16_t)((ch->tf.device & 0x0f) + 1);
	ide_done(ch, d);
}

static void cmd_flush(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	(void)c;
	if (blockdev_flush(d->bd) < 0)
		ide_fail(ch, d, ATA_E_ABRT);
	else
		ide_done(ch, d);
}

/* CHECK POWER MODE: count 00h standby, FFh active or idle. */
static void cmd_check_power(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	(void)c;
	ch->tf.count[0] = d->standby ? 0x00 : 0xff;
	ide_done(ch, d);
}

/* STANDBY (IMMEDIATE) and SLEEP enter standby (there is no platter to
 * stop; SLEEP does not need a reset to leave); IDLE (IMMEDIATE) leaves
 * it, as does any media access. */
static void cmd_power(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	d->standby = !(c->flags & C_WAKE);
	ide_done(ch, d);
}

/* EXECUTE DEVICE DIAGNOSTIC: both devices run it whatever DEV says;
 * device 0 posts the result (01h: it passed and device 1 passed or is
 * absent) with the signature and interrupts (ATA/ATAPI-7 vol 2). */
static void cmd_diag(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	unsigned i;

	(void)c;
	(void)d;
	for (i = 0; i < 2; i++) {
		struct ide_drive *x = &ch->drive[i];

		x->xfer = IDE_X_NONE;
		x->left = 0;
		x->intrq = false;
		x->status = x->bd ? (ATA_DRDY | ATA_DSC) : 0;   /* PACKET: 00h */
		x->error = ide_present(x) ? 0x01 : 0;
	}
	ch->dma_unit = -1;
	ide_set_signature(ch);
	ide_raise(ch, &ch->drive[0]);
}

#define RW(f) { cmd_rw, (f) }
static const struct ata_cmd ata_cmds[256] = {
	[ATA_READ_SECTORS]       = RW(0),
	[ATA_READ_SECTORS_NR]    = RW(0),
	[ATA_READ_SECTORS_EXT]   = RW(C_LBA48),
	[ATA_READ_DMA_EXT]       = RW(C_LBA48 | C_DMA),
	[ATA_READ_MULTIPLE_EXT]  = RW(C_LBA48 | C_MULT),
	[ATA_WRITE_SECTORS]      = RW(C_WRITE),
	[ATA_WRITE_SECTORS_NR]   = RW(C_WRITE),
	[ATA_WRITE_SECTORS_EXT]  = RW(C_LBA48 | C_WRITE),
	[ATA_WRITE_DMA_EXT]      = RW(C_LBA48 | C_WRITE | C_DMA),
	[ATA_WRITE_MULTIPLE_EXT] = RW(C_LBA48 | C_WRITE | C_MULT),
	[ATA_READ_VERIFY]        = RW(C_VERIFY),
	[ATA_READ_VERIFY_NR]     = RW(C_VERIFY),
	[ATA_READ_VERIFY_EXT]    = RW(C_LBA48 | C_VERIFY),
	[ATA_EXEC_DIAG]          = { cmd_diag, 0 },
	[ATA_INIT_DEV_PARAMS]    = { cmd_init_params, 0 },
	[ATA_READ_MULTIPLE]      = RW(C_MULT),
	[ATA_WRITE_MULTIPLE]     = RW(C_WRITE | C_MULT),
	[ATA_SET_MULTIPLE]       = { cmd_set_multiple, 0 },
	[ATA_READ_DMA]           = RW(C_DMA),
	[ATA_READ_DMA_NR]        = RW(C_DMA),
	[ATA_WRITE_DMA]          = RW(C_WRITE | C_DMA),
	[ATA_WRITE_DMA_NR]       = RW(C_WRITE | C_DMA),
	[ATA_STANDBY_IMM]        = { cmd_power, 0 },
	[ATA_IDLE_IMM]           = { cmd_power, C_WAKE },
	[ATA_STANDBY]            = { cmd_power, 0 },
	[ATA_IDLE]               = { cmd_power, C_WAKE },
	[ATA_CHECK_POWER]        = { cmd_check_power, 0 },
	[ATA_SLEEP]              = { cmd_power, 0 },
	[ATA_FLUSH_CACHE]        = { cmd_flush, 0 },
	[ATA_FLUSH_CACHE_EXT]    = { cmd_flush, 0 },
	[ATA_IDENTIFY]           = { cmd_identify, 0 },
	[ATA_SET_FEATURES]       = { cmd_set_features, 0 },
};

/* ---- a PACKET (ATAPI) device's ATA commands ---- */

static void cmd_packet(struct ide_channel *ch, struct ide_drive *d, const struct ata_cmd *c)
{
	(void)c;
	ide_atapi_packet(ch, d);
}

static void cmd_identify_packet(struct ide_channel *ch, struct ide_drive *d,
				const struct ata_cmd *c)
{
	(void)c;
	ide_atapi_identify(ch, d);
}

/* IDENTIFY DEVICE and the media access commands of an ATA disk: a
 * PACKET device aborts them and leaves its signature in the registers,
 * which is how a host tells the kinds apart (ATA/ATAPI-6, IDENTIFY
 * DEVICE; "Signature and persistence"). */
static void cmd_signature_abort(struct ide_channel *ch, struct ide_drive *d,
				const struct ata_cmd *c)
{
	(void)c;
	ide_atapi_signature_abort(ch, d);
}

/* DEVICE RESET: the device alone resets, keeps its settings, shows its
 * signature and does not interrupt (ATA/ATAPI-6, DEVICE RESET). */
static void cmd_device_reset(struct ide_channel *ch, struct ide_drive *d,
			     const struct ata_cmd *c)
{
	(void)c;
	ide_drive_ready(ch, d);
	ide_set_signature(ch);
	ide_update_irq(ch);
}

/* The PACKET command feature set's ATA commands (ATA/ATAPI-6, the
 * command matrix:
 * the commands a device implementing it supports). */
static const struct ata_cmd atapi_cmds[256] = {
	[ATA_DEVICE_RESET]    = { cmd_device_reset, 0 },
	[ATA_READ_SECTORS]    = { cmd_signature_abort, 0 },
	[ATA_READ_SECTORS_NR] = { cmd_signature_abort, 0 },
	[ATA_READ_DMA]        = { cmd_signature_abort, 0 },
	[ATA_IDENTIFY]        = { cmd_signature_abort, 0 },
	[ATA_EXEC_DIAG]       = { cmd_diag, 0 },
	[ATA_PACKET]          = { cmd_packet, 0 },
	[ATA_IDENTIFY_PACKET] = { cmd_identify_packet, 0 },
	[ATA_STANDBY_IMM]     = { cmd_power, 0 },
	[ATA_IDLE_IMM]        = { cmd_power, C_WAKE },
	[ATA_CHECK_POWER]     = { cmd_check_power, 0 },
	[ATA_SLEEP]           = { cmd_power, 0 },
	[ATA_SET_FEATURES]    = { cmd_set_features, 0 },
};

/* The unhandled entry: IDENTIFY PACKET DEVICE on a disk, DEVICE RESET,
 * NOP and every code not in the device's table. */
static const struct ata_cmd ata_unhandled = { cmd_abort, 0 };

static const struct ata_cmd *cmd_lookup(const struct ide_drive *d, uint8_t code)
{
	const struct ata_cmd *t = d->is_atapi ? atapi_cmds : ata_cmds;

	return t[code].run ? &t[code] : &ata_unhandled;
}

/* A write of the Command register: the selected device (device 0 for
 * EXECUTE DEVICE DIAGNOSTIC) drops what it was doing and its pending
 * interrupt, then runs the command. Nobody answers for an absent one. */
void ide_execute(struct ide_channel *ch, uint8_t code)
{
	struct ide_drive *d = code == ATA_EXEC_DIAG ? &ch->drive[0] : ide_sel(ch);
	const struct ata_cmd *c = cmd_lookup(d, code);

	if (!ide_present(d))
		return;
	ide_end_transfer(ch, d);
	d->cd.packet_cmd = false;
	d->intrq = false;
	ide_update_irq(ch);
	d->error = 0;
	d->status = ATA_DRDY | ATA_DSC;
	c->run(ch, d, c);
}
