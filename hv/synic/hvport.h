/*
 * TLFS ports and connections (inter-partition-communication.md "Ports
 * and Connections"; hypercalls/HvCallCreatePort, ConnectPort, DeletePort,
 * DisconnectPort, PostMessage, SignalEvent).
 *
 * A port belongs to the partition that receives: it names a target VP
 * (or HV_ANY_VP) and a SINT 1..15; a message port also owns 16 message
 * buffers of its partition's pool (TLFS "Guest Message Buffers"), an
 * event port a range of event flags. A connection belongs to the
 * partition that sends: (partition, 24-bit id) -> port, in any partition.
 * The parent creates ports in itself for a child's connections (child ->
 * parent) and ports in the child for its own connections (parent ->
 * child); only the parent may call the port hypercalls (CPUID 0x40000003
 * EBX bits 6/7), which is the caller's check.
 *
 * Bounded: ports, connections and registered partitions live in tables
 * the caller sizes; a message port never holds more than 16 queued
 * buffers, so a flood through one port gets HV_STATUS_INSUFFICIENT_BUFFERS
 * (Linux vmbus_post_msg retries it) and touches nothing else.
 *
 * The hypercall functions take hv's own copy of the input block (the
 * caller copies it out of guest memory first) and return an HV_STATUS.
 * Locking: the caller serialises every call on one table (one SynIC lock
 * in hv); the synvp calls this makes run under it.
 */
#ifndef HV_SYNIC_HVPORT_H
#define HV_SYNIC_HVPORT_H
#include <stdint.h>
#include <hv/abi/tlfs.h>
#include "synvp.h"

#define HVPORT_MSG_BUFS        16    /* per message port (TLFS) */
#define HVPORT_MAX_PARTITIONS  64
#define HVPORT_BUCKETS         256   /* hash buckets, a power of two */

/* A partition as the port layer sees it. vps[i] may be NULL (no such VP
 * yet); the pool holds the buffers of the partition's message ports. */
struct synic_partition {
	uint64_t id;
	struct synvp **vps;
	uint32_t nvps;
	struct synic_pool pool;
};

struct hvport {
	struct synic_partition *owner;   /* NULL: free slot */
	uint64_t conn_part;              /* only this one may connect; 0 any */
	uint32_t id;
	uint32_t type;                   /* HV_PORT_TYPE_MESSAGE or _EVENT */
	uint32_t vp;                     /* VP index or HV_ANY_VP */
	uint32_t sint;
	uint16_t base_flag, flag_count;
	uint32_t queued;                 /* message buffers in use, <= 16 */
	int32_t next;                    /* hash chain, -1 ends it */
};

struct hvport_conn {
	uint64_t part;                   /* the sending partition */
	uint32_t id;
	int32_t port;                    /* ports[] index; -1: port deleted */
	int32_t next;
	uint8_t used;
	/* An event connection's kept route (hvport_signal): the target VP
	 * and its SIEF page as the last signal found them, good while the
	 * table's routes (fast_tgen), the VP's SynIC registers (fast_vgen)
	 * and its guest mappings (fast_mgen, synvp_ops.map_gen) are
	 * unchanged. fast_vp NULL: none kept. */
	struct synvp *fast_vp;
	void *fast_page;
	uint64_t fast_mgen;
	uint32_t fast_tgen, fast_vgen;
};

struct hvport_table {
	struct hvport *ports;
	struct hvport_conn *conns;
	uint32_t nports, nconns;
	int32_t port_bucket[HVPORT_BUCKETS];
	int32_t conn_bucket[HVPORT_BUCKETS];
	struct synic_partition *parts[HVPORT_MAX_PARTITIONS];
	uint32_t gen;                    /* moved when a port or connection goes */
};

/* Empty table over the caller's arrays: 0, or -EINVAL. */
int hvport_init(struct hvport_table *t, struct hvport *ports, uint32_t nports,
		struct hvport_conn *conns, uint32_t nconns);
/* Register a partition (its pool already initialised): 0, -EEXIST, or
 * -ENOSPC when HVPORT_MAX_PARTITIONS are registered. */
int hvport_add_partition(struct hvport_table *t, struct synic_partition *sp);
/* Teardown: the partition's connections and every connection (of any
 * partition) to its ports are removed, its ports deleted with their
 * queued messages, and it is unregistered. Call before freeing its vps. */
void hvport_remove_partition(struct hvport_table *t, uint64_t id);

uint16_t hvport_create(struct hvport_table *t, const struct hv_input_create_port *in);
uint16_t hvport_delete(struct hvport_table *t, const struct hv_input_delete_port *in);
uint16_t hvport_connect(struct hvport_table *t, const struct hv_input_connect_port *in);
uint16_t hvport_disconnect(struct hvport_table *t, const struct hv_input_disconnect_port *in);
/* HvPostMessage from partition `sender`. */
uint16_t hvport_post(struct hvport_table *t, uint64_t sender,
		     const struct hv_input_post_message *in);
/* HvSignalEvent (fast) from partition `sender`, RDX as given. */
uint16_t hvport_signal(struct hvport_table *t, uint64_t sender, uint64_t input);

/* Lookups (tests, statistics, GetPortProperty later): NULL if none. */
struct hvport *hvport_find_port(struct hvport_table *t, uint64_t part, uint32_t id);
struct hvport_conn *hvport_find_conn(struct hvport_table *t, uint64_t part, uint32_t id);
#endif
