/*
 * 16550 transmit by polling, the one copy for hv's log and the parent's
 * console (PC16550D datasheet: LSR bit 5, THRE, says the transmit holding
 * register can take a byte). Header-only; general-purpose registers only,
 * so it is safe in hv and in the parent's interrupt code.
 */
#ifndef LIB_UART_H
#define LIB_UART_H
#include <stddef.h>
#include <stdint.h>
#include "lib/pio.h"

#define UART_LSR      5
#define UART_LSR_THRE 0x20

/* Waits for THRE, at most max_spins polls when max_spins is not 0 (hv must
 * not hang on a missing UART), then sends c. */
static inline void uart_putc(uint16_t base, char c, unsigned max_spins)
{
	for (unsigned i = 0; !(pio_inb(base + UART_LSR) & UART_LSR_THRE); i++) {
		if (max_spins && i >= max_spins)
			break;
		__asm__ volatile("pause");
	}
	pio_outb(base, (uint8_t)c);
}

/* Sends n bytes, each "\n" as "\r\n" (a terminal's new line). */
static inline void uart_write_crlf(uint16_t base, const char *s, size_t n, unsigned max_spins)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(base, '\r', max_spins);
		uart_putc(base, s[i], max_spins);
	}
}
#endif
