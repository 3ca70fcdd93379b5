/* Unit tests for the 16550A UART model (partition/devices/uart16550.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "partition/devices/uart16550.h"

static uint8_t txbuf[8192];
static size_t ntx;
static int irq_level, irq_calls;
static struct uart U;

static void on_tx(void *ctx, uint8_t b)
{
	assert_ptr_equal(ctx, &ntx);
	txbuf[ntx++ % sizeof(txbuf)] = b;
}

static void on_irq(void *ctx, int level)
{
	(void)ctx;
	irq_level = level;
	irq_calls++;
}

static const struct uart_ops ops = { on_tx, on_irq };

static int setup(void **state)
{
	(void)state;
	ntx = 0;
	irq_level = 0;
	irq_calls = 0;
	uart_init(&U, &ops, &ntx);
	return 0;
}

#define RD(r) uart_io_read(&U, (r))
#define WR(r, v) uart_io_write(&U, (r), (v))

static void test_reset_state(void **state)
{
	(void)state;
	assert_int_equal(RD(UART_IER), 0);
	assert_int_equal(RD(UART_IIR), 0x01);
	assert_int_equal(RD(UART_LCR), 0);
	assert_int_equal(RD(UART_MCR), 0);
	assert_int_equal(RD(UART_LSR), 0x60);
	assert_int_equal(RD(UART_MSR), 0xb0);   /* CTS DSR DCD, no deltas */
	assert_int_equal(RD(UART_SCR), 0);
	assert_int_equal(irq_calls, 0);
}

static void test_transmit(void **state)
{
	const char *s = "hello, world\r\n";
	size_t i;

	(void)state;
	for (i = 0; s[i]; i++) {
		WR(UART_THR, (uint8_t)s[i]);
		assert_int_equal(RD(UART_LSR) & 0x60, 0x60);   /* THRE TEMT at once */
	}
	assert_int_equal(ntx, strlen(s));
	assert_memory_equal(txbuf, s, ntx);
	/* offsets alias mod 8 (the port decode uses 3 address lines) */
	WR(8 + UART_SCR, 0x5a);
	assert_int_equal(RD(UART_SCR), 0x5a);
}

static void test_dlab(void **state)
{
	(void)state;
	WR(UART_IER, 0x05);
	WR(UART_LCR, 0x83);                  /* DLAB, 8N1 */
	assert_int_equal(RD(UART_DLL), 12);  /* reset divisor: 9600 baud */
	WR(UART_DLL, 0x01);
	WR(UART_DLM, 0x02);
	assert_int_equal(RD(UART_DLL), 0x01);
	assert_int_equal(RD(UART_DLM), 0x02);
	assert_int_equal(ntx, 0);            /* DLL write did not transmit */
	WR(UART_LCR, 0x03);
	assert_int_equal(RD(UART_LCR), 0x03);
	assert_int_equal(RD(UART_IER), 0x05);    /* IER kept apart from DLM */
	WR(UART_THR, 'A');
	assert_int_equal(ntx, 1);
	WR(UART_LCR, 0x83);
	assert_int_equal(RD(UART_DLL), 0x01);
	assert_int_equal(RD(UART_DLM), 0x02);
	WR(UART_IER, 0xff);                  /* DLM again, not IER */
	WR(UART_LCR, 0x03);
	assert_int_equal(RD(UART_IER), 0x05);
	WR(UART_IER, 0xff);
	assert_int_equal(RD(UART_IER), 0x0f);   /* upper bits read 0 */
}

static void test_receive_order_and_dr(void **state)
{
	uint8_t in[300], i;
	int k;

	(void)state;
	for (k = 0; k < 300; k++)
		in[k] = (uint8_t)(k * 3);
	assert_int_equal(uart_rx_push(&U, in, 300), 300);
	for (k = 0; k < 300; k++) {
		assert_int_equal(RD(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
		assert_int_equal(RD(UART_RBR), in[k]);
	}
	assert_int_equal(RD(UART_LSR) & UART_LSR_DR, 0);
	i = RD(UART_RBR);                    /* empty: last byte stays in RBR */
	assert_int_equal(i, in[299]);
}

static void test_rx_queue_overflow(void **state)
{
	static uint8_t in[UART_RXQ_CAP + 100];
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(in); k++)
		in[k] = (uint8_t)k;
	assert_int_equal(uart_rx_push(&U, in, 100), 100);
	assert_int_equal(uart_rx_push(&U, in + 100, sizeof(in) - 100), UART_RXQ_CAP - 100);
	assert_int_equal(uart_rx_push(&U, in, 1), 0);              /* full */
	assert_int_equal(RD(UART_LSR) & UART_LSR_OE, 0);           /* host waits, no loss */
	assert_int_equal(RD(UART_RBR), 0);
	assert_int_equal(uart_rx_push(&U, in + UART_RXQ_CAP, 5), 1); /* one slot free */
	for (k = 1; k <= UART_RXQ_CAP; k++)                           /* wrapped order */
		assert_int_equal(RD(UART_RBR), (uint8_t)k);
	assert_int_equal(RD(UART_LSR) & UART_LSR_DR, 0);
}

static void test_iir_priority(void **state)
{
	uint8_t b = 'x';

	(void)state;
	WR(UART_MCR, UART_MCR_OUT2);
	RD(UART_MSR);
	WR(UART_IER, 0x0f);                       /* all sources */
	/* enabling THRE with THR empty raises it */
	assert_int_equal(RD(UART_IIR), UART_IIR_THRE);
	assert_int_equal(RD(UART_IIR), UART_IIR_NONE);   /* IIR read cleared it */
	assert_int_equal(irq_level, 0);
	WR(UART_THR, 'a');
	assert_int_equal(irq_level, 1);
	assert_int_equal(RD(UART_IIR), UART_IIR_THRE);
	assert_int_equal(irq_level, 0);
	/* received data beats THRE */
	WR(UART_THR, 'b');
	uart_rx_push(&U, &b, 1);
	assert_int_equal(RD(UART_IIR), UART_IIR_RDA);
	assert_int_equal(RD(UART_RBR), 'x');
	assert_int_equal(RD(UART_IIR), UART_IIR_THRE);   /* next in line */
	/* line status (overrun in loopback) beats received data */
	WR(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	RD(UART_MSR);
	WR(UART_THR, '1');
	WR(UART_THR, '2');                       /* non-FIFO: 1-byte RBR overruns */
	assert_int_equal(RD(UART_IIR), UART_IIR_RLS);
	assert_int_equal(RD(UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE | UART_LSR_DR);
	assert_int_equal(RD(UART_LSR) & UART_LSR_OE, 0);  /* LSR read clears OE */
	assert_int_equal(RD(UART_IIR), UART_IIR_RDA);
	assert_int_equal(RD(UART_RBR), '1');
	assert_int_equal(RD(UART_IIR), UART_IIR_THRE);
	assert_int_equal(RD(UART_IIR), UART_IIR_NONE);
	/* modem status is lowest: toggle RTS in loopback */
	WR(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	assert_int_equal(RD(UART_IIR), UART_IIR_MS);
	assert_int_equal(RD(UART_MSR) & 0x0f, UART_MSR_DCTS);
	assert_int_equal(RD(UART_IIR), UART_IIR_NONE);
	/* with interrupts disabled nothing is reported */
	WR(UART_IER, 0);
	WR(UART_THR, '3');
	assert_int_equal(RD(UART_IIR), UART_IIR_NONE);
}

static void test_irq_gated_by_out2(void **state)
{
	uint8_t b = 'q';

	(void)state;
	WR(UART_IER, UART_IER_RDA);
	uart_rx_push(&U, &b, 1);
	assert_int_equal(RD(UART_IIR), UART_IIR_RDA);
	assert_int_equal(irq_level, 0);          /* OUT2 off: line held low */
	WR(UART_MCR, UART_MCR_OUT2);
	assert_int_equal(irq_level, 1);
	RD(UART_RBR);
	assert_int_equal(irq_level, 0);
	assert_int_equal(irq_calls, 2);
}

static void test_loopback(void **state)
{
	uint8_t b = 'h';

	(void)state;
	WR(UART_MCR, UART_MCR_LOOP);
	RD(UART_MSR);                            /* clear deltas of CTS DSR DCD dropping */
	assert_int_equal(RD(UART_MSR), 0x00);
	WR(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1 |
		     UART_MCR_OUT2);
	assert_int_equal(RD(UART_MSR), 0xf0 | UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	assert_int_equal(RD(UART_MSR), 0xf0);
	WR(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(RD(UART_MSR), 0xb0 | UART_MSR_TERI);   /* RI trailing edge */
	WR(UART_THR, 0x55);
	assert_int_equal(ntx, 0);                /* nothing left the chip */
	assert_int_equal(RD(UART_LSR) & 0x61, 0x61);
	assert_int_equal(RD(UART_RBR), 0x55);
	assert_int_equal(uart_rx_push(&U, &b, 1), 0);   /* SIN disconnected */
	/* FIFO mode: 16 bytes looped back, the 17th overruns */
	WR(UART_FCR, UART_FCR_ENABLE | 0xc0);
	for (int i = 0; i < 17; i++)
		WR(UART_THR, (uint8_t)('a' + i));
	assert_int_equal(RD(UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE | UART_LSR_DR);
	for (int i = 0; i < 16; i++)
		assert_int_equal(RD(UART_RBR), 'a' + i);
	assert_int_equal(RD(UART_LSR) & UART_LSR_DR, 0);
	WR(UART_MCR, 0);
	assert_int_equal(RD(UART_MSR) & 0xf0, 0xb0);
	WR(UART_THR, 'z');
	assert_int_equal(ntx, 1);
	assert_int_equal(txbuf[0], 'z');
}

static void test_fifo_mode(void **state)
{
	uint8_t in[20];

	(void)state;
	memset(in, 'k', sizeof(in));
	WR(UART_IER, UART_IER_RDA);
	WR(UART_FCR, UART_FCR_ENABLE | 0x80);     /* trigger level 8 */
	assert_int_equal(RD(UART_IIR), 0xc1);     /* FIFO bits, none pending */
	uart_rx_push(&U, in, 3);
	assert_int_equal(RD(UART_IIR), 0xc0 | UART_IIR_CTI);   /* below trigger */
	uart_rx_push(&U, in, 5);
	assert_int_equal(RD(UART_IIR), 0xc0 | UART_IIR_RDA);   /* at trigger */
	WR(UART_FCR, UART_FCR_ENABLE | 0x80 | UART_FCR_CLR_RX);
	assert_int_equal(RD(UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(RD(UART_IIR), 0xc1);
	uart_rx_push(&U, in, 2);
	WR(UART_FCR, 0);                          /* FIFO off clears it, IIR 7:6 = 0 */
	assert_int_equal(RD(UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(RD(UART_IIR), 0x01);
	uart_rx_push(&U, in, 1);
	assert_int_equal(RD(UART_IIR), UART_IIR_RDA);
}

static void test_null_ops(void **state)
{
	(void)state;
	uart_init(&U, NULL, NULL);
	WR(UART_MCR, UART_MCR_OUT2);
	WR(UART_IER, UART_IER_THRE);
	WR(UART_THR, 'x');                        /* no crash without ops */
	assert_int_equal(RD(UART_IIR), UART_IIR_THRE);
}

/* Random register traffic: IIR is always a legal code, THRE/TEMT stay set. */
static void test_random_traffic(void **state)
{
	static const uint8_t legal[] = { 0x01, 0x06, 0x04, 0x0c, 0x02, 0x00 };
	unsigned seed = 12345, i, k, off;
	uint8_t v, iir;

	(void)state;
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		off = (seed >> 16) & 7;
		v = (uint8_t)(seed >> 8);
		if ((seed >> 28) & 1) {
			uart_io_write(&U, off, v);
		} else if ((seed >> 29) == 7) {
			uart_rx_push(&U, &v, 1);
		} else {
			uart_io_read(&U, off);
		}
		iir = uart_io_read(&U, UART_IIR);
		for (k = 0; k < sizeof(legal) && legal[k] != (iir & 0x0f); k++)
			;
		assert_true(k < sizeof(legal));
		assert_int_equal(iir & 0x30, 0);
		assert_int_equal(uart_io_read(&U, UART_LSR) & 0x60, 0x60);
		assert_true(U.rx_count <= UART_RXQ_CAP);
		assert_int_equal(irq_level, U.irq_level);
	}
	assert_true(ntx > 0);
	ntx = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_state, setup),
		cmocka_unit_test_setup(test_transmit, setup),
		cmocka_unit_test_setup(test_dlab, setup),
		cmocka_unit_test_setup(test_receive_order_and_dr, setup),
		cmocka_unit_test_setup(test_rx_queue_overflow, setup),
		cmocka_unit_test_setup(test_iir_priority, setup),
		cmocka_unit_test_setup(test_irq_gated_by_out2, setup),
		cmocka_unit_test_setup(test_loopback, setup),
		cmocka_unit_test_setup(test_fifo_mode, setup),
		cmocka_unit_test_setup(test_null_ops, setup),
		cmocka_unit_test_setup(test_random_traffic, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
