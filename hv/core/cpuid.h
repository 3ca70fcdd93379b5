/* The CPUID values a vCPU sees (hv/core/cpuid.c), for hv code that must
 * agree with them (the page walk's MAXPHYADDR and 1 GiB pages). */
#ifndef HV_CORE_CPUID_H
#define HV_CORE_CPUID_H
#include <stdbool.h>
#include <stdint.h>
#include <hv/vcpu.h>

void cpuid_guest_leaf(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4]);
/* Whether children see an AMD CPU (leaf 0's vendor is the host's): AMD's
 * own MSRs exist for them only then. */
bool cpuid_vendor_amd(void);
/* Whether hv itself runs under QEMU's TCG, whose flaws hv works around
 * (docs/ARCHITECTURE.md, "The SVM backend"). */
bool cpuid_host_is_qemu_tcg(void);
#endif
