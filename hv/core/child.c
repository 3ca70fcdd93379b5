/*
 * Partition-management hypercalls (parent only; docs/hypercalls.md).
 * Every input is checked before anything changes: a GPA that is
 * unaligned, out of range or already mapped, or a page the parent does not
 * own, gets an error status and leaves all state as it was. Page ownership
 * moves from the parent to the child on deposit (the page leaves the
 * parent's EPT) and comes back scrubbed on delete (docs/ARCHITECTURE.md
 * rule 1).
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include "hypercall.h"
#include "msr.h"
#include "pages.h"
#include "synic.h"
#include "vpctx.h"

static struct vcpu child_vcpus[MAX_PARTITIONS][PARTITION_MAX_VCPUS];
/* A child traps all port I/O and external interrupts
 * (docs/ARCHITECTURE.md rules 2 and 3). */
static const struct arch_vcpu_config child_config = { .passthrough = false };

/* The xAPIC page at its reset base (SDM Vol. 3A §11.4.4) through the
 * backend's APIC-access page, where there is one and the child's RAM
 * does not reach it: the CPU then reports an access there with its
 * offset (hv_handle_apic_access), and an EOI needs no page walk or
 * decode. Read and write only: a fetch stays an EPT violation, which
 * stops the child as before. A base the guest moves elsewhere, a child
 * with RAM there, and SVM keep the EPT-violation path (hv/core/mmio.c). */
#define APIC_PAGE_GPA 0xfee00000ull

static int map_apic_page(struct partition *p)
{
	uint64_t hpa;
	int rc = arch_apic_access_page(&hpa);

	if (rc == -ENODEV || p->max_gpa > APIC_PAGE_GPA)
		return 0;
	if (rc || ept_map_range(&p->ept, APIC_PAGE_GPA, hpa, 4096, EPT_R | EPT_W, EPT_MT_UC))
		return -ENOMEM;
	p->apic_page_gpa = APIC_PAGE_GPA;
	return 0;
}

uint16_t hc_create_partition(struct hc_args *a)
{
	const struct hvpart_create_in *in = a->in;
	struct partition *p;
	char name[32];

	memcpy(name, in->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	if (!name[0] || in->max_gpa < (1ull << 21) || (in->max_gpa & 0xfff) ||
	    in->max_gpa > (64ull << 30))
		return HV_STATUS_INVALID_PARAMETER;
	p = partition_create(name, false);
	if (!p)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	if (ept_init_opts(&p->ept, &hv_ept_ops, NULL, arch_ept_opts())) {
		partition_release(p);
		return HV_STATUS_INSUFFICIENT_MEMORY;
	}
	p->max_gpa = in->max_gpa;
	if (map_apic_page(p) || synic_partition_init(p)) {
		ept_destroy(&p->ept);
		partition_release(p);
		return HV_STATUS_INSUFFICIENT_MEMORY;
	}
	*(uint64_t *)a->out = p->id;
	hv_info("hv: created partition %lu (%s)", p->id, p->name);
	return HV_STATUS_SUCCESS;
}

/* Mark the first n pages of run r PENDING (or back to PARENT). */
static void run_mark(const struct hvpart_deposit_run *r, uint64_t n, uint16_t owner)
{
	for (uint64_t k = 0; k < n; k++)
		pages_set((r->pfn + k) << 12, 4096, owner);
}

/* Check one run: in range, every page the parent's, every target GPA
 * free. Marks the pages PENDING as it goes, which also catches a page
 * named twice; returns how many it marked, and whether all were good. */
static bool run_check(struct partition *p, const struct hvpart_deposit_run *r, uint64_t *marked)
{
	*marked = 0;
	if ((r->gpa & 0xfff) || !r->npages || r->gpa >= p->max_gpa ||
	    r->npages > (p->max_gpa - r->gpa) / 4096 || r->pfn >= (PAGES_LIMIT >> 12) ||
	    r->npages > (PAGES_LIMIT >> 12) - r->pfn)
		return false;
	for (uint64_t k = 0; k < r->npages; k++) {
		uint64_t pa = (r->pfn + k) << 12, hpa, perms, ps;
		unsigned mt;

		if (pages_owner(pa) != PAGE_OWNER_PARENT ||
		    !ept_lookup(&p->ept, r->gpa + k * 4096, &hpa, &perms, &mt, &ps))
			return false;
		pages_set(pa, 4096, PAGE_OWNER_PENDING);
		(*marked)++;
	}
	return true;
}

/* Do two runs of one call name overlapping guest-physical ranges?
 * (Ranges are already known not to wrap: run_check bounds them.) */
static bool runs_overlap(const struct hvpart_deposit_in *in)
{
	for (uint32_t i = 0; i < in->nruns; i++)
		for (uint32_t j = i + 1; j < in->nruns; j++) {
			const struct hvpart_deposit_run *a = &in->runs[i], *b = &in->runs[j];

			if (a->gpa < b->gpa + b->npages * 4096 && b->gpa < a->gpa + a->npages * 4096)
				return true;
		}
	return false;
}

/* Validate every run before anything moves; undo the marks on failure. */
static uint16_t deposit_check(struct partition *p, const struct hvpart_deposit_in *in)
{
	uint32_t i;
	uint64_t marked = 0;

	if (in->nruns == 0 || in->nruns > HVPART_DEPOSIT_RUNS)
		return HV_STATUS_INVALID_PARAMETER;
	for (i = 0; i < in->nruns; i++)
		if (!run_check(p, &in->runs[i], &marked))
			break;
	if (i == in->nruns && !runs_overlap(in))
		return HV_STATUS_SUCCESS;
	if (i < in->nruns)
		run_mark(&in->runs[i], marked, PAGE_OWNER_PARENT);
	while (i--)
		run_mark(&in->runs[i], in->runs[i].npages, PAGE_OWNER_PARENT);
	return HV_STATUS_INVALID_PARAMETER;
}

static int deposit_apply(struct partition *p, struct partition *parent,
			 const struct hvpart_deposit_in *in)
{
	for (uint32_t i = 0; i < in->nruns; i++) {
		const struct hvpart_deposit_run *r = &in->runs[i];
		uint64_t pa = r->pfn << 12, len = r->npages * 4096;

		if (ept_unmap_range(&parent->ept, pa, len) ||
		    ept_map_range(&p->ept, r->gpa, pa, len, EPT_RWX, EPT_MT_WB)) {
			ept_unmap_range(&p->ept, r->gpa, len);
			ept_map_range(&parent->ept, pa, pa, len, EPT_RWX, EPT_MT_WB);   /* the parent is identity-mapped */
			return -1;
		}
		pages_set(pa, len, PAGE_OWNER_CHILD(p->id));
		p->mem_bytes += len;
	}
	return 0;
}

uint16_t hc_deposit_pages(struct hc_args *a)
{
	const struct hvpart_deposit_in *in = a->in;
	struct partition *p = partition_child_by_id(in->partition_id), *parent = a->v->part;
	uint16_t st;

	if (!p)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (p->state == HVPART_STATE_RUNNING)
		return HV_STATUS_INVALID_PARTITION_STATE;
	st = deposit_check(p, in);
	if (st)
		return st;
	if (deposit_apply(p, parent, in)) {
		/* hv's pool ran dry: the runs that moved stay moved
		 * (consistently owned and mapped); the rest go back to the
		 * parent, and the caller learns it from the status. */
		for (uint32_t i = 0; i < in->nruns; i++)
			for (uint64_t k = 0; k < in->runs[i].npages; k++)
				if (pages_owner((in->runs[i].pfn + k) << 12) == PAGE_OWNER_PENDING)
					pages_set((in->runs[i].pfn + k) << 12, 4096, PAGE_OWNER_PARENT);
		smp_ept_flush();
		return HV_STATUS_INSUFFICIENT_MEMORY;
	}
	smp_ept_flush();
	return HV_STATUS_SUCCESS;
}

/* VPs are created in order, 0 (the BSP) first, before the start; an AP
 * waits for its STARTUP IPI unless the parent gives it a state. */
uint16_t hc_create_vp(struct hc_args *a)
{
	const uint64_t *in = a->in;
	struct partition *p = partition_child_by_id(in[0]);
	struct vcpu *v;

	if (!p)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (p->state != HVPART_STATE_CREATED)
		return HV_STATUS_INVALID_PARTITION_STATE;
	if (in[1] != p->nvcpus || in[1] >= PARTITION_MAX_VCPUS)
		return HV_STATUS_INVALID_VP_INDEX;
	v = &child_vcpus[p->id][in[1]];
	memset(v, 0, sizeof(*v));
	v->part = p;
	v->index = (uint32_t)in[1];
	if (arch_vcpu_create(v, &child_config))
		return HV_STATUS_INSUFFICIENT_MEMORY;
	if (xstate_vcpu_init(v)) {
		arch_vcpu_destroy(v);
		return HV_STATUS_INSUFFICIENT_MEMORY;
	}
	vlapic_reset_firmware(&v->lapic, v->index == 0);
	synic_vcpu_init(v);
	msr_vcpu_reset(v);
	smp_place(v);
	v->start_run = v->index ? VCPU_WAIT_SIPI : VCPU_RUNNABLE;
	p->vcpus[p->nvcpus++] = v;
	sched_timers_changed();   /* lone_child's answer (sched.c) */
	return HV_STATUS_SUCCESS;
}

static struct vcpu *vp_get(uint64_t id, uint32_t index)
{
	struct partition *p = partition_child_by_id(id);

	return p && index < p->nvcpus ? p->vcpus[index] : NULL;
}

uint16_t hc_set_vp_state(struct hc_args *a)
{
	const struct hvpart_vp_state_in *in = a->in;
	struct vcpu *v = vp_get(in->partition_id, in->vp_index);
	int rc;

	if (!v)
		return partition_child_by_id(in->partition_id) ? HV_STATUS_INVALID_VP_INDEX :
						     HV_STATUS_INVALID_PARTITION_ID;
	if (v->part->state == HVPART_STATE_RUNNING)
		return HV_STATUS_INVALID_PARTITION_STATE;
	smp_vcpu_claim(v);
	rc = arch_vcpu_set_state(v, &in->state);
	smp_vcpu_return(v);
	if (rc)
		return HV_STATUS_INVALID_PARAMETER;
	v->start_run = VCPU_RUNNABLE;
	return HV_STATUS_SUCCESS;
}

uint16_t hc_get_vp_state(struct hc_args *a)
{
	const uint64_t *in = a->in;
	struct vcpu *v = vp_get(in[0], (uint32_t)in[1]);

	if (!v)
		return HV_STATUS_INVALID_PARAMETER;
	smp_vcpu_claim(v);
	arch_vcpu_get_state(v, a->out);
	smp_vcpu_return(v);
	return HV_STATUS_SUCCESS;
}

uint16_t hc_start_partition(struct hc_args *a)
{
	struct partition *p = partition_child_by_id(*(const uint64_t *)a->in);

	if (!p)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (p->state != HVPART_STATE_CREATED || !p->nvcpus || !p->mem_bytes)
		return HV_STATUS_INVALID_PARTITION_STATE;
	/* An imported context's time goes on from where it stopped. */
	if (p->freeze_tsc)
		vpctx_time_resume(p);
	p->state = HVPART_STATE_RUNNING;
	p->start_tsc = rdtsc();
	sched_child_started(p);
	for (uint32_t i = 0; i < p->nvcpus; i++) {
		p->vcpus[i]->run = p->vcpus[i]->start_run;
		if (p->nvcpus > 1) {
			smp_vcpu_claim(p->vcpus[i]);
			arch_vcpu_pause_exiting(p->vcpus[i]);
			smp_vcpu_return(p->vcpus[i]);
		}
	}
	hv_info("hv: starting partition %lu (%s), %lu KiB", p->id, p->name, p->mem_bytes >> 10);
	return HV_STATUS_SUCCESS;
}

uint16_t hc_stop_partition(struct hc_args *a)
{
	const struct hvpart_stop_in *in = a->in;
	struct partition *p = partition_child_by_id(in->partition_id);
	char why[sizeof(in->reason) + 1];

	if (!p)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (p->state != HVPART_STATE_RUNNING)
		return HV_STATUS_INVALID_PARTITION_STATE;
	memcpy(why, in->reason, sizeof(in->reason));
	why[sizeof(in->reason)] = '\0';
	if (in->flags & HVPART_STOP_EXIT_CODE) {
		p->exit_code = in->exit_code;
		p->has_exit_code = true;
	}
	partition_stop(p, "%s", why[0] ? why : "stopped by the parent");
	smp_quiesce(p);   /* out of the guest on every CPU before this returns */
	return HV_STATUS_SUCCESS;
}

/* Return a child's pages to the parent, scrubbed, in contiguous runs;
 * RECLAIM_BATCH pages a call (about 0.1 ms in Bochs), so the parent takes
 * its interrupts in between (HC_CONTINUE) however big the child: a
 * 128 MiB scrub at once kept them waiting for most of a second, and the
 * console's UART overran. True when all are back. */
#define RECLAIM_BATCH 8

static bool child_return_pages(struct partition *p, struct partition *parent)
{
	uint64_t run_pa = 0, run_len = 0, gpa = p->reclaim_gpa;

	for (unsigned done = 0; gpa < p->max_gpa && done < RECLAIM_BATCH; gpa += 4096) {
		uint64_t hpa, perms, ps;
		unsigned mt;

		if (ept_lookup(&p->ept, gpa, &hpa, &perms, &mt, &ps))
			continue;
		done++;
		hpa &= ~0xfffull;
		/* Already back (a HELD page the parent released), or mapped by
		 * the parent: stays as it is until its last unmap (gpadl.c). */
		if (pages_owner(hpa) != PAGE_OWNER_CHILD(p->id) || gpadl_hold(hpa))
			continue;
		memset((void *)(uintptr_t)hpa, 0, 4096);
		pages_set(hpa, 4096, PAGE_OWNER_PARENT);
		if (run_len && run_pa + run_len == hpa) {
			run_len += 4096;
			continue;
		}
		if (run_len)
			ept_map_range(&parent->ept, run_pa, run_pa, run_len, EPT_RWX, EPT_MT_WB);
		run_pa = hpa;
		run_len = 4096;
	}
	if (run_len)
		ept_map_range(&parent->ept, run_pa, run_pa, run_len, EPT_RWX, EPT_MT_WB);
	p->reclaim_gpa = gpa;
	return gpa >= p->max_gpa;
}

uint16_t hc_delete_partition(struct hc_args *a)
{
	struct partition *p = partition_child_by_id(*(const uint64_t *)a->in);

	if (!p)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (p->state == HVPART_STATE_RUNNING)
		return HV_STATUS_INVALID_PARTITION_STATE;
	/* Idempotent: a restarted delete (HC_CONTINUE) finds nothing left.
	 * Its vCPUs' states come to this CPU first, to be destroyed here. */
	for (uint32_t i = 0; i < p->nvcpus && !p->deleting; i++)
		smp_vcpu_claim(p->vcpus[i]);
	p->deleting = true;
	capture_discard(p);
	synic_partition_destroy(p);
	if (!child_return_pages(p, a->v->part)) {
		smp_ept_flush();
		return HC_CONTINUE;
	}
	ept_destroy(&p->ept);
	for (uint32_t i = 0; i < p->nvcpus; i++) {
		xstate_vcpu_free(p->vcpus[i]);
		arch_vcpu_destroy(p->vcpus[i]);
		smp_unplace(p->vcpus[i]);
	}
	smp_ept_flush();
	hv_info("hv: deleted partition %lu (%s)", p->id, p->name);
	partition_release(p);
	smp_balance();
	return HV_STATUS_SUCCESS;
}

uint64_t partition_overhead(const struct partition *p)
{
	/* EPT tables, the backend's page per vCPU (VMCS), the vCPU's
	 * extended-state page, and hv's per-partition and per-vCPU records. */
	uint64_t synic = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(p->synic_pages); i++)
		synic += p->synic_pages[i] ? 4096 : 0;
	return ept_table_count(&p->ept) * 4096 + p->nvcpus * (2 * 4096 + sizeof(struct vcpu)) +
	       sizeof(struct partition) + synic;
}

uint16_t hc_set_tsc_frequency(struct hc_args *a)
{
	if (a->fast_in < 1000000 || a->fast_in > 100000000000ull)
		return HV_STATUS_INVALID_PARAMETER;
	sched_set_tsc_hz(a->fast_in);
	return HV_STATUS_SUCCESS;
}

/* A device model's interrupt (docs/hypercalls.md "Interrupts"): the
 * vector goes to the child's vLAPIC as a request; an ExtINT one is never
 * put in service (vlapic_raise's AutoEOI path), as the SDM has it for an
 * 8259's interrupt through LINT0. A halted vCPU wakes when the scheduler
 * finds the request (child_ready). */
uint16_t hc_assert_interrupt(struct hc_args *a)
{
	const struct hvpart_assert_irq_in *in = a->in;
	struct partition *p = partition_child_by_id(in->partition_id);

	if (!p)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in->vector < 16 || in->vector > 255 || (in->flags & ~HVPART_IRQ_EXTINT))
		return HV_STATUS_INVALID_PARAMETER;
	if (p->state != HVPART_STATE_RUNNING || !p->nvcpus)
		return HV_STATUS_INVALID_PARTITION_STATE;
	vlapic_raise(p->vcpus[0], (uint8_t)in->vector, in->flags & HVPART_IRQ_EXTINT);
	return HV_STATUS_SUCCESS;
}
