/*
 * Child vCPUs on VT-x: VMCS creation, architectural state in and out
 * (SDM Vol. 3C §25.4 guest-state area), EPT invalidation, and the work
 * done before every VM entry: finishing a port access the parent
 * emulated, injecting a pending interrupt (§27.6 event injection; §26.7.5
 * interrupt-window exiting when the guest cannot take it yet), and
 * arming the VMX-preemption timer (§26.5.1).
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include "vmx.h"

static uint64_t child_msr_bitmap_pa;

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

/* Children: every MSR exits but the ones the VMCS switches or that only
 * touch the guest's own state (SDM Vol. 3C §25.6.9 MSR bitmaps: read
 * bits for 0-0x1fff at 0, for 0xc0000000-0xc0001fff at 1024; write bits
 * at 2048 and 3072). */
static int child_msr_bitmap(void)
{
	static const uint32_t pass[] = { 0x174, 0x175, 0x176, 0x277, 0xc0000080,
		0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100,
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

int arch_vcpu_create(struct vcpu *v)
{
	struct vmx_guest_init gi = { .child = true };
	uint64_t pa;
	int rc = -ENOMEM;

	if (child_msr_bitmap() || hv_pool_alloc(&pa))
		return -ENOMEM;
	v->vmcs = (void *)(uintptr_t)pa;
	v->vmcs_pa = pa;
	*(uint32_t *)v->vmcs = vmx_caps.revision;
	gi.msr_bitmap_pa = child_msr_bitmap_pa;
	gi.eptp = ept_eptp(&v->part->ept);
	if (vmclear(pa) || vmptrld(pa))
		goto out;
	rc = vmx_setup_controls(&gi);
	if (!rc) {
		vmwrite(VMCS_VPID, v->vpid);
		vmx_setup_host(v);
		vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
		vmwrite(VMCS_GUEST_PENDING_DBG, 0);
		vmwrite(VMCS_GUEST_DEBUGCTL, 0);
		vmwrite(VMCS_GUEST_PAT, 0x0007040600070406ull);
		vmwrite(VMCS_GUEST_DR7, 0x400);
	}
out:
	vmptrld(sched_parent()->vmcs_pa);
	if (rc)
		hv_pool_free(pa);
	return rc;
}

void arch_vcpu_destroy(struct vcpu *v)
{
	vmclear(v->vmcs_pa);
	vmptrld(sched_parent()->vmcs_pa);
	hv_pool_free(v->vmcs_pa);
	v->vmcs = NULL;
	v->vmcs_pa = 0;
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
	if (vmptrld(v->vmcs_pa))
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
	v->launched = 0;
	vmptrld(sched_parent()->vmcs_pa);
	return 0;
}

void arch_vcpu_get_state(struct vcpu *v, struct hvpart_vp_state *s)
{
	memset(s, 0, sizeof(*s));
	if (vmptrld(v->vmcs_pa))
		return;
	memcpy(s->gpr, v->gpr, sizeof(s->gpr));
	s->gpr[GPR_RSP] = vmread(VMCS_GUEST_RSP);
	s->rip = vmread(VMCS_GUEST_RIP);
	s->rflags = vmread(VMCS_GUEST_RFLAGS);
	s->cr0 = vmread(VMCS_CR0_SHADOW);
	s->cr4 = vmread(VMCS_CR4_SHADOW);
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
	vmptrld(sched_parent()->vmcs_pa);
}

/* The parent emulated the port access: give IN its result and step past
 * the instruction (an 8/16-bit IN merges into AL/AX, SDM Vol. 2A IN). */
static void finish_intercept(struct vcpu *v)
{
	const struct hvpart_intercept *ic = &v->icpt;

	if (!ic->is_write) {
		uint64_t mask = ic->size == 4 ? 0xffffffffull : (1ull << (ic->size * 8)) - 1;
		uint64_t *rax = &v->gpr[GPR_RAX];

		*rax = ic->size == 4 ? v->icpt_result : (*rax & ~mask) | (v->icpt_result & mask);
	}
	vmx_advance_rip(v->icpt_insn_len);
	v->icpt_done = false;
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
static void inject_pending(struct vcpu *v)
{
	int vec = v == sched_parent() ? (v->notify_pending ? HVPART_NOTIFY_VECTOR : -1)
				      : vlapic_pending_vector(v);

	if (vec < 0)
		return;
	if (vmread(VMCS_ENTRY_INTR_INFO) & (1u << 31))
		return;               /* an exception is being injected first */
	if (!(vmread(VMCS_GUEST_RFLAGS) & (1u << 9)) || (vmread(VMCS_GUEST_INTERRUPTIBILITY) & 3)) {
		set_intr_window(true);
		return;
	}
	set_intr_window(false);
	vmwrite(VMCS_ENTRY_INTR_INFO, (uint32_t)vec | (1u << 31));
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);   /* an interrupt ends HLT */
	if (v == sched_parent())
		v->notify_pending = false;
	else
		vlapic_accept(v, vec);
}

static void set_timer(struct vcpu *v)
{
	uint64_t budget = sched_budget(v);
	unsigned rate = vmx_caps.misc & 0x1f;   /* timer ticks = TSC >> rate (§25.5.1) */
	uint64_t val = budget ? (budget >> rate) + 1 : 0xffffffffull;

	vmwrite(VMCS_PREEMPTION_TIMER, val > 0xffffffffull ? 0xffffffffull : val);
}

void vmx_prepare_entry(struct vcpu *v)
{
	if (v->icpt_done)
		finish_intercept(v);
	if (v != sched_parent())
		vlapic_poll_timer(v, rdtsc());
	inject_pending(v);
	if (sched_children_running || v->timer_dirty) {
		set_timer(v);
		v->timer_dirty = sched_children_running != 0;
	}
}
