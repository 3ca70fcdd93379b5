/*
 * The register file of a PC's two 8259A interrupt controllers (Intel
 * 8259A datasheet: ICW1-4, OCW1-3) and the ELCR edge/level registers at
 * 0x4d0/0x4d1 (Intel PIIX/ICH), as a child sees them: masks written read
 * back, the initialisation sequence is followed, IRR and ISR read 0.
 * No interrupt is raised yet (a child's interrupts arrive through its
 * vLAPIC only): the model exists so that the guest finds the PIC the MADT
 * announces (PCAT_COMPAT) and Linux's probe (arch/x86/kernel/i8259.c
 * probe_8259A: write a mask, read it back) keeps the legacy IRQs 0-15,
 * which its ACPI SCI (IRQ 9) and ttyS0 (IRQ 4) request. Portable.
 */
#ifndef PARTITION_DEVICES_PIC8259_H
#define PARTITION_DEVICES_PIC8259_H

#include <stdint.h>

struct pic_chip {
	uint8_t imr;                 /* OCW1: interrupt mask */
	uint8_t vector_base;         /* ICW2 */
	uint8_t icw_step;            /* 0: ready; 1-3: expecting ICW2..ICW4 */
	uint8_t need_icw4, single;   /* from ICW1 */
	uint8_t read_isr;            /* OCW3: the command port reads ISR, else IRR */
	uint8_t elcr;                /* edge (0) / level (1) per line */
};

struct pic8259 {
	struct pic_chip master, slave;
};

void pic_reset(struct pic8259 *p);
/* port: 0x20/0x21, 0xa0/0xa1, 0x4d0/0x4d1; others are ignored / read 0xff. */
void pic_io_write(struct pic8259 *p, uint16_t port, uint8_t v);
uint8_t pic_io_read(const struct pic8259 *p, uint16_t port);

#endif
