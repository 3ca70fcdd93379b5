/*
 * Architectural MSRs hv emulates for children, and the ones it switches
 * between vCPUs in software (hv/core/msr.c, hv/core/mtrr.c).
 */
#ifndef HV_CORE_MSR_H
#define HV_CORE_MSR_H
#include <stdbool.h>
#include <stdint.h>
#include <hv/vcpu.h>

#define MSR_IA32_TSC            0x10
#define MSR_IA32_TSC_ADJUST     0x3b
#define MSR_IA32_BIOS_UPDT_TRIG 0x79
#define MSR_IA32_BIOS_SIGN_ID   0x8b
#define MSR_IA32_MTRRCAP        0xfe
#define MSR_IA32_MCG_CAP        0x179
#define MSR_IA32_MCG_STATUS     0x17a
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_IA32_MTRR_PHYSBASE0 0x200
#define MSR_IA32_MTRR_FIX64K    0x250
#define MSR_IA32_MTRR_FIX16K_80 0x258
#define MSR_IA32_MTRR_FIX16K_A0 0x259
#define MSR_IA32_MTRR_FIX4K_C0  0x268
#define MSR_IA32_MTRR_FIX4K_F8  0x26f
#define MSR_IA32_MTRR_DEF_TYPE  0x2ff
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SFMASK              0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_TSC_AUX             0xc0000103
#define MSR_AMD64_SYSCFG        0xc0010010
#define MSR_K8_INT_PENDING      0xc0010055

/* MISC_ENABLE bit 22: CPUID leaf 0 reports at most 2 (SDM Vol. 4
 * Table 2-2). */
bool msr_cpuid_limited(const struct vcpu *v);
/* A new vCPU's emulated MSRs at their reset (or, for MTRRs and
 * MISC_ENABLE, firmware-set) values. */
void msr_vcpu_reset(struct vcpu *v);
/* Make v's software-switched MSRs the CPU's before v enters (inline:
 * every entry checks, few switch). */
void msr_switch(struct vcpu *v);
void msr_release(struct vcpu *v);
static inline void msr_load(struct vcpu *v)
{
	if (this_cpu()->msr_owner != v)
		msr_switch(v);
}

/* Would WRMSR take val for msr (Vol. 2B WRMSR #GP)? For the MSRs a
 * backend keeps in its guest state (PAT, SYSENTER, LSTAR, KERNEL_GS_BASE)
 * when it traps their writes instead of trusting the CPU's own check;
 * true for any other MSR. */
bool msr_value_valid(uint32_t msr, uint64_t val);

/* MTRRs (hv/core/mtrr.c): 0 and *val, or -1 for #GP. */
int mtrr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int mtrr_write(struct vcpu *v, uint32_t msr, uint64_t val);
void mtrr_reset(struct vcpu *v);
/* A vCPU context's MSRs that msr.c and mtrr.c keep (hv/core/vpctx.c):
 * out, checked as WRMSR would (0 or -EINVAL; v is untouched), in. */
void msr_ctx_get(const struct vcpu *v, struct hvpart_vp_msrs *m);
int msr_ctx_check(const struct vcpu *v, const struct hvpart_vp_msrs *m);
void msr_ctx_set(struct vcpu *v, const struct hvpart_vp_msrs *m);
#endif
