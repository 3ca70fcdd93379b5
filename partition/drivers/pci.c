/*
 * PCI configuration mechanism #1 (PCI Local Bus spec 3.0, 3.2.2.3.2): write
 * the enable bit, bus, device, function and dword offset to 0xcf8, then
 * move the dword through 0xcfc.
 */
#include "partition/drivers/pci.h"

#define PCI_ADDR_PORT 0xcf8
#define PCI_DATA_PORT 0xcfc
#define PCI_ENABLE    0x80000000u

static const struct pci_hooks *hk;

void pci_set_hooks(const struct pci_hooks *hooks)
{
	hk = hooks;
}

static uint32_t pci_cfg_addr(struct pci_addr a, unsigned off)
{
	return PCI_ENABLE | (uint32_t)a.bus << 16 | (uint32_t)(a.dev & 31) << 11 |
	       (uint32_t)(a.fn & 7) << 8 | (off & 0xfcu);
}

uint32_t pci_read32(struct pci_addr a, unsigned off)
{
	if (!hk)
		return 0xffffffffu;
	hk->outl(PCI_ADDR_PORT, pci_cfg_addr(a, off));
	return hk->inl(PCI_DATA_PORT);
}

void pci_write32(struct pci_addr a, unsigned off, uint32_t val)
{
	if (!hk)
		return;
	hk->outl(PCI_ADDR_PORT, pci_cfg_addr(a, off));
	hk->outl(PCI_DATA_PORT, val);
}

/* Write all ones, read back the size mask, restore (6.2.5.1). */
static uint32_t pci_bar_probe(struct pci_addr a, unsigned off)
{
	uint32_t old = pci_read32(a, off), mask;

	pci_write32(a, off, 0xffffffffu);
	mask = pci_read32(a, off);
	pci_write32(a, off, old);
	return mask;
}

int pci_bar_decode(struct pci_addr a, int index, struct pci_bar *out)
{
	unsigned off = PCI_CFG_BAR0 + 4u * (unsigned)index;
	uint32_t cmd, lo, mlo;
	uint64_t mask;

	if (index < 0 || index > 5)
		return -1;
	*out = (struct pci_bar){ 0 };
	cmd = pci_read32(a, PCI_CFG_COMMAND) & 0xffffu;
	/* No decoding while the BAR holds all ones (6.2.5.1 implementation note). */
	pci_write32(a, PCI_CFG_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
	lo = pci_read32(a, off);
	mlo = pci_bar_probe(a, off);
	if (lo & 1u) {                         /* I/O BAR: bits 31:2 */
		out->is_io = 1;
		out->base = lo & ~3u;
		mask = mlo & ~3u;
		out->size = mask ? (uint64_t)(~mask & 0xffffu) + 1 : 0;
	} else {
		out->prefetch = !!(lo & 8u);
		out->is_64 = ((lo >> 1) & 3u) == 2u;   /* type 10b: 64-bit */
		out->base = lo & ~0xfu;
		mask = 0xffffffff00000000ull | (mlo & ~0xfu);
		if (out->is_64 && index < 5) {
			out->base |= (uint64_t)pci_read32(a, off + 4) << 32;
			mask = (uint64_t)pci_bar_probe(a, off + 4) << 32 | (mlo & ~0xfu);
		}
		out->size = (mlo & ~0xfu) ? ~mask + 1 : 0;
	}
	pci_write32(a, PCI_CFG_COMMAND, cmd);
	return 0;
}

void pci_enable_mmio_master(struct pci_addr a)
{
	uint32_t cmd = pci_read32(a, PCI_CFG_COMMAND) & 0xffffu;

	pci_write32(a, PCI_CFG_COMMAND, cmd | PCI_CMD_MEMORY | PCI_CMD_MASTER);
}

/* A PCI-to-PCI bridge (class 06h, subclass 04h; header type 1) leads to
 * its secondary bus (PCI-to-PCI Bridge spec 1.2, 3.2.5.4). */
static int pci_scan_bus(uint8_t bus, pci_scan_fn fn, void *arg, uint32_t *seen);

static int pci_scan_fn_one(struct pci_addr a, uint32_t id, pci_scan_fn fn, void *arg,
			   uint32_t *seen)
{
	uint32_t cls = pci_read32(a, PCI_CFG_CLASS);
	int rc = fn(a, id, cls, arg);

	if (rc)
		return rc;
	if (cls >> 16 == 0x0604u && ((pci_read32(a, PCI_CFG_HEADER) >> 16) & 0x7fu) == 1) {
		uint8_t sec = (uint8_t)(pci_read32(a, PCI_CFG_BUSES) >> 8);

		if (sec)
			return pci_scan_bus(sec, fn, arg, seen);
	}
	return 0;
}

static int pci_scan_dev(uint8_t bus, uint8_t dev, pci_scan_fn fn, void *arg, uint32_t *seen)
{
	for (uint8_t f = 0; f < 8; f++) {
		struct pci_addr a = { bus, dev, f };
		uint32_t id = pci_read32(a, PCI_CFG_ID);
		int rc;

		if ((id & 0xffffu) == 0xffffu) {
			if (!f)
				return 0;   /* no device: function 0 is always present */
			continue;
		}
		rc = pci_scan_fn_one(a, id, fn, arg, seen);
		if (rc)
			return rc;
		if (!f && !((pci_read32(a, PCI_CFG_HEADER) >> 16) & PCI_HEADER_MULTIFN))
			return 0;
	}
	return 0;
}

static int pci_scan_bus(uint8_t bus, pci_scan_fn fn, void *arg, uint32_t *seen)
{
	if (seen[bus / 32] & (1u << (bus % 32)))
		return 0;   /* a loop or a bus already done */
	seen[bus / 32] |= 1u << (bus % 32);
	for (uint8_t dev = 0; dev < 32; dev++) {
		int rc = pci_scan_dev(bus, dev, fn, arg, seen);

		if (rc)
			return rc;
	}
	return 0;
}

int pci_scan(pci_scan_fn fn, void *arg)
{
	uint32_t seen[256 / 32] = { 0 };

	return pci_scan_bus(0, fn, arg, seen);
}
