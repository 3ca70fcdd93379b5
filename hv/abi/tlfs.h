/*
 * Hyper-V TLFS wire structures and register layouts for the SynIC, its
 * messages and event flags, ports and connections, and partition
 * reference time. Shared by hv and the parent (which creates the ports).
 *
 * Sources (the TLFS pages are in MicrosoftDocs/Virtualization-Documentation,
 * virtualization/hyper-v-on-windows/tlfs/; "Linux" is torvalds/linux):
 *   [IPC]    inter-partition-communication.md (SynIC MSRs, SIM/SIEF pages)
 *   [MSG]    datatypes/hv_message.md; Linux include/hyperv/hvgdk_mini.h
 *   [TIMERS] timers.md; datatypes/hv_timer_message_payload.md
 *   [MISC]   feature-discovery.md (CPUID 0x40000003 EDX bit 10); Linux
 *            include/hyperv/hvgdk_mini.h (HV_X64_MSR_CRASH_*)
 *   [PORT]   datatypes/hv_port_info.md, hv_connection_id.md,
 *            hypercalls/HvCall{CreatePort,ConnectPort,DeletePort,
 *            DisconnectPort,PostMessage,SignalEvent}.md;
 *            Linux include/hyperv/hvhdk.h (struct hv_port_info,
 *            struct hv_connection_info)
 * All fields are little-endian; every structure has its size asserted.
 * Status codes live with the others in hvpart_abi.h.
 */
#ifndef HV_ABI_TLFS_H
#define HV_ABI_TLFS_H
#include <stdint.h>

/* ---- SynIC MSRs [IPC "SynIC MSRs"] ---- */
#define HV_MSR_SCONTROL          0x40000080
#define HV_MSR_SVERSION          0x40000081
#define HV_MSR_SIEFP             0x40000082
#define HV_MSR_SIMP              0x40000083
#define HV_MSR_EOM               0x40000084
#define HV_MSR_SINT0             0x40000090
#define HV_MSR_SINT15            0x4000009f
#define HV_MSR_VP_ASSIST_PAGE    0x40000073

/* ---- Guest crash registers [MISC] ----
 * P0-P4 hold what the guest reports (Linux: error, guest id, RIP, RAX,
 * RSP; drivers/hv/vmbus_drv.c hyperv_report_panic); writing CrashNotify
 * to CRASH_CTL says the guest crashed, and reading CRASH_CTL gives the
 * notifications the hypervisor supports. CPUID 0x40000003 EDX bit 10
 * advertises them. */
#define HV_MSR_CRASH_P0          0x40000100
#define HV_MSR_CRASH_P4          0x40000104
#define HV_MSR_CRASH_CTL         0x40000105
#define HV_CRASH_CTL_NOTIFY      (1ull << 63)

#define HV_SYNIC_VERSION         1       /* SVERSION reads 1 (Linux HV_SYNIC_VERSION_1) */
#define HV_SINT_COUNT            16
#define HV_SCONTROL_ENABLE       (1ull << 0)
/* SIMP, SIEFP and REFERENCE_TSC: bit 0 enable, 11:1 RsvdP, 63:12 GPA page. */
#define HV_PAGE_MSR_ENABLE       (1ull << 0)
#define HV_PAGE_MSR_GPA(v)       ((v) & ~0xfffull)
/* SINTx: 7:0 vector, 15:8 RsvdP, 16 masked, 17 AutoEOI, 18 polling,
 * 63:19 RsvdP; reset value 0x10000 (masked). Vectors 0-15 are invalid. */
#define HV_SINT_VECTOR(v)        ((uint8_t)((v) & 0xff))
#define HV_SINT_MASKED           (1ull << 16)
#define HV_SINT_AUTO_EOI         (1ull << 17)
#define HV_SINT_POLLING          (1ull << 18)
#define HV_SINT_RESET            HV_SINT_MASKED
#define HV_SINT_MIN_VECTOR       16

/* ---- Reference time [TIMERS] ---- */
#define HV_MSR_TIME_REF_COUNT    0x40000020   /* read-only, #GP on write */
#define HV_MSR_REFERENCE_TSC     0x40000021
#define HV_REF_TIME_HZ           10000000ull  /* 100 ns units */

struct hv_ref_tsc_page {
	uint32_t tsc_sequence;       /* 0: invalid, read TIME_REF_COUNT */
	uint32_t reserved1;
	uint64_t tsc_scale;          /* time = ((tsc * scale) >> 64) + offset */
	int64_t tsc_offset;
	uint64_t reserved2[509];
};
_Static_assert(sizeof(struct hv_ref_tsc_page) == 4096, "reference TSC page");

/* ---- Synthetic timers [TIMERS "Synthetic Timer MSRs"] ---- */
#define HV_STIMER_COUNT          4
#define HV_MSR_STIMER0_CONFIG    0x400000b0   /* timer n: CONFIG b0+2n, COUNT b1+2n */
#define HV_MSR_STIMER0_COUNT     0x400000b1
#define HV_MSR_STIMER3_COUNT     0x400000b7
#define HV_STIMER_ENABLE         (1ull << 0)
#define HV_STIMER_PERIODIC       (1ull << 1)
#define HV_STIMER_LAZY           (1ull << 2)
#define HV_STIMER_AUTO_ENABLE    (1ull << 3)
#define HV_STIMER_VECTOR(c)      ((uint8_t)(((c) >> 4) & 0xff))
#define HV_STIMER_DIRECT         (1ull << 12)
#define HV_STIMER_SINT(c)        ((unsigned)(((c) >> 16) & 0xf))
/* Bits 15:13 and 63:20 are RsvdZ. */
#define HV_STIMER_RSVDZ          (0xfffffffffff00000ull | (7ull << 13))

/* ---- Messages [MSG], [IPC "SIM Page"] ---- */
#define HV_MESSAGE_SIZE          256
#define HV_MESSAGE_PAYLOAD_MAX   240
#define HV_MSG_NONE              0x00000000u  /* the slot is empty */
#define HV_MSG_HYPERVISOR_BIT    0x80000000u  /* types the hypervisor owns */
#define HV_MSG_TIMER_EXPIRED     0x80000010u
#define HV_MSG_FLAG_PENDING      0x01         /* more messages are queued: write EOM */

struct hv_message_header {
	uint32_t type;
	uint8_t payload_size;
	uint8_t flags;               /* HV_MSG_FLAG_PENDING */
	uint16_t reserved;
	uint64_t origin;             /* sender's port id; 0 for the hypervisor */
};
_Static_assert(sizeof(struct hv_message_header) == 16, "message header");

struct hv_message {
	struct hv_message_header header;
	uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
};
_Static_assert(sizeof(struct hv_message) == HV_MESSAGE_SIZE, "message");

/* The SIM page: one slot per SINT. */
struct hv_message_page {
	struct hv_message slot[HV_SINT_COUNT];
};
_Static_assert(sizeof(struct hv_message_page) == 4096, "SIM page");

/* HV_TIMER_MESSAGE_PAYLOAD [TIMERS]: 24 bytes. */
struct hv_timer_message_payload {
	uint32_t timer_index;
	uint32_t reserved;
	uint64_t expiration_time;    /* when it was due, reference time */
	uint64_t delivery_time;      /* when it entered the SIM slot */
};
_Static_assert(sizeof(struct hv_timer_message_payload) == 24, "timer payload");

/* ---- Event flags [IPC "SIEF Page"; datatypes/hv_synic_event_flags.md] ----
 * 2048 flags per SINT; flag n is bit n % 8 of byte n / 8. */
#define HV_EVENT_FLAGS_COUNT     2048
struct hv_event_flags {
	uint8_t bits[HV_EVENT_FLAGS_COUNT / 8];
};
_Static_assert(sizeof(struct hv_event_flags) == 256, "event flags");

struct hv_event_flags_page {
	struct hv_event_flags sint[HV_SINT_COUNT];
};
_Static_assert(sizeof(struct hv_event_flags_page) == 4096, "SIEF page");

/* ---- Hypercalls [PORT] ---- */
#define HVCALL_CREATE_PORT_LEGACY 0x0057
#define HVCALL_DELETE_PORT        0x0058
#define HVCALL_CONNECT_PORT_LEGACY 0x0059
#define HVCALL_DISCONNECT_PORT    0x005b
#define HVCALL_POST_MESSAGE       0x005c
#define HVCALL_SIGNAL_EVENT       0x005d
#define HVCALL_CREATE_PORT        0x0095
#define HVCALL_CONNECT_PORT       0x0096

/* Port and connection ids: 24-bit id, high 8 bits reserved (zero). */
#define HV_ID_MASK               0x00ffffffu
#define HV_ANY_VP                0xffffffffu

enum hv_port_type {
	HV_PORT_TYPE_MESSAGE = 1,
	HV_PORT_TYPE_EVENT = 2,
	HV_PORT_TYPE_MONITOR = 3,
	HV_PORT_TYPE_DOORBELL = 4,
};

/* HV_PORT_INFO: 24 bytes, the active member chosen by port_type. */
struct hv_port_info {
	uint32_t port_type;
	uint32_t padding;
	union {
		struct {
			uint32_t target_sint;    /* 1..15 */
			uint32_t target_vp;      /* or HV_ANY_VP */
			uint64_t rsvdz;
		} message;
		struct {
			uint32_t target_sint;
			uint32_t target_vp;
			uint16_t base_flag;
			uint16_t flag_count;
			uint32_t rsvdz;
		} event;
		struct {
			uint64_t monitor_gpa;
			uint64_t rsvdz;
		} monitor;
	};
};
_Static_assert(sizeof(struct hv_port_info) == 24, "HV_PORT_INFO");

/* HV_CONNECTION_INFO: port type and a 24-byte union (doorbell: gpa,
 * trigger value, flags); messages and events carry nothing (RsvdZ). */
struct hv_connection_info {
	uint32_t port_type;
	uint32_t padding;
	uint64_t data[3];
};
_Static_assert(sizeof(struct hv_connection_info) == 32, "HV_CONNECTION_INFO");

/* HvCallCreatePort (0x95) input; the legacy 0x57 form is the same up to
 * port_info, with the two VTL bytes as padding. */
struct hv_input_create_port {
	uint64_t port_partition;
	uint32_t port_id;
	uint8_t port_vtl;
	uint8_t min_connection_vtl;
	uint16_t rsvdz;
	uint64_t connection_partition;   /* hvpart: the only partition that may connect; 0 any */
	struct hv_port_info port_info;
	uint64_t proximity;
};
_Static_assert(sizeof(struct hv_input_create_port) == 56, "CreatePort input");

/* HvCallConnectPort (0x96) input. */
struct hv_input_connect_port {
	uint64_t connection_partition;
	uint32_t connection_id;
	uint8_t connection_vtl;
	uint8_t rsvdz0;
	uint16_t rsvdz1;
	uint64_t port_partition;
	uint32_t port_id;
	uint32_t rsvdz2;
	struct hv_connection_info connection_info;
	uint64_t proximity;
};
_Static_assert(sizeof(struct hv_input_connect_port) == 72, "ConnectPort input");

struct hv_input_delete_port {
	uint64_t port_partition;
	uint32_t port_id;
	uint32_t rsvdz;
};
_Static_assert(sizeof(struct hv_input_delete_port) == 16, "DeletePort input");

struct hv_input_disconnect_port {
	uint64_t connection_partition;
	uint32_t connection_id;
	uint32_t rsvdz;                  /* padding to 8 bytes */
};
_Static_assert(sizeof(struct hv_input_disconnect_port) == 16, "DisconnectPort input");

/* HvCallPostMessage (0x5C) input: 256 bytes. */
struct hv_input_post_message {
	uint32_t connection_id;
	uint32_t rsvdz;
	uint32_t message_type;           /* nonzero, bit 31 clear */
	uint32_t payload_size;           /* <= 240 */
	uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
};
_Static_assert(sizeof(struct hv_input_post_message) == 256, "PostMessage input");

/* HvCallSignalEvent (0x5D) is a fast call: RDX bits 31:0 connection id
 * (31:24 reserved), 47:32 flag number, 63:48 RsvdZ. */
#define HV_SIGNAL_CONN_ID(rdx)   ((uint32_t)(rdx))
#define HV_SIGNAL_FLAG(rdx)      ((uint16_t)((rdx) >> 32))
#define HV_SIGNAL_RSVDZ          0xffff0000ff000000ull
/* ---- Virtual processors [TLFS "Virtual Processor Management";
 * HvCallStartVirtualProcessor, HV_INITIAL_VP_CONTEXT] ----
 * A partition's processor other than the first starts in the state the
 * caller gives (Linux's arch/x86/hyperv/hv_vtl.c, HVCALL_START_VP, fills
 * the same layout). */
#define HVCALL_START_VP           0x0099
#define HV_STATUS_INVALID_VP_STATE 0x0015

/* Attributes: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15:
 * the low 16 bits of VMX's access rights (SDM Vol. 3C §25.4.1). */
struct hv_x64_segment_register {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint16_t attributes;
};
_Static_assert(sizeof(struct hv_x64_segment_register) == 16, "segment register");

struct hv_x64_table_register {
	uint16_t pad[3];
	uint16_t limit;
	uint64_t base;
};
_Static_assert(sizeof(struct hv_x64_table_register) == 16, "table register");

struct hv_initial_vp_context {
	uint64_t rip, rsp, rflags;
	struct hv_x64_segment_register cs, ds, es, fs, gs, ss, tr, ldtr;
	struct hv_x64_table_register idtr, gdtr;
	uint64_t efer, cr0, cr3, cr4, msr_cr_pat;
};
_Static_assert(sizeof(struct hv_initial_vp_context) == 224, "HV_INITIAL_VP_CONTEXT");

struct hv_input_start_vp {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t target_vtl;
	uint8_t rsvdz0;
	uint16_t rsvdz1;
	struct hv_initial_vp_context ctx;
};
_Static_assert(sizeof(struct hv_input_start_vp) == 240, "StartVirtualProcessor input");
#endif
