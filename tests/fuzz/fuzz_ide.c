/* fuzz_ide.c: libFuzzer target for the PIIX4 IDE model
 * (partition/devices/ide*.c, piix_ide.c) behind the gen1 PCI function.
 *
 * Input: byte 0 sets the machine up (bit 0: a slave on the primary
 * channel, bit 1: a disk on the secondary, bit 2: the primary master is
 * read-only); the rest is a sequence of steps (tests/fuzz/mkseeds_ide.py
 * writes seeds in this encoding):
 *   0 P S V..  write V (S = 1, 2 or 4 bytes) to port P (an index into
 *              the channel ports and the bus-master block)
 *   1 P S      read port P
 *   2 P N      8N data-register words in / 3 P N V: out (V repeated)
 *   4 A V..    8 bytes into guest memory at A * 8 (a PRD entry)
 *   5 M        the fault mask: which guest-memory and disk accesses fail
 *   6 R V..    PCI configuration write of dword V to the IDE function's
 *              register R & 0xfc through 0xcf8/0xcfc
 *   7          hardware reset of both channels
 * After every step the channel state is checked: no ERR together with
 * BSY or DRQ, DRQ only with a transfer under way, BSY only under SRST,
 * a transfer never past the disk or its buffer, Active only with Start,
 * the interrupt line as the model says. Disk and guest-memory callbacks
 * trap on any access outside what they hold.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "partition/devices/pci_gen1.h"
#include "partition/devices/piix_ide.h"

#define GMEM_SIZE  0x20000u
#define DISK0_SECT 64u
#define DISK1_SECT 16u

struct fdisk {
	uint8_t *data;
	uint64_t size;
};

static uint8_t gmem[GMEM_SIZE];
static uint8_t fault_mask;
static unsigned calls;
static int line_level[16];
static struct pci_gen1 G;
static struct piix_ide P;

static void fz_check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* Fails where the fault mask says so (a master abort for the model). */
static bool fault(void)
{
	return fault_mask & (1u << (calls++ % 8));
}

static int fz_mem(void *ctx, uint64_t gpa, void *buf, size_t len, bool to_guest)
{
	(void)ctx;
	fz_check(len > 0 && len <= 0x10000);
	if (gpa >= GMEM_SIZE || len > GMEM_SIZE - gpa || fault())
		return -EFAULT;
	if (to_guest)
		memcpy(gmem + gpa, buf, len);
	else
		memcpy(buf, gmem + gpa, len);
	return 0;
}

static void fz_irq(void *ctx, unsigned line, int level)
{
	(void)ctx;
	fz_check(line == 14 || line == 15);
	fz_check(line_level[line] != level);
	line_level[line] = level;
}

static const struct ide_host_ops fz_ops = { fz_mem, fz_irq };

static int d_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct fdisk *d = ctx;

	fz_check(off < d->size && len <= d->size - off && len % IDE_SECTOR == 0);
	if (fault())
		return -EIO;
	memcpy(buf, d->data + off, len);
	return 0;
}

static int d_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct fdisk *d = ctx;

	fz_check(off < d->size && len <= d->size - off && len % IDE_SECTOR == 0);
	if (fault())
		return -EIO;
	memcpy(d->data + off, buf, len);
	return 0;
}

static int d_flush(void *ctx)
{
	(void)ctx;
	return fault() ? -EIO : 0;
}

static void d_close(void *ctx)
{
	(void)ctx;
}

static const struct blockdev_ops fz_disk_ops = { d_read, d_write, d_flush, d_close, NULL };
static uint8_t data0[DISK0_SECT * IDE_SECTOR], data1[DISK1_SECT * IDE_SECTOR];
static struct fdisk fd0 = { data0, sizeof(data0) }, fd1 = { data1, sizeof(data1) };
static struct blockdev bd0, bd1;
/* An ISO of 16 blocks of 2048 bytes for the ATAPI CD-ROM. */
static uint8_t data_iso[16 * ATAPI_SECTOR];
static struct fdisk fd_iso = { data_iso, sizeof(data_iso) };
static struct blockdev bd_iso;
static bool cd_loaded;

static const uint16_t fz_ports[] = {
	0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6, 0x1f7, 0x3f6,
	0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x376,
	GEN1_BMIBA_BASE + 0, GEN1_BMIBA_BASE + 1, GEN1_BMIBA_BASE + 2,
	GEN1_BMIBA_BASE + 3, GEN1_BMIBA_BASE + 4, GEN1_BMIBA_BASE + 5,
	GEN1_BMIBA_BASE + 6, GEN1_BMIBA_BASE + 7, GEN1_BMIBA_BASE + 8,
	GEN1_BMIBA_BASE + 9, GEN1_BMIBA_BASE + 10, GEN1_BMIBA_BASE + 12,
};
#define NPORTS (sizeof(fz_ports) / sizeof(fz_ports[0]))

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint32_t take32(struct in *in)
{
	uint32_t v = take(in);

	v |= (uint32_t)take(in) << 8;
	v |= (uint32_t)take(in) << 16;
	return v | (uint32_t)take(in) << 24;
}

static void setup(uint8_t cfg)
{
	memset(gmem, 0, sizeof(gmem));
	memset(line_level, 0, sizeof(line_level));
	fault_mask = 0;
	calls = 0;
	bd0 = (struct blockdev){ &fz_disk_ops, &fd0, sizeof(data0), 512, cfg & 4, 0 };
	bd1 = (struct blockdev){ &fz_disk_ops, &fd1, sizeof(data1), 512, 0, 0 };
	bd_iso = (struct blockdev){ &fz_disk_ops, &fd_iso, sizeof(data_iso), 2048, 1, 0 };
	cd_loaded = !(cfg & 16);
	pci_gen1_init(&G);
	piix_ide_init(&P, &G.ide, &fz_ops, NULL);
	ide_attach(&P.ch[0], 0, &bd0, "FUZZ0");
	if (cfg & 1)
		ide_attach(&P.ch[0], 1, &bd1, "FUZZ1");
	if (cfg & 2)
		ide_attach(&P.ch[1], 0, &bd1, "FUZZ2");
	/* cfg bit 3: a CD-ROM, as the primary slave or the secondary's
	 * second device; bit 4: without a medium */
	if (cfg & 8)
		ide_attach_atapi(&P.ch[(cfg & 1) ? 1 : 0], 1, cd_loaded ? &bd_iso : NULL, "FUZZCD");
	ide_reset(&P.ch[0]);
	ide_reset(&P.ch[1]);
}

static void check_drive(const struct ide_channel *ch, const struct ide_drive *d, int unit)
{
	bool pio = d->xfer == IDE_X_PIO_IN || d->xfer == IDE_X_PIO_OUT;
	bool dma = d->xfer == IDE_X_DMA_IN || d->xfer == IDE_X_DMA_OUT;

	if (!ide_present(d)) {
		fz_check(d->status == 0 && d->xfer == IDE_X_NONE && !d->intrq);
		return;
	}
	if (d->is_atapi) {
		fz_check(!d->bd && (!d->cd.medium || d->cd.blocks == 16));
		fz_check(d->xfer != IDE_X_PIO_OUT && d->xfer != IDE_X_DMA_OUT);
		fz_check(d->xfer != IDE_X_ATAPI_IN || d->cd.blk_left <= 0xfffe);
		if (d->on_disk && d->xfer != IDE_X_NONE && d->xfer != IDE_X_PACKET)
			fz_check(d->lba + d->left <= d->cd.blocks &&
				 d->cd.total <= (uint64_t)(d->left * ATAPI_SECTOR + d->len - d->pos));
	}
	if (d->status & ATA_ERR)
		fz_check(!(d->status & (ATA_BSY | ATA_DRQ)));
	if (d->status & ATA_BSY)
		fz_check(ch->devctl & ATA_CTL_SRST);
	fz_check(!(d->status & ATA_DRQ) == (d->xfer == IDE_X_NONE));
	fz_check(d->pos <= d->len && d->len <= IDE_BUF_SIZE && d->pos % 2 == 0);
	if (pio && d->on_disk && !d->is_atapi)
		fz_check(d->lba <= d->sectors && d->left <= d->sectors - d->lba &&
			 d->len <= d->left * IDE_SECTOR);
	if (dma)
		fz_check(ch->dma_unit == unit &&
			 (d->is_atapi || d->lba + d->left <= d->sectors));
}

static void check(void)
{
	unsigned c, u;

	for (c = 0; c < 2; c++) {
		const struct ide_channel *ch = &P.ch[c];

		for (u = 0; u < 2; u++)
			check_drive(ch, &ch->drive[u], (int)u);
		fz_check(ch->dma_unit >= -1 && ch->dma_unit <= 1);
		if (ch->bm.status & BM_ST_ACTIVE)
			fz_check(ch->bm.cmd & BM_CMD_START);
		fz_check(!(ch->bm.prd_table & 3) && ch->bm.cur_left <= 0x10000);
		fz_check(line_level[ch->irq_line] == ch->irq_level);
	}
}

static void step_port(struct in *in, bool is_write)
{
	uint16_t port = fz_ports[take(in) % NPORTS];
	unsigned size = 1u << (take(in) % 3);
	uint32_t v = is_write ? take32(in) : 0;

	piix_ide_io(&P, port, size, is_write, &v);
}

static void step_data(struct in *in, bool is_write)
{
	uint16_t port = (take(in) & 1) ? 0x170 : 0x1f0;
	unsigned n = take(in) * 8u, i;
	uint32_t v = is_write ? take32(in) : 0;

	for (i = 0; i < n; i++)
		piix_ide_io(&P, port, 2, is_write, &v);
}

static void step_mem(struct in *in)
{
	unsigned at = take(in) * 8u + 0x1000;

	for (unsigned i = 0; i < 8; i++)
		gmem[at + i] = take(in);
}

static void step_pci(struct in *in)
{
	uint32_t a = 0x80000000u | GEN1_PIIX4_DEV << 11 | GEN1_FN_IDE << 8 | (take(in) & 0xfc);
	uint32_t v = take32(in);

	pci_bus_io(&G.bus, PCI_CONFIG_ADDRESS, 4, true, &a);
	pci_bus_io(&G.bus, PCI_CONFIG_DATA, 4, true, &v);
}

/* Set-VMDvdDrive while the guest runs: the medium goes or comes back. */
static void step_medium(void)
{
	for (unsigned c = 0; c < 2; c++)
		for (unsigned u = 0; u < 2; u++)
			if (P.ch[c].drive[u].is_atapi) {
				cd_loaded = !cd_loaded;
				fz_check(ide_atapi_set_medium(&P.ch[c], u, cd_loaded ? &bd_iso : NULL) == 0);
			}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };

	setup(take(&in));
	while (in.n) {
		switch (take(&in) & 15) {
		case 0: step_port(&in, true); break;
		case 1: step_port(&in, false); break;
		case 2: step_data(&in, false); break;
		case 3: step_data(&in, true); break;
		case 4: step_mem(&in); break;
		case 5: fault_mask = take(&in); break;
		case 6: step_pci(&in); break;
		case 8: step_medium(); break;
		default: ide_reset(&P.ch[0]); ide_reset(&P.ch[1]); break;
		}
		check();
	}
	return 0;
}
