/*
 * CPUID policy for partitions (SDM Vol. 2A "CPUID"; AMD APM Vol. 3
 * Appendix E for the AMD-only bits).
 *
 * Every partition sees the Hyper-V interface leaves (TLFS v6.0 §2.4
 * "Hypervisor CPUID leaves"); the parent also holds the CpuManagement and
 * partition-creation privileges, a child never does (Linux takes itself
 * for the root partition when CpuManagement is set). VMX and SVM are
 * hidden: hv offers no nested virtualisation.
 *
 * The parent drives the hardware (docs/ARCHITECTURE.md rule 2) and sees
 * the CPU's own leaves otherwise. A child sees what hv virtualises, masked
 * by what the CPU has: one row per leaf in child_leaves (the explicit
 * "unhandled" case: a basic or extended leaf without a row reads 0), the
 * feature leaves through an offered mask per register, and the features
 * hv emulates itself (x2APIC, TSC-deadline, ARAT, TSC_ADJUST, the
 * hypervisor bit) forced on. Not offered, because hv does not emulate
 * their MSRs or state: the PMU (PDCM, leaf 0xA), debug store, thermal and
 * power management, MONITOR/MWAIT, SMX, PKU, MPX, PT, SGX, AMX, and the
 * speculation-control MSRs. hv/core/msr.c gives #GP for exactly the MSRs
 * of what is not offered; tests/guests/cpumsr checks the two agree.
 */
#include <stdbool.h>
#include <hv/lib.h>
#include <hv/vcpu.h>
#include <hv/x86.h>
#include "synic.h"
#include "msr.h"
#include "cpuid.h"

/* "Microsoft Hv" in EBX:ECX:EDX; "Hv#1" in 0x40000001.EAX. */
#define SIG_MICR 0x7263694d
#define SIG_OSOF 0x666f736f
#define SIG_THV  0x76482074
#define SIG_HV1  0x31237648
#define SIG_INTEL_EBX 0x756e6547  /* "Genu" */
#define SIG_TCG_EBX 0x54474354    /* "TCGTCGTCGTCG", QEMU's TCG */
#define SIG_TCG_ECX 0x43544743
#define SIG_TCG_EDX 0x47435447

#define CPUID1_ECX_VMX        (1u << 5)
#define CPUID1_ECX_CX16       (1u << 13)
#define CPUID1_ECX_X2APIC     (1u << 21)
#define CPUID1_ECX_TSC_DL     (1u << 24)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_APIC       (1u << 9)
#define CPUID1_EDX_HTT        (1u << 28)
#define CPUID6_EAX_ARAT       (1u << 2)
#define CPUID7_EBX_TSC_ADJUST (1u << 1)
#define CPUIDX1_ECX_SVM       (1u << 2)

#define MAX_BASIC_LEAF 0x1f        /* the highest leaf with a row */
#define MAX_EXT_LEAF   0x80000008u

/* Leaf 1 ECX: SSE3 PCLMULQDQ SSSE3 FMA CMPXCHG16B PCID SSE4.1 SSE4.2
 * MOVBE POPCNT AES XSAVE AVX F16C RDRAND (bits 0 1 9 12 13 17 19 20 22
 * 23 25 26 28 29 30). Not: DTES64 2, MONITOR 3, DS-CPL 4, VMX 5, SMX 6,
 * EST 7, TM2 8, CNXT-ID 10, SDBG 11, xTPR 14, PDCM 15, DCA 18. */
#define OFFER_1_ECX 0x76da3203u
/* Leaf 1 EDX: all but PSN 18, DS 21, ACPI 22, TM 29, PBE 31 (and the
 * reserved 10, 20, 30). MCE/MCA come with MCG_CAP reporting no banks. */
#define OFFER_1_EDX 0x1f8bfbffu
/* Leaf 7.0 EBX: FSGSBASE BMI1 HLE AVX2 FDP_EXCPTN SMEP BMI2 ERMS INVPCID
 * RTM FCS/FDS-deprecation AVX512F/DQ RDSEED ADX SMAP AVX512_IFMA
 * CLFLUSHOPT CLWB AVX512PF/ER/CD SHA AVX512BW/VL (bits 0 3-11 13 16-21 23
 * 24 26-31). Not: TSC_ADJUST 1 (forced: emulated), SGX 2, PQM 12, MPX
 * 14, PQE 15, PCOMMIT 22, PT 25. */
#define OFFER_7_EBX 0xfdbf2ff9u
/* Leaf 7.0 ECX: PREFETCHWT1 AVX512_VBMI UMIP AVX512_VBMI2 GFNI VAES
 * VPCLMULQDQ AVX512_VNNI BITALG VPOPCNTDQ LA57 RDPID CLDEMOTE MOVDIRI
 * MOVDIR64B (0 1 2 6 8-12 14 16 22 25 27 28). Not: PKU/OSPKE 3-4,
 * WAITPKG 5, CET 7, TME 13, KL 23, ENQCMD 29, SGX_LC 30, PKS 31. */
#define OFFER_7_ECX 0x1a415f47u
/* Leaf 7.0 EDX: AVX512_4VNNIW/4FMAPS FSRM VP2INTERSECT MD_CLEAR
 * SERIALIZE TSXLDTRK AVX512_FP16 (2 3 4 8 10 14 16 23). Not: hybrid,
 * PCONFIG, CET, AMX, and IBRS/STIBP/L1D_FLUSH/ARCH_CAPABILITIES/
 * CORE_CAPABILITIES/SSBD (their MSRs are not emulated). */
#define OFFER_7_EDX 0x0081451cu
/* 0x80000001 ECX: LAHF 0, ABM/LZCNT 5, SSE4A 6, MisAlignSse 7,
 * PREFETCHW 8, XOP 11, FMA4 16, TBM 21. EDX: the AMD copies of leaf 1
 * EDX (0-9, 12-17, 23-24), SYSCALL 11, NX 20, MMXEXT 22, FFXSR 25,
 * Page1GB 26, RDTSCP 27, LM 29, 3DNow!Ext 30, 3DNow! 31. */
#define OFFER_X1_ECX 0x002109e1u
#define OFFER_X1_EDX 0xefd3fbffu
#define OFFER_X7_EDX (1u << 8)     /* invariant TSC */

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
		/* Linux reads the TSC and APIC-timer rates from the frequency
		 * MSRs only when EDX says they are available too
		 * (arch/x86/kernel/cpu/mshyperv.c); otherwise it calibrates
		 * against the PIT, which QEMU TCG's timing defeats. */
		if (hv_tsc_hz) {
			r[0] |= HV_FEAT_FREQUENCY_MSRS;
			r[3] |= HV_FEAT_EDX_FREQUENCY_MSRS;
		}
		/* Reference time, its TSC page and the timers need the TSC
		 * rate; direct-mode timers come with them (EDX bit 19). */
		if (synic_time_ok(p)) {
			r[0] |= HV_FEAT_TIME_REF_COUNT | HV_FEAT_SYNTH_TIMERS | HV_FEAT_REF_TSC;
			r[3] |= HV_FEAT_EDX_DIRECT_STIMER;
		}
		/* A child reports its crashes (the parent is hvpart's own). */
		if (!p->privileged)
			r[3] |= HV_FEAT_EDX_GUEST_CRASH_MSRS;
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

/* ---- a child's leaves ---- */

typedef void (*leaf_fn)(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4]);

struct leaf_rule {
	uint32_t leaf;
	leaf_fn fn;
	uint32_t offer[4];           /* for leaf_masked: EAX, EBX, ECX, EDX */
};

static const struct leaf_rule *rule_of(uint32_t leaf);

static void leaf_zero(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)v, (void)leaf, (void)sub;
	r[0] = r[1] = r[2] = r[3] = 0;
}

static void leaf_pass(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)v, (void)leaf, (void)sub;
	(void)r;
}

static void leaf_masked(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	const struct leaf_rule *rl = rule_of(leaf);

	(void)v, (void)sub;
	for (int i = 0; i < 4; i++)
		r[i] &= rl->offer[i];
}

/* The CPU's highest basic and extended leaves and its vendor, read once
 * (they never change). */
static struct {
	uint32_t max_basic, max_ext;
	bool intel;
} host;

static void host_read(void)
{
	uint32_t r[4];

	if (host.max_basic)
		return;
	cpuid(0x80000000u, 0, r);
	host.max_ext = r[0] < MAX_EXT_LEAF ? r[0] : MAX_EXT_LEAF;
	cpuid(0, 0, r);
	host.intel = r[1] == SIG_INTEL_EBX;
	host.max_basic = r[0] < MAX_BASIC_LEAF ? r[0] : MAX_BASIC_LEAF;
}

bool cpuid_vendor_amd(void)
{
	host_read();
	return !host.intel;
}

/* Leaf 0: the highest basic leaf hv describes; with IA32_MISC_ENABLE's
 * "limit CPUID maxval" set, 2 (SDM Vol. 4 Table 2-2, bit 22). */
static uint32_t max_basic(struct vcpu *v)
{
	host_read();
	return msr_cpuid_limited(v) && host.max_basic > 2 ? 2 : host.max_basic;
}

static void leaf_0(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)leaf, (void)sub;
	r[0] = max_basic(v);
}

/* Whether hv itself runs under QEMU's TCG ("TCGTCGTCGTCG" in the
 * hypervisor leaf 0x40000000 of the CPU hv sees; checked once). */
bool cpuid_host_is_qemu_tcg(void)
{
	static int known = -1;
	uint32_t r[4];

	if (known < 0) {
		cpuid(1, 0, r);
		known = 0;
		if (r[2] & CPUID1_ECX_HYPERVISOR) {
			cpuid(0x40000000u, 0, r);
			known = r[1] == SIG_TCG_EBX && r[2] == SIG_TCG_ECX && r[3] == SIG_TCG_EDX;
		}
	}
	return known;
}

/* QEMU 7.2's TCG computes the flags of CMPXCHG16B from a stale lazy-flags
 * state, so RFLAGS may hold garbage after it; an SVM #VMEXIT saves that
 * RFLAGS whole and VMRUN loads it back, TF, DF, IOPL and reserved bits
 * included (APM Vol. 2 §15.5.1 loads RFLAGS from the VMCB). Linux 6.12's
 * SLUB runs CMPXCHG16B on every allocation and died of it (single-step
 * #DB, then init killed). Without CMPXCHG16B Linux uses its own
 * emulation (arch/x86/lib/cmpxchg16b_emu.S), so hv hides the bit from
 * children there; docs/child-platform.md "Under QEMU". */
static uint32_t platform_1_ecx(void)
{
	return cpuid_host_is_qemu_tcg() ? OFFER_1_ECX & ~CPUID1_ECX_CX16 : OFFER_1_ECX;
}

/* The topology a child sees: its vCPUs are the cores of one package, a
 * thread each, APIC ID = VP index; the core field of the APIC ID is
 * core_bits() wide (SDM Vol. 3A §9.9.1, leaves 1, 4 and 0xB; AMD APM
 * Vol. 3 E.4.7, leaf 0x80000008 ECX). */
static uint32_t core_bits(const struct vcpu *v)
{
	uint32_t n = v->part->nvcpus, bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

/* Leaf 1: the package's addressable IDs (EBX[23:16]) with HTT (EDX[28])
 * when there are several, this vCPU's initial APIC ID (EBX[31:24]); the
 * x2APIC, the TSC-deadline timer and the hypervisor bit are hv's
 * (hv/core/vlapic.c). */
static void leaf_1(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)leaf, (void)sub;
	r[1] = (r[1] & 0xffff) | (1u << core_bits(v)) << 16 | v->index << 24;
	r[2] = (r[2] & platform_1_ecx()) | CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DL |
	       CPUID1_ECX_HYPERVISOR;
	r[3] &= OFFER_1_EDX & ~CPUID1_EDX_HTT;
	if (v->part->nvcpus > 1)
		r[3] |= CPUID1_EDX_HTT;
	/* EDX.APIC is 0 while IA32_APIC_BASE.EN is (SDM Vol. 3A §11.4.3). */
	if (!vlapic_enabled(v))
		r[3] &= ~CPUID1_EDX_APIC;
}

/* Leaf 4: caches as the CPU has them, each private to one logical
 * processor, in a package of the partition's cores (EAX[25:14] and
 * EAX[31:26] are counts - 1). */
static void leaf_4(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)leaf, (void)sub;
	r[0] &= 0x3fff;
	if (r[0] & 0x1f)   /* a cache, not the null type that ends the list */
		r[0] |= ((1u << core_bits(v)) - 1) << 26;
}

/* Leaf 6: only ARAT: the vLAPIC timer never stops (no C-states). */
static void leaf_6(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	leaf_zero(v, leaf, sub, r);
	r[0] = CPUID6_EAX_ARAT;
}

/* Leaf 7: sub-leaf 0 only (EAX = 0); IA32_TSC_ADJUST is emulated. */
static void leaf_7(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	if (sub != 0) {
		leaf_zero(v, leaf, sub, r);
		return;
	}
	r[0] = 0;
	r[1] = (r[1] & OFFER_7_EBX) | CPUID7_EBX_TSC_ADJUST;
	r[2] &= OFFER_7_ECX;
	r[3] &= OFFER_7_EDX;
}

/* Leaf 0xB (x2APIC topology, SDM Vol. 3A §10.12.8.1): one thread per
 * core, the partition's vCPUs as cores; EDX the x2APIC ID. Level 0 is SMT
 * (type 1), level 1 core (type 2, EAX the shift to the package ID), then
 * an invalid level (type 0) echoing ECX. */
static void leaf_b(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	leaf_zero(v, leaf, sub, r);
	r[2] = sub & 0xff;
	r[3] = v->index;
	if (sub < 2) {
		r[0] = sub ? core_bits(v) : 0;
		r[1] = sub ? v->part->nvcpus : 1;
		r[2] |= (sub + 1) << 8;
	}
}

static void leaf_x0(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)v, (void)leaf, (void)sub;
	r[0] = host.max_ext;
}

/* 0x80000008: address sizes as the CPU has them (EPT maps any GPA the
 * CPU can); no AMD feature bits in EBX; ECX the cores less one (NC) and
 * the APIC ID's core bits (ApicIdCoreIdSize, [15:12]). */
static void leaf_x8(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)leaf, (void)sub;
	r[1] = r[3] = 0;
	r[2] = (v->part->nvcpus - 1) | core_bits(v) << 12;
}

static const struct leaf_rule child_leaves[] = {
	{ 0x0, leaf_0, { 0 } },
	{ 0x1, leaf_1, { 0 } },
	{ 0x2, leaf_pass, { 0 } },     /* cache and TLB descriptors */
	{ 0x4, leaf_4, { 0 } },
	{ 0x6, leaf_6, { 0 } },
	{ 0x7, leaf_7, { 0 } },
	{ 0xb, leaf_b, { 0 } },
	{ 0xd, leaf_pass, { 0 } },     /* xstate_cpuid builds it */
	{ 0x16, leaf_pass, { 0 } },    /* nominal frequencies, informational */
	{ 0x80000000, leaf_x0, { 0 } },
	{ 0x80000001, leaf_masked, { ~0u, 0, OFFER_X1_ECX, OFFER_X1_EDX } },
	{ 0x80000002, leaf_pass, { 0 } },   /* brand string */
	{ 0x80000003, leaf_pass, { 0 } },
	{ 0x80000004, leaf_pass, { 0 } },
	{ 0x80000005, leaf_pass, { 0 } },   /* caches (AMD) */
	{ 0x80000006, leaf_pass, { 0 } },
	{ 0x80000007, leaf_masked, { 0, 0, 0, OFFER_X7_EDX } },
	{ 0x80000008, leaf_x8, { 0 } },
};

static const struct leaf_rule unhandled_leaf = { 0, leaf_zero, { 0 } };

static const struct leaf_rule *rule_of(uint32_t leaf)
{
	for (size_t i = 0; i < ARRAY_SIZE(child_leaves); i++)
		if (child_leaves[i].leaf == leaf)
			return &child_leaves[i];
	return &unhandled_leaf;
}

/* A leaf above the highest basic or extended one: Intel CPUs answer
 * with the highest basic leaf (SDM Vol. 2A CPUID, "If a value entered for
 * CPUID.EAX is higher than the maximum input value..."), AMD ones with 0
 * (APM Vol. 3 "CPUID"). Returns the leaf to describe, or ~0u for 0. */
static uint32_t effective_leaf(struct vcpu *v, uint32_t leaf)
{
	uint32_t basic = max_basic(v);

	if (leaf <= basic || (leaf >= 0x80000000u && leaf <= host.max_ext))
		return leaf;
	return host.intel ? basic : ~0u;
}

/* The leaves the extended state changes (hv/core/xstate.c). */
static void xstate_fix(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	if (leaf == 1 || leaf == 7 || leaf == 0xd)
		xstate_cpuid(v, leaf, sub, r);
}

static void child_leaf(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	leaf = effective_leaf(v, leaf);
	if (leaf == ~0u) {
		r[0] = r[1] = r[2] = r[3] = 0;
		return;
	}
	cpuid(leaf, sub, r);
	rule_of(leaf)->fn(v, leaf, sub, r);
	xstate_fix(v, leaf, sub, r);
}

/* The parent: the CPU's leaves without VMX and SVM (AMD APM Vol. 3,
 * CPUID Fn8000_0001_ECX bit 2; reserved and 0 on Intel CPUs), with the
 * hypervisor bit, and the extended state hv switches. */
static void parent_leaf(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	cpuid(leaf, sub, r);
	if (leaf == 1)
		r[2] = (r[2] & ~CPUID1_ECX_VMX) | CPUID1_ECX_HYPERVISOR;
	else if (leaf == 0x80000001)
		r[2] &= ~CPUIDX1_ECX_SVM;
	xstate_fix(v, leaf, sub, r);
}

void cpuid_guest_leaf(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	if ((leaf & 0xffff0000u) == 0x40000000u)
		hv_leaf(v->part, leaf, r);
	else if (v->part->privileged)
		parent_leaf(v, leaf, sub, r);
	else
		child_leaf(v, leaf, sub, r);
}

void hv_handle_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->gpr[GPR_RAX], sub = (uint32_t)v->gpr[GPR_RCX];
	uint32_t r[4];

	cpuid_guest_leaf(v, leaf, sub, r);
	v->gpr[GPR_RAX] = r[0];
	v->gpr[GPR_RBX] = r[1];
	v->gpr[GPR_RCX] = r[2];
	v->gpr[GPR_RDX] = r[3];
	arch_vcpu_skip_insn(v);
}
