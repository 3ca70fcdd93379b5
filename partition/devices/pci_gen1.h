/*
 * pci_gen1: the PCI functions of a Hyper-V generation 1 VM's bus 0, as
 * Windows Server 2008 R2 Hyper-V shows them (lspci -nn in a gen1 Linux
 * guest): the Intel 440BX host bridge (8086:7192 rev 03) at 00:00.0 and
 * the PIIX4's ISA bridge (8086:7110 rev 01) at 00:07.0, IDE controller
 * (8086:7111 rev 01) at 00:07.1 and power management function
 * (8086:7113 rev 02) at 00:07.3. Linux binds ata_piix to the IDE
 * function (drivers/ata/ata_piix.c: 7111 is piix_pata_33, UDMA/33).
 * hvpart boots children without firmware, so the registers start where a
 * PC BIOS leaves them: the IDE function's I/O and bus-master enables set,
 * both channels' decode enabled (IDETIM bit 15, which ata_piix's
 * piix_pata_prereset requires), its bus-master block assigned. Portable.
 */
#ifndef PARTITION_DEVICES_PCI_GEN1_H
#define PARTITION_DEVICES_PCI_GEN1_H

#include "partition/devices/pci.h"

#define GEN1_PIIX4_DEV      7
#define GEN1_FN_ISA         0
#define GEN1_FN_IDE         1
#define GEN1_FN_ACPI        3

/* PIIX4 function 1 (IDE) registers (Intel 82371AB PIIX4 datasheet, function 1 registers). */
#define PIIX4_IDE_BMIBA     0x20      /* BAR4: bus-master block, 16 ports */
#define PIIX4_IDETIM_PRI    0x40      /* 16 bits */
#define PIIX4_IDETIM_SEC    0x42
#define PIIX4_IDETIM_DECODE 0x8000u   /* IDE decode enable */
#define PIIX4_SIDETIM       0x44
#define PIIX4_UDMACTL       0x48      /* bits 3:0 UDMA enable per drive */
#define PIIX4_UDMATIM       0x4a      /* 16 bits, 2 bits a drive */
/* Where the firmware leaves the bus-master block (lspci on Hyper-V gen1:
 * "Region 4: I/O ports at ffa0 [size=16]"). */
#define GEN1_BMIBA_BASE     0xffa0u
#define GEN1_BM_SIZE        16u

/* PIIX4 function 3 (power management): PMBA at 0x40, its enable in
 * PMREGMISC 0x80 bit 0. The PM1a blocks of the child's FADT (0x600
 * event, 0x604 control; docs/child-platform.md, "ACPI") sit at PMBA+0
 * and PMBA+4, as on a PIIX4. */
#define PIIX4_PMBA          0x40
#define PIIX4_PMREGMISC     0x80
#define GEN1_PMBA_BASE      0x600u

struct pci_gen1 {
	struct pci_bus bus;
	struct pci_func host, isa, ide, acpi;
};

/* Builds the four functions at their power-on (firmware-left) values
 * and registers them on g->bus. */
void pci_gen1_init(struct pci_gen1 *g);

#endif
