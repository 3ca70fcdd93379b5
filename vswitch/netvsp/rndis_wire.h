/* rndis_wire.h: Remote NDIS messages as Hyper-V's synthetic NIC carries
 * them inside NVSP SEND_RNDIS_PKT (guest to host: send buffer or page
 * buffers; host to guest: receive-buffer sections named by transfer-page
 * packets).
 *
 * Layouts: [MS-RNDIS] 2.2, as Linux declares them in
 * drivers/net/hyperv/hyperv_net.h; OIDs and status codes from
 * include/linux/rndis.h and hyperv_net.h; the NDIS offload object from
 * hyperv_net.h struct ndis_offload. Offsets inside a message body count
 * from the start of the body (after the 8-byte header). Little endian.
 */
#ifndef RNDIS_WIRE_H
#define RNDIS_WIRE_H

#include <stdint.h>

/* Message types ([MS-RNDIS] 2.2; completions have bit 31 set). */
#define RNDIS_MSG_PACKET      0x00000001u
#define RNDIS_MSG_INIT        0x00000002u
#define RNDIS_MSG_HALT        0x00000003u
#define RNDIS_MSG_QUERY       0x00000004u
#define RNDIS_MSG_SET         0x00000005u
#define RNDIS_MSG_RESET       0x00000006u
#define RNDIS_MSG_INDICATE    0x00000007u
#define RNDIS_MSG_KEEPALIVE   0x00000008u
#define RNDIS_MSG_COMPLETION  0x80000000u

/* Status codes (include/linux/rndis.h). */
#define RNDIS_STATUS_SUCCESS          0x00000000u
#define RNDIS_STATUS_FAILURE          0xC0000001u
#define RNDIS_STATUS_NOT_SUPPORTED    0xC00000BBu
#define RNDIS_STATUS_INVALID_LENGTH   0xC0010014u
#define RNDIS_STATUS_INVALID_DATA     0xC0010015u
#define RNDIS_STATUS_BUFFER_TOO_SHORT 0xC0010016u
#define RNDIS_STATUS_MEDIA_CONNECT    0x4001000Bu
#define RNDIS_STATUS_MEDIA_DISCONNECT 0x4001000Cu

/* OIDs (include/linux/rndis.h, hyperv_net.h). */
#define OID_GEN_SUPPORTED_LIST        0x00010101u
#define OID_GEN_HARDWARE_STATUS       0x00010102u
#define OID_GEN_MEDIA_SUPPORTED       0x00010103u
#define OID_GEN_MEDIA_IN_USE          0x00010104u
#define OID_GEN_MAXIMUM_FRAME_SIZE    0x00010106u
#define OID_GEN_LINK_SPEED            0x00010107u
#define OID_GEN_CURRENT_PACKET_FILTER 0x0001010Eu
#define OID_GEN_MAXIMUM_TOTAL_SIZE    0x00010111u
#define OID_GEN_MAC_OPTIONS           0x00010113u
#define OID_GEN_MEDIA_CONNECT_STATUS  0x00010114u
#define OID_GEN_VENDOR_DRIVER_VERSION 0x00010116u
#define OID_GEN_RECEIVE_SCALE_CAPABILITIES 0x00010203u
#define OID_GEN_RECEIVE_SCALE_PARAMETERS   0x00010204u
#define OID_GEN_XMIT_OK               0x00020101u
#define OID_GEN_RCV_OK                0x00020102u
#define OID_GEN_RNDIS_CONFIG_PARAMETER 0x0001021Bu
#define OID_802_3_PERMANENT_ADDRESS   0x01010101u
#define OID_802_3_CURRENT_ADDRESS     0x01010102u
#define OID_802_3_MULTICAST_LIST      0x01010103u
#define OID_802_3_MAXIMUM_LIST_SIZE   0x01010104u
#define OID_OFFLOAD_ENCAPSULATION     0x0101010Au
#define OID_TCP_OFFLOAD_CURRENT_CONFIG 0xFC01020Bu
#define OID_TCP_OFFLOAD_PARAMETERS    0xFC01020Cu
#define OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES 0xFC01020Du

/* OID_GEN_CURRENT_PACKET_FILTER bits (NDIS_PACKET_TYPE_*). */
#define NDIS_PACKET_TYPE_DIRECTED      0x0001u
#define NDIS_PACKET_TYPE_MULTICAST     0x0002u
#define NDIS_PACKET_TYPE_ALL_MULTICAST 0x0004u
#define NDIS_PACKET_TYPE_BROADCAST     0x0008u
#define NDIS_PACKET_TYPE_PROMISCUOUS   0x0020u

/* INIT_COMPLETE fields. */
#define RNDIS_DF_CONNECTIONLESS 0x00000001u
#define RNDIS_MEDIUM_802_3      0x00000000u
#define RNDIS_MAJOR 1u
#define RNDIS_MINOR 0u

/* Per-packet info types (Linux enum ndis_per_pkt_info_type; the hash
 * value, NBL_HASH_VALUE, reuses PACKET_CANCEL_ID's number). */
#define RNDIS_PPI_CHECKSUM   0u
#define RNDIS_PPI_LSO        2u
#define RNDIS_PPI_8021Q      6u
#define RNDIS_PPI_HASH_VALUE 8u
#define RNDIS_PPI_INTERNAL   0x80000000u /* bit 31 of the type word */

#define NDIS_OBJECT_TYPE_OFFLOAD 0xA7u
/* Receive-side scaling objects (NDIS 6.20 NDIS_RECEIVE_SCALE_
 * CAPABILITIES and _PARAMETERS; Linux hyperv_net.h, struct
 * ndis_recv_scale_cap and ndis_recv_scale_param). */
#define NDIS_OBJECT_TYPE_RSS_CAPABILITIES 0x88u
#define NDIS_OBJECT_TYPE_RSS_PARAMETERS   0x89u
#define NDIS_RSS_CAPS_REVISION_2          2u
#define NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV4  0x00000100u
#define NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV6  0x00000200u
#define NDIS_RSS_PARAM_FLAG_BASE_CPU_UNCHANGED  0x0001u
#define NDIS_RSS_PARAM_FLAG_HASH_INFO_UNCHANGED 0x0002u
#define NDIS_RSS_PARAM_FLAG_ITABLE_UNCHANGED    0x0004u
#define NDIS_RSS_PARAM_FLAG_HASH_KEY_UNCHANGED  0x0008u
#define NDIS_RSS_PARAM_FLAG_DISABLE_RSS         0x0010u
#define NDIS_HASH_FUNC_MASK     0x000000ffu
#define NDIS_HASH_FUNC_TOEPLITZ 0x00000001u
#define NDIS_HASH_IPV4          0x00000100u
#define NDIS_HASH_TCP_IPV4      0x00000200u
#define NDIS_HASH_IPV6          0x00000400u
#define NDIS_HASH_TCP_IPV6      0x00001000u
#define NDIS_OFFLOAD_REVISION_1 1u

struct rndis_hdr {
	uint32_t type;
	uint32_t msg_len; /* whole message, this header included */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_hdr) == 8, "rndis message header");

struct rndis_init_req {
	uint32_t req_id;
	uint32_t major;
	uint32_t minor;
	uint32_t max_xfer_size;
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_init_req) == 16, "rndis_initialize_request");

struct rndis_init_comp {
	uint32_t req_id;
	uint32_t status;
	uint32_t major;
	uint32_t minor;
	uint32_t dev_flags;
	uint32_t medium;
	uint32_t max_pkt_per_msg;
	uint32_t max_xfer_size;
	uint32_t pkt_align_factor; /* log2 of the alignment */
	uint32_t af_list_offset;
	uint32_t af_list_size;
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_init_comp) == 44, "rndis_initialize_complete");

/* OID_GEN_RNDIS_CONFIG_PARAMETER's information buffer ([MS-RNDIS]
 * "Setting Device-Specific Parameters"; Linux hyperv_net.h struct
 * rndis_config_parameter_info): offsets from the start of this header,
 * the name and a string value in UTF-16LE. hv_netvsc sets
 * "NetworkAddress" to 12 hex digits to change the NIC's address
 * (rndis_filter.c, rndis_filter_set_device_mac). */
struct rndis_config_param {
	uint32_t name_off;
	uint32_t name_len;
	uint32_t type;
	uint32_t value_off;
	uint32_t value_len;
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_config_param) == 20, "rndis_config_parameter_info");
#define RNDIS_CONFIG_PARAM_STRING 2u

/* QUERY and SET requests share this layout. */
struct rndis_oid_req {
	uint32_t req_id;
	uint32_t oid;
	uint32_t info_len;
	uint32_t info_off;
	uint32_t dev_vc_handle;
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_oid_req) == 20, "rndis_query/set_request");

struct rndis_query_comp {
	uint32_t req_id;
	uint32_t status;
	uint32_t info_len;
	uint32_t info_off;
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_query_comp) == 16, "rndis_query_complete");

/* SET_COMPLETE and KEEPALIVE_COMPLETE. */
struct rndis_status_comp {
	uint32_t req_id;
	uint32_t status;
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_status_comp) == 8, "rndis_set_complete");

struct rndis_reset_comp {
	uint32_t status;
	uint32_t addressing_reset;
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_reset_comp) == 8, "rndis_reset_complete");

struct rndis_indicate {
	uint32_t status;
	uint32_t buf_len;
	uint32_t buf_off;
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_indicate) == 12, "rndis_indicate_status");

struct rndis_packet {
	uint32_t data_off;
	uint32_t data_len;
	uint32_t oob_off;
	uint32_t oob_len;
	uint32_t num_oob;
	uint32_t ppi_off;
	uint32_t ppi_len;
	uint32_t vc_handle;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_packet) == 36, "rndis_packet");

/* Per-packet info element; ppi_off counts from the element's start. */
struct rndis_ppi {
	uint32_t size;
	uint32_t type; /* bit 31: internal */
	uint32_t ppi_off;
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_ppi) == 12, "rndis_per_packet_info");

/* The NBL_HASH_VALUE element a host puts in a received RNDIS_PACKET: the
 * element header (type RNDIS_PPI_HASH_VALUE, not internal, ppi_off 12)
 * and the frame's 32-bit RSS hash. Linux's rndis_filter_receive_data()
 * looks it up with rndis_get_ppi(), which wants at least 4 bytes after
 * ppi_off, and hands the value to skb_set_hash() (netvsc_drv.c,
 * netvsc_alloc_recv_skb()). */
struct rndis_ppi_hash {
	struct rndis_ppi hdr;
	uint32_t value;
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_ppi_hash) == 16, "NDIS_HASH_PPI_SIZE");

/* IEEE_8021Q_INFO value (Linux struct ndis_pkt_8021q_info): priority in
 * bits 0..2, CFI bit 3, VLAN id bits 4..15. */
#define RNDIS_8021Q_PRI(v)  ((v) & 0x7u)
#define RNDIS_8021Q_VID(v)  (((v) >> 4) & 0xFFFu)

/* The NDIS 6.0 offload object (hyperv_net.h struct ndis_offload up to
 * ipsecv2, NDIS_OFFLOAD_SIZE_6_0): header, checksum (8 words), LSOv1 (4),
 * IPsecv1 (7), LSOv2 (7), flags. All zero past the header: no offload. */
struct ndis_obj_hdr {
	uint8_t type;
	uint8_t revision;
	uint16_t size;
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_obj_hdr) == 4, "ndis_object_header");

struct ndis_offload_6_0 {
	struct ndis_obj_hdr hdr;
	uint32_t csum[8];
	uint32_t lsov1[4];
	uint32_t ipsecv1[7];
	uint32_t lsov2[7];
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_offload_6_0) == 112, "NDIS_OFFLOAD_SIZE_6_0");

/* OID_GEN_RECEIVE_SCALE_CAPABILITIES' answer: Linux refuses one longer
 * than its struct (rndis_filter_query_device()). */
struct ndis_rss_caps {
	struct ndis_obj_hdr hdr;
	uint32_t cap_flag;
	uint32_t num_int_msg;
	uint32_t num_recv_que;
	uint16_t num_indirect_tabent;
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_rss_caps) == 18, "ndis_recv_scale_cap");

/* OID_GEN_RECEIVE_SCALE_PARAMETERS' information buffer; offsets from
 * its start, sizes in bytes, the table entries 32-bit. Natural
 * alignment, as Linux declares it (not packed). */
struct ndis_rss_params {
	struct ndis_obj_hdr hdr;
	uint16_t flag;
	uint16_t base_cpu_number;
	uint32_t hashinfo;
	uint16_t indirect_tabsize;
	uint16_t pad0;
	uint32_t indirect_taboffset;
	uint16_t hashkey_size;
	uint16_t pad1;
	uint32_t hashkey_offset;
	uint32_t processor_masks_offset;
	uint32_t num_processor_masks;
	uint32_t processor_masks_entry_size;
};
_Static_assert(sizeof(struct ndis_rss_params) == 40, "ndis_recv_scale_param");

#define RNDIS_HDR_SIZE 8u
/* Header plus rndis_packet: where a host-built frame starts. */
#define RNDIS_PKT_HDR_SIZE (RNDIS_HDR_SIZE + 36u)

#endif /* RNDIS_WIRE_H */
