/* hostile: the parts of the misbehaving guest, one per mode. */
#ifndef HOSTILE_H
#define HOSTILE_H
#include <stdint.h>

void hostile_run_own(void);		/* returns only on success */
void hostile_sweep(void) __attribute__((noreturn));
void hostile_exec_addr(uint32_t addr) __attribute__((noreturn));
void hostile_run_calls(void) __attribute__((noreturn));
void hostile_touch_addr(int write, uint32_t addr) __attribute__((noreturn));

/* Physical accesses the compiler may not elide or reorder; paging is
 * off, so a linear address is a physical address (SDM Vol. 3A §3.1). */
static inline uint32_t hostile_read32(uint32_t addr)
{
	uint32_t v;
	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}
static inline void hostile_write32(uint32_t addr, uint32_t v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}
#endif
