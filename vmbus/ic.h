/*
 * Integration-component (IC) messages: the framing Hyper-V's utility
 * channels (heartbeat, shutdown, time synchronization, ...) carry in
 * in-band VMBus packets, as Linux's hv_utils reads and answers them
 * (include/linux/hyperv.h struct vmbuspipe_hdr, icmsg_hdr,
 * icmsg_negotiate, heartbeat_msg_data, shutdown_msg_data,
 * ictimesync_data, ictimesync_ref_data; drivers/hv/channel_mgmt.c
 * vmbus_prep_negotiate_resp; drivers/hv/hv_util.c).
 *
 * Every exchange is the host's request answered by the guest in place:
 * the same bytes come back with ICMSGHDRFLAG_RESPONSE and a status. The
 * first is a version negotiation: the host lists framework versions then
 * message versions; the guest answers with one of each (counts 1 and 1)
 * or with counts 0 when it has no match.
 */
#ifndef VMBUS_IC_H
#define VMBUS_IC_H
#include <stddef.h>
#include <stdint.h>

struct vmbus_ic_pipe_hdr {
	uint32_t flags;
	uint32_t msgsize;            /* bytes after this header */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_pipe_hdr) == 8, "vmbuspipe_hdr");

struct vmbus_ic_version {
	uint16_t major, minor;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_version) == 4, "ic_version");

struct vmbus_ic_hdr {
	struct vmbus_ic_version frame;   /* icverframe */
	uint16_t msgtype;
	struct vmbus_ic_version msg;     /* icvermsg */
	uint16_t msgsize;
	uint32_t status;
	uint8_t transaction_id;
	uint8_t flags;
	uint8_t reserved[2];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_hdr) == 20, "icmsg_hdr");

#define VMBUS_IC_TYPE_NEGOTIATE 0u
#define VMBUS_IC_TYPE_HEARTBEAT 1u
#define VMBUS_IC_TYPE_KVP       2u
#define VMBUS_IC_TYPE_SHUTDOWN  3u
#define VMBUS_IC_TYPE_TIMESYNC  4u

#define VMBUS_IC_FLAG_TRANSACTION 1u
#define VMBUS_IC_FLAG_REQUEST     2u
#define VMBUS_IC_FLAG_RESPONSE    4u

#define VMBUS_IC_S_OK   0x00000000u   /* HV_S_OK */
#define VMBUS_IC_E_FAIL 0x80004005u   /* HV_E_FAIL */

struct vmbus_ic_negotiate {
	uint16_t frame_count;        /* icframe_vercnt */
	uint16_t msg_count;          /* icmsg_vercnt */
	uint32_t reserved;
	struct vmbus_ic_version v[]; /* frame versions, then message versions */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_negotiate) == 8, "icmsg_negotiate");
/* Linux refuses more than this many of either (IC_VERSION_NEGOTIATION_MAX_VER_COUNT). */
#define VMBUS_IC_MAX_VERSIONS 100u

struct vmbus_ic_heartbeat {
	uint64_t seq_num;
	uint32_t reserved[8];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_heartbeat) == 40, "heartbeat_msg_data");

struct vmbus_ic_shutdown {
	uint32_t reason_code;
	uint32_t timeout_seconds;
	uint32_t flags;              /* 0 or 1: shut down; 2: restart (3.1+) */
	uint8_t display_message[2048];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_shutdown) == 2060, "shutdown_msg_data");

/* Time in 100 ns units since 1601-01-01 UTC (Windows time);
 * VMBUS_IC_UNIX_EPOCH is 1970-01-01 in those units (Linux WLTIMEDELTA). */
#define VMBUS_IC_UNIX_EPOCH 116444736000000000ull
#define VMBUS_IC_TIME_PROBE  0u
#define VMBUS_IC_TIME_SYNC   1u      /* set the clock now (after start/restore) */
#define VMBUS_IC_TIME_SAMPLE 2u      /* a periodic sample */
struct vmbus_ic_timesync {           /* message versions below 4.0 */
	uint64_t parent_time;
	uint64_t child_time;
	uint64_t round_trip_time;
	uint8_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_timesync) == 25, "ictimesync_data");
struct vmbus_ic_timesync_ref {       /* 4.0 */
	uint64_t parent_time;
	uint64_t vm_reference_time;  /* the partition's reference time (TIME_REF_COUNT) */
	uint8_t flags;
	int8_t leap_flags;
	int8_t stratum;
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_timesync_ref) == 22, "ictimesync_ref_data");

/* Offsets of the IC header and of a message's data in a packet. */
#define VMBUS_IC_HDR_OFF  sizeof(struct vmbus_ic_pipe_hdr)
#define VMBUS_IC_DATA_OFF (sizeof(struct vmbus_ic_pipe_hdr) + sizeof(struct vmbus_ic_hdr))

#define VMBUS_IC_VER(major, minor) ((uint32_t)(major) << 16 | (minor))

/* Host: a NEGOTIATE request offering fw[0..nfw) and srv[0..nsrv)
 * (highest first) into buf: its length, or 0 if cap is too small. */
size_t vmbus_ic_build_negotiate(uint8_t *buf, size_t cap, uint8_t tid, const uint32_t *fw,
				unsigned nfw, const uint32_t *srv, unsigned nsrv);
/* Host: a request of msgtype carrying data[0..len) (zeros if data is
 * NULL) with the negotiated framework and message versions: its length,
 * or 0. */
size_t vmbus_ic_build_request(uint8_t *buf, size_t cap, uint16_t msgtype, uint8_t tid,
			      uint32_t fw, uint32_t srv, const void *data, size_t len);
/* Host: check a guest's answer. 0 with *hdr copied and *data and *dlen
 * pointing at what follows the IC header (inside buf); -EPROTO with *why
 * for a packet too short, sizes that disagree, or no RESPONSE flag. */
int vmbus_ic_parse_response(const uint8_t *buf, size_t len, struct vmbus_ic_hdr *hdr,
			    const uint8_t **data, size_t *dlen, const char **why);
/* Host: the versions a NEGOTIATE answer chose: 0, or -EPROTO (counts
 * not 1 and 1: the guest has none of ours, or a malformed answer). */
int vmbus_ic_negotiated(const uint8_t *data, size_t dlen, uint32_t *fw, uint32_t *srv);
/* Guest: answer a NEGOTIATE request in place (Linux's rule: the first of
 * our versions, highest first, that the host lists). 1 when a version
 * pair was found, 0 when not (the answer then says so), -EPROTO for a
 * malformed request (nothing to send). */
int vmbus_ic_answer_negotiate(uint8_t *buf, size_t len, const uint32_t *fw, unsigned nfw,
			      const uint32_t *srv, unsigned nsrv, uint32_t *got_fw,
			      uint32_t *got_srv);
#endif
