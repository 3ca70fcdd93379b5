/*
 * The saved state of a storvsp (storvsp_save / storvsp_restore,
 * storvsp.h): its own VSTOR protocol state, what the host must know to
 * let a guest's storvsc carry on over the same rings after a Save-VM.
 * The rings, and everything else the guest and host share, live in guest
 * memory and in the VMBus server's saved state (vmbus/server_state.h);
 * storage/README.md ("Saved state") says what is and is not kept here.
 *
 * Layout: a struct storvsp_st_hdr, one struct storvsp_st_dev, then
 * nluns struct storvsp_st_lun in strictly ascending (path, target, lun)
 * order, then nheld struct storvsp_st_held in strictly ascending
 * sub_index order. Fields are little-endian (both ends are x86), every
 * padding byte is explicit and must be 0, and a reader refuses (-EINVAL)
 * anything it does not expect before it changes anything: a saved-state
 * file is a file a user can corrupt.
 *
 * Version 1 (still restored, no longer written) had no sub-channels: its
 * header ends before nheld (STORVSP_ST_HDR_V1_SIZE bytes), its device
 * record's subch is 0 and no held records follow the LUNs.
 */
#ifndef STORAGE_STORVSP_STORVSP_STATE_H
#define STORAGE_STORVSP_STORVSP_STATE_H

#include <stddef.h>
#include <stdint.h>

#define STORVSP_ST_MAGIC   0x53565453u   /* "STVS" */
#define STORVSP_ST_VERSION 2u

struct storvsp_st_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t total;               /* bytes, this header included */
	uint32_t nluns;               /* struct storvsp_st_lun after the device */
	/* from version 2 on: */
	uint32_t nheld;               /* struct storvsp_st_held after the LUNs */
	uint32_t pad;
};
_Static_assert(sizeof(struct storvsp_st_hdr) == 24, "storvsp_st_hdr is 24 bytes");
#define STORVSP_ST_HDR_V1_SIZE offsetof(struct storvsp_st_hdr, nheld)
_Static_assert(STORVSP_ST_HDR_V1_SIZE == 16, "a version 1 header is 16 bytes");

/* The controller. Without an open channel everything but kind and the
 * two configuration fields is 0 (closing the primary channel ends the
 * guest driver's session, storvsp.c sp_on_close). subch is what the
 * guest's CREATE_SUB_CHANNELS asked for (storvsp.c op_subchannels: at
 * most max_subchannels, only in PROPS or READY from 5.1 on; 0 in
 * version 1). The held completion is the primary channel's (struct
 * sp_chan), kept because the guest's ring had no room; held_pkt is the
 * struct vstor_packet sent, zero past held_len, and all held_* are 0
 * when nothing is held. */
struct storvsp_st_dev {
	uint8_t kind;                 /* enum storvsp_kind: must be sp's */
	uint8_t open;                 /* a primary channel was open */
	uint8_t state;                /* enum sp_state (storvsp_int.h) */
	uint8_t enum_pending;         /* an ENUMERATE_BUS waits for room */
	uint16_t version;             /* negotiated VSTOR version, 0 before */
	uint16_t subch;               /* sub-channels asked for */
	uint32_t max_transfer;        /* told in QUERY_PROPERTIES: must be sp's */
	uint16_t max_subchannels;     /* told in QUERY_PROPERTIES: must be sp's */
	uint8_t waiting;              /* a completion is held */
	uint8_t pad;
	uint32_t held_len;            /* its VSTOR bytes: 48 or 64 */
	uint32_t pad2;
	uint64_t held_tid;            /* its transaction id */
	uint8_t held_pkt[64];
};
_Static_assert(sizeof(struct storvsp_st_dev) == 96, "storvsp_st_dev is 96 bytes");
_Static_assert(offsetof(struct storvsp_st_dev, held_tid) == 24, "held_tid at 24");

/* One LUN: its address only. scsi_disk keeps nothing a guest can see
 * from one command to the next (sense goes back with the failed command
 * by autosense, REQUEST SENSE answers NO SENSE, no unit attention, no
 * reservations, no MODE SELECT), and the blockdev and its parameters
 * come from the VM's configuration. Restore requires sp's set to be this
 * very set. */
struct storvsp_st_lun {
	uint8_t path, target, lun;
	uint8_t pad[5];
};
_Static_assert(sizeof(struct storvsp_st_lun) == 8, "storvsp_st_lun is 8 bytes");

/* A completion an open sub-channel holds back for ring room (version 2
 * on), as the device record holds the primary's: the channel's
 * sub_channel_index (vmbus/chan.h sub_index, 1..subch), then the
 * held_* fields as there. Sub-channels holding nothing have no record;
 * which are open is the VMBus server's saved state, whose restore has
 * given them back (storvsp_dev_ops.on_open) before storvsp_restore. */
struct storvsp_st_held {
	uint16_t sub_index;
	uint16_t pad;
	uint32_t held_len;            /* its VSTOR bytes: 48 or 64 */
	uint64_t held_tid;            /* its transaction id */
	uint8_t held_pkt[64];
};
_Static_assert(sizeof(struct storvsp_st_held) == 80, "storvsp_st_held is 80 bytes");
_Static_assert(offsetof(struct storvsp_st_held, held_tid) == 8, "held_tid at 8");

#endif /* STORAGE_STORVSP_STORVSP_STATE_H */
