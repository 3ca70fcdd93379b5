/*
 * VSTOR: the storage protocol Hyper-V's storvsp speaks with a guest's
 * storvsc over a VMBus channel (SCSI controller and IDE accelerator).
 * Layouts as Linux drivers/scsi/storvsc_drv.c declares them (struct
 * vstor_packet, vmscsi_request with the Windows 8 extension,
 * vmstorage_channel_properties, vmstorage_protocol_version,
 * hv_fc_wwn_packet); statuses as OpenVMM's storvsp answers them. The
 * one header for VSTOR wire structures (docs/ARCHITECTURE.md, "Where
 * does a new X go": hardware or wire structure).
 */
#ifndef STORAGE_STORVSP_VSTOR_H
#define STORAGE_STORVSP_VSTOR_H

#include <stddef.h>
#include <stdint.h>

/* Channel type GUIDs (Linux include/linux/hyperv.h HV_SCSI_GUID,
 * HV_IDE_GUID). Same protocol; the IDE accelerator serves the one disk of
 * an emulated IDE location (see storvsp.h, STORVSP_KIND_IDE). */
#define VSTOR_SCSI_GUID_STR "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f"
#define VSTOR_IDE_GUID_STR "32412632-86cb-44a2-9b5c-50d1417354f5"

/* Protocol versions: major << 8 | minor (storvsc_drv.c's history). */
#define VSTOR_VERSION_WIN6 0x0200u    /* Windows Server 2008 */
#define VSTOR_VERSION_WIN7 0x0402u    /* Windows Server 2008 R2 */
#define VSTOR_VERSION_WIN8 0x0501u    /* Windows Server 2012 */
#define VSTOR_VERSION_WIN8_1 0x0600u  /* Windows Server 2012 R2 */
#define VSTOR_VERSION_WIN10 0x0602u   /* Windows Server 2016 */

/* enum vstor_packet_operation */
enum vstor_op {
	VSTOR_OP_COMPLETE_IO = 1,
	VSTOR_OP_REMOVE_DEVICE = 2,
	VSTOR_OP_EXECUTE_SRB = 3,
	VSTOR_OP_RESET_LUN = 4,
	VSTOR_OP_RESET_ADAPTER = 5,
	VSTOR_OP_RESET_BUS = 6,
	VSTOR_OP_BEGIN_INIT = 7,
	VSTOR_OP_END_INIT = 8,
	VSTOR_OP_QUERY_PROTOCOL_VERSION = 9,
	VSTOR_OP_QUERY_PROPERTIES = 10,
	VSTOR_OP_ENUMERATE_BUS = 11,
	VSTOR_OP_FCHBA_DATA = 12,
	VSTOR_OP_CREATE_SUB_CHANNELS = 13,
	VSTOR_OP_COUNT = 14,
};

/* vstor_packet.flags: the guest wants a COMPLETE_IO back. */
#define VSTOR_FLAG_REQUEST_COMPLETION 0x1u

/* NTSTATUS values in vstor_packet.status (0 is success). */
#define VSTOR_STATUS_SUCCESS 0x00000000u
#define VSTOR_STATUS_INVALID_PARAMETER 0xC000000Du
#define VSTOR_STATUS_REVISION_MISMATCH 0xC0000059u
#define VSTOR_STATUS_NOT_SUPPORTED 0xC00000BBu
#define VSTOR_STATUS_INVALID_DEVICE_STATE 0xC0000184u

/* vmscsi_request.data_in */
#define VSTOR_DATA_WRITE 0u   /* guest to device */
#define VSTOR_DATA_READ 1u    /* device to guest */
#define VSTOR_DATA_UNKNOWN 2u /* no data */

/* SRB status: low 6 bits a code, two flag bits. */
#define SRB_STATUS_SUCCESS 0x01u
#define SRB_STATUS_ABORTED 0x02u
#define SRB_STATUS_ERROR 0x04u
#define SRB_STATUS_INVALID_REQUEST 0x06u
#define SRB_STATUS_DATA_OVERRUN 0x12u
#define SRB_STATUS_INVALID_LUN 0x20u
#define SRB_STATUS_INTERNAL_ERROR 0x30u
#define SRB_STATUS_QUEUE_FROZEN 0x40u
#define SRB_STATUS_AUTOSENSE_VALID 0x80u

/* SRB flags in the Windows 8 extension (informational to us). */
#define SRB_FLAGS_DATA_IN 0x40u
#define SRB_FLAGS_DATA_OUT 0x80u

#define VSTOR_CDB_MAX 16u
#define VSTOR_SENSE_MAX 20u   /* STORVSC_SENSE_BUFFER_SIZE since Windows 8 */

/* Windows 8 extension of vmscsi_request (absent before protocol 5.1). */
struct vstor_win8_ext {
	uint16_t reserve;
	uint8_t queue_tag;
	uint8_t queue_action;
	uint32_t srb_flags;
	uint32_t time_out_value;
	uint32_t queue_sort_key;
} __attribute__((packed));
_Static_assert(sizeof(struct vstor_win8_ext) == 16, "vmscsi_win8_extension");

/* struct vmscsi_request */
struct vstor_srb {
	uint16_t length;
	uint8_t srb_status;
	uint8_t scsi_status;
	uint8_t port_number;
	uint8_t path_id;
	uint8_t target_id;
	uint8_t lun;
	uint8_t cdb_length;
	uint8_t sense_info_length;
	uint8_t data_in;
	uint8_t reserved;
	uint32_t data_transfer_length;
	union {
		uint8_t cdb[VSTOR_CDB_MAX];
		uint8_t sense_data[VSTOR_SENSE_MAX];
	};
	struct vstor_win8_ext win8;
} __attribute__((packed));
_Static_assert(sizeof(struct vstor_srb) == 52, "vmscsi_request");
_Static_assert(offsetof(struct vstor_srb, cdb) == 16, "cdb at 16");
_Static_assert(offsetof(struct vstor_srb, win8) == 36, "win8 extension at 36");

/* struct vmstorage_channel_properties */
#define VSTOR_PROP_MULTI_CHANNEL 0x1u
struct vstor_properties {
	uint32_t reserved;
	uint16_t max_channel_cnt;
	uint16_t reserved1;
	uint32_t flags;
	uint32_t max_transfer_bytes;
	uint64_t reserved2;
} __attribute__((packed));
_Static_assert(sizeof(struct vstor_properties) == 24,
	       "vmstorage_channel_properties");

/* struct vmstorage_protocol_version */
struct vstor_version {
	uint16_t major_minor;
	uint16_t revision;
} __attribute__((packed));
_Static_assert(sizeof(struct vstor_version) == 4, "vmstorage_protocol_version");

/* struct hv_fc_wwn_packet */
struct vstor_fc_wwn {
	uint8_t primary_active;
	uint8_t reserved1[3];
	uint8_t primary_port_wwn[8];
	uint8_t primary_node_wwn[8];
	uint8_t secondary_port_wwn[8];
	uint8_t secondary_node_wwn[8];
} __attribute__((packed));
_Static_assert(sizeof(struct vstor_fc_wwn) == 36, "hv_fc_wwn_packet");

/* struct vstor_packet: 64 bytes from protocol 5.1 on; 48 before (the
 * Windows 8 extension of vm_srb is left off the wire, Linux's former
 * vmscsi_size_delta). */
struct vstor_packet {
	uint32_t operation;
	uint32_t flags;
	uint32_t status;
	union {
		struct vstor_srb srb;
		struct vstor_properties props;
		struct vstor_version version;
		struct vstor_fc_wwn wwn;
		uint16_t sub_channel_count;
		uint8_t buffer[0x34];
	};
} __attribute__((packed));
_Static_assert(sizeof(struct vstor_packet) == 64, "vstor_packet");
#define VSTOR_PACKET_SIZE 64u
#define VSTOR_PACKET_SIZE_PRE_WIN8 (64u - 16u)

#endif /* STORAGE_STORVSP_VSTOR_H */
