/* 8259A pair and ELCR register model; see pic8259.h. */
#include <errno.h>
#include <string.h>

#include "partition/devices/devstate.h"
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

/* ---- Saved state (devstate.h) ---- */

static void chip_save(const struct pic_chip *c, struct ds_pic_chip *w)
{
	memset(w, 0, sizeof(*w));
	w->imr = c->imr; w->vector_base = c->vector_base; w->icw_step = c->icw_step;
	w->need_icw4 = c->need_icw4; w->single = c->single; w->read_isr = c->read_isr;
	w->elcr = c->elcr; w->irr = c->irr; w->level = c->level; w->ready = c->ready;
}

void pic_save(const struct pic8259 *p, struct ds_pic *w)
{
	chip_save(&p->master, &w->master);
	chip_save(&p->slave, &w->slave);
}

/* The values cmd_write and data_write leave: ICW1's bits as flags, the
 * vector base's low three bits clear (ICW2), ICW3 only when cascaded,
 * ICW4 only when ICW1 asked for it, the ELCR's fixed-edge lines clear. */
static int chip_check(const struct ds_pic_chip *w, uint8_t elcr_mask)
{
	static const uint8_t zero[sizeof(w->pad)];

	if (w->need_icw4 > 1 || (w->single & ~ICW1_SNGL) || w->read_isr > 1 || w->ready > 1)
		return -EINVAL;
	if ((w->vector_base & 7) || (w->elcr & ~elcr_mask) || w->icw_step > 3)
		return -EINVAL;
	if ((w->icw_step == 2 && w->single) || (w->icw_step == 3 && !w->need_icw4))
		return -EINVAL;
	if (w->icw_step >= 2 && !w->ready)
		return -EINVAL;
	return memcmp(w->pad, zero, sizeof(zero)) ? -EINVAL : 0;
}

int pic_check(const struct ds_pic *w)
{
	return chip_check(&w->master, ELCR_MASTER_MASK) || chip_check(&w->slave, ELCR_SLAVE_MASK)
		       ? -EINVAL : 0;
}

static void chip_load(struct pic_chip *c, const struct ds_pic_chip *w)
{
	c->imr = w->imr; c->vector_base = w->vector_base; c->icw_step = w->icw_step;
	c->need_icw4 = w->need_icw4; c->single = w->single; c->read_isr = w->read_isr;
	c->elcr = w->elcr; c->irr = w->irr; c->level = w->level; c->ready = w->ready;
}

int pic_restore(struct pic8259 *p, const struct ds_pic *w)
{
	if (pic_check(w))
		return -EINVAL;
	chip_load(&p->master, &w->master);
	chip_load(&p->slave, &w->slave);
	return 0;
}
