/*
 * VMBus channel-management messages, as carried in HvPostMessage payloads
 * (at most 240 bytes, TLFS "HvPostMessage"; HV_MESSAGE_PAYLOAD_BYTE_COUNT).
 * Layouts are the wire layouts of include/linux/hyperv.h (struct
 * vmbus_channel_*), checked by size asserts below. All fields little endian.
 */
#ifndef VMBUS_MSG_H
#define VMBUS_MSG_H

#include <stddef.h>
#include <stdint.h>

#define VMBUS_MSG_MAX 240u  /* HvPostMessage payload limit (TLFS) */
/* SynIC message type that carries VMBus channel messages (HVMSG_*: 1). */
#define VMBUS_HVMSG_CHANNEL 1u
/* Connection ids: INITIATE_CONTACT for 5.x goes to 4; older versions use 1
 * (Linux VMBUS_MESSAGE_CONNECTION_ID{,_4}). */
#define VMBUS_CONNID_MESSAGE   1u
#define VMBUS_CONNID_MESSAGE_4 4u
#define VMBUS_MSG_SINT 2u   /* SINT the host posts to (VMBUS_MESSAGE_SINT) */

/* Protocol versions (Linux VERSION_*): major << 16 | minor. */
#define VMBUS_VERSION_WIN8     0x00020004u
#define VMBUS_VERSION_WIN8_1   0x00030000u
#define VMBUS_VERSION_WIN10    0x00040000u
#define VMBUS_VERSION_WIN10_41 0x00040001u
#define VMBUS_VERSION_V5_0     0x00050000u
#define VMBUS_VERSION_V5_1     0x00050001u
#define VMBUS_VERSION_V5_2     0x00050002u
#define VMBUS_VERSION_V5_3     0x00050003u

enum vmbus_msg_type {
	VMBUS_MSG_INVALID = 0,
	VMBUS_MSG_OFFERCHANNEL = 1,
	VMBUS_MSG_RESCIND_OFFER = 2,
	VMBUS_MSG_REQUESTOFFERS = 3,
	VMBUS_MSG_ALLOFFERS_DELIVERED = 4,
	VMBUS_MSG_OPENCHANNEL = 5,
	VMBUS_MSG_OPENCHANNEL_RESULT = 6,
	VMBUS_MSG_CLOSECHANNEL = 7,
	VMBUS_MSG_GPADL_HEADER = 8,
	VMBUS_MSG_GPADL_BODY = 9,
	VMBUS_MSG_GPADL_CREATED = 10,
	VMBUS_MSG_GPADL_TEARDOWN = 11,
	VMBUS_MSG_GPADL_TORNDOWN = 12,
	VMBUS_MSG_RELID_RELEASED = 13,
	VMBUS_MSG_INITIATE_CONTACT = 14,
	VMBUS_MSG_VERSION_RESPONSE = 15,
	VMBUS_MSG_UNLOAD = 16,
	VMBUS_MSG_UNLOAD_RESPONSE = 17,
	/* 18-21 and 23 are not served (Linux: CHANNELMSG_18..20, the
	 * hv_sock transport's TL_CONNECT_REQUEST and _RESULT). */
	VMBUS_MSG_MODIFYCHANNEL = 22,
	VMBUS_MSG_MODIFYCHANNEL_RESPONSE = 24,
	VMBUS_MSG_COUNT = 25,
};

struct vmbus_guid {
	uint8_t b[16];  /* wire order (mixed-endian as in the GUID struct) */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_guid) == 16, "guid_t");

struct vmbus_msg_hdr {
	uint32_t msgtype;
	uint32_t padding;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_hdr) == 8, "vmbus_channel_message_header");

/* struct vmbus_channel_offer */
struct vmbus_offer {
	struct vmbus_guid if_type;
	struct vmbus_guid if_instance;
	uint64_t reserved1;
	uint64_t reserved2;
	uint16_t chn_flags;
	uint16_t mmio_megabytes;
	uint8_t user_def[120];    /* MAX_USER_DEFINED_BYTES */
	uint16_t sub_channel_index;
	uint16_t reserved3;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_offer) == 176, "vmbus_channel_offer");

/* OFFERCHANNEL (1). flags8 bit 0 = monitor_allocated; flags16 bit 0 =
 * is_dedicated_interrupt (bitfields in Linux; masks here). */
struct vmbus_msg_offer {
	struct vmbus_msg_hdr hdr;
	struct vmbus_offer offer;
	uint32_t child_relid;
	uint8_t monitorid;
	uint8_t flags8;
	uint16_t flags16;
	uint32_t connection_id;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_offer) == 196, "offer_channel");
#define VMBUS_OFFER_MONITOR_ALLOCATED 0x01u
#define VMBUS_OFFER_DEDICATED_INTR    0x0001u

/* RESCIND_OFFER (2), CLOSECHANNEL (7), RELID_RELEASED (13). */
struct vmbus_msg_relid {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_relid) == 12, "rescind/close/released");

/* MODIFYCHANNEL (22): the guest moves an open channel's interrupts to
 * another VP (Linux vmbus_send_modifychannel, from protocol 4.1); from
 * 5.3 on the host answers MODIFYCHANNEL_RESPONSE (24) with an NTSTATUS
 * (Linux vmbus_onmodifychannel_response). */
struct vmbus_msg_modify {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;
	uint32_t target_vp;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_modify) == 16, "modifychannel");

struct vmbus_msg_modify_response {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;
	uint32_t status;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_modify_response) == 16, "modifychannel_response");

/* OPENCHANNEL (5) */
struct vmbus_msg_open {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;
	uint32_t openid;
	uint32_t ring_gpadl;
	uint32_t target_vp;
	uint32_t downstream_page_offset;  /* pages of the guest's send ring */
	uint8_t userdata[120];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_open) == 148, "open_channel");

/* OPENCHANNEL_RESULT (6) */
struct vmbus_msg_open_result {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;
	uint32_t openid;
	uint32_t status;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_open_result) == 20, "open_result");

/* struct gpa_range; pfn_array follows. */
struct vmbus_gpa_range {
	uint32_t byte_count;
	uint32_t byte_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_gpa_range) == 8, "gpa_range");

/* GPADL_HEADER (8): range_buflen covers the ranges with their PFNs. */
struct vmbus_msg_gpadl_header {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;
	uint32_t gpadl;
	uint16_t range_buflen;
	uint16_t rangecount;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_header) == 20, "gpadl_header");
#define VMBUS_GPADL_HEADER_MAX_PFNS \
	((VMBUS_MSG_MAX - sizeof(struct vmbus_msg_gpadl_header) - \
	  sizeof(struct vmbus_gpa_range)) / 8)
_Static_assert(VMBUS_GPADL_HEADER_MAX_PFNS == 26, "26 PFNs in a header");

/* GPADL_BODY (9): PFNs follow. */
struct vmbus_msg_gpadl_body {
	struct vmbus_msg_hdr hdr;
	uint32_t msgnumber;
	uint32_t gpadl;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_body) == 16, "gpadl_body");
#define VMBUS_GPADL_BODY_MAX_PFNS \
	((VMBUS_MSG_MAX - sizeof(struct vmbus_msg_gpadl_body)) / 8)
_Static_assert(VMBUS_GPADL_BODY_MAX_PFNS == 28, "28 PFNs in a body");

/* GPADL_CREATED (10) */
struct vmbus_msg_gpadl_created {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;
	uint32_t gpadl;
	uint32_t creation_status;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_created) == 20, "gpadl_created");

/* GPADL_TEARDOWN (11) */
struct vmbus_msg_gpadl_teardown {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;
	uint32_t gpadl;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_teardown) == 16, "gpadl_teardown");

/* GPADL_TORNDOWN (12) */
struct vmbus_msg_gpadl_torndown {
	struct vmbus_msg_hdr hdr;
	uint32_t gpadl;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_torndown) == 12, "gpadl_torndown");

/* INITIATE_CONTACT (14). For 5.x the first byte of interrupt_page is
 * msg_sint (the SINT the host must post to). */
struct vmbus_msg_initiate {
	struct vmbus_msg_hdr hdr;
	uint32_t version;
	uint32_t target_vcpu;
	uint64_t interrupt_page;  /* or msg_sint in byte 0 for >= 5.0 */
	uint64_t monitor_page1;
	uint64_t monitor_page2;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_initiate) == 40, "initiate_contact");

/* VERSION_RESPONSE (15) */
struct vmbus_msg_version_response {
	struct vmbus_msg_hdr hdr;
	uint8_t version_supported;
	uint8_t connection_state;
	uint16_t padding;
	uint32_t msg_conn_id;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_version_response) == 16, "version_resp");

/* REQUESTOFFERS, ALLOFFERS_DELIVERED, UNLOAD, UNLOAD_RESPONSE: header only. */

/* A GPADL holds at most (0xFFFF - 8) / 8 = 8190 PFNs: range_buflen is 16
 * bits and covers them all (single range). */
#define VMBUS_GPADL_MAX_PFNS 8190u

/* Device class GUIDs (hyperv-notes.md; Linux include/linux/hyperv.h). */
#define VMBUS_GUID_SCSI      "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f"
#define VMBUS_GUID_NIC       "f8615163-df3e-46c5-913f-f2d2f965ed0e"
#define VMBUS_GUID_IDE       "32412632-86cb-44a2-9b5c-50d1417354f5"
#define VMBUS_GUID_SHUTDOWN  "0e0b6031-5213-4934-818b-38d90ced39db"
#define VMBUS_GUID_TIMESYNC  "9527e630-d0ae-497b-adce-e80ab0175caf"
#define VMBUS_GUID_HEARTBEAT "57164f39-9115-4e78-ab55-382f3bd5422d"
/* hvpart's own test device: every packet comes back as it was sent
 * (partition/vsp/vsp_echo.c, tests/guests/vsc). Not Hyper-V's. */
#define VMBUS_GUID_HVPART_ECHO "adce65d1-d48c-4b3d-bc24-1715009cad18"

/* Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into wire order: the first
 * three fields little endian, the last eight bytes as written (the
 * Windows GUID / Linux guid_t layout). Returns 0 or -EINVAL. */
int vmbus_guid_parse(const char *text, struct vmbus_guid *out);

/* Checks a received message: length against the fixed size for its type,
 * known type, and the GPADL header's internal lengths. Returns the type
 * (> 0) or a negative errno with *why set to a human reason. */
int vmbus_msg_validate(const void *buf, size_t len, const char **why);

/* Name of a message type for logs ("?" if unknown). */
const char *vmbus_msg_name(uint32_t type);

/* GPADL header facts decoded from a validated GPADL_HEADER. */
struct vmbus_gpadl_hdr_info {
	uint32_t child_relid;
	uint32_t gpadl;
	uint32_t byte_count;
	uint32_t byte_offset;
	uint32_t total_pfns;  /* the whole GPADL */
	uint32_t pfns_here;   /* carried by this header message */
	const uint8_t *pfns;  /* unaligned little-endian u64s inside the msg */
};

/* Decodes a GPADL_HEADER (validate first). Single-range GPADLs only, as
 * Linux and Windows send; multi-range ones are refused (-EOPNOTSUPP). */
int vmbus_msg_gpadl_header_decode(const void *buf, size_t len,
				  struct vmbus_gpadl_hdr_info *out,
				  const char **why);

/* Builds a GPADL_HEADER for a GPADL of npfn pages (byte_count bytes from
 * offset 0), carrying as many PFNs as fit. *used = PFNs consumed. Returns
 * the message length or a negative errno. */
int vmbus_msg_gpadl_header_build(void *buf, uint32_t relid, uint32_t gpadl,
				 const uint64_t *pfns, uint32_t npfn,
				 uint32_t byte_count, uint32_t *used);

/* Builds a GPADL_BODY carrying up to 28 of the remaining PFNs. */
int vmbus_msg_gpadl_body_build(void *buf, uint32_t msgnumber, uint32_t gpadl,
			       const uint64_t *pfns, uint32_t npfn,
			       uint32_t *used);

/* Number of PFNs carried by a validated GPADL_BODY of length len. */
uint32_t vmbus_msg_gpadl_body_count(size_t len);

/* Reads PFN i of a little-endian, possibly unaligned, array. */
uint64_t vmbus_msg_pfn_at(const uint8_t *pfns, uint32_t i);

/* True if version is one the protocol defines (0x20004 .. 0x50003). */
int vmbus_msg_version_known(uint32_t version);

#endif /* VMBUS_MSG_H */
