/* storvsp internals shared by storvsp.c (protocol) and storvsp_srb.c
 * (SRB execution and data movement). Not for other users. */
#ifndef STORAGE_STORVSP_STORVSP_INT_H
#define STORAGE_STORVSP_STORVSP_INT_H

#include <stdint.h>

#include "storage/scsi_disk.h"
#include "storage/storvsp/storvsp.h"
#include "storage/storvsp/vstor.h"
#include "vmbus/pkt.h"

enum sp_state {
	SP_NONE = 0,     /* channel open, nothing asked yet */
	SP_BEGUN,        /* BEGIN_INITIALIZATION done */
	SP_VERSIONED,    /* a version agreed */
	SP_PROPS,        /* properties told */
	SP_READY,        /* END_INITIALIZATION done: SRBs accepted */
};

struct sp_lun {
	int used;
	uint8_t path, target, lun;
	struct scsi_disk disk;
};

/* An open channel (the primary, or the sub-channel ch->sub_index) and
 * the completion it holds back for ring room. */
struct sp_chan {
	struct vmbus_chan *ch;
	int waiting;
	uint64_t tid;
	uint32_t len;
	struct vstor_packet pkt;
};

/* Largest packet a guest may send: descriptor, GPA-direct header, ranges
 * and PFNs within vmbus/pkt.h's bounds, then the VSTOR packet. */
#define SP_RX_BYTES (16u + 8u + VMBUS_PKT_MAX_RANGES * 8u + \
		     VMBUS_PKT_MAX_PFNS * 8u + VSTOR_PACKET_SIZE + 64u)

struct storvsp {
	struct storvsp_config cfg;
	uint32_t max_transfer;
	enum sp_state state;
	uint16_t version;
	uint16_t subch;
	int enum_pending;         /* an ENUMERATE_BUS waits for ring room */
	struct vmbus_chan *primary;
	struct sp_lun luns[STORVSP_MAX_LUNS];
	struct sp_chan chans[STORVSP_MAX_CHANNELS];
	struct storvsp_stats st;
	uint8_t rx[SP_RX_BYTES];
};

/* One packet being handled. */
struct sp_req {
	struct vmbus_chan *ch;
	const struct vmbus_pkt_info *info;
	const uint8_t *pkt;
	uint64_t tid;
	int want_completion;
	uint32_t in_len;          /* VSTOR bytes the guest sent */
	struct vstor_packet in;   /* private copy, zero-padded */
	struct vstor_packet out;
};

/* A version storvsp agrees to (QUERY_PROTOCOL_VERSION). */
int sp_version_ok(uint16_t v);
/* Bytes of a VSTOR packet under a version (0: none agreed yet). */
uint32_t sp_packet_size_of(uint16_t version);
uint32_t sp_packet_size(const struct storvsp *sp);
/* The slot in sp->chans of the open channel whose sub_channel_index
 * (vmbus/chan.h) is sub_index (0: the primary), or -1. */
int sp_chan_slot(const struct storvsp *sp, uint16_t sub_index);
int sp_complete(struct storvsp *sp, struct sp_req *r);
int sp_execute_srb(struct storvsp *sp, struct sp_req *r);

#endif /* STORAGE_STORVSP_STORVSP_INT_H */
