/*
 * ATA PIO driver for the legacy IDE channels, polled. Register layout and
 * protocols follow ATA/ATAPI-8 ACS (commands) and ATA8-APT (the parallel
 * transport: device selection, PIO data-in/data-out); the 48-bit address
 * feature set follows T13 ATA-6 (section 6.20).
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "partition/arch/cpu.h"
#include "partition/drivers/ata.h"
#include "partition/drivers/ata_string.h"
#include "partition/drivers/atapi.h"
#include "partition/parent.h"
#include "partition/vm.h"

/* Command block registers, offsets from the channel's I/O base (ATA8-APT 6.1). */
#define REG_DATA    0
#define REG_ERROR   1
#define REG_FEATURE 1
#define REG_COUNT   2
#define REG_LBA0    3
#define REG_LBA1    4
#define REG_LBA2    5
#define REG_DEVICE  6
#define REG_STATUS  7
#define REG_COMMAND 7
/* Control block: alternate status (read) and device control (write). */
#define REG_ALTSTATUS 0
#define REG_DEVCTL    0

/* Status register bits (ACS 6.1.9 "Status"). */
#define ST_ERR  0x01u
#define ST_DRQ  0x08u
#define ST_DF   0x20u
#define ST_DRDY 0x40u
#define ST_BSY  0x80u

/* Device control bits (ATA8-APT 6.2.6): nIEN masks INTRQ, SRST resets. */
#define CTL_NIEN 0x02u
#define CTL_SRST 0x04u

/* Device register: bit 6 selects LBA addressing, bit 4 the device (ACS
 * 6.1.4); bits 7 and 5 are obsolete and set for old devices. */
#define DEV_OBS 0xa0u
#define DEV_LBA 0x40u
#define DEV_SLAVE 0x10u

/* Commands (ACS 7.x). */
#define CMD_READ_SECTORS      0x20
#define CMD_READ_SECTORS_EXT  0x24   /* T13 ATA-6 */
#define CMD_WRITE_SECTORS     0x30
#define CMD_WRITE_SECTORS_EXT 0x34   /* T13 ATA-6 */
#define CMD_IDENTIFY_PACKET   0xa1
#define CMD_FLUSH_CACHE       0xe7
#define CMD_FLUSH_CACHE_EXT   0xea   /* T13 ATA-6 */
#define CMD_IDENTIFY          0xec
#define CMD_READ_DMA          0xc8
#define CMD_READ_DMA_EXT      0x25   /* T13 ATA-6 */
#define CMD_WRITE_DMA         0xca
#define CMD_WRITE_DMA_EXT     0x35   /* T13 ATA-6 */

/* Bus-master IDE registers, 8 per channel from the controller's BAR4
 * (SFF-8038i, "Bus Master IDE Controller", section 2). */
#define BM_CMD    0
#define BM_STATUS 2
#define BM_PRD    4
#define BM_CMD_START 0x01u
#define BM_CMD_TO_MEMORY 0x08u   /* bit 3: the bus master writes memory (a device read) */
#define BM_ST_ACTIVE 0x01u
#define BM_ST_ERROR  0x02u        /* bits 1 and 2 clear when written with 1 */
#define BM_ST_IRQ    0x04u

/* PCI configuration mechanism #1 (PCI Local Bus spec 3.0, 3.2.2.3.2). */
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PCI_CLASS_IDE 0x0101u     /* mass storage, IDE */

/* LBA28 commands move at most 256 sectors (count 0), LBA48 ones 65536;
 * we cap both at 256 so a PIO burst stays short. */
#define ATA_MAX_BURST 256u
#define LBA28_LIMIT (1ull << 28)

static uint64_t timeout_ticks(unsigned ms)
{
	uint64_t hz = parent_tsc_hz ? parent_tsc_hz : 1000000000ull;

	return hz / 1000 * ms;
}

/* 400 ns after selecting a device or issuing a command, the status is valid
 * (ATA8-APT 6.2.x "device selection" protocol): four alternate-status reads. */
static void ata_delay400(const struct ata_dev *d)
{
	for (int i = 0; i < 4; i++)
		(void)pio_inb(d->ctl + REG_ALTSTATUS);
}

/* Waits for BSY clear, then for all of `want` bits; stops early on ERR or
 * DF. Returns the status, or -ETIMEDOUT. */
static int ata_wait(const struct ata_dev *d, uint8_t want, unsigned ms)
{
	uint64_t start = cpu_rdtsc(), lim = timeout_ticks(ms);

	for (;;) {
		uint8_t st = pio_inb(d->io + REG_STATUS);

		if (st == 0xff)
			return -ENODEV;   /* floating bus: no device */
		if (!(st & ST_BSY)) {
			if (st & (ST_ERR | ST_DF))
				return st;
			if ((st & want) == want)
				return st;
		}
		if (cpu_rdtsc() - start > lim)
			return -ETIMEDOUT;
	}
}

static int ata_status_error(int st)
{
	if (st < 0)
		return st;
	return (st & (ST_ERR | ST_DF)) ? -EIO : 0;
}

static void ata_select(const struct ata_dev *d, uint8_t extra)
{
	pio_outb(d->io + REG_DEVICE, (uint8_t)(DEV_OBS | extra | (d->slave ? DEV_SLAVE : 0)));
	ata_delay400(d);
}

/* Writes the taskfile for a sector command: LBA48 writes the high-order
 * bytes first, then the low-order ones (T13 ATA-6 6.20.1: the registers
 * are two-deep FIFOs). */
static void ata_taskfile(const struct ata_dev *d, uint64_t lba, uint32_t count, int ext)
{
	if (ext) {
		ata_select(d, DEV_LBA);
		pio_outb(d->io + REG_COUNT, (uint8_t)(count >> 8));
		pio_outb(d->io + REG_LBA0, (uint8_t)(lba >> 24));
		pio_outb(d->io + REG_LBA1, (uint8_t)(lba >> 32));
		pio_outb(d->io + REG_LBA2, (uint8_t)(lba >> 40));
	} else {
		/* LBA28: bits 27:24 go in the device register (ACS 6.1.4). */
		ata_select(d, (uint8_t)(DEV_LBA | ((lba >> 24) & 0x0f)));
	}
	pio_outb(d->io + REG_COUNT, (uint8_t)count);
	pio_outb(d->io + REG_LBA0, (uint8_t)lba);
	pio_outb(d->io + REG_LBA1, (uint8_t)(lba >> 8));
	pio_outb(d->io + REG_LBA2, (uint8_t)(lba >> 16));
}

static int ata_check_range(const struct ata_dev *d, uint64_t lba, uint32_t count)
{
	if (!count || count > ATA_MAX_BURST || lba > d->sectors || count > d->sectors - lba)
		return -EINVAL;
	return 0;
}

static int ata_use_ext(const struct ata_dev *d, uint64_t lba, uint32_t count)
{
	return d->lba48 && lba + count > LBA28_LIMIT;
}

/* Check the range, load the task file and issue a PIO read or write
 * (LBA48 only when the range needs it: ATA8-ACS READ/WRITE SECTORS (EXT)). */
static int ata_pio_start(struct ata_dev *d, uint64_t lba, uint32_t count, bool write)
{
	int ext, rc = ata_check_range(d, lba, count);

	if (rc)
		return rc;
	ext = ata_use_ext(d, lba, count);
	if (!ext && lba + count > LBA28_LIMIT)
		return -EINVAL;
	ata_taskfile(d, lba, count & 0xffff, ext);
	pio_outb(d->io + REG_COMMAND, write ? (ext ? CMD_WRITE_SECTORS_EXT : CMD_WRITE_SECTORS)
					    : (ext ? CMD_READ_SECTORS_EXT : CMD_READ_SECTORS));
	return 0;
}

/* PIO data-in or data-out (ATA8-APT 11.x): per sector, wait for DRQ and
 * move 256 words; after data-out, wait for the device to finish the last
 * sector. Exactly one of rd (read into) and wr (write from) is set. */
static int ata_pio_xfer(struct ata_dev *d, uint64_t lba, uint32_t count, uint8_t *rd,
			const uint8_t *wr)
{
	int rc = ata_pio_start(d, lba, count, wr != NULL);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < count; i++) {
		size_t at = (size_t)i * ATA_SECTOR;

		ata_delay400(d);
		rc = ata_status_error(ata_wait(d, ST_DRQ, 5000));
		if (rc)
			return rc;
		if (wr)
			pio_outsw(d->io + REG_DATA, wr + at, ATA_SECTOR / 2);
		else
			pio_insw(d->io + REG_DATA, rd + at, ATA_SECTOR / 2);
	}
	if (wr)
		ata_delay400(d);
	return ata_status_error(ata_wait(d, 0, 5000));
}

int ata_read_sectors(struct ata_dev *d, uint64_t lba, uint32_t count, void *buf)
{
	return ata_pio_xfer(d, lba, count, buf, NULL);
}

int ata_write_sectors(struct ata_dev *d, uint64_t lba, uint32_t count, const void *buf)
{
	return ata_pio_xfer(d, lba, count, NULL, buf);
}

/* FLUSH CACHE (EXT) writes the device's volatile cache to the medium
 * (ACS 7.14/7.15); it may take long, hence the generous timeout. */
int ata_flush_cache(struct ata_dev *d)
{
	ata_select(d, 0);
	pio_outb(d->io + REG_COMMAND, d->lba48 ? CMD_FLUSH_CACHE_EXT : CMD_FLUSH_CACHE);
	ata_delay400(d);
	return ata_status_error(ata_wait(d, 0, 30000));
}

static void ata_id_decode(struct ata_dev *d, const struct ata_identify *id)
{
	const uint16_t *w = id->word;

	ata_string_decode(&id->word[ATA_ID_MODEL], 20, d->model);
	ata_string_decode(&id->word[ATA_ID_SERIAL], 10, d->serial);
	d->sectors = (uint32_t)w[ATA_ID_LBA28_SECTORS] |
		     ((uint32_t)w[ATA_ID_LBA28_SECTORS + 1] << 16);
	/* T13 ATA-6 6.20: with the 48-bit feature set, words 100-103 give the
	 * capacity; they may exceed the 28-bit count in words 60-61. */
	d->lba48 = (w[ATA_ID_CMDSET2] & ATA_ID_CMDSET2_LBA48) != 0;
	if (d->lba48) {
		uint64_t s48 = 0;

		for (int i = 3; i >= 0; i--)
			s48 = (s48 << 16) | w[ATA_ID_LBA48_SECTORS + i];
		if (s48)
			d->sectors = s48;
	}
}

/* Issue IDENTIFY DEVICE. 1: an ATA disk (id filled), 0: no ATA disk
 * there (absent, or a PACKET device, which aborts IDENTIFY DEVICE and
 * leaves its signature 0x14/0xEB in LBA mid/high: ACS 7.16 and 9.12). */
static int ata_identify_dev(struct ata_dev *d, struct ata_identify *id)
{
	int st;

	ata_select(d, 0);
	pio_outb(d->io + REG_COUNT, 0);
	pio_outb(d->io + REG_LBA0, 0);
	pio_outb(d->io + REG_LBA1, 0);
	pio_outb(d->io + REG_LBA2, 0);
	pio_outb(d->io + REG_COMMAND, CMD_IDENTIFY);
	ata_delay400(d);
	st = pio_inb(d->io + REG_STATUS);
	if (st == 0 || st == 0xff)
		return 0;
	st = ata_wait(d, ST_DRQ, 2000);
	if (st < 0 || (st & (ST_ERR | ST_DF)))
		return 0;
	if (pio_inb(d->io + REG_LBA1) || pio_inb(d->io + REG_LBA2))
		return 0;  /* a PACKET or SATA-bridge signature: not ours */
	pio_insw(d->io + REG_DATA, id, ATA_ID_WORDS);
	return 1;
}

/* ---- Bus-master DMA ---------------------------------------------------------- */

static uint8_t *dma_buf;          /* 64 KiB, 64 KiB aligned: one PRD, no boundary crossing */
static struct ata_prd *dma_prd;

/* SFF-8038i section 3 ("Programming sequence"): PRD table, direction,
 * clear error and interrupt, command to the device, then start; done when
 * the bus master is no longer active and the device no longer busy. */
static int ata_dma_xfer(struct ata_dev *d, uint64_t lba, uint32_t count, int to_dev)
{
	int ext = ata_use_ext(d, lba, count), rc = ata_check_range(d, lba, count);
	uint8_t dir = to_dev ? 0 : BM_CMD_TO_MEMORY, bst = 0;
	uint64_t start, lim = timeout_ticks(5000);

	if (rc || count > ATA_DMA_MAX || (!ext && lba + count > LBA28_LIMIT))
		return rc ? rc : -EINVAL;
	dma_prd->base = (uint32_t)(uintptr_t)dma_buf;
	dma_prd->count = (uint16_t)(count * ATA_SECTOR);   /* 0 means 64 KiB */
	dma_prd->flags = ATA_PRD_EOT;
	pio_outb(d->bm + BM_CMD, 0);
	pio_outl(d->bm + BM_PRD, (uint32_t)(uintptr_t)dma_prd);
	pio_outb(d->bm + BM_STATUS, BM_ST_ERROR | BM_ST_IRQ);
	pio_outb(d->bm + BM_CMD, dir);
	ata_taskfile(d, lba, count & 0xffff, ext);
	pio_outb(d->io + REG_COMMAND, to_dev ? (ext ? CMD_WRITE_DMA_EXT : CMD_WRITE_DMA) :
		 (ext ? CMD_READ_DMA_EXT : CMD_READ_DMA));
	pio_outb(d->bm + BM_CMD, dir | BM_CMD_START);
	for (start = cpu_rdtsc();;) {
		bst = pio_inb(d->bm + BM_STATUS);
		if ((!(bst & BM_ST_ACTIVE) || (bst & BM_ST_IRQ)) &&
		    !(pio_inb(d->ctl + REG_ALTSTATUS) & ST_BSY))
			break;
		if (cpu_rdtsc() - start > lim) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	pio_outb(d->bm + BM_CMD, dir);   /* stop the bus master */
	pio_outb(d->bm + BM_STATUS, BM_ST_ERROR | BM_ST_IRQ);
	if (!rc && ((bst & BM_ST_ERROR) || (pio_inb(d->io + REG_STATUS) & (ST_ERR | ST_DF))))
		rc = -EIO;
	return rc;
}

int ata_dma_read(struct ata_dev *d, uint64_t lba, uint32_t count, void *buf)
{
	int rc = d->dma ? ata_dma_xfer(d, lba, count, 0) : -ENODEV;

	if (!rc)
		memcpy(buf, dma_buf, (size_t)count * ATA_SECTOR);
	return rc;
}

int ata_dma_write(struct ata_dev *d, uint64_t lba, uint32_t count, const void *buf)
{
	if (!d->dma)
		return -ENODEV;
	memcpy(dma_buf, buf, (size_t)count * ATA_SECTOR);
	return ata_dma_xfer(d, lba, count, 1);
}

/* A DMA failure turns DMA off for the device and the transfer is redone
 * with PIO, so a controller we misjudged costs speed, not data. */
static void ata_dma_failed(struct ata_dev *d, int rc)
{
	printf("ata: %s: bus-master DMA failed (%d); using PIO from now on\n", d->location, rc);
	d->dma = 0;
}

/* Whole sectors: bus-master DMA in chunks of ATA_DMA_MAX while DMA works,
 * PIO for the rest. Exactly one of rd (read into) and wr (write from) is
 * set, so reads and writes share one path. */
static int ata_bulk_xfer(struct ata_dev *d, uint64_t lba, uint32_t count, uint8_t *rd,
			 const uint8_t *wr)
{
	size_t done = 0;

	while (d->dma && count) {
		uint32_t n = count < ATA_DMA_MAX ? count : ATA_DMA_MAX;
		int rc = wr ? ata_dma_write(d, lba, n, wr + done)
			    : ata_dma_read(d, lba, n, rd + done);

		if (rc) {
			ata_dma_failed(d, rc);
			break;
		}
		done += (size_t)n * ATA_SECTOR, lba += n, count -= n;
	}
	if (!count)
		return 0;
	return wr ? ata_write_sectors(d, lba, count, wr + done)
		  : ata_read_sectors(d, lba, count, rd + done);
}

static uint32_t pci_read32(unsigned dev, unsigned fn, unsigned off)
{
	pio_outl(PCI_ADDR, 0x80000000u | dev << 11 | fn << 8 | (off & 0xfc));
	return pio_inl(PCI_DATA);
}

static void pci_write32(unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
	pio_outl(PCI_ADDR, 0x80000000u | dev << 11 | fn << 8 | (off & 0xfc));
	pio_outl(PCI_DATA, v);
}

/* The bus-master base of an IDE controller on bus 0 whose channels are in
 * compatibility mode (programming interface bits 0 and 2 clear: the legacy
 * ports this driver uses; PCI IDE Controller spec 1.0, section 2.1), with
 * I/O and bus mastering enabled in its command register; 0 if none. */
static uint16_t ata_find_busmaster(void)
{
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = pci_read32(dev, fn, 0), cls = pci_read32(dev, fn, 8);
			uint32_t bar4 = 0;

			if ((id & 0xffff) == 0xffff)
				break;
			if (cls >> 16 == PCI_CLASS_IDE && !(cls & 0x0500) && (cls & 0x8000))
				bar4 = pci_read32(dev, fn, 0x20);
			if ((bar4 & 1) && (bar4 & 0xfffc)) {
				pci_write32(dev, fn, 4, pci_read32(dev, fn, 4) | 0x5);  /* I/O + bus master */
				return (uint16_t)(bar4 & 0xfffc);
			}
			/* Header type bit 7: a multi-function device (PCI 3.0, 6.2.1). */
			if (!fn && !(pci_read32(dev, 0, 0x0c) & 0x00800000u))
				break;
		}
	return 0;
}

static int ata_dma_setup(void)
{
	if (dma_buf)
		return 0;
	dma_buf = memalign(65536, 65536);
	dma_prd = memalign(64, sizeof(*dma_prd));
	/* The parent's heap is identity-mapped: a pointer is the physical
	 * address the bus master needs, and it must be below 4 GiB. */
	if (!dma_buf || !dma_prd || ((uintptr_t)dma_buf >> 32) || ((uintptr_t)dma_prd >> 32)) {
		free(dma_buf);
		free(dma_prd);
		dma_buf = NULL;
		dma_prd = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* ---- Block-device adapter ------------------------------------------------- */

/* A partial sector is read, and for a write patched and written back. */
static int bd_partial(struct ata_dev *d, uint64_t off, uint8_t *rd, const uint8_t *wr, size_t n)
{
	uint8_t sec[ATA_SECTOR];
	int rc = ata_read_sectors(d, off / ATA_SECTOR, 1, sec);

	if (rc)
		return rc;
	if (!wr) {
		memcpy(rd, sec + off % ATA_SECTOR, n);
		return 0;
	}
	memcpy(sec + off % ATA_SECTOR, wr, n);
	return ata_write_sectors(d, off / ATA_SECTOR, 1, sec);
}

/* Byte-granular transfer for the blockdev adapter: partial sectors one at a
 * time, whole ones in bursts of up to ATA_MAX_BURST (rd or wr as in
 * ata_bulk_xfer). */
static int bd_xfer(struct ata_dev *d, uint64_t off, size_t len, uint8_t *rd, const uint8_t *wr)
{
	size_t done = 0;

	while (done < len) {
		size_t in = off % ATA_SECTOR, n = len - done;
		int rc;

		if (in || n < ATA_SECTOR) {
			n = ATA_SECTOR - in < n ? ATA_SECTOR - in : n;
			rc = bd_partial(d, off, rd ? rd + done : NULL, wr ? wr + done : NULL, n);
		} else {
			uint64_t cnt = n / ATA_SECTOR;

			cnt = cnt < ATA_MAX_BURST ? cnt : ATA_MAX_BURST;

			n = (size_t)cnt * ATA_SECTOR;
			rc = ata_bulk_xfer(d, off / ATA_SECTOR, (uint32_t)cnt, rd ? rd + done : NULL,
					   wr ? wr + done : NULL);
		}
		if (rc)
			return rc;
		done += n, off += n;
	}
	return 0;
}

static int bd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return bd_xfer(ctx, off, len, buf, NULL);
}

static int bd_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	return bd_xfer(ctx, off, len, NULL, buf);
}

static int bd_flush(void *ctx)
{
	return ata_flush_cache(ctx);
}

static const struct blockdev_ops ata_bd_ops = {
	.read = bd_read, .write = bd_write, .flush = bd_flush, .close = NULL,
};

void ata_blockdev_make(struct ata_dev *d, struct blockdev *out)
{
	memset(out, 0, sizeof(*out));
	out->ops = &ata_bd_ops;
	out->ctx = d;
	out->size = d->sectors * ATA_SECTOR;
	out->sector_size = ATA_SECTOR;
}

/* ---- Probe ---------------------------------------------------------------- */

static const struct { uint16_t io, ctl; const char *name; } ata_channels[] = {
	{ 0x1f0, 0x3f6, "ata0" },   /* primary (legacy ISA compatibility ports) */
	{ 0x170, 0x376, "ata1" },   /* secondary */
};

static int ata_probe_one(int ch, int slave, uint16_t bm, int *packet)
{
	struct ata_identify id;
	struct ata_dev *d = calloc(1, sizeof(*d));
	struct blockdev bd;

	if (!d)
		return 0;
	d->io = ata_channels[ch].io;
	d->ctl = ata_channels[ch].ctl;
	d->slave = (uint8_t)slave;
	/* Interrupts off: this driver polls (ATA8-APT 6.2.6 nIEN). */
	pio_outb(d->ctl + REG_DEVCTL, CTL_NIEN);
	snprintf(d->location, sizeof(d->location), "%s-%s", ata_channels[ch].name,
		 slave ? "slave" : "master");
	if (!ata_identify_dev(d, &id)) {
		/* A PACKET device aborts IDENTIFY DEVICE and leaves its
		 * signature in LBA mid/high (ACS 9.12). */
		*packet = pio_inb(d->io + REG_LBA1) == ATAPI_SIG_MID &&
			  pio_inb(d->io + REG_LBA2) == ATAPI_SIG_HIGH;
		free(d);
		return 0;
	}
	if (!(id.word[ATA_ID_CAPS] & ATA_ID_CAPS_LBA)) {
		free(d);
		return 0;
	}
	ata_id_decode(d, &id);
	if (bm && (id.word[ATA_ID_CAPS] & ATA_ID_CAPS_DMA) && !ata_dma_setup()) {
		d->bm = (uint16_t)(bm + 8 * ch);
		d->dma = 1;
	}
	if (!d->sectors) {
		free(d);
		return 0;
	}
	ata_blockdev_make(d, &bd);
	printf("ata: %s: %s, %llu MiB, %s, %s\n", d->location, d->model,
	       (unsigned long long)(d->sectors >> 11), d->lba48 ? "LBA48" : "LBA28",
	       d->dma ? "bus-master DMA" : "PIO");
	if (!disk_register(&bd, "ATA", d->location, d->model, d->serial)) {
		free(d);
		return 0;
	}
	return 1;
}

int ata_probe_all(void)
{
	/* "ata=pio" on hv's command line keeps the driver on PIO. */
	uint16_t bm = strstr(parent_boot->cmdline, "ata=pio") ? 0 : ata_find_busmaster();
	int n = 0, packet[2][2] = { { 0 } };

	for (int ch = 0; ch < 2; ch++) {
		/* An absent channel floats its status at 0xff. */
		if (pio_inb(ata_channels[ch].io + REG_STATUS) == 0xff)
			continue;
		for (int s = 0; s < 2; s++)
			n += ata_probe_one(ch, s, bm, &packet[ch][s]);
	}
	/* PACKET devices (CD/DVD) after the disks, so that disks keep their
	 * numbers whatever optical drives are attached. */
	for (int ch = 0; ch < 2; ch++)
		for (int s = 0; s < 2; s++) {
			char loc[24];

			if (!packet[ch][s])
				continue;
			snprintf(loc, sizeof(loc), "%s-%s", ata_channels[ch].name, s ? "slave" : "master");
			n += atapi_probe_device(ata_channels[ch].io, ata_channels[ch].ctl, s, loc);
		}
	return n;
}
