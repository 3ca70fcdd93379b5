/*
 * Debug-VMHost -Action HypercallValidation, vCPU-context part
 * (docs/hypercalls.md "vCPU context"): SuspendPartition and
 * ResumePartition refuse what is not a running child; GetVpContext and
 * SetVpContext refuse bad page lists; SetVpContext refuses, each on its
 * own, a newer version and every kind of bad value (reserved bits,
 * non-canonical addresses, CR0/CR4/EFER combinations, an XSAVE area or
 * XCR0 XRSTOR or XSETBV would fault on, vLAPIC and SynIC registers no
 * write could make, events no VM entry takes) and changes nothing; a
 * good context then imports and reads back the same.
 */
#include <stdio.h>
#include <string.h>
#include "partition/hvcheck.h"
#include "partition/parent.h"
#include "partition/vm_ctx.h"

typedef struct hvpart_vp_context_body ctxb;

static struct hvpart_vp_context base;   /* a good context, page 0 */
static uint8_t base_xsave[4096];

static ctxb *page0(const struct vmctx_buf *b)
{
	return (ctxb *)(uintptr_t)b->pa[0];
}

static uint16_t ctx_call(uint16_t code, uint64_t id, uint32_t vp, uint32_t npages,
			 uint64_t gpa0, uint64_t gpa1)
{
	struct hvpart_vp_context_in in = { id, vp, npages, { gpa0, gpa1 } };

	return hvcall(code, &in, sizeof(in), NULL, 0);
}

/* A flat 32-bit protected-mode state, as the loader sets a Multiboot
 * kernel's (SDM Vol. 3A §9.9.1). */
static uint16_t set_flat_state(uint64_t id)
{
	static struct hvpart_vp_state_in in;
	struct hvpart_vp_state *s = &in.state;
	const struct hvpart_seg code = { 0, 0xffffffff, 0xc09b, 8, { 0 } };
	const struct hvpart_seg data = { 0, 0xffffffff, 0xc093, 0x10, { 0 } };

	memset(&in, 0, sizeof(in));
	in.partition_id = id;
	s->rip = 0x100000;
	s->rflags = 2;
	s->cr0 = 0x11;                       /* PE, ET */
	s->cs = code;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->tr = (struct hvpart_seg){ 0, 0x67, 0x8b, 0x18, { 0 } };
	s->ldtr = (struct hvpart_seg){ 0, 0, 1u << 16, 0, { 0 } };
	return hvcall(HVCALL_HVPART_SET_VP_STATE, &in, sizeof(in), NULL, 0);
}

static void check_calls(struct chk *c, uint64_t id, const struct vmctx_buf *b)
{
	uint64_t zero = 0, bogus = 99, p0 = b->pa[0], p1 = b->pa[1];

	hvcheck_expect(c, "suspend: the parent", hvcall(HVCALL_HVPART_SUSPEND_PARTITION, &zero, 8, NULL, 0),
		       HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "suspend: no such partition", hvcall(HVCALL_HVPART_SUSPEND_PARTITION, &bogus, 8, NULL, 0),
		       HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "suspend: a child not started", hvcall(HVCALL_HVPART_SUSPEND_PARTITION, &id, 8, NULL, 0),
		       HV_STATUS_INVALID_PARTITION_STATE);
	hvcheck_expect(c, "resume: a child not suspended", hvcall(HVCALL_HVPART_RESUME_PARTITION, &id, 8, NULL, 0),
		       HV_STATUS_INVALID_PARTITION_STATE);
	hvcheck_expect(c, "get context: no such partition",
		       ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, 99, 0, 2, p0, p1), HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "get context: VP index 1", ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, id, 1, 2, p0, p1),
		       HV_STATUS_INVALID_VP_INDEX);
	hvcheck_expect(c, "get context: one page only", ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, id, 0, 1, p0, p1),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "get context: unaligned page", ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, id, 0, 2, p0 + 8, p1),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "get context: the same page twice", ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, id, 0, 2, p0, p0),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "get context: a page of hv's (0x200000)",
		       ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, id, 0, 2, p0, 0x200000), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "set context: a page of hv's (0x200000)",
		       ctx_call(HVCALL_HVPART_SET_VP_CONTEXT, id, 0, 2, 0x200000, p1), HV_STATUS_INVALID_PARAMETER);
}

/* One bad context: page 0 and the XSAVE page from the good one, then
 * the change. */
struct bad_ctx {
	const char *what;
	void (*make)(ctxb *c, uint8_t *xsave);
};

/* The first address past the lower canonical half: bit 56 where the CPU
 * has 5-level paging (CPUID.(7,0):ECX[16]), bit 47 otherwise (SDM Vol. 1
 * §3.3.7.1); its complement is the last one below the upper half. */
static uint64_t canon_edge(void)
{
	uint32_t r[4];

	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(7), "c"(0));
	return (r[2] >> 16) & 1 ? 1ull << 56 : 1ull << 47;
}

#define BAD(name, body) static void name(ctxb *c, uint8_t *x) { (void)c; (void)x; body; }
BAD(b_version, c->version = HVPART_VP_CONTEXT_VERSION + 1)
BAD(b_magic, c->magic ^= 1)
BAD(b_size, c->size += 64)
BAD(b_tail, ((uint8_t *)c)[4095] = 1)
BAD(b_cr0_rsvd, c->regs.cr0 |= 1ull << 6)
BAD(b_cr0_pg, c->regs.cr0 = (c->regs.cr0 & ~1ull) | (1ull << 31))
BAD(b_cr0_nw, c->regs.cr0 |= 1ull << 29)
BAD(b_cr4_vmxe, c->regs.cr4 |= 1ull << 13)
BAD(b_efer_rsvd, c->regs.efer |= 1ull << 1)
BAD(b_efer_lma, c->regs.efer |= (1ull << 8) | (1ull << 10))
BAD(b_lme_nopae, c->regs.efer |= (1ull << 8) | (1ull << 10); c->regs.cr0 |= 1ull << 31)
BAD(b_rflags, c->regs.rflags &= ~2ull)
BAD(b_fs_base, c->regs.fs.base = canon_edge())
BAD(b_cs_ar, c->regs.cs.ar |= 1u << 20)
BAD(b_cr3, c->regs.cr3 = 1ull << 60)
BAD(b_lstar, c->msr.lstar = canon_edge())
BAD(b_sysenter, c->msr.sysenter_eip = ~canon_edge())
BAD(b_pat, c->msr.pat = 0x0007040600070402ull)
BAD(b_misc, c->msr.misc_enable |= 1ull << 3)
BAD(b_mtrr, c->msr.mtrr_def_type = 2)
BAD(b_dr7, c->dr7 |= 1ull << 40)
BAD(b_xcr0, c->xcr0 = 0x5)
BAD(b_xcomp, x[520] = 1)
BAD(b_xbv, c->xsave_bv |= 1ull << 9; x[512 + 1] |= 2)
BAD(b_mxcsr, x[26] = 1)
BAD(b_apic_base, c->lapic.apic_base |= 1ull << 9)
BAD(b_apic_mode, c->lapic.apic_base = (c->lapic.apic_base & ~(1ull << 11)) | (1ull << 10))
BAD(b_lvt_mode, c->lapic.lvt_timer |= 3u << 17)
BAD(b_irr_low, c->lapic.irr[0] |= 1u << 5)
BAD(b_sint, c->synic.sint[2] = 5)
BAD(b_simp, c->synic.simp = 0x1002)
BAD(b_hcall, c->synic.guest_os_id = 0; c->synic.hypercall = 0x2001)
BAD(b_stimer, c->synic.timer[1].config = 1ull << 40)
BAD(b_nmi_vec, c->ev.pending = HVPART_EVENT_VALID | (2u << 8) | 3)
BAD(b_irq_if, c->regs.rflags &= ~(1ull << 9); c->ev.pending = HVPART_EVENT_VALID | 0x30)
BAD(b_sti_if, c->regs.rflags &= ~(1ull << 9); c->ev.shadow = HVPART_SHADOW_STI)
BAD(b_exc_err, c->ev.pending = HVPART_EVENT_VALID | (3u << 8) | 6 | HVPART_EVENT_ERR_VALID)
BAD(b_halted, c->ev.halted = 3)
BAD(b_sipi_bsp, c->ev.halted = 2)

static const struct bad_ctx bads[] = {
	{ "a newer context version", b_version }, { "not a context (magic)", b_magic },
	{ "size not 4096 + XSAVE area", b_size }, { "reserved tail byte set", b_tail },
	{ "CR0 reserved bit 6", b_cr0_rsvd }, { "CR0.PG without PE", b_cr0_pg },
	{ "CR0.NW without CD", b_cr0_nw }, { "CR4.VMXE", b_cr4_vmxe },
	{ "EFER reserved bit 1", b_efer_rsvd }, { "EFER.LMA without paging", b_efer_lma },
	{ "long mode without CR4.PAE", b_lme_nopae }, { "RFLAGS bit 1 clear", b_rflags },
	{ "non-canonical FS base", b_fs_base }, { "CS access rights reserved bit", b_cs_ar },
	{ "CR3 above MAXPHYADDR", b_cr3 }, { "non-canonical LSTAR", b_lstar },
	{ "non-canonical SYSENTER_EIP", b_sysenter }, { "PAT entry of reserved type 2", b_pat },
	{ "MISC_ENABLE reserved bit 3", b_misc }, { "MTRR default type 2", b_mtrr },
	{ "DR7 bits 63:32", b_dr7 }, { "XCR0 AVX without SSE", b_xcr0 },
	{ "XSAVE header XCOMP_BV set", b_xcomp }, { "XSTATE_BV naming PKRU", b_xbv },
	{ "MXCSR reserved bit 16", b_mxcsr }, { "APIC base reserved bit 9", b_apic_base },
	{ "APIC base invalid mode (EXTD without EN)", b_apic_mode },
	{ "LVT timer mode 3", b_lvt_mode }, { "IRR vector 5", b_irr_low },
	{ "SINT unmasked with vector 5", b_sint }, { "SIMP reserved bit 1", b_simp },
	{ "hypercall page without a guest OS ID", b_hcall },
	{ "stimer config reserved bit", b_stimer }, { "NMI event with vector 3", b_nmi_vec },
	{ "interrupt pending with IF clear", b_irq_if }, { "STI shadow with IF clear", b_sti_if },
	{ "#UD with an error code", b_exc_err }, { "halted not 0, 1 or 2", b_halted },
	{ "vCPU 0 waiting for SIPI", b_sipi_bsp },
};

/* The fields a context of a partition not started changes by itself
 * (its time runs on until it starts), zeroed for comparing. */
static void untimed(ctxb *c)
{
	c->msr.tsc = 0;
	c->synic.ref_time = 0;
	c->lapic.timer_left = 0;
}

static int same_as_base(const struct vmctx_buf *b)
{
	static struct hvpart_vp_context a, g;

	memcpy(&a, &base, sizeof(a));
	memcpy(&g, page0(b), sizeof(g));
	untimed(&a.b);
	untimed(&g.b);
	return !memcmp(&a, &g, sizeof(a)) &&
	       !memcmp((void *)(uintptr_t)b->pa[1], base_xsave, a.b.xsave_size);
}

static void check_bad(struct chk *c, uint64_t id, const struct vmctx_buf *b)
{
	char what[64];

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		memcpy(page0(b), &base, sizeof(base));
		memcpy((void *)(uintptr_t)b->pa[1], base_xsave, sizeof(base_xsave));
		bads[i].make(page0(b), (uint8_t *)(uintptr_t)b->pa[1]);
		snprintf(what, sizeof(what), "set context: %s", bads[i].what);
		hvcheck_expect(c, what, ctx_call(HVCALL_HVPART_SET_VP_CONTEXT, id, 0, 2, b->pa[0], b->pa[1]),
			       HV_STATUS_INVALID_PARAMETER);
	}
	hvcheck_expect(c, "get context after the refusals",
		       ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, id, 0, 2, b->pa[0], b->pa[1]), HV_STATUS_SUCCESS);
	hvcheck_true(c, "refused contexts changed nothing", same_as_base(b));
}

/* A running child (one page: HLT; JMP back, at 1 MiB in the flat
 * state): its context only while it is suspended or stopped, no import
 * into it, and Suspend/Resume in their order. */
static void check_running(struct chk *c, const struct vmctx_buf *b)
{
	static const uint8_t code[] = { 0xf4, 0xeb, 0xfd };   /* 1: hlt; jmp 1b */
	static struct hvpart_deposit_in dep;
	struct hvpart_create_in cin = { "hvctx-run", 4u << 20 };
	struct hvpart_partition_info pi;
	struct hvpart_stop_in stop = { 0, 0, 0, "hvcheck" };
	struct pmem_set page;
	uint64_t id, vp[2], p0 = b->pa[0], p1 = b->pa[1], rip;

	if (pmem_alloc(4096, &page) || hvcall(HVCALL_HVPART_CREATE_PARTITION, &cin, sizeof(cin), &id, 8)) {
		hvcheck_true(c, "running child: set up", 0);
		return;
	}
	memcpy((void *)(uintptr_t)page.runs[0].pa, code, sizeof(code));
	memset(&dep, 0, sizeof(dep));
	dep.partition_id = id;
	dep.nruns = 1;
	dep.runs[0] = (struct hvpart_deposit_run){ 0x100000, page.runs[0].pa >> 12, 1 };
	vp[0] = id;
	vp[1] = 0;
	hvcheck_true(c, "running child: deposit, vCPU, state, start",
		     !hvcall(HVCALL_HVPART_DEPOSIT_PAGES, &dep, sizeof(dep), NULL, 0) &&
		     !hvcall(HVCALL_HVPART_CREATE_VP, vp, sizeof(vp), NULL, 0) && !set_flat_state(id) &&
		     !hvcall(HVCALL_HVPART_START_PARTITION, &id, 8, NULL, 0));
	vp[1] = 1;
	hvcheck_expect(c, "create vp: a running child gets no new vCPU",
		       hvcall(HVCALL_HVPART_CREATE_VP, vp, sizeof(vp), NULL, 0),
		       HV_STATUS_INVALID_PARTITION_STATE);
	hvcheck_expect(c, "get context: a running child", ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, id, 0, 2, p0, p1),
		       HV_STATUS_INVALID_PARTITION_STATE);
	hvcheck_expect(c, "set context: a running child", ctx_call(HVCALL_HVPART_SET_VP_CONTEXT, id, 0, 2, p0, p1),
		       HV_STATUS_INVALID_PARTITION_STATE);
	hvcheck_expect(c, "suspend: a running child", hvcall(HVCALL_HVPART_SUSPEND_PARTITION, &id, 8, NULL, 0),
		       HV_STATUS_SUCCESS);
	hvcheck_true(c, "its info says suspended, still Running",
		     !hvcall(HVCALL_HVPART_GET_PARTITION_INFO, &id, 8, &pi, sizeof(pi)) &&
		     (pi.flags & HVPART_INFO_SUSPENDED) && pi.state == HVPART_STATE_RUNNING);
	hvcheck_expect(c, "suspend: already suspended", hvcall(HVCALL_HVPART_SUSPEND_PARTITION, &id, 8, NULL, 0),
		       HV_STATUS_INVALID_PARTITION_STATE);
	hvcheck_expect(c, "get context: the suspended child", ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, id, 0, 2, p0, p1),
		       HV_STATUS_SUCCESS);
	rip = page0(b)->regs.rip;
	hvcheck_true(c, "its RIP on its HLT loop, CS its flat code segment",
		     rip >= 0x100000 && rip <= 0x100003 && page0(b)->regs.cs.sel == 8);
	hvcheck_expect(c, "set context: a suspended child", ctx_call(HVCALL_HVPART_SET_VP_CONTEXT, id, 0, 2, p0, p1),
		       HV_STATUS_INVALID_PARTITION_STATE);
	hvcheck_expect(c, "resume: the suspended child", hvcall(HVCALL_HVPART_RESUME_PARTITION, &id, 8, NULL, 0),
		       HV_STATUS_SUCCESS);
	hvcheck_expect(c, "resume: not suspended any more", hvcall(HVCALL_HVPART_RESUME_PARTITION, &id, 8, NULL, 0),
		       HV_STATUS_INVALID_PARTITION_STATE);
	hvcall(HVCALL_HVPART_SUSPEND_PARTITION, &id, 8, NULL, 0);
	stop.partition_id = id;
	hvcheck_expect(c, "stop: a suspended child", hvcall(HVCALL_HVPART_STOP_PARTITION, &stop, sizeof(stop), NULL, 0),
		       HV_STATUS_SUCCESS);
	hvcheck_expect(c, "get context: a stopped child", ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, id, 0, 2, p0, p1),
		       HV_STATUS_SUCCESS);
	hvcheck_expect(c, "delete: the running-child test partition",
		       hvcall(HVCALL_HVPART_DELETE_PARTITION, &id, 8, NULL, 0), HV_STATUS_SUCCESS);
	pmem_release(&page);
}

void hvcheck_vpctx(struct chk *c)
{
	struct hvpart_create_in cin;
	struct vmctx_buf b;
	uint64_t id, vp[2];

	memset(&cin, 0, sizeof(cin));
	strcpy(cin.name, "hvctx");
	cin.max_gpa = 4u << 20;
	if (vmctx_buf_alloc(&b) || hvcall(HVCALL_HVPART_CREATE_PARTITION, &cin, sizeof(cin), &id, 8)) {
		hvcheck_true(c, "vCPU context: set up", 0);
		return;
	}
	vp[0] = id;
	vp[1] = 0;
	hvcheck_expect(c, "context: create vp", hvcall(HVCALL_HVPART_CREATE_VP, vp, sizeof(vp), NULL, 0),
		       HV_STATUS_SUCCESS);
	hvcheck_expect(c, "context: a flat 32-bit state", set_flat_state(id), HV_STATUS_SUCCESS);
	check_calls(c, id, &b);
	hvcheck_expect(c, "get context of a child not started",
		       ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, id, 0, 2, b.pa[0], b.pa[1]), HV_STATUS_SUCCESS);
	memcpy(&base, page0(&b), sizeof(base));
	memcpy(base_xsave, (void *)(uintptr_t)b.pa[1], sizeof(base_xsave));
	hvcheck_true(c, "its header: magic, version 1, 4096 + XSAVE bytes",
		     base.b.magic == HVPART_VP_CONTEXT_MAGIC && base.b.version == 1 &&
		     base.b.size == 4096 + base.b.xsave_size && base.b.regs.rip == 0x100000);
	check_bad(c, id, &b);
	memcpy(page0(&b), &base, sizeof(base));
	memcpy((void *)(uintptr_t)b.pa[1], base_xsave, sizeof(base_xsave));
	hvcheck_expect(c, "set context: the good one",
		       ctx_call(HVCALL_HVPART_SET_VP_CONTEXT, id, 0, 2, b.pa[0], b.pa[1]), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "get context: the imported one",
		       ctx_call(HVCALL_HVPART_GET_VP_CONTEXT, id, 0, 2, b.pa[0], b.pa[1]), HV_STATUS_SUCCESS);
	hvcheck_true(c, "it reads back the same, its TSC where it was",
		     same_as_base(&b) && page0(&b)->msr.tsc == base.b.msr.tsc);
	hvcheck_expect(c, "set context: not twice (only before the start)",
		       ctx_call(HVCALL_HVPART_SET_VP_CONTEXT, 99, 0, 2, b.pa[0], b.pa[1]),
		       HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "delete: the context test partition",
		       hvcall(HVCALL_HVPART_DELETE_PARTITION, &id, 8, NULL, 0), HV_STATUS_SUCCESS);
	check_running(c, &b);
	vmctx_buf_free(&b);
}
