/* Fixture of the storvsp tests (test_storvsp.c: protocol and hostile
 * guests; test_storvsp_scsi.c: the SCSI commands and the VHD backend):
 * storvsp driven as Linux's storvsc drives it (drivers/scsi/storvsc_drv.c)
 * through vmbus's server and client libraries and a real ring pair (the
 * vmbus test harness), data in GPA-direct packets naming pages of a mock
 * guest memory, and sg3-utils as the decoder of SCSI responses. */
#ifndef TESTS_UNIT_STORAGE_STORVSP_FIX_H
#define TESTS_UNIT_STORAGE_STORVSP_FIX_H

#include <stddef.h>
#include <stdint.h>

#include "../vmbus/harness.h"
#include "storage/storvsp/storvsp.h"
#include "storage/storvsp/vstor.h"
#include "vmbus/pkt.h"

#define GUEST_PAGES 2048u
#define DISK_BYTES (64u << 20)

struct fix;

/* A sub-channel's device context (fix_offer_sub): its index goes into
 * the channel's sub_index before storvsp sees it. */
struct fix_sub {
	struct fix *f;
	uint16_t index;
};

#define FIX_SUBS 4               /* the fixture's max_subchannels */

struct fix {
	struct harness h;
	struct vmbus_server *s;
	struct vmbus_client *c;
	struct storvsp *sp;
	struct storvsp_gmem_ops gm;
	struct blockdev bd;
	uint32_t relid;
	uint64_t deny_pfn;       /* a page of the guest it never shared */
	int no_ptr;              /* gm_page_ptr gives no views */
	int subch_cb;
	uint64_t tid;
	int flushes;
	/* gmem prepare/release: calls, pages checked since the last
	 * release, and a prepare that refuses (the platform's all-at-once
	 * proof failing) */
	int prepares, releases, open_checks, fail_prepare;
	/* last completion */
	struct vstor_packet resp;
	uint32_t resp_len;
	uint64_t resp_tid;
	int resp_count;
	uint64_t tids[4096];
	struct fix_sub subs[FIX_SUBS + 1];
	uint32_t sub_relid[FIX_SUBS + 1];   /* fix_new_subs_first's offers */
};

struct srb_args {
	uint8_t lun, target, data_in;
	const uint8_t *cdb;
	uint8_t cdb_len;
	uint32_t dtl;             /* data_transfer_length */
	uint32_t range_len;       /* bytes in the GPA range (0: = dtl) */
	uint32_t offset;          /* byte offset into the first page */
	uint64_t first_pfn;       /* 0: the fixture's data pages */
	int inband;
};

#define DATA_PFN (GMEM_PFN_BASE + 1024u)  /* 1024 pages the tests use */

extern const struct scsi_disk_params disk_params;

struct fix *fix_new_kind(enum storvsp_kind kind, struct blockdev *bd);
struct fix *fix_new(void);
/* A SCSI fixture whose sub-channels 1..n are offered before its primary
 * (so they have the lower relids: vmbus_server_restore gives them back
 * first); connected, nothing opened. Their relids in f->sub_relid. */
struct fix *fix_new_subs_first(uint16_t n);
/* Sub-channel index of storvsp, offered to f->s as an offer of its own
 * (instance { 9, 9, index }) whose device ops set the channel's
 * sub_index, as the VMBus server does for the sub-channels it offers
 * (vmbus_chan.sub_index); dev is f->subs[index], so it follows f->sp to a
 * new host. Its relid. */
uint32_t fix_offer_sub(struct fix *f, uint16_t index);
/* The guest opens relid (rings of out and back pages) and it is open. */
void fix_open(struct fix *f, uint32_t relid, uint32_t out, uint32_t back);
void fix_free(struct fix *f);
int take_comp(void *ctx, struct vmbus_chan *ch,
		     const struct vmbus_pkt_info *info, const uint8_t *pkt);
int drain(struct fix *f);
/* An unsolicited in-band packet's first 64 bytes into ctx (a struct
 * vstor_packet), checked to be one (trans_id 0). */
int take_enum(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
	      const uint8_t *pkt);
/* A reader of both kinds of packet: completions (take_comp) and
 * ENUMERATE_BUS, counted in enums. */
struct both {
	struct fix *f;
	int enums;
};
int take_both(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
	      const uint8_t *pkt);
void op_len(struct fix *f, struct vstor_packet *pkt, size_t len);
uint32_t op_simple(struct fix *f, uint32_t op, uint16_t arg);
void init_linux(struct fix *f);
/* A TEST UNIT READY on channel relid, its good completion read there. */
void tur_on(struct fix *f, uint32_t relid, uint64_t tid);
uint8_t *data_va(struct fix *f, uint32_t off);
void srb(struct fix *f, const struct srb_args *a);
void cdb_srb(struct fix *f, const uint8_t *cdb, uint8_t len,
		    uint8_t data_in, uint32_t dtl);
void expect_good(struct fix *f, uint32_t done);
void expect_sense(struct fix *f, uint8_t key, uint8_t asc);
void expect_srb(struct fix *f, uint8_t srb_status);
uint8_t *gm_va(struct fix *f, uint64_t pfn, uint32_t off);
void sg3_says(const char *fmt, const uint8_t *d, size_t n,
		     const char *const *expect);
void sense_says(struct fix *f, const char *text);
void fill(uint8_t *p, size_t n, uint32_t seed);
void rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t n, int fua);
void rw16(uint8_t *cdb, uint8_t op, uint64_t lba, uint32_t n);
void put_unmap(uint8_t *p, uint64_t lba, uint32_t n, unsigned i);

#endif
