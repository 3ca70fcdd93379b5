/* hv on every processor (hv/core/smp.c). */
#ifndef HV_CORE_SMP_H
#define HV_CORE_SMP_H
#include <stdint.h>
#include <hv/boot/mb2.h>

/* struct percpu's online: what an AP reported. */
#define SMP_AP_ONLINE 1u
#define SMP_AP_FAILED 2u

struct percpu;
/* The boot CPU's APIC id (CPUID). */
uint32_t smp_boot_apic_id(void);
/* Starts every other processor the MADT lists (boot CPU, before the
 * parent runs). */
void smp_boot(const struct mb2_info *mbi);
/* On an AP, from arch_cpu_start_ap's trampoline: enable, report, park. */
void smp_ap_main(struct percpu *pc);
/* Processors the firmware lists (1 without a MADT). */
uint32_t smp_cpus_listed(void);
#endif
