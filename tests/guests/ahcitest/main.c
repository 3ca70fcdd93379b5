/*
 * ahcitest: drives partition/drivers/ahci.c and pci.c (unchanged) on QEMU's
 * AHCI controllers and prints results on COM1 for tests/system/test_ahci.py.
 *
 * Disk pattern (the test writes it on the host): the 32-bit little-endian
 * word at byte offset 4*w holds w * 0x9e3779b1 + seed, seed PAT_OLD; the
 * kernel writes regions with seed PAT_NEW. No paging: virtual == physical.
 */
#include <errno.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/pio.h"
#include "partition/drivers/ahci.h"
#include "partition/drivers/pci.h"

#define PAT_OLD 0x1234567u
#define PAT_NEW 0xabcdef01u
#define COM1 0x3f8

void ahcitest_main(void);

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

/* ---- port I/O, COM1, printing ------------------------------------------- */


static void putc_(char c)
{
	if (c == '\n')
		putc_('\r');
	while (!(pio_inb(COM1 + 5) & 0x20))
		;
	pio_outb(COM1, (uint8_t)c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

/* 64-bit unsigned division without libgcc (there is no 32-bit libgcc here). */
static uint64_t udiv64(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;

	for (int i = 63; i >= 0; i--) {
		r = r << 1 | ((n >> i) & 1);
		if (r >= d)
			r -= d, q |= 1ull << i;
	}
	if (rem)
		*rem = r;
	return q;
}

static void putu(uint64_t v, unsigned base)
{
	char b[24];
	int n = 0;

	do {
		uint64_t r;

		v = udiv64(v, base, &r);
		b[n++] = "0123456789abcdef"[r];
	} while (v);
	while (n)
		putc_(b[--n]);
}

/* printf subset: %s %d (int) %u (uint32) %x (uint32) %U (uint64) %X (uint64). */
static void pr(const char *f, ...)
{
	__builtin_va_list ap;

	__builtin_va_start(ap, f);
	for (; *f; f++) {
		if (*f != '%') {
			putc_(*f);
			continue;
		}
		switch (*++f) {
		case 's': puts_(__builtin_va_arg(ap, const char *)); break;
		case 'd': { int v = __builtin_va_arg(ap, int); if (v < 0) putc_('-'), v = -v; putu((uint64_t)v, 10); break; }
		case 'u': putu(__builtin_va_arg(ap, uint32_t), 10); break;
		case 'x': putu(__builtin_va_arg(ap, uint32_t), 16); break;
		case 'U': putu(__builtin_va_arg(ap, uint64_t), 10); break;
		case 'X': putu(__builtin_va_arg(ap, uint64_t), 16); break;
		default: putc_(*f); break;
		}
	}
	__builtin_va_end(ap);
}

/* ---- time: TSC calibrated against PIT channel 2 ---------------------------- */

static uint64_t tsc_per_us = 1000;

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* 10 ms one-shot on channel 2 (gate through port 0x61 bit 0, output in bit 5). */
static void tsc_calibrate(void)
{
	uint64_t t0, t1;
	uint32_t spins = 0;

	pio_outb(0x61, (uint8_t)((pio_inb(0x61) & ~0x02u) | 0x01u));
	pio_outb(0x43, 0xb0);                 /* channel 2, lobyte/hibyte, mode 0 */
	pio_outb(0x42, 11932 & 0xff);
	pio_outb(0x42, 11932 >> 8);
	t0 = rdtsc();
	while (!(pio_inb(0x61) & 0x20) && ++spins < 100000000u)
		;
	t1 = rdtsc();
	if (t1 - t0 > 10000)
		tsc_per_us = udiv64(t1 - t0, 10000, NULL);
}

/* ---- hooks ----------------------------------------------------------------- */

static uint32_t h_mmio_read32(volatile void *a) { return *(volatile uint32_t *)a; }
static void h_mmio_write32(volatile void *a, uint32_t v) { *(volatile uint32_t *)a = v; }
static uint64_t h_virt_to_phys(const void *va) { return (uint32_t)(uintptr_t)va; }
static void *h_phys_to_virt(uint64_t pa) { return pa >> 32 ? NULL : (void *)(uintptr_t)pa; }
static uint64_t h_now_us(void) { return udiv64(rdtsc(), tsc_per_us, NULL); }

static uint8_t dma_pool[64 * 1024] __attribute__((aligned(4096)));
static size_t dma_used;

static void *h_dma_alloc(size_t size, size_t align)
{
	size_t off = (dma_used + align - 1) & ~(align - 1);

	if (off + size > sizeof(dma_pool))
		return NULL;
	dma_used = off + size;
	memset(dma_pool + off, 0, size);
	return dma_pool + off;
}

static const struct ahci_hooks hooks = {
	h_mmio_read32, h_mmio_write32, h_virt_to_phys, h_phys_to_virt, h_dma_alloc, h_now_us,
};
static const struct pci_hooks phooks = { pio_inl, pio_outl };

/* ---- PCI ------------------------------------------------------------------ */

static struct pci_addr found[4];
static int nfound;

static int on_pci(struct pci_addr a, uint32_t id, uint32_t class_rev, void *arg)
{
	(void)arg;
	/* Class 01h, subclass 06h (SATA), programming interface 01h (AHCI). */
	if (class_rev >> 8 == 0x010601u && nfound < 4) {
		pr("pci: %u:%u.%u %x:%x AHCI\n", a.bus, a.dev, a.fn, id & 0xffff, id >> 16);
		found[nfound++] = a;
	}
	return 0;
}

/* ---- tests ------------------------------------------------------------------ */

static uint8_t big[(2u << 20) + 8192] __attribute__((aligned(4096)));
static struct ahci_hba hba;
static struct ahci_dev devs[32];
static int failures;

static uint32_t pat(uint64_t byte_off, uint32_t seed)
{
	return (uint32_t)(byte_off / 4) * 0x9e3779b1u + seed;
}

static void fill(uint8_t *buf, uint64_t lba, uint32_t count, uint32_t seed)
{
	uint32_t *w = (uint32_t *)buf;

	for (uint32_t i = 0; i < count * 128u; i++)
		w[i] = pat(lba * 512 + 4ull * i, seed);
}

/* Index of the first bad word, or -1. */
static int check(const uint8_t *buf, uint64_t lba, uint32_t count, uint32_t seed)
{
	const uint32_t *w = (const uint32_t *)buf;

	for (uint32_t i = 0; i < count * 128u; i++)
		if (w[i] != pat(lba * 512 + 4ull * i, seed))
			return (int)i;
	return -1;
}

static void result(const char *name, int ok, int rc)
{
	pr("%s: %s %s (rc %d)\n", ok ? "PASS" : "FAIL", name, ok ? "ok" : "failed", rc);
	if (!ok)
		failures++;
}

/* Read count sectors at lba into big + off and check them against seed. */
static void t_read(const char *name, struct ahci_dev *d, uint64_t lba, uint32_t count,
		   uint32_t off, uint32_t seed)
{
	uint8_t *p = big + off;
	int rc, bad;

	memset(p, 0xee, (size_t)count * 512);
	rc = ahci_read(d, lba, count, p);
	bad = rc ? -1 : check(p, lba, count, seed);
	if (bad >= 0)
		pr("  %s: word %d differs\n", name, bad);
	pr("  %s: lba %U count %u buffer %x prdbc %u\n", name, lba, count,
	   (uint32_t)(uintptr_t)p, d->clb[0].prdbc);
	result(name, !rc && bad < 0, rc);
}

static void t_write(const char *name, struct ahci_dev *d, uint64_t lba, uint32_t count,
		    uint32_t off)
{
	int rc;

	fill(big + off, lba, count, PAT_NEW);
	rc = ahci_write(d, lba, count, big + off);
	pr("  %s: lba %U count %u\n", name, lba, count);
	result(name, !rc, rc);
}

static void t_errors(struct ahci_dev *d)
{
	uint64_t n = d->sectors;
	int rc;

	rc = ahci_read(d, n - 1, 2, big);
	result("range check: read past the end", rc == -EINVAL, rc);
	rc = ahci_read(d, 0, 1, big + 1);
	result("odd buffer address refused", rc == -EINVAL, rc);
	/* The device itself refuses: READ DMA EXT (0x25) beyond the capacity
	 * ends with ERR in PxTFD (ACS: IDNF/ABRT); the driver recovers the port. */
	rc = ahci_dma_cmd(d, 0x25, n + 100, 1, big, 512, 0);
	pr("  device error: PxIS %x PxTFD %x PxSERR %x\n", d->err_is, d->err_tfd, d->err_serr);
	result("device error past the end reported", rc == -EIO && (d->err_tfd & 1u), rc);
	t_read("read after port recovery", d, 0, 8, 0, PAT_OLD);
}

static void t_disk(struct ahci_dev *d)
{
	uint64_t n = d->sectors;
	int rc;

	t_read("read lba 0", d, 0, 1, 0, PAT_OLD);
	t_read("read 8 at lba 1000", d, 1000, 8, 0, PAT_OLD);
	t_read("read last 8 sectors", d, n - 8, 8, 0, PAT_OLD);
	t_read("read across a page boundary", d, 77, 2, 4096 - 512, PAT_OLD);
	t_read("read multi-page unaligned", d, 5000, 200, 1024, PAT_OLD);
	t_read("read 2 MiB in several commands", d, 20000, 4096, 512, PAT_OLD);
	t_errors(d);
	t_write("write 300 sectors at lba 2048", d, 2048, 300, 2048 + 6);
	t_write("write last 4 sectors", d, n - 4, 4, 4096 - 1024);
	t_write("write 1 sector at lba 3", d, 3, 1, 0);
	rc = ahci_flush(d);
	result("flush cache ext", !rc, rc);
	t_read("read back lba 2048", d, 2048, 300, 100, PAT_NEW);
	t_read("read back last 4", d, n - 4, 4, 0, PAT_NEW);
	t_read("read back lba 3", d, 3, 1, 0, PAT_NEW);
	t_read("neighbour lba 2 unchanged", d, 2, 1, 0, PAT_OLD);
	t_read("neighbour lba 2348 unchanged", d, 2348, 1, 0, PAT_OLD);
}


static struct ahci_dev *scan_ports(void)
{
	struct ahci_dev *disk = NULL;

	for (int p = 0; p < 32; p++) {
		int rc;

		if (!(hba.pi & (1u << p)))
			continue;
		rc = ahci_port_init(&hba, p, &devs[p]);
		if (rc == -ENODEV) {
			pr("port %d: no ATA disk\n", p);
			continue;
		}
		if (rc) {
			pr("port %d: error %d\n", p, rc);
			failures++;
			continue;
		}
		pr("port %d: disk model='%s' serial='%s' sectors=%U sector_size=%u lba48=%d\n",
		   p, devs[p].model, devs[p].serial, devs[p].sectors, devs[p].sector_size,
		   devs[p].lba48);
		if (!disk)
			disk = &devs[p];
	}
	return disk;
}

static struct ahci_dev *controller(struct pci_addr a)
{
	struct pci_bar bar;
	int rc;

	pci_bar_decode(a, 5, &bar);
	pr("ahci: ABAR %X size %X%s\n", bar.base, bar.size, bar.is_64 ? " 64-bit" : "");
	if (bar.is_io || !bar.base || bar.size < 0x180) {
		pr("ahci: BAR5 unusable\n");
		failures++;
		return NULL;
	}
	pci_enable_mmio_master(a);
	rc = ahci_hba_init(&hba, &hooks, bar.base, 1);
	pr("ahci: init rc %d CAP %x CAP2 %x PI %x VS %x slots %d\n", rc, hba.cap, hba.cap2,
	   hba.pi, hba.vs, hba.nslots);
	if (rc) {
		failures++;
		return NULL;
	}
	return scan_ports();
}

void ahcitest_main(void)
{
	struct ahci_dev *disk = NULL;

	pio_outb(COM1 + 1, 0x00);
	pio_outb(COM1 + 3, 0x80);
	pio_outb(COM1 + 0, 0x01);             /* 115200 baud */
	pio_outb(COM1 + 1, 0x00);
	pio_outb(COM1 + 3, 0x03);             /* 8N1 */
	pio_outb(COM1 + 2, 0xc7);
	pr("ahcitest: start\n");
	tsc_calibrate();
	pr("ahcitest: tsc %U per us\n", tsc_per_us);
	pci_set_hooks(&phooks);
	pci_scan(on_pci, NULL);
	for (int i = 0; i < nfound && !disk; i++)
		disk = controller(found[i]);
	if (!disk) {
		pr("ahcitest: no AHCI disk\n");
		failures++;
	} else {
		t_disk(disk);
	}
	pr("ahcitest: done, %d failures\n", failures);
	pio_outw(0x604, 0x2000);              /* ACPI S5 on QEMU's PM1a control */
	pio_outb(0xf4, 0);                    /* isa-debug-exit */
	for (;;)
		__asm__ volatile("cli; hlt");
}
