/*
 * SVM bring-up: the support check (AMD APM Vol. 2 §15.4 "Enabling SVM"),
 * EFER.SVME and the host save area (§15.30.4 VM_HSAVE_PA), the I/O and
 * MSR permission maps every vCPU shares (§15.10, §15.11), and the loop
 * that enters vCPUs.
 */
#include "svm.h"
#include <errno.h>
#include <string.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include "../cpu.h"
#include <hv/mm/pool.h>

struct svm_caps svm_caps;
struct svm_maps svm_maps;
/* Bumped by arch_ept_flush; a vCPU that saw an older value flushes its
 * TLB at its next VMRUN. */
uint32_t svm_flush_gen = 1;
/* The VMCB that last ran with each ASID: when partitions share an ASID
 * (more partitions than the CPU has ASIDs), a VMCB that takes it over
 * flushes the TLB first (§15.16). */


static void append(char *why, size_t len, const char *what)
{
	size_t n = strlen(why);

	hv_snprintf(why + n, len - n, "%s%s", n ? ", " : "", what);
}

/* One line naming everything this image needs and the CPU lacks; the
 * VT-x image is named when the CPU has VT-x instead. */
static int svm_check_support(char *why, size_t len)
{
	uint32_t r[4];

	why[0] = '\0';
	cpuid(0x80000000, 0, r);
	if (r[0] < CPUID_SVM_FEATURES) {
		cpuid(1, 0, r);
		hv_snprintf(why, len, "no AMD SVM (no CPUID leaf 8000_000Ah)%s",
			    (r[2] & (1u << 5)) ? "; this CPU has VT-x: boot the VT-x image (hv.elf)" : "");
		return -ENODEV;
	}
	cpuid(0x80000001, 0, r);
	svm_caps.gbpages = r[3] & (1u << 26);
	if (!(r[2] & (1u << 2))) {
		uint32_t r1[4];

		cpuid(1, 0, r1);
		hv_snprintf(why, len, "no AMD SVM (CPUID 8000_0001h:ECX.SVM[bit 2] = 0)%s",
			    (r1[2] & (1u << 5)) ? "; this CPU has VT-x: boot the VT-x image (hv.elf)" : "");
		return -ENODEV;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		append(why, len, "SVM disabled by the firmware (VM_CR.SVMDIS)");
	cpuid(CPUID_SVM_FEATURES, 0, r);
	svm_caps.revision = r[0] & 0xff;
	svm_caps.nasid = r[1];
	svm_caps.features = r[3];
	if (!(r[3] & SVM_F_NP))
		append(why, len, "nested paging (CPUID 8000_000Ah:EDX.NP)");
	if (svm_caps.nasid < 2)
		append(why, len, "guest ASIDs");
	return why[0] ? -ENODEV : 0;
}

/* EFER.SVME and a host save area of this CPU's own (APM Vol. 2
 * §15.4, §15.30.4 VM_HSAVE_PA), after the checks: each CPU has its own
 * VM_CR. */
static int cpu_enter_root(char *why, size_t len)
{
	struct arch_cpu *ac = &this_cpu()->arch;

	if (svm_check_support(why, len))
		return -ENODEV;
	if (hv_pool_alloc(&ac->hsave_pa) || hv_pool_alloc(&ac->host_vmcb_pa)) {
		hv_snprintf(why, len, "out of memory in hv's pool while booting");
		return -ENOMEM;
	}
	/* NXE: nested page tables mark non-executable pages with NX, valid
	 * only with the host's EFER.NXE (hv/mm/ept.h, EPT_OPT_NPT). */
	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_SVME | EFER_NXE);
	wrmsr(MSR_VM_HSAVE_PA, ac->hsave_pa);
	return 0;
}

int arch_cpu_enable_ap(char *why, size_t len)
{
	int rc = cpu_enter_root(why, len);

	if (!rc)
		x86_timer_init_ap();
	return rc;
}

int arch_cpu_enable(char *why, size_t len)
{
	const char *no_timer;
	uint32_t f;
	int rc = cpu_enter_root(why, len);

	if (rc)
		return rc;
	f = svm_caps.features;
	svm_dr_init();
	hv_info("hv: SVM ok: revision %u, %u ASIDs, nested paging%s%s%s%s%s",
		svm_caps.revision, svm_caps.nasid, svm_caps.gbpages ? " 1G" : "",
		(f & SVM_F_NRIPS) ? ", NRIPS" : ", no NRIPS (lengths decoded)",
		(f & SVM_F_VMCB_CLEAN) ? ", VMCB clean bits" : "",
		(f & SVM_F_FLUSH_ASID) ? ", flush by ASID" : "",
		(f & SVM_F_DECODE) ? ", decode assists" : "");
	if (svm_selftest())
		hv_err("hv: SVM self-test failed (see above); continuing");
	if ((no_timer = svm_timer_init()))
		hv_info("hv: no timer for hv: %s; a child's turn ends at the parent's next interrupt",
			no_timer);
	return 0;
}

/* Get-VMHost shows the SVM revision where VT-x shows its VMCS revision,
 * and the SVM features in use where VT-x shows its own. */
void arch_fill_host_info(struct hvpart_host_info *hi)
{
	static const struct { uint32_t svm, abi; } map[] = {
		{ SVM_F_NP, HVPART_SVMF_NPT }, { SVM_F_NRIPS, HVPART_SVMF_NRIPS },
		{ SVM_F_VMCB_CLEAN, HVPART_SVMF_VMCB_CLEAN },
		{ SVM_F_FLUSH_ASID, HVPART_SVMF_FLUSH_ASID }, { SVM_F_DECODE, HVPART_SVMF_DECODE },
	};

	hi->arch = HVPART_ARCH_SVM;
	hi->vmx_features = svm_caps.gbpages ? HVPART_SVMF_NPT_1G : 0;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (svm_caps.features & map[i].svm)
			hi->vmx_features |= map[i].abi;
	hi->vmcs_revision = svm_caps.revision;
}

unsigned arch_ept_opts(void)
{
	return EPT_OPT_NPT | (svm_caps.gbpages ? 0 : EPT_OPT_NO_1G);
}

/* A partition's nested tables lost pages: every vCPU flushes its TLB
 * entries at its next VMRUN (TLB_CONTROL, §15.16.1). Atomic: each CPU
 * serves another's flush here (hv/core/smp_run.c, smp_service), some
 * outside hv's lock, and an increment lost to a stale read-modify-write
 * could put back a value a vCPU last saw, skipping its flush. */
void arch_ept_flush(void)
{
	__atomic_add_fetch(&svm_flush_gen, 1, __ATOMIC_ACQ_REL);
}

/* VMMCALL (APM Vol. 3, "VMMCALL"): 0F 01 D9, the hypercall page's
 * instruction on AMD (TLFS v6.0 §3.13). */
const uint8_t *arch_hypercall_insn(size_t *len)
{
	static const uint8_t vmmcall[] = { 0x0f, 0x01, 0xd9 };

	*len = sizeof(vmmcall);
	return vmmcall;
}

/* n physically contiguous pages of hv's pool (the maps are larger than
 * a page); taken at the first vCPU's creation, when the pool is fresh. */
static int pool_contig(unsigned n, uint64_t *pa)
{
	uint64_t p, prev;

	if (hv_pool_alloc(pa))
		return -ENOMEM;
	prev = *pa;
	for (unsigned i = 1; i < n; i++, prev = p)
		if (hv_pool_alloc(&p) || p != prev + 4096)
			return -ENOMEM;   /* leaks a page of a failed boot */
	return 0;
}

/* The byte offset of msr's range in the MSRPM: three 2 KiB ranges,
 * 0-1FFFh, C000_0000h-C000_1FFFh, C001_0000h-C001_1FFFh (§15.11,
 * Figure 15-5); bit 2n of a range reads, 2n+1 writes. -1: outside
 * (always intercepted). */
static int msrpm_base(uint32_t msr)
{
	if (msr < 0x2000)
		return 0;
	if (msr - 0xc0000000u < 0x2000)
		return 0x800;
	if (msr - 0xc0010000u < 0x2000)
		return 0x1000;
	return -1;
}

/* Two bits per MSR, the read intercept below the write (§15.11). */
static void msrpm_clear(uint8_t *pm, uint32_t msr, unsigned bits)
{
	int base = msrpm_base(msr);
	uint32_t bit = (msr & 0x1fff) * 2;

	if (base >= 0)
		pm[base + bit / 8] &= (uint8_t)~(bits << (bit % 8));
}

static void msrpm_pass(uint8_t *pm, uint32_t msr)
{
	msrpm_clear(pm, msr, 3);
}

static void msrpm_trap(uint8_t *pm, uint32_t msr)
{
	int base = msrpm_base(msr);
	uint32_t bit = (msr & 0x1fff) * 2;

	if (base >= 0)
		pm[base + bit / 8] |= (uint8_t)(3u << (bit % 8));
}

/* Children: every port exits; every MSR but the ones VMLOAD/VMSAVE or the
 * VMCB switch (SYSENTER, FS/GS base, KERNEL_GS_BASE, STAR, LSTAR, SFMASK;
 * with nested paging the guest's PAT is G_PAT, §15.25.8) and TSC_AUX,
 * which hv/core/msr.c switches. Of those, SYSENTER and LSTAR are read
 * without an exit but written through one, and PAT exits for both
 * (svm_exit.c, vmcb_msr_access): a guest writes them once at boot, and hv
 * checks the value as WRMSR must (#GP for a reserved PAT type or a
 * non-canonical address) where an emulator does not (QEMU 7.2 takes both,
 * keeps 16 bits of SYSENTER_CS and ignores G_PAT). The parent: the ports and MSRs pass
 * through (docs/ARCHITECTURE.md rule 2) but the listed ports. Both trap
 * EFER, whose SVME hv owns (the backend's MSR exit), and the SVM MSRs
 * VM_CR, IGNNE, SMM_CTL and VM_HSAVE_PA (C001_0114h-0117h, §15.30), which
 * are hv's: the parent gets what hv/core/msr.c gives an unknown MSR. */
int svm_setup_maps(const uint16_t *trap_ports, size_t n)
{
	static const uint32_t pass[] = { 0xc0000081, 0xc0000084, 0xc0000100, 0xc0000101,
		0xc0000102, 0xc0000103 };
	struct svm_maps *m = &svm_maps;
	uint8_t *io, *pm;

	if (!m->child_iopm &&
	    (pool_contig(SVM_IOPM_PAGES, &m->child_iopm) || pool_contig(SVM_IOPM_PAGES, &m->pass_iopm) ||
	     pool_contig(SVM_MSRPM_PAGES, &m->child_msrpm) || pool_contig(SVM_MSRPM_PAGES, &m->pass_msrpm)))
		return -ENOMEM;
	memset((void *)(uintptr_t)m->child_iopm, 0xff, SVM_IOPM_PAGES * 4096);
	pm = (uint8_t *)(uintptr_t)m->child_msrpm;
	memset(pm, 0xff, SVM_MSRPM_PAGES * 4096);
	for (size_t i = 0; i < ARRAY_SIZE(pass); i++)
		msrpm_pass(pm, pass[i]);
	for (size_t i = 0; i < ARRAY_SIZE(svm_write_checked_msrs); i++)
		msrpm_clear(pm, svm_write_checked_msrs[i], 1);
	pm = (uint8_t *)(uintptr_t)m->pass_msrpm;
	msrpm_trap(pm, (uint32_t)MSR_IA32_EFER);
	for (uint32_t msr = MSR_VM_CR; msr <= MSR_VM_HSAVE_PA; msr++)
		msrpm_trap(pm, msr);
	io = (uint8_t *)(uintptr_t)m->pass_iopm;
	for (size_t i = 0; i < n; i++)
		io[trap_ports[i] / 8] |= (uint8_t)(1u << (trap_ports[i] % 8));
	return 0;
}

void arch_vcpu_run(struct vcpu *v)
{
	struct percpu *c = this_cpu();
	struct vmcb *vm;
	bool armed, arrived;

	arch_vcpu_load(v);
	sched_prepare_entry(v);
	hv_unlock();   /* svm_handle_exit takes it again */
	for (;;) {
		vm = svm_vmcb(v);
		svm_timer_before_run(v);
		vm->save.rax = v->gpr[GPR_RAX];
		/* Also on arriving from another CPU (smp_balance): the
		 * entries it left here missed the INVLPGs its guest ran
		 * there, and the ASID's owner here may still be it. */
		arrived = v->arch.ran_cpu != c->index + 1;
		if (v->arch.flush_gen != svm_flush_gen || v->arch.first_run ||
		    c->arch.asid_owner[v->arch.asid] != v->arch.vmcb_pa || arrived) {
			vm->ctl.tlb_control = SVM_TLB_FLUSH_ALL;
			v->arch.flush_gen = svm_flush_gen;
			c->arch.asid_owner[v->arch.asid] = v->arch.vmcb_pa;
			c->tlb_flushes += arrived;
			v->arch.ran_cpu = c->index + 1;
		}
		/* §15.15.3: a VMCB new to this CPU, or after another ran here
		 * (hv does not track which groups the CPU kept), has no clean
		 * group. */
		if (v->arch.first_run || c->arch.last_vmcb != v->arch.vmcb_pa)
			vm->ctl.clean = 0;
		v->arch.first_run = 0;
		c->arch.last_vmcb = v->arch.vmcb_pa;
		armed = svm_dr_before_run(v);
		svm_virq_rescue(v);
		svm_kick_after_inject(v);
		svm_run(v, c->arch.host_vmcb_pa);
		svm_dr_after_run(armed);
		vm->ctl.tlb_control = SVM_TLB_NONE;
		v->gpr[GPR_RAX] = vm->save.rax;
		/* Everything hv did not write since is as the CPU left it. */
		vm->ctl.clean = VMCB_CLEAN_ALL & ~VMCB_CLEAN_AVIC;
		v = svm_handle_exit(v);
	}
}
