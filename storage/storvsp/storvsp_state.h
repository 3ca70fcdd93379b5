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
 * order. Fields are little-endian (both ends are x86), every padding byte
 * is explicit and must be 0, and a reader refuses (-EINVAL) anything it
 * does not expect before it changes anything: a saved-state file is a
 * file a user can corrupt.
 */
#ifndef STORAGE_STORVSP_STORVSP_STATE_H
#define STORAGE_STORVSP_STORVSP_STATE_H

#include <stddef.h>
#include <stdint.h>

#define STORVSP_ST_MAGIC   0x53565453u   /* "STVS" */
#define STORVSP_ST_VERSION 1u

struct storvsp_st_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t total;               /* bytes, this header included */
	uint32_t nluns;               /* struct storvsp_st_lun at the end */
};
_Static_assert(sizeof(struct storvsp_st_hdr) == 16, "storvsp_st_hdr is 16 bytes");

/* The controller. Without an open channel everything but kind and the
 * two configuration fields is 0 (closing the primary channel ends the
 * guest driver's session, storvsp.c sp_on_close). The held completion is
 * the primary channel's (struct sp_chan), kept because the guest's ring
 * had no room; held_pkt is the struct vstor_packet sent, zero past
 * held_len, and all held_* are 0 when nothing is held. */
struct storvsp_st_dev {
	uint8_t kind;                 /* enum storvsp_kind: must be sp's */
	uint8_t open;                 /* a primary channel was open */
	uint8_t state;                /* enum sp_state (storvsp_int.h) */
	uint8_t enum_pending;         /* an ENUMERATE_BUS waits for room */
	uint16_t version;             /* negotiated VSTOR version, 0 before */
	uint16_t subch;               /* sub-channels asked for: 0 in v1 */
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

#endif /* STORAGE_STORVSP_STORVSP_STATE_H */
