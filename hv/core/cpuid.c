/*
 * CPUID policy for partitions. Every partition sees the Hyper-V interface
 * leaves (TLFS v6.0 §2.4 "Hypervisor CPUID leaves"); the parent also holds
 * the CpuManagement and partition-creation privileges, a child never does
 * (Linux takes itself for the root partition when CpuManagement is set).
 * VMX and SVM are hidden: hv offers no nested virtualisation.
 */
#include <hv/lib.h>
#include <hv/vcpu.h>
#include <hv/x86.h>
#include "synic.h"

/* "Microsoft Hv" in EBX:ECX:EDX; "Hv#1" in 0x40000001.EAX. */
#define SIG_MICR 0x7263694d
#define SIG_OSOF 0x666f736f
#define SIG_THV  0x76482074
#define SIG_HV1  0x31237648

static void hv_leaf(struct partition *p, uint32_t leaf, uint32_t r[4])
{
	r[0] = r[1] = r[2] = r[3] = 0;
	switch (leaf) {
	case HV_CPUID_VENDOR:
		r[0] = HV_CPUID_MAX;
		r[1] = SIG_MICR;
		r[2] = SIG_OSOF;
		r[3] = SIG_THV;
		break;
	case HV_CPUID_INTERFACE:
		r[0] = SIG_HV1;
		break;
	case HV_CPUID_VERSION:
		r[0] = 7600;       /* build number, as Server 2008 R2 RTM */
		r[1] = (6u << 16) | 1; /* major 6, minor 1 */
		break;
	case HV_CPUID_FEATURES:
		r[0] = HV_FEAT_HYPERCALL_MSRS | HV_FEAT_VP_INDEX | HV_FEAT_SYNIC;
		if (hv_tsc_hz)
			r[0] |= HV_FEAT_FREQUENCY_MSRS;
		/* Reference time, its TSC page and the timers need the TSC
		 * rate; direct-mode timers come with them (EDX bit 19). */
		if (synic_time_ok(p)) {
			r[0] |= HV_FEAT_TIME_REF_COUNT | HV_FEAT_SYNTH_TIMERS | HV_FEAT_REF_TSC;
			r[3] |= HV_FEAT_EDX_DIRECT_STIMER;
		}
		r[1] = HV_PRIV_POST_MESSAGES | HV_PRIV_SIGNAL_EVENTS;
		if (p->privileged)
			r[1] |= HV_PRIV_CREATE_PARTITIONS | HV_PRIV_ACCESS_PARTITION_ID |
				HV_PRIV_ACCESS_MEMORY_POOL | HV_PRIV_CPU_MANAGEMENT |
				HV_PRIV_CREATE_PORT | HV_PRIV_CONNECT_PORT;
		break;
	case HV_CPUID_HINTS:
		r[0] = 1u << 9;    /* deprecate AutoEOI */
		r[1] = 0xffffffff; /* no spinlock-retry notifications */
		break;
	case HV_CPUID_LIMITS:
		r[0] = PARTITION_MAX_VCPUS;
		r[1] = 1;
		break;
	default:
		break;
	}
}

void hv_handle_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->gpr[GPR_RAX], sub = (uint32_t)v->gpr[GPR_RCX];
	uint32_t r[4];

	if ((leaf & 0xffff0000u) == 0x40000000u) {
		hv_leaf(v->part, leaf, r);
	} else {
		cpuid(leaf, sub, r);
		xstate_cpuid(v, leaf, sub, r);
		if (leaf == 1) {
			r[2] &= ~(1u << 5);  /* VMX: not offered to guests */
			r[2] |= 1u << 31;    /* hypervisor present */
			if (!v->part->privileged) {
				r[2] |= 1u << 21;        /* x2APIC (hv/core/vlapic.c) */
				r[2] |= 1u << 24;        /* TSC-deadline timer mode */
				r[1] &= 0x00ffffff;      /* initial APIC ID 0 */
			}
		} else if (leaf == 0x80000001) {
			/* SVM: not offered either, whichever backend runs
			 * (AMD APM Vol. 3, CPUID Fn8000_0001_ECX bit 2;
			 * reserved and 0 on Intel CPUs). */
			r[2] &= ~(1u << 2);
		}
	}
	v->gpr[GPR_RAX] = r[0];
	v->gpr[GPR_RBX] = r[1];
	v->gpr[GPR_RCX] = r[2];
	v->gpr[GPR_RDX] = r[3];
	arch_vcpu_skip_insn(v);
}
