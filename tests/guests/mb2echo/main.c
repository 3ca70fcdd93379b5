/*
 * mb2echo: a tiny Multiboot2 kernel that exercises the system-test harness.
 * Prints "mb2echo ready" on COM1, echoes every received line as
 * "echo: LINE", and powers the machine off on the line "quit".
 */
#include <stdint.h>
#include "lib/pio.h"

#define COM1 0x3f8
#define MB2_BOOT_MAGIC 0x36d76289u
#define LINE_MAX 256

void mb2echo_main(uint32_t magic, uint32_t info);

static void uart_init(void)
{
	pio_outb(COM1 + 1, 0x00);	/* no interrupts */
	pio_outb(COM1 + 3, 0x80);	/* DLAB */
	pio_outb(COM1 + 0, 0x01);	/* 115200 baud */
	pio_outb(COM1 + 1, 0x00);
	pio_outb(COM1 + 3, 0x03);	/* 8N1 */
	pio_outb(COM1 + 2, 0xc7);	/* FIFO on, cleared, 14-byte threshold */
	pio_outb(COM1 + 4, 0x03);	/* DTR, RTS */
}

static void putc_serial(char c)
{
	while (!(pio_inb(COM1 + 5) & 0x20))
		;
	pio_outb(COM1, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_serial('\r');
		putc_serial(*s);
	}
}

static char getc_serial(void)
{
	while (!(pio_inb(COM1 + 5) & 0x01))
		__asm__ volatile("pause");
	return (char)pio_inb(COM1);
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static void power_off(void)
{
	const char *s = "Shutdown";

	puts_serial("mb2echo bye\n");
	while (!(pio_inb(COM1 + 5) & 0x40))	/* transmitter empty */
		;
	for (; *s; s++)			/* Bochs: shutdown port */
		pio_outb(0x8900, (uint8_t)*s);
	pio_outw(0x604, 0x2000);		/* QEMU i440fx/PIIX4 ACPI: S5 */
	pio_outl(0xf4, 0);			/* QEMU isa-debug-exit */
	for (;;)
		__asm__ volatile("cli; hlt");
}

void mb2echo_main(uint32_t magic, uint32_t info)
{
	static char line[LINE_MAX];
	unsigned len = 0;
	char prev = 0;

	(void)info;
	uart_init();
	if (magic != MB2_BOOT_MAGIC)
		puts_serial("mb2echo: bad boot magic\n");
	puts_serial("mb2echo ready\n");
	for (;;) {
		char c = getc_serial();

		if (c == '\n' && prev == '\r') {	/* CR LF counts once */
			prev = c;
			continue;
		}
		prev = c;
		if (c == '\r' || c == '\n') {
			line[len] = 0;
			if (streq(line, "quit"))
				power_off();
			puts_serial("echo: ");
			puts_serial(line);
			puts_serial("\n");
			len = 0;
		} else if (len < LINE_MAX - 1) {
			line[len++] = c;
		}
	}
}
