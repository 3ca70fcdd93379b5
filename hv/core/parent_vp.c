/*
 * The parent's virtual processors beyond its first (issue 18;
 * docs/ARCHITECTURE.md, "The parent's processors"). Hyper-V's root
 * partition has a virtual processor on every logical processor; so has
 * the parent here, up to a partition's limit: one per AP that came up,
 * each pinned to its AP. They exist from boot, stopped, and the parent
 * starts each with HvCallStartVirtualProcessor (TLFS "Virtual Processor
 * Management"), giving the state it starts in, as Linux does for its
 * processors under Hyper-V (arch/x86/hyperv/hv_vtl.c, HVCALL_START_VP).
 * On its AP such a processor goes before the children whenever it is
 * ready (sched.c, parent_ap_ready), and only hv's synthetic interrupts
 * (its SINTs) reach it: the devices' interrupts stay the boot CPU's.
 */
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include <hv/smp.h>
#include "hypercall.h"
#include "msr.h"
#include "smp.h"
#include "synic.h"
#include "vpctx.h"
#include "xstate.h"

#define HV_PARTITION_ID_SELF 0xffffffffffffffffull
/* The PAT at power-up (SDM Vol. 3A §12.12.4), which every vCPU of hv's
 * starts with: the only value a started processor may name. */
#define PAT_POWER_ON 0x0007040600070406ull

static struct vcpu parent_ap_vcpus[PARTITION_MAX_VCPUS];

static int parent_vp_add(struct partition *p, const struct arch_vcpu_config *cfg, uint32_t cpu)
{
	struct vcpu *v = &parent_ap_vcpus[p->nvcpus];

	memset(v, 0, sizeof(*v));
	v->part = p;
	v->index = p->nvcpus;
	if (arch_vcpu_create(v, cfg))
		return -1;
	if (xstate_vcpu_init(v)) {
		arch_vcpu_destroy(v);
		return -1;
	}
	synic_vcpu_init(v);
	msr_vcpu_reset(v);
	v->run = VCPU_WAIT_SIPI;     /* until HvCallStartVirtualProcessor */
	v->cpu = cpu;
	v->loaded_cpu = this_cpu()->index;   /* arch_vcpu_create left it here */
	smp_release_here(v);
	hv_percpu[cpu].parent_ap = v;
	p->vcpus[p->nvcpus++] = v;
	return 0;
}

void parent_vps_create(struct partition *p, const struct arch_vcpu_config *cfg)
{
	if (!smp_on)
		return;
	for (uint32_t cpu = 1; cpu < HV_MAX_CPUS && p->nvcpus < PARTITION_MAX_VCPUS; cpu++) {
		if (hv_percpu[cpu].online != SMP_AP_ONLINE)
			continue;
		if (parent_vp_add(p, cfg, cpu)) {
			hv_err("hv: no memory for the parent's processor on CPU %u; it has %u", cpu,
			       p->nvcpus);
			return;
		}
	}
	hv_info("hv: the parent has %u virtual processors", p->nvcpus);
}

static void seg_from(struct hvpart_seg *d, const struct hv_x64_segment_register *s)
{
	*d = (struct hvpart_seg){ .base = s->base, .limit = s->limit, .sel = s->selector,
				  .ar = s->attributes };
}

static void state_from(struct hvpart_vp_state *st, const struct hv_initial_vp_context *c)
{
	memset(st, 0, sizeof(*st));
	st->rip = c->rip;
	st->gpr[GPR_RSP] = c->rsp;
	st->rflags = c->rflags;
	seg_from(&st->cs, &c->cs);
	seg_from(&st->ds, &c->ds);
	seg_from(&st->es, &c->es);
	seg_from(&st->fs, &c->fs);
	seg_from(&st->gs, &c->gs);
	seg_from(&st->ss, &c->ss);
	seg_from(&st->tr, &c->tr);
	seg_from(&st->ldtr, &c->ldtr);
	st->gdtr_base = c->gdtr.base;
	st->gdtr_limit = c->gdtr.limit;
	st->idtr_base = c->idtr.base;
	st->idtr_limit = c->idtr.limit;
	st->efer = c->efer;
	st->cr0 = c->cr0;
	st->cr3 = c->cr3;
	st->cr4 = c->cr4;
}

/* The context checked as an imported one is (vpctx_check.c), so that a
 * bad one is an error and never a failed VM entry, which would stop the
 * parent and with it every child. */
static bool context_ok(const struct hv_initial_vp_context *c)
{
	static struct hvpart_vp_context_body body;   /* under hv's lock */

	memset(&body, 0, sizeof(body));
	state_from(&body.regs, c);
	body.msr.pat = PAT_POWER_ON;
	return (c->msr_cr_pat == 0 || c->msr_cr_pat == PAT_POWER_ON) && !vpctx_check_cpu(&body);
}

/* HvCallStartVirtualProcessor: one of the caller's own processors, not
 * yet started, begins at the given state. */
uint16_t hc_start_vp(struct hc_args *a)
{
	const struct hv_input_start_vp *in = a->in;
	struct partition *p = a->v->part;
	struct hvpart_vp_state st;
	struct vcpu *v;
	int rc;

	if (in->partition_id != HV_PARTITION_ID_SELF && in->partition_id != p->id)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in->target_vtl || in->rsvdz0 || in->rsvdz1)
		return HV_STATUS_INVALID_PARAMETER;
	if (in->vp_index >= p->nvcpus)
		return HV_STATUS_INVALID_VP_INDEX;
	/* The input is checked before the processor's state, so that a
	 * bad context is refused as such whatever the processor does. */
	if (!context_ok(&in->ctx))
		return HV_STATUS_INVALID_PARAMETER;
	v = p->vcpus[in->vp_index];
	if (v->run != VCPU_WAIT_SIPI)
		return HV_STATUS_INVALID_VP_STATE;
	state_from(&st, &in->ctx);
	smp_vcpu_claim(v);
	rc = arch_vcpu_set_state(v, &st);
	smp_vcpu_return(v);
	if (rc)
		return HV_STATUS_INVALID_PARAMETER;
	v->run = VCPU_RUNNABLE;
	hv_info("hv: the parent started its processor %u on CPU %u", v->index, v->cpu);
	smp_kick_vcpu(v);
	return HV_STATUS_SUCCESS;
}
