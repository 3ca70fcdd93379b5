/*
 * The register file of a PC's two 8259A interrupt controllers (Intel
 * 8259A datasheet: ICW1-4, OCW1-3) and the ELCR edge/level registers at
 * 0x4d0/0x4d1 (Intel PIIX/ICH), as a child sees them: masks written read
 * back, the initialisation sequence is followed. The guest finds the PIC
 * the MADT announces (PCAT_COMPAT) and Linux's probe (arch/x86/kernel/
 * i8259.c probe_8259A: write a mask, read it back) keeps the legacy IRQs
 * 0-15, which its ACPI SCI (IRQ 9) and ttyS0 (IRQ 4) request.
 * Interrupts: a device model drives a line (pic_set_irq); a rising edge,
 * or a high level on a line the ELCR makes level-triggered, sets its
 * request bit (IRR); pic_take hands out the vector of the highest-priority
 * unmasked request (line 0 first; the slave's through the master's line
 * 2) once the chip is initialised, and the caller gives it to the child
 * as an ExtINT. Nothing is kept in service: the guest's EOI (OCW2) has
 * nothing to end, and ISR reads 0. Portable.
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
	uint8_t irr;                 /* requests not yet handed out */
	uint8_t level;               /* each line's input now */
	uint8_t ready;               /* initialised: vector_base is the guest's */
};

struct pic8259 {
	struct pic_chip master, slave;
};

void pic_reset(struct pic8259 *p);
/* port: 0x20/0x21, 0xa0/0xa1, 0x4d0/0x4d1; others are ignored / read 0xff. */
void pic_io_write(struct pic8259 *p, uint16_t port, uint8_t v);
uint8_t pic_io_read(const struct pic8259 *p, uint16_t port);
/* Line irq (0-15) is now high (level != 0) or low. */
void pic_set_irq(struct pic8259 *p, unsigned irq, int level);
/* The vector of the next request to deliver (its IRR bit cleared), or -1. */
int pic_take(struct pic8259 *p);

#endif
