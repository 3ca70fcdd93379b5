/*
 * The policy for MSRs that reach hv (RDMSR/WRMSR exits).
 *
 * The parent's MSR bitmap passes the architectural ranges through, so
 * only MSRs outside them (the 0x4000xxxx synthetic range among them,
 * hv/core/synic.c) exit for it. A child's exit for every MSR but those
 * the VMCS switches (SYSENTER, PAT, EFER, FS/GS base) and those hv
 * switches below (STAR, LSTAR, SFMASK, KERNEL_GS_BASE, TSC_AUX). hv
 * answers them from one table (child_msrs) whose explicit "unhandled"
 * case is #GP: exactly the MSRs of features CPUID does not offer
 * (hv/core/cpuid.c), as the SDM says for an MSR that does not exist
 * (SDM Vol. 4 §2.1; Vol. 2B RDMSR, WRMSR: #GP(0) for a reserved or
 * unimplemented MSR, and for setting reserved bits).
 *
 * Architectural MSRs a kernel touches: IA32_TSC (a write moves the guest's
 * TSC offset; SDM Vol. 3B §18.17.3), IA32_TSC_ADJUST (§18.17.3), the
 * microcode signature, MISC_ENABLE with its defined bits, MCG_CAP and
 * MCG_STATUS with no banks (§16.3.1), the MTRRs (hv/core/mtrr.c), and
 * the vLAPIC's (hv/core/vlapic.c).
 */
#include <errno.h>
#include <string.h>
#include <hv/lib.h>
#include <hv/vcpu.h>
#include <hv/x86.h>
#include "cpuid.h"
#include "msr.h"
#include "synic.h"

/* IA32_MISC_ENABLE (SDM Vol. 4 Table 2-2): fast strings (bit 0) and
 * "limit CPUID maxval" (22) are writable; "performance monitoring
 * available" (7) reads 0 (no PMU is offered), "BTS unavailable" (11) and
 * "PEBS unavailable" (12) read 1, and writes to those three are ignored.
 * The other bits belong to features hv does not offer (thermal control,
 * EIST, MONITOR, xTPR, XD disable) and are reserved: #GP if set. */
#define MISC_FAST_STRINGS   (1ull << 0)
#define MISC_BTS_UNAVAIL    (1ull << 11)
#define MISC_PEBS_UNAVAIL   (1ull << 12)
#define MISC_LIMIT_CPUID    (1ull << 22)
#define MISC_RW             (MISC_FAST_STRINGS | MISC_LIMIT_CPUID)
#define MISC_RO             ((1ull << 7) | MISC_BTS_UNAVAIL | MISC_PEBS_UNAVAIL)
#define MISC_RESET          (MISC_FAST_STRINGS | MISC_BTS_UNAVAIL | MISC_PEBS_UNAVAIL)
/* IA32_MCG_STATUS (SDM Vol. 3B §16.3.1.2): RIPV, EIPV, MCIP; LMCE_S
 * (bit 3) needs MCG_CAP.LMCE_P, which is 0. */
#define MCG_STATUS_RW       0x7ull

/* STAR, LSTAR, SFMASK, KERNEL_GS_BASE and TSC_AUX: a child uses them
 * without exits (its MSR bitmap), but VT-x loads none of them on entry or
 * exit (SDM Vol. 3C §25.4 lists the MSRs of the guest-state area), so hv
 * switches them when another vCPU enters. TSC_AUX exists with RDTSCP or
 * RDPID; CSTAR (unused by Intel CPUs, whose SYSCALL is 64-bit only) is
 * emulated instead, with the others' canonical check. */
static const uint32_t switched_msrs[MSR_SWITCHED] = {
	MSR_STAR, MSR_LSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
};
static uint32_t nswitched;      /* MSR_SWITCHED, or one less: no TSC_AUX */

struct msr_row {
	uint32_t first, last;
	int (*read)(struct vcpu *v, uint32_t msr, uint64_t *val);
	int (*write)(struct vcpu *v, uint32_t msr, uint64_t val); /* NULL: #GP */
};

bool msr_cpuid_limited(const struct vcpu *v)
{
	return !v->part->privileged && (v->msrs.misc_enable & MISC_LIMIT_CPUID);
}

static bool has_tsc_aux(void)
{
	uint32_t r[4], x[4];

	cpuid(0x80000001u, 0, x);
	cpuid(7, 0, r);
	return (x[3] & (1u << 27)) || (r[2] & (1u << 22));   /* RDTSCP, RDPID */
}

void msr_vcpu_reset(struct vcpu *v)
{
	v->msrs = (struct vcpu_msrs){ .misc_enable = MISC_RESET };
	mtrr_reset(v);
	if (!nswitched)
		nswitched = has_tsc_aux() ? MSR_SWITCHED : MSR_SWITCHED - 1;
}

void msr_switch(struct vcpu *v)
{
	struct percpu *c = this_cpu();
	struct vcpu *prev = c->msr_owner;

	for (uint32_t i = 0; i < nswitched; i++) {
		uint64_t now = rdmsr(switched_msrs[i]);

		if (prev)
			prev->msrs.switched[i] = now;
		if (now != v->msrs.switched[i])
			wrmsr(switched_msrs[i], v->msrs.switched[i]);
	}
	c->msr_owner = v;
}

/* v's switched MSRs leave this CPU (hv/core/smp_run.c): read back if
 * the CPU holds them. */
void msr_release(struct vcpu *v)
{
	struct percpu *c = this_cpu();

	if (c->msr_owner != v)
		return;
	for (uint32_t i = 0; i < nswitched; i++)
		v->msrs.switched[i] = rdmsr(switched_msrs[i]);
	c->msr_owner = NULL;
}

static int rd_tsc(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = rdtsc() + v->msrs.tsc_adjust;
	return 0;
}

/* The guest's TSC is the CPU's plus an offset, which IA32_TSC_ADJUST
 * shows: writing the TSC adds the difference to both (§18.17.3). */
static void tsc_move(struct vcpu *v, uint64_t delta)
{
	v->msrs.tsc_adjust += delta;
	arch_vcpu_set_tsc_offset(v, v->msrs.tsc_adjust);
	vlapic_tsc_moved(v);
	synic_publish_ref_tsc(v->part);
}

static int wr_tsc(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	tsc_move(v, val - (rdtsc() + v->msrs.tsc_adjust));
	return 0;
}

static int rd_tsc_adjust(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->msrs.tsc_adjust;
	return 0;
}

static int wr_tsc_adjust(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	tsc_move(v, val - v->msrs.tsc_adjust);
	return 0;
}

static int rd_zero(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v, (void)msr;
	*val = 0;
	return 0;
}

/* Microcode: a VM loads none; the signature reads 0 (SDM Vol. 3A
 * §10.11.7: software writes 0, executes CPUID, then reads it). */
static int wr_ignore(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)v, (void)msr, (void)val;
	return 0;
}

static int rd_misc(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->msrs.misc_enable;
	return 0;
}

static int wr_misc(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	if (val & ~(MISC_RW | MISC_RO))
		return -1;
	v->msrs.misc_enable = (v->msrs.misc_enable & ~MISC_RW) | (val & MISC_RW);
	return 0;
}

static int rd_mcg_status(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->msrs.mcg_status;
	return 0;
}

static int wr_mcg_status(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	if (val & ~MCG_STATUS_RW)
		return -1;
	v->msrs.mcg_status = val;
	return 0;
}


static int rd_cstar(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->msrs.cstar;
	return 0;
}

static int wr_cstar(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	if (!x86_canonical(val))
		return -1;
	v->msrs.cstar = val;
	return 0;
}

/* AMD MSRs that exist on every AMD CPU a child may be told it has, and
 * that Linux reads unguarded, read 0 and take only 0 (hv emulates none of
 * their features); on an Intel CPU they do not exist.
 * - SYSCFG (APM Vol. 2 §7.9.1): Linux's MTRR setup reads it
 *   (arch/x86/kernel/cpu/mtrr/generic.c, the fixed-range DRAM modify
 *   check). 0: no RdDram/WrDram extension, no TOP_MEM2, no SME.
 * - Interrupt Pending (0xc0010055, the K8 family's "C1E on CMP halt"
 *   control): Linux reads it on CPUs with the AMD E400 erratum
 *   (arch/x86/kernel/process.c, arch_post_acpi_subsys_init), such as
 *   QEMU's TCG CPU (family 0xf). 0: C1E is not enabled. */
static int rd_amd_zero(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v, (void)msr;
	if (!cpuid_vendor_amd())
		return -1;
	*val = 0;
	return 0;
}

static int wr_amd_zero(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)v, (void)msr;
	return cpuid_vendor_amd() && val == 0 ? 0 : -1;
}

/* Sorted by MSR; anything else is the unhandled case: #GP. MCG_CAP reads
 * 0: no banks, no MCG_CTL, no CMCI, so MCG_CTL, the MCi_* banks and
 * MCi_CTL2 do not exist. Model-specific MSRs (PLATFORM_INFO and the like)
 * are not emulated, so they do not exist either (hv never reads a host
 * MSR on a guest's behalf: one the CPU lacks would fault in hv). */
static const struct msr_row child_msrs[] = {
	{ MSR_IA32_TSC, MSR_IA32_TSC, rd_tsc, wr_tsc },
	{ MSR_IA32_TSC_ADJUST, MSR_IA32_TSC_ADJUST, rd_tsc_adjust, wr_tsc_adjust },
	{ MSR_IA32_BIOS_UPDT_TRIG, MSR_IA32_BIOS_UPDT_TRIG, NULL, wr_ignore },
	{ MSR_IA32_BIOS_SIGN_ID, MSR_IA32_BIOS_SIGN_ID, rd_zero, wr_ignore },
	{ MSR_IA32_MTRRCAP, MSR_IA32_MTRRCAP, mtrr_read, NULL },
	{ MSR_IA32_MCG_CAP, MSR_IA32_MCG_CAP, rd_zero, NULL },
	{ MSR_IA32_MCG_STATUS, MSR_IA32_MCG_STATUS, rd_mcg_status, wr_mcg_status },
	{ MSR_IA32_MISC_ENABLE, MSR_IA32_MISC_ENABLE, rd_misc, wr_misc },
	{ MSR_IA32_MTRR_PHYSBASE0, MSR_IA32_MTRR_PHYSBASE0 + 2 * MTRR_VAR_COUNT - 1,
	  mtrr_read, mtrr_write },
	{ MSR_IA32_MTRR_FIX64K, MSR_IA32_MTRR_FIX64K, mtrr_read, mtrr_write },
	{ MSR_IA32_MTRR_FIX16K_80, MSR_IA32_MTRR_FIX16K_A0, mtrr_read, mtrr_write },
	{ MSR_IA32_MTRR_FIX4K_C0, MSR_IA32_MTRR_FIX4K_F8, mtrr_read, mtrr_write },
	{ MSR_IA32_MTRR_DEF_TYPE, MSR_IA32_MTRR_DEF_TYPE, mtrr_read, mtrr_write },
	{ MSR_CSTAR, MSR_CSTAR, rd_cstar, wr_cstar },
	{ MSR_AMD64_SYSCFG, MSR_AMD64_SYSCFG, rd_amd_zero, wr_amd_zero },
	{ MSR_K8_INT_PENDING, MSR_K8_INT_PENDING, rd_amd_zero, wr_amd_zero },
};

static const struct msr_row *child_row(uint32_t msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(child_msrs); i++)
		if (msr >= child_msrs[i].first && msr <= child_msrs[i].last)
			return &child_msrs[i];
	return NULL;
}

/* 0 and *val, or -1 (#GP). The vLAPIC's MSRs, the table's, the
 * synthetic ones; a parent reaches only the synthetic ones here. */
static int msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	const struct msr_row *row;
	int rc;

	if (!v->part->privileged) {
		rc = vlapic_rdmsr(v, msr, val);
		if (rc != -1)
			return rc ? -1 : 0;
		row = child_row(msr);
		if (row)
			return row->read ? row->read(v, msr, val) : -1;
	}
	return synic_read_msr(v, msr, val);
}

static int msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	const struct msr_row *row;
	int rc;

	if (!v->part->privileged) {
		rc = vlapic_wrmsr(v, msr, val);
		if (rc != -1)
			return rc ? -1 : 0;
		row = child_row(msr);
		if (row)
			return row->write ? row->write(v, msr, val) : -1;
	}
	return synic_write_msr(v, msr, val);
}

void hv_handle_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t val;

	if (msr_read(v, msr, &val)) {
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

	if (msr_write(v, msr, val)) {
		arch_vcpu_inject_gp(v);
		return;
	}
	arch_vcpu_skip_insn(v);
}

/* ---- a vCPU context's MSRs (hv/core/vpctx.c) ---- */

/* The MSRs this file keeps (PAT, SYSENTER and the TSC are the caller's).
 * The parent's hypercall runs, so it owns the switched MSRs and v's are
 * in v->msrs.switched. */
void msr_ctx_get(const struct vcpu *v, struct hvpart_vp_msrs *m)
{
	const struct vcpu_msrs *s = &v->msrs;

	m->star = s->switched[0];
	m->lstar = s->switched[1];
	m->sfmask = s->switched[2];
	m->kernel_gs_base = s->switched[3];
	m->tsc_aux = nswitched == MSR_SWITCHED ? s->switched[4] : 0;
	m->cstar = s->cstar;
	m->misc_enable = s->misc_enable;
	m->mcg_status = s->mcg_status;
	m->mtrr_def_type = s->mtrr_def_type;
	memcpy(m->mtrr_fixed, s->mtrr_fixed, sizeof(m->mtrr_fixed));
	memcpy(m->mtrr_var, s->mtrr_var, sizeof(m->mtrr_var));
}

/* PAT entries 2, 3 are reserved types (SDM Vol. 3A §12.12.2, Table 12-10:
 * WRMSR #GP for 2, 3 and 8 or more). */
static bool pat_valid(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (pat >> (8 * i)) & 0xff;

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

bool msr_value_valid(uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_IA32_PAT:
		return pat_valid(val);
	case MSR_IA32_SYSENTER_CS:      /* bits 63:32 are reserved (Vol. 4 Table 2-2) */
		return !(val >> 32);
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
		return x86_canonical(val);
	default:
		return true;
	}
}

/* The fixed-range MTRRs' MSR numbers, in msrs.mtrr_fixed order. */
static const uint32_t mtrr_fixed_msrs[11] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
};

/* Would every value be taken by WRMSR (Vol. 2B WRMSR #GP; the rules of
 * the rows above, run on a scratch vCPU so v is untouched)? */
int msr_ctx_check(const struct vcpu *v, const struct hvpart_vp_msrs *m)
{
	static struct vcpu scratch;
	int bad = 0;

	scratch.part = v->part;
	msr_vcpu_reset(&scratch);
	bad |= wr_misc(&scratch, MSR_IA32_MISC_ENABLE, m->misc_enable) ||
	       scratch.msrs.misc_enable != m->misc_enable;
	bad |= wr_mcg_status(&scratch, MSR_IA32_MCG_STATUS, m->mcg_status);
	bad |= mtrr_write(&scratch, MSR_IA32_MTRR_DEF_TYPE, m->mtrr_def_type);
	for (unsigned i = 0; i < 11; i++)
		bad |= mtrr_write(&scratch, mtrr_fixed_msrs[i], m->mtrr_fixed[i]);
	for (unsigned i = 0; i < 2 * MTRR_VAR_COUNT; i++)
		bad |= mtrr_write(&scratch, MSR_IA32_MTRR_PHYSBASE0 + i, m->mtrr_var[i]);
	bad |= !msr_value_valid(MSR_LSTAR, m->lstar) || !msr_value_valid(MSR_CSTAR, m->cstar) ||
	       !msr_value_valid(MSR_KERNEL_GS_BASE, m->kernel_gs_base) ||
	       !msr_value_valid(MSR_IA32_SYSENTER_ESP, m->sysenter_esp) ||
	       !msr_value_valid(MSR_IA32_SYSENTER_EIP, m->sysenter_eip) ||
	       !msr_value_valid(MSR_IA32_SYSENTER_CS, m->sysenter_cs) ||
	       !msr_value_valid(MSR_IA32_PAT, m->pat);
	bad |= (m->sfmask >> 32) || (m->tsc_aux >> 32) || (nswitched != MSR_SWITCHED && m->tsc_aux);
	return bad ? -EINVAL : 0;
}

void msr_ctx_set(struct vcpu *v, const struct hvpart_vp_msrs *m)
{
	struct vcpu_msrs *s = &v->msrs;

	s->switched[0] = m->star;
	s->switched[1] = m->lstar;
	s->switched[2] = m->sfmask;
	s->switched[3] = m->kernel_gs_base;
	s->switched[4] = m->tsc_aux;
	s->cstar = m->cstar;
	s->misc_enable = m->misc_enable;
	s->mcg_status = m->mcg_status;
	s->mtrr_def_type = m->mtrr_def_type;
	memcpy(s->mtrr_fixed, m->mtrr_fixed, sizeof(s->mtrr_fixed));
	memcpy(s->mtrr_var, m->mtrr_var, sizeof(s->mtrr_var));
}
