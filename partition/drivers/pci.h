/*
 * pci: PCI configuration space through configuration mechanism #1 (ports
 * 0xcf8/0xcfc, PCI Local Bus spec 3.0, 3.2.2.3.2), a bus scan with a
 * callback, BAR decoding (6.2.5.1) and the command register (6.2.2).
 *
 * Port I/O goes through hooks so the same source runs in the parent and in
 * freestanding test kernels: call pci_set_hooks before anything else.
 */
#ifndef PARENT_DRIVERS_PCI_H
#define PARENT_DRIVERS_PCI_H

#include <stdint.h>

struct pci_hooks {
	uint32_t (*inl)(uint16_t port);
	void (*outl)(uint16_t port, uint32_t val);
};

struct pci_addr {
	uint8_t bus, dev, fn;
};

/* Configuration header offsets (PCI 3.0, 6.1, type 0 header). */
#define PCI_CFG_ID        0x00   /* vendor (15:0), device (31:16) */
#define PCI_CFG_COMMAND   0x04   /* command (15:0), status (31:16) */
#define PCI_CFG_CLASS     0x08   /* revision (7:0), prog-if, subclass, class (31:24) */
#define PCI_CFG_HEADER    0x0c   /* header type in bits 23:16 */
#define PCI_CFG_BAR0      0x10
#define PCI_CFG_BUSES     0x18   /* type 1 (bridge): secondary bus in bits 15:8 */

#define PCI_CMD_IO        0x0001u   /* 6.2.2: I/O space enable */
#define PCI_CMD_MEMORY    0x0002u   /* memory space enable */
#define PCI_CMD_MASTER    0x0004u   /* bus master enable */
#define PCI_CMD_INTX_OFF  0x0400u   /* interrupt disable */

#define PCI_HEADER_MULTIFN 0x80u    /* 6.2.1: header type bit 7 */

struct pci_bar {
	uint64_t base;     /* physical (memory) or port (I/O) address */
	uint64_t size;     /* bytes; 0 when the BAR is unimplemented */
	int is_io;         /* I/O space BAR */
	int is_64;         /* 64-bit memory BAR: it used the next BAR slot too */
	int prefetch;
};

void pci_set_hooks(const struct pci_hooks *hooks);
uint32_t pci_read32(struct pci_addr a, unsigned off);
void pci_write32(struct pci_addr a, unsigned off, uint32_t val);
/* Decode BAR index 0..5. Sizing writes all ones and restores the value
 * (PCI 3.0, 6.2.5.1); memory decoding is switched off meanwhile. */
int pci_bar_decode(struct pci_addr a, int index, struct pci_bar *out);
/* Set memory space enable and bus master enable (PCI 3.0, 6.2.2). */
void pci_enable_mmio_master(struct pci_addr a);
/* Call fn for every function present on bus 0 and on every bus behind a
 * PCI-to-PCI bridge (skipping functions 1-7 of single-function devices). A nonzero
 * return from fn stops the scan and is returned. */
typedef int (*pci_scan_fn)(struct pci_addr a, uint32_t id, uint32_t class_rev, void *arg);
int pci_scan(pci_scan_fn fn, void *arg);

#endif
