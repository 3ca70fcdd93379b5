/*
 * COM1 console: a 16550A at 0x3f8, polled (docs/child-platform.md).
 * Register layout per the National Semiconductor PC16550D datasheet:
 * +0 THR/DLL, +1 IER/DLM, +2 FCR, +3 LCR, +4 MCR, +5 LSR (bit 5 THRE).
 */
#include <stdarg.h>
#include "guest.h"

#define COM1 0x3f8
#define LSR_THRE 0x20

void guest_init_console(void)
{
	pio_outb(COM1 + 1, 0x00);	/* IER: no interrupts */
	pio_outb(COM1 + 3, 0x80);	/* LCR: DLAB to reach the divisor */
	pio_outb(COM1 + 0, 0x01);	/* divisor 1: 115200 baud */
	pio_outb(COM1 + 1, 0x00);
	pio_outb(COM1 + 3, 0x03);	/* 8 data bits, no parity, 1 stop */
	pio_outb(COM1 + 2, 0xc7);	/* FCR: FIFOs on and cleared */
	pio_outb(COM1 + 4, 0x03);	/* MCR: DTR, RTS */
}

void guest_putc(char c)
{
	uint32_t spins = 0;

	/* Bounded wait: a UART that never reports THRE must not hang us. */
	while (!(pio_inb(COM1 + 5) & LSR_THRE) && ++spins < 100000)
		;
	pio_outb(COM1, (uint8_t)c);
}

void guest_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			guest_putc('\r');
		guest_putc(*s);
	}
}

/*
 * v / 10 without libgcc: two 64-by-32 DIVs, the first remainder (< 10)
 * feeding EDX of the second so the quotient fits (SDM Vol. 2A "DIV").
 */
static uint32_t divmod10(uint64_t *v)
{
	uint32_t hi = (uint32_t)(*v >> 32), lo = (uint32_t)*v;
	uint32_t qhi = hi / 10, r = hi % 10, qlo;

	__asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "r"(10u));
	*v = ((uint64_t)qhi << 32) | qlo;
	return r;
}

static void put_unsigned(uint64_t v, unsigned base)
{
	char buf[24];
	int i = 0;

	do {
		unsigned d;
		if (base == 16) {
			d = (unsigned)(v & 15);
			v >>= 4;
		} else
			d = divmod10(&v);
		buf[i++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
	} while (v);
	while (i--)
		guest_putc(buf[i]);
}

static void put_conv(char conv, int is_long, va_list *ap)
{
	uint64_t v;

	if (conv == 's') {
		const char *s = va_arg(*ap, const char *);
		guest_puts(s ? s : "(null)");
		return;
	}
	if (conv == 'c') {
		guest_putc((char)va_arg(*ap, int));
		return;
	}
	if (conv == 'd') {
		int64_t sv = is_long ? va_arg(*ap, int64_t) : va_arg(*ap, int32_t);
		if (sv < 0) {
			guest_putc('-');
			sv = -sv;
		}
		put_unsigned((uint64_t)sv, 10);
		return;
	}
	v = is_long ? va_arg(*ap, uint64_t) : va_arg(*ap, uint32_t);
	put_unsigned(v, conv == 'x' ? 16 : 10);
}

/* %s %c %d %u %x, and %lld %llu %llx for 64-bit values. */
void guest_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		int is_long = 0;

		if (*fmt != '%') {
			if (*fmt == '\n')
				guest_putc('\r');
			guest_putc(*fmt);
			continue;
		}
		while (fmt[1] == 'l') {
			is_long = 1;
			fmt++;
		}
		fmt++;
		if (!*fmt)
			break;
		if (*fmt == '%')
			guest_putc('%');
		else
			put_conv(*fmt, is_long, &ap);
	}
	va_end(ap);
}
