/*
 * The channel server's private state, shared by server.c (the protocol)
 * and server_save.c (save and restore of that state, server_state.h).
 * Not for other includers: everything outside the library goes through
 * server.h.
 */
#ifndef VMBUS_SERVER_INT_H
#define VMBUS_SERVER_INT_H

#include <string.h>

#include "vmbus/server.h"

enum srv_ch_state { CH_FREE = 0, CH_OFFERED, CH_OPEN, CH_RESCINDED };

struct srv_gpadl {
	int used, complete, is_ring;
	uint32_t handle, relid, total, have, byte_count, byte_offset;
	uint64_t *pfns;
	void *va;               /* host view once complete */
	struct srv_chan *user;  /* channel whose rings live here */
};

struct srv_chan {
	enum srv_ch_state state;
	struct vmbus_guid type, inst;
	uint16_t sub_index;     /* 0: a primary; else a sub-channel of the
				 * primary with the same GUIDs */
	const struct vmbus_dev_ops *dops;
	void *dev;
	struct vmbus_chan ch;
	struct srv_gpadl *ring_gpadl;
};

/* Same device: the offer's type and instance GUIDs both equal. */
static inline int srv_same_guids(const struct vmbus_guid *t1, const struct vmbus_guid *i1,
				 const struct vmbus_guid *t2, const struct vmbus_guid *i2)
{
	return !memcmp(t1, t2, sizeof(*t1)) && !memcmp(i1, i2, sizeof(*i1));
}

struct vmbus_server {
	struct vmbus_server_ops ops;
	uint32_t max_version, version, conn_base;
	int state, offers_requested;
	struct srv_chan chans[VMBUS_SERVER_MAX_CHANNELS];  /* relid = i + 1 */
	struct srv_gpadl gpadls[VMBUS_SERVER_MAX_GPADLS];
	/* High-water marks: every channel slot from chan_hi on is CH_FREE
	 * and every GPADL slot from gpadl_hi on unused, so the scans (a
	 * reset on each INITIATE_CONTACT among them) cost what is in use,
	 * not 64 + 256 slots (docs/benchmarks.md, VMBus). */
	unsigned chan_hi, gpadl_hi;
};

#endif /* VMBUS_SERVER_INT_H */
