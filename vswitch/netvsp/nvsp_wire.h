/* nvsp_wire.h: the Network VSP protocol (NVSP), the layer between VMBus
 * packets and RNDIS messages of Hyper-V's synthetic NIC.
 *
 * Layouts and numbers are the wire format of Linux
 * drivers/net/hyperv/hyperv_net.h (struct nvsp_message and its unions),
 * which Hyper-V defines. Every message is a 4-byte type followed by a
 * type-specific body; senders pad to the size of the largest body (Linux
 * sizeof(struct nvsp_message) == 40), receivers accept anything long
 * enough for the body they read. All fields little endian, packed.
 */
#ifndef NVSP_WIRE_H
#define NVSP_WIRE_H

#include <stdint.h>

/* Protocol versions (Linux NVSP_PROTOCOL_VERSION_*). Linux 6.1 and 6.12
 * try them from the newest down, one INIT each (min == max). */
#define NVSP_VERSION_1  0x00002u
#define NVSP_VERSION_2  0x30002u
#define NVSP_VERSION_4  0x40000u
#define NVSP_VERSION_5  0x50000u
#define NVSP_VERSION_6  0x60000u
#define NVSP_VERSION_61 0x60001u

/* Message types (Linux enum, NVSP_MSG*_TYPE_*). */
#define NVSP_MSG_INIT                  1u
#define NVSP_MSG_INIT_COMPLETE         2u
#define NVSP_MSG1_SEND_NDIS_VER        100u
#define NVSP_MSG1_SEND_RECV_BUF        101u
#define NVSP_MSG1_SEND_RECV_BUF_COMP   102u
#define NVSP_MSG1_REVOKE_RECV_BUF      103u
#define NVSP_MSG1_SEND_SEND_BUF        104u
#define NVSP_MSG1_SEND_SEND_BUF_COMP   105u
#define NVSP_MSG1_REVOKE_SEND_BUF      106u
#define NVSP_MSG1_SEND_RNDIS_PKT       107u
#define NVSP_MSG1_SEND_RNDIS_PKT_COMP  108u
#define NVSP_MSG2_SEND_NDIS_CONFIG     125u
#define NVSP_MSG4_SEND_VF_ASSOCIATION  128u
#define NVSP_MSG4_SWITCH_DATA_PATH     129u
#define NVSP_MSG5_OID_QUERY_EX         131u
#define NVSP_MSG5_SUBCHANNEL           133u
#define NVSP_MSG5_SEND_INDIRECTION_TABLE 134u
#define NVSP_MSG6_PD_API               135u
#define NVSP_MSG6_PD_POST_BATCH        136u

/* Status values (Linux NVSP_STAT_*). */
#define NVSP_STAT_NONE                 0u
#define NVSP_STAT_SUCCESS              1u
#define NVSP_STAT_FAIL                 2u
#define NVSP_STAT_PROTOCOL_TOO_NEW     3u
#define NVSP_STAT_PROTOCOL_TOO_OLD     4u
#define NVSP_STAT_INVALID_RNDIS_PKT    5u
#define NVSP_STAT_BUSY                 6u

/* RNDIS channel types of SEND_RNDIS_PKT (Linux RMC_DATA / RMC_CONTROL). */
#define NVSP_CHANNEL_DATA    0u
#define NVSP_CHANNEL_CONTROL 1u
/* send_buf_section_index when the data is not in the send buffer. */
#define NVSP_INVALID_SECTION 0xFFFFFFFFu
/* Page-set id Linux gives its receive buffer (NETVSC_RECEIVE_BUFFER_ID). */
#define NVSP_RECV_BUF_ID 0xCAFEu
/* Entries of the send indirection table (Linux VRSS_SEND_TAB_SIZE). */
#define NVSP_SEND_TAB_SIZE 16u

struct nvsp_init {
	uint32_t min_ver;
	uint32_t max_ver;
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_init) == 8, "nvsp_message_init");

struct nvsp_init_complete {
	uint32_t negotiated_ver;
	uint32_t max_mdl_chain_len;
	uint32_t status;
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_init_complete) == 12,
	       "nvsp_message_init_complete");

struct nvsp_ndis_ver {
	uint32_t major;
	uint32_t minor;
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_ndis_ver) == 8, "send_ndis_version");

/* SEND_RECV_BUF and SEND_SEND_BUF. */
struct nvsp_send_buf {
	uint32_t gpadl_handle;
	uint16_t id;
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_send_buf) == 6, "send_receive_buffer");

struct nvsp_recv_section {
	uint32_t offset;
	uint32_t sub_alloc_size;
	uint32_t num_sub_allocs;
	uint32_t end_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_recv_section) == 16,
	       "nvsp_1_receive_buffer_section");

struct nvsp_recv_buf_complete {
	uint32_t status;
	uint32_t num_sections;
	struct nvsp_recv_section section; /* Linux requires exactly one */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_recv_buf_complete) == 24,
	       "send_receive_buffer_complete");

struct nvsp_send_buf_complete {
	uint32_t status;
	uint32_t section_size;
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_send_buf_complete) == 8,
	       "send_send_buffer_complete");

struct nvsp_revoke_buf {
	uint16_t id;
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_revoke_buf) == 2, "revoke_buffer");

struct nvsp_rndis_pkt {
	uint32_t channel_type;
	uint32_t section_index;
	uint32_t section_size;
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_rndis_pkt) == 12, "send_rndis_packet");

struct nvsp_rndis_pkt_complete {
	uint32_t status;
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_rndis_pkt_complete) == 4,
	       "send_rndis_packet_complete");

/* NDIS config capability bits (Linux struct nvsp_2_vsc_capability). */
#define NVSP_CAP_VMQ        (1ull << 0)
#define NVSP_CAP_CHIMNEY    (1ull << 1)
#define NVSP_CAP_SRIOV      (1ull << 2)
#define NVSP_CAP_IEEE8021Q  (1ull << 3)
#define NVSP_CAP_CORRELATION (1ull << 4)
#define NVSP_CAP_TEAMING    (1ull << 5)
#define NVSP_CAP_RSC        (1ull << 8)

struct nvsp_ndis_config {
	uint32_t mtu;
	uint32_t reserved;
	uint64_t capability;
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_ndis_config) == 16, "send_ndis_config");

/* SUBCHANNEL request op (Linux enum nvsp_subchannel_operation). */
#define NVSP_SUBCHANNEL_ALLOCATE 1u

struct nvsp_subchannel {
	uint32_t op_or_status; /* request: op; complete: status */
	uint32_t num_subchannels;
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_subchannel) == 8, "subchannel req/comp");

struct nvsp_send_table {
	uint32_t count;
	uint32_t offset; /* of the table, from the start of the message */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_send_table) == 8, "send_indirect_table");

/* Size of every message as Linux sends it: the 4-byte type and the largest
 * body (union nvsp_6_message_uber, 36 bytes). */
#define NVSP_MSG_SIZE 40u

struct nvsp_msg {
	uint32_t type;
	union {
		struct nvsp_init init;
		struct nvsp_init_complete init_complete;
		struct nvsp_ndis_ver ndis_ver;
		struct nvsp_send_buf send_buf;
		struct nvsp_recv_buf_complete recv_buf_complete;
		struct nvsp_send_buf_complete send_buf_complete;
		struct nvsp_revoke_buf revoke;
		struct nvsp_rndis_pkt rndis_pkt;
		struct nvsp_rndis_pkt_complete rndis_pkt_complete;
		struct nvsp_ndis_config ndis_config;
		struct nvsp_subchannel subchannel;
		struct nvsp_send_table send_table;
		uint8_t pad[NVSP_MSG_SIZE - 4];
	};
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_msg) == NVSP_MSG_SIZE, "nvsp_message");

/* The indirection-table message: a full message then the table, so the
 * table sits at offset NVSP_MSG_SIZE (where Linux looks for it on
 * versions <= 6 whatever the offset says, netvsc_send_table()). */
struct nvsp_send_table_msg {
	struct nvsp_msg msg;
	uint32_t table[NVSP_SEND_TAB_SIZE];
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_send_table_msg) == 104,
	       "indirection table message");

#endif /* NVSP_WIRE_H */
