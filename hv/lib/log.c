/* hv's log: every line goes into a 64 KiB ring the parent can read
 * (Get-VMHostLog) and, depending on level, to COM1. */
#include <hv/lib.h>
#include <lib/pio.h>
#include <lib/uart.h>
#include <string.h>

#define COM1 0x3f8
#define LOG_RING_SIZE (64 * 1024)

static char log_ring[LOG_RING_SIZE];
static uint64_t log_pos;         /* total bytes ever written */
static int log_console_quiet;    /* set once the parent owns COM1 */

void serial_init(void)
{
	/* 8250/16550: 115200 8N1, FIFO on, no interrupts (hv polls). */
	pio_outb(COM1 + 1, 0x00);
	pio_outb(COM1 + 3, 0x80);
	pio_outb(COM1 + 0, 0x01);
	pio_outb(COM1 + 1, 0x00);
	pio_outb(COM1 + 3, 0x03);
	pio_outb(COM1 + 2, 0xc7);
	pio_outb(COM1 + 4, 0x03);
}

void serial_write(const char *s, size_t n)
{
	/* Bounded waits, so a missing UART cannot hang hv. */
	uart_write_crlf(COM1, s, n, 100000);
}

void log_set_console_quiet(int quiet)
{
	log_console_quiet = quiet;
}

void hv_log(int level, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	for (int i = 0; i < n; i++)
		log_ring[(log_pos + i) % LOG_RING_SIZE] = line[i];
	log_pos += n;
	if (!log_console_quiet || level >= LOG_WARN)
		serial_write(line, n);
}

size_t log_read_ring(uint64_t off, char *dst, size_t len, uint64_t *end)
{
	uint64_t first = log_pos > LOG_RING_SIZE ? log_pos - LOG_RING_SIZE : 0;
	size_t n = 0;

	if (off < first)
		off = first;
	for (; off < log_pos && n < len; off++, n++)
		dst[n] = log_ring[off % LOG_RING_SIZE];
	*end = log_pos;
	return n;
}

void hv_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void hv_panic(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	hv_err("hv: PANIC: %s", line);
	hv_halt();
}

void hv_power_off(void)
{
	static const char bochs[] = "Shutdown";

	hv_info("hv: powering off");
	/* QEMU q35/pc and Bochs PIIX4 ACPI PM1a_CNT: SLP_TYP=S5 (5<<10 on
	 * QEMU's DSDT, 0 on Bochs) | SLP_EN (bit 13), ACPI spec §4.8.3.2.1. */
	pio_outw(0x604, 0x2000);
	pio_outw(0xb004, 0x2000);
	/* Bochs's legacy shutdown port (also ends the simulation). */
	for (size_t i = 0; i < sizeof(bochs) - 1; i++)
		pio_outb(0x8900, (uint8_t)bochs[i]);
	/* QEMU isa-debug-exit, when present. */
	pio_outl(0xf4, 0);
	hv_halt();
}
