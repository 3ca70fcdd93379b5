/*
 * pci_gen1: a Hyper-V generation 1 VM's PCI functions. Register defaults
 * and write masks follow the Intel 82443BX and 82371AB (PIIX4)
 * datasheets' configuration register tables; the IDs and revisions are
 * the ones lspci shows in a gen1 guest (pci_gen1.h).
 */
#include "partition/devices/pci_gen1.h"

#define CLASS_HOST_BRIDGE 0x060000u
#define CLASS_ISA_BRIDGE  0x060100u
#define CLASS_IDE_COMPAT  0x010180u   /* prog-if 0x80: legacy ports, bus master */
#define CLASS_BRIDGE_OTH  0x068000u

/* 82443BX (AGP disabled): command fixed at memory + bus master; NBXCFG,
 * DRAMC, the PAM registers and the DRB rows are plain R/W scratch to a
 * child (it has no DRAM controller to program). */
static void host_init(struct pci_func *f)
{
	unsigned off;

	pci_func_init(f, 0x8086, 0x7192, 0x03, CLASS_HOST_BRIDGE, 0, 0);
	pci_func_reg(f, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER, 0);
	pci_func_reg(f, PCI_STATUS, 2, PCI_STS_DEVSEL_MED, 0);
	for (off = 0x50; off < 0x68; off++)
		pci_func_reg(f, off, 1, 0, 0xff);
}

/* PIIX4 function 0: a multi-function device's function 0 (header type
 * bit 7); I/O, memory and bus master hardwired on; PIRQ route control
 * 0x60-0x63 with routing disabled (bit 7), as at reset. */
static void isa_init(struct pci_func *f)
{
	pci_func_init(f, 0x8086, 0x7110, 0x01, CLASS_ISA_BRIDGE, PCI_HDR_MULTIFN, 0x0008);
	pci_func_reg(f, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER, 0x0008);
	pci_func_reg(f, 0x60, 4, 0x80808080u, 0x8f8f8f8fu);
}

/* PIIX4 function 1: IOSE and BME are the command register's only
 * writable bits; IDETIM (reserved bits 11:10 read 0), SIDETIM, UDMACTL
 * and UDMATIM as in the datasheet. */
static void ide_init(struct pci_func *f)
{
	pci_func_init(f, 0x8086, 0x7111, 0x01, CLASS_IDE_COMPAT, 0,
		      PCI_CMD_IO | PCI_CMD_MASTER);
	pci_func_reg(f, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MASTER,
		     PCI_CMD_IO | PCI_CMD_MASTER);
	pci_func_bar_io(f, 4, GEN1_BM_SIZE, GEN1_BMIBA_BASE, true);
	pci_func_reg(f, PIIX4_IDETIM_PRI, 2, PIIX4_IDETIM_DECODE, 0xf3ff);
	pci_func_reg(f, PIIX4_IDETIM_SEC, 2, PIIX4_IDETIM_DECODE, 0xf3ff);
	pci_func_reg(f, PIIX4_SIDETIM, 1, 0, 0xff);
	pci_func_reg(f, PIIX4_UDMACTL, 1, 0, 0x0f);
	pci_func_reg(f, PIIX4_UDMATIM, 2, 0, 0x3333);
}

/* PIIX4 function 3: PMBA (64 ports, bits 15:6) at the FADT's PM1a
 * blocks with PMIOSE set; SMBus base unassigned; interrupt pin INTA. */
static void acpi_init(struct pci_func *f)
{
	pci_func_init(f, 0x8086, 0x7113, 0x02, CLASS_BRIDGE_OTH, 0, PCI_CMD_IO);
	pci_func_reg(f, PCI_INT_PIN, 1, 0x01, 0);
	pci_func_reg(f, PIIX4_PMBA, 4, GEN1_PMBA_BASE | 1u, 0xffc0);
	pci_func_reg(f, PIIX4_PMREGMISC, 1, 0x01, 0x01);
	pci_func_reg(f, 0x90, 4, 0x00000001u, 0xfff0);   /* SMBBA */
	pci_func_reg(f, 0xd2, 1, 0, 0x0f);                /* SMBHSTCFG */
}

void pci_gen1_init(struct pci_gen1 *g)
{
	pci_bus_init(&g->bus);
	host_init(&g->host);
	isa_init(&g->isa);
	ide_init(&g->ide);
	acpi_init(&g->acpi);
	pci_bus_add(&g->bus, 0, 0, &g->host);
	pci_bus_add(&g->bus, GEN1_PIIX4_DEV, GEN1_FN_ISA, &g->isa);
	pci_bus_add(&g->bus, GEN1_PIIX4_DEV, GEN1_FN_IDE, &g->ide);
	pci_bus_add(&g->bus, GEN1_PIIX4_DEV, GEN1_FN_ACPI, &g->acpi);
}
