/*
 * VM-exit dispatch (SDM Vol. 3C Chapter 28 "VM Exits"; exit reasons in
 * Vol. 3D Appendix C). One table maps each basic exit reason to a handler
 * and a vendor-neutral statistics bucket; reasons without an entry take
 * the explicit "unhandled" path, which logs the reason, the qualification
 * and a guest-state dump, and stops only that partition.
 */
#include "vmx.h"
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#ifdef HV_TRACE
#include "hv/core/guestmem.h"
#endif

typedef void (*exit_fn)(struct vcpu *v, uint64_t qual);

struct exit_entry {
	exit_fn fn;
	uint8_t kind;      /* enum hvpart_exit_kind */
	const char *name;
};

uint64_t arch_vcpu_rip(struct vcpu *v)
{
	(void)v;
	return vmread(VMCS_GUEST_RIP);
}

uint64_t arch_vcpu_rsp(struct vcpu *v)
{
	(void)v;
	return vmread(VMCS_GUEST_RSP);
}

void arch_vcpu_set_rsp(struct vcpu *v, uint64_t rsp)
{
	(void)v;
	vmwrite(VMCS_GUEST_RSP, rsp);
}

bool arch_vcpu_long_mode(struct vcpu *v)
{
	/* IA-32e mode and CS.L (access rights bit 13, SDM Vol. 3C §25.4.1). */
	(void)v;
	return (vmread(VMCS_GUEST_EFER) & EFER_LMA) && (vmread(VMCS_GUEST_CS_AR) & (1u << 13));
}

bool arch_vcpu_irq_in_flight(struct vcpu *v)
{
	(void)v;
	return false;
}

bool arch_vcpu_irq_enabled(struct vcpu *v)
{
	(void)v;
	return vmread(VMCS_GUEST_RFLAGS) & (1u << 9);
}

/* CPL is SS.DPL (access rights bits 6:5, SDM Vol. 3C §25.4.1), also in
 * real mode (0) and virtual-8086 mode (3). */
unsigned arch_vcpu_cpl(struct vcpu *v)
{
	(void)v;
	return (vmread(VMCS_GUEST_SS_AR) >> 5) & 3;
}

uint64_t arch_vcpu_cr4(struct vcpu *v)
{
	(void)v;
	return vmx_cr4_read();
}

/* The parent's HLT waits in activity state HLT (= 1, SDM Vol. 3C
 * §27.7.4) where the CPU has it; otherwise hv resumes it after the HLT
 * and it spins through its idle loop. */
void arch_vcpu_set_halted(struct vcpu *v)
{
	(void)v;
	if (vmx_caps.features & HVPART_VMXF_ACT_HLT)
		vmwrite(VMCS_GUEST_ACTIVITY_STATE, 1);
}

/* The preemption timer also counts down in the HLT activity state, and
 * the exit saves that state (SDM Vol. 3C §26.5.1, §28.3.4). */
bool arch_vcpu_halted(struct vcpu *v)
{
	(void)v;
	return vmread(VMCS_GUEST_ACTIVITY_STATE) == 1;
}

void vmx_advance_rip(uint64_t len)
{
	uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);

	vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + len);
	/* Completing an instruction ends STI/MOV-SS blocking (SDM Vol. 3C
	 * §25.4.2, interruptibility state bits 0-1). */
	if (intr & 3)
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ull);
	/* With RFLAGS.TF the instruction hv completed ends in a single-step
	 * trap, as the CPU's own would: pending debug exception BS (bit 14,
	 * §25.4.2 Table 25-4), delivered as #DB with DR6.BS at entry
	 * (§27.7.3). */
	if (vmread(VMCS_GUEST_RFLAGS) & (1u << 8))
		vmwrite(VMCS_GUEST_PENDING_DBG, vmread(VMCS_GUEST_PENDING_DBG) | (1u << 14));
}

/* An exit in the middle of delivering an event (IDT-vectoring
 * information valid, SDM Vol. 3C §28.2.4) lost that event: it is
 * delivered again at the next entry (§29.8.3 "Reflecting the event"),
 * with its error code and, for software interrupts and exceptions, the
 * instruction length. Interrupt injection then waits (arch_vcpu_inject_irq
 * sees the valid bit). */
static void requeue_vectoring(void)
{
	uint32_t info = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
	unsigned type = (info >> 8) & 7;

	if (!(info & (1u << 31)))
		return;
	vmwrite(VMCS_ENTRY_INTR_INFO, info & ~(1u << 12));   /* bit 12: undefined here */
	if (info & (1u << 11))
		vmwrite(VMCS_ENTRY_EXC_ERROR, vmread(VMCS_IDT_VECTORING_ERROR));
	if (type == 4 || type == 5 || type == 6)
		vmwrite(VMCS_ENTRY_INSN_LEN, vmread(VMCS_EXIT_INSN_LEN));
}

bool arch_vcpu_delivering_event(struct vcpu *v)
{
	(void)v;
	return vmread(VMCS_IDT_VECTORING_INFO) & (1u << 31);
}

void arch_vcpu_skip_insn(struct vcpu *v)
{
	(void)v;
	vmx_advance_rip(vmread(VMCS_EXIT_INSN_LEN));
}

void arch_vcpu_advance_rip(struct vcpu *v, uint64_t len)
{
	(void)v;
	vmx_advance_rip(len);
}

/* Event injection (SDM Vol. 3C §27.6 "Event Injection"): type 3 = hardware
 * exception, bit 11 = deliver error code, bit 31 = valid. */
void arch_vcpu_inject_gp(struct vcpu *v)
{
	(void)v;
	vmwrite(VMCS_ENTRY_INTR_INFO, 13 | (3u << 8) | (1u << 11) | (1u << 31));
	vmwrite(VMCS_ENTRY_EXC_ERROR, 0);
}

void arch_vcpu_inject_ud(struct vcpu *v)
{
	(void)v;
	vmwrite(VMCS_ENTRY_INTR_INFO, 6 | (3u << 8) | (1u << 31));
}

void arch_vcpu_inject_fault(struct vcpu *v, unsigned vector)
{
	bool err = vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;

	(void)v;
	vmwrite(VMCS_ENTRY_INTR_INFO, (vector & 0xff) | (3u << 8) | (err ? 1u << 11 : 0) | (1u << 31));
	if (err)
		vmwrite(VMCS_ENTRY_EXC_ERROR, 0);
}

void arch_vcpu_dump(struct vcpu *v)
{
	hv_err("  rip %#lx rsp %#lx rflags %#lx cs %#lx",
	       vmread(VMCS_GUEST_RIP), vmread(VMCS_GUEST_RSP),
	       vmread(VMCS_GUEST_RFLAGS), vmread(VMCS_GUEST_CS_SEL));
	hv_err("  cr0 %#lx cr3 %#lx cr4 %#lx efer %#lx",
	       vmread(VMCS_GUEST_CR0), vmread(VMCS_GUEST_CR3),
	       vmread(VMCS_GUEST_CR4), vmread(VMCS_GUEST_EFER));
	hv_err("  rax %#lx rbx %#lx rcx %#lx rdx %#lx rsi %#lx rdi %#lx",
	       v->gpr[GPR_RAX], v->gpr[GPR_RBX], v->gpr[GPR_RCX],
	       v->gpr[GPR_RDX], v->gpr[GPR_RSI], v->gpr[GPR_RDI]);
	hv_err("  idt-vectoring %#lx exit-intr %#lx gpa %#lx gla %#lx",
	       vmread(VMCS_IDT_VECTORING_INFO), vmread(VMCS_EXIT_INTR_INFO),
	       vmread(VMCS_GUEST_PHYS_ADDR), vmread(VMCS_GUEST_LINEAR_ADDR));
}

static void exit_cpuid(struct vcpu *v, uint64_t qual)
{
	(void)qual;
	hv_handle_cpuid(v);
}

static void exit_rdmsr(struct vcpu *v, uint64_t qual)
{
	(void)qual;
	hv_handle_rdmsr(v);
}

static void exit_wrmsr(struct vcpu *v, uint64_t qual)
{
	(void)qual;
	hv_handle_wrmsr(v);
}

/* VMCALL (SDM Vol. 2C): 0F 01 C1. */
const uint8_t *arch_hypercall_insn(size_t *len)
{
	static const uint8_t vmcall[] = { 0x0f, 0x01, 0xc1 };

	*len = sizeof(vmcall);
	return vmcall;
}

static void exit_xsetbv(struct vcpu *v, uint64_t qual)
{
	(void)qual;
	hv_handle_xsetbv(v);
}

static void exit_vmcall(struct vcpu *v, uint64_t qual)
{
	(void)qual;
	hv_handle_hypercall(v);
}

static void exit_hlt(struct vcpu *v, uint64_t qual)
{
	(void)qual;
	hv_handle_hlt(v);
}

/* Exit qualification for I/O instructions: SDM Vol. 3C Table 28-5. */
static void exit_io(struct vcpu *v, uint64_t q)
{
	const struct hv_io_access a = {
		.port = IOQ_PORT(q), .size = (uint8_t)IOQ_SIZE(q),
		.in = q & IOQ_IN, .string = q & IOQ_STRING,
	};

	hv_handle_io(v, &a);
}

/* The guest's paging controls for hv/arch/x86/pagewalk.c. CR0 and CR4
 * as the CPU uses them (the guest/host masks only change what the guest
 * reads), CR3 and EFER as loaded (EPT: the guest owns CR3). */
void arch_vcpu_paging(struct vcpu *v, struct pw_regs *r)
{
	r->cr0 = vmread(VMCS_GUEST_CR0);
	r->cr3 = vmread(VMCS_GUEST_CR3);
	r->cr4 = vmread(VMCS_GUEST_CR4);
	r->efer = vmread(VMCS_GUEST_EFER);
	r->rflags = vmread(VMCS_GUEST_RFLAGS);
	r->cpl = arch_vcpu_cpl(v);
}

/* Code size at CS:RIP: 64-bit in IA-32e mode with CS.L, else CS.D (bit
 * 14 of the access rights) in protected mode; real and virtual-8086 mode
 * are 16-bit (SDM Vol. 3A §3.4.5, §5.2.1). */
enum insn_mode arch_vcpu_insn_mode(struct vcpu *v)
{
	if (arch_vcpu_long_mode(v))
		return INSN_MODE64;
	if (!(vmread(VMCS_GUEST_CR0) & CR0_PE) || (vmread(VMCS_GUEST_RFLAGS) & (1u << 17)))
		return INSN_MODE16;
	return (vmread(VMCS_GUEST_CS_AR) & (1u << 14)) ? INSN_MODE32 : INSN_MODE16;
}

/* ES, CS, SS, DS, FS, GS bases are consecutive VMCS fields (SDM Vol. 3C
 * Appendix B.4.3). */
uint64_t arch_vcpu_seg_base(struct vcpu *v, unsigned seg)
{
	(void)v;
	return seg <= INSN_GS ? vmread(VMCS_GUEST_ES_BASE + 2 * seg) : 0;
}

/* Limits and access rights are consecutive VMCS fields too, ES first. */
uint32_t arch_vcpu_seg_limit(struct vcpu *v, unsigned seg, uint32_t *ar)
{
	(void)v;
	if (seg > INSN_GS) {
		*ar = 1u << 16;                  /* unusable */
		return 0;
	}
	*ar = (uint32_t)vmread(VMCS_GUEST_ES_AR + 2 * seg);
	return (uint32_t)vmread(VMCS_GUEST_ES_LIMIT + 2 * seg);
}

uint64_t arch_vcpu_rflags(struct vcpu *v)
{
	(void)v;
	return vmread(VMCS_GUEST_RFLAGS);
}

void arch_vcpu_set_rflags(struct vcpu *v, uint64_t rflags)
{
	(void)v;
	vmwrite(VMCS_GUEST_RFLAGS, rflags);
}

/* #PF (vector 14) with its error code; CR2 is not in the VMCS: the CPU
 * keeps the guest's in the register itself, which arch_vcpu_load
 * switches with the vCPU (SDM Vol. 3C §27.3: VM entry does not load it). */
void arch_vcpu_inject_pf(struct vcpu *v, uint64_t lin, uint32_t err)
{
	v->arch.cr2 = lin;
	__asm__ volatile("mov %0, %%cr2" : : "r"(lin) : "memory");
	vmwrite(VMCS_ENTRY_INTR_INFO, 14 | (3u << 8) | (1u << 11) | (1u << 31));
	vmwrite(VMCS_ENTRY_EXC_ERROR, err);
}

/* Exit qualification for EPT violations: SDM Vol. 3C Table 28-7. */
static void exit_ept_violation(struct vcpu *v, uint64_t q)
{
	const struct hv_gpa_fault f = {
		.gpa = vmread(VMCS_GUEST_PHYS_ADDR), .detail = q,
		.read = q & EPTV_READ, .write = q & EPTV_WRITE, .fetch = q & EPTV_FETCH,
	};

	hv_handle_gpa_fault(v, &f);
}

/* APIC-access VM exit (SDM Vol. 3C §30.4; qualification: Table 28-6),
 * fault-like: the access has not happened. The instruction length is
 * passed as a hint only: §28.2.5 defines it for APIC-access exits during
 * delivery of a software interrupt or exception, not for these, so the
 * generic side trusts it only where it decoded that instruction itself
 * (hv/core/mmio.c, eoi_site). */
static void exit_apic_access(struct vcpu *v, uint64_t q)
{
	unsigned type = APICQ_TYPE(q);
	struct hv_apic_access a = {
		.offset = APICQ_OFFSET(q), .detail = q,
		.kind = type == APICQ_LINEAR_READ ? HV_APIC_READ :
			type == APICQ_LINEAR_WRITE ? HV_APIC_WRITE : HV_APIC_OTHER,
	};

	if (a.kind == HV_APIC_WRITE)
		a.insn_len = (uint8_t)vmread(VMCS_EXIT_INSN_LEN);
	hv_handle_apic_access(v, &a);
}

static void exit_triple_fault(struct vcpu *v, uint64_t q)
{
	(void)q;
	arch_vcpu_dump(v);
	partition_stop(v->part, "triple fault at rip %#lx", vmread(VMCS_GUEST_RIP));
}

static void exit_entry_fail(struct vcpu *v, uint64_t q)
{
	arch_vcpu_dump(v);
	partition_stop(v->part, "VM entry failed: invalid guest state (qual %lu)", q);
}

static void exit_inject_ud(struct vcpu *v, uint64_t q)
{
	/* VMX instructions in a guest: no nested virtualisation; #UD as on
	 * a CPU without VMX (which is what CPUID reports). */
	(void)q;
	arch_vcpu_inject_ud(v);
}

static void exit_ext_intr(struct vcpu *v, uint64_t q)
{
	/* No acknowledge-on-exit: the interrupt stays pending in the
	 * physical APIC for the parent (SDM Vol. 3C §25.7.1). */
	(void)q;
	sched_yield_to_parent(v);
}

static void exit_preempt(struct vcpu *v, uint64_t q)
{
	(void)q;
	sched_yield(v);
}

static void exit_intr_window(struct vcpu *v, uint64_t q)
{
	/* The guest can take interrupts again: sched_prepare_entry injects. */
	(void)v;
	(void)q;
	vmwrite(VMCS_PROC_CTLS, vmread(VMCS_PROC_CTLS) & ~(uint64_t)PROC_INTR_WINDOW_EXIT);
}

static void exit_skip(struct vcpu *v, uint64_t q)
{
	(void)q;
	arch_vcpu_skip_insn(v);
}

static void exit_pause(struct vcpu *v, uint64_t q)
{
	(void)q;
	hv_handle_pause(v);
}

/* MOV to CR0/CR4 that touched a bit hv owns (qualification: SDM Vol. 3C
 * Table 28-3). CR0.PG with EFER.LME switches IA-32e mode (§10.8.5). */
static void exit_cr(struct vcpu *v, uint64_t q)
{
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	uint64_t val = reg == GPR_RSP ? vmread(VMCS_GUEST_RSP) : v->gpr[reg];
	uint64_t efer = vmread(VMCS_GUEST_EFER), entry = vmread(VMCS_ENTRY_CTLS);

	if (type != 0 || (cr != 0 && cr != 4)) {
		partition_stop(v->part, "unexpected control-register exit (qual %#lx)", q);
		return;
	}
	if (cr == 4) {
		if (val & CR4_VMXE) {
			arch_vcpu_inject_gp(v);
			return;
		}
		vmx_cr_write(vmx_cr0_read(), val);
	} else {
		if ((val & CR0_PG) && (efer & EFER_LME))
			efer |= EFER_LMA;
		else if (!(val & CR0_PG))
			efer &= ~EFER_LMA;
		vmwrite(VMCS_GUEST_EFER, efer);
		vmwrite(VMCS_ENTRY_CTLS, (efer & EFER_LMA) ? entry | ENTRY_IA32E_GUEST
							 : entry & ~(uint64_t)ENTRY_IA32E_GUEST);
		vmx_cr_write(val, vmx_cr4_read());
	}
	arch_vcpu_skip_insn(v);
}

static const struct exit_entry exit_table[VMX_EXIT_MAX] = {
	[VMX_EXIT_EXT_INTR] = { exit_ext_intr, HVPART_EXIT_EXT_INTR, "external interrupt" },
	[VMX_EXIT_TRIPLE_FAULT] = { exit_triple_fault, HVPART_EXIT_TRIPLE_FAULT, "triple fault" },
	[VMX_EXIT_INTR_WINDOW] = { exit_intr_window, HVPART_EXIT_OTHER, "interrupt window" },
	[VMX_EXIT_CPUID] = { exit_cpuid, HVPART_EXIT_CPUID, "CPUID" },
	[VMX_EXIT_INVD] = { exit_skip, HVPART_EXIT_OTHER, "INVD" },
	[VMX_EXIT_CR_ACCESS] = { exit_cr, HVPART_EXIT_CR_ACCESS, "control register" },
	[VMX_EXIT_PREEMPT_TIMER] = { exit_preempt, HVPART_EXIT_PREEMPT_TIMER, "preemption timer" },
	[VMX_EXIT_HLT] = { exit_hlt, HVPART_EXIT_HLT, "HLT" },
	[VMX_EXIT_VMCALL] = { exit_vmcall, HVPART_EXIT_HYPERCALL, "VMCALL" },
	[VMX_EXIT_VMCLEAR] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMCLEAR" },
	[VMX_EXIT_VMLAUNCH] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMLAUNCH" },
	[VMX_EXIT_VMPTRLD] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMPTRLD" },
	[VMX_EXIT_VMPTRST] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMPTRST" },
	[VMX_EXIT_VMREAD] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMREAD" },
	[VMX_EXIT_VMRESUME] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMRESUME" },
	[VMX_EXIT_VMWRITE] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMWRITE" },
	[VMX_EXIT_VMXOFF] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMXOFF" },
	[VMX_EXIT_VMXON] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMXON" },
	[VMX_EXIT_INVEPT] = { exit_inject_ud, HVPART_EXIT_OTHER, "INVEPT" },
	[VMX_EXIT_INVVPID] = { exit_inject_ud, HVPART_EXIT_OTHER, "INVVPID" },
	[VMX_EXIT_IO] = { exit_io, HVPART_EXIT_IO, "I/O" },
	[VMX_EXIT_RDMSR] = { exit_rdmsr, HVPART_EXIT_MSR_READ, "RDMSR" },
	[VMX_EXIT_WRMSR] = { exit_wrmsr, HVPART_EXIT_MSR_WRITE, "WRMSR" },
	[VMX_EXIT_ENTRY_FAIL_GUEST] = { exit_entry_fail, HVPART_EXIT_OTHER, "entry failure (guest state)" },
	[VMX_EXIT_ENTRY_FAIL_MSR] = { exit_entry_fail, HVPART_EXIT_OTHER, "entry failure (MSR load)" },
	[VMX_EXIT_APIC_ACCESS] = { exit_apic_access, HVPART_EXIT_EPT_VIOLATION, "APIC access" },
	[VMX_EXIT_EPT_VIOLATION] = { exit_ept_violation, HVPART_EXIT_EPT_VIOLATION, "EPT violation" },
	[VMX_EXIT_XSETBV] = { exit_xsetbv, HVPART_EXIT_OTHER, "XSETBV" },
	[VMX_EXIT_PAUSE] = { exit_pause, HVPART_EXIT_OTHER, "PAUSE" },
};

static void exit_unhandled(struct vcpu *v, uint32_t reason, uint64_t qual)
{
	hv_err("hv: unhandled VM exit %u in partition %lu: qualification %#lx",
	       reason, v->part->id, qual);
	arch_vcpu_dump(v);
	partition_stop(v->part, "unhandled VM exit reason %u (qual %#lx) at rip %#lx",
		       reason, qual, vmread(VMCS_GUEST_RIP));
}

#ifdef HV_TRACE
/* Per CPU: whether the timer ends at a sample, and the guest run left
 * before the next one (0: a whole period). A sample is due after every
 * TRACE_SAMPLE_TICKS of guest run on the CPU, whichever vCPU runs and
 * however its exits cut the runs up (one every 5,000 ticks of wall time
 * would see only the longer runs), counted by the timer's saved value
 * where the CPU saves it (from hv's own entry work, counted too, 9 % of
 * the parent's samples fell at the exits, on the hypercall page). */
static bool sample_armed[HV_MAX_CPUS];
static uint64_t sample_left[HV_MAX_CPUS];

static uint64_t *left_here(void)
{
	uint64_t *l = &sample_left[this_cpu()->index];

	if (!*l)
		*l = TRACE_SAMPLE_TICKS;
	return l;
}

/* At each exit: true if it was a sample's own, and the vCPU goes on
 * unscheduled (a sample is not a look). Not once the turn's own end
 * (timer_deadline) has passed: that exit is the scheduler's. */
static bool trace_sampled(struct vcpu *v, uint32_t reason)
{
	uint64_t now = rdtsc(), ran, ret, end = this_cpu()->arch.timer_deadline, *left = left_here();
	uint64_t rsp;
	bool own;

	ran = vmx_trace_ran();
	if (ran == UINT64_MAX)
		ran = now - v->entered_tsc;
	own = reason == VMX_EXIT_PREEMPT_TIMER && sample_armed[this_cpu()->index] &&
	      (!end || now < end) &&
	      !(vmread(VMCS_IDT_VECTORING_INFO) & (1u << 31));   /* no delivery cut short */
	if (!own && ran < *left) {
		*left -= ran;
		return false;
	}
	hv_lock();
	trace_event(v, TRACE_SAMPLE, (uint32_t)vmread(VMCS_GUEST_RIP));
	/* Where newlib's memcpy returns to, its caller (tools/trace-report):
	 * at [RSP], or at [RSP + 32] in its 128-byte loop (four pushes). */
	rsp = vmread(VMCS_GUEST_RSP);
	if (!guest_peek_u64(v, rsp, &ret))
		trace_event(v, TRACE_STACK, (uint32_t)ret);
	if (!guest_peek_u64(v, rsp + 32, &ret))
		trace_event(v, TRACE_STACK32, (uint32_t)ret);
	hv_unlock();
	*left = TRACE_SAMPLE_TICKS;
	if (own) {
		v->entered_tsc = now;
		sample_armed[this_cpu()->index] = vmx_trace_arm(v, *left);
	}
	return own;
}
#endif

struct vcpu *vmx_handle_exit(struct vcpu *v)
{
	uint64_t t0 = rdtsc();
	uint32_t full = (uint32_t)vmread(VMCS_EXIT_REASON);
	uint32_t reason = VMX_EXIT_REASON_BASIC(full);
	uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
	const struct exit_entry *e = reason < VMX_EXIT_MAX ? &exit_table[reason] : NULL;
	struct vcpu *next;

#ifdef HV_TRACE
	if (trace_sampled(v, reason))
		return v;
#endif
	/* The deadline is a child's own (its every entry sets the timer). */
	if (reason == VMX_EXIT_PAUSE && !v->part->privileged && vmx_timer_left() &&
	    sched_pause_quick(v)) {
		v->arch.launched = 1;
		return v;
	}
	hv_lock();
	v->arch.launched = 1;
	requeue_vectoring();
	if (e && e->fn) {
		sched_count_exit(v, reason, e->kind);
		e->fn(v, qual);
	} else {
		sched_count_exit(v, reason, HVPART_EXIT_OTHER);
		exit_unhandled(v, reason, qual);
	}
	next = sched_finish_exit(v, t0);
	vmx_vpid_arrive(next);
#ifdef HV_TRACE
	sample_armed[this_cpu()->index] = vmx_trace_arm(next, *left_here());
#endif
	hv_unlock();
	return next;
}

struct vcpu *vmx_entry_failed(struct vcpu *v)
{
	uint64_t err = vmread(VMCS_INSN_ERROR);
	struct vcpu *next;

	hv_lock();
	arch_vcpu_dump(v);
	partition_stop(v->part, "VM%s failed with VM-instruction error %lu",
		       v->arch.launched ? "RESUME" : "LAUNCH", err);
	next = sched_switch(v);
	vmx_vpid_arrive(next);
	hv_unlock();
	return next;
}
