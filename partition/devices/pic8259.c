/* 8259A pair and ELCR register model; see pic8259.h. */
#include <string.h>

#include "partition/devices/pic8259.h"

#define ICW1_INIT 0x10u              /* command-port byte with bit 4: ICW1 */
#define ICW1_IC4 0x01u               /* ICW4 follows */
#define ICW1_SNGL 0x02u              /* single chip: no ICW3 */
#define OCW3_SEL 0x08u               /* bit 3 set, bit 4 clear: OCW3 */
#define OCW3_RR 0x02u                /* read register command ... */
#define OCW3_RIS 0x01u               /* ... ISR (1) or IRR (0) */
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
 * OCW2 (EOI, rotation) changes nothing the model keeps. */
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
	}
}

/* Data port: ICW2-4 during initialisation, else OCW1 (the mask). */
static void data_write(struct pic_chip *c, uint8_t v)
{
	switch (c->icw_step) {
	case 1:
		c->vector_base = v & 0xf8;
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
		return 0;                /* IRR or ISR: nothing is ever pending */
	return 0xff;
}
