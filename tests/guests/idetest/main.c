/*
 * idetest: a guest without drivers meets the emulated IDE controller of
 * a generation 1 VM the way a firmware-less OS does. It scans PCI bus 0
 * through configuration mechanism #1 (PCI 3.0 §3.2.2.3.2), finds the
 * PIIX4 IDE function 8086:7111, reads its bus-master block from BAR4
 * (PIIX4 datasheet, BMIBA), then on the primary master (0x1f0, IRQ 14):
 * IDENTIFY DEVICE (its block read once by IN, once by REP INSW), a PIO
 * WRITE/READ SECTORS round trip (the sectors by IN/OUT, REP INSW/OUTSW
 * and REP with DF set), a bus-master
 * WRITE/READ DMA round trip (SFF-8038i: PRD table, Start, Interrupt
 * bit), and a DMA whose PRD points at memory that is not the guest's,
 * which must end with the bus-master Error bit. IRQ 14 must reach the
 * slave 8259's request register (read with OCW3; the line stays masked,
 * tests/guests/lib/start.c). Commands follow ATA8-ACS.
 *
 * Then the ATAPI CD-ROM (Add-VMDvdDrive): each channel is reset (SRST)
 * and each device's signature read (ATA/ATAPI-6, "Signature and persistence": LBA mid/high 14h
 * EBh for a PACKET device); on the first CD-ROM: IDENTIFY PACKET DEVICE,
 * READ CAPACITY, and the ISO 9660 primary volume descriptor (logical
 * sector 16, ECMA-119 "Primary Volume Descriptor") read with READ (10)
 * by PIO (ATA/ATAPI-6, PACKET PIO data-in protocol)
 * and with READ (12) by bus-master DMA (its DMA protocol); both are printed with an
 * FNV-1a hash for the host to compare with the ISO file. A WRITE (10)
 * must end in CHECK CONDITION with sense key DATA PROTECT (7).
 *
 * Arguments: `lba=N` (default 100): where the PIO pair goes; the DMA
 * pair goes to N + 100. The data is a pattern of the LBA and the byte's
 * offset, so the host can check it in the VHD afterwards
 * (tests/system/test_config.py). Pass: `idetest: PASS`, v=0.
 */
#include "guest.h"
#include "lib/pio.h"

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc
#define CMD      0x1f0
#define CTL      0x3f6
#define SECTORS  8u                 /* per transfer: 4 KiB */

/* ATA8-ACS commands and status bits. */
#define ATA_IDENTIFY    0xec
#define ATA_READ_PIO    0x20
#define ATA_WRITE_PIO   0x30
#define ATA_READ_DMA    0xc8
#define ATA_WRITE_DMA   0xca
#define ST_BSY  0x80
#define ST_DRDY 0x40
#define ST_DRQ  0x08
#define ST_ERR  0x01
/* SFF-8038i bus-master registers. */
#define BM_CMD    0
#define BM_STATUS 2
#define BM_PRD    4
#define BM_START  0x01
#define BM_TOMEM  0x08
#define BM_ACTIVE 0x01
#define BM_ERROR  0x02
#define BM_INTR   0x04

struct prd {
	uint32_t addr, count_eot;
};

#define ATA_PACKET          0xa0
#define ATA_IDENTIFY_PACKET 0xa1

static uint8_t buf[SECTORS * 512] __attribute__((aligned(4096)));
static uint8_t back[SECTORS * 512] __attribute__((aligned(4096)));
static struct prd prd[2] __attribute__((aligned(64)));
static uint16_t bm;
static int bad;                     /* a check printed a failure */

static const char *check(int ok, const char *yes, const char *no)
{
	bad |= !ok;
	return ok ? yes : no;
}

static uint32_t cfg_read(unsigned dev, unsigned fn, unsigned off)
{
	pio_outl(CFG_ADDR, 0x80000000u | dev << 11 | fn << 8 | (off & 0xfc));
	return pio_inl(CFG_DATA);
}

/* Bus 0: every function that answers; the IDE function's devfn or -1. */
static int pci_scan(void)
{
	int ide = -1;

	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = cfg_read(dev, fn, 0);

			if ((id & 0xffff) == 0xffff)
				continue;
			guest_printf("idetest: pci 00:%x.%u %x:%x class %x\n", dev, fn,
				     id & 0xffff, id >> 16, cfg_read(dev, fn, 8) >> 8);
			if (id == 0x71118086)
				ide = (int)(dev << 3 | fn);
		}
	return ide;
}

static uint8_t wait_idle(void)
{
	uint8_t st;

	for (uint32_t spins = 0; spins < 1000000; spins++)
		if (!((st = pio_inb(CMD + 7)) & ST_BSY))
			return st;
	return 0xff;
}

/* The slave 8259's interrupt request register (OCW3 0x0a, 8259A
 * datasheet): bit 6 is IRQ 14. */
static uint8_t slave_irr(void)
{
	pio_outb(0xa0, 0x0a);
	return pio_inb(0xa0);
}

/* LBA28 task file and command for the master (ATA8-ACS, 28-bit commands). */
static void issue(uint8_t cmd, uint32_t lba, uint8_t count)
{
	pio_outb(CMD + 6, 0xe0 | ((lba >> 24) & 0x0f));
	pio_outb(CMD + 2, count);
	pio_outb(CMD + 3, (uint8_t)lba);
	pio_outb(CMD + 4, (uint8_t)(lba >> 8));
	pio_outb(CMD + 5, (uint8_t)(lba >> 16));
	pio_outb(CMD + 7, cmd);
}

static void fill(uint8_t *p, uint32_t lba)
{
	for (uint32_t i = 0; i < SECTORS * 512; i++)
		p[i] = (uint8_t)(lba * 7 + i / 512 * 13 + i);
}

static int same(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* Words of a DRQ block through the data register. */
static int pio_block(uint16_t *w, int out)
{
	uint8_t st = wait_idle();

	if (!(st & ST_DRQ) || (st & ST_ERR))
		return -1;
	for (int i = 0; i < 256; i++) {
		if (out)
			pio_outw(CMD, w[i]);
		else
			w[i] = pio_inw(CMD);
	}
	return 0;
}

/* A DRQ block by REP INSW/OUTSW, libata's PIO data path
 * (ata_sff_data_xfer): hv emulates the string I/O, one element per
 * port intercept the parent serves. down: DF set (std, cld in the same
 * asm so no compiler string op runs between), the words moving from the
 * top of w down (SDM Vol. 2B "OUTS"). 0, -1 without DRQ, or -2 if rCX
 * and rSI/rDI did not end where the CPU leaves them. */
static int pio_block_rep(uint16_t *w, int out, int down)
{
	uint8_t st = wait_idle();
	uint16_t *p = down ? w + 255 : w, *end = down ? w - 1 : w + 256;
	size_t n = 256;

	if (!(st & ST_DRQ) || (st & ST_ERR))
		return -1;
	if (out && down)
		__asm__ volatile("std; rep outsw; cld" : "+S"(p), "+c"(n) : "d"(CMD) : "memory");
	else if (out)
		__asm__ volatile("rep outsw" : "+S"(p), "+c"(n) : "d"(CMD) : "memory");
	else if (down)
		__asm__ volatile("std; rep insw; cld" : "+D"(p), "+c"(n) : "d"(CMD) : "memory");
	else
		__asm__ volatile("rep insw" : "+D"(p), "+c"(n) : "d"(CMD) : "memory");
	return n || p != end ? -2 : 0;
}

/* IDENTIFY DEVICE again, its block read with REP INSW: the same words. */
static void identify_rep(const uint16_t id[256])
{
	static uint16_t again[256];
	int rc;

	pio_outb(CMD + 7, ATA_IDENTIFY);
	rc = pio_block_rep(again, 0, 0);
	(void)pio_inb(CMD + 7);
	guest_printf("idetest: identify by rep insw: %s\n",
		     check(!rc && same((const uint8_t *)id, (const uint8_t *)again, 512), "same",
			   "DIFFERENT"));
}

static void identify(void)
{
	uint16_t id[256];
	char model[41];
	uint8_t irr0 = slave_irr();

	pio_outb(CTL, 0x00);                        /* nIEN clear */
	pio_outb(CMD + 6, 0xa0);
	if (wait_idle() == 0xff || !(pio_inb(CMD + 7) & ST_DRDY))
		guest_fail("idetest", "no ready device at the primary master");
	pio_outb(CMD + 7, ATA_IDENTIFY);
	if (pio_block(id, 0))
		guest_fail("idetest", "IDENTIFY gave no data");
	for (int i = 0; i < 20; i++) {
		model[2 * i] = (char)(id[27 + i] >> 8);
		model[2 * i + 1] = (char)id[27 + i];
	}
	model[40] = 0;
	for (int i = 39; i >= 0 && model[i] == ' '; i--)
		model[i] = 0;
	guest_printf("idetest: identify model \"%s\" sectors %u dma %s\n", model,
		     (uint32_t)id[60] | (uint32_t)id[61] << 16, (id[49] & 0x100) ? "yes" : "no");
	guest_printf("idetest: irq14 %s\n",
		     check(!(irr0 & 0x40) && (slave_irr() & 0x40), "raised", "MISSING"));
	(void)pio_inb(CMD + 7);                     /* acknowledges INTRQ */
	identify_rep(id);
}

/* Sector s of a PIO transfer: the even ones by IN/OUT, sector 1 by REP
 * with DF set (written from a reversed copy, so the disk gets the same
 * bytes), the others by REP upwards. */
static int pio_sector(uint8_t *p, uint32_t s, int out)
{
	static uint16_t rev[256];
	int rc;

	if (!(s & 1))
		return pio_block((uint16_t *)p, out);
	if (s != 1)
		return pio_block_rep((uint16_t *)p, out, 0);
	for (int i = 0; out && i < 256; i++)
		rev[255 - i] = ((uint16_t *)p)[i];
	rc = pio_block_rep(rev, out, 1);
	for (int i = 0; !out && i < 256; i++)
		((uint16_t *)p)[i] = rev[255 - i];
	return rc;
}

static void pio_round_trip(uint32_t lba)
{
	fill(buf, lba);
	issue(ATA_WRITE_PIO, lba, SECTORS);
	for (uint32_t s = 0; s < SECTORS; s++)
		if (pio_sector(buf + s * 512, s, 1))
			guest_fail("idetest", "PIO write: no DRQ");
	if (wait_idle() & (ST_ERR | ST_DRQ))
		guest_fail("idetest", "PIO write ended with an error");
	for (uint32_t i = 0; i < sizeof(back); i++)
		back[i] = 0;
	issue(ATA_READ_PIO, lba, SECTORS);
	for (uint32_t s = 0; s < SECTORS; s++)
		if (pio_sector(back + s * 512, s, 0))
			guest_fail("idetest", "PIO read: no DRQ");
	guest_printf("idetest: pio write+read lba %u: %s\n", lba,
		     check(same(buf, back, sizeof(buf)), "match", "MISMATCH"));
}

/* One bus-master transfer of the PRD table at prd; returns the
 * bus-master status at its end. */
static uint8_t dma(uint8_t cmd, uint32_t lba, int to_mem)
{
	uint8_t st;
	uint32_t spins = 0;

	pio_outb(bm + BM_CMD, 0);
	pio_outb(bm + BM_STATUS, BM_ERROR | BM_INTR);  /* write 1 to clear */
	pio_outl(bm + BM_PRD, (uint32_t)prd);
	pio_outb(bm + BM_CMD, to_mem ? BM_TOMEM : 0);
	issue(cmd, lba, SECTORS);
	pio_outb(bm + BM_CMD, (to_mem ? BM_TOMEM : 0) | BM_START);
	while (!((st = pio_inb(bm + BM_STATUS)) & (BM_INTR | BM_ERROR)) && ++spins < 1000000)
		;
	pio_outb(bm + BM_CMD, 0);
	(void)pio_inb(CMD + 7);
	return st;
}

static void dma_round_trip(uint32_t lba)
{
	uint8_t st;

	fill(buf, lba);
	prd[0] = (struct prd){ (uint32_t)buf, (SECTORS * 512) | 0x80000000u };
	st = dma(ATA_WRITE_DMA, lba, 0);
	if (!(st & BM_INTR) || (st & BM_ERROR) || (pio_inb(CMD + 7) & ST_ERR))
		guest_fail("idetest", "WRITE DMA did not complete");
	for (uint32_t i = 0; i < sizeof(back); i++)
		back[i] = 0;
	/* Two PRDs this time, the second across a page boundary. */
	prd[0] = (struct prd){ (uint32_t)back, 1024 };
	prd[1] = (struct prd){ (uint32_t)back + 1024, (SECTORS * 512 - 1024) | 0x80000000u };
	st = dma(ATA_READ_DMA, lba, 1);
	if (!(st & BM_INTR) || (st & BM_ERROR))
		guest_fail("idetest", "READ DMA did not complete");
	guest_printf("idetest: dma write+read lba %u: %s\n", lba,
		     check(same(buf, back, sizeof(buf)), "match", "MISMATCH"));
}

/* A PRD naming memory the guest does not have: the parent must not move
 * a byte there (docs/ARCHITECTURE.md rule 1) and the engine ends with
 * Error, the device with an error status. */
static void dma_outside(uint32_t lba)
{
	uint8_t st;

	prd[0] = (struct prd){ 0xf0000000u, (SECTORS * 512) | 0x80000000u };
	st = dma(ATA_READ_DMA, lba, 1);
	guest_printf("idetest: dma outside memory: %s\n",
		     check((st & BM_ERROR) && !(st & BM_ACTIVE), "bus-master error", "NOT REFUSED"));
}

/* ---- the ATAPI CD-ROM ---- */

struct cd {
	uint16_t cmd, ctl, bm;
	uint8_t dev;                    /* the device register's value: A0h or B0h */
};

static uint8_t cd_wait(const struct cd *c)
{
	uint8_t st;

	for (uint32_t spins = 0; spins < 1000000; spins++)
		if (!((st = pio_inb(c->cmd + 7)) & ST_BSY))
			return st;
	return 0xff;
}

/* SRST on each channel, then each device's signature. */
static int cd_find(struct cd *c)
{
	static const uint16_t cmd[2] = { 0x1f0, 0x170 }, ctl[2] = { 0x3f6, 0x376 };

	for (unsigned ch = 0; ch < 2; ch++) {
		pio_outb(ctl[ch], 0x04);
		pio_outb(ctl[ch], 0x00);
		for (unsigned dev = 0; dev < 2; dev++) {
			pio_outb(cmd[ch] + 6, (uint8_t)(0xa0 | dev << 4));
			if (pio_inb(cmd[ch] + 4) == 0x14 && pio_inb(cmd[ch] + 5) == 0xeb) {
				*c = (struct cd){ cmd[ch], ctl[ch], (uint16_t)(bm + 8 * ch),
						  (uint8_t)(0xa0 | dev << 4) };
				guest_printf("idetest: atapi at channel %u device %u\n", ch, dev);
				return 0;
			}
		}
	}
	return -1;
}

/* PACKET with a 2048-byte byte count limit (and the DMA bit), then the
 * command packet once the device asks for it (DRQ, C/D). */
static int cd_packet(const struct cd *c, const uint8_t cdb[12], int dma)
{
	uint8_t st;

	pio_outb(c->cmd + 6, c->dev);
	cd_wait(c);
	pio_outb(c->cmd + 1, dma ? 1 : 0);
	pio_outb(c->cmd + 4, 0x00);
	pio_outb(c->cmd + 5, 0x08);
	pio_outb(c->cmd + 7, ATA_PACKET);
	st = cd_wait(c);
	if (!(st & ST_DRQ) || (pio_inb(c->cmd + 2) & 3) != 1)
		return -1;
	for (int i = 0; i < 12; i += 2)
		pio_outw(c->cmd, (uint16_t)(cdb[i] | cdb[i + 1] << 8));
	return 0;
}

/* A command by PIO: the bytes read (each DRQ block's count from LBA
 * mid/high), or -(sense key) after CHECK CONDITION, -16 on no answer. */
static int cd_pio(const struct cd *c, const uint8_t cdb[12], uint8_t *data, uint32_t max)
{
	uint32_t got = 0;
	uint8_t st;

	if (cd_packet(c, cdb, 0))
		return -16;
	while ((st = cd_wait(c)) & ST_DRQ) {
		uint32_t n = pio_inb(c->cmd + 4) | (uint32_t)pio_inb(c->cmd + 5) << 8;

		for (uint32_t i = 0; i < n; i += 2) {
			uint16_t w = pio_inw(c->cmd);

			if (got + i + 1 < max) {
				data[got + i] = (uint8_t)w;
				data[got + i + 1] = (uint8_t)(w >> 8);
			}
		}
		got += n;
	}
	if (st == 0xff)
		return -16;
	if (st & ST_ERR)
		return -(int)(pio_inb(c->cmd + 1) >> 4);
	return (int)got;
}

static uint32_t fnv1a(const uint8_t *p, uint32_t n)
{
	uint32_t h = 0x811c9dc5u;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x01000193u;
	return h;
}

/* Type, standard identifier and volume identifier (ECMA-119, Primary Volume
 * Descriptor: bytes 1, 2-6 and 41-72) of a volume descriptor, and its hash. */
static void pvd_print(const char *how, const uint8_t *d)
{
	char id[6], vol[33];

	for (int i = 0; i < 5; i++)
		id[i] = (char)d[1 + i];
	id[5] = 0;
	for (int i = 0; i < 32; i++)
		vol[i] = (char)d[40 + i];
	vol[32] = 0;
	for (int i = 31; i >= 0 && vol[i] == ' '; i--)
		vol[i] = 0;
	guest_printf("idetest: atapi %s lba 16: type %u id %s volume %s fnv %x\n", how, d[0], id,
		     vol, fnv1a(d, 2048));
}

static void cd_identify(const struct cd *c)
{
	uint16_t id[256];
	char model[41];
	uint8_t st;

	pio_outb(c->cmd + 6, c->dev);
	pio_outb(c->cmd + 7, ATA_IDENTIFY);        /* a PACKET device aborts it */
	st = cd_wait(c);
	guest_printf("idetest: atapi identify device: %s\n",
		     check((st & ST_ERR) && pio_inb(c->cmd + 4) == 0x14, "aborted", "NOT ABORTED"));
	pio_outb(c->cmd + 7, ATA_IDENTIFY_PACKET);
	st = cd_wait(c);
	if (!(st & ST_DRQ))
		guest_fail("idetest", "IDENTIFY PACKET DEVICE gave no data");
	for (int i = 0; i < 256; i++)
		id[i] = pio_inw(c->cmd);
	for (int i = 0; i < 20; i++) {
		model[2 * i] = (char)(id[27 + i] >> 8);
		model[2 * i + 1] = (char)id[27 + i];
	}
	model[40] = 0;
	for (int i = 39; i >= 0 && model[i] == ' '; i--)
		model[i] = 0;
	guest_printf("idetest: atapi identify packet: word0 %x model \"%s\"\n", id[0], model);
}

/* READ (12) of sector 16 into back by bus-master DMA. */
static uint8_t cd_dma(const struct cd *c)
{
	static const uint8_t r12[12] = { 0xa8, 0, 0, 0, 0, 16, 0, 0, 0, 1 };
	uint32_t spins = 0;
	uint8_t st;

	prd[0] = (struct prd){ (uint32_t)back, 2048u | 0x80000000u };
	pio_outb(c->bm + BM_CMD, 0);
	pio_outb(c->bm + BM_STATUS, BM_ERROR | BM_INTR);
	pio_outl(c->bm + BM_PRD, (uint32_t)prd);
	pio_outb(c->bm + BM_CMD, BM_TOMEM);
	if (cd_packet(c, r12, 1))
		return BM_ERROR;
	pio_outb(c->bm + BM_CMD, BM_TOMEM | BM_START);
	while (!((st = pio_inb(c->bm + BM_STATUS)) & (BM_INTR | BM_ERROR)) && ++spins < 1000000)
		;
	pio_outb(c->bm + BM_CMD, 0);
	if (cd_wait(c) & ST_ERR)
		st |= BM_ERROR;
	return st;
}

static void cd_test(void)
{
	static const uint8_t cap[12] = { 0x25 }, r10[12] = { 0x28, 0, 0, 0, 0, 16, 0, 0, 1 };
	static const uint8_t w10[12] = { 0x2a, 0, 0, 0, 0, 16, 0, 0, 1 };
	struct cd c;
	int n;

	if (cd_find(&c)) {
		guest_puts("idetest: no atapi device\n");
		return;
	}
	cd_identify(&c);
	n = cd_pio(&c, cap, buf, 8);
	if (n != 8)
		guest_fail("idetest", "READ CAPACITY failed");
	guest_printf("idetest: atapi capacity %u blocks of %u\n",
		     ((uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | buf[2] << 8 | buf[3]) + 1,
		     (uint32_t)buf[6] << 8 | buf[7]);
	for (uint32_t i = 0; i < 2048; i++)
		buf[i] = back[i] = 0;
	n = cd_pio(&c, r10, buf, 2048);
	if (n != 2048)
		guest_fail("idetest", "READ (10) by PIO failed");
	pvd_print("pio", buf);
	if (cd_dma(&c) & BM_ERROR)
		guest_fail("idetest", "READ (12) by DMA failed");
	pvd_print("dma", back);
	guest_printf("idetest: atapi pio and dma: %s\n",
		     check(same(buf, back, 2048), "same", "DIFFERENT"));
	n = cd_pio(&c, w10, buf, 0);
	guest_printf("idetest: atapi write: %s\n",
		     check(n == -7, "data protect", "NOT REFUSED"));
}

void guest_main(void)
{
	uint32_t lba = guest_get_arg_u32("lba", 100);
	uint64_t t0 = guest_rdtsc();
	int devfn;
	uint32_t cmd;

	guest_puts("idetest: start\n");
	devfn = pci_scan();
	if (devfn < 0)
		guest_fail("idetest", "no 8086:7111 on PCI bus 0");
	cmd = cfg_read((unsigned)devfn >> 3, (unsigned)devfn & 7, 4);
	bm = (uint16_t)(cfg_read((unsigned)devfn >> 3, (unsigned)devfn & 7, 0x20) & 0xfff0);
	guest_printf("idetest: ide at 00:%x.%u command %x bmiba %x\n", devfn >> 3, devfn & 7,
		     cmd & 0xffff, bm);
	if (!(cmd & 1) || !bm)
		guest_fail("idetest", "I/O decode is off or BAR4 unassigned");
	if (!(cmd & 4)) {                           /* as Linux's pci_set_master */
		pio_outl(CFG_ADDR, 0x80000000u | (uint32_t)devfn << 8 | 4);
		pio_outw(CFG_DATA, (uint16_t)(cmd | 4));
	}
	identify();
	pio_round_trip(lba);
	dma_round_trip(lba + 100);
	dma_outside(lba + 100);
	cd_test();
	guest_printf("idetest: done in %llu TSC ticks\n", guest_rdtsc() - t0);
	if (bad)
		guest_fail("idetest", "a check above failed");
	guest_pass("idetest");
}
