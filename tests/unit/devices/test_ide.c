/*
 * Unit tests for the IDE channel model (partition/devices/ide*.c) behind
 * the PIIX4 function's port decode (piix_ide.c, pci_gen1.c), driven
 * through the ports in the order Linux's libata does it
 * (drivers/ata/libata-sff.c: ata_sff_tf_load, ata_sff_softreset,
 * ata_bmdma_setup/start). IDENTIFY words are checked against ATA8-ACS.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "partition/devices/pci_gen1.h"
#include "partition/devices/piix_ide.h"

#define GMEM_SIZE (1u << 20)
#define DISK_SIZE (4u << 20)
#define BM        GEN1_BMIBA_BASE

static uint8_t gmem[GMEM_SIZE];
static uint64_t fail_lo, fail_hi;       /* guest memory that aborts */
static int irq_level[16], irq_edges[16];
static struct pci_gen1 G;
static struct piix_ide P;
static struct blockdev disk;

static int mem_cb(void *ctx, uint64_t gpa, void *buf, size_t len, bool to_guest)
{
	assert_ptr_equal(ctx, &P);
	if (gpa >= GMEM_SIZE || len > GMEM_SIZE - gpa)
		return -EFAULT;
	if (gpa < fail_hi && gpa + len > fail_lo)
		return -EIO;
	if (to_guest)
		memcpy(gmem + gpa, buf, len);
	else
		memcpy(buf, gmem + gpa, len);
	return 0;
}

static void irq_cb(void *ctx, unsigned line, int level)
{
	assert_ptr_equal(ctx, &P);
	assert_true(line == 14 || line == 15);
	assert_int_not_equal(irq_level[line], level);   /* changes only */
	irq_level[line] = level;
	irq_edges[line] += level;
}

static const struct ide_host_ops ops = { mem_cb, irq_cb };

static uint32_t in(uint16_t port, unsigned size)
{
	uint32_t v = 0;

	assert_true(piix_ide_io(&P, port, size, false, &v));
	return v;
}

static void out(uint16_t port, unsigned size, uint32_t v)
{
	assert_true(piix_ide_io(&P, port, size, true, &v));
}

static uint8_t inb(uint16_t p) { return (uint8_t)in(p, 1); }
#define outb(p, v) out((p), 1, (v))

static void fill_disk(void)
{
	uint8_t sec[IDE_SECTOR];
	unsigned i, j;

	for (i = 0; i < DISK_SIZE / IDE_SECTOR; i++) {
		for (j = 0; j < IDE_SECTOR; j++)
			sec[j] = (uint8_t)(i * 7 + j);
		assert_int_equal(blockdev_write(&disk, (uint64_t)i * IDE_SECTOR, sec, IDE_SECTOR), 0);
	}
}

static int setup(void **state)
{
	(void)state;
	memset(gmem, 0, sizeof(gmem));
	memset(irq_level, 0, sizeof(irq_level));
	memset(irq_edges, 0, sizeof(irq_edges));
	fail_lo = fail_hi = 0;
	assert_int_equal(blockdev_ram_create(DISK_SIZE, 512, &disk), 0);
	fill_disk();
	pci_gen1_init(&G);
	piix_ide_init(&P, &G.ide, &ops, &P);
	assert_int_equal(ide_attach(&P.ch[0], 0, &disk, "HVPART-IDE-0"), 0);
	ide_reset(&P.ch[0]);
	ide_reset(&P.ch[1]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	blockdev_close(&disk);
	return 0;
}

/* ata_sff_tf_load for a 28-bit command, then the command. */
static void cmd28(uint8_t cmd, uint32_t lba, uint8_t count, uint8_t feature)
{
	outb(0x1f1, feature);
	outb(0x1f2, count);
	outb(0x1f3, lba & 0xff);
	outb(0x1f4, (lba >> 8) & 0xff);
	outb(0x1f5, (lba >> 16) & 0xff);
	outb(0x1f6, 0xe0 | ((lba >> 24) & 0x0f));
	outb(0x1f7, cmd);
}

/* ... and a 48-bit one: the high bytes first (ATA8-ACS, 48-bit). */
static void cmd48(uint8_t cmd, uint64_t lba, uint16_t count)
{
	outb(0x1f1, 0);
	outb(0x1f2, count >> 8);
	outb(0x1f3, (lba >> 24) & 0xff);
	outb(0x1f4, (lba >> 32) & 0xff);
	outb(0x1f5, (lba >> 40) & 0xff);
	outb(0x1f1, 0);
	outb(0x1f2, count & 0xff);
	outb(0x1f3, lba & 0xff);
	outb(0x1f4, (lba >> 8) & 0xff);
	outb(0x1f5, (lba >> 16) & 0xff);
	outb(0x1f6, 0x40);
	outb(0x1f7, cmd);
}

static void read_words(uint16_t *w, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		w[i] = (uint16_t)in(0x1f0, 2);
}

static void identify(uint16_t *id)
{
	cmd28(0xec, 0, 0, 0);
	assert_int_equal(irq_level[14], 1);
	assert_int_equal(inb(0x1f7), 0x58);    /* DRDY DSC DRQ; clears INTRQ */
	assert_int_equal(irq_level[14], 0);
	read_words(id, 256);
	assert_int_equal(inb(0x1f7), 0x50);
}

static void test_reset_signature(void **state)
{
	(void)state;
	/* ata_bus_softreset: ctl (obsolete bit 3 | nIEN) with SRST, then ctl */
	outb(0x3f6, 0x0e);
	assert_int_equal(inb(0x3f6), 0x80);     /* busy while held */
	outb(0x3f6, 0x0a);
	assert_int_equal(inb(0x1f7), 0x50);
	assert_int_equal(inb(0x1f1), 0x01);     /* diagnostic code: passed */
	assert_int_equal(inb(0x1f2), 0x01);
	assert_int_equal(inb(0x1f3), 0x01);
	assert_int_equal(inb(0x1f4), 0x00);     /* ATA, not ATAPI (14h EBh) */
	assert_int_equal(inb(0x1f5), 0x00);
	assert_int_equal(irq_edges[14], 0);
	/* device 1 absent: device 0 answers with 00h status and error */
	outb(0x1f6, 0xb0);
	assert_int_equal(inb(0x1f7), 0x00);
	assert_int_equal(inb(0x3f6), 0x00);
	assert_int_equal(inb(0x1f1), 0x00);
	outb(0x1f2, 0x55);                      /* ata_devchk's pattern */
	assert_int_equal(inb(0x1f2), 0x55);
	outb(0x1f7, 0xec);                      /* nobody runs it */
	assert_int_equal(inb(0x1f7), 0x00);
	/* the empty secondary channel floats (DD7 pulled down) */
	outb(0x172, 0x55);
	assert_int_equal(inb(0x172), 0x7f);
	assert_int_equal(inb(0x177), 0x7f);
	assert_int_equal(inb(0x376), 0x7f);
}

static void test_identify(void **state)
{
	uint16_t id[256];
	char model[41];
	uint64_t n = DISK_SIZE / 512;
	uint8_t sum = 0;
	unsigned i;

	(void)state;
	identify(id);
	assert_int_equal(id[0], 0x0040);
	for (i = 0; i < 20; i++) {
		model[2 * i] = (char)(id[27 + i] >> 8);
		model[2 * i + 1] = (char)id[27 + i];
	}
	model[40] = 0;
	assert_string_equal(model, "Virtual HD                              ");
	assert_int_equal(id[10] >> 8, 'H');
	assert_int_equal(id[23], ('1' << 8) | '.');
	assert_int_equal(id[47], 0x8010);       /* up to 16 sectors a block */
	assert_int_equal(id[49] & 0x0300, 0x0300);   /* LBA, DMA */
	assert_int_equal(id[53] & 0x0006, 0x0006);
	assert_int_equal(id[60] | (uint32_t)id[61] << 16, n);
	assert_int_equal(id[63] & 0xff, 0x07);
	assert_true(id[80] & 0x0100);           /* ATA8-ACS */
	assert_int_equal(id[83] & 0xc000, 0x4000);   /* valid */
	assert_true(id[83] & 0x0400);           /* 48-bit supported */
	assert_true(id[86] & 0x0400);           /* ... and enabled */
	assert_true(id[83] & 0x3000);           /* FLUSH CACHE (EXT) */
	assert_int_equal(id[88], 0x0007);       /* UDMA 0-2, none selected */
	assert_int_equal(id[100] | (uint64_t)id[101] << 16 |
			 (uint64_t)id[102] << 32 | (uint64_t)id[103] << 48, n);
	assert_int_equal(id[255] & 0xff, 0xa5);
	for (i = 0; i < 256; i++)
		sum = (uint8_t)(sum + (id[i] & 0xff) + (id[i] >> 8));
	assert_int_equal(sum, 0);
	/* SET FEATURES: UDMA 2 is selected; UDMA 5 is not on offer */
	cmd28(0xef, 0, 0x42, 0x03);
	assert_int_equal(inb(0x1f7), 0x50);
	cmd28(0xef, 0, 0x45, 0x03);
	assert_int_equal(inb(0x1f7), 0x41);
	assert_int_equal(inb(0x1f1), 0x04);
	cmd28(0xef, 0, 0, 0x82);                /* write cache off */
	identify(id);
	assert_int_equal(id[88], 0x0407);
	assert_int_equal(id[85] & 0x20, 0);
	assert_true(id[82] & 0x20);
}

static void test_pio_read_write(void **state)
{
	uint16_t w[768];
	uint8_t sec[IDE_SECTOR * 3];
	unsigned i;

	(void)state;
	cmd28(0x20, 5, 2, 0);                   /* READ SECTORS, 2 */
	for (i = 0; i < 2; i++) {
		assert_int_equal(irq_level[14], 1);     /* one interrupt a sector */
		assert_int_equal(inb(0x1f7), 0x58);
		read_words(w + 256 * i, 256);
	}
	assert_int_equal(inb(0x1f7), 0x50);
	assert_int_equal(irq_edges[14], 2);
	assert_int_equal(blockdev_read(&disk, 5 * 512, sec, 1024), 0);
	assert_memory_equal(w, sec, 1024);
	/* WRITE SECTORS, 3: DRQ at once without an interrupt, then one
	 * interrupt after each sector; dword accesses (32-bit PIO) */
	cmd28(0x30, 100, 3, 0);
	assert_int_equal(irq_level[14], 0);
	for (i = 0; i < 3; i++) {
		unsigned k;

		assert_int_equal(inb(0x3f6), 0x58);
		for (k = 0; k < 128; k++)
			out(0x1f0, 4, 0xa5000000u | i << 16 | k);
		assert_int_equal(irq_level[14], 1);
		inb(0x1f7);
	}
	assert_int_equal(inb(0x1f7), 0x50);
	assert_int_equal(blockdev_read(&disk, 100 * 512, sec, sizeof(sec)), 0);
	assert_int_equal(sec[512 * 2 + 4 * 7], 7);
	assert_int_equal(sec[512 * 2 + 4 * 7 + 2], 2);
	assert_int_equal(sec[512 * 2 + 4 * 7 + 3], 0xa5);
}

static void test_multiple(void **state)
{
	uint16_t w[256 * 10];
	uint8_t sec[512 * 10];
	unsigned blocks = 0, i;

	(void)state;
	cmd28(0xc4, 0, 4, 0);                   /* READ MULTIPLE before SET MULTIPLE */
	assert_int_equal(inb(0x1f7), 0x41);
	assert_int_equal(inb(0x1f1), 0x04);
	cmd28(0xc6, 0, 3, 0);                   /* not a power of two */
	assert_int_equal(inb(0x1f7), 0x41);
	cmd28(0xc6, 0, 4, 0);
	assert_int_equal(inb(0x1f7), 0x50);
	cmd28(0xc4, 20, 10, 0);                 /* blocks of 4, 4, 2 */
	for (i = 0; i < 10; i += 4, blocks++) {
		unsigned n = 10 - i < 4 ? 10 - i : 4;

		assert_int_equal(irq_level[14], 1);
		assert_int_equal(inb(0x1f7), 0x58);
		read_words(w + 256 * i, 256 * n);
	}
	assert_int_equal(blocks, 3);
	assert_int_equal(inb(0x1f7), 0x50);
	assert_int_equal(blockdev_read(&disk, 20 * 512, sec, sizeof(sec)), 0);
	assert_memory_equal(w, sec, sizeof(sec));
	/* WRITE MULTIPLE EXT of 6 sectors: an interrupt after each block */
	cmd48(0x39, 40, 6);
	irq_edges[14] = 0;
	for (i = 0; i < 4 * 256; i++)
		out(0x1f0, 2, 0x1234);
	assert_int_equal(irq_edges[14], 1);
	assert_int_equal(inb(0x1f7), 0x58);
	for (i = 0; i < 2 * 256; i++)
		out(0x1f0, 2, 0x1234);
	assert_int_equal(irq_edges[14], 2);
	assert_int_equal(inb(0x1f7), 0x50);
	assert_int_equal(blockdev_read(&disk, 45 * 512, sec, 512), 0);
	assert_int_equal(sec[511], 0x12);
}

/* A sparse disk of 200 GiB: only written sectors are kept. */
#define SPARSE_SLOTS 64
static struct { uint64_t off; uint8_t data[512]; } sparse[SPARSE_SLOTS];
static unsigned nsparse;

static int sp_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	size_t i, k;

	(void)ctx;
	for (i = 0; i < len; i += 512) {
		memset((uint8_t *)buf + i, 0, 512);
		for (k = 0; k < nsparse; k++)
			if (sparse[k].off == off + i)
				memcpy((uint8_t *)buf + i, sparse[k].data, 512);
	}
	return 0;
}

static int sp_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	size_t i, k;

	(void)ctx;
	for (i = 0; i < len; i += 512) {
		for (k = 0; k < nsparse && sparse[k].off != off + i; k++)
			;
		if (k == SPARSE_SLOTS)
			return -ENOSPC;
		nsparse += k == nsparse;
		sparse[k].off = off + i;
		memcpy(sparse[k].data, (const uint8_t *)buf + i, 512);
	}
	return 0;
}

static int sp_flush(void *ctx) { (void)ctx; return 0; }
static void sp_close(void *ctx) { (void)ctx; }
static const struct blockdev_ops sparse_ops = { sp_read, sp_write, sp_flush, sp_close, NULL };

static void test_lba48_sparse(void **state)
{
	struct blockdev big = { &sparse_ops, NULL, 200ull << 30, 512, 0, 0 };
	uint64_t n = (200ull << 30) / 512, lba = (150ull << 30) / 512 + 3;
	uint16_t id[256], w[512];
	unsigned i;

	(void)state;
	nsparse = 0;
	assert_true(lba > 0x0fffffff);
	assert_int_equal(ide_attach(&P.ch[0], 0, &big, "BIG"), 0);
	ide_reset(&P.ch[0]);
	identify(id);
	assert_int_equal(id[60] | (uint32_t)id[61] << 16, 0x0fffffff);
	assert_int_equal(id[100] | (uint64_t)id[101] << 16 | (uint64_t)id[102] << 32, n);
	cmd48(0x34, lba, 2);                    /* WRITE SECTORS EXT */
	for (i = 0; i < 512; i++)
		out(0x1f0, 2, i);
	assert_int_equal(inb(0x1f7), 0x50);
	assert_int_equal(nsparse, 2);
	assert_int_equal(sparse[1].off, (lba + 1) * 512);
	cmd48(0x24, lba, 2);                    /* READ SECTORS EXT */
	read_words(w, 256);
	read_words(w + 256, 256);
	for (i = 0; i < 512; i++)
		assert_int_equal(w[i], i);
	/* HOB: the previous bytes read back with bit 7 of device control */
	outb(0x3f6, 0x80);
	assert_int_equal(inb(0x1f3), (lba >> 24) & 0xff);
	assert_int_equal(inb(0x1f4), (lba >> 32) & 0xff);
	outb(0x3f6, 0x00);
	assert_int_equal(inb(0x1f3), lba & 0xff);
	/* the last sector, then one past it */
	cmd48(0x24, n - 1, 1);
	assert_int_equal(inb(0x1f7), 0x58);
	read_words(w, 256);
	cmd48(0x24, n - 1, 2);
	assert_int_equal(inb(0x1f7), 0x41);
	assert_int_equal(inb(0x1f1), 0x10);     /* IDNF */
}

/* PRD table at 0x1000: three regions (the last ends on a 64 KiB line). */
static void put_prd(unsigned i, uint32_t addr, uint32_t count, bool eot)
{
	uint8_t *e = gmem + 0x1000 + 8 * i;
	uint32_t c = (count & 0xffff) | (eot ? PRD_EOT : 0);

	memcpy(e, &addr, 4);
	memcpy(e + 4, &c, 4);
}

static void bm_setup(bool to_mem)
{
	out(BM + 4, 4, 0x1000);                 /* ata_bmdma_setup */
	outb(BM, to_mem ? 0x08 : 0x00);
	outb(BM + 2, 0x06);                     /* clear Error, Interrupt */
}

static void test_dma_prd(void **state)
{
	uint8_t sec[512 * 8];

	(void)state;
	put_prd(0, 0x10000, 512, false);
	put_prd(1, 0x20000, 1024, false);
	put_prd(2, 0x3f600, 2560, true);
	bm_setup(true);
	cmd28(0xc8, 30, 8, 0);                  /* READ DMA: waits for Start */
	assert_int_equal(inb(0x3f6), 0x58);
	assert_int_equal(irq_level[14], 0);
	outb(BM, 0x09);                         /* ata_bmdma_start */
	assert_int_equal(irq_level[14], 1);
	assert_int_equal(inb(BM + 2), 0x04);    /* Interrupt, not Active: exact fit */
	outb(BM, 0x08);                         /* ata_bmdma_stop */
	assert_int_equal(inb(0x1f7), 0x50);
	assert_int_equal(blockdev_read(&disk, 30 * 512, sec, sizeof(sec)), 0);
	assert_memory_equal(gmem + 0x10000, sec, 512);
	assert_memory_equal(gmem + 0x20000, sec + 512, 1024);
	assert_memory_equal(gmem + 0x3f600, sec + 1536, 2560);
	/* WRITE DMA EXT with Start set first; the table is larger than the
	 * transfer, so Active stays set */
	memset(gmem + 0x10000, 0xee, 512);
	memset(gmem + 0x20000, 0xdd, 1024);
	put_prd(1, 0x20000, 2048, true);
	bm_setup(false);
	outb(BM, 0x01);
	cmd48(0x35, 60, 3);
	assert_int_equal(irq_level[14], 1);
	assert_int_equal(inb(BM + 2), 0x05);
	assert_int_equal(inb(0x1f7), 0x50);
	outb(BM, 0x00);
	assert_int_equal(inb(BM + 2), 0x04);
	assert_int_equal(blockdev_read(&disk, 60 * 512, sec, 1536), 0);
	assert_int_equal(sec[0], 0xee);
	assert_int_equal(sec[1535], 0xdd);
}

static void test_dma_faults(void **state)
{
	(void)state;
	/* guest memory that aborts in the second region */
	put_prd(0, 0x10000, 512, false);
	put_prd(1, 0x20000, 1024, true);
	fail_lo = 0x20100;
	fail_hi = 0x20200;
	bm_setup(true);
	cmd28(0xc8, 0, 3, 0);
	outb(BM, 0x09);
	assert_int_equal(inb(BM + 2), 0x06);    /* Error, Interrupt, not Active */
	assert_int_equal(inb(0x1f7), 0x41);
	assert_int_equal(inb(0x1f1), 0x04);
	outb(BM, 0x08);
	fail_lo = fail_hi = 0;
	/* a region crossing a 64 KiB boundary */
	put_prd(0, 0x1ff00, 512, true);
	bm_setup(true);
	cmd28(0xc8, 0, 1, 0);
	outb(BM, 0x09);
	assert_int_equal(inb(BM + 2), 0x06);
	assert_int_equal(inb(0x1f7), 0x41);
	outb(BM, 0x08);
	/* a table pointer outside guest memory */
	out(BM + 4, 4, 0xfff00000u);
	outb(BM + 2, 0x06);
	cmd28(0xc8, 0, 1, 0);
	outb(BM, 0x09);
	assert_int_equal(inb(BM + 2), 0x06);
	outb(BM, 0x08);
	/* a table shorter than the transfer: Active and Interrupt clear, the
	 * device drops the command without an interrupt */
	put_prd(0, 0x10000, 512, true);
	bm_setup(true);
	irq_edges[14] = 0;
	cmd28(0xc8, 0, 2, 0);
	outb(BM, 0x09);
	assert_int_equal(inb(BM + 2), 0x00);
	assert_int_equal(irq_edges[14], 0);
	assert_int_equal(inb(0x1f7), 0x50);
	outb(BM, 0x08);
	/* direction bit against the command */
	put_prd(0, 0x10000, 512, true);
	bm_setup(false);
	cmd28(0xc8, 0, 1, 0);
	outb(BM, 0x01);
	assert_int_equal(inb(BM + 2), 0x06);
	assert_int_equal(inb(0x1f7), 0x41);
}

static void test_out_of_range(void **state)
{
	uint32_t last = DISK_SIZE / 512 - 1;

	(void)state;
	cmd28(0x20, last + 1, 1, 0);
	assert_int_equal(inb(0x1f7), 0x41);
	assert_int_equal(inb(0x1f1), 0x10);
	assert_int_equal(irq_edges[14], 1);
	cmd28(0x20, last, 2, 0);                /* runs off the end */
	assert_int_equal(inb(0x1f7), 0x41);
	cmd28(0x30, 0x0fffffff, 0, 0);          /* 256 sectors at the top */
	assert_int_equal(inb(0x1f7), 0x41);
	cmd28(0xca, last, 0, 0);
	assert_int_equal(inb(0x1f7), 0x41);
	cmd28(0x40, last, 1, 0);                /* READ VERIFY of the last one */
	assert_int_equal(inb(0x1f7), 0x50);
	cmd48(0x42, last, 1);                   /* READ VERIFY EXT */
	assert_int_equal(inb(0x1f7), 0x50);
	cmd48(0x42, last, 2);
	assert_int_equal(inb(0x1f7), 0x41);
	/* CHS: sector 0 does not exist */
	outb(0x1f2, 1);
	outb(0x1f3, 0);
	outb(0x1f6, 0xa0);
	outb(0x1f7, 0x20);
	assert_int_equal(inb(0x1f7), 0x41);
	assert_int_equal(inb(0x1f1), 0x10);
}

static void test_chs(void **state)
{
	uint16_t w[256];
	uint8_t sec[512];

	(void)state;
	/* cylinder 2, head 3, sector 4 with 16 heads, 63 sectors */
	outb(0x1f2, 1);
	outb(0x1f3, 4);
	outb(0x1f4, 2);
	outb(0x1f5, 0);
	outb(0x1f6, 0xa3);
	outb(0x1f7, 0x20);
	read_words(w, 256);
	assert_int_equal(blockdev_read(&disk, ((2 * 16 + 3) * 63 + 3) * 512ull, sec, 512), 0);
	assert_memory_equal(w, sec, 512);
}

static void test_unknown_and_power(void **state)
{
	static const uint8_t bad[] = { 0x00, 0x08, 0xa0, 0xa1, 0xb0, 0xf8, 0xff };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad); i++) {
		cmd28(bad[i], 0, 0, 0);
		assert_int_equal(irq_level[14], 1);
		assert_int_equal(inb(0x1f7), 0x41);
		assert_int_equal(inb(0x1f1), 0x04);
		assert_int_equal(irq_level[14], 0);
	}
	cmd28(0xe5, 0, 0, 0);                   /* CHECK POWER MODE */
	assert_int_equal(inb(0x1f2), 0xff);
	cmd28(0xe0, 0, 0, 0);                   /* STANDBY IMMEDIATE */
	cmd28(0xe5, 0, 0, 0);
	assert_int_equal(inb(0x1f2), 0x00);
	cmd28(0xe1, 0, 0, 0);                   /* IDLE IMMEDIATE */
	cmd28(0xe5, 0, 0, 0);
	assert_int_equal(inb(0x1f2), 0xff);
	cmd28(0xe7, 0, 0, 0);                   /* FLUSH CACHE */
	assert_int_equal(inb(0x1f7), 0x50);
	cmd28(0xea, 0, 0, 0);
	assert_int_equal(inb(0x1f7), 0x50);
	cmd28(0x91, 0, 32, 0);                  /* INITIALIZE DEVICE PARAMETERS */
	assert_int_equal(inb(0x1f7), 0x50);
	cmd28(0x90, 0, 0, 0);                   /* EXECUTE DEVICE DIAGNOSTIC */
	assert_int_equal(inb(0x1f1), 0x01);
	assert_int_equal(inb(0x1f2), 0x01);
	assert_int_equal(inb(0x1f7), 0x50);
	disk.read_only = 1;
	cmd28(0x30, 0, 1, 0);
	assert_int_equal(inb(0x1f7), 0x41);
	assert_int_equal(inb(0x1f1), 0x04);
	disk.read_only = 0;
}

/* SRST in the middle of a PIO read: the transfer is gone, the signature
 * is back, no interrupt. */
static void test_srst(void **state)
{
	uint16_t w[8];

	(void)state;
	assert_int_equal(ide_attach(&P.ch[0], 1, &disk, "SLAVE"), 0);
	ide_reset(&P.ch[0]);
	cmd28(0x20, 0, 4, 0);
	read_words(w, 8);
	assert_int_equal(inb(0x1f7), 0x58);
	irq_edges[14] = 0;
	outb(0x3f6, 0x04);
	outb(0x1f7, 0xec);                      /* ignored while held */
	assert_int_equal(inb(0x1f7), 0x80);
	outb(0x3f6, 0x00);
	assert_int_equal(inb(0x1f7), 0x50);
	assert_int_equal(in(0x1f0, 2), 0xffff);   /* nothing to read */
	assert_int_equal(inb(0x1f2), 1);
	assert_int_equal(inb(0x1f3), 1);
	assert_int_equal(irq_edges[14], 0);
	outb(0x1f6, 0xb0);                      /* the slave is there too */
	assert_int_equal(inb(0x1f7), 0x50);
	assert_int_equal(inb(0x1f1), 0x01);
	cmd28(0x20, 0, 1, 0);                   /* cmd28 selects the master */
	outb(0x1f6, 0xf0);                      /* master's INTRQ not driven now */
	assert_int_equal(irq_level[14], 0);
	outb(0x1f6, 0xe0);
	assert_int_equal(irq_level[14], 1);
}

static void test_nien(void **state)
{
	uint16_t id[256];

	(void)state;
	outb(0x3f6, 0x02);
	cmd28(0xec, 0, 0, 0);
	assert_int_equal(irq_level[14], 0);
	assert_int_equal(inb(0x3f6), 0x58);     /* alternate status: no side effect */
	outb(0x3f6, 0x00);                      /* pending interrupt now shows */
	assert_int_equal(irq_level[14], 1);
	assert_int_equal(inb(BM + 2) & 0x04, 0x04);
	assert_int_equal(inb(0x1f7), 0x58);
	assert_int_equal(irq_level[14], 0);
	read_words(id, 256);
	assert_int_equal(id[0], 0x0040);
}

/* The function's decode follows its configuration space. */
static void test_decode(void **state)
{
	uint32_t v = 0;

	(void)state;
	pci_cfg_write(&G.ide, PIIX4_IDETIM_PRI, 2, 0);
	assert_false(piix_ide_io(&P, 0x1f7, 1, false, &v));
	assert_false(piix_ide_io(&P, 0x3f6, 1, false, &v));
	assert_true(piix_ide_io(&P, 0x177, 1, false, &v));
	assert_true(piix_ide_io(&P, BM, 1, false, &v));
	pci_cfg_write(&G.ide, PCI_COMMAND, 2, PCI_CMD_MASTER);
	assert_false(piix_ide_io(&P, 0x177, 1, false, &v));
	assert_false(piix_ide_io(&P, BM, 1, false, &v));
	/* DMA waits for bus-master enable */
	pci_cfg_write(&G.ide, PCI_COMMAND, 2, PCI_CMD_IO);
	pci_cfg_write(&G.ide, PIIX4_IDETIM_PRI, 2, PIIX4_IDETIM_DECODE);
	put_prd(0, 0x10000, 512, true);
	bm_setup(true);
	cmd28(0xc8, 7, 1, 0);
	outb(BM, 0x09);
	assert_int_equal(inb(0x3f6), 0x58);
	pci_cfg_write(&G.ide, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MASTER);
	assert_int_equal(inb(0x3f6), 0x50);
	assert_int_equal(gmem[0x10000], (uint8_t)(7 * 7));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_reset_signature), T(test_identify), T(test_pio_read_write),
		T(test_multiple), T(test_lba48_sparse), T(test_dma_prd),
		T(test_dma_faults), T(test_out_of_range), T(test_chs),
		T(test_unknown_and_power), T(test_srst), T(test_nien),
		T(test_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
