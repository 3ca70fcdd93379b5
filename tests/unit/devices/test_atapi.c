/*
 * Unit tests for the ATAPI CD-ROM of the IDE channel model
 * (partition/devices/ide_atapi.c), driven through the PIIX4 ports the
 * way Linux's libata issues a PACKET command (drivers/ata/libata-sff.c:
 * ata_sff_tf_load, atapi_send_cdb, atapi_pio_bytes; libata-scsi.c
 * atapi_xlat sets the byte count limit). Expectations follow ATA/ATAPI-6
 * 8.21 and 9.10 (registers and phases), SPC-3 and MMC-5 (data, sense).
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

#define GMEM_SIZE  (1u << 20)
#define CD_BLOCKS  40u
#define CMD        0x170u       /* the CD is the secondary master */
#define CTL        0x376u
#define BM2        (GEN1_BMIBA_BASE + 8)

static uint8_t gmem[GMEM_SIZE];
static int irq_level[16];
static struct pci_gen1 G;
static struct piix_ide P;
static struct blockdev disk, iso, iso2;

static int mem_cb(void *ctx, uint64_t gpa, void *buf, size_t len, bool to_guest)
{
	(void)ctx;
	if (gpa >= GMEM_SIZE || len > GMEM_SIZE - gpa)
		return -EFAULT;
	if (to_guest)
		memcpy(gmem + gpa, buf, len);
	else
		memcpy(buf, gmem + gpa, len);
	return 0;
}

static void irq_cb(void *ctx, unsigned line, int level)
{
	(void)ctx;
	assert_int_not_equal(irq_level[line], level);
	irq_level[line] = level;
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

/* Block b's byte j: a pattern that differs per block. */
static uint8_t pat(uint32_t b, uint32_t j, uint8_t seed)
{
	return (uint8_t)(b * 13 + j * 7 + seed);
}

static void make_iso(struct blockdev *bd, uint32_t blocks, uint8_t seed)
{
	uint8_t blk[ATAPI_SECTOR];

	assert_int_equal(blockdev_ram_create((uint64_t)blocks * ATAPI_SECTOR, 2048, bd), 0);
	for (uint32_t b = 0; b < blocks; b++) {
		for (uint32_t j = 0; j < ATAPI_SECTOR; j++)
			blk[j] = pat(b, j, seed);
		assert_int_equal(blockdev_write(bd, (uint64_t)b * ATAPI_SECTOR, blk, ATAPI_SECTOR), 0);
	}
	bd->read_only = 1;
}

static int setup(void **state)
{
	(void)state;
	memset(gmem, 0, sizeof(gmem));
	memset(irq_level, 0, sizeof(irq_level));
	assert_int_equal(blockdev_ram_create(1u << 20, 512, &disk), 0);
	make_iso(&iso, CD_BLOCKS, 0);
	make_iso(&iso2, CD_BLOCKS / 2, 100);
	pci_gen1_init(&G);
	piix_ide_init(&P, &G.ide, &ops, &P);
	assert_int_equal(ide_attach(&P.ch[0], 0, &disk, "DISK"), 0);
	assert_int_equal(ide_attach_atapi(&P.ch[0], 1, &iso, "CD01"), 0);
	assert_int_equal(ide_attach_atapi(&P.ch[1], 0, &iso, "CD10"), 0);
	ide_reset(&P.ch[0]);
	ide_reset(&P.ch[1]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	blockdev_close(&disk);
	blockdev_close(&iso);
	blockdev_close(&iso2);
	return 0;
}

/* PACKET with the byte count limit and the DMA bit, then the packet:
 * DRQ with C/D set, no interrupt, until the 12th byte. */
static void packet(const uint8_t cdb[12], uint16_t bcl, bool dma)
{
	outb(CMD + 6, 0xa0);
	outb(CMD + 1, dma ? 1 : 0);
	outb(CMD + 4, bcl & 0xff);
	outb(CMD + 5, bcl >> 8);
	outb(CMD + 7, 0xa0);
	assert_int_equal(inb(CTL), 0x48);            /* DRDY DRQ */
	assert_int_equal(inb(CMD + 2) & 3, 1);       /* C/D, not I/O */
	assert_int_equal(irq_level[15], 0);
	for (unsigned i = 0; i < 12; i += 2)
		out(CMD, 2, (uint32_t)(cdb[i] | cdb[i + 1] << 8));
}

/* The data-in phase by PIO: every DRQ block interrupts, says I/O and
 * its byte count (at most limit); the status phase interrupts with
 * C/D and I/O. The bytes read; *status the final status. */
static uint32_t pio_in(uint8_t *buf, uint32_t max, uint16_t limit, uint8_t *status)
{
	uint32_t got = 0;
	uint8_t st;

	for (;;) {
		assert_int_equal(irq_level[15], 1);
		st = inb(CMD + 7);
		assert_int_equal(irq_level[15], 0);
		if (!(st & ATA_DRQ))
			break;
		uint32_t n = inb(CMD + 4) | (uint32_t)inb(CMD + 5) << 8;

		assert_int_equal(inb(CMD + 2) & 3, 2);
		assert_true(n > 0 && n <= (limit & ~1u));
		for (uint32_t i = 0; i < n; i += 2) {
			uint16_t w = (uint16_t)in(CMD, 2);

			if (got + i < max)
				buf[got + i] = (uint8_t)w;
			if (i + 1 < n && got + i + 1 < max)
				buf[got + i + 1] = (uint8_t)(w >> 8);
		}
		got += n;
	}
	assert_int_equal(inb(CMD + 2) & 3, 3);
	*status = st;
	return got;
}

/* A command by PIO that must succeed: its data length. */
static uint32_t run_ok(const uint8_t cdb[12], uint8_t *buf, uint32_t max, uint16_t limit)
{
	uint8_t st;
	uint32_t n;

	packet(cdb, limit, false);
	n = pio_in(buf, max, limit, &st);
	assert_int_equal(st, 0x50);
	return n;
}

/* REQUEST SENSE: key << 16 | asc << 8 | ascq. */
static uint32_t sense(void)
{
	const uint8_t rs[12] = { 0x03, 0, 0, 0, 18 };
	uint8_t b[18];

	assert_int_equal(run_ok(rs, b, sizeof(b), 0xfffe), 18);
	assert_int_equal(b[0], 0x70);
	return (uint32_t)(b[2] & 0x0f) << 16 | (uint32_t)b[12] << 8 | b[13];
}

/* A command that must end in CHECK CONDITION with this sense. */
static void run_check(const uint8_t cdb[12], uint16_t limit, uint32_t want)
{
	uint8_t st, b[64];

	packet(cdb, limit, false);
	assert_int_equal(pio_in(b, sizeof(b), limit, &st), 0);
	assert_int_equal(st & (ATA_ERR | ATA_DRQ), ATA_ERR);
	assert_int_equal(inb(CMD + 1) >> 4, want >> 16);
	assert_int_equal(sense(), want);
}

static const uint8_t tur[12] = { 0 };

static void test_signature_identify(void **state)
{
	uint16_t id[256];
	char model[41];

	(void)state;
	/* primary: ATA master, ATAPI slave, after SRST */
	outb(0x3f6, 0x06);
	outb(0x3f6, 0x02);
	assert_int_equal(inb(0x1f4), 0x00);
	outb(0x1f6, 0xb0);
	assert_int_equal(inb(0x1f2), 0x01);
	assert_int_equal(inb(0x1f3), 0x01);
	assert_int_equal(inb(0x1f4), 0x14);
	assert_int_equal(inb(0x1f5), 0xeb);
	assert_int_equal(inb(0x1f7), 0x00);           /* PACKET device: DRDY clear */
	assert_int_equal(inb(0x1f1), 0x01);
	/* a register write ends the signature */
	outb(0x1f4, 0x00);
	assert_int_equal(inb(0x1f4), 0x00);
	/* EXECUTE DEVICE DIAGNOSTIC: both devices, signatures again */
	outb(0x1f7, 0x90);
	assert_int_equal(inb(0x1f6), 0x00);           /* device 0 selected */
	outb(0x1f6, 0xb0);
	assert_int_equal(inb(0x1f4), 0x14);
	outb(0x1f6, 0xa0);
	assert_int_equal(inb(0x1f4), 0x00);
	assert_int_equal(inb(0x1f7), 0x50);
	/* IDENTIFY DEVICE: aborted with the signature */
	outb(CMD + 6, 0xa0);
	outb(CMD + 7, 0xec);
	assert_int_equal(inb(CMD + 7), 0x41);
	assert_int_equal(inb(CMD + 1), ATA_E_ABRT);
	assert_int_equal(inb(CMD + 4), 0x14);
	assert_int_equal(inb(CMD + 5), 0xeb);
	/* IDENTIFY PACKET DEVICE */
	outb(CMD + 7, 0xa1);
	assert_int_equal(inb(CMD + 7), 0x58);
	for (unsigned i = 0; i < 256; i++)
		id[i] = (uint16_t)in(CMD, 2);
	assert_int_equal(id[0], 0x85c0);
	for (unsigned i = 0; i < 20; i++) {
		model[2 * i] = (char)(id[27 + i] >> 8);
		model[2 * i + 1] = (char)id[27 + i];
	}
	model[40] = 0;
	assert_string_equal(model, "Msft Virtual CD/ROM                     ");
	assert_true(id[82] & 0x0010);                  /* PACKET feature set */
	assert_int_equal(id[255] & 0xff, 0xa5);
	assert_int_equal(inb(CMD + 7), 0x50);
	/* an ATA disk refuses IDENTIFY PACKET DEVICE */
	outb(0x1f7, 0xa1);
	assert_int_equal(inb(0x1f7), 0x41);
}

static void test_inquiry_sense_tur(void **state)
{
	const uint8_t inq[12] = { 0x12, 0, 0, 0, 96 };
	const uint8_t rs17[12] = { 0x03, 0, 0, 0, 17 };
	uint8_t b[96];

	(void)state;
	assert_int_equal(run_ok(inq, b, sizeof(b), 0xfffe), 36);
	assert_int_equal(b[0], 0x05);
	assert_int_equal(b[1], 0x80);
	assert_memory_equal(b + 8, "Msft    Virtual CD/ROM  1.0 ", 28);
	assert_int_equal(run_ok(tur, b, 0, 0), 0);
	/* an odd allocation length: 17 bytes in 9 words */
	assert_int_equal(run_ok(rs17, b, sizeof(b), 0xfffe), 17);
	assert_int_equal(b[0], 0x70);
	assert_int_equal(sense(), 0);
}

static void test_read_pio(void **state)
{
	static uint8_t b[8 * ATAPI_SECTOR];
	const uint8_t r10[12] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 5 };
	const uint8_t r12[12] = { 0xa8, 0, 0, 0, 0, 30, 0, 0, 0, 8 };
	const uint8_t cap[12] = { 0x25 };
	static const uint16_t limits[] = { 0xfffe, 0xffff, 2048, 1000, 999, 2 };

	(void)state;
	assert_int_equal(run_ok(cap, b, 8, 0xfffe), 8);
	assert_memory_equal(b, "\x00\x00\x00\x27\x00\x00\x08\x00", 8);
	/* limits that divide blocks, ones that do not, odd ones */
	for (unsigned k = 0; k < sizeof(limits) / sizeof(limits[0]); k++) {
		memset(b, 0, sizeof(b));
		assert_int_equal(run_ok(r10, b, sizeof(b), limits[k]), 5 * ATAPI_SECTOR);
		for (uint32_t j = 0; j < 5 * ATAPI_SECTOR; j++)
			assert_int_equal(b[j], pat(3 + j / ATAPI_SECTOR, j % ATAPI_SECTOR, 0));
	}
	assert_int_equal(run_ok(r12, b, sizeof(b), 0x8000), 8 * ATAPI_SECTOR);
	for (uint32_t j = 0; j < 8 * ATAPI_SECTOR; j++)
		assert_int_equal(b[j], pat(30 + j / ATAPI_SECTOR, j % ATAPI_SECTOR, 0));
	assert_int_equal(sense(), 0);
}

/* A PRD table at 0x1000 of one region at 0x10000, then Start. */
static void dma_setup(uint32_t len)
{
	uint32_t prd[2] = { 0x10000, (len & 0xffff) | PRD_EOT };

	memcpy(gmem + 0x1000, prd, sizeof(prd));
	out(BM2 + 4, 4, 0x1000);
	outb(BM2 + 2, 0x06);
	outb(BM2, 0x09);
}

static void test_read_dma(void **state)
{
	const uint8_t r12[12] = { 0xa8, 0, 0, 0, 0, 36, 0, 0, 0, 4 };
	const uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };

	(void)state;
	dma_setup(4 * ATAPI_SECTOR);
	packet(r12, 0, true);                      /* a limit means nothing to DMA */
	assert_int_equal(irq_level[15], 1);
	assert_int_equal(inb(BM2 + 2) & 7, 4);     /* Interrupt, not Active */
	assert_int_equal(inb(CMD + 7), 0x50);
	assert_int_equal(inb(CMD + 2) & 3, 3);
	for (uint32_t j = 0; j < 4 * ATAPI_SECTOR; j++)
		assert_int_equal(gmem[0x10000 + j], pat(36 + j / ATAPI_SECTOR, j % ATAPI_SECTOR, 0));
	outb(BM2, 0x08);
	/* a reply by DMA; Start after the command */
	memset(gmem + 0x10000, 0, 64);
	packet(inq, 0, true);
	assert_int_equal(irq_level[15], 0);
	dma_setup(36);
	assert_int_equal(irq_level[15], 1);
	assert_int_equal(inb(CMD + 7), 0x50);
	assert_memory_equal(gmem + 0x10008, "Msft    ", 8);
	outb(BM2, 0x08);
	/* a table shorter than the transfer: Active clears, no interrupt,
	 * the command is dropped (as for a disk, ide_bmdma.c) */
	(void)inb(CMD + 7);
	dma_setup(2048);
	packet(r12, 0, true);
	assert_int_equal(inb(BM2 + 2) & 7, 0);
	assert_int_equal(irq_level[15], 0);
	assert_int_equal(inb(CMD + 7), 0x50);
	outb(BM2, 0x08);
	/* a region outside guest memory: master abort, ERR, interrupt */
	{
		uint32_t prd[2] = { GMEM_SIZE - 1024, 4096 | PRD_EOT };

		memcpy(gmem + 0x1000, prd, sizeof(prd));
	}
	out(BM2 + 4, 4, 0x1000);
	outb(BM2 + 2, 0x06);
	outb(BM2, 0x09);
	packet((const uint8_t[12]){ 0x28, 0, 0, 0, 0, 0, 0, 0, 2 }, 0, true);
	assert_int_equal(inb(BM2 + 2) & 7, 6);     /* Error, Interrupt */
	assert_int_equal(irq_level[15], 1);
	assert_int_equal(inb(CMD + 7) & (ATA_ERR | ATA_DRQ), ATA_ERR);
	assert_int_equal(inb(CMD + 2) & 3, 3);
	outb(BM2, 0x08);
}

static void test_bad_cdbs(void **state)
{
	const uint8_t unknown[12] = { 0xff };
	const uint8_t past[12] = { 0x28, 0, 0, 0, 0, 38, 0, 0, 3 };
	const uint8_t far[12] = { 0xa8, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1 };
	const uint8_t evpd[12] = { 0x12, 1, 0x80, 0, 36 };
	const uint8_t ms_bad[12] = { 0x5a, 0, 0x01, 0, 0, 0, 0, 0, 64 };
	const uint8_t ms_saved[12] = { 0x5a, 0, 0xea, 0, 0, 0, 0, 0, 64 };
	const uint8_t w10[12] = { 0x2a, 0, 0, 0, 0, 1, 0, 0, 1 };
	const uint8_t w12[12] = { 0xaa, 0, 0, 0, 0, 1, 0, 0, 0, 1 };
	const uint8_t r10[12] = { 0x28, 0, 0, 0, 0, 1, 0, 0, 1 };
	const uint8_t r0[12] = { 0x28, 0, 0, 0, 0, 1, 0, 0, 0 };
	const uint8_t toc_bad[12] = { 0x43, 0, 0, 0, 0, 0, 2, 0, 12 };
	const uint8_t toc_fmt[12] = { 0x43, 0, 4, 0, 0, 0, 0, 0, 12 };
	const uint8_t gesn_async[12] = { 0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8 };
	const uint8_t gc_rt3[12] = { 0x46, 3, 0, 0, 0, 0, 0, 0, 64 };
	const uint8_t rs_desc[12] = { 0x03, 1, 0, 0, 18 };
	uint8_t b[16];

	(void)state;
	run_check(unknown, 0xfffe, 0x052000);
	run_check(past, 0xfffe, 0x052100);
	run_check(far, 0xfffe, 0x052100);
	run_check(evpd, 0xfffe, 0x052400);
	run_check(ms_bad, 0xfffe, 0x052400);
	run_check(ms_saved, 0xfffe, 0x053900);
	run_check(w10, 0xfffe, 0x072700);
	run_check(w12, 0xfffe, 0x072700);
	run_check(toc_bad, 0xfffe, 0x052400);
	run_check(toc_fmt, 0xfffe, 0x052400);
	run_check(gesn_async, 0xfffe, 0x052400);
	run_check(gc_rt3, 0xfffe, 0x052400);
	run_check(rs_desc, 0xfffe, 0x052400);
	/* byte count limit 0 (or 1) cannot carry data; no data needs none */
	run_check(r10, 0, 0x052400);
	run_check(r10, 1, 0x052400);
	assert_int_equal(run_ok(r0, b, 0, 0), 0);
	assert_int_equal(run_ok(tur, b, 0, 0), 0);
	/* PACKET with OVL: aborted at the ATA level */
	outb(CMD + 1, 0x02);
	outb(CMD + 7, 0xa0);
	assert_int_equal(inb(CMD + 7), 0x41);
	assert_int_equal(inb(CMD + 1), ATA_E_ABRT);
	/* writing more than the packet, reading with no data: ignored */
	assert_int_equal(run_ok(tur, b, 0, 0), 0);
	out(CMD, 2, 0x1234);
	assert_int_equal(in(CMD, 2), 0xffff);
	assert_int_equal(inb(CMD + 7), 0x50);
}

static void test_mode_toc_config(void **state)
{
	const uint8_t ms[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 64 };
	const uint8_t ms_all[12] = { 0x5a, 0, 0x3f, 0, 0, 0, 0, 0, 12 };
	const uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 64 };
	const uint8_t toc_msf[12] = { 0x43, 2, 0, 0, 0, 0, 0xaa, 0, 64 };
	const uint8_t session[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40 };
	const uint8_t gc[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 64 };
	const uint8_t gc_core[12] = { 0x46, 2, 0, 1, 0, 0, 0, 0, 64 };
	const uint8_t lock[12] = { 0x1e, 0, 0, 0, 1 };
	const uint8_t unlock[12] = { 0x1e, 0, 0, 0, 0 };
	const uint8_t eject[12] = { 0x1b, 0, 0, 0, 2 };
	uint8_t b[64];

	(void)state;
	assert_int_equal(run_ok(ms, b, sizeof(b), 0xfffe), 28);
	assert_int_equal(b[1], 26);
	assert_int_equal(b[2], 0x01);
	assert_int_equal(b[8], 0x2a);
	assert_int_equal(b[9], 18);
	assert_int_equal(run_ok(ms_all, b, sizeof(b), 0xfffe), 12);
	assert_int_equal(run_ok(toc, b, sizeof(b), 0xfffe), 20);
	assert_memory_equal(b, "\x00\x12\x01\x01\x00\x14\x01\x00\x00\x00\x00\x00"
			       "\x00\x14\xaa\x00\x00\x00\x00\x28", 20);
	/* lead-out at block 40 = 40 + 150 frames = 00:02:40 */
	assert_int_equal(run_ok(toc_msf, b, sizeof(b), 0xfffe), 12);
	assert_memory_equal(b + 4, "\x00\x14\xaa\x00\x00\x00\x02\x28", 8);
	assert_int_equal(run_ok(session, b, sizeof(b), 0xfffe), 12);
	assert_memory_equal(b, "\x00\x0a\x01\x01\x00\x14\x01\x00\x00\x00\x00\x00", 12);
	assert_int_equal(run_ok(gc, b, sizeof(b), 0xfffe), 24);
	assert_memory_equal(b, "\x00\x00\x00\x14\x00\x00\x00\x08", 8);
	assert_memory_equal(b + 8, "\x00\x00\x03\x04\x00\x08\x01\x00", 8);
	assert_memory_equal(b + 16, "\x00\x01\x03\x04\x00\x00\x00\x02", 8);
	assert_int_equal(run_ok(gc_core, b, sizeof(b), 0xfffe), 16);
	assert_int_equal(b[9], 0x01);
	/* a locked tray refuses the guest's eject */
	assert_int_equal(run_ok(lock, b, 0, 0), 0);
	assert_int_equal(run_ok(ms, b, sizeof(b), 0xfffe), 28);
	assert_int_equal(b[8 + 6] & 0x02, 0x02);
	run_check(eject, 0, 0x055302);
	assert_int_equal(run_ok(unlock, b, 0, 0), 0);
	assert_int_equal(run_ok(eject, b, 0, 0), 0);
	assert_int_equal(run_ok(tur, b, 0, 0), 0);    /* the medium is the host's */
}

static void test_no_medium_and_change(void **state)
{
	const uint8_t cap[12] = { 0x25 };
	const uint8_t r10[12] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1 };
	const uint8_t gesn[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
	const uint8_t gesn_none[12] = { 0x4a, 1, 0, 0, 0x04, 0, 0, 0, 8 };
	const uint8_t gc[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 8 };
	const uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
	static uint8_t b[4 * ATAPI_SECTOR];
	uint8_t st;

	(void)state;
	assert_int_equal(ide_atapi_set_medium(&P.ch[1], 0, NULL), 0);
	run_check(tur, 0, 0x023a00);
	run_check(cap, 0xfffe, 0x023a00);
	run_check(r10, 0xfffe, 0x023a00);
	assert_int_equal(run_ok(inq, b, 36, 0xfffe), 36);
	assert_int_equal(run_ok(gc, b, 8, 0xfffe), 8);
	assert_int_equal(b[7], 0);                    /* no current profile */
	assert_int_equal(run_ok(gesn, b, 8, 0xfffe), 8);
	assert_memory_equal(b, "\x00\x06\x04\x10\x03\x00\x00\x00", 8);  /* removal */
	assert_int_equal(run_ok(gesn, b, 8, 0xfffe), 8);
	assert_int_equal(b[4], 0);                    /* reported once */
	assert_int_equal(run_ok(gesn_none, b, 8, 0xfffe), 4);
	assert_memory_equal(b, "\x00\x02\x80\x10", 4);
	/* a new medium: the event and a unit attention, once */
	assert_int_equal(ide_atapi_set_medium(&P.ch[1], 0, &iso2), 0);
	assert_int_equal(run_ok(gesn, b, 8, 0xfffe), 8);
	assert_memory_equal(b + 4, "\x02\x02", 2);
	assert_int_equal(run_ok(inq, b, 36, 0xfffe), 36);
	run_check(tur, 0, 0x062800);
	assert_int_equal(run_ok(tur, b, 0, 0), 0);
	assert_int_equal(run_ok(cap, b, 8, 0xfffe), 8);
	assert_int_equal(b[3], CD_BLOCKS / 2 - 1);
	assert_int_equal(run_ok(r10, b, ATAPI_SECTOR, 0xfffe), ATAPI_SECTOR);
	assert_int_equal(b[5], pat(0, 5, 100));
	/* REQUEST SENSE reports a pending unit attention and clears it */
	assert_int_equal(ide_atapi_set_medium(&P.ch[1], 0, &iso), 0);
	assert_int_equal(sense(), 0x062800);
	assert_int_equal(run_ok(tur, b, 0, 0), 0);
	/* a change in the middle of a PIO transfer ends it */
	packet((const uint8_t[12]){ 0x28, 0, 0, 0, 0, 0, 0, 0, 4 }, 2048, false);
	assert_int_equal(inb(CMD + 7), 0x48);
	for (unsigned i = 0; i < 100; i++)
		(void)in(CMD, 2);
	assert_int_equal(ide_atapi_set_medium(&P.ch[1], 0, &iso2), 0);
	assert_int_equal(irq_level[15], 1);
	st = inb(CMD + 7);
	assert_int_equal(st & (ATA_ERR | ATA_DRQ), ATA_ERR);
	assert_int_equal(inb(CMD + 1) >> 4, 6);
	assert_int_equal(in(CMD, 2), 0xffff);
	/* a bad medium or place is refused */
	assert_int_equal(ide_atapi_set_medium(&P.ch[0], 0, &iso), -EINVAL);
	assert_int_equal(ide_atapi_set_medium(&P.ch[1], 2, &iso), -EINVAL);
	assert_int_equal(ide_attach_atapi(&P.ch[1], 1, &disk, "X"), 0);  /* 1 MiB: fine */
}

static void test_srst_during_packet(void **state)
{
	const uint8_t r10[12] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 2 };
	uint8_t b[16];

	(void)state;
	outb(CMD + 6, 0xa0);
	outb(CMD + 4, 0xfe);
	outb(CMD + 5, 0xff);
	outb(CMD + 7, 0xa0);
	out(CMD, 2, 0x28);
	outb(CTL, 0x04);
	outb(CTL, 0x00);
	assert_int_equal(inb(CMD + 7), 0x00);
	assert_int_equal(inb(CMD + 4), 0x14);
	out(CMD, 2, 0);                              /* no packet is taken now */
	assert_int_equal(run_ok(r10, b, sizeof(b), 0xfffe), 2 * ATAPI_SECTOR);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_signature_identify), T(test_inquiry_sense_tur), T(test_read_pio),
		T(test_read_dma), T(test_bad_cdbs), T(test_mode_toc_config),
		T(test_no_medium_and_change), T(test_srst_during_packet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
