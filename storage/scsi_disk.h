/*
 * scsi_disk: a SCSI direct-access logical unit (SBC-3/SPC-3 subset) over a
 * struct blockdev. Transport-neutral: storvsp feeds it the CDBs a guest's
 * storvsc sends; the emulated IDE controller's ATAPI/ATA paths can reuse
 * the same backend. Data moves through callbacks at byte offsets of the
 * initiator's buffer, so the caller decides where guest memory is and
 * checks it before calling. Commands are dispatched by a table whose
 * unhandled entry answers CHECK CONDITION, ILLEGAL REQUEST / INVALID
 * COMMAND OPERATION CODE (SPC-3 4.5.6, fixed-format sense).
 */
#ifndef STORAGE_SCSI_DISK_H
#define STORAGE_SCSI_DISK_H

#include <stddef.h>
#include <stdint.h>

#include "storage/blockdev.h"

/* SAM status codes. */
#define SCSI_STATUS_GOOD 0x00u
#define SCSI_STATUS_CHECK_CONDITION 0x02u

/* Sense keys and additional sense codes (SPC-3 tables 27 and 28). */
#define SCSI_KEY_NO_SENSE 0x0u
#define SCSI_KEY_MEDIUM_ERROR 0x3u
#define SCSI_KEY_HARDWARE_ERROR 0x4u
#define SCSI_KEY_ILLEGAL_REQUEST 0x5u
#define SCSI_KEY_DATA_PROTECT 0x7u
#define SCSI_ASC_WRITE_ERROR 0x0Cu
#define SCSI_ASC_UNRECOVERED_READ 0x11u
#define SCSI_ASC_PARAM_LIST_LENGTH 0x1Au
#define SCSI_ASC_INVALID_OPCODE 0x20u
#define SCSI_ASC_LBA_OUT_OF_RANGE 0x21u
#define SCSI_ASC_INVALID_FIELD_CDB 0x24u
#define SCSI_ASC_LUN_NOT_SUPPORTED 0x25u
#define SCSI_ASC_INVALID_FIELD_PARAM 0x26u
#define SCSI_ASC_WRITE_PROTECTED 0x27u
#define SCSI_ASC_SAVING_NOT_SUPPORTED 0x39u

/* Fixed-format sense data is 18 bytes (SPC-3 4.5.3). */
#define SCSI_SENSE_LEN 18u

/* Largest UNMAP parameter list we accept (block descriptors are 16
 * bytes each after an 8-byte header; VPD page B0 says how many). */
#define SCSI_UNMAP_MAX_DESC 64u

/* Access to the initiator's data buffer (buf_len bytes): copy len bytes
 * at byte offset off. Negative errno on failure. */
struct scsi_xfer_ops {
	int (*to_initiator)(void *ctx, uint32_t off, const void *buf,
			    uint32_t len);
	int (*from_initiator)(void *ctx, uint32_t off, void *buf,
			      uint32_t len);
	/* Optional: a host pointer *p to n (1..len) contiguous bytes of the
	 * buffer at off, so READ/WRITE move data between the backend and
	 * the buffer with no staging copy; to_initiator says which way.
	 * Non-zero: use the copy callbacks for this piece. */
	int (*span)(void *ctx, uint32_t off, uint32_t len, int to_initiator,
		    uint8_t **p, uint32_t *n);
};

struct scsi_cmd {
	const uint8_t *cdb;
	unsigned cdb_len;
	uint32_t buf_len;       /* bytes in the initiator's buffer */
	const struct scsi_xfer_ops *xfer;
	void *xfer_ctx;
	/* results */
	uint8_t status;         /* SAM status */
	uint8_t sense_len;      /* 0 or SCSI_SENSE_LEN */
	uint8_t sense[SCSI_SENSE_LEN];
	uint32_t done;          /* bytes moved to or from the buffer */
};

struct scsi_disk_params {
	const char *serial;     /* VPD 0x80, up to 20 ASCII characters */
	uint8_t naa_id[16];     /* VPD 0x83 NAA IEEE Registered Extended */
	uint32_t max_xfer_bytes; /* VPD 0xB0 maximum transfer length */
};

struct scsi_disk {
	struct blockdev *bd;
	uint32_t lbsz;          /* logical block size */
	uint64_t nblocks;
	uint32_t max_xfer_blocks;
	char serial[21];
	uint8_t naa_id[16];
	uint8_t *bounce;        /* blockdev <-> initiator staging */
	uint32_t bounce_len;
	/* statistics */
	uint64_t reads, writes, flushes, unmaps, errors;
};

/* The blockdev stays the caller's. -EINVAL for a sector size that is not
 * 512..4096 or a disk smaller than one block, -ENOMEM. */
int scsi_disk_init(struct scsi_disk *d, struct blockdev *bd,
		   const struct scsi_disk_params *p);
void scsi_disk_fini(struct scsi_disk *d);

/* Executes one command; c->status, c->sense and c->done say how it went.
 * Returns 0, or a negative errno when the transfer callbacks failed (the
 * command is then reported as failed by the transport, not by sense). */
int scsi_disk_execute(struct scsi_disk *d, struct scsi_cmd *c);

/* For a transport: answers for a logical unit that does not exist:
 * INQUIRY data with peripheral qualifier 3 (SPC-3 6.4.2). */
int scsi_inquiry_no_lun(struct scsi_cmd *c);
/* REPORT LUNS (SPC-3 6.21) over the given single-level LUN numbers. */
int scsi_report_luns(struct scsi_cmd *c, const uint16_t *luns, unsigned n);
/* Fills c's fixed-format sense and CHECK CONDITION. */
void scsi_cmd_sense(struct scsi_cmd *c, uint8_t key, uint8_t asc,
		    uint8_t ascq);

#endif /* STORAGE_SCSI_DISK_H */
