/*
 * vCPUs on VT-x: VMCS creation for the parent and the children, their
 * architectural state in and out (SDM Vol. 3C §25.4 guest-state area),
 * EPT invalidation, and the mechanics generic code asks for before an
 * entry: injecting an interrupt (§27.6 event injection; §26.7.5
 * interrupt-window exiting when the guest cannot take it yet), arming
 * the VMX-preemption timer (§26.5.1), completing a deferred instruction.
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include "vmx.h"
#include "../cpu.h"

int arch_cpu_take_interrupt(void)
{
	return x86_take_interrupt();
}

/* Bitmaps shared by every vCPU of a kind: children's MSR bitmap, and the
 * passthrough (parent) MSR and I/O bitmaps. Allocated at first use. */
static uint64_t child_msr_bitmap_pa;
static uint64_t pass_msr_bitmap_pa, pass_io_bitmap_pa[2];

int vmx_load(struct vcpu *v)
{
	if (vmptrld(v->arch.vmcs_pa))
		return -EIO;
	return 0;
}

void vmx_load_current(void)
{
	struct vcpu *cur = this_cpu()->current;

	if (cur)
		vmx_load(cur);
}

/* CR2, DR0-DR3 and DR6 are guest registers neither the VMCS nor hv's
 * exit path switches (SDM Vol. 3C §27.3, §28.5; DR7 and DEBUGCTL are in
 * the VMCS): a page fault's address must stay readable in the guest's
 * handler, and one vCPU's breakpoints must neither fire in nor be read by
 * another, so they follow the vCPU here. hv sets no breakpoints itself. */
#define READ_DR(n, x) __asm__ volatile("mov %%db" #n ", %0" : "=r"(x))
#define WRITE_DR(n, x) __asm__ volatile("mov %0, %%db" #n : : "r"(x))
static void switch_regs(struct vcpu *from, struct vcpu *to)
{
	struct arch_vcpu *f, *t;

	if (from == to)
		return;
	if (from) {
		f = &from->arch;
		__asm__ volatile("mov %%cr2, %0" : "=r"(f->cr2));
		READ_DR(0, f->dr[0]);
		READ_DR(1, f->dr[1]);
		READ_DR(2, f->dr[2]);
		READ_DR(3, f->dr[3]);
		READ_DR(6, f->dr6);
	}
	if (!to)
		return;
	t = &to->arch;
	__asm__ volatile("mov %0, %%cr2" : : "r"(t->cr2) : "memory");
	WRITE_DR(0, t->dr[0]);
	WRITE_DR(1, t->dr[1]);
	WRITE_DR(2, t->dr[2]);
	WRITE_DR(3, t->dr[3]);
	WRITE_DR(6, t->dr6);
}

void arch_vcpu_load(struct vcpu *v)
{
	struct percpu *c = this_cpu();

	switch_regs(c->current, v);
	if (vmx_load(v))
		hv_panic("VMPTRLD of partition %lu failed", v->part->id);
	c->current = v;
	if (v->arch.host_cpu != c->index + 1) {
		vmx_setup_host(v);
		v->arch.host_cpu = c->index + 1;
	}
}

/* VMCLEAR writes the VMCS back to memory and makes it inactive here, so
 * that another CPU may load it (SDM Vol. 3C §25.11.3); its next entry is
 * a VMLAUNCH (§25.11.3, launch state clear). */
void arch_vcpu_release(struct vcpu *v)
{
	struct percpu *c = this_cpu();

	if (c->current == v) {
		switch_regs(v, NULL);
		c->current = NULL;
	}
	vmclear(v->arch.vmcs_pa);
	v->arch.launched = 0;
	vmx_load_current();
}

unsigned arch_ept_opts(void)
{
	return (vmx_caps.features & HVPART_VMXF_EPT_1G) ? 0 : EPT_OPT_NO_1G;
}

/* INVEPT type 2, all contexts (SDM Vol. 3C §31.3, INVEPT): the parent's
 * EPT lost pages and a child's gained them. */
void arch_ept_flush(void)
{
	struct {
		uint64_t eptp, rsvd;
	} desc = { 0, 0 };

	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(2ull) : "cc", "memory");
}

/* Children: every MSR exits but the ones the VMCS switches (SYSENTER,
 * PAT, EFER, FS/GS base) and the ones hv switches in software
 * (hv/core/msr.c: STAR, LSTAR, SFMASK, KERNEL_GS_BASE, TSC_AUX; SDM Vol.
 * 3C §25.6.9 MSR bitmaps: read
 * bits for 0-0x1fff at 0, for 0xc0000000-0xc0001fff at 1024; write bits
 * at 2048 and 3072). */
static int child_msr_bitmap(void)
{
	static const uint32_t pass[] = { 0x174, 0x175, 0x176, 0x277, 0xc0000080,
		0xc0000081, 0xc0000082, 0xc0000084, 0xc0000100,
		0xc0000101, 0xc0000102, 0xc0000103 };
	uint8_t *bm;

	if (child_msr_bitmap_pa)
		return 0;
	if (hv_pool_alloc(&child_msr_bitmap_pa))
		return -ENOMEM;
	bm = (uint8_t *)(uintptr_t)child_msr_bitmap_pa;
	memset(bm, 0xff, 4096);
	for (size_t i = 0; i < ARRAY_SIZE(pass); i++) {
		uint32_t m = pass[i], base = m >= 0xc0000000 ? 1024 : 0, bit = m & 0x1fff;

		bm[base + bit / 8] &= ~(1u << (bit % 8));
		bm[2048 + base + bit / 8] &= ~(1u << (bit % 8));
	}
	return 0;
}

/* The parent passes all MSRs in the bitmap's ranges (a zeroed bitmap;
 * MSRs outside them, the synthetic ones among them, always exit, SDM
 * Vol. 3C §25.6.9) and the ports but the listed ones (I/O bitmap A
 * covers ports 0-0x7fff, B 0x8000-0xffff, §25.6.4). */
static int pass_bitmaps(const struct arch_vcpu_config *c)
{
	if (!pass_msr_bitmap_pa &&
	    (hv_pool_alloc(&pass_io_bitmap_pa[0]) || hv_pool_alloc(&pass_msr_bitmap_pa) ||
	     hv_pool_alloc(&pass_io_bitmap_pa[1])))
		return -ENOMEM;
	for (size_t i = 0; i < c->ntrap_ports; i++) {
		uint16_t port = c->trap_ports[i];
		uint8_t *bm = (uint8_t *)(uintptr_t)pass_io_bitmap_pa[port >> 15];

		bm[(port & 0x7fff) / 8] |= 1u << (port % 8);
	}
	return 0;
}

/* The APIC-access page (SDM Vol. 3C §30.4): one for every child vCPU.
 * Without "use TPR shadow" every linear access to it exits before it
 * happens (§30.4.2, §30.4.3), so the CPU never reads or writes it and
 * what identifies the vCPU's own APIC is the exit itself. Where the
 * CPU's secondary controls do not allow "virtualize APIC accesses"
 * (IA32_VMX_PROCBASED_CTLS2 allowed-1, SDM Vol. 3D §A.3.3), -ENODEV:
 * the xAPIC page stays an EPT violation, as on SVM. */
static uint64_t apic_access_pa;

int arch_apic_access_page(uint64_t *hpa)
{
	if (!(vmx_caps.proc2_ok[1] & PROC2_VIRT_APIC_ACCESS))
		return -ENODEV;
	if (!apic_access_pa && hv_pool_alloc(&apic_access_pa))
		return -ENOMEM;
	*hpa = apic_access_pa;
	return 0;
}

static int vcpu_bitmaps(const struct arch_vcpu_config *c, struct vmx_guest_init *gi)
{
	gi->child = !c->passthrough;
	gi->intr_exit = c->intr_exit;
	if (gi->child) {
		/* Every child vCPU has the control where the CPU allows it:
		 * a partition whose EPT maps the page must never reach it as
		 * memory (it is shared by all children). */
		if (child_msr_bitmap() || arch_apic_access_page(&gi->apic_access_pa) == -ENOMEM)
			return -ENOMEM;
		gi->msr_bitmap_pa = child_msr_bitmap_pa;
		return 0;
	}
	if (pass_bitmaps(c))
		return -ENOMEM;
	gi->msr_bitmap_pa = pass_msr_bitmap_pa;
	gi->io_bitmap_a_pa = pass_io_bitmap_pa[0];
	gi->io_bitmap_b_pa = pass_io_bitmap_pa[1];
	return 0;
}

/* The guest-state fields arch_vcpu_set_state leaves alone. */
static void vmcs_init_guest(void)
{
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_PAT, 0x0007040600070406ull);   /* power-on PAT */
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
}

int arch_vcpu_create(struct vcpu *v, const struct arch_vcpu_config *c)
{
	struct vmx_guest_init gi = { 0 };
	uint64_t pa;
	int rc;

	if (vcpu_bitmaps(c, &gi) || hv_pool_alloc(&pa))
		return -ENOMEM;
	v->arch.vmcs = (void *)(uintptr_t)pa;
	v->arch.vmcs_pa = pa;
	/* VPIDs 1.. (0 is VMX root's own, SDM Vol. 3C §29.1.1), one per
	 * vCPU: two vCPUs of one partition taking turns on a CPU would
	 * otherwise share each other's cached translations, whatever CR3
	 * each guest had (§29.3.1), as VM entries flush nothing. */
	v->arch.vpid = (uint16_t)(v->part->id * PARTITION_MAX_VCPUS + v->index + 1);
	v->arch.ran_cpu = 0;
	v->arch.launched = 0;
	v->arch.cr2 = 0;
	for (int i = 0; i < 4; i++)
		v->arch.dr[i] = 0;
	v->arch.dr6 = 0xffff0ff0;             /* DR6 at reset (SDM Vol. 3A §9.1.1) */
	*(uint32_t *)v->arch.vmcs = vmx_caps.revision;
	gi.eptp = ept_eptp(&v->part->ept);
	rc = -EIO;
	if (vmclear(pa) || vmptrld(pa))
		goto out;
	rc = vmx_setup_controls(&gi);
	if (!rc) {
		vmwrite(VMCS_VPID, v->arch.vpid);
		vmx_setup_host(v);
		v->arch.host_cpu = this_cpu()->index + 1;
		vmcs_init_guest();
	}
out:
	vmx_load_current();
	if (rc)
		hv_pool_free(pa);
	return rc;
}

void arch_vcpu_destroy(struct vcpu *v)
{
	vmclear(v->arch.vmcs_pa);
	vmx_load_current();
	hv_pool_free(v->arch.vmcs_pa);
	v->arch.vmcs = NULL;
	v->arch.vmcs_pa = 0;
}

/* PAUSE exiting (SDM Vol. 3C §25.6.2, processor-based control bit 30),
 * where the CPU allows it: otherwise a spinning vCPU waits out its turn. */
void arch_vcpu_pause_exiting(struct vcpu *v)
{
	if (!(vmx_caps.proc_ok[1] & PROC_PAUSE_EXIT) || vmx_load(v))
		return;
	vmwrite(VMCS_PROC_CTLS, vmread(VMCS_PROC_CTLS) | PROC_PAUSE_EXIT);
	vmx_load_current();
}

#define SEG_IDX(f) ((f) - VMCS_GUEST_ES_SEL)

static void seg_write(uint32_t sel_field, const struct hvpart_seg *g)
{
	uint32_t i = SEG_IDX(sel_field);

	vmwrite(sel_field, g->sel);
	vmwrite(VMCS_GUEST_ES_LIMIT + i, g->limit);
	vmwrite(VMCS_GUEST_ES_AR + i, g->ar ? g->ar : AR_UNUSABLE);
	vmwrite(VMCS_GUEST_ES_BASE + i, g->base);
}

static void seg_read(uint32_t sel_field, struct hvpart_seg *g)
{
	uint32_t i = SEG_IDX(sel_field);

	g->sel = (uint16_t)vmread(sel_field);
	g->limit = (uint32_t)vmread(VMCS_GUEST_ES_LIMIT + i);
	g->ar = (uint32_t)vmread(VMCS_GUEST_ES_AR + i);
	g->base = vmread(VMCS_GUEST_ES_BASE + i);
}

/* Guest CR0/CR4 must hold the VMX fixed bits; with unrestricted guest,
 * PE and PG may be clear (SDM Vol. 3C §26.3.1.1). The shadows keep what
 * the guest asked for. */
/* A control register as the guest sees it: the bits hv owns (guest/host
 * mask) from the read shadow, the rest from the guest's register, where
 * the guest's MOV writes them without an exit (SDM Vol. 3C §25.6.6). The
 * shadow alone holds only what hv last wrote. */
static uint64_t guest_cr(uint64_t field, uint64_t shadow, uint64_t maskf)
{
	uint64_t mask = vmread(maskf);

	return (vmread(field) & ~mask) | (vmread(shadow) & mask);
}

uint64_t vmx_cr0_read(void)
{
	return guest_cr(VMCS_GUEST_CR0, VMCS_CR0_SHADOW, VMCS_CR0_MASK);
}

uint64_t vmx_cr4_read(void)
{
	return guest_cr(VMCS_GUEST_CR4, VMCS_CR4_SHADOW, VMCS_CR4_MASK);
}

void vmx_cr_write(uint64_t cr0, uint64_t cr4)
{
	uint64_t fixed0 = vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG);

	vmwrite(VMCS_GUEST_CR0, (cr0 | fixed0) & vmx_caps.cr0_fixed1);
	vmwrite(VMCS_CR0_SHADOW, cr0);
	vmwrite(VMCS_GUEST_CR4, (cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);
	vmwrite(VMCS_CR4_SHADOW, cr4);
}

int arch_vcpu_set_state(struct vcpu *v, const struct hvpart_vp_state *s)
{
	uint64_t entry;

	if ((s->cr4 & CR4_VMXE) || (s->efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)))
		return -EINVAL;
	if (vmx_load(v))
		return -EIO;
	memcpy(v->gpr, s->gpr, sizeof(v->gpr));
	vmwrite(VMCS_GUEST_RSP, s->gpr[GPR_RSP]);
	vmwrite(VMCS_GUEST_RIP, s->rip);
	vmwrite(VMCS_GUEST_RFLAGS, (s->rflags & 0x3f7fd7) | 2);
	vmx_cr_write(s->cr0, s->cr4);
	vmwrite(VMCS_GUEST_CR3, s->cr3);
	vmwrite(VMCS_GUEST_EFER, s->efer);
	/* IA-32e mode guest must equal EFER.LMA at entry (§26.3.1.1). */
	entry = vmread(VMCS_ENTRY_CTLS) & ~(uint64_t)ENTRY_IA32E_GUEST;
	vmwrite(VMCS_ENTRY_CTLS, entry | ((s->efer & EFER_LMA) ? ENTRY_IA32E_GUEST : 0));
	seg_write(VMCS_GUEST_CS_SEL, &s->cs);
	seg_write(VMCS_GUEST_DS_SEL, &s->ds);
	seg_write(VMCS_GUEST_ES_SEL, &s->es);
	seg_write(VMCS_GUEST_FS_SEL, &s->fs);
	seg_write(VMCS_GUEST_GS_SEL, &s->gs);
	seg_write(VMCS_GUEST_SS_SEL, &s->ss);
	seg_write(VMCS_GUEST_TR_SEL, &s->tr);
	seg_write(VMCS_GUEST_LDTR_SEL, &s->ldtr);
	vmwrite(VMCS_GUEST_GDTR_BASE, s->gdtr_base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, s->gdtr_limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, s->idtr_base);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, s->idtr_limit);
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	/* v->arch.launched stays: a launched VMCS takes VMRESUME whatever
	 * guest state it holds (SDM Vol. 3C §24.1); VMLAUNCH would fail on
	 * it (an AP's state set again at its second SIPI). */
	vmx_load_current();
	return 0;
}

void arch_vcpu_get_state(struct vcpu *v, struct hvpart_vp_state *s)
{
	memset(s, 0, sizeof(*s));
	if (vmx_load(v))
		return;
	memcpy(s->gpr, v->gpr, sizeof(s->gpr));
	s->gpr[GPR_RSP] = vmread(VMCS_GUEST_RSP);
	s->rip = vmread(VMCS_GUEST_RIP);
	s->rflags = vmread(VMCS_GUEST_RFLAGS);
	s->cr0 = vmx_cr0_read();
	s->cr4 = vmx_cr4_read();
	s->cr3 = vmread(VMCS_GUEST_CR3);
	s->efer = vmread(VMCS_GUEST_EFER);
	seg_read(VMCS_GUEST_CS_SEL, &s->cs);
	seg_read(VMCS_GUEST_DS_SEL, &s->ds);
	seg_read(VMCS_GUEST_ES_SEL, &s->es);
	seg_read(VMCS_GUEST_FS_SEL, &s->fs);
	seg_read(VMCS_GUEST_GS_SEL, &s->gs);
	seg_read(VMCS_GUEST_SS_SEL, &s->ss);
	seg_read(VMCS_GUEST_TR_SEL, &s->tr);
	seg_read(VMCS_GUEST_LDTR_SEL, &s->ldtr);
	s->gdtr_base = vmread(VMCS_GUEST_GDTR_BASE);
	s->gdtr_limit = (uint32_t)vmread(VMCS_GUEST_GDTR_LIMIT);
	s->idtr_base = vmread(VMCS_GUEST_IDTR_BASE);
	s->idtr_limit = (uint32_t)vmread(VMCS_GUEST_IDTR_LIMIT);
	vmx_load_current();
}

void arch_vcpu_defer_skip(struct vcpu *v)
{
	v->arch.icpt_insn_len = (uint8_t)vmread(VMCS_EXIT_INSN_LEN);
}

void arch_vcpu_finish_deferred(struct vcpu *v)
{
	vmx_advance_rip(v->arch.icpt_insn_len);
}

static void set_intr_window(bool on)
{
	uint64_t proc = vmread(VMCS_PROC_CTLS);
	uint64_t want = on ? (proc | PROC_INTR_WINDOW_EXIT) : (proc & ~(uint64_t)PROC_INTR_WINDOW_EXIT);

	if (want != proc)
		vmwrite(VMCS_PROC_CTLS, want);
}

/* External-interrupt injection (type 0) when RFLAGS.IF = 1 and nothing
 * blocks it (§26.3.1.5); otherwise ask for an interrupt-window exit. */
bool arch_vcpu_inject_irq(struct vcpu *v, int vec)
{
	(void)v;
	/* Another event goes in at this entry (an exception, or the vector
	 * injected before): exit once the guest can take this one too, after
	 * that event's handler (SDM Vol. 3C §26.7.5). Without the window a
	 * second pending vector waited for the guest's next exit, which a
	 * parent spinning in its idle loop never made. */
	if (!(vmread(VMCS_GUEST_RFLAGS) & (1u << 9)) || (vmread(VMCS_GUEST_INTERRUPTIBILITY) & 3) ||
	    (vmread(VMCS_ENTRY_INTR_INFO) & (1u << 31))) {
		set_intr_window(true);
		return false;
	}
	set_intr_window(false);
	vmwrite(VMCS_ENTRY_INTR_INFO, (uint32_t)vec | (1u << 31));
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);   /* an interrupt ends HLT */
	return true;
}

/* NMI injection (type 2, vector 2). Blocked by an NMI in progress
 * (interruptibility bit 3, kept by the CPU until the guest's IRET since
 * hv uses neither NMI exiting nor virtual NMIs), and by the MOV-SS and
 * STI shadows (§26.3.1.5: entry would fail or the CPU may refuse). */
bool arch_vcpu_inject_nmi(struct vcpu *v)
{
	(void)v;
	if (vmread(VMCS_ENTRY_INTR_INFO) & (1u << 31))
		return false;
	if (vmread(VMCS_GUEST_INTERRUPTIBILITY) & 0xb)
		return false;
	vmwrite(VMCS_ENTRY_INTR_INFO, 2 | (2u << 8) | (1u << 31));
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);   /* an NMI ends HLT */
	return true;
}

/* TSC offsetting (SDM Vol. 3C §26.6.5): on for children from creation
 * (vmx_setup_controls), so only the offset changes. */
void arch_vcpu_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
	(void)v;
	vmwrite(VMCS_TSC_OFFSET, offset);
}

bool arch_timer_is_interrupt(void)
{
	return false;
}

static void timer_write(uint64_t budget)
{
	unsigned rate = vmx_caps.misc & 0x1f;   /* timer ticks = TSC >> rate (§25.5.1) */
	uint64_t val = budget ? (budget >> rate) + 1 : 0xffffffffull;

	vmwrite(VMCS_PREEMPTION_TIMER, val > 0xffffffffull ? 0xffffffffull : val);
}

void arch_vcpu_set_timer(struct vcpu *v, uint64_t budget)
{
	(void)v;
	this_cpu()->arch.timer_deadline = budget ? rdtsc() + budget : 0;
	timer_write(budget);
}

/* VT-x's timer is the VMX-preemption timer, which counts only in VMX
 * non-root operation (SDM Vol. 3C §26.5.1): an AP waits with hv's LAPIC
 * timer instead (../lapic_timer.c, the policy SVM's timer shares), which
 * hv owns there (the parent's interrupt hardware is the boot CPU's). Its
 * vector is the kick's, so a firing that raced the disarm costs one look
 * at most, as a kick does. */
bool arch_cpu_wait_until(uint64_t due)
{
	return x86_timer_wait_until(due);
}

/* The HLT activity state (SDM Vol. 3C §27.7.4), where the CPU has it. */
bool arch_cpu_halts_in_guest(void)
{
	return vmx_caps.features & HVPART_VMXF_ACT_HLT;
}

/* Without it, as SVM's (svm_timer.c); hv's LAPIC timer fires the kick's
 * vector here (arch_cpu_wait_until). */
bool arch_cpu_idle(uint64_t due, int *vec)
{
	return x86_timer_idle(due, HV_KICK_VECTOR, vec);
}

#ifdef HV_TRACE
static uint64_t trace_armed[HV_MAX_CPUS];   /* the value each CPU's timer started from */

/* The next sample (hv/include/hv/trace.h), `left` ticks of v's run
 * away: the preemption timer cut to it unless its turn's own end
 * (timer_deadline, which every child's entry sets; stale or none while
 * no child runs here) comes first. True if the timer now ends at a
 * sample. */
bool vmx_trace_arm(struct vcpu *v, uint64_t left)
{
	uint64_t end = this_cpu()->arch.timer_deadline, now = rdtsc();
	bool sample = !(end > now && end - now <= left);

	/* A child's turn has ended if its deadline passed: the timer keeps
	 * what sched_prepare_entry wrote. */
	if (!v->part->privileged && end && end <= now)
		return false;
	timer_write(sample ? left : end - now);
	trace_armed[this_cpu()->index] = vmread(VMCS_PREEMPTION_TIMER);
	return sample;
}

/* The ticks the vCPU ran in its guest since vmx_trace_arm, from the
 * timer's value the exit saved (SDM Vol. 3C §25.7.1, set in
 * hv-trace.elf only: vmx.c); UINT64_MAX where the CPU does not save it. */
uint64_t vmx_trace_ran(void)
{
	unsigned rate = vmx_caps.misc & 0x1f;
	uint64_t left;

	if (!(vmx_caps.exit_ok[1] & EXIT_SAVE_PREEMPT_TIMER))
		return UINT64_MAX;
	left = vmread(VMCS_PREEMPTION_TIMER);
	return left <= trace_armed[this_cpu()->index] ? (trace_armed[this_cpu()->index] - left) << rate : 0;
}
#endif

/* Re-entering without hv's look (sched_pause_quick): the preemption
 * timer starts again from the VMCS field at every entry (hv.elf does not
 * set "save VMX-preemption timer value", SDM Vol. 3C §25.5.1), so the field
 * is set to what is left of the budget; false if nothing is. */
bool vmx_timer_left(void)
{
	uint64_t end = this_cpu()->arch.timer_deadline, now = rdtsc();

	if (!end)
		return true;
	if (now + 64 >= end)
		return false;
	timer_write(end - now);
	return true;
}
