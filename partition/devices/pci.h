/*
 * pci: a child's PCI bus 0 reached through configuration mechanism #1
 * (PCI Local Bus Specification 3.0 §3.2.2.3.2): CONFIG_ADDRESS at 0xcf8
 * (dword accesses only), CONFIG_DATA at 0xcfc-0xcff (byte, word or dword
 * at any offset that stays inside the dword). Functions are registered by
 * the caller; each is a 256-byte type 0 configuration space whose bytes
 * carry a write mask (the bits software may change) and a write-1-to-clear
 * mask (status bits). A BAR is sized as the spec's §6.2.5.1 says: write
 * all ones, read back the size mask. Accesses to a function that is not
 * there end in a master abort: reads return all ones, writes vanish.
 * Portable (docs/ARCHITECTURE.md rule 5).
 */
#ifndef PARTITION_DEVICES_PCI_H
#define PARTITION_DEVICES_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CONFIG_ADDRESS 0xcf8u
#define PCI_CONFIG_DATA    0xcfcu
#define PCI_CFG_SIZE       256u
#define PCI_DEVFNS         256u      /* 32 devices x 8 functions */

/* Type 0 header offsets (PCI 3.0 §6.1, figure 6-1). */
#define PCI_VENDOR_ID      0x00
#define PCI_DEVICE_ID      0x02
#define PCI_COMMAND        0x04
#define PCI_STATUS         0x06
#define PCI_REVISION       0x08
#define PCI_PROG_IF        0x09
#define PCI_SUBCLASS       0x0a
#define PCI_CLASS          0x0b
#define PCI_LATENCY        0x0d
#define PCI_HEADER_TYPE    0x0e
#define PCI_BAR0           0x10
#define PCI_INT_LINE       0x3c
#define PCI_INT_PIN        0x3d

#define PCI_CMD_IO         0x0001u   /* I/O space enable */
#define PCI_CMD_MEM        0x0002u
#define PCI_CMD_MASTER     0x0004u   /* bus master enable */
#define PCI_STS_FAST_B2B   0x0080u
#define PCI_STS_DEVSEL_MED 0x0200u
#define PCI_STS_SIG_TABORT 0x0800u   /* bits 11-13, 15: R/WC (§6.2.3) */
#define PCI_STS_RCV_TABORT 0x1000u
#define PCI_STS_RCV_MABORT 0x2000u
#define PCI_STS_SERR       0x4000u
#define PCI_STS_PARITY     0x8000u
#define PCI_HDR_MULTIFN    0x80u

/* One function's configuration space. */
struct pci_func {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];     /* 1: software may write the bit */
	uint8_t w1cmask[PCI_CFG_SIZE];   /* 1: writing 1 clears the bit */
};

struct pci_bus {
	uint32_t config_address;         /* the CONFIG_ADDRESS latch */
	struct pci_func *fn[PCI_DEVFNS]; /* bus 0, by devfn (dev << 3 | fn) */
};

void pci_bus_init(struct pci_bus *b);
/* -EINVAL for dev > 31 or fn > 7, -EEXIST when the slot is taken. */
int pci_bus_add(struct pci_bus *b, unsigned dev, unsigned fn, struct pci_func *f);
/* A port access: true when the bus decoded it (0xcf8 as a dword,
 * 0xcfc-0xcff), false when it is not configuration space (then the port
 * map goes on: 0xcf9 is the reset register). *val: what an IN returns. */
bool pci_bus_io(struct pci_bus *b, uint16_t port, unsigned size, bool is_write,
		uint32_t *val);

/* Function set-up: IDs and class, all read-only; the command register's
 * I/O, memory and bus-master bits writable (cmd_wmask), status R/WC bits,
 * latency timer writable. */
void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device,
		   uint8_t revision, uint32_t class_code, uint8_t header_type,
		   uint16_t cmd_wmask);
/* An I/O BAR (bar 0-5) of size bytes (a power of two, 4 to 256) at base;
 * io16: address bits 31:16 hardwired to zero, as a device decoding 16 bits
 * of I/O address may do (§6.2.5.1). */
void pci_func_bar_io(struct pci_func *f, unsigned bar, uint32_t size,
		     uint32_t base, bool io16);
/* Register (off, len) with its reset value and write mask (little endian). */
void pci_func_reg(struct pci_func *f, unsigned off, unsigned len, uint32_t value,
		  uint32_t wmask);
/* Direct accesses (the bus uses them; device models read their registers). */
uint32_t pci_cfg_read(const struct pci_func *f, unsigned off, unsigned size);
void pci_cfg_write(struct pci_func *f, unsigned off, unsigned size, uint32_t v);

#endif
