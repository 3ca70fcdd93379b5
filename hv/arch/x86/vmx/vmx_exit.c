/*
 * VM-exit dispatch (SDM Vol. 3C Chapter 28 "VM Exits"; exit reasons in
 * Vol. 3D Appendix C). One table maps each basic exit reason to a handler
 * and a vendor-neutral statistics bucket; reasons without an entry take
 * the explicit "unhandled" path, which logs the reason, the qualification
 * and a guest-state dump, and stops only that partition.
 */
#include "vmx.h"
#include "../insn.h"
#include <hv/lib.h>
#include <hv/x86.h>

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

bool arch_vcpu_long_mode(struct vcpu *v)
{
	/* IA-32e mode and CS.L (access rights bit 13, SDM Vol. 3C §25.4.1). */
	(void)v;
	return (vmread(VMCS_GUEST_EFER) & EFER_LMA) && (vmread(VMCS_GUEST_CS_AR) & (1u << 13));
}

void vmx_advance_rip(uint64_t len)
{
	uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);

	vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + len);
	/* Completing an instruction ends STI/MOV-SS blocking (SDM Vol. 3C
	 * §25.4.2, interruptibility state bits 0-1). */
	if (intr & 3)
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ull);
}

void arch_vcpu_skip_insn(struct vcpu *v)
{
	(void)v;
	vmx_advance_rip(vmread(VMCS_EXIT_INSN_LEN));
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

static void exit_vmcall(struct vcpu *v, uint64_t qual)
{
	(void)qual;
	hv_handle_hypercall(v);
	arch_vcpu_skip_insn(v);
}

static void exit_hlt(struct vcpu *v, uint64_t qual)
{
	(void)qual;
	arch_vcpu_skip_insn(v);
	if (v->part->privileged) {
		/* The parent halts in non-root mode (activity state HLT = 1,
		 * SDM Vol. 3C §27.7.4): a physical interrupt, which is not
		 * intercepted for it, wakes it directly. Meanwhile children
		 * may run. */
		if (vmx_caps.features & HVPART_VMXF_ACT_HLT)
			vmwrite(VMCS_GUEST_ACTIVITY_STATE, 1);
		v->run = VCPU_HALTED;
		return;
	}
	/* A child's HLT yields until its next interrupt, unless one is
	 * already waiting and can be taken. */
	vlapic_poll_timer(v, rdtsc());
	if (vlapic_pending_vector(v) < 0 || !(vmread(VMCS_GUEST_RFLAGS) & (1u << 9)))
		v->run = VCPU_HALTED;
}

/* Port I/O intercepts of the parent: hv performs the access for it. Only
 * plain IN/OUT of 1, 2 or 4 bytes; string I/O is not emulated. */
static void exit_io(struct vcpu *v, uint64_t q)
{
	uint16_t port = IOQ_PORT(q);
	unsigned size = IOQ_SIZE(q);
	uint64_t *rax = &v->gpr[GPR_RAX];

	if (q & IOQ_STRING) {
		partition_stop(v->part, "string I/O (%s port %#x) is not emulated",
			       (q & IOQ_IN) ? "ins" : "outs", port);
		return;
	}
	if (!v->part->privileged) {
		v->icpt_insn_len = (uint8_t)vmread(VMCS_EXIT_INSN_LEN);
		hv_forward_io(v, port, size, !(q & IOQ_IN), (uint32_t)*rax);
		return;
	}
	if (port == 0xcf9 && !(q & IOQ_IN) && (*rax & 4))
		hv_warn("hv: parent requested a system reset through port 0xcf9");
	if (q & IOQ_IN) {
		uint64_t val = size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
		uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (size * 8)) - 1;

		/* A 32-bit IN zero-extends into RAX; 8/16-bit ones merge. */
		*rax = size == 4 ? val : (*rax & ~mask) | (val & mask);
	} else if (size == 1) {
		outb(port, (uint8_t)*rax);
	} else if (size == 2) {
		outw(port, (uint16_t)*rax);
	} else {
		outl(port, (uint32_t)*rax);
	}
	arch_vcpu_skip_insn(v);
}

/* A child's load or store to a GPA nothing backs: device memory with no
 * device, as on a bus with nothing decoding the address: a read returns
 * all ones, a write goes nowhere (docs/child-platform.md). The instruction
 * is fetched from the child's own memory and decoded (insn.c); only the
 * plain MOV forms are emulated, and only with paging off (no guest page
 * walk yet): anything else stops the child as before. */
static enum insn_mode guest_insn_mode(uint64_t cr0)
{
	uint64_t ar = vmread(VMCS_GUEST_CS_AR);

	if (!(cr0 & CR0_PE))
		return INSN_MODE16;
	return (ar & (1u << 14)) ? INSN_MODE32 : INSN_MODE16;   /* CS.D */
}

static void load_all_ones(struct vcpu *v, const struct insn_mem *m)
{
	uint64_t val = m->size >= 8 ? ~0ull : (1ull << (m->size * 8)) - 1;
	uint64_t *r = &v->gpr[m->reg], rsp = 0;

	if (m->high_byte) {
		v->gpr[m->reg - 4] |= 0xff00;   /* AH, CH, DH, BH */
		return;
	}
	if (m->reg == GPR_RSP) {
		rsp = vmread(VMCS_GUEST_RSP);
		r = &rsp;
	}
	if (m->dst_size == 1)
		*r = (*r & ~0xffull) | (val & 0xff);
	else if (m->dst_size == 2)
		*r = (*r & ~0xffffull) | (val & 0xffff);
	else
		*r = val;   /* a 32-bit write zero-extends (SDM Vol. 1 §3.4.1.1) */
	if (m->reg == GPR_RSP)
		vmwrite(VMCS_GUEST_RSP, rsp);
}

static bool emulate_unbacked(struct vcpu *v, uint64_t q)
{
	uint64_t cr0 = vmread(VMCS_GUEST_CR0), lin;
	uint8_t bytes[15];
	struct insn_mem m;
	enum insn_mode mode;
	size_t n;

	if ((q & EPTV_FETCH) || (cr0 & CR0_PG))
		return false;
	mode = guest_insn_mode(cr0);
	lin = vmread(VMCS_GUEST_CS_BASE) + vmread(VMCS_GUEST_RIP);
	for (n = 0; n < sizeof(bytes); n++) {
		const uint8_t *b = partition_gpa_ptr(v->part, (lin + n) & 0xffffffffull, 1, false);

		if (!b)
			break;
		bytes[n] = *b;
	}
	if (insn_decode_mem(bytes, n, mode, &m))
		return false;
	if (!m.write)
		load_all_ones(v, &m);
	vmx_advance_rip(m.len);
	return true;
}

static void exit_ept_violation(struct vcpu *v, uint64_t q)
{
	uint64_t gpa = vmread(VMCS_GUEST_PHYS_ADDR);

	if (!v->part->privileged && emulate_unbacked(v, q))
		return;

	partition_stop(v->part, "%s at GPA %#lx touched memory it does not own (%s%s%s, qual %#lx, rip %#lx)",
		       v->part->privileged ? "parent" : "partition", gpa,
		       (q & EPTV_READ) ? "read" : "", (q & EPTV_WRITE) ? "write" : "",
		       (q & EPTV_FETCH) ? "fetch" : "", q, vmread(VMCS_GUEST_RIP));
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
	/* The interrupt stays pending (no acknowledge-on-exit); resuming the
	 * parent lets it take it natively (DESIGN.md rule 2). */
	(void)q;
	sched_parent()->run = VCPU_RUNNABLE;
	v->yield = true;
}

static void exit_preempt(struct vcpu *v, uint64_t q)
{
	(void)q;
	v->yield = true;
}

static void exit_intr_window(struct vcpu *v, uint64_t q)
{
	/* The guest can take interrupts again: vmx_prepare_entry injects. */
	(void)v;
	(void)q;
	vmwrite(VMCS_PROC_CTLS, vmread(VMCS_PROC_CTLS) & ~(uint64_t)PROC_INTR_WINDOW_EXIT);
}

static void exit_skip(struct vcpu *v, uint64_t q)
{
	(void)q;
	arch_vcpu_skip_insn(v);
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
		vmx_cr_write(vmread(VMCS_CR0_SHADOW), val);
	} else {
		if ((val & CR0_PG) && (efer & EFER_LME))
			efer |= EFER_LMA;
		else if (!(val & CR0_PG))
			efer &= ~EFER_LMA;
		vmwrite(VMCS_GUEST_EFER, efer);
		vmwrite(VMCS_ENTRY_CTLS, (efer & EFER_LMA) ? entry | ENTRY_IA32E_GUEST
							 : entry & ~(uint64_t)ENTRY_IA32E_GUEST);
		vmx_cr_write(val, vmread(VMCS_CR4_SHADOW));
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
	[VMX_EXIT_EPT_VIOLATION] = { exit_ept_violation, HVPART_EXIT_EPT_VIOLATION, "EPT violation" },
};

static void exit_unhandled(struct vcpu *v, uint32_t reason, uint64_t qual)
{
	hv_err("hv: unhandled VM exit %u in partition %lu: qualification %#lx",
	       reason, v->part->id, qual);
	arch_vcpu_dump(v);
	partition_stop(v->part, "unhandled VM exit reason %u (qual %#lx) at rip %#lx",
		       reason, qual, vmread(VMCS_GUEST_RIP));
}

uint64_t vmx_switches, vmx_switch_ticks;

struct vcpu *vmx_handle_exit(struct vcpu *v)
{
	uint64_t t0 = rdtsc();
	struct vcpu *next;
	uint32_t full = (uint32_t)vmread(VMCS_EXIT_REASON);
	uint32_t reason = VMX_EXIT_REASON_BASIC(full);
	uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
	const struct exit_entry *e = reason < VMX_EXIT_MAX ? &exit_table[reason] : NULL;

	v->launched = 1;
	v->exits_total++;
	v->last_exit = reason;
	if (v->part->privileged && reason != VMX_EXIT_HLT)
		v->run = VCPU_RUNNABLE;
	if (e && e->fn) {
		v->exits[e->kind]++;
		e->fn(v, qual);
	} else {
		v->exits[HVPART_EXIT_OTHER]++;
		exit_unhandled(v, reason, qual);
	}
	next = vmx_switch(v);
	if (next != v) {
		vmx_switches++;
		vmx_switch_ticks += rdtsc() - t0;
	}
	return next;
}

/* Pick who runs next, make its VMCS current, and prepare its entry. */
struct vcpu *vmx_switch(struct vcpu *v)
{
	struct vcpu *next = v;
	bool parent_called = v != sched_parent() && sched_parent()->notify_pending;

	if (v->part->state != HVPART_STATE_RUNNING || v->run != VCPU_RUNNABLE || v->yield ||
	    parent_called)
		next = sched_next(v);
	v->yield = false;
	if (next != v) {
		v->slice_end = 0;
		if (vmptrld(next->vmcs_pa))
			hv_panic("VMPTRLD of partition %lu failed", next->part->id);
	}
	vmx_prepare_entry(next);
	return next;
}

struct vcpu *vmx_entry_failed(struct vcpu *v)
{
	uint64_t err = vmread(VMCS_INSN_ERROR);

	arch_vcpu_dump(v);
	partition_stop(v->part, "VM%s failed with VM-instruction error %lu",
		       v->launched ? "RESUME" : "LAUNCH", err);
	return vmx_switch(v);
}
