/* COM1 (16550) for the parent: interrupt-driven receive, polled send. */
#ifndef PARENT_SERIAL_H
#define PARENT_SERIAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Receive counters since boot. */
struct serial_stats {
	uint64_t rx_bytes;      /* taken from the UART */
	uint64_t rx_overruns;   /* times the UART reported lost bytes (LSR.OE) */
	uint64_t rx_dropped;    /* taken but lost because the ring was full */
};

void serial_setup(void);
void serial_write(const char *s, size_t n);     /* "\n" becomes "\r\n" */
void serial_write_raw(const char *s, size_t n); /* bytes as they are */
void serial_puts_raw(const char *s);            /* safe from interrupt context */
/* Next received byte, or -1 if none is waiting. */
int serial_getc(void);
/* Whether a byte arrived since the last call (for waiting in HLT). */
bool serial_take_arrival(void);
/* If Ctrl-C was typed: drop it and the input before it, return true. */
bool serial_take_interrupt(void);
void serial_get_stats(struct serial_stats *out);
#endif
