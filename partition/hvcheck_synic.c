/*
 * Debug-VMHost -Action HypercallValidation, SynIC part: the parent's own
 * SynIC MSRs, and the port and connection hypercalls (TLFS
 * inter-partition-communication.md, hypercalls/HvCall{Create,Delete,
 * Connect,Disconnect}Port, PostMessage, SignalEvent) fed good and bad
 * input, with the message landing in the parent's SIM page, the 16-buffer
 * bound of a message port, and event flags in its SIEF page.
 *
 * The check uses SINT 5, polling (TLFS "SINTx Registers" bit 18): messages
 * and flags arrive without an interrupt, so it needs no handler, and the
 * parent's VMBus host on SINT 2 (partition/vsp/) is left alone; the SIM
 * and SIEF pages are the host's when its SynIC is on, and every SynIC
 * register is put back as it was.
 */
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "hv/abi/tlfs.h"
#include "partition/hvcheck.h"
#include "partition/parent.h"

#define SINT       5
#define VECTOR     0x31
#define SELF       HVCALL_SELF
#define PORT_MSG   0x100
#define PORT_EVT   0x101
#define PORT_CHILD 0x102
#define CONN_MSG   0x200
#define CONN_EVT   0x201
#define CONN_CHILD 0x202

static uint16_t create_port(uint64_t part, uint32_t id, uint32_t type, uint64_t conn_part,
			    uint16_t nflags)
{
	return hvcall_create_port(part, id, type, SINT, conn_part, 0, nflags);
}

static uint16_t connect(uint32_t conn, uint64_t port_part, uint32_t port, uint32_t type)
{
	return hvcall_connect_port(SELF, conn, port_part, port, type);
}

static uint16_t disconnect(uint32_t conn)
{
	struct hv_input_disconnect_port in = { SELF, conn, 0 };

	return hvcall(HVCALL_DISCONNECT_PORT, &in, sizeof(in), NULL, 0);
}

static uint16_t post(uint32_t conn, uint32_t type, uint32_t size, uint32_t seq)
{
	static struct hv_input_post_message in;

	memset(&in, 0, sizeof(in));
	in.connection_id = conn;
	in.message_type = type;
	in.payload_size = size;
	memcpy(in.payload, &seq, sizeof(seq));
	return hvcall(HVCALL_POST_MESSAGE, &in, sizeof(in), NULL, 0);
}

struct synic_saved {
	uint64_t scontrol, simp, siefp, sint;
	void *own_sim, *own_sief;
};

/* The parent's pages if its SynIC is on, else pages of our own. */
static int synic_enable(struct synic_saved *sv, struct hv_message_page **sim,
			struct hv_event_flags_page **sief)
{
	sv->scontrol = hvcall_read_msr(HV_MSR_SCONTROL);
	sv->simp = hvcall_read_msr(HV_MSR_SIMP);
	sv->siefp = hvcall_read_msr(HV_MSR_SIEFP);
	sv->sint = hvcall_read_msr(HV_MSR_SINT0 + SINT);
	if (!(sv->simp & HV_PAGE_MSR_ENABLE)) {
		sv->own_sim = memalign(4096, 4096);
		if (!sv->own_sim)
			return -1;
		memset(sv->own_sim, 0, 4096);
		hvcall_write_msr(HV_MSR_SIMP, (uintptr_t)sv->own_sim | HV_PAGE_MSR_ENABLE);
	}
	if (!(sv->siefp & HV_PAGE_MSR_ENABLE)) {
		sv->own_sief = memalign(4096, 4096);
		if (!sv->own_sief)
			return -1;
		memset(sv->own_sief, 0, 4096);
		hvcall_write_msr(HV_MSR_SIEFP, (uintptr_t)sv->own_sief | HV_PAGE_MSR_ENABLE);
	}
	*sim = (void *)(uintptr_t)HV_PAGE_MSR_GPA(hvcall_read_msr(HV_MSR_SIMP));
	*sief = (void *)(uintptr_t)HV_PAGE_MSR_GPA(hvcall_read_msr(HV_MSR_SIEFP));
	memset(&(*sim)->slot[SINT], 0, sizeof((*sim)->slot[SINT]));
	memset(&(*sief)->sint[SINT], 0, sizeof((*sief)->sint[SINT]));
	hvcall_write_msr(HV_MSR_SINT0 + SINT, VECTOR | HV_SINT_POLLING);
	hvcall_write_msr(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	return 0;
}

static void synic_restore(const struct synic_saved *sv)
{
	/* Only what changed: rewriting an enabled page MSR could clear the
	 * VMBus host's slots. */
	hvcall_write_msr(HV_MSR_SINT0 + SINT, sv->sint);
	if (sv->scontrol != HV_SCONTROL_ENABLE)
		hvcall_write_msr(HV_MSR_SCONTROL, sv->scontrol);
	if (sv->own_sim)
		hvcall_write_msr(HV_MSR_SIMP, sv->simp);
	if (sv->own_sief)
		hvcall_write_msr(HV_MSR_SIEFP, sv->siefp);
	free(sv->own_sim);
	free(sv->own_sief);
}

/* First message in the slot, then 16 queued (one port's buffers), then
 * INSUFFICIENT_BUFFERS; EOM after freeing the slot delivers the next. */
static void check_messages(struct chk *c, struct hv_message_page *sim)
{
	volatile struct hv_message *m = &sim->slot[SINT];
	uint32_t seq;
	int i, ok = 1;

	hvcheck_expect(c, "post: to the parent's own port", post(CONN_MSG, 1, 8, 0), HV_STATUS_SUCCESS);
	hvcheck_true(c, "post: message in SIM slot 5",
		     m->header.type == 1 && m->header.payload_size == 8 && m->header.origin == PORT_MSG);
	for (i = 1; i <= 16; i++)
		ok &= post(CONN_MSG, 1, 8, i) == HV_STATUS_SUCCESS;
	hvcheck_true(c, "post: 16 more queue (one port's buffers)", ok);
	hvcheck_expect(c, "post: the 18th finds no buffer", post(CONN_MSG, 1, 8, 17),
		       HV_STATUS_INSUFFICIENT_BUFFERS);
	hvcheck_true(c, "post: MessagePending set on the busy slot",
		     (m->header.flags & HV_MSG_FLAG_PENDING) != 0);
	m->header.type = HV_MSG_NONE;
	hvcall_write_msr(HV_MSR_EOM, 0);
	memcpy(&seq, (const void *)m->payload, sizeof(seq));
	hvcheck_true(c, "EOM: the next message (seq 1) in the slot", m->header.type == 1 && seq == 1);
	hvcheck_expect(c, "post: payload of 241 bytes", post(CONN_MSG, 1, 241, 0),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "post: a hypervisor message type", post(CONN_MSG, 0x80000010, 8, 0),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "post: message type 0", post(CONN_MSG, 0, 8, 0), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "post: unknown connection", post(0x999, 1, 8, 0),
		       HV_STATUS_INVALID_CONNECTION_ID);
	hvcheck_expect(c, "post: input GPA not 8-byte aligned",
		       hvcall_raw(HVCALL_POST_MESSAGE, hvcall_in_gpa() + 4, 0), HV_STATUS_INVALID_ALIGNMENT);
	hvcheck_expect(c, "post: input crossing a page",
		       hvcall_raw(HVCALL_POST_MESSAGE, hvcall_in_gpa() + 3968, 0),
		       HV_STATUS_INVALID_ALIGNMENT);
	hvcheck_expect(c, "post: input GPA in hv's memory",
		       hvcall_raw(HVCALL_POST_MESSAGE, 0x200000, 0), HV_STATUS_INVALID_PARAMETER);
}

static void check_events(struct chk *c, struct hv_event_flags_page *sief)
{
	hvcheck_expect(c, "signal: flag 3 of the event port",
		       hvcall_fast(HVCALL_SIGNAL_EVENT, CONN_EVT | (3ull << 32)), HV_STATUS_SUCCESS);
	hvcheck_true(c, "signal: SIEF bit 3 of SINT 5 set", sief->sint[SINT].bits[0] == 1u << 3);
	hvcheck_expect(c, "signal: flag past the port's count",
		       hvcall_fast(HVCALL_SIGNAL_EVENT, CONN_EVT | (8ull << 32)),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "signal: reserved bits set",
		       hvcall_fast(HVCALL_SIGNAL_EVENT, CONN_EVT | (1ull << 63)),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "signal: a message connection",
		       hvcall_fast(HVCALL_SIGNAL_EVENT, CONN_MSG), HV_STATUS_INVALID_PORT_ID);
	hvcheck_expect(c, "signal: unknown connection", hvcall_fast(HVCALL_SIGNAL_EVENT, 0x999),
		       HV_STATUS_INVALID_CONNECTION_ID);
}

/* A port on the child, connected from the parent: the child's pool holds
 * one message port; its vCPU does not exist yet. */
static void check_child_port(struct chk *c, uint64_t id)
{
	hvcheck_expect(c, "create port: message port on the child",
		       create_port(id, PORT_CHILD, HV_PORT_TYPE_MESSAGE, SELF, 0), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "create port: second one (child's pool full)",
		       create_port(id, PORT_CHILD + 1, HV_PORT_TYPE_MESSAGE, SELF, 0),
		       HV_STATUS_INSUFFICIENT_MEMORY);
	hvcheck_expect(c, "connect: parent -> child port",
		       connect(CONN_CHILD, id, PORT_CHILD, HV_PORT_TYPE_MESSAGE), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "post: to a child with no vCPU", post(CONN_CHILD, 1, 8, 0),
		       HV_STATUS_INVALID_VP_INDEX);
	hvcheck_expect(c, "create port: unknown partition",
		       create_port(99, PORT_CHILD, HV_PORT_TYPE_MESSAGE, SELF, 0),
		       HV_STATUS_INVALID_PARTITION_ID);
}

static void check_ports(struct chk *c, uint64_t id)
{
	hvcheck_expect(c, "create port: message port on the parent",
		       create_port(SELF, PORT_MSG, HV_PORT_TYPE_MESSAGE, SELF, 0), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "create port: the same id again",
		       create_port(SELF, PORT_MSG, HV_PORT_TYPE_MESSAGE, SELF, 0), HV_STATUS_INVALID_PORT_ID);
	hvcheck_expect(c, "create port: event port, 8 flags",
		       create_port(SELF, PORT_EVT, HV_PORT_TYPE_EVENT, SELF, 8), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "create port: monitor type (not offered)",
		       create_port(SELF, 0x103, HV_PORT_TYPE_MONITOR, SELF, 0), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "connect: to the message port",
		       connect(CONN_MSG, SELF, PORT_MSG, HV_PORT_TYPE_MESSAGE), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "connect: to the event port",
		       connect(CONN_EVT, SELF, PORT_EVT, HV_PORT_TYPE_EVENT), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "connect: connection id in use",
		       connect(CONN_MSG, SELF, PORT_EVT, HV_PORT_TYPE_EVENT), HV_STATUS_INVALID_CONNECTION_ID);
	hvcheck_expect(c, "connect: a port id that does not exist",
		       connect(0x204, SELF, 0x777, HV_PORT_TYPE_MESSAGE), HV_STATUS_INVALID_PORT_ID);
	/* A port only the child may connect to (its ConnectionPartition). */
	hvcheck_expect(c, "create port: for the child's connections only",
		       create_port(SELF, 0x104, HV_PORT_TYPE_EVENT, id, 1), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "connect: the parent to the child's port",
		       connect(0x205, SELF, 0x104, HV_PORT_TYPE_EVENT), HV_STATUS_ACCESS_DENIED);
	hvcheck_expect(c, "delete port: the child's port", hvcall_delete_port(SELF, 0x104), HV_STATUS_SUCCESS);
}

static void check_teardown(struct chk *c)
{
	hvcheck_expect(c, "delete port: the message port", hvcall_delete_port(SELF, PORT_MSG), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "post: connection to a deleted port", post(CONN_MSG, 1, 8, 0),
		       HV_STATUS_INVALID_PORT_ID);
	hvcheck_expect(c, "disconnect: that connection", disconnect(CONN_MSG), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "post: after disconnect", post(CONN_MSG, 1, 8, 0),
		       HV_STATUS_INVALID_CONNECTION_ID);
	hvcheck_expect(c, "disconnect: again", disconnect(CONN_MSG), HV_STATUS_INVALID_CONNECTION_ID);
	hvcheck_expect(c, "delete port: again", hvcall_delete_port(SELF, PORT_MSG), HV_STATUS_INVALID_PORT_ID);
	hvcheck_expect(c, "delete port: the event port", hvcall_delete_port(SELF, PORT_EVT), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "disconnect: the event connection", disconnect(CONN_EVT), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "disconnect: the child connection", disconnect(CONN_CHILD), HV_STATUS_SUCCESS);
	/* The child's port goes with the child (partition delete). */
}

void hvcheck_synic(struct chk *c, uint64_t id)
{
	struct synic_saved sv = { 0, 0, 0, 0, NULL, NULL };
	struct hv_message_page *sim;
	struct hv_event_flags_page *sief;
	uint32_t r[4];

	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(0x40000003), "c"(0));
	hvcheck_true(c, "CPUID 0x40000003: SynIC, CreatePort, ConnectPort",
		     (r[0] & (1u << 2)) && (r[1] & (1u << 6)) && (r[1] & (1u << 7)));
	hvcheck_true(c, "SVERSION 1, SINT 5 masked (unused)",
		     hvcall_read_msr(HV_MSR_SVERSION) == 1 &&
		     hvcall_read_msr(HV_MSR_SINT0 + SINT) == HV_SINT_MASKED);
	if (synic_enable(&sv, &sim, &sief)) {
		hvcheck_true(c, "SynIC: pages for the SIM and SIEF", 0);
		goto out;
	}
	check_ports(c, id);
	check_messages(c, sim);
	check_events(c, sief);
	check_child_port(c, id);
	check_teardown(c);
out:
	synic_restore(&sv);
}
