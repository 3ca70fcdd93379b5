/*
 * hv's side of the portable SynIC (hv/synic/): each partition's message
 * buffers (pages from hv's pool), its reference time, each vCPU's synvp
 * with its guest-memory, interrupt and clock hooks, timer polling for
 * the scheduler, and the SynIC hypercalls over one port table
 * (TLFS inter-partition-communication.md; docs/hypercalls.md).
 *
 * Locking: hv never preempts itself, and on several CPUs every exit's
 * handling holds hv's one lock (hv/core/smp_run.c), so every call into
 * hv/synic/ is already serialised (the library's only requirement,
 * hv/synic/synvp.h).
 *
 * Interrupts: a child's SINT vector goes into its vLAPIC's IRR (with
 * AutoEOI remembered, hv/core/vlapic.c) and its EOI of a SINT vector is a
 * redelivery trigger. The parent has no vLAPIC: its SINT vectors wait in
 * vcpu->synic_irr and are injected like HVPART_NOTIFY_VECTOR, never
 * touching its physical LAPIC, so for the parent every SINT behaves as
 * AutoEOI and EOM is its redelivery trigger (docs/ARCHITECTURE.md).
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include "hypercall.h"
#include "synic.h"

/* Per child the parent's VMBus host uses 3 ports and 4 connections, an
 * event port on the child and a connection to it per virtual processor
 * (at most PARTITION_MAX_VCPUS), and an event port and a connection per
 * offered channel (partition/vsp/: up to 10 device rows, and a SCSI
 * sub-channel per processor but one): 20 ports and 21 connections a
 * child at most. */
#define SYNIC_PORTS      (20 * MAX_PARTITIONS + 16)
#define SYNIC_CONNS      (21 * MAX_PARTITIONS + 32)
#define BUFS_PER_PAGE    (4096 / sizeof(struct synic_msgbuf))
/* Pages of message buffers: the parent receives a message port per child
 * (16 buffers each, TLFS "Guest Message Buffers"); a child needs one
 * port for what the parent sends it. */
#define PARENT_POOL_PAGES 18
#define CHILD_POOL_PAGES  2
#define HV_PARTITION_ID_SELF 0xffffffffffffffffull

_Static_assert(PARENT_POOL_PAGES * BUFS_PER_PAGE >= (MAX_PARTITIONS - 1) * HVPORT_MSG_BUFS,
	       "the parent's pool holds a message port per child");
_Static_assert(CHILD_POOL_PAGES * BUFS_PER_PAGE >= HVPORT_MSG_BUFS, "a child's message port");

static struct hvport synic_ports[SYNIC_PORTS];
static struct hvport_conn synic_conns[SYNIC_CONNS];
static struct hvport_table synic_table;
static bool synic_table_ready;

/* ---- hooks for hv/synic/ (ctx is the vCPU) ---- */

static void *synic_map_page(void *ctx, uint64_t gpa)
{
	struct vcpu *v = ctx;

	return partition_gpa_ptr(v->part, gpa, 4096, true);
}

static void synic_raise(void *ctx, uint8_t vector, bool auto_eoi)
{
	struct vcpu *v = ctx;

	if (v->part->privileged) {
		v->synic_irr[vector / 32] |= 1u << (vector % 32);
		v->synic_irr_words |= (uint8_t)(1u << (vector / 32));
		smp_kick_vcpu(v);   /* from a child on an AP */
	} else {
		vlapic_raise(v, vector, auto_eoi);
	}
}

static uint64_t synic_now(void *ctx)
{
	struct vcpu *v = ctx;

	return synic_ref_time(v->part);
}

/* synic_map_page's answers hold while the EPT's generation does
 * (partition_gpa_ptr keeps translations the same way). */
static uint64_t synic_map_gen(void *ctx)
{
	struct vcpu *v = ctx;

	return v->part->ept.gen;
}

static const struct synvp_ops synic_ops = { synic_map_page, synic_raise, synic_now,
					    synic_map_gen };

/* ---- reference time ---- */

/* The parent exists before it has measured the TSC (SetTscFrequency):
 * its reference time starts counting at its creation all the same. */
bool synic_time_ok(struct partition *p)
{
	if (!p->reftime.scale && hv_tsc_hz)
		(void)reftime_init(&p->reftime, hv_tsc_hz, p->create_tsc, 0);
	return p->reftime.scale != 0;
}

uint64_t synic_ref_time(struct partition *p)
{
	return synic_time_ok(p) ? reftime_read(&p->reftime, rdtsc()) : 0;
}

/* p->reftime reads the CPU's TSC (TIME_REF_COUNT, timers); the page is
 * read with the guest's, which runs msrs.tsc_adjust ticks ahead once a
 * child writes IA32_TSC or TSC_ADJUST (hv/core/msr.c, which publishes
 * again then). The page's offset takes that many ticks' worth of
 * reference time off, so page and TIME_REF_COUNT agree (TLFS timers.md). */
static struct reftime ref_for_guest_tsc(struct partition *p)
{
	struct reftime r = p->reftime;
	int64_t adj = p->nvcpus ? (int64_t)p->vcpus[0]->msrs.tsc_adjust : 0;
	uint64_t d = reftime_mul_hi(adj < 0 ? 0 - (uint64_t)adj : (uint64_t)adj, r.scale);

	r.offset += adj < 0 ? (int64_t)d : -(int64_t)d;
	return r;
}

void synic_publish_ref_tsc(struct partition *p)
{
	struct hv_ref_tsc_page *pg;
	struct reftime r;

	if (!(p->ref_tsc_msr & HV_PAGE_MSR_ENABLE))
		return;
	pg = partition_gpa_ptr(p, HV_PAGE_MSR_GPA(p->ref_tsc_msr), 4096, true);
	if (!pg)
		return;
	r = ref_for_guest_tsc(p);
	p->ref_tsc_seq = reftime_publish(pg, &r, p->ref_tsc_seq, synic_time_ok(p));
}

/* ---- partitions and vCPUs ---- */

static void synic_table_init(void)
{
	if (synic_table_ready)
		return;
	if (hvport_init(&synic_table, synic_ports, SYNIC_PORTS, synic_conns, SYNIC_CONNS))
		hv_panic("hv: SynIC port table");
	synic_table_ready = true;
}

int synic_partition_init(struct partition *p)
{
	unsigned npages = p->privileged ? PARENT_POOL_PAGES : CHILD_POOL_PAGES;

	synic_table_init();
	p->create_tsc = rdtsc();
	(void)synic_time_ok(p);
	synic_pool_init(&p->synic.pool, NULL, 0);
	for (unsigned i = 0; i < npages; i++) {
		if (hv_pool_alloc(&p->synic_pages[i]))
			goto fail;
		synic_pool_add(&p->synic.pool, (void *)(uintptr_t)p->synic_pages[i],
			       BUFS_PER_PAGE);
	}
	p->synic.id = p->id;
	p->synic.vps = p->synic_vps;
	p->synic.nvps = PARTITION_MAX_VCPUS;
	if (hvport_add_partition(&synic_table, &p->synic))
		goto fail;
	return 0;
fail:
	synic_partition_free_pages(p);
	return -ENOMEM;
}

void synic_partition_free_pages(struct partition *p)
{
	for (unsigned i = 0; i < ARRAY_SIZE(p->synic_pages); i++)
		if (p->synic_pages[i]) {
			hv_pool_free(p->synic_pages[i]);
			p->synic_pages[i] = 0;
		}
}

/* Teardown order (hv/synic/hvport.h): ports and connections first, then
 * the vCPUs' queues, then the buffers' memory. */
void synic_partition_destroy(struct partition *p)
{
	if (!synic_table_ready)
		return;
	hvport_remove_partition(&synic_table, p->id);
	for (uint32_t i = 0; i < p->nvcpus; i++)
		synvp_reset(&p->vcpus[i]->synic);
	synic_partition_free_pages(p);
}

/* Direct-mode timers are offered (CPUID 0x40000003 EDX bit 19). */
void synic_vcpu_init(struct vcpu *v)
{
	synvp_init(&v->synic, &synic_ops, v, true);
	v->part->synic_vps[v->index] = &v->synic;
}

/* ---- the scheduler's hooks ---- */

/* synic_poll (synic.h) found one armed. */
void synic_poll_timers(struct vcpu *v)
{
	synvp_poll_timers(&v->synic, synic_ref_time(v->part));
	sched_timers_changed();   /* one may have fired and moved */
}

uint64_t synic_next_tsc(struct vcpu *v)
{
	uint64_t due, tsc;

	if (!synic_timers_armed(v) || !synvp_next_timer(&v->synic, synic_ref_time(v->part), &due) ||
	    reftime_to_tsc(&v->part->reftime, due, &tsc))
		return 0;
	return tsc ? tsc : 1;
}

void synic_notify_eoi(struct vcpu *v, uint8_t vector)
{
	synvp_notify_eoi(&v->synic, vector);
}

void synic_parent_accept(struct vcpu *v, int vector)
{
	v->synic_irr[vector / 32] &= ~(1u << (vector % 32));
	if (!v->synic_irr[vector / 32])
		v->synic_irr_words &= (uint8_t)~(1u << (vector / 32));
}

/* ---- hypercalls (hv/core/hypercall.c's table) ---- */

static uint64_t synic_self(const struct hc_args *a, uint64_t id)
{
	return id == HV_PARTITION_ID_SELF ? a->v->part->id : id;
}

uint16_t hc_post_message(struct hc_args *a)
{
	return hvport_post(&synic_table, a->v->part->id, a->in);
}

uint16_t hc_signal_event(struct hc_args *a)
{
	return hvport_signal(&synic_table, a->v->part->id, a->fast_in);
}

uint16_t hc_create_port(struct hc_args *a)
{
	struct hv_input_create_port in;

	memcpy(&in, a->in, sizeof(in));
	in.port_partition = synic_self(a, in.port_partition);
	in.connection_partition = synic_self(a, in.connection_partition);
	return hvport_create(&synic_table, &in);
}

/* The legacy 0x57 input ends after port_info (no proximity field). */
uint16_t hc_create_port_legacy(struct hc_args *a)
{
	struct hv_input_create_port in;

	memset(&in, 0, sizeof(in));
	memcpy(&in, a->in, offsetof(struct hv_input_create_port, proximity));
	in.port_partition = synic_self(a, in.port_partition);
	in.connection_partition = synic_self(a, in.connection_partition);
	return hvport_create(&synic_table, &in);
}

uint16_t hc_delete_port(struct hc_args *a)
{
	struct hv_input_delete_port in;

	memcpy(&in, a->in, sizeof(in));
	in.port_partition = synic_self(a, in.port_partition);
	return hvport_delete(&synic_table, &in);
}

uint16_t hc_connect_port(struct hc_args *a)
{
	struct hv_input_connect_port in;

	memcpy(&in, a->in, sizeof(in));
	in.connection_partition = synic_self(a, in.connection_partition);
	in.port_partition = synic_self(a, in.port_partition);
	return hvport_connect(&synic_table, &in);
}

uint16_t hc_disconnect_port(struct hc_args *a)
{
	struct hv_input_disconnect_port in;

	memcpy(&in, a->in, sizeof(in));
	in.connection_partition = synic_self(a, in.connection_partition);
	return hvport_disconnect(&synic_table, &in);
}
