/*
 * COM1 on the parent: the 16550's receive interrupt (IER bit 0, routed to
 * IRQ 4 only when MCR.OUT2 is set) fills a ring; transmit is polled.
 * Built with -mgeneral-regs-only (runs in interrupt context).
 */
#include "serial.h"
#include "partition/arch/cpu.h"

#define COM1 0x3f8
#define RX_RING 4096

static volatile uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head, rx_tail;

static void serial_isr(void)
{
	/* LSR bit 0: data ready. Drain the FIFO. */
	while (pio_inb(COM1 + 5) & 1) {
		uint8_t c = pio_inb(COM1);

		if (rx_head - rx_tail >= RX_RING)
			continue;   /* ring full: the byte is lost, as on a UART overrun */
		rx_ring[rx_head % RX_RING] = c;
		rx_head++;
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
	pio_outb(COM1 + 2, 0xc7);     /* FIFO on, cleared, 14-byte trigger */
	pio_outb(COM1 + 4, 0x0b);     /* DTR, RTS, OUT2 */
	irq_register(4, serial_isr);
	pio_outb(COM1 + 1, 0x01);     /* receive-data interrupt */
	serial_isr();
}

static void serial_putc(char c)
{
	while (!(pio_inb(COM1 + 5) & 0x20))
		__asm__ volatile("pause");
	pio_outb(COM1, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

void serial_write_raw(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}

void serial_puts_raw(const char *s)
{
	while (*s)
		serial_putc(*s++);
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
	}
	__asm__ volatile("sti" ::: "memory");
	return c;
}

int serial_rx_pending(void)
{
	return rx_tail != rx_head;
}
