/*
 * x86 port I/O (SDM Vol. 2A "IN", "INS"; Vol. 2B "OUT", "OUTS"): the one
 * copy of these wrappers, for hv, the parent and the test guests (32- and
 * 64-bit). Header-only; general-purpose registers only, so it is safe in
 * hv and in the parent's interrupt code.
 */
#ifndef LIB_PIO_H
#define LIB_PIO_H
#include <stddef.h>
#include <stdint.h>

static inline void pio_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void pio_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void pio_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t pio_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t pio_inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t pio_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* IN or OUT of 1, 2 or 4 bytes, the size an I/O exit names. */
static inline uint32_t pio_in(uint16_t port, unsigned size)
{
	return size == 1 ? pio_inb(port) : size == 2 ? pio_inw(port) : pio_inl(port);
}

static inline void pio_out(uint16_t port, unsigned size, uint32_t v)
{
	if (size == 1)
		pio_outb(port, (uint8_t)v);
	else if (size == 2)
		pio_outw(port, (uint16_t)v);
	else
		pio_outl(port, v);
}

/* words 16-bit reads from one port into buf (REP INSW; DF is clear in
 * every caller, as the System V ABI guarantees at a call). */
static inline void pio_insw(uint16_t port, void *buf, size_t words)
{
	__asm__ volatile("rep insw" : "+D"(buf), "+c"(words) : "d"(port) : "memory");
}

static inline void pio_outsw(uint16_t port, const void *buf, size_t words)
{
	__asm__ volatile("rep outsw" : "+S"(buf), "+c"(words) : "d"(port) : "memory");
}
#endif
