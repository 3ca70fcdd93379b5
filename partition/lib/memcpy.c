/*
 * The parent's memcpy, in place of newlib's x86-64 one (a loop of 8-byte
 * moves, 128 bytes an iteration): REP MOVSQ for the quadwords, then REP
 * MOVSB for the 0-7 bytes left, as Linux's x86-64 memcpy does on CPUs
 * with fast strings (arch/x86/lib/memcpy_64.S, the REP_GOOD variant).
 * Processors since the P6 move a string a cache line or more per step
 * (Intel 64 and IA-32 Optimization Reference Manual, "Fast String
 * Operation" and "Enhanced REP MOVSB and STOSB"), and an emulator that
 * counts instructions counts one per element: the VSPs' copies of frames
 * and sectors into a child's buffers are most of the parent's work there
 * (docs/benchmarks.md, child to child frames). Small copies of a known
 * size never get here: GCC expands them in place (-fbuiltin, Makefile).
 *
 * Only general registers, so interrupt-context code may call it too; the
 * direction flag is clear at every call (System V ABI, AMD64 supplement
 * §3.2.1), so the strings run upwards.
 */
#include <stddef.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;
	size_t q = n >> 3, b = n & 7;

	__asm__ volatile("rep movsq\n\t"
			 "movq %[b], %%rcx\n\t"
			 "rep movsb"
			 : "+D"(d), "+S"(src), "+c"(q)
			 : [b] "r"(b)
			 : "memory");
	return dst;
}
