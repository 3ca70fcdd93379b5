/* COM1 (16550) for the parent: interrupt-driven receive, polled send. */
#ifndef PARENT_SERIAL_H
#define PARENT_SERIAL_H
#include <stddef.h>
#include <stdint.h>

void serial_setup(void);
void serial_write(const char *s, size_t n);     /* "\n" becomes "\r\n" */
void serial_write_raw(const char *s, size_t n); /* bytes as they are */
void serial_puts_raw(const char *s);            /* safe from interrupt context */
/* Next received byte, or -1 if none is waiting. */
int serial_getc(void);
int serial_rx_pending(void);
#endif
