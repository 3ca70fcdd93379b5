/*
 * A child's MTRRs (SDM Vol. 3A §12.11 "Memory Type Range Registers"):
 * MTRRcap, MTRRdefType, the eleven fixed-range and eight variable-range
 * pairs, kept per vCPU and checked as the CPU checks them. They change no
 * memory type: with EPT the CPU does not consult a guest's MTRRs (SDM
 * Vol. 3C §29.3.7.2), and hv maps a child's RAM write-back.
 */
#include <hv/lib.h>
#include <hv/vcpu.h>
#include <hv/x86.h>
#include "msr.h"

/* MTRRcap (§12.11.1, Figure 12-5): VCNT in bits 7:0, FIX 8, WC 10; no
 * SMRR (11). */
#define MTRRCAP_VALUE      (MTRR_VAR_COUNT | (1u << 8) | (1u << 10))
/* MTRRdefType (Figure 12-6): type 7:0, FE 10, E 11. The loader stands in
 * for firmware, which leaves the MTRRs on with write-back as the default
 * type (as Firecracker's and OpenVMM's direct boots do). */
#define DEF_TYPE_FE        (1ull << 10)
#define DEF_TYPE_E         (1ull << 11)
#define DEF_TYPE_RESET     (DEF_TYPE_E | 6)
#define PHYSMASK_VALID     (1ull << 11)

/* UC 0, WC 1, WT 4, WP 5, WB 6 (Table 12-8); 2, 3 and 7 up are
 * reserved. */
static bool type_ok(uint64_t t)
{
	return t == 0 || t == 1 || (t >= 4 && t <= 6);
}

/* Bits at and above MAXPHYADDR (CPUID 0x80000008 EAX[7:0]) are reserved
 * in PHYSBASEn and PHYSMASKn (§12.11.2.3). */
static uint64_t above_maxphyaddr(void)
{
	static uint64_t mask;
	uint32_t r[4];

	if (!mask) {
		cpuid(0x80000008u, 0, r);
		mask = ~((1ull << (r[0] & 0xff)) - 1);
	}
	return mask;
}

/* The fixed-range MSR's index in msrs.mtrr_fixed (§12.11.2.2): 0x250,
 * 0x258-0x259, 0x268-0x26f. */
static int fixed_index(uint32_t msr)
{
	if (msr == MSR_IA32_MTRR_FIX64K)
		return 0;
	if (msr == MSR_IA32_MTRR_FIX16K_80 || msr == MSR_IA32_MTRR_FIX16K_A0)
		return 1 + (int)(msr - MSR_IA32_MTRR_FIX16K_80);
	if (msr >= MSR_IA32_MTRR_FIX4K_C0 && msr <= MSR_IA32_MTRR_FIX4K_F8)
		return 3 + (int)(msr - MSR_IA32_MTRR_FIX4K_C0);
	return -1;
}

void mtrr_reset(struct vcpu *v)
{
	v->msrs.mtrr_def_type = DEF_TYPE_RESET;
}

int mtrr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	int fix = fixed_index(msr);

	if (msr == MSR_IA32_MTRRCAP)
		*val = MTRRCAP_VALUE;
	else if (msr == MSR_IA32_MTRR_DEF_TYPE)
		*val = v->msrs.mtrr_def_type;
	else if (fix >= 0)
		*val = v->msrs.mtrr_fixed[fix];
	else if (msr - MSR_IA32_MTRR_PHYSBASE0 < 2 * MTRR_VAR_COUNT)
		*val = v->msrs.mtrr_var[msr - MSR_IA32_MTRR_PHYSBASE0];
	else
		return -1;
	return 0;
}

/* Every byte of a fixed-range MSR is a memory type (§12.11.2.2). */
static bool fixed_ok(uint64_t val)
{
	for (int i = 0; i < 8; i++)
		if (!type_ok((val >> (8 * i)) & 0xff))
			return false;
	return true;
}

/* PHYSBASEn: type 7:0, 11:8 reserved; PHYSMASKn: 10:0 reserved, V 11
 * (§12.11.2.3, Figure 12-8). */
static bool var_ok(uint32_t idx, uint64_t val)
{
	if (val & above_maxphyaddr())
		return false;
	if (idx % 2 == 0)
		return !(val & 0xf00) && type_ok(val & 0xff);
	return !(val & 0x7ff);
}

int mtrr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	int fix = fixed_index(msr);
	uint32_t idx = msr - MSR_IA32_MTRR_PHYSBASE0;

	if (msr == MSR_IA32_MTRR_DEF_TYPE) {
		if ((val & ~(0xffull | DEF_TYPE_FE | DEF_TYPE_E)) || !type_ok(val & 0xff))
			return -1;
		v->msrs.mtrr_def_type = val;
	} else if (fix >= 0) {
		if (!fixed_ok(val))
			return -1;
		v->msrs.mtrr_fixed[fix] = val;
	} else if (idx < 2 * MTRR_VAR_COUNT) {
		if (!var_ok(idx, val))
			return -1;
		v->msrs.mtrr_var[idx] = val;
	} else {
		return -1;
	}
	return 0;
}
