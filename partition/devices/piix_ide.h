/*
 * piix_ide: the PIIX4 IDE function of a Hyper-V gen1 VM (00:07.1,
 * pci_gen1.h) with its two channels at their legacy ports, primary
 * 0x1f0-0x1f7 + 0x3f6 on IRQ 14 and secondary 0x170-0x177 + 0x376 on
 * IRQ 15, and its bus-master block at BAR4 (channel 0 at +0, channel 1
 * at +8). What the function decodes follows its configuration space:
 * nothing without the command register's I/O enable, a channel's legacy
 * ports only with its IDETIM decode bit, DMA only with bus-master
 * enable (PIIX4 datasheet, PCICMD, IDETIM, BMIBA). Portable.
 */
#ifndef PARTITION_DEVICES_PIIX_IDE_H
#define PARTITION_DEVICES_PIIX_IDE_H

#include "partition/devices/ide.h"
#include "partition/devices/pci.h"

struct piix_ide {
	struct pci_func *pci;
	struct ide_channel ch[2];
};

/* pci: the function pci_gen1_init built (its registers are read on
 * every access). Both channels start empty; ide_attach then ide_reset. */
void piix_ide_init(struct piix_ide *p, struct pci_func *pci,
		   const struct ide_host_ops *ops, void *ctx);
/* One port access; false when the function does not decode the port. */
bool piix_ide_io(struct piix_ide *p, uint16_t port, unsigned size, bool is_write,
		 uint32_t *val);

#endif
