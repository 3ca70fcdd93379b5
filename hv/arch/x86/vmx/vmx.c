/*
 * VT-x bring-up: capability checks (SDM Vol. 3C §24.6 "Discovering Support
 * for VMX", Vol. 3D Appendix A), VMXON (§24.7, §24.8), the controls and
 * host state of a vCPU's VMCS (§25, §26.2-26.3 entry checks), and the
 * loop that first enters the parent.
 */
#include "vmx.h"
#include <errno.h>
#include <string.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include <hv/mm/pool.h>
#include "../cpu.h"

struct vmx_caps vmx_caps;

static void read_ctl_msr(uint32_t msr, uint32_t ok[2])
{
	uint64_t v = rdmsr(msr);

	ok[0] = (uint32_t)v;          /* bits that must be 1 */
	ok[1] = (uint32_t)(v >> 32);  /* bits that may be 1 */
}

static void vmx_read_caps(void)
{
	uint64_t basic = rdmsr(MSR_VMX_BASIC);
	bool tr = basic & VMX_BASIC_TRUE_CTLS;

	vmx_caps.revision = basic & 0x7fffffff;
	read_ctl_msr(tr ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED, vmx_caps.pin_ok);
	read_ctl_msr(tr ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED, vmx_caps.proc_ok);
	read_ctl_msr(tr ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT, vmx_caps.exit_ok);
	read_ctl_msr(tr ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY, vmx_caps.entry_ok);
	if (vmx_caps.proc_ok[1] & PROC_SECONDARY)
		read_ctl_msr(MSR_VMX_PROCBASED2, vmx_caps.proc2_ok);
	vmx_caps.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	vmx_caps.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	vmx_caps.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	vmx_caps.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	vmx_caps.misc = rdmsr(MSR_VMX_MISC);
	if (vmx_caps.proc2_ok[1] & (PROC2_EPT | PROC2_VPID))
		vmx_caps.ept_vpid = rdmsr(MSR_VMX_EPT_VPID_CAP);
}

static void append(char *why, size_t len, const char *what)
{
	size_t n = strlen(why);

	hv_snprintf(why + n, len - n, "%s%s", n ? ", " : "", what);
}

static void vmx_collect_missing(char *why, size_t len)
{
	const struct vmx_caps *c = &vmx_caps;
	bool ept = c->proc2_ok[1] & PROC2_EPT;

	if (!(c->proc_ok[1] & PROC_SECONDARY))
		append(why, len, "secondary controls");
	if (!ept)
		append(why, len, "EPT");
	else if (!(c->ept_vpid & EPT_CAP_WALK4) || !(c->ept_vpid & EPT_CAP_WB))
		append(why, len, "4-level write-back EPT");
	else if (!(c->ept_vpid & EPT_CAP_INVEPT))
		append(why, len, "INVEPT");
	if (!(c->proc2_ok[1] & PROC2_UNRESTRICTED))
		append(why, len, "unrestricted guest");
	if (!(c->proc2_ok[1] & PROC2_VPID))
		append(why, len, "VPID");
	else if (!(c->ept_vpid & EPT_CAP_INVVPID) ||
		 !(c->ept_vpid & (EPT_CAP_INVVPID_SINGLE | EPT_CAP_INVVPID_ALL)))
		append(why, len, "INVVPID");
	if (!(c->pin_ok[1] & PIN_PREEMPT_TIMER))
		append(why, len, "VMX-preemption timer");
	if (!(c->exit_ok[1] & EXIT_LOAD_EFER) || !(c->entry_ok[1] & ENTRY_LOAD_EFER))
		append(why, len, "EFER load controls");
	if (!(c->exit_ok[1] & EXIT_HOST_ADDR64) || !(c->entry_ok[1] & ENTRY_IA32E_GUEST))
		append(why, len, "64-bit host/guest controls");
}

/* Checks VT-x support; on failure writes one line naming everything
 * missing into why and returns -ENODEV. */
static int vmx_check_support(char *why, size_t len)
{
	uint32_t r[4];
	uint64_t fc;

	why[0] = '\0';
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 5))) {
		cpuid(0x80000001, 0, r);
		hv_snprintf(why, len, "no VT-x (CPUID.1:ECX.VMX[bit 5] = 0%s)",
			    (r[2] & (1u << 2)) ? "; this CPU has AMD SVM: boot the SVM image (hv-svm.elf, hvpart-svm.iso)" : "");
		return -ENODEV;
	}
	/* IA32_FEATURE_CONTROL: bit 0 lock, bit 2 VMX outside SMX (SDM Vol. 3C §24.7). */
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & 1)) {
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | 1 | 4);
		fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	}
	if (!(fc & 4)) {
		hv_snprintf(why, len, "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL = %#lx)", fc);
		return -ENODEV;
	}
	vmx_read_caps();
	vmx_collect_missing(why, len);
	if (why[0])
		return -ENODEV;
	vmx_caps.features = HVPART_VMXF_EPT | HVPART_VMXF_UNRESTRICTED | HVPART_VMXF_VPID |
			    HVPART_VMXF_PREEMPT_TIMER;
	if (vmx_caps.ept_vpid & EPT_CAP_2M)
		vmx_caps.features |= HVPART_VMXF_EPT_2M;
	if (vmx_caps.ept_vpid & EPT_CAP_1G)
		vmx_caps.features |= HVPART_VMXF_EPT_1G;
	if (vmx_caps.misc & VMX_MISC_ACT_HLT)
		vmx_caps.features |= HVPART_VMXF_ACT_HLT;
	return 0;
}

static int vmx_enable(void *vmxon_region, uint64_t vmxon_pa)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();
	uint8_t fail;

	/* CR0/CR4 must respect the fixed bits while in VMX operation
	 * (SDM Vol. 3D §A.7, A.8). */
	cr0 = (cr0 | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
	cr4 = (cr4 | vmx_caps.cr4_fixed0 | CR4_VMXE) & vmx_caps.cr4_fixed1;
	write_cr0(cr0);
	write_cr4(cr4);
	memset(vmxon_region, 0, 4096);
	*(uint32_t *)vmxon_region = vmx_caps.revision;
	__asm__ volatile("vmxon %1; setna %0" : "=qm"(fail) : "m"(vmxon_pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

/* VMXON on this CPU with a VMXON region of its own (SDM Vol. 3C
 * §24.7); the checks first, since each CPU has its own
 * IA32_FEATURE_CONTROL. */
static int cpu_enter_root(char *why, size_t len)
{
	struct arch_cpu *ac = &this_cpu()->arch;

	if (hv_pool_alloc(&ac->vmxon_pa)) {
		hv_snprintf(why, len, "out of memory in hv's pool while booting");
		return -ENOMEM;
	}
	if (vmx_check_support(why, len))
		return -ENODEV;
	if (vmx_enable((void *)(uintptr_t)ac->vmxon_pa, ac->vmxon_pa)) {
		hv_snprintf(why, len, "VMXON failed");
		return -EIO;
	}
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
	int rc = cpu_enter_root(why, len);

	if (rc)
		return rc;
	hv_info("hv: VT-x ok: VMCS revision %#x, EPT%s%s, unrestricted guest, VPID, preemption timer",
		vmx_caps.revision,
		(vmx_caps.features & HVPART_VMXF_EPT_2M) ? " 2M" : "",
		(vmx_caps.features & HVPART_VMXF_EPT_1G) ? " 1G" : "");
	/* Only for an idle AP's wait (vmx_vcpu.c, arch_cpu_wait_until): the
	 * boot CPU's stays disarmed, the parent never sees it fire. */
	if ((no_timer = x86_timer_init(HV_KICK_VECTOR)))
		hv_info("hv: no LAPIC timer for hv: %s; an idle AP polls its children's timers",
			no_timer);
	return 0;
}

void arch_fill_host_info(struct hvpart_host_info *hi)
{
	hi->arch = HVPART_ARCH_VMX;
	hi->vmx_features = vmx_caps.features;
	hi->vmcs_revision = vmx_caps.revision;
}

/* Adjust a control word to what the CPU allows (SDM Vol. 3D §A.3.1). */
static int ctl_adjust(const uint32_t ok[2], uint32_t want, uint32_t *out, const char *what)
{
	uint32_t v = (want | ok[0]) & ok[1];

	if ((v & want) != want) {
		hv_err("hv: VMX %s control bits %#x not allowed by this CPU", what,
		       want & ~v);
		return -ENODEV;
	}
	*out = v;
	return 0;
}

/* hv-trace.elf's profile counts each guest run by the preemption timer's
 * value the exit saves (vmx_trace_ran, SDM Vol. 3C §25.7.1). */
#ifdef HV_TRACE
#define TRACE_EXIT_CTLS EXIT_SAVE_PREEMPT_TIMER
#else
#define TRACE_EXIT_CTLS 0u
#endif

int vmx_setup_controls(const struct vmx_guest_init *gi)
{
	uint32_t pin = 0, proc = 0, proc2 = 0, exitc = 0, entry = 0;
	int rc = 0;

	/* Children: physical interrupts exit (the parent owns them,
	 * docs/ARCHITECTURE.md rule 2) and every port access exits (rule 3).
	 * The preemption timer bounds every partition's turn
	 * (hv/core/sched.c). */
	rc |= ctl_adjust(vmx_caps.pin_ok, PIN_PREEMPT_TIMER |
			 (gi->child || gi->intr_exit ? PIN_EXT_INTR_EXIT : 0), &pin, "pin-based");
	rc |= ctl_adjust(vmx_caps.proc_ok, PROC_HLT_EXIT | PROC_USE_MSR_BITMAPS | PROC_SECONDARY |
			 (gi->child ? PROC_UNCOND_IO_EXIT | PROC_USE_TSC_OFFSET : PROC_USE_IO_BITMAPS),
			 &proc, "processor-based");
	/* With EPT, CR3 accesses need not exit (TRUE controls allow clearing
	 * them, SDM Vol. 3D §A.3.2). */
	proc &= ~(PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT) | vmx_caps.proc_ok[0];
	/* XSAVES/XRSTORS stay off: CPUID does not offer them (IA32_XSS is
	 * not emulated), and with the control clear they are #UD (SDM Vol.
	 * 3C §25.6.2, Table 25-7). */
	/* A child's xAPIC page: "virtualize APIC accesses" without "use TPR
	 * shadow" (vmx_vcpu.c, arch_apic_access_page; §30.4). */
	rc |= ctl_adjust(vmx_caps.proc2_ok, PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED |
			 (vmx_caps.proc2_ok[1] & (PROC2_RDTSCP | PROC2_INVPCID)) |
			 (gi->apic_access_pa ? PROC2_VIRT_APIC_ACCESS : 0),
			 &proc2, "secondary");
	/* The guest's DR7 and DEBUGCTL: a VM exit sets DR7 to 400H whatever
	 * (SDM Vol. 3C §28.5.1), so without "save debug controls" and "load
	 * debug controls" (§25.7.1, §25.8.1; default1 in the non-TRUE MSRs)
	 * a child's breakpoints ended at its next exit. */
	rc |= ctl_adjust(vmx_caps.exit_ok, EXIT_SAVE_DEBUG | EXIT_HOST_ADDR64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
			 (vmx_caps.exit_ok[1] & (EXIT_SAVE_PAT | EXIT_LOAD_PAT | TRACE_EXIT_CTLS)), &exitc, "exit");
	rc |= ctl_adjust(vmx_caps.entry_ok, ENTRY_LOAD_DEBUG | ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER |
			 (vmx_caps.entry_ok[1] & ENTRY_LOAD_PAT), &entry, "entry");
	if (rc)
		return -ENODEV;
	vmwrite(VMCS_PIN_CTLS, pin);
	vmwrite(VMCS_PROC_CTLS, proc);
	vmwrite(VMCS_PROC_CTLS2, proc2);
	vmwrite(VMCS_EXIT_CTLS, exitc);
	vmwrite(VMCS_ENTRY_CTLS, entry);
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_EPT_POINTER, gi->eptp);
	vmwrite(VMCS_MSR_BITMAP, gi->msr_bitmap_pa);
	if (gi->apic_access_pa)
		vmwrite(VMCS_APIC_ACCESS_ADDR, gi->apic_access_pa);
	if (!gi->child) {
		vmwrite(VMCS_IO_BITMAP_A, gi->io_bitmap_a_pa);
		vmwrite(VMCS_IO_BITMAP_B, gi->io_bitmap_b_pa);
	}
	vmwrite(VMCS_PREEMPTION_TIMER, 0xffffffff);
	vmwrite(VMCS_TSC_OFFSET, 0);
	/* The guest sees CR4.VMXE clear: it is owned by hv (guest/host mask,
	 * SDM Vol. 3C §25.6.6). */
	/* Children may clear CR0.NE, which VMX needs set: hv owns the bit and
	 * shows the guest its own value (CR0 fixed bits, SDM Vol. 3D §A.7). */
	vmwrite(VMCS_CR0_MASK, gi->child ? CR0_NE : 0);
	vmwrite(VMCS_CR0_SHADOW, 0);
	vmwrite(VMCS_CR4_MASK, CR4_VMXE);
	vmwrite(VMCS_CR4_SHADOW, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	return 0;
}

/* The top slot of this CPU's exit stack: the vCPU vmx_exit_stub hands
 * to vmx_handle_exit. */
static uint64_t *exit_slot(void)
{
	return (uint64_t *)(this_cpu()->arch.exit_stack + ARCH_EXIT_STACK_SIZE - 16);
}

void vmx_setup_host(struct vcpu *v)
{
	uint64_t *slot = exit_slot();

	*slot = (uint64_t)v;
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SEL, HV_SEL_CODE);
	vmwrite(VMCS_HOST_SS_SEL, HV_SEL_DATA);
	vmwrite(VMCS_HOST_DS_SEL, HV_SEL_DATA);
	vmwrite(VMCS_HOST_ES_SEL, HV_SEL_DATA);
	vmwrite(VMCS_HOST_FS_SEL, 0);
	vmwrite(VMCS_HOST_GS_SEL, 0);
	vmwrite(VMCS_HOST_TR_SEL, HV_SEL_TSS);
	vmwrite(VMCS_HOST_FS_BASE, 0);
	vmwrite(VMCS_HOST_GS_BASE, (uint64_t)this_cpu());   /* this_cpu() (hv/include/hv/percpu.h) */
	vmwrite(VMCS_HOST_TR_BASE, cpu_tss_base());
	vmwrite(VMCS_HOST_GDTR_BASE, cpu_gdt_base());
	vmwrite(VMCS_HOST_IDTR_BASE, cpu_idt_base());
	vmwrite(VMCS_HOST_SYSENTER_CS, 0);
	vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	vmwrite(VMCS_HOST_EFER, rdmsr(MSR_IA32_EFER));
	vmwrite(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(VMCS_HOST_RSP, (uint64_t)slot);
	vmwrite(VMCS_HOST_RIP, (uint64_t)vmx_exit_stub);
}

/*
 * A vCPU's cached translations are tagged with its VPID (combined
 * mappings, SDM Vol. 3C §29.3.1), and neither VM entry nor exit flushes
 * them (§29.3.3.1). Those it left on a CPU it moved away from miss the
 * INVLPGs and CR3 loads its guest did elsewhere meanwhile, so arriving
 * on a CPU other than the one it last ran on (or on its first entry,
 * its VPID maybe a deleted partition's) it flushes them there (INVVPID,
 * §31.3: single-context, or all-context where that is all there is).
 */
void vmx_vpid_arrive(struct vcpu *v)
{
	uint32_t me = this_cpu()->index + 1;
	struct {
		uint64_t vpid, addr;
	} desc = { v->arch.vpid, 0 };
	uint64_t type = (vmx_caps.ept_vpid & EPT_CAP_INVVPID_SINGLE) ? 1 : 2;

	if (v->arch.ran_cpu == me)
		return;
	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
	v->arch.ran_cpu = me;
	this_cpu()->tlb_flushes++;
}

void arch_vcpu_run(struct vcpu *v)
{
	uint64_t *slot = exit_slot();

	for (;;) {
		*slot = (uint64_t)v;
		arch_vcpu_load(v);
		sched_prepare_entry(v);
		vmx_vpid_arrive(v);
		hv_unlock();
		vmx_enter_guest(v);
		v = vmx_entry_failed(v);
		hv_lock();
		*slot = (uint64_t)v;
	}
}
