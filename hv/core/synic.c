/*
 * Synthetic MSRs (TLFS v6.0 §2.4, §3.13), dispatched through one table;
 * an MSR without a row, or a write to a row without a writer, raises #GP
 * as on Hyper-V. The SynIC and synthetic timer MSRs are one row each
 * range, handed to the vCPU's portable SynIC (hv/synic/synvp.c); the
 * reference time MSRs use hv/synic/reftime.c (synic_vp.c holds the
 * partition and vCPU side).
 */
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include "synic.h"

struct synth_msr {
	uint32_t first, last;
	bool children_only;
	int (*read)(struct vcpu *v, uint32_t msr, uint64_t *val);
	int (*write)(struct vcpu *v, uint32_t msr, uint64_t val);   /* NULL: read-only */
};

static int read_guest_os_id(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->part->guest_os_id;
	return 0;
}

/* Clearing the guest OS ID disables the hypercall page (TLFS §3.13). */
static int write_guest_os_id(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	v->part->guest_os_id = val;
	if (!val)
		v->part->hypercall_msr &= ~HV_MSR_HYPERCALL_ENABLE;
	return 0;
}

static int read_hypercall(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->part->hypercall_msr;
	return 0;
}

/* The hypercall page holds the backend's hypercall instruction and RET
 * (C3), the rest INT3 (TLFS §3.13). The guest OS ID must be set first. */
static int write_hypercall(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct partition *p = v->part;
	uint64_t gpa = val & ~0xfffull;
	size_t len;
	const uint8_t *insn = arch_hypercall_insn(&len);
	uint8_t *page;

	(void)msr;
	if ((val & HV_MSR_HYPERCALL_ENABLE) && !p->guest_os_id)
		return -1;
	if (val & HV_MSR_HYPERCALL_ENABLE) {
		page = partition_gpa_ptr(p, gpa, 4096, true);
		if (!page)
			return -1;
		memset(page, 0xcc, 4096);
		memcpy(page, insn, len);
		page[len] = 0xc3;
	}
	p->hypercall_msr = val & (~0xfffull | HV_MSR_HYPERCALL_ENABLE);
	return 0;
}

static int read_vp_index(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->index;
	return 0;
}

/* Known once the parent has measured the TSC (SetTscFrequency); the
 * vLAPIC timer counts at the TSC rate (docs/child-platform.md). */
static int read_frequency(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	(void)v;
	*val = hv_tsc_hz;
	return hv_tsc_hz ? 0 : -1;
}

static int read_crash(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = v->part->crash_p[msr - HV_MSR_CRASH_P0];
	return 0;
}

static int write_crash(struct vcpu *v, uint32_t msr, uint64_t val)
{
	v->part->crash_p[msr - HV_MSR_CRASH_P0] = val;
	return 0;
}

/* CrashNotify is the one notification offered (no crash message page). */
static int read_crash_ctl(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v;
	(void)msr;
	*val = HV_CRASH_CTL_NOTIFY;
	return 0;
}

/* The guest says it crashed: the VM stops with the five parameters as
 * its reason, as Hyper-V logs them ("ErrorCode0..4"). Bits it was not
 * offered are reserved: #GP. */
static int write_crash_ctl(struct vcpu *v, uint32_t msr, uint64_t val)
{
	const uint64_t *c = v->part->crash_p;

	(void)msr;
	if (val & ~HV_CRASH_CTL_NOTIFY)
		return -1;
	if (val)
		partition_stop(v->part, "guest crash: %lx %lx %lx %lx %lx",
			       c[0], c[1], c[2], c[3], c[4]);
	return 0;
}

static int read_synvp(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	return synvp_read_msr(&v->synic, msr, val) ? -1 : 0;
}

static int write_synvp(struct vcpu *v, uint32_t msr, uint64_t val)
{
	return synvp_write_msr(&v->synic, msr, val) ? -1 : 0;
}

/* TLFS timers.md "Reference Counter": read-only, #GP when the partition
 * has no reference time (the TSC rate is not known yet). */
static int read_time_ref(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	if (!synic_time_ok(v->part))
		return -1;
	*val = synic_ref_time(v->part);
	return 0;
}

static int read_ref_tsc(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->part->ref_tsc_msr;
	return 0;
}

/* TLFS timers.md "Partition Reference Time Enlightenment": bit 0
 * enables, bits 63:12 name the page; bits 11:1 are reserved (#GP). */
static int write_ref_tsc(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	if ((val & 0xffe) || !synic_time_ok(v->part))
		return -1;
	v->part->ref_tsc_msr = val;
	synic_publish_ref_tsc(v->part);
	return 0;
}

static int read_vp_assist(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->vp_assist_msr;
	return 0;
}

/* Stored only: hv offers no enlightenment that uses the page (CPUID
 * 0x40000003 EAX bit 4 stays clear). The APIC-assist dword is zeroed, so
 * a guest that looks at it never skips an EOI (as KVM's
 * kvm_hv_set_msr HV_X64_MSR_VP_ASSIST_PAGE does). */
static int write_vp_assist(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint32_t *assist;

	(void)msr;
	if (val & 0xffe)
		return -1;
	if (val & HV_PAGE_MSR_ENABLE) {
		assist = partition_gpa_ptr(v->part, HV_PAGE_MSR_GPA(val), 4, true);
		if (!assist)
			return -1;
		*assist = 0;
	}
	v->vp_assist_msr = val;
	return 0;
}

static const struct synth_msr synth_msrs[] = {
	{ HV_MSR_GUEST_OS_ID, HV_MSR_GUEST_OS_ID, false, read_guest_os_id, write_guest_os_id },
	{ HV_MSR_HYPERCALL, HV_MSR_HYPERCALL, false, read_hypercall, write_hypercall },
	{ HV_MSR_VP_INDEX, HV_MSR_VP_INDEX, false, read_vp_index, NULL },
	{ HV_MSR_TIME_REF_COUNT, HV_MSR_TIME_REF_COUNT, false, read_time_ref, NULL },
	{ HV_MSR_REFERENCE_TSC, HV_MSR_REFERENCE_TSC, false, read_ref_tsc, write_ref_tsc },
	{ HV_MSR_TSC_FREQUENCY, HV_MSR_TSC_FREQUENCY, true, read_frequency, NULL },
	{ HV_MSR_APIC_FREQUENCY, HV_MSR_APIC_FREQUENCY, true, read_frequency, NULL },
	{ HV_MSR_VP_ASSIST_PAGE, HV_MSR_VP_ASSIST_PAGE, false, read_vp_assist, write_vp_assist },
	{ HV_MSR_CRASH_P0, HV_MSR_CRASH_P4, true, read_crash, write_crash },
	{ HV_MSR_CRASH_CTL, HV_MSR_CRASH_CTL, true, read_crash_ctl, write_crash_ctl },
	/* SCONTROL, SVERSION, SIEFP, SIMP, EOM (0x40000085-8f: synvp #GPs) */
	{ HV_MSR_SCONTROL, HV_MSR_SINT15, false, read_synvp, write_synvp },
	{ HV_MSR_STIMER0_CONFIG, HV_MSR_STIMER3_COUNT, false, read_synvp, write_synvp },
};

static const struct synth_msr *synth_find(const struct vcpu *v, uint32_t msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(synth_msrs); i++)
		if (msr >= synth_msrs[i].first && msr <= synth_msrs[i].last)
			return synth_msrs[i].children_only && v->part->privileged ?
				NULL : &synth_msrs[i];
	return NULL;
}

int synic_read_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	const struct synth_msr *m = synth_find(v, msr);

	return m ? m->read(v, msr, val) : -1;
}

int synic_write_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	const struct synth_msr *m = synth_find(v, msr);

	return m && m->write ? m->write(v, msr, val) : -1;
}
