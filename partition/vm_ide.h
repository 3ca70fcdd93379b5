/*
 * A child's emulated IDE controller (partition/vm_ide.c): the gen1 PCI
 * bus and PIIX4 IDE function of partition/devices/ (pci_gen1.h,
 * piix_ide.h), with the VM's IDE disks (opened by vsp_stor_attach), its
 * interrupts through the child's 8259 pair and its bus-master DMA
 * through pages hv maps per transfer.
 */
#ifndef PARENT_VM_IDE_H
#define PARENT_VM_IDE_H
#include <stddef.h>
#include "partition/devices/pci_gen1.h"
#include "partition/devices/piix_ide.h"

struct vm;

struct vm_ide {
	struct pci_gen1 pci;
	struct piix_ide ide;
	struct vm *vm;
	uint64_t child;               /* hv's partition id */
};

/* After vsp_stor_attach: build vm->ide with the VM's IDE disks at their
 * locations. 0, or -ENOMEM with why the sentence to print. */
int vm_ide_start(struct vm *vm, char *why, size_t n);
/* Before vsp_stor_detach closes the disks: free vm->ide. */
void vm_ide_stop(struct vm *vm);
#endif
