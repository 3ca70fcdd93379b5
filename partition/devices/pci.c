/*
 * pci: configuration mechanism #1 and type 0 configuration spaces
 * (PCI Local Bus Specification 3.0 §3.2.2.3.2 and chapter 6).
 */
#include <errno.h>
#include <string.h>

#include "partition/devices/pci.h"

#define CA_ENABLE   0x80000000u
/* CONFIG_ADDRESS: bit 31 enable, 30:24 reserved (read 0), 23:16 bus,
 * 15:11 device, 10:8 function, 7:2 register, 1:0 read-only 0. */
#define CA_RW_MASK  0x80fffffcu

void pci_bus_init(struct pci_bus *b)
{
	memset(b, 0, sizeof(*b));
}

int pci_bus_add(struct pci_bus *b, unsigned dev, unsigned fn, struct pci_func *f)
{
	unsigned devfn = dev << 3 | fn;

	if (dev > 31 || fn > 7 || !f)
		return -EINVAL;
	if (b->fn[devfn])
		return -EEXIST;
	b->fn[devfn] = f;
	return 0;
}

/* Per-byte read: configuration registers have no read side effects. */
uint32_t pci_cfg_read(const struct pci_func *f, unsigned off, unsigned size)
{
	uint32_t v = 0;
	unsigned i;

	for (i = 0; i < size && i < 4; i++)
		v |= (uint32_t)f->cfg[(off + i) & 0xff] << (8 * i);
	return v;
}

/* Per byte: writable bits take the new value, R/WC bits written with 1
 * clear (§6.2.3), everything else keeps its value. */
void pci_cfg_write(struct pci_func *f, unsigned off, unsigned size, uint32_t v)
{
	unsigned i, o;
	uint8_t b;

	for (i = 0; i < size && i < 4; i++) {
		o = (off + i) & 0xff;
		b = (uint8_t)(v >> (8 * i));
		f->cfg[o] = (uint8_t)((f->cfg[o] & ~f->wmask[o]) | (b & f->wmask[o]));
		f->cfg[o] &= (uint8_t)~(b & f->w1cmask[o]);
	}
}

void pci_func_reg(struct pci_func *f, unsigned off, unsigned len, uint32_t value,
		  uint32_t wmask)
{
	unsigned i;

	for (i = 0; i < len && i < 4 && off + i < PCI_CFG_SIZE; i++) {
		f->cfg[off + i] = (uint8_t)(value >> (8 * i));
		f->wmask[off + i] = (uint8_t)(wmask >> (8 * i));
	}
}

void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device,
		   uint8_t revision, uint32_t class_code, uint8_t header_type,
		   uint16_t cmd_wmask)
{
	memset(f, 0, sizeof(*f));
	pci_func_reg(f, PCI_VENDOR_ID, 2, vendor, 0);
	pci_func_reg(f, PCI_DEVICE_ID, 2, device, 0);
	pci_func_reg(f, PCI_COMMAND, 2, 0, cmd_wmask);
	pci_func_reg(f, PCI_STATUS, 2, PCI_STS_FAST_B2B | PCI_STS_DEVSEL_MED, 0);
	f->w1cmask[PCI_STATUS + 1] = (PCI_STS_SIG_TABORT | PCI_STS_RCV_TABORT |
				      PCI_STS_RCV_MABORT | PCI_STS_SERR |
				      PCI_STS_PARITY) >> 8;
	pci_func_reg(f, PCI_REVISION, 1, revision, 0);
	pci_func_reg(f, PCI_PROG_IF, 3, class_code, 0);
	pci_func_reg(f, PCI_LATENCY, 1, 0, 0xf0);
	pci_func_reg(f, PCI_HEADER_TYPE, 1, header_type, 0);
}

/* The size mask is the BAR's writable bits: writing all ones reads back
 * ~(size - 1) | the I/O space indicator (§6.2.5.1). */
void pci_func_bar_io(struct pci_func *f, unsigned bar, uint32_t size,
		     uint32_t base, bool io16)
{
	uint32_t mask = ~(size - 1) & (io16 ? 0xffffu : 0xffffffffu);

	if (bar > 5 || size < 4 || size > 256 || (size & (size - 1)))
		return;
	pci_func_reg(f, PCI_BAR0 + 4 * bar, 4, (base & mask) | 1u, mask);
}

static struct pci_func *selected(const struct pci_bus *b)
{
	uint32_t a = b->config_address;

	if (!(a & CA_ENABLE) || ((a >> 16) & 0xff) != 0)
		return NULL;   /* disabled, or a bus that does not exist */
	return b->fn[(a >> 8) & 0xff];
}

/* CONFIG_DATA: each byte of the access that falls in 0xcfc-0xcff goes to
 * register (address & 0xfc) + its offset; with no function there (or
 * the enable bit clear), reads are all ones, writes ignored. */
static void data_io(struct pci_bus *b, unsigned off, unsigned size, bool is_write,
		    uint32_t *val)
{
	struct pci_func *f = selected(b);
	unsigned reg = (b->config_address & 0xfc) + off;
	unsigned n = size + off > 4 ? 4 - off : size;
	uint32_t all = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;

	if (is_write) {
		if (f)
			pci_cfg_write(f, reg, n, *val);
		return;
	}
	*val = all;
	if (f) {
		uint32_t keep = n >= 4 ? 0xffffffffu : (1u << (8 * n)) - 1;

		*val = (all & ~keep) | pci_cfg_read(f, reg, n);
	}
}

bool pci_bus_io(struct pci_bus *b, uint16_t port, unsigned size, bool is_write,
		uint32_t *val)
{
	if (size != 1 && size != 2 && size != 4)
		return false;
	if (port == PCI_CONFIG_ADDRESS && size == 4) {
		if (is_write)
			b->config_address = *val & CA_RW_MASK;
		else
			*val = b->config_address;
		return true;
	}
	if (port < PCI_CONFIG_DATA || port > PCI_CONFIG_DATA + 3)
		return false;   /* 0xcf8-0xcfb as bytes or words: ordinary I/O */
	data_io(b, port - PCI_CONFIG_DATA, size, is_write, val);
	return true;
}
