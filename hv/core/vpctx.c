/*
 * Pausing a child and moving its vCPU's whole context out of hv and into
 * a new partition (docs/hypercalls.md "vCPU context"; issue 19's saved
 * state and snapshots build on it).
 *
 * SuspendPartition keeps a running child from being scheduled without
 * ending it, so its memory (MapGpadlPages) and context can be read
 * consistently; its time (TSC, LAPIC timer, reference time) stands still
 * until ResumePartition, as a saved VM's does. GetVpContext writes the
 * context into pages of the parent's; SetVpContext checks a whole
 * context and only then loads it into a created, never started
 * partition, whose time then stands still until StartPartition.
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include "hypercall.h"
#include "intercept.h"
#include "msr.h"
#include "synic.h"
#include "vpctx.h"
#include "xstate.h"

/* hv's copy of an imported context: the parent's pages could change
 * while it is checked (TLFS §3.4's reason for copying input). */
static struct hvpart_vp_context ctx_in;
static uint8_t xsave_in[4096] __attribute__((aligned(64)));

static struct vcpu *ctx_vcpu(const struct hvpart_vp_context_in *in, uint16_t *st)
{
	struct partition *p = partition_by_id(in->partition_id);

	*st = HV_STATUS_INVALID_PARTITION_ID;
	if (!p || p->privileged)
		return NULL;
	*st = HV_STATUS_INVALID_VP_INDEX;
	if (in->vp_index >= p->nvcpus)
		return NULL;
	*st = HV_STATUS_SUCCESS;
	return p->vcpus[in->vp_index];
}

/* The parent's pages the context goes to or comes from: exactly
 * HVPART_VP_CONTEXT_PAGES, page-aligned, distinct, the parent's own. */
static bool ctx_pages(struct partition *parent, const struct hvpart_vp_context_in *in,
		      bool write, void *pg[HVPART_VP_CONTEXT_PAGES])
{
	if (in->npages != HVPART_VP_CONTEXT_PAGES)
		return false;
	for (unsigned i = 0; i < HVPART_VP_CONTEXT_PAGES; i++) {
		if ((in->page_gpa[i] & 0xfff) || (i && in->page_gpa[i] == in->page_gpa[0]))
			return false;
		pg[i] = partition_gpa_ptr(parent, in->page_gpa[i], 4096, write);
		if (!pg[i])
			return false;
	}
	return true;
}

/* Run fn on v with v's state loaded (the backend acts on the loaded
 * vCPU), then make the caller's current again. */
static void with_loaded(struct vcpu *v, void (*fn)(struct vcpu *v))
{
	struct vcpu *cur = this_cpu()->current;

	smp_vcpu_claim(v);
	arch_vcpu_load(v);
	fn(v);
	arch_vcpu_load(cur);
	smp_vcpu_return(v);
}

static void load_tsc_offset(struct vcpu *v)
{
	arch_vcpu_set_tsc_offset(v, v->msrs.tsc_adjust);
}

/* ---- time ---- */

void vpctx_time_resume(struct partition *p)
{
	uint64_t delta = rdtsc() - p->freeze_tsc;

	p->freeze_tsc = 0;
	for (uint32_t i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = p->vcpus[i];

		v->msrs.tsc_adjust -= delta;
		with_loaded(v, load_tsc_offset);
		vlapic_time_shift(v, delta);
	}
	if (p->reftime.scale)
		p->reftime.offset -= (int64_t)reftime_mul_hi(delta, p->reftime.scale);
	synic_publish_ref_tsc(p);
}

/* When the guest's time stopped: suspended, stopped, or not started. */
static uint64_t ctx_now(const struct partition *p)
{
	if (p->freeze_tsc)
		return p->freeze_tsc;
	return p->state == HVPART_STATE_STOPPED ? p->stop_tsc : rdtsc();
}

/* ---- SuspendPartition, ResumePartition ---- */

uint16_t hc_suspend_partition(struct hc_args *a)
{
	struct partition *p = partition_by_id(*(const uint64_t *)a->in);

	if (!p || p->privileged)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (p->state != HVPART_STATE_RUNNING || p->suspended)
		return HV_STATUS_INVALID_PARTITION_STATE;
	p->suspended = true;
	p->freeze_tsc = rdtsc();
	sched_child_stopped(p);
	smp_quiesce(p);   /* out of the guest on every CPU before this returns */
	hv_info("hv: partition %lu (%s) suspended", p->id, p->name);
	return HV_STATUS_SUCCESS;
}

uint16_t hc_resume_partition(struct hc_args *a)
{
	struct partition *p = partition_by_id(*(const uint64_t *)a->in);

	if (!p || p->privileged)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (p->state != HVPART_STATE_RUNNING || !p->suspended)
		return HV_STATUS_INVALID_PARTITION_STATE;
	/* A live capture's pause ends here (hv/core/capture.c). */
	if (p->cap.active && !p->cap.st.pause_ticks)
		p->cap.st.pause_ticks = rdtsc() - p->freeze_tsc;
	vpctx_time_resume(p);
	p->suspended = false;
	sched_child_started(p);
	hv_info("hv: partition %lu (%s) resumed", p->id, p->name);
	return HV_STATUS_SUCCESS;
}

/* ---- export ---- */

static void synic_ctx_get(struct vcpu *v, struct hvpart_synic_state *s, uint64_t now)
{
	struct partition *p = v->part;

	s->guest_os_id = p->guest_os_id;
	s->hypercall = p->hypercall_msr;
	s->ref_tsc = p->ref_tsc_msr;
	s->vp_assist = v->vp_assist_msr;
	memcpy(s->crash_p, p->crash_p, sizeof(s->crash_p));
	s->ref_time = synic_time_ok(p) ? reftime_read(&p->reftime, now) : 0;
	s->scontrol = v->synic.scontrol;
	s->simp = v->synic.simp;
	s->siefp = v->synic.siefp;
	memcpy(s->sint, v->synic.sint, sizeof(s->sint));
	for (unsigned i = 0; i < HV_STIMER_COUNT; i++) {
		const struct stimer *t = &v->synic.timer[i];

		s->timer[i] = (struct hvpart_stimer_state){ t->config, t->count, t->due, t->armed, 0 };
	}
}

static bool synic_queued(const struct vcpu *v)
{
	for (unsigned i = 0; i < HV_SINT_COUNT; i++)
		if (synvp_count_queued(&v->synic, i))
			return true;
	return false;
}

/* An external interrupt hv was injecting when the guest stopped (an exit
 * during its delivery left it pending) goes back to the exported vLAPIC
 * as a request, undoing vlapic_accept: in service again only when it is
 * delivered. So the context carries no interrupt whose delivery the CPU
 * itself might refuse at the next entry (VT-x wants RFLAGS.IF set for
 * one, SDM Vol. 3C §26.3.1.5; SVM injects it regardless). A vector not
 * in service was an AutoEOI one (SynIC, 8259). */
static void ctx_requeue_irq(struct hvpart_vp_context_body *c)
{
	uint32_t vec = c->ev.pending & 0xff, w = vec / 32, bit = 1u << (vec % 32);

	if (!(c->ev.pending & HVPART_EVENT_VALID) || ((c->ev.pending >> 8) & 7) != 0)
		return;
	if (c->lapic.isr[w] & bit)
		c->lapic.isr[w] &= ~bit;
	else
		c->lapic.auto_eoi[w] |= bit;
	c->lapic.irr[w] |= bit;
	c->ev.pending = 0;
	c->ev.error_code = 0;
}

static void ctx_fill(struct vcpu *v, struct hvpart_vp_context_body *c, void *xsave)
{
	uint64_t now = ctx_now(v->part);

	c->magic = HVPART_VP_CONTEXT_MAGIC;
	c->version = HVPART_VP_CONTEXT_VERSION;
	smp_vcpu_claim(v);   /* its registers and MSRs to this CPU */
	arch_vcpu_get_context(v, c);
	msr_ctx_get(v, &c->msr);
	c->msr.tsc = now + v->msrs.tsc_adjust;
	c->ev.halted = v->run == VCPU_WAIT_SIPI ? 2 : v->run == VCPU_HALTED;
	c->ev.nmi_pending = v->lapic.nmi_pending;
	vlapic_ctx_get(v, &c->lapic, now);
	synic_ctx_get(v, &c->synic, now);
	ctx_requeue_irq(c);
	c->xsave_size = xstate_ctx_get(v, xsave, &c->xcr0);
	smp_vcpu_return(v);
	c->xsave_bv = xstate_area_bv(xsave);
	c->size = 4096 + c->xsave_size;
}

/* A port access the parent has answered finishes now (as at the next
 * entry), so the context holds the instruction's result; one it has not
 * answered yet keeps the vCPU inside an instruction: no context then. */
uint16_t hc_get_vp_context(struct hc_args *a)
{
	const struct hvpart_vp_context_in *in = a->in;
	void *pg[HVPART_VP_CONTEXT_PAGES];
	uint16_t st;
	struct vcpu *v = ctx_vcpu(in, &st);

	if (!v)
		return st;
	if ((v->part->state == HVPART_STATE_RUNNING && !v->part->suspended) ||
	    v->run == VCPU_BLOCKED || synic_queued(v))
		return HV_STATUS_INVALID_PARTITION_STATE;
	if (!ctx_pages(a->v->part, in, true, pg))
		return HV_STATUS_INVALID_PARAMETER;
	if (v->icpt_done)
		with_loaded(v, intercept_finish);
	memset(pg[0], 0, 4096);
	memset(pg[1], 0, 4096);
	ctx_fill(v, pg[0], pg[1]);
	return HV_STATUS_SUCCESS;
}

/* ---- import ---- */

static bool stimer_ok(const struct synvp *sv, const struct hvpart_stimer_state *t)
{
	struct stimer s = { 0 };

	if (stimer_write_config(&s, t->config, sv->direct_timers, 0) || s.config != t->config)
		return false;
	return t->armed <= 1 && !t->rsvd && (!t->armed || (t->config & HV_STIMER_ENABLE));
}

/* As the MSR writes would take them (hv/core/synic.c, hv/synic/synvp.c):
 * reserved bits clear, an unmasked SINT's vector 16 or more, the
 * hypercall page enabled only with a guest OS ID. */
static int synic_ctx_check(const struct vcpu *v, const struct hvpart_synic_state *s)
{
	const uint64_t sint_ok = 0xff | HV_SINT_MASKED | HV_SINT_AUTO_EOI | HV_SINT_POLLING;

	if ((s->hypercall & 0xffe) || (s->ref_tsc & 0xffe) || (s->vp_assist & 0xffe) ||
	    (s->simp & 0xffe) || (s->siefp & 0xffe) || (s->scontrol & ~HV_SCONTROL_ENABLE))
		return -EINVAL;
	if ((s->hypercall & HV_MSR_HYPERCALL_ENABLE) && !s->guest_os_id)
		return -EINVAL;
	for (unsigned i = 0; i < HV_SINT_COUNT; i++)
		if ((s->sint[i] & ~sint_ok) ||
		    (!(s->sint[i] & HV_SINT_MASKED) && HV_SINT_VECTOR(s->sint[i]) < HV_SINT_MIN_VECTOR))
			return -EINVAL;
	for (unsigned i = 0; i < HV_STIMER_COUNT; i++)
		if (!stimer_ok(&v->synic, &s->timer[i]))
			return -EINVAL;
	return 0;
}

static void synic_ctx_set(struct vcpu *v, const struct hvpart_synic_state *s, uint64_t now)
{
	struct partition *p = v->part;

	p->guest_os_id = s->guest_os_id;
	p->hypercall_msr = s->hypercall;
	/* Filled again with this backend's instruction (the context may
	 * come from the other one: VMCALL vs VMMCALL), where the page is
	 * already deposited; otherwise it keeps what memory holds. */
	if (s->hypercall & HV_MSR_HYPERCALL_ENABLE)
		(void)synic_write_msr(v, HV_MSR_HYPERCALL, s->hypercall);
	p->ref_tsc_msr = s->ref_tsc;
	v->vp_assist_msr = s->vp_assist;
	memcpy(p->crash_p, s->crash_p, sizeof(p->crash_p));
	if (hv_tsc_hz)
		(void)reftime_init(&p->reftime, hv_tsc_hz, now, s->ref_time);
	v->synic.scontrol = s->scontrol;
	v->synic.simp = s->simp;
	v->synic.siefp = s->siefp;
	memcpy(v->synic.sint, s->sint, sizeof(v->synic.sint));
	for (unsigned i = 0; i < HV_STIMER_COUNT; i++) {
		const struct hvpart_stimer_state *t = &s->timer[i];

		v->synic.timer[i] = (struct stimer){ t->config, t->count, t->due, t->armed != 0 };
	}
	synvp_changed(&v->synic);   /* kept signal routes to it (hvport.c) */
}

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* The header: hvpart's context, a version hv knows (a newer one may
 * carry state hv would drop), sizes of this host, reserved fields 0. */
static int ctx_check_header(const struct hvpart_vp_context *c)
{
	const struct hvpart_vp_context_body *b = &c->b;

	if (b->magic != HVPART_VP_CONTEXT_MAGIC || b->version != HVPART_VP_CONTEXT_VERSION ||
	    b->flags || b->rsvd || b->xsave_size > 4096 || b->size != 4096 + b->xsave_size)
		return -EINVAL;
	return zero(c->rsvd, sizeof(c->rsvd)) ? 0 : -EINVAL;
}

/* NULL, or the part refused (hv's log says which, for whoever made the
 * context). */
static const char *ctx_check(const struct vcpu *v, const struct hvpart_vp_context *c,
			     const void *xsave)
{
	const struct hvpart_vp_context_body *b = &c->b;
	const char *cpu;
	uint64_t bv;

	bv = xstate_area_bv(xsave);
	if (ctx_check_header(c))
		return "header";
	cpu = vpctx_check_cpu(b);
	if (cpu)
		return cpu;
	/* Only an application processor waits for SIPI: INIT to vCPU 0 is
	 * dropped (hv/core/ipi.c), so nothing would ever start it. */
	if (b->ev.halted == 2 && v->index == 0)
		return "event state (vCPU 0 waiting for SIPI)";
	if (msr_ctx_check(v, &b->msr))
		return "MSRs";
	if (vlapic_ctx_check(&b->lapic))
		return "local APIC";
	if (synic_ctx_check(v, &b->synic))
		return "Hyper-V MSRs or SynIC";
	if (xstate_ctx_check(xsave, b->xsave_size, b->xcr0) || bv != b->xsave_bv)
		return "XSAVE area or XCR0";
	return NULL;
}

/* Every vCPU's time stops at one instant, the first import's: the
 * saved TSCs were read at one instant too (ctx_now), and a later import
 * given its own instant would leave that vCPU's TSC behind the others'
 * by the time between the two hypercalls. The reference TSC page is the
 * partition's (TLFS timers.md) and is computed with vCPU 0's offset
 * (hv/core/synic_vp.c), so on a lagging vCPU Linux's clock would run
 * behind the time hv fires its synthetic timers by, and each one it
 * armed less than the lag ahead would fire at once: with a lag past a
 * tick, an endless storm of stimer0 interrupts on that CPU. */
static uint64_t ctx_import_instant(struct partition *p)
{
	if (!p->freeze_tsc)
		p->freeze_tsc = rdtsc();
	return p->freeze_tsc;
}

static void ctx_apply(struct vcpu *v, const struct hvpart_vp_context_body *b, const void *xsave)
{
	uint64_t now = ctx_import_instant(v->part);

	smp_vcpu_claim(v);
	arch_vcpu_set_context(v, b);
	msr_ctx_set(v, &b->msr);
	v->msrs.tsc_adjust = b->msr.tsc - now;
	with_loaded(v, load_tsc_offset);
	vlapic_ctx_set(v, &b->lapic, now);
	v->lapic.nmi_pending = b->ev.nmi_pending;
	synic_ctx_set(v, &b->synic, now);
	xstate_ctx_set(v, xsave, b->xsave_size, b->xcr0);
	smp_vcpu_return(v);
	v->start_run = b->ev.halted == 2 ? VCPU_WAIT_SIPI :
		       b->ev.halted ? VCPU_HALTED : VCPU_RUNNABLE;
	v->halt_masked = !(b->regs.rflags & (1u << 9));
}

uint16_t hc_set_vp_context(struct hc_args *a)
{
	const struct hvpart_vp_context_in *in = a->in;
	void *pg[HVPART_VP_CONTEXT_PAGES];
	uint16_t st;
	struct vcpu *v = ctx_vcpu(in, &st);
	const char *bad;

	if (!v)
		return st;
	if (v->part->state != HVPART_STATE_CREATED)
		return HV_STATUS_INVALID_PARTITION_STATE;
	if (!ctx_pages(a->v->part, in, false, pg))
		return HV_STATUS_INVALID_PARAMETER;
	memcpy(&ctx_in, pg[0], sizeof(ctx_in));
	memcpy(xsave_in, pg[1], sizeof(xsave_in));
	bad = ctx_check(v, &ctx_in, xsave_in);
	if (bad) {
		hv_info("hv: partition %lu (%s): vCPU context refused: %s", v->part->id,
			v->part->name, bad);
		return HV_STATUS_INVALID_PARAMETER;
	}
	ctx_apply(v, &ctx_in.b, xsave_in);
	hv_info("hv: partition %lu (%s): vCPU context imported", v->part->id, v->part->name);
	return HV_STATUS_SUCCESS;
}
