/*
 * The test guests' runtime: a 32-bit protected-mode kernel booted by a
 * Multiboot v1 or v2 loader on the machine of docs/child-platform.md.
 * The runtime sets up its own GDT and IDT, parses the boot information,
 * then calls the guest's guest_main().
 */
#ifndef GUEST_H
#define GUEST_H
#include <stdint.h>
#include "hw.h"
#include "lib/pio.h"

/* Debug-exit values shared by all guests (QEMU/hvpart exit = v << 1 | 1). */
#define GUEST_EXIT_PASS      0x00
#define GUEST_EXIT_FAIL      0x01
#define GUEST_EXIT_BADBOOT   0x02
#define GUEST_EXIT_EXC_BASE  0x20	/* + vector, unexpected exception */
#define GUEST_EXIT_ISOLATION 0x7f	/* reached memory that is not ours */

/* Provided by each guest. */
void guest_main(void);
/* TSC read by the very first instruction of the kernel (entry.S). */
extern uint64_t guest_entry_tsc;

/* Console (COM1, polled 16550A). */
void guest_init_console(void);
void guest_putc(char c);
void guest_puts(const char *s);
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Debug exit through port 0xf4; never returns. */
void guest_exit(uint32_t v) __attribute__((noreturn));
/* Prints "NAME: PASS" or "NAME: FAIL why" and exits 0 or 1. */
void guest_pass(const char *name) __attribute__((noreturn));
void guest_fail(const char *name, const char *why) __attribute__((noreturn));

/* Boot information, copied out of the loader's structures at entry. */
#define GUEST_MAX_RANGES 32
struct guest_range {
	uint64_t base, length;
};
struct guest_boot {
	uint32_t magic;			/* MB1_BOOT_MAGIC or MB2_BOOT_MAGIC */
	uint32_t info_addr;		/* where the loader put it (EBX) */
	char cmdline[256];
	char loader[64];
	uint32_t mem_lower_kb, mem_upper_kb;
	uint32_t nranges;		/* available RAM only */
	struct guest_range ram[GUEST_MAX_RANGES];
};
extern struct guest_boot guest_boot_info;
void guest_parse_boot(uint32_t magic, uint32_t info);
/* Command line "key=value" words; values decimal or 0x-hex. */
int guest_get_arg(const char *key, char *buf, uint32_t len);
uint32_t guest_get_arg_u32(const char *key, uint32_t dflt);
int guest_test_arg(const char *key, const char *value);

/* Image bounds from the linker script (include .bss and the stack). */
extern char guest_image_start[], guest_image_end[];

/* Interrupts. A handler may change frame->eip to skip an instruction. */
typedef void (*guest_isr_fn)(struct guest_frame *f);
void guest_init_idt(void);
void guest_set_handler(uint8_t vector, guest_isr_fn fn);
void guest_dispatch_vector(struct guest_frame *f);
void guest_load_empty_idt(void);

/* User mode: guest_init_user loads a TSS (once); guest_run_user(fn)
 * runs fn at CPL 3 with interrupts off until an exception ends it, and
 * returns that exception's vector (its error code in guest_user_error).
 * fn never returns normally: it must end with a faulting instruction. */
void guest_init_user(void);
uint32_t guest_run_user(void (*fn)(void));
void guest_user_return(uint32_t vector) __attribute__((noreturn));
extern uint32_t guest_user_error;

/* Local APIC: x2APIC MSRs, or xAPIC MMIO when x2APIC is absent. */
#define APIC_REG_ID      0x02
#define APIC_REG_VERSION 0x03
#define APIC_REG_EOI     0x0b
#define APIC_REG_SVR     0x0f
#define APIC_REG_LVT_TMR 0x32
#define APIC_REG_TMR_ICR 0x38
#define APIC_REG_TMR_CCR 0x39
#define APIC_REG_TMR_DCR 0x3e
int guest_enable_apic(void);		/* 1 = x2APIC, 0 = xAPIC */
uint32_t guest_read_apic(uint32_t reg);
void guest_write_apic(uint32_t reg, uint32_t v);
void guest_signal_eoi(void);
/* Sleeps count APIC timer ticks (one-shot, vector 0x40) in HLT with
 * interrupts on; under a hypervisor other vCPUs run meanwhile. */
void guest_sleep(uint32_t count);

/* Hyper-V interface (TLFS). */
int guest_detect_hv(void);
int guest_init_hv(void);		/* guest OS id + hypercall page */
uint64_t guest_hypercall(uint64_t control, uint64_t in_gpa,
			 uint64_t out_gpa);
extern uint8_t guest_hv_in_page[4096], guest_hv_out_page[4096];
/* Hypercall result value: status in bits 15:0 (TLFS §3.8). */
#define GUEST_HV_STATUS(r) ((uint16_t)((r) & 0xffff))

/* RDMSR/WRMSR returning 0, or -1 where the CPU raised #GP (lib/msr.c);
 * guest_msr_fixup is the dispatcher's hook for that #GP. */
int guest_rdmsr_safe(uint32_t msr, uint64_t *v);
int guest_wrmsr_safe(uint32_t msr, uint64_t v);
int guest_msr_fixup(struct guest_frame *f);

/* CPU helpers. */
static inline uint64_t guest_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void guest_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
}
static inline uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline void guest_cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]),
			 "=d"(r[3]) : "a"(leaf), "c"(0));
}
static inline void guest_sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void guest_cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void guest_pause(void) { __asm__ volatile("pause"); }

/* Small string helpers (no libc). */
int guest_strcmp(const char *a, const char *b);
uint32_t guest_strlen(const char *s);
int guest_parse_u32(const char *s, uint32_t *out);

#endif
