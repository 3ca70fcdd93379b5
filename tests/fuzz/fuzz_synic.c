/* libFuzzer target for hv/synic: three partitions (the parent with two
 * VPs, two children with one) driven from a hostile guest's view: SynIC
 * and timer MSR writes with any values (pages outside the partition,
 * aliased pages, bad vectors), HvPostMessage and HvSignalEvent with any
 * input, guests emptying, scribbling on and acknowledging their slots,
 * EOI, time passing, plus the parent's port calls with any fields, VP
 * resets, page ownership changes and partition teardown.
 *
 * After every step it checks:
 *  - bounded memory: every partition's pool balances (free + queued =
 *    total), each message port holds at most 16 buffers and exactly the
 *    queued buffers charged to it, reservations match the message ports;
 *  - queues are well formed (tails, queued flags, timer buffers);
 *  - no hv step wrote a busy SIM slot except to set MessagePending (steps
 *    that rightly write guest pages, enabling a page or setting event
 *    flags in a page a guest may alias, are not checked);
 *  - no lost wakeup: a queue that cannot deliver sits behind a busy slot
 *    with MessagePending set, so a guest following Linux's protocol will
 *    write EOM. Checked for every vCPU the guest has not tampered with
 *    (scribbles, page ownership or aliasing, event flags landing in a SIM
 *    page) since hv last scanned all its queues. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/abi/hvpart_abi.h"
#include "hv/abi/tlfs.h"
#include "hv/synic/hvport.h"
#include "tests/unit/hv/fakesynic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPARTS 3
#define NCPUS  4
#define NPORTS 12
#define NCONNS 12

struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint64_t un(struct rd *r, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)u8(r) << (8 * i);
	return v;
}

static struct fakevm vm;
static struct fakevcpu cpu[NCPUS];
static struct synvp *vps[NCPUS];
static struct synic_partition part[NPARTS];
static struct synic_msgbuf bufs[48 + 20 + 36];
static struct hvport ports[NPORTS];
static struct hvport_conn conns[NCONNS];
static struct hvport_table tab;
static uint8_t snap[NCPUS][4096];
static uint64_t snap_simp[NCPUS];
static bool tampered[NCPUS];

/* What a step did, for the checks. */
struct effects {
	bool writes_pages;       /* rightly wrote guest pages: skip the busy-slot check */
	bool tampers;            /* may break the no-lost-wakeup state behind hv's back */
	int scanned;             /* vCPU whose queues were all rescanned, or -1 */
};

static const uint64_t part_ids[NPARTS] = { 1, 2, 3 };
static const unsigned part_first_cpu[NPARTS] = { 0, 2, 3 };
static const unsigned part_ncpus[NPARTS] = { 2, 1, 1 };
static const unsigned part_nbufs[NPARTS] = { 48, 20, 36 };

static void world_init(void)
{
	struct synic_msgbuf *b = bufs;

	fakevm_init(&vm);
	for (unsigned i = 0; i < NCPUS; i++) {
		fakevcpu_init(&cpu[i], &vm, i & 1);
		vps[i] = &cpu[i].vp;
	}
	if (hvport_init(&tab, ports, NPORTS, conns, NCONNS))
		abort();
	for (unsigned i = 0; i < NPARTS; i++) {
		part[i] = (struct synic_partition){
			.id = part_ids[i], .vps = &vps[part_first_cpu[i]], .nvps = part_ncpus[i],
		};
		synic_pool_init(&part[i].pool, b, part_nbufs[i]);
		b += part_nbufs[i];
		if (hvport_add_partition(&tab, &part[i]))
			abort();
	}
	memset(tampered, 0, sizeof(tampered));
}

/* ---- invariants ---- */

static unsigned count_charged(const uint32_t *charge)
{
	unsigned n = 0;

	for (unsigned c = 0; c < NCPUS; c++)
		for (unsigned s = 0; s < HV_SINT_COUNT; s++)
			for (struct synic_msgbuf *b = vps[c]->head[s]; b; b = b->next)
				n += b->charge == charge;
	return n;
}

static void check_queues(void)
{
	for (unsigned c = 0; c < NCPUS; c++) {
		bool timer_seen[HV_STIMER_COUNT] = { false };

		for (unsigned s = 0; s < HV_SINT_COUNT; s++) {
			struct synic_msgbuf *last = NULL;

			for (struct synic_msgbuf *b = vps[c]->head[s]; b; b = b->next) {
				if (!b->queued || b->msg.header.payload_size > HV_MESSAGE_PAYLOAD_MAX)
					abort();
				if (b->kind == SYNIC_BUF_TIMER)
					timer_seen[b - vps[c]->timer_buf] = true;
				else if (b->pool != &part[c == 0 || c == 1 ? 0 : c - 1].pool)
					abort();   /* a buffer of another partition's pool */
				last = b;
			}
			if (vps[c]->tail[s] != last)
				abort();
		}
		for (unsigned i = 0; i < HV_STIMER_COUNT; i++)
			if (vps[c]->timer_buf[i].queued != timer_seen[i])
				abort();
	}
}

static void check_pools(void)
{
	uint32_t reserved[NPARTS] = { 0 }, queued[NPARTS] = { 0 };

	for (unsigned i = 0; i < NPORTS; i++) {
		struct hvport *p = &ports[i];

		if (!p->owner || p->type != HV_PORT_TYPE_MESSAGE)
			continue;
		if (p->queued > HVPORT_MSG_BUFS || p->queued != count_charged(&p->queued))
			abort();
		reserved[p->owner - part] += HVPORT_MSG_BUFS;
		queued[p->owner - part] += p->queued;
	}
	for (unsigned i = 0; i < NPARTS; i++) {
		const struct synic_pool *pl = &part[i].pool;

		if (pl->reserved != reserved[i] || pl->reserved > pl->total ||
		    pl->nfree + queued[i] != pl->total)
			abort();
	}
}

static void snapshot(void)
{
	for (unsigned c = 0; c < NCPUS; c++) {
		struct hv_message *m = synvp_msg_ready(vps[c]) ? fake_slot(&cpu[c], 0) : NULL;

		snap_simp[c] = m ? vps[c]->simp : 0;
		if (m)
			memcpy(snap[c], m, 4096);
	}
}

/* A busy slot may only gain MessagePending. */
static void check_busy_slots(void)
{
	for (unsigned c = 0; c < NCPUS; c++) {
		const struct hv_message *before = (const void *)snap[c];
		struct hv_message *now;

		if (!snap_simp[c] || vps[c]->simp != snap_simp[c] || !(now = fake_slot(&cpu[c], 0)))
			continue;
		for (unsigned s = 0; s < HV_SINT_COUNT; s++) {
			struct hv_message b = before[s];

			if (b.header.type == HV_MSG_NONE)
				continue;
			if ((now[s].header.flags & ~HV_MSG_FLAG_PENDING) !=
			    (b.header.flags & ~HV_MSG_FLAG_PENDING))
				abort();
			b.header.flags = now[s].header.flags;
			if (memcmp(&b, &now[s], sizeof(b)))
				abort();
		}
	}
}

/* Two ready vCPUs sharing a SIM page overwrite each other's flags: the
 * TLFS calls that undefined, so such vCPUs are not checked. */
static bool simp_aliased(unsigned c)
{
	for (unsigned o = 0; o < NCPUS; o++)
		if (o != c && synvp_msg_ready(vps[o]) &&
		    HV_PAGE_MSR_GPA(vps[o]->simp) == HV_PAGE_MSR_GPA(vps[c]->simp))
			return true;
	return false;
}

/* A queue that did not deliver waits behind a busy slot that asks for
 * the next EOM. Aliasing is sticky tampering: once another vCPU's
 * messages went through the same slots, this vCPU's guest may have
 * emptied a slot and sent the EOM to the other vCPU, so the check waits
 * for hv's next full rescan of this vCPU even after the aliasing ends. */
static void check_no_lost_wakeup(void)
{
	for (unsigned c = 0; c < NCPUS; c++) {
		struct hv_message *slots;

		if (synvp_msg_ready(vps[c]) && simp_aliased(c))
			tampered[c] = true;
		if (tampered[c] || !synvp_msg_ready(vps[c]) ||
		    !(slots = fake_slot(&cpu[c], 0)))
			continue;
		for (unsigned s = 0; s < HV_SINT_COUNT; s++)
			if (vps[c]->head[s] && (slots[s].header.type == HV_MSG_NONE ||
						!(slots[s].header.flags & HV_MSG_FLAG_PENDING)))
				abort();
	}
}

/* ---- steps ---- */

static const uint32_t msrs[] = {
	HV_MSR_SCONTROL, HV_MSR_SVERSION, HV_MSR_SIEFP, HV_MSR_SIMP, HV_MSR_EOM,
	HV_MSR_SINT0, HV_MSR_SINT0 + 1, HV_MSR_SINT0 + 2, HV_MSR_SINT0 + 3,
	HV_MSR_SINT15, HV_MSR_STIMER0_CONFIG, HV_MSR_STIMER0_COUNT,
	HV_MSR_STIMER0_CONFIG + 2, HV_MSR_STIMER0_COUNT + 2, HV_MSR_STIMER3_COUNT,
};

/* A value shaped for the MSR: pages in or just outside guest memory,
 * SINT vectors around 16, timer bits, or anything. */
static uint64_t msr_value(struct rd *r, uint32_t msr, uint8_t how)
{
	uint64_t v = un(r, 8);

	if (how & 0x80)
		return v;
	if (msr == HV_MSR_SIMP || msr == HV_MSR_SIEFP)
		return fake_gpa(u8(r) % (FAKE_NPAGES + 2)) | (v & 0xfff);
	if (msr >= HV_MSR_SINT0 && msr <= HV_MSR_SINT15)
		return (v & (HV_SINT_MASKED | HV_SINT_AUTO_EOI | HV_SINT_POLLING)) | u8(r);
	if (msr >= HV_MSR_STIMER0_CONFIG && msr <= HV_MSR_STIMER3_COUNT)
		return msr & 1 ? v % 512 : v & 0xf1fffull;
	return v & 1;
}

/* Enabling a SIM or SIEF page clears it, maybe under another vCPU's SIM
 * page. EOM, SINT, SCONTROL and SIM page writes rescan every queue. */
static void step_msr(struct rd *r, struct effects *e)
{
	unsigned c = u8(r) % NCPUS;
	uint8_t how = u8(r);
	uint32_t msr = how & 0x40 ? 0x40000080 + u8(r) % 0x40 : msrs[how % (sizeof(msrs) / 4)];
	uint64_t v = msr_value(r, msr, how);
	int rc;

	if (how & 0x20) {
		(void)synvp_read_msr(vps[c], msr, &v);
		return;
	}
	e->writes_pages = e->tampers = msr == HV_MSR_SIMP || msr == HV_MSR_SIEFP;
	rc = synvp_write_msr(vps[c], msr, v);
	if (rc == 0 && (msr == HV_MSR_EOM || msr == HV_MSR_SCONTROL || msr == HV_MSR_SIMP ||
			(msr >= HV_MSR_SINT0 && msr <= HV_MSR_SINT15)))
		e->scanned = (int)c;
}

/* The guest empties its slot with Linux's protocol: EOM only if
 * MessagePending. Not tampering: this is what the protocol expects. */
static void step_guest_ack(struct rd *r, struct effects *e)
{
	unsigned c = u8(r) % NCPUS, s = u8(r) % HV_SINT_COUNT;
	struct hv_message *m = synvp_msg_ready(vps[c]) ? fake_slot(&cpu[c], s) : NULL;

	if (!m)
		return;
	m->header.type = HV_MSG_NONE;
	snapshot();                /* the guest's own write is not checked */
	if (!(m->header.flags & HV_MSG_FLAG_PENDING))
		return;
	(void)synvp_write_msr(vps[c], HV_MSR_EOM, 0);
	e->scanned = (int)c;
}

static void step_guest_scribble(struct rd *r)
{
	unsigned pg = u8(r) % FAKE_NPAGES, off = (unsigned)un(r, 2) % 4096;

	((uint8_t *)fake_page(&vm, pg))[off] = u8(r);
}

static uint64_t any_part(struct rd *r)
{
	uint8_t x = u8(r);

	return x < 0xf0 ? part_ids[x % NPARTS] : x;
}

static void step_post(struct rd *r)
{
	struct hv_input_post_message in;
	uint64_t sender = any_part(r);
	uint8_t how = u8(r);

	memset(&in, 0, sizeof(in));
	in.connection_id = how & 0x80 ? (uint32_t)un(r, 4) : u8(r) % 8;
	in.message_type = how & 0x40 ? (uint32_t)un(r, 4) : 1 + u8(r) % 4;
	in.payload_size = how & 0x20 ? (uint32_t)un(r, 4) : u8(r);
	in.rsvdz = how & 0x10 ? 1 : 0;
	for (unsigned i = 0; i < 16; i++)
		in.payload[i * 15] = u8(r);
	(void)hvport_post(&tab, sender, &in);
}

static void step_signal(struct rd *r)
{
	uint64_t sender = any_part(r);
	uint8_t how = u8(r);
	uint64_t in, flag;

	if (how & 0x80) {
		in = un(r, 8);
	} else {
		in = u8(r) % 8;
		flag = u8(r) % 40;
		in |= flag << 32;
	}
	(void)hvport_signal(&tab, sender, in);
}

static void step_create(struct rd *r)
{
	struct hv_input_create_port in;
	uint8_t how = u8(r);

	memset(&in, 0, sizeof(in));
	in.port_partition = any_part(r);
	in.port_id = how & 0x80 ? (uint32_t)un(r, 4) : u8(r) % 8;
	in.connection_partition = how & 0x40 ? any_part(r) : 0;
	in.port_info.port_type = how & 0x20 ? u8(r) : 1 + (how & 1);
	in.port_info.message.target_sint = u8(r) % 17;
	in.port_info.message.target_vp = how & 0x10 ? HV_ANY_VP : u8(r) % 3;
	in.port_info.event.base_flag = (uint16_t)un(r, 2) % 2100;
	in.port_info.event.flag_count = (uint16_t)un(r, 2) % 64;
	if (how & 0x08)
		in.rsvdz = 1;
	(void)hvport_create(&tab, &in);
}

static void step_connect(struct rd *r)
{
	struct hv_input_connect_port in;
	uint8_t how = u8(r);

	memset(&in, 0, sizeof(in));
	in.connection_partition = any_part(r);
	in.connection_id = how & 0x80 ? (uint32_t)un(r, 4) : u8(r) % 8;
	in.port_partition = any_part(r);
	in.port_id = u8(r) % 8;
	in.connection_info.port_type = how & 0x40 ? u8(r) : 1 + (how & 1);
	if (how & 0x20)
		in.connection_info.data[1] = 1;
	(void)hvport_connect(&tab, &in);
}

static void step_delete(struct rd *r)
{
	uint8_t how = u8(r);
	uint64_t p = any_part(r);
	uint32_t id = u8(r) % 8;

	if (how & 1) {
		struct hv_input_delete_port in = { .port_partition = p, .port_id = id };

		(void)hvport_delete(&tab, &in);
	} else {
		struct hv_input_disconnect_port in = { .connection_partition = p, .connection_id = id };

		(void)hvport_disconnect(&tab, &in);
	}
}

static void step_time(struct rd *r)
{
	unsigned c = u8(r) % NCPUS;
	uint64_t due;

	vm.now += un(r, 2);
	synvp_poll_timers(vps[c], vm.now);
	/* Polled at now, no timer that may fire is still due: the scheduler
	 * would spin on a wake-up that never happens. */
	if (synvp_next_timer(vps[c], vm.now, &due) && (int64_t)(due - vm.now) <= 0)
		abort();
}

/* A child dies and is created again, or a VP is reset. */
static void step_teardown(struct rd *r)
{
	unsigned i = 1 + u8(r) % (NPARTS - 1);

	if (u8(r) & 1) {
		synvp_reset(vps[part_first_cpu[i]]);
		return;
	}
	hvport_remove_partition(&tab, part_ids[i]);
	for (unsigned c = 0; c < part_ncpus[i]; c++)
		synvp_reset(vps[part_first_cpu[i] + c]);
	if (hvport_add_partition(&tab, &part[i]))
		abort();
}

/* A page stops (or starts) being the partition's, as after a withdrawal:
 * hv must cope with SIM and SIEF pages it can no longer map. */
static void step_ownership(struct rd *r)
{
	unsigned pg = u8(r) % FAKE_NPAGES;

	vm.unowned[pg] = !vm.unowned[pg];
	vm.map_gen++;
}

static void step_eoi(struct rd *r)
{
	unsigned c = u8(r) % NCPUS;

	synvp_notify_eoi(vps[c], u8(r));
}

/* Each step: one opcode byte, then its operands (tests/fuzz/mkseeds_synic.py
 * writes seeds in this encoding). */
static void step(struct rd *r, struct effects *e)
{
	switch (u8(r) % 13) {
	case 0: case 1: step_msr(r, e); break;
	case 2: step_guest_ack(r, e); break;
	case 3: step_guest_scribble(r); e->writes_pages = e->tampers = true; break;
	case 4: step_post(r); break;
	case 5: step_signal(r); e->writes_pages = e->tampers = true; break;
	case 6: step_create(r); break;
	case 7: step_connect(r); break;
	case 8: step_delete(r); break;
	case 9: step_time(r); break;
	case 10: step_teardown(r); break;
	case 11: step_ownership(r); e->tampers = true; break;
	default: step_eoi(r); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { data, size };

	world_init();
	for (int n = 0; r.n && n < 4000; n++) {
		struct effects e = { .scanned = -1 };

		snapshot();
		step(&r, &e);
		if (!e.writes_pages)
			check_busy_slots();
		if (e.tampers)
			memset(tampered, 1, sizeof(tampered));
		if (e.scanned >= 0)
			tampered[e.scanned] = false;
		check_no_lost_wakeup();
		check_queues();
		check_pools();
	}
	fakevm_fini(&vm);
	return 0;
}
