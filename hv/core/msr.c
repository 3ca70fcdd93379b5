/*
 * Synthetic MSRs (TLFS v6.0 §3.13 "Hypercall page", §2.4) and the policy
 * for MSRs that reach hv. The parent's MSR bitmap passes the architectural
 * ranges through, so only MSRs outside them (the 0x4000xxxx synthetic
 * range among them) exit here; unknown ones raise #GP, as on hardware.
 */
#include <string.h>
#include <hv/lib.h>
#include <hv/vcpu.h>

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

void hv_handle_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t val;

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
	v->gpr[GPR_RAX] = (uint32_t)val;
	v->gpr[GPR_RDX] = val >> 32;
	arch_vcpu_skip_insn(v);
}

void hv_handle_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t val = (v->gpr[GPR_RDX] << 32) | (uint32_t)v->gpr[GPR_RAX];

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
