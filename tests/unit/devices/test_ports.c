/* Unit tests for a child's port map (partition/devices/ports.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "partition/devices/pci_gen1.h"
#include "partition/devices/ports.h"

struct machine {
	struct uart uart;
	uint8_t tx[16];
	int ntx, stops, resets;
	bool with_reset;             /* the bus has a reset callback */
	const char *reason;
	bool has_code;
	uint32_t code;
};

static void m_tx(void *ctx, uint8_t byte)
{
	struct machine *m = ctx;

	if (m->ntx < (int)sizeof(m->tx))
		m->tx[m->ntx++] = byte;
}

static void m_irq(void *ctx, int level)
{
	(void)ctx;
	(void)level;
}

static const struct uart_ops m_uart_ops = { m_tx, m_irq };

static void m_stop(void *ctx, const char *reason, bool has_code, uint32_t code)
{
	struct machine *m = ctx;

	m->stops++;
	m->reason = reason;
	m->has_code = has_code;
	m->code = code;
}

static void m_reset(void *ctx, const char *reason)
{
	struct machine *m = ctx;

	m->resets++;
	m->reason = reason;
}

static bool io(struct machine *m, uint16_t port, uint8_t size, bool wr, uint32_t v, uint32_t *val)
{
	const struct port_bus bus = { &m->uart, m_stop, m, NULL, NULL, NULL,
				      m->with_reset ? m_reset : NULL, NULL, NULL };
	const struct port_access a = { port, size, wr, v };

	return ports_access(&bus, &a, val);
}

static bool io_gen1(struct machine *m, struct pci_gen1 *g, struct piix_ide *p, uint16_t port,
		    uint8_t size, bool wr, uint32_t v, uint32_t *val)
{
	const struct port_bus bus = { &m->uart, m_stop, m, NULL, NULL, NULL, m_reset,
				      &g->bus, p };
	const struct port_access a = { port, size, wr, v };

	return ports_access(&bus, &a, val);
}

static struct machine *machine_new(void)
{
	struct machine *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	uart_init(&m->uart, &m_uart_ops, m);
	return m;
}

static void test_unhandled_reads_all_ones(void **state)
{
	struct machine *m = machine_new();
	uint32_t val = 0;

	(void)state;
	assert_false(io(m, 0x80, 1, false, 0, &val));
	assert_int_equal(val, 0xff);
	assert_false(io(m, 0x1234, 2, false, 0, &val));
	assert_int_equal(val, 0xffff);
	assert_false(io(m, 0xffff, 4, false, 0, &val));
	assert_int_equal(val, 0xffffffffu);
	/* Reads of the stop ports stop nothing and read all ones too. */
	assert_false(io(m, 0xf4, 1, false, 0, &val));
	assert_int_equal(val, 0xff);
	assert_false(io(m, 0x80, 1, true, 0x55, &val));
	assert_int_equal(m->stops, 0);
	free(m);
}

static void test_com1(void **state)
{
	struct machine *m = machine_new();
	uint32_t val = 0;

	(void)state;
	assert_false(io(m, 0x3f8, 1, true, 'h', &val));
	assert_int_equal(m->ntx, 1);
	assert_int_equal(m->tx[0], 'h');
	/* LSR after a write: THRE and TEMT set (16550 LSR bits 5 and 6). */
	assert_false(io(m, 0x3f8 + UART_LSR, 1, false, 0, &val));
	assert_int_equal(val & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
	/* A 16-bit read: the upper byte floats high. */
	assert_false(io(m, 0x3ff, 2, false, 0, &val));
	assert_int_equal(val & 0xff00, 0xff00);
	/* Just outside COM1: nothing there. */
	assert_false(io(m, 0x400, 1, true, 'x', &val));
	assert_false(io(m, 0x3f7, 1, true, 'x', &val));
	assert_int_equal(m->ntx, 1);
	free(m);
}

static void test_debug_exit(void **state)
{
	struct machine *m = machine_new();
	uint32_t val;

	(void)state;
	assert_true(io(m, 0xf4, 1, true, 0x1ff, &val));   /* masked to 8 bits */
	assert_int_equal(m->stops, 1);
	assert_true(m->has_code);
	assert_int_equal(m->code, 0xffu);                    /* the guest's own value */
	assert_true(io(m, 0xf4, 4, true, 0x10000, &val));
	assert_int_equal(m->code, 0x10000u);
	free(m);
}

static void test_resets_and_power_off(void **state)
{
	struct machine *m = machine_new();
	uint32_t val;

	(void)state;
	assert_false(io(m, 0x64, 1, true, 0xfd, &val));
	assert_true(io(m, 0x64, 1, true, 0xfe, &val));
	assert_string_equal(m->reason, "reset (i8042 pulse)");
	assert_false(m->has_code);
	assert_false(io(m, 0xcf9, 1, true, 0x02, &val));
	assert_true(io(m, 0xcf9, 1, true, 0x06, &val));
	assert_string_equal(m->reason, "reset (port 0xcf9)");
	assert_false(io(m, 0x604, 2, true, 0x1fff, &val));
	assert_true(io(m, 0x604, 2, true, 0x2000, &val));
	assert_string_equal(m->reason, "power off (ACPI S5)");
	/* An 8-bit write cannot reach SLP_EN (bit 13). */
	assert_false(io(m, 0x604, 1, true, 0x2000, &val));
	assert_int_equal(m->stops, 3);
	/* With a reset line on the bus, the resets restart (the parent's
	 * VMs) and power-off still stops. */
	m->with_reset = true;
	assert_true(io(m, 0x64, 1, true, 0xfe, &val));
	assert_true(io(m, 0xcf9, 1, true, 0x06, &val));
	assert_string_equal(m->reason, "reset (port 0xcf9)");
	assert_int_equal(m->resets, 2);
	assert_true(io(m, 0x604, 2, true, 0x2000, &val));
	assert_int_equal(m->stops, 4);
	assert_int_equal(m->resets, 2);
	free(m);
}

static bool pio(struct pic8259 *pic, uint16_t port, bool wr, uint8_t v, uint32_t *val)
{
	const struct port_bus bus = { NULL, m_stop, NULL, pic, NULL, NULL, NULL, NULL, NULL };
	const struct port_access a = { port, 1, wr, v };

	return ports_access(&bus, &a, val);
}

/* Linux's probe and init (arch/x86/kernel/i8259.c probe_8259A,
 * init_8259A) against the 8259 pair: masks read back, the ICW sequence
 * does not land in the mask, IRR/ISR read 0, ELCR keeps its writable bits. */
static void test_pic8259(void **state)
{
	struct pic8259 pic;
	uint32_t val = 0;

	(void)state;
	pic_reset(&pic);
	assert_false(pio(&pic, 0x21, false, 0, &val));
	assert_int_equal(val, 0xff);                      /* all masked at reset */
	pio(&pic, 0xa1, true, 0xff, &val);
	pio(&pic, 0x21, true, 0xfb, &val);                /* probe_val */
	pio(&pic, 0x21, false, 0, &val);
	assert_int_equal(val, 0xfb);
	/* init_8259A: ICW1 0x11, ICW2 vector, ICW3 cascade, ICW4 0x01 */
	pio(&pic, 0x20, true, 0x11, &val);
	pio(&pic, 0x21, true, 0x30, &val);
	pio(&pic, 0x21, true, 0x04, &val);
	pio(&pic, 0x21, true, 0x01, &val);
	pio(&pic, 0x21, false, 0, &val);
	assert_int_equal(val, 0);                         /* ICW1 cleared the mask */
	assert_int_equal(pic.master.vector_base, 0x30);
	pio(&pic, 0x21, true, 0xef, &val);                /* OCW1 after the ICWs */
	pio(&pic, 0x21, false, 0, &val);
	assert_int_equal(val, 0xef);
	pio(&pic, 0xa1, false, 0, &val);
	assert_int_equal(val, 0xff);                      /* the slave kept its own */
	pio(&pic, 0x20, true, 0x0b, &val);                /* OCW3: read ISR */
	pio(&pic, 0x20, false, 0, &val);
	assert_int_equal(val, 0);
	pio(&pic, 0x4d0, true, 0xff, &val);
	pio(&pic, 0x4d0, false, 0, &val);
	assert_int_equal(val, 0xf8);
	pio(&pic, 0x4d1, true, 0x02, &val);
	pio(&pic, 0x4d1, false, 0, &val);
	assert_int_equal(val, 0x02);
	/* Without a PIC on the bus the ports float. */
	pio(NULL, 0x21, false, 0, &val);
	assert_int_equal(val, 0xff);
}

/* Requests: none before the ICWs; an edge on an unmasked line is handed
 * out once (ICW2 base + line), a masked one waits for the unmask (as
 * Linux's mask_and_ack_8259A/unmask sequence needs); a level line that is
 * still high requests again after an EOI; the slave's come through the
 * master's line 2, in the 8259A's fixed priority. */
static void test_pic8259_requests(void **state)
{
	struct pic8259 pic;
	uint32_t val = 0;

	(void)state;
	pic_reset(&pic);
	pic_set_irq(&pic, 4, 1);
	assert_int_equal(pic_take(&pic), -1);             /* not initialised */
	pic_set_irq(&pic, 4, 0);
	pio(&pic, 0x20, true, 0x11, &val);
	pio(&pic, 0x21, true, 0x30, &val);
	pio(&pic, 0x21, true, 0x04, &val);
	pio(&pic, 0x21, true, 0x01, &val);
	pio(&pic, 0xa0, true, 0x11, &val);
	pio(&pic, 0xa1, true, 0x38, &val);
	pio(&pic, 0xa1, true, 0x02, &val);
	pio(&pic, 0xa1, true, 0x01, &val);
	pio(&pic, 0x21, true, 0xff & ~0x10 & ~0x04, &val); /* IRQ 4 and the cascade */
	pio(&pic, 0xa1, true, 0xfd, &val);                /* IRQ 9 */
	pic_set_irq(&pic, 4, 1);
	pic_set_irq(&pic, 4, 1);                          /* no new edge */
	assert_int_equal(pic_take(&pic), 0x34);
	assert_int_equal(pic_take(&pic), -1);
	pic_set_irq(&pic, 4, 0);
	pio(&pic, 0x21, true, 0xff, &val);                /* masked: the edge waits */
	pic_set_irq(&pic, 4, 1);
	assert_int_equal(pic_take(&pic), -1);
	pio(&pic, 0x20, true, 0x0a, &val);                /* OCW3: read IRR */
	pio(&pic, 0x20, false, 0, &val);
	assert_int_equal(val, 0x10);
	pio(&pic, 0x21, true, 0xeb, &val);
	assert_int_equal(pic_take(&pic), 0x34);
	/* IRQ 9 level-triggered (ELCR), and IRQ 4 at once: 9 goes first
	 * (the cascade, line 2, outranks line 4). */
	pio(&pic, 0x4d1, true, 0x02, &val);
	pic_set_irq(&pic, 4, 0);
	pic_set_irq(&pic, 4, 1);
	pic_set_irq(&pic, 9, 1);
	assert_int_equal(pic_take(&pic), 0x39);
	assert_int_equal(pic_take(&pic), 0x34);
	assert_int_equal(pic_take(&pic), -1);
	pio(&pic, 0xa0, true, 0x20, &val);                /* EOI, line still high */
	assert_int_equal(pic_take(&pic), 0x39);
	pic_set_irq(&pic, 9, 0);
	pio(&pic, 0xa0, true, 0x20, &val);                /* EOI, line low: done */
	assert_int_equal(pic_take(&pic), -1);
}

static int64_t fixed_now(void)
{
	/* 2026-12-02 10:11:07 UTC, a Wednesday: `date -u -d @1796206267` */
	return 1796206267;
}

static uint8_t rtc(struct cmos *c, uint8_t index)
{
	const struct port_bus bus = { NULL, m_stop, NULL, NULL, c, fixed_now, NULL, NULL, NULL };
	const struct port_access wr = { 0x70, 1, true, index }, rd = { 0x71, 1, false, 0 };
	uint32_t val = 0xffffffff;

	assert_false(ports_access(&bus, &wr, &val));
	assert_false(ports_access(&bus, &rd, &val));
	return (uint8_t)val;
}

/* The RTC as Linux's mc146818_get_time reads it: UIP clear, BCD 24-hour,
 * the host's date and time; time writes ignored; NVRAM reads back; the
 * NMI-mask bit of the index ignored. Without the model the ports float. */
static void test_cmos(void **state)
{
	struct cmos c;
	const struct port_bus bus = { NULL, m_stop, NULL, NULL, &c, fixed_now, NULL, NULL, NULL };
	const struct port_access wr = { 0x71, 1, true, 0x42 };
	uint32_t val = 0;

	(void)state;
	cmos_reset(&c);
	assert_int_equal(rtc(&c, 0x0a) & 0x80, 0);
	assert_int_equal(rtc(&c, 0x0b), 0x02);
	assert_int_equal(rtc(&c, 0x0d), 0x80);
	assert_int_equal(rtc(&c, 0x00), 0x07);
	assert_int_equal(rtc(&c, 0x02), 0x11);
	assert_int_equal(rtc(&c, 0x04), 0x10);
	assert_int_equal(rtc(&c, 0x06), 0x04);   /* Sunday = 1: Wednesday = 4 */
	assert_int_equal(rtc(&c, 0x07), 0x02);
	assert_int_equal(rtc(&c, 0x08), 0x12);
	assert_int_equal(rtc(&c, 0x09), 0x26);
	assert_int_equal(rtc(&c, 0x32), 0x20);
	assert_int_equal(rtc(&c, 0x80 | 0x09), 0x26);
	ports_access(&bus, &wr, &val);           /* index is 0x32 (0x80|0x09 -> 0x09) */
	assert_int_equal(rtc(&c, 0x09), 0x26);   /* a time write is ignored */
	rtc(&c, 0x40);
	ports_access(&bus, &wr, &val);
	assert_int_equal(rtc(&c, 0x40), 0x42);   /* NVRAM */
	val = 0;
	pio(NULL, 0x71, false, 0, &val);
	assert_int_equal(val, 0xff);
}

/* The gen1 PCI bus and IDE function behind the map: configuration
 * mechanism #1 at 0xcf8/0xcfc with the reset register at 0xcf9 still
 * working, the legacy IDE ports and BAR4's block (moved, too) reaching
 * the function; without the bus (a NULL pci) the ports float. */
static void test_pci_and_ide(void **state)
{
	struct machine *m = machine_new();
	struct pci_gen1 *g = calloc(1, sizeof(*g));
	struct piix_ide *p = calloc(1, sizeof(*p));
	uint32_t val = 0;

	(void)state;
	assert_non_null(g);
	assert_non_null(p);
	pci_gen1_init(g);
	piix_ide_init(p, &g->ide, NULL, NULL);
	ide_reset(&p->ch[0]);
	ide_reset(&p->ch[1]);
	assert_false(io_gen1(m, g, p, 0xcf8, 4, true, 0x80003900u, &val));   /* 00:07.1 */
	assert_false(io_gen1(m, g, p, 0xcf8, 4, false, 0, &val));
	assert_int_equal(val, 0x80003900u);
	assert_false(io_gen1(m, g, p, 0xcfc, 4, false, 0, &val));
	assert_int_equal(val, 0x71118086u);
	assert_false(io_gen1(m, g, p, 0xcfe, 2, false, 0, &val));
	assert_int_equal(val, 0x7111);
	/* Nothing at 00:01.0: all ones. */
	assert_false(io_gen1(m, g, p, 0xcf8, 4, true, 0x80000800u, &val));
	assert_false(io_gen1(m, g, p, 0xcfc, 4, false, 0, &val));
	assert_int_equal(val, 0xffffffffu);
	/* 0xcf9 as a byte is the reset register, as before. */
	assert_true(io_gen1(m, g, p, 0xcf9, 1, true, 0x06, &val));
	assert_int_equal(m->resets, 1);
	/* Empty channels reach the model: its registers read 0x7f (DD7's
	 * pull-down, ide.c), not the 0xff of a port nothing decodes. */
	assert_false(io_gen1(m, g, p, 0x1f7, 1, false, 0, &val));
	assert_int_equal(val, 0x7f);
	assert_false(io_gen1(m, g, p, 0x3f6, 1, false, 0, &val));
	assert_int_equal(val, 0x7f);
	assert_false(io_gen1(m, g, p, 0x177, 1, false, 0, &val));
	assert_int_equal(val, 0x7f);
	assert_false(io_gen1(m, g, p, 0x376, 1, false, 0, &val));
	assert_int_equal(val, 0x7f);
	/* BAR4's block: the PRD pointer of channel 1 reads back, and after
	 * the guest moves BAR4 to 0xc000, there and no longer at 0xffa8. */
	assert_false(io_gen1(m, g, p, 0xffac, 4, true, 0x12340, &val));
	assert_false(io_gen1(m, g, p, 0xffac, 4, false, 0, &val));
	assert_int_equal(val, 0x12340);
	assert_false(io_gen1(m, g, p, 0xcf8, 4, true, 0x80003920u, &val));
	assert_false(io_gen1(m, g, p, 0xcfc, 4, true, 0xc001, &val));
	assert_false(io_gen1(m, g, p, 0xc00c, 4, false, 0, &val));
	assert_int_equal(val, 0x12340);
	assert_false(io_gen1(m, g, p, 0xffac, 4, false, 0, &val));
	assert_int_equal(val, 0xffffffffu);
	/* Without the bus: nothing at the PCI or IDE ports. */
	assert_false(io(m, 0xcfc, 4, false, 0, &val));
	assert_int_equal(val, 0xffffffffu);
	assert_false(io(m, 0x1f7, 1, false, 0, &val));
	assert_int_equal(val, 0xff);
	free(p);
	free(g);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unhandled_reads_all_ones),
		cmocka_unit_test(test_com1),
		cmocka_unit_test(test_debug_exit),
		cmocka_unit_test(test_resets_and_power_off),
		cmocka_unit_test(test_pic8259),
		cmocka_unit_test(test_pic8259_requests),
		cmocka_unit_test(test_cmos),
		cmocka_unit_test(test_pci_and_ide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
