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
struct vm_ide_iso;

struct vm_ide {
	struct pci_gen1 pci;
	struct piix_ide ide;
	/* The media of its DVD drives, by ControllerNumber * 2 +
	 * ControllerLocation; NULL: no drive or no medium. */
	struct vm_ide_iso *iso[4];
	struct vm *vm;
	uint64_t child;               /* hv's partition id */
};

/* After vsp_stor_attach: build vm->ide with the VM's IDE disks at their
 * locations. 0, or -ENOMEM with why the sentence to print. */
int vm_ide_start(struct vm *vm, char *why, size_t n);
/* Set-VMDvdDrive on a running VM: the DVD drive at IDE controller num
 * location loc gets the ISO at path (NULL or "": none); the old one is
 * closed once the device has let go of it. 0, or -errno with why. */
int vm_ide_set_medium(struct vm *vm, unsigned num, unsigned loc, const char *path, char *why,
		      size_t n);
/* Check that path names an ISO image this parent can give a DVD drive
 * (a file on a drive, a whole number of 2048-byte sectors): 0, or
 * -errno with why. */
int vm_ide_iso_check(const char *path, char *why, size_t n);
/* Before vsp_stor_detach closes the disks: free vm->ide. */
void vm_ide_stop(struct vm *vm);
#endif
