/*
 * mb2echo: a tiny Multiboot2 kernel that exercises the system-test harness.
 * Prints "mb2echo ready" on COM1, echoes every received line as
 * "echo: LINE", and powers the machine off on the line "quit".
 */
#include <stdint.h>

#define COM1 0x3f8
#define MB2_BOOT_MAGIC 0x36d76289u
#define LINE_MAX 256

void mb2echo_main(uint32_t magic, uint32_t info);

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void uart_init(void)
{
	outb(COM1 + 1, 0x00);	/* no interrupts */
	outb(COM1 + 3, 0x80);	/* DLAB */
	outb(COM1 + 0, 0x01);	/* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);	/* 8N1 */
	outb(COM1 + 2, 0xc7);	/* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + 4, 0x03);	/* DTR, RTS */
}

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
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
	while (!(inb(COM1 + 5) & 0x01))
		__asm__ volatile("pause");
	return (char)inb(COM1);
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
	while (!(inb(COM1 + 5) & 0x40))	/* transmitter empty */
		;
	for (; *s; s++)			/* Bochs: shutdown port */
		outb(0x8900, (uint8_t)*s);
	outw(0x604, 0x2000);		/* QEMU i440fx/PIIX4 ACPI: S5 */
	outl(0xf4, 0);			/* QEMU isa-debug-exit */
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
