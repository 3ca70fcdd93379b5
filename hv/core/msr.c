/*
 * Synthetic MSRs (TLFS v6.0 §3.13 "Hypercall page", §2.4) and the policy
 * for MSRs that reach hv. The parent's MSR bitmap passes the architectural
 * ranges through, so only MSRs outside them (the 0x4000xxxx synthetic
 * range among them) exit here; unknown ones raise #GP, as on hardware.
 */
#include <string.h>
#include <hv/lib.h>
#include <hv/vcpu.h>
#include <hv/x86.h>

/* The hypercall page holds VMCALL; RET (TLFS §3.13): 0F 01 C1 C3. */
static const uint8_t hypercall_code[] = { 0x0f, 0x01, 0xc1, 0xc3 };

static int msr_set_hypercall(struct vcpu *v, uint64_t val)
{
	struct partition *p = v->part;
	uint64_t gpa = val & ~0xfffull;
	uint8_t *page;

	/* The guest OS ID must be set first (TLFS §3.13). */
	if ((val & HV_MSR_HYPERCALL_ENABLE) && !p->guest_os_id)
		return -1;
	if (val & HV_MSR_HYPERCALL_ENABLE) {
		page = partition_gpa_ptr(p, gpa, 4096, true);
		if (!page)
			return -1;
		memset(page, 0xcc, 4096);
		memcpy(page, hypercall_code, sizeof(hypercall_code));
	}
	p->hypercall_msr = val & (~0xfffull | HV_MSR_HYPERCALL_ENABLE);
	return 0;
}

/* MSRs a child may read whose host value is harmless to show (MTRR
 * capability and ranges, MISC_ENABLE, PLATFORM_INFO); writes to them are
 * dropped so no child can change the machine's memory types. */
static bool msr_host_readable(uint32_t msr)
{
	return msr == 0xfe || (msr >= 0x200 && msr <= 0x2ff) || msr == 0x1a0 || msr == 0xce;
}

static int child_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	int rc = vlapic_rdmsr(v, msr, val);

	if (rc != -1)
		return rc;
	if (msr == HV_MSR_TSC_FREQUENCY || msr == HV_MSR_APIC_FREQUENCY) {
		*val = hv_tsc_hz;
		return hv_tsc_hz ? 0 : -2;
	}
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

	if (!v->part->privileged) {
		int rc = child_rdmsr(v, msr, &val);

		if (rc == 0)
			goto done;
		if (rc == -2) {
			arch_vcpu_inject_gp(v);
			return;
		}
	}
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		val = v->part->guest_os_id;
		break;
	case HV_MSR_HYPERCALL:
		val = v->part->hypercall_msr;
		break;
	case HV_MSR_VP_INDEX:
		val = v->index;
		break;
	default:
		arch_vcpu_inject_gp(v);
		return;
	}
done:
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
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		v->part->guest_os_id = val;
		if (!val)
			v->part->hypercall_msr &= ~HV_MSR_HYPERCALL_ENABLE;
		break;
	case HV_MSR_HYPERCALL:
		if (msr_set_hypercall(v, val)) {
			arch_vcpu_inject_gp(v);
			return;
		}
		break;
	default:
		arch_vcpu_inject_gp(v);
		return;
	}
	arch_vcpu_skip_insn(v);
}
