/* The parent's CPU tables, 8259 PIC and interrupt dispatch. */
#ifndef PARENT_CPU_H
#define PARENT_CPU_H
#include <stdint.h>
#include "lib/pio.h"

struct parent_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct parent_frame) == 22 * 8, "frame layout matches start.S");

#define IRQ_BASE 0x20
typedef void (*irq_handler_fn)(void);

void cpu_setup(void);
/* The TSS's linear address (GDT selector 0x18), for the other processors. */
uint64_t cpu_tss_base(void);
void irq_register(int irq, irq_handler_fn fn);   /* also unmasks it */
/* hv's notification (HVPART_NOTIFY_VECTOR, injected): pending? / take it. */
int cpu_notify_pending(void);
int cpu_take_notify(void);
/* Interrupts delivered where RFLAGS.IF was clear, and dropped (cpu.c). */
uint64_t cpu_masked_deliveries(void);
/* Interrupts the 8259 held in service that never reached the parent,
 * recovered by the PIT's watch (cpu.c irq_watch). */
uint64_t cpu_lost_interrupts(void);
/* Fault injection (Debug-VMHost -Action LoseInterrupt): COM1's IRQ 4
 * acknowledged at the 8259 and never handled, as an interrupt lost on its
 * way to the parent; the PIT's watch must recover it. 0, or -EIO when the
 * 8259 gave no IRQ 4. */
int cpu_lose_interrupt(void);
void parent_trap(struct parent_frame *f);
/* Diagnostics (Debug-VMHost): load an empty IDT and fault. */
__attribute__((noreturn)) void cpu_force_triple_fault(void);

static inline uint64_t cpu_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}
#endif
