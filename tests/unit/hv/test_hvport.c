/* Host tests for TLFS ports and connections (hv/synic/hvport.c): the port
 * hypercalls' checks and status codes, HvPostMessage and HvSignalEvent
 * end to end into a vCPU's SIM and SIEF pages, the per-port buffer bound,
 * port deletion and partition teardown. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/abi/hvpart_abi.h"
#include "hv/abi/tlfs.h"
#include "hv/synic/hvport.h"
#include "fakesynic.h"

#define PARENT 1
#define CHILD  7
#define NPORTS 8
#define NCONNS 8

static struct fakevm vm;
static struct fakevcpu pcpu[2], ccpu;
static struct synvp *pvps[2], *cvps[1];
static struct synic_partition parent, child;
static struct synic_msgbuf pbufs[40], cbufs[20];
static struct hvport ports[NPORTS];
static struct hvport_conn conns[NCONNS];
static struct hvport_table t;

static int setup(void **st)
{
	(void)st;
	fakevm_init(&vm);
	for (int i = 0; i < 2; i++) {
		fakevcpu_init(&pcpu[i], &vm, false);
		pvps[i] = &pcpu[i].vp;
	}
	fakevcpu_init(&ccpu, &vm, false);
	cvps[0] = &ccpu.vp;
	parent = (struct synic_partition){ .id = PARENT, .vps = pvps, .nvps = 2 };
	child = (struct synic_partition){ .id = CHILD, .vps = cvps, .nvps = 1 };
	synic_pool_init(&parent.pool, pbufs, 40);
	synic_pool_init(&child.pool, cbufs, 20);
	assert_int_equal(hvport_init(&t, ports, NPORTS, conns, NCONNS), 0);
	assert_int_equal(hvport_add_partition(&t, &parent), 0);
	assert_int_equal(hvport_add_partition(&t, &child), 0);
	/* Parent VP0: SIM page 0, SIEF page 1, SINT 2 vector 0x50; parent
	 * VP1: pages 2, 3; child: pages 4, 5, SINT 2 vector 0xf3. */
	fake_enable(&pcpu[0], 0, 1, 2, 0x50);
	fake_enable(&pcpu[1], 2, 3, 2, 0x51);
	fake_enable(&ccpu, 4, 5, 2, 0xf3);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	fakevm_fini(&vm);
	return 0;
}

static struct hv_input_create_port msg_port(uint64_t part, uint32_t id, uint32_t vp,
					    uint32_t sint, uint64_t conn_part)
{
	struct hv_input_create_port in = {
		.port_partition = part, .port_id = id, .connection_partition = conn_part,
	};

	in.port_info.port_type = HV_PORT_TYPE_MESSAGE;
	in.port_info.message.target_sint = sint;
	in.port_info.message.target_vp = vp;
	return in;
}

static struct hv_input_create_port ev_port(uint64_t part, uint32_t id, uint32_t vp,
					   uint32_t sint, uint16_t base, uint16_t count)
{
	struct hv_input_create_port in = { .port_partition = part, .port_id = id };

	in.port_info.port_type = HV_PORT_TYPE_EVENT;
	in.port_info.event.target_sint = sint;
	in.port_info.event.target_vp = vp;
	in.port_info.event.base_flag = base;
	in.port_info.event.flag_count = count;
	return in;
}

static struct hv_input_connect_port conn(uint64_t cpart, uint32_t cid, uint64_t ppart,
					 uint32_t pid, uint32_t type)
{
	struct hv_input_connect_port in = {
		.connection_partition = cpart, .connection_id = cid,
		.port_partition = ppart, .port_id = pid,
	};

	in.connection_info.port_type = type;
	return in;
}

static uint16_t create(struct hv_input_create_port in)
{
	return hvport_create(&t, &in);
}

static uint16_t connect_(struct hv_input_connect_port in)
{
	return hvport_connect(&t, &in);
}

static uint16_t post(uint64_t sender, uint32_t cid, uint32_t type, uint32_t size, uint8_t seed)
{
	struct hv_input_post_message in = {
		.connection_id = cid, .message_type = type, .payload_size = size,
	};

	for (unsigned i = 0; i < sizeof(in.payload); i++)
		in.payload[i] = (uint8_t)(seed + i);
	return hvport_post(&t, sender, &in);
}

static uint16_t del(uint64_t part, uint32_t id)
{
	struct hv_input_delete_port in = { .port_partition = part, .port_id = id };

	return hvport_delete(&t, &in);
}

static uint16_t disconnect(uint64_t part, uint32_t id)
{
	struct hv_input_disconnect_port in = { .connection_partition = part, .connection_id = id };

	return hvport_disconnect(&t, &in);
}

/* The VMBus shape: a child posts to the parent's port 0x100 (conn 4). */
static void vmbus_shape(void)
{
	assert_int_equal(create(msg_port(PARENT, 0x100, 0, 2, CHILD)), HV_STATUS_SUCCESS);
	assert_int_equal(connect_(conn(CHILD, 4, PARENT, 0x100, HV_PORT_TYPE_MESSAGE)),
			 HV_STATUS_SUCCESS);
}

static void test_create_checks(void **st)
{
	struct hv_input_create_port in;

	(void)st;
	assert_int_equal(create(msg_port(PARENT, 1, 0, 2, 0)), HV_STATUS_SUCCESS);
	assert_int_equal(create(msg_port(PARENT, 1, 1, 3, 0)), HV_STATUS_INVALID_PORT_ID);
	/* The same id in another partition is another port. */
	assert_int_equal(create(msg_port(CHILD, 1, 0, 2, 0)), HV_STATUS_SUCCESS);
	assert_int_equal(create(msg_port(99, 2, 0, 2, 0)), HV_STATUS_INVALID_PARTITION_ID);
	assert_int_equal(create(msg_port(PARENT, 2, 0, 0, 0)), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(create(msg_port(PARENT, 2, 0, 16, 0)), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(create(msg_port(PARENT, 2, 2, 2, 0)), HV_STATUS_INVALID_VP_INDEX);
	assert_int_equal(create(msg_port(PARENT, 1u << 24, 0, 2, 0)), HV_STATUS_INVALID_PARAMETER);
	in = msg_port(PARENT, 2, 0, 2, 0);
	in.rsvdz = 1;
	assert_int_equal(create(in), HV_STATUS_INVALID_PARAMETER);
	in = msg_port(PARENT, 2, 0, 2, 0);
	in.port_vtl = 1;
	assert_int_equal(create(in), HV_STATUS_INVALID_PARAMETER);
	in = msg_port(PARENT, 2, 0, 2, 0);
	in.port_info.message.rsvdz = 1;
	assert_int_equal(create(in), HV_STATUS_INVALID_PARAMETER);
	in = msg_port(PARENT, 2, 0, 2, 0);
	in.port_info.padding = 1;
	assert_int_equal(create(in), HV_STATUS_INVALID_PARAMETER);
	for (uint32_t type = 0; type < 8; type++) {
		in = msg_port(PARENT, 2, 0, 2, 0);
		in.port_info.port_type = type;
		if (type != HV_PORT_TYPE_MESSAGE && type != HV_PORT_TYPE_EVENT)
			assert_int_equal(create(in), HV_STATUS_INVALID_PARAMETER);
	}
	/* Event flag ranges inside the 2048 flags, at least one flag. */
	assert_int_equal(create(ev_port(PARENT, 3, 0, 2, 0, 0)), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(create(ev_port(PARENT, 3, 0, 2, 2000, 49)), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(create(ev_port(PARENT, 3, 0, 2, 65535, 65535)), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(create(ev_port(PARENT, 3, HV_ANY_VP, 2, 2000, 48)), HV_STATUS_SUCCESS);
	/* Nothing half-made: only the three good ports exist. */
	assert_non_null(hvport_find_port(&t, PARENT, 1));
	assert_non_null(hvport_find_port(&t, CHILD, 1));
	assert_non_null(hvport_find_port(&t, PARENT, 3));
	assert_null(hvport_find_port(&t, PARENT, 2));
	assert_int_equal(parent.pool.reserved, HVPORT_MSG_BUFS);
}

static void test_create_limits(void **st)
{
	(void)st;
	/* The child's pool (20 buffers) funds one message port only. */
	assert_int_equal(create(msg_port(CHILD, 1, 0, 2, 0)), HV_STATUS_SUCCESS);
	assert_int_equal(create(msg_port(CHILD, 2, 0, 2, 0)), HV_STATUS_INSUFFICIENT_MEMORY);
	assert_int_equal(create(ev_port(CHILD, 2, 0, 2, 0, 1)), HV_STATUS_SUCCESS);
	/* Deleting the message port gives its buffers back. */
	assert_int_equal(del(CHILD, 1), HV_STATUS_SUCCESS);
	assert_int_equal(child.pool.reserved, 0);
	assert_int_equal(create(msg_port(CHILD, 3, 0, 2, 0)), HV_STATUS_SUCCESS);
	/* The port table is full at NPORTS. */
	for (uint32_t id = 10; id < 10 + NPORTS - 2; id++)
		assert_int_equal(create(ev_port(PARENT, id, 0, 2, 0, 1)), HV_STATUS_SUCCESS);
	assert_int_equal(create(ev_port(PARENT, 99, 0, 2, 0, 1)), HV_STATUS_INSUFFICIENT_MEMORY);
	assert_null(hvport_find_port(&t, PARENT, 99));
}

static void test_connect_checks(void **st)
{
	struct hv_input_connect_port in;

	(void)st;
	vmbus_shape();
	assert_int_equal(create(ev_port(PARENT, 0x200, 0, 2, 0, 4)), HV_STATUS_SUCCESS);
	/* Duplicate connection id in the same partition. */
	assert_int_equal(connect_(conn(CHILD, 4, PARENT, 0x200, HV_PORT_TYPE_EVENT)),
			 HV_STATUS_INVALID_CONNECTION_ID);
	/* The same id in the parent's namespace is another connection. */
	assert_int_equal(connect_(conn(PARENT, 4, PARENT, 0x200, HV_PORT_TYPE_EVENT)),
			 HV_STATUS_SUCCESS);
	/* Port 0x100 takes connections from the child only. */
	assert_int_equal(connect_(conn(PARENT, 5, PARENT, 0x100, HV_PORT_TYPE_MESSAGE)),
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(connect_(conn(CHILD, 5, PARENT, 0x999, HV_PORT_TYPE_MESSAGE)),
			 HV_STATUS_INVALID_PORT_ID);
	assert_int_equal(connect_(conn(99, 5, PARENT, 0x200, HV_PORT_TYPE_EVENT)),
			 HV_STATUS_INVALID_PARTITION_ID);
	/* The connection's type must be the port's. */
	assert_int_equal(connect_(conn(CHILD, 5, PARENT, 0x200, HV_PORT_TYPE_MESSAGE)),
			 HV_STATUS_INVALID_PARAMETER);
	in = conn(CHILD, 5, PARENT, 0x200, HV_PORT_TYPE_EVENT);
	in.connection_info.data[2] = 1;
	assert_int_equal(connect_(in), HV_STATUS_INVALID_PARAMETER);
	in = conn(CHILD, 5, PARENT, 0x200, HV_PORT_TYPE_EVENT);
	in.rsvdz2 = 1;
	assert_int_equal(connect_(in), HV_STATUS_INVALID_PARAMETER);
	in = conn(CHILD, 5 | (1u << 31), PARENT, 0x200, HV_PORT_TYPE_EVENT);
	assert_int_equal(connect_(in), HV_STATUS_INVALID_PARAMETER);
	in = conn(CHILD, 5, PARENT, 0x200, HV_PORT_TYPE_EVENT);
	in.connection_vtl = 2;
	assert_int_equal(connect_(in), HV_STATUS_INVALID_PARAMETER);
	assert_null(hvport_find_conn(&t, CHILD, 5));
	/* The connection table is full at NCONNS. */
	for (uint32_t id = 10; id < 10 + NCONNS - 2; id++)
		assert_int_equal(connect_(conn(CHILD, id, PARENT, 0x200, HV_PORT_TYPE_EVENT)),
				 HV_STATUS_SUCCESS);
	assert_int_equal(connect_(conn(CHILD, 99, PARENT, 0x200, HV_PORT_TYPE_EVENT)),
			 HV_STATUS_INSUFFICIENT_MEMORY);
	/* Disconnect frees a slot; disconnecting twice fails. */
	assert_int_equal(disconnect(CHILD, 10), HV_STATUS_SUCCESS);
	assert_int_equal(disconnect(CHILD, 10), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(connect_(conn(CHILD, 99, PARENT, 0x200, HV_PORT_TYPE_EVENT)),
			 HV_STATUS_SUCCESS);
}

static void test_post_delivers(void **st)
{
	struct hv_message *slot = fake_slot(&pcpu[0], 2);

	(void)st;
	vmbus_shape();
	assert_int_equal(post(CHILD, 4, 1, 100, 7), HV_STATUS_SUCCESS);
	assert_int_equal(slot->header.type, 1);
	assert_int_equal(slot->header.payload_size, 100);
	assert_int_equal(slot->header.origin, 0x100);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(slot->payload[i], (uint8_t)(7 + i));
	assert_int_equal(pcpu[0].nraised, 1);
	assert_int_equal(pcpu[0].last_vector, 0x50);
	/* Not to the other VP, nor to the sender. */
	assert_int_equal(pcpu[1].nraised + ccpu.nraised, 0);
	/* 240 bytes is the limit. */
	assert_true(fake_ack(&pcpu[0], 2) == false);
	assert_int_equal(post(CHILD, 4, 0x7fffffff, 240, 0), HV_STATUS_SUCCESS);
	assert_int_equal(slot->header.payload_size, 240);
	assert_int_equal(slot->header.type, 0x7fffffff);
}

static void test_post_rejects(void **st)
{
	struct hv_input_post_message in = { .connection_id = 4, .message_type = 1 };
	uint32_t nfree = parent.pool.nfree;

	(void)st;
	vmbus_shape();
	assert_int_equal(create(ev_port(PARENT, 0x200, 0, 2, 0, 4)), HV_STATUS_SUCCESS);
	assert_int_equal(connect_(conn(CHILD, 9, PARENT, 0x200, HV_PORT_TYPE_EVENT)),
			 HV_STATUS_SUCCESS);
	assert_int_equal(post(CHILD, 4, 0, 1, 0), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(post(CHILD, 4, 0x80000000u, 1, 0), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(post(CHILD, 4, HV_MSG_TIMER_EXPIRED, 1, 0), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(post(CHILD, 4, 1, 241, 0), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(post(CHILD, 4, 1, 0xffffffffu, 0), HV_STATUS_INVALID_PARAMETER);
	in.rsvdz = 1;
	assert_int_equal(hvport_post(&t, CHILD, &in), HV_STATUS_INVALID_PARAMETER);
	in.rsvdz = 0;
	in.connection_id = 4 | 0x01000000;
	assert_int_equal(hvport_post(&t, CHILD, &in), HV_STATUS_INVALID_PARAMETER);
	/* Unknown connection: also the parent's id 4, which it never made. */
	assert_int_equal(post(CHILD, 5, 1, 1, 0), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(post(PARENT, 4, 1, 1, 0), HV_STATUS_INVALID_CONNECTION_ID);
	/* A connection to an event port cannot carry messages. */
	assert_int_equal(post(CHILD, 9, 1, 1, 0), HV_STATUS_INVALID_PORT_ID);
	/* Target's SIM page off: refused now (TLFS), nothing queued. */
	assert_int_equal(fake_wrmsr(&pcpu[0], HV_MSR_SIMP, fake_gpa(0)), 0);
	assert_int_equal(post(CHILD, 4, 1, 1, 0), HV_STATUS_INVALID_SYNIC_STATE);
	assert_int_equal(fake_wrmsr(&pcpu[0], HV_MSR_SIMP, fake_gpa(0) | 1), 0);
	assert_int_equal(fake_wrmsr(&pcpu[0], HV_MSR_SCONTROL, 0), 0);
	assert_int_equal(post(CHILD, 4, 1, 1, 0), HV_STATUS_INVALID_SYNIC_STATE);
	assert_int_equal(fake_wrmsr(&pcpu[0], HV_MSR_SCONTROL, 1), 0);
	/* The target VP does not exist (yet). */
	pvps[0] = NULL;
	assert_int_equal(post(CHILD, 4, 1, 1, 0), HV_STATUS_INVALID_VP_INDEX);
	pvps[0] = &pcpu[0].vp;
	/* Nothing changed by any of them. */
	assert_int_equal(parent.pool.nfree, nfree);
	assert_int_equal(synvp_count_queued(&pcpu[0].vp, 2), 0);
	assert_int_equal(fake_slot(&pcpu[0], 2)->header.type, 0);
	assert_int_equal(pcpu[0].nraised, 0);
}

static void test_flood_is_bounded_per_port(void **st)
{
	struct hvport *p;

	(void)st;
	vmbus_shape();
	/* A second port of the parent, for another child's connection. */
	assert_int_equal(create(msg_port(PARENT, 0x101, 0, 3, 0)), HV_STATUS_SUCCESS);
	assert_int_equal(fake_wrmsr(&pcpu[0], HV_MSR_SINT0 + 3, 0x52), 0);
	assert_int_equal(connect_(conn(PARENT, 1, PARENT, 0x101, HV_PORT_TYPE_MESSAGE)),
			 HV_STATUS_SUCCESS);
	p = hvport_find_port(&t, PARENT, 0x100);
	/* One message in the slot, 16 queued, then the port is full. */
	for (int i = 0; i < 17; i++)
		assert_int_equal(post(CHILD, 4, 1, 8, (uint8_t)i), HV_STATUS_SUCCESS);
	assert_int_equal(p->queued, 16);
	for (int i = 0; i < 100; i++)
		assert_int_equal(post(CHILD, 4, 1, 8, 0), HV_STATUS_INSUFFICIENT_BUFFERS);
	assert_int_equal(synvp_count_queued(&pcpu[0].vp, 2), 16);
	assert_int_equal(parent.pool.nfree, 40 - 16);
	/* The other port is unaffected. */
	assert_int_equal(post(PARENT, 1, 2, 8, 0), HV_STATUS_SUCCESS);
	assert_int_equal(fake_slot(&pcpu[0], 3)->header.type, 2);
	/* The receiver drains one: one more post fits, in order. */
	assert_true(fake_ack(&pcpu[0], 2));
	assert_int_equal(fake_slot(&pcpu[0], 2)->payload[0], 1);
	assert_int_equal(post(CHILD, 4, 1, 8, 0xee), HV_STATUS_SUCCESS);
	assert_int_equal(post(CHILD, 4, 1, 8, 0), HV_STATUS_INSUFFICIENT_BUFFERS);
	for (int i = 2; i < 17; i++) {
		assert_true(fake_ack(&pcpu[0], 2));
		assert_int_equal(fake_slot(&pcpu[0], 2)->payload[0], i);
	}
	/* The last one (0xee) is behind message 16: pending, then not. */
	assert_true(fake_ack(&pcpu[0], 2));
	assert_int_equal(fake_slot(&pcpu[0], 2)->payload[0], 0xee);
	assert_false(fake_ack(&pcpu[0], 2));
	assert_int_equal(p->queued, 0);
	assert_int_equal(parent.pool.nfree, 40);
}

static void test_any_vp(void **st)
{
	(void)st;
	assert_int_equal(create(msg_port(PARENT, 0x100, HV_ANY_VP, 2, 0)), HV_STATUS_SUCCESS);
	assert_int_equal(connect_(conn(CHILD, 4, PARENT, 0x100, HV_PORT_TYPE_MESSAGE)),
			 HV_STATUS_SUCCESS);
	assert_int_equal(post(CHILD, 4, 1, 1, 0), HV_STATUS_SUCCESS);
	assert_int_equal(pcpu[0].nraised, 1);
	/* VP0's SIM page off: it is not a target, VP1 is. */
	assert_int_equal(fake_wrmsr(&pcpu[0], HV_MSR_SIMP, 0), 0);
	assert_int_equal(post(CHILD, 4, 1, 1, 0), HV_STATUS_SUCCESS);
	assert_int_equal(pcpu[1].nraised, 1);
	assert_int_equal(fake_slot(&pcpu[1], 2)->header.type, 1);
	assert_int_equal(fake_wrmsr(&pcpu[1], HV_MSR_SCONTROL, 0), 0);
	assert_int_equal(post(CHILD, 4, 1, 1, 0), HV_STATUS_INVALID_VP_INDEX);
}

static void test_signal(void **st)
{
	struct hv_event_flags *f = fake_flags(&ccpu, 2);

	(void)st;
	/* Parent -> child: an event port in the child, flags 16..31. */
	assert_int_equal(create(ev_port(CHILD, 0x300, 0, 2, 16, 16)), HV_STATUS_SUCCESS);
	assert_int_equal(connect_(conn(PARENT, 0x2000, CHILD, 0x300, HV_PORT_TYPE_EVENT)),
			 HV_STATUS_SUCCESS);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (3ull << 32)), HV_STATUS_SUCCESS);
	assert_int_equal(f->bits[2], 1 << 3);           /* flag 16 + 3 = 19 */
	assert_int_equal(ccpu.nraised, 1);
	assert_int_equal(ccpu.last_vector, 0xf3);
	/* Already set: success, no second interrupt. */
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (3ull << 32)), HV_STATUS_SUCCESS);
	assert_int_equal(ccpu.nraised, 1);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (15ull << 32)), HV_STATUS_SUCCESS);
	assert_int_equal(f->bits[3], 0x80);
	assert_int_equal(ccpu.nraised, 2);
	/* Flag beyond the port's count. */
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (16ull << 32)), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (0xffffull << 32)), HV_STATUS_INVALID_PARAMETER);
	/* Reserved bits: 63:48 and the connection id's top byte. */
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (1ull << 48)), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (1ull << 63)), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (1ull << 24)), HV_STATUS_INVALID_PARAMETER);
	/* Unknown connection; the child cannot use the parent's. */
	assert_int_equal(hvport_signal(&t, PARENT, 0x2001), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(hvport_signal(&t, CHILD, 0x2000), HV_STATUS_INVALID_CONNECTION_ID);
	/* Through a connection to a message port. */
	vmbus_shape();
	assert_int_equal(hvport_signal(&t, CHILD, 4), HV_STATUS_INVALID_PORT_ID);
	/* Masked SINT, SIEF off: INVALID_SYNIC_STATE, flag untouched. */
	assert_int_equal(fake_wrmsr(&ccpu, HV_MSR_SINT0 + 2, 0x100f3), 0);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000), HV_STATUS_INVALID_SYNIC_STATE);
	assert_int_equal(fake_wrmsr(&ccpu, HV_MSR_SINT0 + 2, 0xf3), 0);
	assert_int_equal(fake_wrmsr(&ccpu, HV_MSR_SIEFP, 0), 0);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000), HV_STATUS_INVALID_SYNIC_STATE);
	assert_int_equal(f->bits[2], 1 << 3);
	assert_int_equal(ccpu.nraised, 2);
}

/* A connection keeps its last signal's route (hvport_signal): each thing
 * the route rests on, changed, must be seen by the next signal. */
static void test_signal_kept_route(void **st)
{
	struct hv_event_flags *f = fake_flags(&ccpu, 2);

	(void)st;
	assert_int_equal(create(ev_port(CHILD, 0x300, 0, 2, 16, 16)), HV_STATUS_SUCCESS);
	assert_int_equal(connect_(conn(PARENT, 0x2000, CHILD, 0x300, HV_PORT_TYPE_EVENT)),
			 HV_STATUS_SUCCESS);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000), HV_STATUS_SUCCESS);
	assert_non_null(hvport_find_conn(&t, PARENT, 0x2000)->fast_vp);
	/* The SIEF page moved (page 5 -> 6): the flag lands in the new one. */
	f->bits[2] = 0;
	assert_int_equal(fake_wrmsr(&ccpu, HV_MSR_SIEFP, fake_gpa(6) | HV_PAGE_MSR_ENABLE), 0);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (1ull << 32)), HV_STATUS_SUCCESS);
	assert_int_equal(f->bits[2], 0);
	assert_int_equal(fake_flags(&ccpu, 2)->bits[2], 1 << 1);
	assert_int_equal(ccpu.nraised, 2);
	/* The page is no longer the partition's (its mapping changed). */
	vm.unowned[6] = true;
	vm.map_gen++;
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (2ull << 32)), HV_STATUS_INVALID_SYNIC_STATE);
	vm.unowned[6] = false;
	vm.map_gen++;
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (2ull << 32)), HV_STATUS_SUCCESS);
	assert_int_equal(ccpu.nraised, 3);
	/* Masked, then polling: the SINT's value is read again. */
	assert_int_equal(fake_wrmsr(&ccpu, HV_MSR_SINT0 + 2, 0x100f3), 0);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (3ull << 32)), HV_STATUS_INVALID_SYNIC_STATE);
	assert_int_equal(fake_wrmsr(&ccpu, HV_MSR_SINT0 + 2, 0xf3), 0);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (3ull << 32)), HV_STATUS_SUCCESS);
	assert_int_equal(ccpu.nraised, 4);
	/* The flag's range is checked on the kept route too. */
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (16ull << 32)), HV_STATUS_INVALID_PARAMETER);
	/* The port deleted, then one with the same id: the connection is
	 * useless (TLFS), kept route or not. */
	assert_int_equal(del(CHILD, 0x300), HV_STATUS_SUCCESS);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000), HV_STATUS_INVALID_PORT_ID);
	assert_int_equal(create(ev_port(CHILD, 0x300, 0, 2, 16, 16)), HV_STATUS_SUCCESS);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000), HV_STATUS_INVALID_PORT_ID);
	/* Reconnected, then the target's SynIC reset. */
	assert_int_equal(disconnect(PARENT, 0x2000), HV_STATUS_SUCCESS);
	assert_int_equal(connect_(conn(PARENT, 0x2000, CHILD, 0x300, HV_PORT_TYPE_EVENT)),
			 HV_STATUS_SUCCESS);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (4ull << 32)), HV_STATUS_SUCCESS);
	synvp_reset(&ccpu.vp);
	assert_int_equal(hvport_signal(&t, PARENT, 0x2000 | (5ull << 32)), HV_STATUS_INVALID_SYNIC_STATE);
	assert_int_equal(ccpu.nraised, 5);
}

static void test_delete_port(void **st)
{
	(void)st;
	vmbus_shape();
	for (int i = 0; i < 5; i++)
		assert_int_equal(post(CHILD, 4, 1, 8, 0), HV_STATUS_SUCCESS);
	assert_int_equal(synvp_count_queued(&pcpu[0].vp, 2), 4);
	assert_int_equal(del(PARENT, 0x100), HV_STATUS_SUCCESS);
	/* TLFS: the port's buffers are freed, queued messages included. */
	assert_int_equal(synvp_count_queued(&pcpu[0].vp, 2), 0);
	assert_int_equal(parent.pool.nfree, 40);
	assert_int_equal(parent.pool.reserved, 0);
	assert_int_equal(del(PARENT, 0x100), HV_STATUS_INVALID_PORT_ID);
	/* The connection remains, useless. */
	assert_non_null(hvport_find_conn(&t, CHILD, 4));
	assert_int_equal(post(CHILD, 4, 1, 8, 0), HV_STATUS_INVALID_PORT_ID);
	/* A new port with the same id does not revive it. */
	assert_int_equal(create(msg_port(PARENT, 0x100, 0, 2, 0)), HV_STATUS_SUCCESS);
	assert_int_equal(post(CHILD, 4, 1, 8, 0), HV_STATUS_INVALID_PORT_ID);
	assert_int_equal(disconnect(CHILD, 4), HV_STATUS_SUCCESS);
	assert_int_equal(connect_(conn(CHILD, 4, PARENT, 0x100, HV_PORT_TYPE_MESSAGE)),
			 HV_STATUS_SUCCESS);
	assert_int_equal(post(CHILD, 4, 1, 8, 0), HV_STATUS_SUCCESS);
	struct hv_input_delete_port in = { .port_partition = PARENT, .port_id = 0x100, .rsvdz = 1 };
	assert_int_equal(hvport_delete(&t, &in), HV_STATUS_INVALID_PARAMETER);
}

static void test_teardown_partition(void **st)
{
	(void)st;
	vmbus_shape();                                   /* child -> parent */
	assert_int_equal(create(msg_port(CHILD, 0x10, 0, 2, PARENT)), HV_STATUS_SUCCESS);
	assert_int_equal(connect_(conn(PARENT, 0x1000, CHILD, 0x10, HV_PORT_TYPE_MESSAGE)),
			 HV_STATUS_SUCCESS);                 /* parent -> child */
	assert_int_equal(create(ev_port(PARENT, 0x200, 0, 2, 0, 8)), HV_STATUS_SUCCESS);
	assert_int_equal(connect_(conn(CHILD, 0x20, PARENT, 0x200, HV_PORT_TYPE_EVENT)),
			 HV_STATUS_SUCCESS);
	assert_int_equal(create(ev_port(PARENT, 0x201, 0, 2, 8, 8)), HV_STATUS_SUCCESS);
	assert_int_equal(connect_(conn(PARENT, 0x21, PARENT, 0x201, HV_PORT_TYPE_EVENT)),
			 HV_STATUS_SUCCESS);
	/* Messages in flight both ways. */
	assert_int_equal(post(CHILD, 4, 1, 8, 0), HV_STATUS_SUCCESS);
	assert_int_equal(post(CHILD, 4, 1, 8, 1), HV_STATUS_SUCCESS);
	assert_int_equal(post(PARENT, 0x1000, 1, 8, 0), HV_STATUS_SUCCESS);
	assert_int_equal(post(PARENT, 0x1000, 1, 8, 1), HV_STATUS_SUCCESS);
	assert_int_equal(child.pool.nfree, 19);

	hvport_remove_partition(&t, CHILD);
	/* Its ports, its connections and the connections to its ports are
	 * gone, its queued messages freed. */
	assert_null(hvport_find_port(&t, CHILD, 0x10));
	assert_null(hvport_find_conn(&t, CHILD, 4));
	assert_null(hvport_find_conn(&t, CHILD, 0x20));
	assert_null(hvport_find_conn(&t, PARENT, 0x1000));
	assert_int_equal(child.pool.nfree, 20);
	assert_int_equal(child.pool.reserved, 0);
	assert_int_equal(post(PARENT, 0x1000, 1, 8, 0), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(post(CHILD, 4, 1, 8, 0), HV_STATUS_INVALID_CONNECTION_ID);
	/* The parent's own objects stay, and what the child posted before it
	 * died is still delivered (TLFS: breaking a connection does not
	 * affect queued messages). */
	assert_non_null(hvport_find_port(&t, PARENT, 0x100));
	assert_non_null(hvport_find_port(&t, PARENT, 0x200));
	assert_int_equal(hvport_signal(&t, PARENT, 0x21), HV_STATUS_SUCCESS);
	assert_int_equal(synvp_count_queued(&pcpu[0].vp, 2), 1);
	assert_true(fake_ack(&pcpu[0], 2));
	assert_int_equal(fake_slot(&pcpu[0], 2)->payload[0], 1);
	/* The child can come back under the same id. */
	hvport_remove_partition(&t, CHILD);
	assert_int_equal(hvport_add_partition(&t, &child), 0);
	assert_int_equal(hvport_add_partition(&t, &child), -EEXIST);
	assert_int_equal(connect_(conn(CHILD, 4, PARENT, 0x100, HV_PORT_TYPE_MESSAGE)),
			 HV_STATUS_SUCCESS);
	assert_int_equal(post(CHILD, 4, 1, 8, 0), HV_STATUS_SUCCESS);
}

static void test_partition_registry(void **st)
{
	static struct synic_partition many[HVPORT_MAX_PARTITIONS];

	(void)st;
	assert_int_equal(hvport_init(&t, ports, 0, conns, 1), -EINVAL);
	assert_int_equal(hvport_init(&t, ports, NPORTS, conns, NCONNS), 0);
	for (int i = 0; i < HVPORT_MAX_PARTITIONS; i++) {
		many[i].id = 100 + i;
		assert_int_equal(hvport_add_partition(&t, &many[i]), 0);
	}
	assert_int_equal(hvport_add_partition(&t, &parent), -ENOSPC);
	hvport_remove_partition(&t, 100 + 5);
	assert_int_equal(hvport_add_partition(&t, &parent), 0);
	hvport_remove_partition(&t, 12345);   /* unknown: nothing */
}

/* Many objects in few buckets: every chain stays consistent through
 * inserts and deletes in mixed order. */
static void test_hash_chains(void **st)
{
	enum { N = 3 * HVPORT_BUCKETS };
	static struct hvport bp[N];
	static struct hvport_conn bc[N];
	static struct synic_msgbuf big[16];

	(void)st;
	assert_int_equal(hvport_init(&t, bp, N, bc, N), 0);
	synic_pool_init(&parent.pool, big, 16);
	assert_int_equal(hvport_add_partition(&t, &parent), 0);
	assert_int_equal(hvport_add_partition(&t, &child), 0);
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(create(ev_port(PARENT, i * 7919, 0, 2, 0, 1)), HV_STATUS_SUCCESS);
		assert_int_equal(connect_(conn(i & 1 ? CHILD : PARENT, i * 104729 & HV_ID_MASK,
					       PARENT, i * 7919, HV_PORT_TYPE_EVENT)),
				 HV_STATUS_SUCCESS);
	}
	for (uint32_t i = 0; i < N; i += 3) {
		assert_int_equal(del(PARENT, i * 7919), HV_STATUS_SUCCESS);
		assert_int_equal(disconnect(i & 1 ? CHILD : PARENT, i * 104729 & HV_ID_MASK),
				 HV_STATUS_SUCCESS);
	}
	for (uint32_t i = 0; i < N; i++) {
		bool gone = i % 3 == 0;
		struct hvport *p = hvport_find_port(&t, PARENT, i * 7919);
		struct hvport_conn *c = hvport_find_conn(&t, i & 1 ? CHILD : PARENT,
							 i * 104729 & HV_ID_MASK);

		assert_true(gone ? p == NULL : p != NULL && p->id == i * 7919);
		assert_true(gone ? c == NULL : c != NULL && c->port == p - bp);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_checks), T(test_create_limits), T(test_connect_checks),
		T(test_post_delivers), T(test_post_rejects), T(test_flood_is_bounded_per_port),
		T(test_any_vp), T(test_signal), T(test_signal_kept_route), T(test_delete_port),
		T(test_teardown_partition), T(test_partition_registry), T(test_hash_chains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
