/*
 * The VMBus section of a saved state (Save-VM, a running snapshot): what
 * the parent's VMBus host for one child must keep so that the guest's
 * VMBus carries on over the same rings and GPADLs after Start-VM
 * (docs/vm-config.md, "Saved state"; vsp_host_save/_restore in
 * partition/vsp/vsp_host.h). Little-endian, explicit zero padding, every
 * struct's size asserted.
 *
 * Layout: struct vsp_st_hdr; the vmbus/ server's own state
 * (server_bytes, vmbus/server_state.h); then nrecs records, each a
 * struct vsp_st_rec and its device's state, rows ascending, one for
 * each offered device that has a save op (vsp_dev.h).
 */
#ifndef PARENT_VSP_STATE_H
#define PARENT_VSP_STATE_H
#include <stddef.h>
#include <stdint.h>

#define VSP_ST_MAGIC   0x53505356u    /* "VSPS" */
#define VSP_ST_VERSION 1u

struct vsp_st_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t total;               /* bytes, this header included */
	uint32_t nrecs;
	uint32_t offered;             /* bit N: vsp_dev_types row N was offered */
	uint32_t server_bytes;
	uint32_t rsvd[2];             /* 0 */
};
_Static_assert(sizeof(struct vsp_st_hdr) == 32, "vsp_st_hdr is 32 bytes");

struct vsp_st_rec {
	uint16_t row;                 /* vsp_dev_types index */
	uint16_t version;             /* 1 */
	uint32_t len;                 /* payload bytes after this header */
};
_Static_assert(sizeof(struct vsp_st_rec) == 8, "vsp_st_rec is 8 bytes");

/* An integration service (partition/vsp/vsp_ic.c): the negotiation's
 * outcome and the one request it may have outstanding. Times are not
 * kept: the parent's clock starts again, and the next heartbeat or time
 * sample goes a period after the restore. */
struct vsp_st_ic {
	uint8_t kind;                 /* enum vsp_ic_kind: must be the device's */
	uint8_t state;                /* ic_state: closed, negotiating, ready, mismatch */
	uint8_t tid;                  /* transaction id of the last request */
	uint8_t outstanding;          /* 0 or 1 */
	uint8_t answered;             /* heartbeat: the guest has answered one */
	int8_t shutdown_answer;       /* -1 none, 0 accepted, 1 refused */
	uint8_t pad[2];               /* 0 */
	uint32_t fw, srv;             /* negotiated versions (ready only) */
	uint64_t seq;                 /* heartbeat sequence number */
};
_Static_assert(sizeof(struct vsp_st_ic) == 24, "vsp_st_ic is 24 bytes");

/* Rows a section can name: one bit each in vsp_st_hdr.offered. */
#define VSP_ST_ROWS 32u

/* A parsed section: the server's state and each row's record (NULL: none). */
struct vsp_st_view {
	const uint8_t *server;
	size_t server_len;
	const uint8_t *rec[VSP_ST_ROWS];
	size_t rec_len[VSP_ST_ROWS];
};

/* Checks the framing of a section (partition/vsp/vsp_state.c, portable):
 * magic, version, length, reserved fields, the offered set equal to
 * `offered` (the devices the restoring host offers), the server's state
 * inside the section, records rows ascending, version 1, inside it, and
 * exactly one for each row in `saves` (offered rows whose device saves
 * its state), none for others, nothing after the last. 0 and *v, or
 * -EINVAL. What each part holds is its owner's to check. */
int vsp_state_parse(const void *buf, size_t len, uint32_t offered, uint32_t saves,
		    struct vsp_st_view *v);
#endif
