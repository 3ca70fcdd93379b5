/*
 * counter: keeps counting in memory while its local APIC timer fires
 * (periodic, SDM Vol. 3A §10.5.4), for the vCPU-context round trip
 * (Debug-VMHost -Action SaveRestore, docs/hypercalls.md "vCPU context").
 * Every `every` ticks (default 10) it prints
 *     counter: tick T count C gap G
 * T the timer interrupts so far, C its main loop's count (kept in memory,
 * in a register between), G the longest TSC gap between two ticks since
 * the last line, in timer periods: a guest whose time stood still while
 * it was saved sees about 1, one whose TSC ran on sees the save's length.
 * Args: count= (TSC ticks per period, default 2000000), every=, ticks=
 * (stop with PASS after that many ticks; 0, the default, runs for ever),
 * sweep= (0-256 pages, default 0): each turn of the main loop also
 * writes the next of that many pages, one page a turn, with the number
 * of the sweep; before the write it checks that the page holds the
 * previous sweep's number. A copy of its memory that is not of one
 * instant (a page saved after the guest changed it) fails that check
 * when the copy is resumed: the oracle for live memory capture
 * (Checkpoint-VM of a running VM). Its lines then also print
 *     counter: sweep S
 * disk=N (1-16): at every 8th line it also reads the first sector of each
 * of the first N 2 MiB blocks of the primary master IDE disk by PIO
 * (LBA28, ATA8-ACS READ SECTORS 20h / WRITE SECTORS 30h), checks that
 * its first word is the count it wrote there last (kept in memory), and
 * writes the current count there: a snapshot whose disk and memory are
 * not of the same instant fails that check once resumed, and so does a
 * merge (Remove-VMSnapshot) that loses a block of a differencing disk.
 * It flushes (FLUSH CACHE E7h; the drive says its write cache is on)
 * before it prints the count: a count printed is on the disk, whatever
 * becomes of the machine after it.
 * (Each sector moves as 256 port intercepts the parent serves: at every
 * line the loop would hardly count at all under Bochs.)
 *     counter: disk C
 */
#include "guest.h"
#include "lib/pio.h"

#define ATA_CMD   0x1f0
#define ATA_READ  0x20
#define ATA_WRITE 0x30
#define ATA_FLUSH 0xe7
#define ST_BSY    0x80
#define ST_DRQ    0x08
#define ST_ERR    0x01

#define TIMER_VECTOR    0x40		/* the runtime's gate for the APIC timer */
#define LVT_PERIODIC    (1u << 17)	/* SDM Vol. 3A §10.5.1, Fig. 10-8 */
#define DCR_DIVIDE_BY_1 0x0b		/* §10.5.4, Fig. 10-10 */

static volatile uint32_t ticks;
static volatile uint64_t last_tsc, max_gap;
static volatile uint32_t counted;

#define SWEEP_MAX 256
static volatile uint32_t sweep_page[SWEEP_MAX][1024] __attribute__((aligned(4096)));
static volatile uint32_t sweep_at, sweep_no = 1;

static uint32_t sector[128];
static volatile uint32_t disk_last;

static int ata_wait_drq(void)
{
	uint8_t st = ST_BSY;

	for (uint32_t spins = 0; spins < 10000000 && (st & ST_BSY); spins++)
		st = pio_inb(ATA_CMD + 7);
	return (st & (ST_BSY | ST_ERR)) || !(st & ST_DRQ) ? -1 : 0;
}

#define DISK_BLOCKS_MAX 16
#define BLOCK_SECTORS   4096     /* 2 MiB, a dynamic VHD's block */

/* Sector lba of the master, in or out, by PIO: 0 or -1. */
static int ata_sector(uint32_t lba, int out)
{
	uint16_t *w = (uint16_t *)sector;

	pio_outb(ATA_CMD + 6, (uint8_t)(0xe0 | ((lba >> 24) & 0x0f)));
	pio_outb(ATA_CMD + 2, 1);
	pio_outb(ATA_CMD + 3, (uint8_t)lba);
	pio_outb(ATA_CMD + 4, (uint8_t)(lba >> 8));
	pio_outb(ATA_CMD + 5, (uint8_t)(lba >> 16));
	pio_outb(ATA_CMD + 7, out ? ATA_WRITE : ATA_READ);
	if (ata_wait_drq())
		return -1;
	for (int i = 0; i < 256; i++) {
		if (out)
			pio_outw(ATA_CMD, w[i]);
		else
			w[i] = pio_inw(ATA_CMD);
	}
	return 0;
}

/* FLUSH CACHE: done when BSY clears, the writes before it on the medium
 * (ATA8-ACS, FLUSH CACHE E7h). 0 or -1. */
static int ata_flush(void)
{
	uint8_t st = ST_BSY;

	pio_outb(ATA_CMD + 6, 0xe0);
	pio_outb(ATA_CMD + 7, ATA_FLUSH);
	for (uint32_t spins = 0; spins < 10000000 && (st & ST_BSY); spins++)
		st = pio_inb(ATA_CMD + 7);
	return (st & (ST_BSY | ST_ERR)) ? -1 : 0;
}

/* The disk must hold what this memory says it wrote last, in each of
 * the blocks. */
static void disk_step(uint32_t now, uint32_t blocks)
{
	for (uint32_t b = 0; b < blocks; b++) {
		if (ata_sector(b * BLOCK_SECTORS, 0))
			guest_fail("counter", "the disk does not answer");
		if (sector[0] != disk_last) {
			guest_printf("counter: disk block %u holds %u, memory says %u\n", b, sector[0],
				     disk_last);
			guest_fail("counter", "the disk and the memory disagree");
		}
		sector[0] = now;
		if (ata_sector(b * BLOCK_SECTORS, 1))
			guest_fail("counter", "the disk refused a write");
	}
	if (ata_flush())
		guest_fail("counter", "the disk refused a flush");
	disk_last = now;
	guest_printf("counter: disk %u\n", now);
}

/* One page of the sweep: it must hold the last sweep's number. */
static void sweep_step(uint32_t pages)
{
	uint32_t i = sweep_at, was = sweep_page[i][0];

	if (was != sweep_no - 1) {
		guest_printf("counter: sweep %u page %u holds %u\n", sweep_no, i, was);
		guest_fail("counter", "a page of the sweep changed behind its back");
	}
	sweep_page[i][0] = sweep_no;
	if (++i == pages) {
		i = 0;
		sweep_no++;
	}
	sweep_at = i;
}

static void on_timer(struct guest_frame *f)
{
	uint64_t now = guest_rdtsc();

	(void)f;
	if (last_tsc && now - last_tsc > max_gap)
		max_gap = now - last_tsc;
	last_tsc = now;
	ticks++;
	guest_signal_eoi();
}

/* gap / count without 64-bit division (no libgcc in a guest). */
static uint32_t periods(uint64_t gap, uint32_t count)
{
	uint32_t n = 0;

	while (gap >= count && n < 1000000) {
		gap -= count;
		n++;
	}
	return n;
}

/* Control-register bits the guest sets itself at start (CR0.WP, CR4.OSFXSR:
 * harmless here) and checks at every line: a saved and restored vCPU must
 * come back with the control registers the guest wrote, not with the
 * values hv last wrote (its VT-x read shadows once were exported). */
#define CR0_MINE (1u << 16)
#define CR4_MINE (1u << 9)

static uint32_t read_cr0(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint32_t read_cr4(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void set_crs(void)
{
	uint32_t cr0 = read_cr0() | CR0_MINE, cr4 = read_cr4() | CR4_MINE;

	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
}

static void check_crs(void)
{
	if ((read_cr0() & CR0_MINE) != CR0_MINE || (read_cr4() & CR4_MINE) != CR4_MINE) {
		guest_printf("counter: CR0 0x%x CR4 0x%x\n", read_cr0(), read_cr4());
		guest_fail("counter", "a control register lost the bits the guest set");
	}
}

void guest_main(void)
{
	uint32_t count = guest_get_arg_u32("count", 2000000);
	uint32_t every = guest_get_arg_u32("every", 10);
	uint32_t stop = guest_get_arg_u32("ticks", 0), shown = 0;
	uint32_t sweep = guest_get_arg_u32("sweep", 0);
	uint32_t disk = guest_get_arg_u32("disk", 0);

	guest_puts("counter: start\n");
	set_crs();
	if (!count || !every || sweep > SWEEP_MAX || disk > DISK_BLOCKS_MAX)
		guest_fail("counter", "count=0, every=0, sweep > 256 or disk > 16");
	guest_enable_apic();
	guest_set_handler(TIMER_VECTOR, on_timer);
	guest_write_apic(APIC_REG_TMR_DCR, DCR_DIVIDE_BY_1);
	guest_write_apic(APIC_REG_LVT_TMR, LVT_PERIODIC | TIMER_VECTOR);
	guest_write_apic(APIC_REG_TMR_ICR, count);
	if (disk) {
		/* nIEN (device control bit 1, ATA8-ACS): polled, no IRQ 14 */
		pio_outb(0x3f6, 0x02);
		if (ata_sector(0, 0))
			guest_fail("counter", "no IDE disk at primary master");
		disk_last = sector[0];
	}
	guest_sti();
	for (;;) {
		uint32_t t = ticks;

		counted++;
		if (sweep)
			sweep_step(sweep);
		if (t / every == shown)
			continue;
		shown = t / every;
		check_crs();
		guest_printf("counter: tick %u count %u gap %u\n", t, counted,
			     periods(max_gap, count));
		if (sweep)
			guest_printf("counter: sweep %u\n", sweep_no);
		if (disk && shown % 8 == 0)
			disk_step(counted, disk);
		max_gap = 0;
		if (stop && t >= stop)
			guest_pass("counter");
	}
}
