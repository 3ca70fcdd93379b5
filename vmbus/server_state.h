/*
 * The saved state of a VMBus channel server (vmbus_server_save /
 * vmbus_server_restore, server.h): what the host must know to take up a
 * guest's VMBus connection again over the same guest memory. Every wire
 * struct of the format is here with its size asserted; fields are
 * little-endian (both ends are x86) and every padding byte is explicit
 * and must be 0.
 *
 * Layout: a struct vmbus_st_hdr, then records, each a struct vmbus_st_rec
 * and its payload: one VMBUS_ST_SERVER, then one VMBUS_ST_CHAN per
 * channel slot in use (relids strictly ascending), then one
 * VMBUS_ST_GPADL per GPADL (its PFNs after it). A reader refuses
 * (-EINVAL) anything it does not expect and applies nothing until
 * everything has passed: a saved-state file is a file a user can
 * corrupt. vmbus/README.md ("Saved state") says what is and is not kept.
 */
#ifndef VMBUS_SERVER_STATE_H
#define VMBUS_SERVER_STATE_H

#include <stdint.h>

#include "vmbus/msg.h"

#define VMBUS_ST_MAGIC   0x53424d56u   /* "VMBS" */
/* 2 added vmbus_st_chan.sub_index (zero padding in 1) and target_vp
 * (after the 64 bytes of 1). Files of 1 are still read: every channel of
 * theirs is a primary with its interrupts on VP 0. */
#define VMBUS_ST_VERSION 2u

struct vmbus_st_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t nrecs;
	uint32_t total;               /* bytes, this header included */
};
_Static_assert(sizeof(struct vmbus_st_hdr) == 16, "vmbus_st_hdr is 16 bytes");

enum vmbus_st_type { VMBUS_ST_SERVER = 1, VMBUS_ST_CHAN = 2, VMBUS_ST_GPADL = 3 };

struct vmbus_st_rec {
	uint16_t type;                /* enum vmbus_st_type */
	uint16_t version;             /* 1 for every type today */
	uint32_t len;                 /* payload bytes after this header */
};
_Static_assert(sizeof(struct vmbus_st_rec) == 8, "vmbus_st_rec is 8 bytes");

/* The connection. The server keeps no interrupt or monitor page GPA, no
 * target vCPU and no message SINT of INITIATE_CONTACT (it offers no
 * monitored channels and posts through the transport, which owns the
 * SynIC), so there are none here. */
struct vmbus_st_server {
	uint32_t version;             /* negotiated; 0 when disconnected */
	uint32_t conn_base;           /* offers' connection_id = base + relid */
	uint8_t state;                /* enum vmbus_server_state */
	uint8_t offers_requested;     /* the guest has had the offers */
	uint8_t pad[2];
	uint32_t nchans, ngpadls;     /* records of each kind that follow */
	uint32_t pad2;
};
_Static_assert(sizeof(struct vmbus_st_server) == 24, "vmbus_st_server is 24 bytes");

enum { VMBUS_ST_CH_OFFERED = 1, VMBUS_ST_CH_OPEN = 2, VMBUS_ST_CH_RESCINDED = 3 };

/* One channel slot. Restore matches an offered or open primary channel
 * (sub_index 0) to the device the new server offered with the same type
 * and instance GUIDs; a sub-channel goes to the device of the saved
 * primary with its GUIDs (the server offered it, not the host); a
 * rescinded one (waiting for the guest's RELID_RELEASED) has no device
 * and only keeps its relid reserved. The ring fields are 0 unless open.
 * The connection id is conn_base + relid, so it is not stored. */
struct vmbus_st_chan {
	uint32_t relid;
	uint8_t state;                /* VMBUS_ST_CH_* */
	uint8_t in_broken, out_broken;/* a ring found corrupt, not yet closed */
	uint8_t pad;
	struct vmbus_guid type, inst;
	uint32_t ring_gpadl;          /* handle of the GPADL holding both rings */
	uint32_t in_pages;            /* guest's send ring (ours to read) */
	uint32_t out_pages;           /* guest's receive ring (ours to write) */
	uint32_t in_read;             /* our read index in the inbound ring */
	uint32_t out_write;           /* our write index in the outbound ring */
	uint16_t sub_index;           /* the offer's sub_channel_index */
	uint16_t pad2;
	uint32_t target_vp;           /* OPENCHANNEL's, as the guest sent it */
	uint32_t pad3;
};
_Static_assert(sizeof(struct vmbus_st_chan) == 72, "vmbus_st_chan is 72 bytes");
#define VMBUS_ST_CHAN_V1_SIZE 64u    /* the record in format 1 */

/* One GPADL, followed by its PFNs (uint64_t each): all `total` of a
 * complete one, the `have` received so far of one whose bodies are still
 * arriving. */
struct vmbus_st_gpadl {
	uint32_t handle;
	uint32_t relid;               /* owner channel */
	uint32_t total, have;         /* pages named / received */
	uint32_t byte_count, byte_offset;
	uint8_t complete, is_ring;    /* mapped; has held a channel's rings */
	uint8_t pad[6];
};
_Static_assert(sizeof(struct vmbus_st_gpadl) == 32, "vmbus_st_gpadl is 32 bytes");

/* Most PFNs one GPADL can have: range_buflen of GPADL_HEADER is 16 bits
 * and covers the 8-byte gpa_range and 8 bytes per page. */
#define VMBUS_ST_MAX_PFNS ((0xFFFFu - 8u) / 8u)

#endif /* VMBUS_SERVER_STATE_H */
