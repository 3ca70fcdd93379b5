/* 8259A pair and ELCR register model; see pic8259.h. */
#include <string.h>

#include "partition/devices/pic8259.h"

#define ICW1_INIT 0x10u              /* command-port byte with bit 4: ICW1 */
#define ICW1_IC4 0x01u               /* ICW4 follows */
#define ICW1_SNGL 0x02u              /* single chip: no ICW3 */
#define OCW3_SEL 0x08u               /* bit 3 set, bit 4 clear: OCW3 */
#define OCW3_RR 0x02u                /* read register command ... */
#define OCW3_RIS 0x01u               /* ... ISR (1) or IRR (0) */
#define OCW2_EOI 0x20u               /* bits 4:3 clear: OCW2; bit 5: an EOI */
#define ELCR_MASTER_MASK 0xf8u       /* IRQ 0-2 are always edge (PIIX4 ELCR1) */
#define ELCR_SLAVE_MASK 0xdeu        /* IRQ 8 and 13 too (ELCR2) */

void pic_reset(struct pic8259 *p)
{
	memset(p, 0, sizeof(*p));
	p->master.imr = 0xff;
	p->slave.imr = 0xff;
}

static struct pic_chip *chip(struct pic8259 *p, uint16_t port)
{
	return (port & 0x80) ? &p->slave : &p->master;
}

/* Command port: ICW1 starts initialisation (masks cleared, datasheet
 * "Initialization Command Words"), OCW3 selects the register read back;
 * an EOI (OCW2) lets a level-triggered line that is still high request
 * again, as the 8259A does once the line's ISR bit clears. */
static void cmd_write(struct pic_chip *c, uint8_t v)
{
	if (v & ICW1_INIT) {
		c->imr = 0;
		c->icw_step = 1;
		c->need_icw4 = v & ICW1_IC4;
		c->single = v & ICW1_SNGL;
		c->read_isr = 0;
	} else if ((v & OCW3_SEL) && (v & OCW3_RR)) {
		c->read_isr = v & OCW3_RIS;
	} else if (!(v & (OCW3_SEL | ICW1_INIT)) && (v & OCW2_EOI)) {
		c->irr |= c->level & c->elcr;
	}
}

/* Data port: ICW2-4 during initialisation, else OCW1 (the mask). */
static void data_write(struct pic_chip *c, uint8_t v)
{
	switch (c->icw_step) {
	case 1:
		c->vector_base = v & 0xf8;
		c->ready = 1;
		c->icw_step = c->single ? (c->need_icw4 ? 3 : 0) : 2;
		return;
	case 2:
		c->icw_step = c->need_icw4 ? 3 : 0;
		return;
	case 3:
		c->icw_step = 0;
		return;
	default:
		c->imr = v;
	}
}

void pic_io_write(struct pic8259 *p, uint16_t port, uint8_t v)
{
	if (port == 0x4d0)
		p->master.elcr = v & ELCR_MASTER_MASK;
	else if (port == 0x4d1)
		p->slave.elcr = v & ELCR_SLAVE_MASK;
	else if (port == 0x20 || port == 0xa0)
		cmd_write(chip(p, port), v);
	else if (port == 0x21 || port == 0xa1)
		data_write(chip(p, port), v);
}

uint8_t pic_io_read(const struct pic8259 *p, uint16_t port)
{
	const struct pic_chip *c = (port & 0x80) ? &p->slave : &p->master;

	if (port == 0x4d0)
		return p->master.elcr;
	if (port == 0x4d1)
		return p->slave.elcr;
	if (port == 0x21 || port == 0xa1)
		return c->imr;
	if (port == 0x20 || port == 0xa0)
		return c->read_isr ? 0 : c->irr;   /* nothing is kept in service */
	return 0xff;
}

void pic_set_irq(struct pic8259 *p, unsigned irq, int level)
{
	struct pic_chip *c;
	uint8_t bit;

	if (irq > 15)
		return;
	c = irq < 8 ? &p->master : &p->slave;
	bit = (uint8_t)(1u << (irq & 7));
	if (level && (!(c->level & bit) || (c->elcr & bit)))
		c->irr |= bit;
	if (level)
		c->level |= bit;
	else
		c->level &= (uint8_t)~bit;
	if (!level && (c->elcr & bit))
		c->irr &= (uint8_t)~bit;   /* a level request ends with its line */
}

/* The lowest unmasked requesting line of c (highest priority, the
 * 8259A's fixed order), or -1. */
static int chip_pending(const struct pic_chip *c)
{
	uint8_t want = c->irr & (uint8_t)~c->imr;

	return c->ready && c->icw_step == 0 && want ? __builtin_ctz(want) : -1;
}

int pic_take(struct pic8259 *p)
{
	int m = chip_pending(&p->master), s = chip_pending(&p->slave);

	if (s >= 0 && !(p->master.imr & 4) && (m < 0 || m > 2)) {
		p->slave.irr &= (uint8_t)~(1u << s);
		return p->slave.vector_base + s;
	}
	if (m < 0 || m == 2)
		return -1;         /* line 2 is the cascade: nothing of its own */
	p->master.irr &= (uint8_t)~(1u << m);
	return p->master.vector_base + m;
}
