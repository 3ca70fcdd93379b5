/* hv's own descriptor tables (SDM Vol. 3A §3.4.5, §7.2.3 64-bit TSS, §6.14). */
#ifndef HV_X86_CPU_H
#define HV_X86_CPU_H
#include <stdbool.h>
#include <stdint.h>

#define HV_SEL_CODE 0x08
#define HV_SEL_DATA 0x10
#define HV_SEL_TSS 0x18

/* 64-bit TSS (SDM Vol. 3A Figure 8-11). */
struct tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");

/* Interrupt gate in 64-bit mode (SDM Vol. 3A Figure 6-8). */
struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t rsvd;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct desc_ptr) == 10, "descriptor pointer is 10 bytes");

/* Registers pushed by the exception stubs (entry.S), lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame layout matches entry.S");

uint64_t cpu_gdt_base(void);
uint64_t cpu_idt_base(void);
uint64_t cpu_tss_base(void);
void cpu_handle_trap(struct trap_frame *tf);
/* One pending physical interrupt accepted in hv: its vector, or -1 (a
 * kick, HV_KICK_VECTOR, is EOIed and passed over). */
int x86_take_interrupt(void);
/* The fixed IPI one CPU sends another to make it look again
 * (hv/core/smp_run.c): above the parent's and SVM's timer vectors. */
#define HV_KICK_VECTOR 0xf2
/* End of interrupt at this CPU's LAPIC (xAPIC or x2APIC, smp.c). */
void x86_lapic_eoi(void);
int x86_wait_interrupt(void);
/* A kick to this CPU itself (smp.c), pending until hv opens interrupts
 * or a guest entered with physical interrupts intercepted exits on it. */
void x86_kick_self(void);
/* One pending interrupt accepted with every LAPIC vector below
 * HV_KICK_VECTOR's priority class held back (cpu.c): HV_KICK_VECTOR (a
 * kick, EOIed), another vector the TPR does not hold (the 8259's), or
 * -1 if none came. */
int x86_take_kick(void);
/* hv's LAPIC timer (lapic_timer.c), both backends: set up on the boot
 * CPU with the backend's vector (NULL, or why there is none) and on each
 * AP; armed for a TSC value or disarmed (0); whether its vector waits in
 * the IRR; an AP's HLT until due (false without a timer). */
const char *x86_timer_init(uint32_t vector);
void x86_timer_init_ap(void);
bool x86_timer_ok(void);
void x86_timer_write(uint64_t deadline);
bool x86_timer_pending(void);
bool x86_timer_wait_until(uint64_t due);
bool x86_timer_idle(uint64_t due, int own, int *vec);
#endif
