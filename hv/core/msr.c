/*
 * The policy for MSRs that reach hv. The parent's MSR bitmap passes the
 * architectural ranges through, so only MSRs outside them (the 0x4000xxxx
 * synthetic range among them, hv/core/synic.c) exit here. A child's
 * exits for all but the MSRs its VMCS switches: its x2APIC registers go
 * to the vLAPIC, a few harmless host values are shown read-only, the
 * synthetic ones to synic.c; unknown ones raise #GP, as on hardware.
 */
#include <hv/lib.h>
#include <hv/vcpu.h>
#include <hv/x86.h>
#include "synic.h"

/* MSRs a child may read whose host value is harmless to show (MTRR
 * capability and ranges, MISC_ENABLE, PLATFORM_INFO); writes to them are
 * dropped so no child can change the machine's memory types. */
static bool msr_host_readable(uint32_t msr)
{
	return msr == 0xfe || (msr >= 0x200 && msr <= 0x2ff) || msr == 0x1a0 || msr == 0xce;
}

/* 0 and *val, -2 for #GP, -1 if not one of a child's own MSRs. */
static int child_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	int rc = vlapic_rdmsr(v, msr, val);

	if (rc != -1)
		return rc;
	if (msr_host_readable(msr)) {
		*val = rdmsr(msr);
		return 0;
	}
	return -1;
}

void hv_handle_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t val;
	int rc = -1;

	if (!v->part->privileged)
		rc = child_rdmsr(v, msr, &val);
	if (rc == -1)
		rc = synic_read_msr(v, msr, &val);
	if (rc) {
		arch_vcpu_inject_gp(v);
		return;
	}
	v->gpr[GPR_RAX] = (uint32_t)val;
	v->gpr[GPR_RDX] = val >> 32;
	arch_vcpu_skip_insn(v);
}

void hv_handle_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t val = (v->gpr[GPR_RDX] << 32) | (uint32_t)v->gpr[GPR_RAX];

	if (!v->part->privileged) {
		int rc = vlapic_wrmsr(v, msr, val);

		if (rc == -2) {
			arch_vcpu_inject_gp(v);
			return;
		}
		if (rc == 0 || msr_host_readable(msr)) {
			arch_vcpu_skip_insn(v);
			return;
		}
	}
	if (synic_write_msr(v, msr, val)) {
		arch_vcpu_inject_gp(v);
		return;
	}
	arch_vcpu_skip_insn(v);
}
