/*
 * The parent's VMBus host per child (see vsp_host.h for the wiring).
 *
 * Receiving: hv delivers a child's HvPostMessage into the parent's SIM
 * slot for SINT 2 and injects VSP_VECTOR; the interrupt only wakes the
 * main loop, which copies the slot, frees it (type NONE) and writes EOM
 * if MessagePending was set (TLFS inter-partition-communication.md
 * "Message Buffers"; the same order as Linux vmbus_signal_eom), then
 * hands the payload to the child's vmbus/ server, found by the origin
 * (the port id).
 *
 * Sending: the server's post_msg is HvPostMessage on the parent's
 * connection to the child's port, its signal HvSignalEvent on the
 * parent's event connection to the child. GPADLs are mapped through hv
 * (vsp_gpadl.c), which checks that every page is the child's.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/abi/tlfs.h"
#include "partition/parent.h"
#include "partition/clock.h"
#include "partition/drivers/pit.h"
#include "partition/vsp/vsp_dev.h"
#include "partition/vsp/vsp_gpadl.h"
#include "partition/vsp/vsp_host.h"
#include "partition/vsp/vsp_state.h"
#include "vmbus/server.h"

#define SELF           HVCALL_SELF
#define VSP_MAX        16
#define POST_RETRIES   100
/* Rounds of "the device has more" served in one vsp_service call. */
#define MORE_ROUNDS    8

struct vsp_host {
	uint64_t child;
	unsigned nvps;               /* the child's VPs with an event port */
	struct vmbus_server *srv;
	uint64_t taken, dropped;
	void *dev[VSP_DEV_COUNT];    /* per vsp_dev_types row; NULL: not offered */
	uint32_t relid[VSP_DEV_COUNT];
	uint32_t more[VSP_FLAGS / 32];  /* relids whose device asked to be polled again */
	/* Relids whose event path (wire_channel) exists. A path depends on
	 * the relid alone, so it stays for whatever the relid names next. */
	uint32_t wired[VSP_FLAGS / 32];
};

volatile int vsp_irq_pending;
static struct vsp_host hosts[VSP_MAX];
/* Bit N: hosts[N] has a server (host_of(N) != NULL). vsp_service walks
 * only these children: it runs on every VMBus message and event, and
 * all VSP_MAX slots twice over were a tenth of a signal's round trip
 * (docs/benchmarks.md, VMBus). */
static uint32_t host_mask;
_Static_assert(VSP_MAX <= 32, "host_mask has a bit per child");
_Static_assert(VSP_DEV_COUNT <= VSP_ST_ROWS, "a saved state names each row in a bit");
static struct hv_message_page *sim;
static struct hv_event_flags_page *sief;

int vsp_init(void)
{
	sim = memalign(4096, sizeof(*sim));
	sief = memalign(4096, sizeof(*sief));
	if (!sim || !sief)
		return -ENOMEM;
	memset(sim, 0, sizeof(*sim));
	memset(sief, 0, sizeof(*sief));
	hvcall_write_msr(HV_MSR_SIMP, (uintptr_t)sim | HV_PAGE_MSR_ENABLE);
	hvcall_write_msr(HV_MSR_SIEFP, (uintptr_t)sief | HV_PAGE_MSR_ENABLE);
	/* The parent has no virtual LAPIC: hv injects the vector and the
	 * parent never EOIs it (AutoEOI, docs/ARCHITECTURE.md "SynIC"). */
	hvcall_write_msr(HV_MSR_SINT0 + VSP_SINT, VSP_VECTOR | HV_SINT_AUTO_EOI);
	hvcall_write_msr(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	return 0;
}

static struct vsp_host *host_of(uint64_t child)
{
	return child < VSP_MAX && hosts[child].srv ? &hosts[child] : NULL;
}

/* Row t's device holds state no saved state can carry: it has no save
 * op and the guest has its channel open. */
static bool row_unsaveable(struct vsp_host *h, unsigned t)
{
	return h->dev[t] && !vsp_dev_types[t].save && vmbus_server_chan(h->srv, h->relid[t]);
}

const char *vsp_host_unsaveable(uint64_t child)
{
	struct vsp_host *h = host_of(child);

	for (unsigned t = 0; h && t < VSP_DEV_COUNT; t++)
		if (row_unsaveable(h, t))
			return vsp_dev_types[t].name;
	return NULL;
}

/* ---- the server's ops ---- */

/* The protocol has no retransmission (vmbus/server.h): retry while the
 * child's port is full, as Linux vmbus_post_msg does the other way.
 * The message is built in the hypercall input page itself, header and
 * payload_size bytes (hv reads no further, TLFS HvCallPostMessage): a
 * copy of all 256 bytes, cleared first and copied again by hvcall(),
 * was three passes over the block on every message. */
static int vsp_post(void *ctx, const void *msg, size_t len)
{
	struct vsp_host *h = ctx;
	struct hv_input_post_message *in = (void *)(uintptr_t)hvcall_in_gpa();
	uint16_t st = HV_STATUS_INVALID_PARAMETER;

	if (len > HV_MESSAGE_PAYLOAD_MAX)
		return -EINVAL;
	in->connection_id = VSP_CONN_BASE + (uint32_t)h->child;
	in->rsvdz = 0;
	in->message_type = 1;            /* VMBus channel message (Linux vmbus_post_msg) */
	in->payload_size = (uint32_t)len;
	memcpy(in->payload, msg, len);
	for (int i = 0; i < POST_RETRIES; i++) {
		st = hvcall_raw(HVCALL_POST_MESSAGE, (uint64_t)(uintptr_t)in, 0);
		if (st != HV_STATUS_INSUFFICIENT_BUFFERS)
			break;
	}
	return st == HV_STATUS_SUCCESS ? 0 : -EIO;
}

/* Set flag relid in the child's SIEF slot 2 and raise its SINT 2 (the
 * host -> guest half of hyperv-notes "VMBus"). */
static int vsp_signal(void *ctx, uint32_t relid)
{
	struct vsp_host *h = ctx;
	const struct vmbus_chan *ch = vmbus_server_chan(h->srv, relid);
	/* The guest named the VP in OPENCHANNEL: one it has, else VP 0. */
	uint32_t vp = ch && ch->target_vp < h->nvps ? ch->target_vp : 0;
	uint64_t in = VSP_EVT_CONN_ID(h->child, vp) | ((uint64_t)relid << 32);

	if (relid >= HV_EVENT_FLAGS_COUNT)
		return -EINVAL;
	return hvcall_fast(HVCALL_SIGNAL_EVENT, in) == HV_STATUS_SUCCESS ? 0 : -EIO;
}

/* The only door through which a child names memory (vmbus/server.h):
 * hv checks every page is the child's (vsp_gpadl.c). */
static int vsp_map(void *ctx, const uint64_t *pfns, uint32_t n, void **va)
{
	struct vsp_host *h = ctx;

	return vsp_gpadl_map(h->child, pfns, n, va);
}

static void vsp_unmap(void *ctx, void *va, uint32_t n)
{
	(void)ctx;
	vsp_gpadl_unmap(va, n);
}

static void *vsp_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return calloc(1, n);
}

static void vsp_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static void vsp_log(void *ctx, const char *what, const char *why)
{
	struct vsp_host *h = ctx;

	h->dropped++;
	(void)what;
	(void)why;
}

/* ---- ports and connections ---- */

/* Our connection to the child's event port on VP vp. */
static uint16_t wire_vp(uint64_t child, unsigned vp)
{
	uint16_t st;

	st = hvcall_create_port_vp(child, VSP_CHILD_EVT_PORT + vp, HV_PORT_TYPE_EVENT, VSP_SINT, vp,
				   SELF, 0, HV_EVENT_FLAGS_COUNT);
	if (!st)
		st = hvcall_connect_port(SELF, VSP_EVT_CONN_ID(child, vp), child,
					 VSP_CHILD_EVT_PORT + vp, HV_PORT_TYPE_EVENT);
	return st;
}

static uint16_t wire(uint64_t child, unsigned nvps)
{
	uint32_t port = VSP_PORT_BASE + (uint32_t)child;
	uint16_t st;

	st = hvcall_create_port(SELF, port, HV_PORT_TYPE_MESSAGE, VSP_SINT, child, 0, 0);
	if (!st)
		st = hvcall_connect_port(child, 1, SELF, port, HV_PORT_TYPE_MESSAGE);
	if (!st)
		st = hvcall_connect_port(child, 4, SELF, port, HV_PORT_TYPE_MESSAGE);
	if (!st)
		st = hvcall_create_port(child, VSP_CHILD_PORT, HV_PORT_TYPE_MESSAGE, VSP_SINT, SELF, 0, 0);
	if (!st)
		st = hvcall_connect_port(SELF, VSP_CONN_BASE + (uint32_t)child, child,
					 VSP_CHILD_PORT, HV_PORT_TYPE_MESSAGE);
	/* Events: the child's flags 0..VSP_FLAGS-1 on our SINT 2 are a slice
	 * of our SIEF page of its own; ours on the child cover all 2048. */
	if (!st)
		st = hvcall_create_port(SELF, VSP_EVT_PORT_BASE + (uint32_t)child, HV_PORT_TYPE_EVENT,
					VSP_SINT, child, (uint16_t)(child * VSP_FLAGS), VSP_FLAGS);
	if (!st)
		st = hvcall_connect_port(child, VSP_EVT_CONN, SELF, VSP_EVT_PORT_BASE + (uint32_t)child,
					 HV_PORT_TYPE_EVENT);
	for (unsigned vp = 0; !st && vp < nvps; vp++)
		st = wire_vp(child, vp);
	return st;
}

/* A channel's event path: the child's connection VSP_CHAN_CONN_BASE +
 * relid (the offer's connection_id, which Linux signals with flag 0,
 * vmbus_set_event) to a port of ours whose one flag is relid in the
 * child's slice of our SIEF slot 2. */
static uint16_t wire_channel(uint64_t child, uint32_t relid)
{
	uint32_t port = VSP_CHAN_PORT(child, relid);
	uint16_t st;

	st = hvcall_create_port(SELF, port, HV_PORT_TYPE_EVENT, VSP_SINT, child,
				(uint16_t)(child * VSP_FLAGS + relid), 1);
	if (!st)
		st = hvcall_connect_port(child, VSP_CHAN_CONN_BASE + relid, SELF, port,
					 HV_PORT_TYPE_EVENT);
	return st;
}

/* Device type i's offer GUIDs: its type, and an instance naming the
 * row (or the row's own). Not the child: hv numbers a VM's partition
 * anew at each start, and a guest resumed from a saved state must find
 * its devices under the instances it was offered (Hyper-V keeps them in
 * the VM's configuration); they need be unique only on one child's bus. */
static int dev_guids(unsigned i, struct vmbus_guid *type, struct vmbus_guid *inst)
{
	const struct vsp_dev_type *t = &vsp_dev_types[i];

	if (vmbus_guid_parse(t->guid, type))
		return -EINVAL;
	*inst = *type;
	inst->b[14] = 0;
	inst->b[15] = (uint8_t)i;
	if (t->instance)
		t->instance(t->unit, inst);
	return 0;
}

/* Offer device type i (vsp_dev.h) and wire its event path. */
static int offer_device(struct vsp_host *h, unsigned i)
{
	const struct vsp_dev_type *t = &vsp_dev_types[i];
	struct vmbus_guid type, inst;

	if (dev_guids(i, &type, &inst))
		return -EINVAL;
	h->dev[i] = t->create(h->child, t->unit);
	if (!h->dev[i])
		return -ENOMEM;
	/* The server asks vsp_on_relid to wire the channel's event path. */
	if (vmbus_server_offer(h->srv, &type, &inst, t->ops, h->dev[i], &h->relid[i]))
		return -ENOSPC;
	return 0;
}

/* Channel relid's event path goes (our port, the child's connection). */
static void unwire_channel(struct vsp_host *h, uint32_t relid)
{
	struct hv_input_disconnect_port dc;

	hvcall_delete_port(SELF, VSP_CHAN_PORT(h->child, relid));
	dc = (struct hv_input_disconnect_port){ h->child, VSP_CHAN_CONN_BASE + relid, 0 };
	(void)hvcall(HVCALL_DISCONNECT_PORT, &dc, sizeof(dc), NULL, 0);
	h->wired[relid / 32] &= ~(1u << (relid % 32));
}

/* The server is about to offer relid (a device, a sub-channel a device
 * asked for, or a channel a restore brings back): its event path must
 * exist, and its flag fit the child's slice of our SIEF. */
static int vsp_on_relid(void *ctx, uint32_t relid)
{
	struct vsp_host *h = ctx;

	if (relid == 0 || relid >= VSP_FLAGS)
		return -ENOSPC;
	if (h->wired[relid / 32] & (1u << (relid % 32)))
		return 0;
	if (wire_channel(h->child, relid))
		return -EIO;
	h->wired[relid / 32] |= 1u << (relid % 32);
	return 0;
}

/* Withdraw device i: the server closes its channel (unmapping the
 * rings) and sends RESCIND_OFFER; its event path goes. */
static void withdraw_device(struct vsp_host *h, unsigned i)
{
	if (h->relid[i]) {
		(void)vmbus_server_rescind(h->srv, h->relid[i]);
		unwire_channel(h, h->relid[i]);
	}
	if (h->dev[i])
		vsp_dev_types[i].destroy(h->dev[i]);
	h->dev[i] = NULL;
	h->relid[i] = 0;
}

int vsp_host_create(uint64_t child, uint32_t disabled, unsigned processors)
{
	static const struct vmbus_server_ops base = {
		.post_msg = vsp_post, .signal = vsp_signal, .map = vsp_map, .unmap = vsp_unmap,
		.alloc = vsp_alloc, .free = vsp_free, .log = vsp_log, .on_relid = vsp_on_relid,
	};
	static struct vmbus_server_ops ops[VSP_MAX];
	struct vsp_host *h;

	if (child >= VSP_MAX || hosts[child].srv || !sim)
		return -EINVAL;
	h = &hosts[child];
	memset(h, 0, sizeof(*h));
	h->child = child;
	h->nvps = processors < 1 ? 1 : processors > VSP_VPS_MAX ? VSP_VPS_MAX : processors;
	ops[child] = base;
	ops[child].ctx = h;
	if (wire(child, h->nvps))
		goto fail;
	h->srv = vmbus_server_create(&ops[child], VMBUS_VERSION_V5_3);
	if (!h->srv)
		goto fail;
	host_mask |= 1u << child;
	vmbus_server_set_conn_base(h->srv, VSP_CHAN_CONN_BASE);
	for (unsigned i = 0; i < VSP_DEV_COUNT; i++)
		if (!(disabled & (1u << i)) && offer_device(h, i))
			goto fail;
	return 0;
fail:
	vsp_host_destroy(child);
	return -EIO;
}

void vsp_host_destroy(uint64_t child)
{
	struct vsp_host *h;

	if (child >= VSP_MAX)
		return;
	h = &hosts[child];
	/* Connections from the child, and ours to its port, go with the
	 * child in hv; our port for it goes now (queued messages with it). */
	hvcall_delete_port(SELF, VSP_PORT_BASE + (uint32_t)child);
	hvcall_delete_port(SELF, VSP_EVT_PORT_BASE + (uint32_t)child);
	/* The server closes the channels (on_close) and unmaps every GPADL
	 * before the devices go. */
	if (h->srv)
		vmbus_server_destroy(h->srv);
	for (uint32_t r = 1; r < VSP_FLAGS; r++)
		if (h->wired[r / 32] & (1u << (r % 32)))
			hvcall_delete_port(SELF, VSP_CHAN_PORT(child, r));
	for (unsigned i = 0; i < VSP_DEV_COUNT; i++)
		if (h->dev[i])
			vsp_dev_types[i].destroy(h->dev[i]);
	memset(h, 0, sizeof(*h));
	host_mask &= ~(1u << child);
}

int vsp_host_set_device(uint64_t child, unsigned type, int on)
{
	struct vsp_host *h = host_of(child);

	if (!h || type >= VSP_DEV_COUNT)
		return -EINVAL;
	if (!on) {
		withdraw_device(h, type);
		return 0;
	}
	if (h->dev[type])
		return 0;
	if (offer_device(h, type)) {
		withdraw_device(h, type);
		return -EIO;
	}
	return 0;
}

int vsp_host_offer_subchannels(uint64_t child, unsigned type, unsigned count)
{
	struct vsp_host *h = host_of(child);

	int rc;

	if (!h || type >= VSP_DEV_COUNT || !h->relid[type])
		return -ENOENT;
	rc = vmbus_server_offer_subchannels(h->srv, h->relid[type], count);
	if (rc)
		printf("parent: child %llu: device %u: sub-channels not offered (%d)\n",
		       (unsigned long long)child, type, rc);
	return rc;
}

void *vsp_host_device(uint64_t child, unsigned type)
{
	struct vsp_host *h = host_of(child);

	return h && type < VSP_DEV_COUNT ? h->dev[type] : NULL;
}

int vsp_host_gpadl_view(uint64_t child, unsigned type, uint32_t handle, void **va,
			size_t *bytes)
{
	struct vsp_host *h = host_of(child);

	if (!h || type >= VSP_DEV_COUNT || !h->relid[type])
		return -ENOENT;
	return vmbus_server_gpadl_view(h->srv, h->relid[type], handle, va, bytes);
}

const char *vsp_host_status(uint64_t child, unsigned type)
{
	void *dev = vsp_host_device(child, type);

	if (!dev)
		return "NoContact";
	return vsp_dev_types[type].status ? vsp_dev_types[type].status(dev) : "OK";
}

void vsp_tick(void)
{
	static uint64_t last_tick;
	uint64_t now;

	/* Heartbeats and time samples are seconds apart: once per PIT tick
	 * (10 ms) is plenty, and keeps the main loop's wake-ups cheap. */
	if (pit_ticks == last_tick)
		return;
	last_tick = pit_ticks;
	now = clock_monotonic_ns() / 1000000;

	for (uint32_t child = 0; child < VSP_MAX; child++) {
		struct vsp_host *h = host_of(child);

		for (unsigned i = 0; h && i < VSP_DEV_COUNT; i++)
			if (h->dev[i] && vsp_dev_types[i].tick)
				vsp_dev_types[i].tick(h->dev[i], now);
	}
}

/* ---- receiving ---- */

static void vsp_dispatch(uint64_t origin, const uint8_t *payload, uint32_t len)
{
	struct vsp_host *h = NULL;

	if (origin >= VSP_PORT_BASE)
		h = host_of(origin - VSP_PORT_BASE);
	if (!h)
		return;        /* a port of a child that is gone */
	h->taken++;
	(void)vmbus_server_handle_msg(h->srv, payload, len);
}

/* Flags the children set in their slice of our SIEF slot 2, taken with
 * an atomic exchange per 32-bit word (TLFS "Event Flags": hv sets bits
 * concurrently). Flag 0 is no channel (Linux vmbus_chan_sched skips
 * relid 0): the host answers it with flag 0, a transport ping for
 * tests/bench; the others go to the server. */
static void vsp_service_events(void)
{
	volatile uint32_t *bits = (volatile uint32_t *)sief->sint[VSP_SINT].bits;

	for (uint32_t m = host_mask; m; m &= m - 1) {
		uint32_t child = (uint32_t)__builtin_ctz(m);
		struct vsp_host *h = &hosts[child];

		for (uint32_t w = 0; h->srv && w < VSP_FLAGS / 32; w++) {
			volatile uint32_t *word = &bits[child * VSP_FLAGS / 32 + w];
			uint32_t set = *word ? __atomic_exchange_n(word, 0, __ATOMIC_SEQ_CST) : 0;

			for (; set; set &= set - 1) {
				uint32_t flag = w * 32 + (uint32_t)__builtin_ctz(set);

				if (flag == 0)
					(void)vsp_signal(h, 0);
				else
					h->more[w] |= 1u << (flag % 32);
			}
		}
	}
}

/* Let the devices of flagged channels work; one that spent its budget
 * (vmbus/server.h: no new signal will come for what is left) stays
 * flagged, served again after the others, for fairness. True if any
 * stays flagged. */
static int vsp_service_devices(void)
{
	int left = 0;

	for (uint32_t m = host_mask; m; m &= m - 1) {
		struct vsp_host *h = &hosts[__builtin_ctz(m)];

		for (uint32_t w = 0; h->srv && w < VSP_FLAGS / 32; w++) {
			uint32_t set = h->more[w];

			h->more[w] = 0;
			for (; set; set &= set - 1) {
				uint32_t flag = w * 32 + (uint32_t)__builtin_ctz(set);

				if (vmbus_server_handle_event(h->srv, flag) > 0) {
					h->more[w] |= 1u << (flag % 32);
					left = 1;
				}
			}
		}
	}
	return left;
}

void vsp_service(void)
{
	volatile struct hv_message *m;
	static uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
	int left = 1;

	if (!sim || !vsp_irq_pending)
		return;
	vsp_irq_pending = 0;
	vsp_service_events();
	m = &sim->slot[VSP_SINT];
	for (int guard = 0; guard < 256 && m->header.type != HV_MSG_NONE; guard++) {
		uint64_t origin = m->header.origin;
		uint32_t len = m->header.payload_size;
		uint8_t flags;

		if (len > HV_MESSAGE_PAYLOAD_MAX)
			len = HV_MESSAGE_PAYLOAD_MAX;
		memcpy(payload, (const void *)m->payload, len);
		m->header.type = HV_MSG_NONE;
		/* The slot is free before MessagePending is read, so a message
		 * queued in between is still announced (no lost wakeup). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		flags = m->header.flags;
		if (flags & HV_MSG_FLAG_PENDING)
			hvcall_write_msr(HV_MSR_EOM, 0);
		vsp_dispatch(origin, payload, len);
	}
	for (int round = 0; round < MORE_ROUNDS && left; round++) {
		left = vsp_service_devices();
		if (left)
			vsp_service_events();
	}
	if (m->header.type != HV_MSG_NONE || left)
		vsp_irq_pending = 1;   /* more next time (vm_idle does not halt) */
}

/* ---- saved state (vsp_state.h) ---- */

/* Rows offered (saving false), or offered with a save op (true). */
static uint32_t row_mask(const struct vsp_host *h, bool saving)
{
	uint32_t m = 0;

	for (unsigned i = 0; i < VSP_DEV_COUNT; i++)
		if (h->dev[i] && (!saving || vsp_dev_types[i].save))
			m |= 1u << i;
	return m;
}

/* One device's record at *off; -EBUSY (and *busy) for an open channel
 * whose device keeps state it cannot save. */
static int save_device(struct vsp_host *h, unsigned i, uint8_t *buf, size_t cap, size_t *off,
		       const char **busy)
{
	const struct vsp_dev_type *t = &vsp_dev_types[i];
	struct vsp_st_rec r = { (uint16_t)i, 1, 0 };
	size_t len = 0;
	int rc;

	if (row_unsaveable(h, i)) {
		*busy = t->name;
		return -EBUSY;
	}
	if (!t->save)
		return 0;
	if (cap - *off < sizeof(r))
		return -ENOSPC;
	rc = t->save(h->dev[i], buf + *off + sizeof(r), cap - *off - sizeof(r), &len);
	if (rc == -EBUSY)
		*busy = t->name;
	if (rc)
		return rc;
	r.len = (uint32_t)len;
	memcpy(buf + *off, &r, sizeof(r));
	*off += sizeof(r) + len;
	return 1;
}

int vsp_host_save(uint64_t child, void *out, size_t cap, size_t *len, const char **busy)
{
	struct vsp_host *h = host_of(child);
	struct vsp_st_hdr hd = { VSP_ST_MAGIC, VSP_ST_VERSION, 0, 0, 0, 0, { 0, 0 } };
	uint8_t *buf = out;
	size_t sl, off;
	int rc;

	*len = 0;
	*busy = NULL;
	if (!h)
		return 0;
	if (cap < sizeof(hd))
		return -ENOSPC;
	rc = vmbus_server_save(h->srv, buf + sizeof(hd), cap - sizeof(hd), &sl);
	if (rc)
		return rc;
	hd.offered = row_mask(h, false);
	hd.server_bytes = (uint32_t)sl;
	off = sizeof(hd) + sl;
	for (unsigned i = 0; i < VSP_DEV_COUNT; i++) {
		rc = h->dev[i] ? save_device(h, i, buf, cap, &off, busy) : 0;
		if (rc < 0)
			return rc;
		hd.nrecs += (uint32_t)rc;
	}
	hd.total = (uint32_t)off;
	memcpy(buf, &hd, sizeof(hd));
	*len = off;
	return 0;
}

/* The server may have moved the channels to their saved relids (and
 * wired each through vsp_on_relid): look each device's up again. */
static int find_relids(struct vsp_host *h)
{
	uint32_t now[VSP_DEV_COUNT] = { 0 };
	struct vmbus_guid type, inst;

	for (unsigned i = 0; i < VSP_DEV_COUNT; i++)
		if (h->dev[i] && (dev_guids(i, &type, &inst) ||
				  vmbus_server_relid_of(h->srv, &type, &inst, &now[i]) ||
				  now[i] >= VSP_FLAGS))
			return -EINVAL;
	memcpy(h->relid, now, sizeof(now));
	return 0;
}

/* Every open channel, sub-channels included, is polled once: a signal
 * the guest raised just before the save may not have been handled
 * (vmbus/server.h). */
static void poll_open_channels(struct vsp_host *h)
{
	for (uint32_t r = 1; r < VSP_FLAGS; r++)
		if (vmbus_server_chan(h->srv, r))
			h->more[r / 32] |= 1u << (r % 32);
	vsp_irq_pending = 1;
}

/* Which part of a saved VMBus state this host refused, for the log: a
 * damaged file and a changed VM read differently. */
static int restore_fail(uint64_t child, const char *what, int rc)
{
	printf("parent: VMBus state of child %llu not restored: %s (%d)\n",
	       (unsigned long long)child, what, rc);
	return rc;
}

int vsp_host_restore(uint64_t child, const void *buf, size_t len)
{
	struct vsp_host *h = host_of(child);
	struct vsp_st_view v;
	int rc;

	if (!h)
		return -EINVAL;
	rc = vsp_state_parse(buf, len, row_mask(h, false), row_mask(h, true), &v);
	if (rc)
		return restore_fail(child, "the section's framing or its set of devices", rc);
	rc = vmbus_server_restore(h->srv, v.server, v.server_len);
	if (rc)
		return restore_fail(child, "the channel server's state", rc);
	rc = find_relids(h);
	if (rc)
		return restore_fail(child, "the channels' event paths", rc);
	for (unsigned i = 0; i < VSP_DEV_COUNT; i++) {
		rc = v.rec[i] ? vsp_dev_types[i].restore(h->dev[i], v.rec[i], v.rec_len[i]) : 0;
		if (rc)
			return restore_fail(child, vsp_dev_types[i].name, rc);
	}
	poll_open_channels(h);
	return 0;
}
