/*
 * COM1 on the parent: the 16550's receive interrupt (IER bit 0, routed to
 * IRQ 4 only when MCR.OUT2 is set) fills a ring; transmit is polled.
 * Receive never waits for the console: the handler empties the UART's
 * FIFO into the ring whatever the parent was doing, and the FIFO raises
 * its interrupt at the first byte, leaving 15 character times (1.3 ms at
 * 115200 baud) before it overruns. Built with -mgeneral-regs-only (runs
 * in interrupt context).
 */
#include "serial.h"
#include "partition/arch/cpu.h"
#include "lib/uart.h"

#define COM1 0x3f8
#define RX_RING 4096
#define LSR_DR 0x01   /* data ready (PC16550D datasheet, LSR bit 0) */
#define LSR_OE 0x02   /* overrun: a byte was lost in the UART (bit 1) */
#define CTRL_C 3

static volatile uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head, rx_tail;
static volatile uint32_t rx_interrupts;   /* Ctrl-C bytes not yet taken */
static volatile bool rx_arrived;
static struct serial_stats stats;

static void rx_store(uint8_t c)
{
	stats.rx_bytes++;
	if (rx_head - rx_tail >= RX_RING) {
		stats.rx_dropped++;   /* ring full: lost, as on a UART overrun */
		return;
	}
	rx_ring[rx_head % RX_RING] = c;
	rx_head++;
	rx_arrived = true;
	if (c == CTRL_C)
		rx_interrupts++;
}

static void serial_isr(void)
{
	uint8_t lsr;

	/* Reading LSR clears OE; each set OE means bytes the UART dropped. */
	while ((lsr = pio_inb(COM1 + 5)) & (LSR_DR | LSR_OE)) {
		if (lsr & LSR_OE)
			stats.rx_overruns++;
		if (lsr & LSR_DR)
			rx_store(pio_inb(COM1));
		else
			break;
	}
}

void serial_setup(void)
{
	/* Let hv's last log bytes leave the transmitter first: resetting the
	 * FIFO below would drop them (LSR bit 6, transmitter empty). */
	for (int i = 0; i < 1000000 && !(pio_inb(COM1 + 5) & 0x40); i++)
		__asm__ volatile("pause");
	pio_outb(COM1 + 1, 0x00);
	pio_outb(COM1 + 3, 0x80);     /* DLAB: 115200 baud */
	pio_outb(COM1 + 0, 0x01);
	pio_outb(COM1 + 1, 0x00);
	pio_outb(COM1 + 3, 0x03);     /* 8N1 */
	pio_outb(COM1 + 2, 0x07);     /* FIFO on, cleared, 1-byte trigger */
	pio_outb(COM1 + 4, 0x0b);     /* DTR, RTS, OUT2 */
	irq_register(4, serial_isr);
	pio_outb(COM1 + 1, 0x01);     /* receive-data interrupt */
	serial_isr();
}

void serial_write(const char *s, size_t n)
{
	uart_write_crlf(COM1, s, n, 0);
}

void serial_write_raw(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		uart_putc(COM1, s[i], 0);
}

void serial_puts_raw(const char *s)
{
	while (*s)
		uart_putc(COM1, *s++, 0);
}

int serial_getc(void)
{
	int c;

	__asm__ volatile("cli" ::: "memory");
	if (rx_tail == rx_head) {
		c = -1;
	} else {
		c = rx_ring[rx_tail % RX_RING];
		rx_tail++;
		if (c == CTRL_C && rx_interrupts)
			rx_interrupts--;
	}
	__asm__ volatile("sti" ::: "memory");
	return c;
}

bool serial_take_arrival(void)
{
	bool was = rx_arrived;

	rx_arrived = false;
	return was;
}

/* Ctrl-C interrupts the command that runs, and the input typed before it
 * goes too (as a terminal's line discipline flushes its queue on an
 * interrupt character); input typed after it stays for the console. */
bool serial_take_interrupt(void)
{
	bool found = false;

	__asm__ volatile("cli" ::: "memory");
	if (rx_interrupts) {
		while (rx_tail != rx_head && rx_interrupts) {
			if (rx_ring[rx_tail % RX_RING] == CTRL_C)
				rx_interrupts--;
			rx_tail++;
		}
		found = true;
	}
	__asm__ volatile("sti" ::: "memory");
	return found;
}

void serial_get_stats(struct serial_stats *out)
{
	__asm__ volatile("cli" ::: "memory");
	*out = stats;
	__asm__ volatile("sti" ::: "memory");
}
