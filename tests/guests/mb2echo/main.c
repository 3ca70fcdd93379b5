/*
 * mb2echo: a tiny Multiboot2 kernel that exercises the system-test harness.
 * Prints "mb2echo ready" on COM1, echoes every received line as
 * "echo: LINE", and powers the machine off on the line "quit".
 * Between received bytes it halts until COM1's receive interrupt (IRQ 4
 * through the 8259 pair), as an idle kernel does, so beside other guests
 * it takes no CPU while it waits.
 */
#include <stdint.h>
#include "lib/pio.h"

#define COM1 0x3f8
#define MB2_BOOT_MAGIC 0x36d76289u
#define LINE_MAX 256

void mb2echo_main(uint32_t magic, uint32_t info);
void mb2echo_isr(void);

/* A 32-bit interrupt gate (SDM Vol. 3A §6.11, Figure 6-2). */
struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));
_Static_assert(sizeof(struct gate) == 8, "gate");

static struct gate idt[256] __attribute__((aligned(8)));

static void idt_init(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) d = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
	uint32_t isr = (uint32_t)(uintptr_t)mb2echo_isr;

	for (unsigned i = 0; i < 256; i++)
		idt[i] = (struct gate){ (uint16_t)isr, 0x08, 0, 0x8e, (uint16_t)(isr >> 16) };
	__asm__ volatile("lidt %0" : : "m"(d));
}

/* The 8259 pair at vectors 0x20 and 0x28 (ICW1-ICW4, 8259A data sheet),
 * only IRQ 4 (COM1) unmasked. */
static void pic_init(void)
{
	static const uint8_t icw[2][4] = { { 0x11, 0x20, 0x04, 0x01 }, { 0x11, 0x28, 0x02, 0x01 } };
	static const uint16_t base[2] = { 0x20, 0xa0 };

	for (unsigned c = 0; c < 2; c++) {
		pio_outb(base[c], icw[c][0]);
		for (unsigned i = 1; i < 4; i++)
			pio_outb(base[c] + 1, icw[c][i]);
	}
	pio_outb(0x21, 0xef);
	pio_outb(0xa1, 0xff);
}

static void uart_init(void)
{
	pio_outb(COM1 + 1, 0x00);	/* no interrupts */
	pio_outb(COM1 + 3, 0x80);	/* DLAB */
	pio_outb(COM1 + 0, 0x01);	/* 115200 baud */
	pio_outb(COM1 + 1, 0x00);
	pio_outb(COM1 + 3, 0x03);	/* 8N1 */
	pio_outb(COM1 + 2, 0x07);	/* FIFO on, cleared, 1-byte threshold */
	pio_outb(COM1 + 4, 0x0b);	/* DTR, RTS, OUT2 (gates IRQ 4 on a PC) */
	pio_outb(COM1 + 1, 0x01);	/* IER: received data available */
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

/* STI's interrupt shadow covers the HLT (SDM Vol. 2B, STI), so a byte
 * that arrives after the LSR read still wakes it. */
static char getc_serial(void)
{
	while (!(pio_inb(COM1 + 5) & 0x01))
		__asm__ volatile("sti; hlt; cli" ::: "memory");
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
	idt_init();
	pic_init();
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
