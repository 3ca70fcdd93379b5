/*
 * Synthetic MSRs (TLFS v6.0 §2.4, §3.13), dispatched through one table;
 * an MSR without a row, or a write to a row without a writer, raises #GP
 * as on Hyper-V. See synic.h for what is to come here.
 */
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include "synic.h"

struct synth_msr {
	uint32_t msr;
	bool children_only;
	int (*read)(struct vcpu *v, uint64_t *val);
	int (*write)(struct vcpu *v, uint64_t val);   /* NULL: read-only */
};

static int read_guest_os_id(struct vcpu *v, uint64_t *val)
{
	*val = v->part->guest_os_id;
	return 0;
}

/* Clearing the guest OS ID disables the hypercall page (TLFS §3.13). */
static int write_guest_os_id(struct vcpu *v, uint64_t val)
{
	v->part->guest_os_id = val;
	if (!val)
		v->part->hypercall_msr &= ~HV_MSR_HYPERCALL_ENABLE;
	return 0;
}

static int read_hypercall(struct vcpu *v, uint64_t *val)
{
	*val = v->part->hypercall_msr;
	return 0;
}

/* The hypercall page holds the backend's hypercall instruction and RET
 * (C3), the rest INT3 (TLFS §3.13). The guest OS ID must be set first. */
static int write_hypercall(struct vcpu *v, uint64_t val)
{
	struct partition *p = v->part;
	uint64_t gpa = val & ~0xfffull;
	size_t len;
	const uint8_t *insn = arch_hypercall_insn(&len);
	uint8_t *page;

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

static int read_vp_index(struct vcpu *v, uint64_t *val)
{
	*val = v->index;
	return 0;
}

/* Known once the parent has measured the TSC (SetTscFrequency); the
 * vLAPIC timer counts at the TSC rate (docs/child-platform.md). */
static int read_frequency(struct vcpu *v, uint64_t *val)
{
	(void)v;
	*val = hv_tsc_hz;
	return hv_tsc_hz ? 0 : -1;
}

static const struct synth_msr synth_msrs[] = {
	{ HV_MSR_GUEST_OS_ID, false, read_guest_os_id, write_guest_os_id },
	{ HV_MSR_HYPERCALL, false, read_hypercall, write_hypercall },
	{ HV_MSR_VP_INDEX, false, read_vp_index, NULL },
	{ HV_MSR_TSC_FREQUENCY, true, read_frequency, NULL },
	{ HV_MSR_APIC_FREQUENCY, true, read_frequency, NULL },
};

static const struct synth_msr *synth_find(const struct vcpu *v, uint32_t msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(synth_msrs); i++)
		if (synth_msrs[i].msr == msr)
			return synth_msrs[i].children_only && v->part->privileged ?
				NULL : &synth_msrs[i];
	return NULL;
}

int synic_read_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	const struct synth_msr *m = synth_find(v, msr);

	return m ? m->read(v, val) : -1;
}

int synic_write_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	const struct synth_msr *m = synth_find(v, msr);

	return m && m->write ? m->write(v, val) : -1;
}
