/*
 * storvsp driven as Linux's storvsc drives it (drivers/scsi/storvsc_drv.c):
 * through vmbus's server and client libraries and a real ring pair (the
 * vmbus test harness), data in GPA-direct packets naming pages of a mock
 * guest memory, disks on a RAM blockdev and on a dynamic VHD (over the
 * in-memory file system). The SCSI fields are checked against what
 * sg3-utils decodes (sg_inq, sg_vpd, sg_readcap, sg_modes; field offsets
 * from SPC-3/SBC-3, cited per check).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>
#include <cmocka.h>

#include "../vmbus/harness.h"
#include "memfs.h"
#include "storage/storvsp/storvsp.h"
#include "storage/storvsp/vstor.h"
#include "storage/vhd/vhd.h"
#include "vmbus/pkt.h"

#define GUEST_PAGES 2048u
#define DISK_BYTES (64u << 20)

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
	/* last completion */
	struct vstor_packet resp;
	uint32_t resp_len;
	uint64_t resp_tid;
	int resp_count;
	uint64_t tids[4096];
};

/* ---- mock guest memory (what partition/vsp checks with page ownership) */

static int gm_check(void *ctx, uint64_t pfn, int host_writes)
{
	struct fix *f = ctx;

	(void)host_writes;
	if (pfn < GMEM_PFN_BASE || pfn >= GMEM_PFN_BASE + f->h.mem.npages ||
	    pfn == f->deny_pfn)
		return -EFAULT;
	return 0;
}

static uint8_t *gm_va(struct fix *f, uint64_t pfn, uint32_t off)
{
	return f->h.mem.base + (pfn - GMEM_PFN_BASE) * 4096u + off;
}

static int gm_read(void *ctx, uint64_t pfn, uint32_t off, void *buf,
		   uint32_t len)
{
	if (gm_check(ctx, pfn, 0) || off + len > 4096u)
		return -EFAULT;
	memcpy(buf, gm_va(ctx, pfn, off), len);
	return 0;
}

static int gm_write(void *ctx, uint64_t pfn, uint32_t off, const void *buf,
		    uint32_t len)
{
	if (gm_check(ctx, pfn, 1) || off + len > 4096u)
		return -EFAULT;
	memcpy(gm_va(ctx, pfn, off), buf, len);
	return 0;
}

/* The host's view of a page, as the parent has once a page is shared;
 * tests switch it off to take the copy path. */
static void *gm_page_ptr(void *ctx, uint64_t pfn, int host_writes)
{
	struct fix *f = ctx;

	if (f->no_ptr || gm_check(ctx, pfn, host_writes))
		return NULL;
	return gm_va(f, pfn, 0);
}

static void on_subch(void *ctx, uint16_t n)
{
	((struct fix *)ctx)->subch_cb = n;
}

/* A RAM disk that counts flushes (SYNCHRONIZE CACHE and FUA must reach
 * the backend). */
static const struct blockdev_ops *ram_ops_saved;
static struct fix *flush_fix;

static int counting_flush(void *ctx)
{
	flush_fix->flushes++;
	return ram_ops_saved->flush(ctx);
}

static struct blockdev_ops counting_ops;

static void fix_ram_disk(struct fix *f)
{
	assert_int_equal(blockdev_ram_create(DISK_BYTES, 512, &f->bd), 0);
	ram_ops_saved = f->bd.ops;
	counting_ops = *f->bd.ops;
	counting_ops.flush = counting_flush;
	f->bd.ops = &counting_ops;
	flush_fix = f;
}

static const struct scsi_disk_params disk_params = {
	.serial = "HVPART0001",
	.naa_id = { 0x60, 0x02, 0x24, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
};

static struct fix *fix_new_kind(enum storvsp_kind kind, struct blockdev *bd)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct storvsp_config cfg = { 0 };
	struct vmbus_guid t, in = { { 1, 2, 3, 4 } };

	assert_non_null(f);
	harness_init(&f->h, GUEST_PAGES);
	f->gm = (struct storvsp_gmem_ops){ gm_check, gm_read, gm_write,
					   gm_page_ptr, f };
	cfg.kind = kind;
	cfg.gmem = &f->gm;
	cfg.max_subchannels = 4;
	cfg.on_subchannels = on_subch;
	cfg.ctx = f;
	f->sp = storvsp_create(&cfg);
	assert_non_null(f->sp);
	if (bd)
		f->bd = *bd;
	else
		fix_ram_disk(f);
	assert_int_equal(storvsp_add_lun(f->sp, 0, 0, 0, &f->bd, &disk_params), 0);
	f->s = vmbus_server_create(&f->h.sops, VMBUS_VERSION_V5_3);
	f->c = vmbus_client_create(&f->h.cops);
	assert_int_equal(vmbus_guid_parse(kind == STORVSP_KIND_IDE ?
					  VSTOR_IDE_GUID_STR : VSTOR_SCSI_GUID_STR, &t), 0);
	assert_int_equal(vmbus_server_offer(f->s, &t, &in, &storvsp_dev_ops, f->sp,
					    &f->relid), 0);
	assert_int_equal(vmbus_client_connect(f->c, NULL, 0), 0);
	harness_pump(&f->h, f->s, f->c);
	/* Linux's storvsc rings: 128 KiB... here 16 pages out, 4 back. */
	assert_int_equal(vmbus_client_open(f->c, f->relid, 16, 4), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_chan_state(f->c, f->relid), VMBUS_CH_OPEN);
	return f;
}

static struct fix *fix_new(void)
{
	return fix_new_kind(STORVSP_KIND_SCSI, NULL);
}

static void fix_free(struct fix *f)
{
	vmbus_client_destroy(f->c);
	vmbus_server_destroy(f->s);
	storvsp_destroy(f->sp);
	blockdev_close(&f->bd);
	harness_fini(&f->h);
	free(f);
}

/* ---- the guest side (storvsc's sends and its completion handler) ---- */

static int take_comp(void *ctx, struct vmbus_chan *ch,
		     const struct vmbus_pkt_info *info, const uint8_t *pkt)
{
	struct fix *f = ctx;
	uint32_t n = info->pkt_len - info->payload_off;

	(void)ch;
	assert_int_equal(info->desc.type, VMBUS_PKT_COMP);
	memset(&f->resp, 0, sizeof(f->resp));
	memcpy(&f->resp, pkt + info->payload_off, n < 64 ? n : 64);
	f->resp_len = n;
	f->resp_tid = info->desc.trans_id;
	if (f->resp_count < 4096)
		f->tids[f->resp_count] = f->resp_tid;
	f->resp_count++;
	return 0;
}

static int drain(struct fix *f)
{
	struct vmbus_chan *ch = vmbus_client_chan(f->c, f->relid);
	uint8_t buf[512];

	return vmbus_chan_poll(ch, buf, sizeof(buf), take_comp, f, 0);
}

/* Sends pkt (len bytes) in-band and returns its completion in f->resp. */
static void op_len(struct fix *f, struct vstor_packet *pkt, size_t len)
{
	struct vmbus_chan *ch = vmbus_client_chan(f->c, f->relid);
	uint64_t tid = ++f->tid;

	pkt->flags = VSTOR_FLAG_REQUEST_COMPLETION;
	assert_int_equal(vmbus_chan_send(ch, VMBUS_PKT_INBAND,
					 VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
					 tid, pkt, len), 0);
	harness_pump(&f->h, f->s, f->c);
	f->resp_count = 0;
	assert_int_equal(drain(f), 1);
	assert_true(f->resp_tid == tid);
	assert_int_equal(f->resp.operation, VSTOR_OP_COMPLETE_IO);
}

static uint32_t op_simple(struct fix *f, uint32_t op, uint16_t arg)
{
	struct vstor_packet p = { .operation = op };

	if (op == VSTOR_OP_QUERY_PROTOCOL_VERSION)
		p.version.major_minor = arg;
	if (op == VSTOR_OP_CREATE_SUB_CHANNELS)
		p.sub_channel_count = arg;
	op_len(f, &p, sizeof(p));
	return f->resp.status;
}

/* storvsc_channel_init with Linux's version list. */
static void init_linux(struct fix *f)
{
	assert_int_equal(op_simple(f, VSTOR_OP_BEGIN_INIT, 0), 0);
	assert_int_equal(op_simple(f, VSTOR_OP_QUERY_PROTOCOL_VERSION,
				   VSTOR_VERSION_WIN10), 0);
	assert_int_equal(op_simple(f, VSTOR_OP_QUERY_PROPERTIES, 0), 0);
	assert_int_equal(f->resp.props.max_transfer_bytes, 2u << 20);
	assert_int_equal(op_simple(f, VSTOR_OP_END_INIT, 0), 0);
	assert_true(storvsp_ready(f->sp));
}

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

static uint8_t *data_va(struct fix *f, uint32_t off)
{
	return gm_va(f, DATA_PFN, 0) + off;
}

/* storvsc_queuecommand: one range, PFNs of consecutive pages. */
static void srb(struct fix *f, const struct srb_args *a)
{
	struct vmbus_chan *ch = vmbus_client_chan(f->c, f->relid);
	struct vstor_packet p = { .operation = VSTOR_OP_EXECUTE_SRB,
				  .flags = VSTOR_FLAG_REQUEST_COMPLETION };
	uint32_t rl = a->range_len ? a->range_len : a->dtl;
	uint64_t pfns[1100], base = a->first_pfn ? a->first_pfn : DATA_PFN;
	struct vmbus_gpa_desc d = { rl, a->offset, pfns };
	uint64_t tid = ++f->tid;
	int err;

	p.srb.length = sizeof(p.srb);
	p.srb.lun = a->lun;
	p.srb.target_id = a->target;
	p.srb.cdb_length = a->cdb_len;
	p.srb.sense_info_length = VSTOR_SENSE_MAX;
	p.srb.data_in = a->data_in;
	p.srb.data_transfer_length = a->dtl;
	memcpy(p.srb.cdb, a->cdb, a->cdb_len > 16 ? 16 : a->cdb_len);
	for (unsigned i = 0; i < 1100; i++)
		pfns[i] = base + i;
	if (a->inband || rl == 0)
		err = vmbus_chan_send(ch, VMBUS_PKT_INBAND,
				      VMBUS_PKT_FLAG_COMPLETION_REQUESTED, tid,
				      &p, sizeof(p));
	else
		err = vmbus_chan_send_gpa(ch, tid, &d, 1, &p, sizeof(p));
	assert_int_equal(err, 0);
	harness_pump(&f->h, f->s, f->c);
	f->resp_count = 0;
	assert_int_equal(drain(f), 1);
	assert_true(f->resp_tid == tid);
}

static void cdb_srb(struct fix *f, const uint8_t *cdb, uint8_t len,
		    uint8_t data_in, uint32_t dtl)
{
	struct srb_args a = { .cdb = cdb, .cdb_len = len, .data_in = data_in,
			      .dtl = dtl };

	srb(f, &a);
}

static void expect_good(struct fix *f, uint32_t done)
{
	assert_int_equal(f->resp.srb.srb_status, SRB_STATUS_SUCCESS);
	assert_int_equal(f->resp.srb.scsi_status, 0);
	assert_int_equal(f->resp.srb.data_transfer_length, done);
	assert_int_equal(f->resp.status, 0);
}

/* CHECK CONDITION with fixed-format sense key/asc (SPC-3 4.5.3). */
static void expect_sense(struct fix *f, uint8_t key, uint8_t asc)
{
	assert_int_equal(f->resp.srb.scsi_status, 2);
	assert_int_equal(f->resp.srb.srb_status,
			 SRB_STATUS_ERROR | SRB_STATUS_AUTOSENSE_VALID);
	assert_int_equal(f->resp.srb.sense_info_length, 18);
	assert_int_equal(f->resp.srb.sense_data[0], 0x70);
	assert_int_equal(f->resp.srb.sense_data[2] & 0xF, key);
	assert_int_equal(f->resp.srb.sense_data[7], 10);
	assert_int_equal(f->resp.srb.sense_data[12], asc);
}

static void expect_srb(struct fix *f, uint8_t srb_status)
{
	assert_int_equal(f->resp.srb.srb_status, srb_status);
	assert_int_equal(f->resp.srb.data_transfer_length, 0);
	assert_int_not_equal(f->resp.status, 0);
}

/* ---- protocol ---- */

static void test_versions_linux(void **state)
{
	static const uint16_t ok[] = { VSTOR_VERSION_WIN10, VSTOR_VERSION_WIN8_1,
				       VSTOR_VERSION_WIN8, VSTOR_VERSION_WIN7,
				       VSTOR_VERSION_WIN6 };
	static const uint8_t tur[6] = { 0 };

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		struct fix *f = fix_new();
		int win8 = ok[i] >= VSTOR_VERSION_WIN8;

		assert_int_equal(op_simple(f, VSTOR_OP_BEGIN_INIT, 0), 0);
		assert_int_equal(op_simple(f, VSTOR_OP_QUERY_PROTOCOL_VERSION, ok[i]), 0);
		assert_int_equal(f->resp.version.major_minor, ok[i]);
		assert_int_equal(storvsp_version(f->sp), ok[i]);
		assert_int_equal(op_simple(f, VSTOR_OP_QUERY_PROPERTIES, 0), 0);
		/* Multi-channel from 5.1 on (storvsc_channel_init's comment). */
		assert_int_equal(f->resp.props.max_channel_cnt, win8 ? 4 : 0);
		assert_int_equal(f->resp.props.flags, win8 ? VSTOR_PROP_MULTI_CHANNEL : 0);
		assert_int_equal(op_simple(f, VSTOR_OP_END_INIT, 0), 0);
		/* Before 5.1 the packets leave off the Windows 8 extension. */
		assert_int_equal(f->resp_len, win8 ? 64 : 48);
		cdb_srb(f, tur, 6, VSTOR_DATA_UNKNOWN, 0);
		expect_good(f, 0);
		fix_free(f);
	}
}

static void test_versions_refused(void **state)
{
	static const uint16_t bad[] = { 0x0100, 0x0601, 0x0603, 0x0700, 0xFFFF, 0 };
	struct fix *f = fix_new();

	(void)state;
	assert_int_equal(op_simple(f, VSTOR_OP_BEGIN_INIT, 0), 0);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(op_simple(f, VSTOR_OP_QUERY_PROTOCOL_VERSION, bad[i]),
				 VSTOR_STATUS_REVISION_MISMATCH);
	assert_int_equal(storvsp_version(f->sp), 0);
	/* Then the guest's next try succeeds, as storvsc's loop expects. */
	assert_int_equal(op_simple(f, VSTOR_OP_QUERY_PROTOCOL_VERSION,
				   VSTOR_VERSION_WIN8_1), 0);
	fix_free(f);
}

static void test_init_order(void **state)
{
	static const uint8_t tur[6] = { 0 };
	struct fix *f = fix_new();

	(void)state;
	/* Requests before init get an error, not service. */
	cdb_srb(f, tur, 6, VSTOR_DATA_UNKNOWN, 0);
	expect_srb(f, SRB_STATUS_INVALID_REQUEST);
	assert_int_equal(f->resp.status, VSTOR_STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(op_simple(f, VSTOR_OP_QUERY_PROPERTIES, 0),
			 VSTOR_STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(op_simple(f, VSTOR_OP_END_INIT, 0),
			 VSTOR_STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(op_simple(f, VSTOR_OP_RESET_BUS, 0),
			 VSTOR_STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(op_simple(f, VSTOR_OP_BEGIN_INIT, 0), 0);
	assert_int_equal(op_simple(f, VSTOR_OP_BEGIN_INIT, 0),
			 VSTOR_STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(op_simple(f, VSTOR_OP_END_INIT, 0),
			 VSTOR_STATUS_INVALID_DEVICE_STATE);
	assert_false(storvsp_ready(f->sp));
	fix_free(f);
}

static void test_other_ops(void **state)
{
	struct fix *f = fix_new();
	struct vstor_packet p = { .operation = VSTOR_OP_BEGIN_INIT };

	(void)state;
	init_linux(f);
	assert_int_equal(op_simple(f, VSTOR_OP_FCHBA_DATA, 0), VSTOR_STATUS_NOT_SUPPORTED);
	assert_int_equal(op_simple(f, VSTOR_OP_ENUMERATE_BUS, 0), VSTOR_STATUS_NOT_SUPPORTED);
	assert_int_equal(op_simple(f, 99, 0), VSTOR_STATUS_NOT_SUPPORTED);
	assert_int_equal(op_simple(f, VSTOR_OP_RESET_BUS, 0), 0);
	assert_int_equal(op_simple(f, VSTOR_OP_RESET_LUN, 0), 0);
	assert_int_equal(op_simple(f, VSTOR_OP_RESET_ADAPTER, 0), 0);
	/* A packet too short to be a VSTOR packet. */
	op_len(f, &p, 20);
	assert_int_equal(f->resp.status, VSTOR_STATUS_INVALID_PARAMETER);
	fix_free(f);
}

static void test_subchannels(void **state)
{
	struct fix *f = fix_new();

	(void)state;
	init_linux(f);
	assert_int_equal(op_simple(f, VSTOR_OP_CREATE_SUB_CHANNELS, 5),
			 VSTOR_STATUS_INVALID_PARAMETER);
	assert_int_equal(op_simple(f, VSTOR_OP_CREATE_SUB_CHANNELS, 0),
			 VSTOR_STATUS_INVALID_PARAMETER);
	assert_int_equal(op_simple(f, VSTOR_OP_CREATE_SUB_CHANNELS, 3), 0);
	assert_int_equal(f->subch_cb, 3);
	assert_int_equal(storvsp_subchannels_requested(f->sp), 3);
	assert_int_equal(op_simple(f, VSTOR_OP_CREATE_SUB_CHANNELS, 1),
			 VSTOR_STATUS_INVALID_DEVICE_STATE);
	fix_free(f);
}

/* The host offers the sub-channels the guest asked for with the same
 * device ops and storvsp (here as a second offer: vmbus's server has no
 * sub-channel index yet); requests on one are served and completed on
 * it, and a reopened primary starts a new session. */
static void test_subchannel_io(void **state)
{
	static const uint8_t rc10[10] = { 0x25 };
	struct fix *f = fix_new();
	struct vmbus_guid t, in = { { 9, 9, 9 } };
	struct vmbus_chan *sub;
	struct vstor_packet p = { .operation = VSTOR_OP_EXECUTE_SRB };
	uint64_t pfn = DATA_PFN;
	struct vmbus_gpa_desc d = { 8, 0, &pfn };
	uint32_t relid, main_relid;
	uint8_t buf[512];

	(void)state;
	init_linux(f);
	assert_int_equal(op_simple(f, VSTOR_OP_CREATE_SUB_CHANNELS, 1), 0);
	assert_int_equal(vmbus_guid_parse(VSTOR_SCSI_GUID_STR, &t), 0);
	assert_int_equal(vmbus_server_offer(f->s, &t, &in, &storvsp_dev_ops, f->sp,
					    &relid), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_open(f->c, relid, 4, 4), 0);
	harness_pump(&f->h, f->s, f->c);
	sub = vmbus_client_chan(f->c, relid);
	assert_non_null(sub);
	p.srb.cdb_length = 10;
	p.srb.data_in = 1;
	p.srb.data_transfer_length = 8;
	memcpy(p.srb.cdb, rc10, 10);
	assert_int_equal(vmbus_chan_send_gpa(sub, 77, &d, 1, &p, sizeof(p)), 0);
	harness_pump(&f->h, f->s, f->c);
	f->resp_count = 0;
	assert_int_equal(vmbus_chan_poll(sub, buf, sizeof(buf), take_comp, f, 0), 1);
	assert_true(f->resp_tid == 77);
	expect_good(f, 8);
	assert_int_equal(drain(f), 0);   /* nothing on the primary */
	/* The guest's driver closes everything and comes back. */
	main_relid = f->relid;
	assert_int_equal(vmbus_client_close(f->c, relid), 0);
	assert_int_equal(vmbus_client_close(f->c, main_relid), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_false(storvsp_ready(f->sp));
	assert_int_equal(storvsp_subchannels_requested(f->sp), 0);
	assert_int_equal(vmbus_client_open(f->c, main_relid, 16, 4), 0);
	harness_pump(&f->h, f->s, f->c);
	init_linux(f);
	fix_free(f);
}

/* The IDE accelerator: same protocol, no sub-channels, one disk at LUN 0
 * whatever path/target the SRB names. */
static void test_ide(void **state)
{
	static const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	struct fix *f = fix_new_kind(STORVSP_KIND_IDE, NULL);
	struct srb_args a = { .cdb = inq, .cdb_len = 6, .data_in = 1, .dtl = 36,
			      .target = 1 };

	(void)state;
	assert_int_equal(op_simple(f, VSTOR_OP_BEGIN_INIT, 0), 0);
	assert_int_equal(op_simple(f, VSTOR_OP_QUERY_PROTOCOL_VERSION,
				   VSTOR_VERSION_WIN10), 0);
	assert_int_equal(op_simple(f, VSTOR_OP_QUERY_PROPERTIES, 0), 0);
	assert_int_equal(f->resp.props.max_channel_cnt, 0);
	assert_int_equal(f->resp.props.flags, 0);
	assert_int_equal(op_simple(f, VSTOR_OP_END_INIT, 0), 0);
	assert_int_equal(op_simple(f, VSTOR_OP_CREATE_SUB_CHANNELS, 1),
			 VSTOR_STATUS_INVALID_DEVICE_STATE);
	srb(f, &a);
	expect_good(f, 36);
	assert_int_equal(data_va(f, 0)[0], 0x00);  /* a disk, not PQ 3 */
	a.lun = 1;
	srb(f, &a);
	assert_int_equal(data_va(f, 0)[0], 0x7F);
	assert_int_equal(storvsp_add_lun(f->sp, 0, 0, 1, &f->bd, &disk_params), -EINVAL);
	fix_free(f);
}

/* ---- sg3-utils as the decoder of record ---- */

/* Runs an sg3-utils decoder ("sg_inq -r -I %s") over n bytes of response
 * written to a file; its output in out. 0, or -1 when the tool is missing
 * (tools/deps/storage.txt lists sg3-utils, so a run without it fails). */
static int sg3(const char *fmt, const uint8_t *d, size_t n, char *out,
	       size_t cap)
{
	char path[] = "/tmp/storvsp_sg3_XXXXXX", cmd[256];
	int fd = mkstemp(path);
	size_t got;
	FILE *fp;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, d, n), (ssize_t)n);
	close(fd);
	snprintf(cmd, sizeof(cmd), fmt, path);
	strcat(cmd, " 2>&1");
	fp = popen(cmd, "r");
	assert_non_null(fp);
	got = fread(out, 1, cap - 1, fp);
	out[got] = 0;
	unlink(path);
	return pclose(fp) == 0 ? 0 : -1;
}

static void sg3_says(const char *fmt, const uint8_t *d, size_t n,
		     const char *const *expect)
{
	char out[8192];

	if (sg3(fmt, d, n, out, sizeof(out)))
		fail_msg("%s failed: %s", fmt, out);
	for (; *expect; expect++)
		if (!strstr(out, *expect))
			fail_msg("%s: no \"%s\" in:\n%s", fmt, *expect, out);
}

/* The sense of the last completion, as sg_decode_sense reads it. */
static void sense_says(struct fix *f, const char *text)
{
	const char *expect[] = { "Fixed format, current", text, NULL };

	sg3_says("sg_decode_sense -b %s", f->resp.srb.sense_data,
		 f->resp.srb.sense_info_length, expect);
}

/* ---- SCSI commands ---- */

static void test_inquiry(void **state)
{
	static const uint8_t std[6] = { 0x12, 0, 0, 0, 96, 0 };
	static const uint8_t shortq[6] = { 0x12, 0, 0, 0, 5, 0 };
	static const uint8_t cmddt[6] = { 0x12, 2, 0, 0, 96, 0 };
	static const char *const std_says[] = { "PQual=0  PDT=0",
		"version=0x05  [SPC-3]", "HiSUP=1  Resp_data_format=2", "CmdQue=1",
		"Peripheral device type: disk", "Vendor identification: Msft",
		"Product identification: Virtual Disk", "Product revision level: 1.0",
		NULL };
	struct fix *f = fix_new();
	uint8_t *d = data_va(f, 0);

	(void)state;
	init_linux(f);
	cdb_srb(f, std, 6, 1, 96);
	/* sg_inq: PQ/PDT byte 0, version byte 2 (5 = SPC-3), response data
	 * format byte 3 bits 3:0 (2), additional length byte 4 (n - 4),
	 * CmdQue byte 7 bit 1, T10 vendor 8..15, product 16..31, rev 32..35 */
	expect_good(f, 36);
	assert_int_equal(d[0], 0);
	assert_int_equal(d[2], 5);
	assert_int_equal(d[3] & 0xF, 2);
	assert_int_equal(d[4] + 5, 36);
	assert_int_equal(d[7] & 2, 2);
	assert_memory_equal(d + 8, "Msft    Virtual Disk    1.0 ", 28);
	sg3_says("sg_inq -r -I %s", d, 36, std_says);
	cdb_srb(f, shortq, 6, 1, 96);
	expect_good(f, 5);     /* allocation length truncates */
	cdb_srb(f, cmddt, 6, 1, 96);
	expect_sense(f, 5, 0x24);
	fix_free(f);
}

static void vpd(struct fix *f, uint8_t page, uint32_t expect_len)
{
	uint8_t cdb[6] = { 0x12, 1, page, 0, 255, 0 };

	memset(data_va(f, 0), 0xEE, 256);
	cdb_srb(f, cdb, 6, 1, 255);
	expect_good(f, expect_len);
	assert_int_equal(data_va(f, 0)[1], page);
	assert_int_equal((data_va(f, 0)[2] << 8 | data_va(f, 0)[3]) + 4, expect_len);
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_vpd(void **state)
{
	static const uint8_t pages[] = { 0, 0x80, 0x83, 0xB0, 0xB1, 0xB2 };
	static const uint8_t bad[6] = { 0x12, 1, 0x89, 0, 255, 0 };
	static const char *const sv[] = { "Supported VPD pages [sv]",
		"Unit serial number [sn]", "Device identification [di]",
		"Block limits (SBC) [bl]", "Block device characteristics (SBC) [bdc]",
		"Logical block provisioning (SBC) [lbpv]", NULL };
	static const char *const sn[] = { "Unit serial number: HVPART0001", NULL };
	static const char *const di[] = { "designator type: NAA,  code set: Binary",
		"0x600224800102030405060708090a0b0c",
		"designator type: T10 vendor identification,  code set: ASCII",
		"vendor specific: HVPART0001", NULL };
	static const char *const bl[] = { "Maximum transfer length: 4096 blocks",
		"Maximum unmap LBA count: -1 [unbounded]",
		"Maximum unmap block descriptor count: 64", NULL };
	static const char *const bdc[] = { "Non-rotating medium", NULL };
	static const char *const lbpv[] = { "Unmap command supported (LBPU): 1",
		"Logical block provisioning read zeros (LBPRZ): 1",
		"Provisioning type: 2 (thin provisioned)", NULL };
	struct fix *f = fix_new();
	uint8_t *d = data_va(f, 0);

	(void)state;
	init_linux(f);
	vpd(f, 0x00, 10);
	assert_memory_equal(d + 4, pages, 6);
	sg3_says("sg_vpd -r -I %s", d, 10, sv);
	vpd(f, 0x80, 14);
	assert_memory_equal(d + 4, "HVPART0001", 10);
	sg3_says("sg_vpd -r -I %s", d, 14, sn);
	/* sg_vpd -p di: designator headers: code set, association|type, len */
	vpd(f, 0x83, 4 + 20 + 4 + 8 + 10);
	assert_int_equal(d[4], 1);
	assert_int_equal(d[5], 3);          /* NAA */
	assert_int_equal(d[7], 16);
	assert_int_equal(d[8] >> 4, 6);     /* NAA IEEE Registered Extended */
	assert_int_equal(d[25], 1);         /* T10 vendor ID */
	assert_memory_equal(d + 28, "Msft    HVPART0001", 18);
	sg3_says("sg_vpd -r -I %s", d, 4 + 20 + 4 + 8 + 10, di);
	/* sg_vpd -p bl: max transfer length at 8, blocks */
	vpd(f, 0xB0, 0x40);
	assert_int_equal(be32_at(d + 8), (2u << 20) / 512);
	assert_int_equal(be32_at(d + 24), SCSI_UNMAP_MAX_DESC);
	sg3_says("sg_vpd -r -I %s", d, 0x40, bl);
	vpd(f, 0xB1, 0x40);
	assert_int_equal(d[4] << 8 | d[5], 1);   /* non-rotating */
	sg3_says("sg_vpd -r -I %s", d, 0x40, bdc);
	vpd(f, 0xB2, 8);
	assert_int_equal(d[5] & 0x80, 0x80);     /* LBPU: the RAM disk discards */
	sg3_says("sg_vpd -r -I %s", d, 8, lbpv);
	cdb_srb(f, bad, 6, 1, 255);
	expect_sense(f, 5, 0x24);
	fix_free(f);
}

static void test_report_luns(void **state)
{
	static const uint8_t rl[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t tur[6] = { 0 };
	static const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	static const char *const no_lu[] = { "PQual=3", "PDT=31", NULL };
	struct fix *f = fix_new();
	struct blockdev b2;
	struct srb_args a = { .cdb = rl, .cdb_len = 12, .data_in = 1, .dtl = 256 };
	uint8_t *d = data_va(f, 0);

	(void)state;
	assert_int_equal(blockdev_ram_create(1 << 20, 4096, &b2), 0);
	assert_int_equal(storvsp_add_lun(f->sp, 0, 0, 3, &b2, &disk_params), 0);
	assert_int_equal(storvsp_add_lun(f->sp, 0, 0, 3, &b2, &disk_params), -EEXIST);
	init_linux(f);
	srb(f, &a);
	expect_good(f, 24);
	assert_int_equal(be32_at(d), 16);
	assert_int_equal(d[9], 0);
	assert_int_equal(d[17], 3);
	a.target = 1;          /* a target with no disks: an empty list */
	srb(f, &a);
	expect_good(f, 8);
	assert_int_equal(be32_at(d), 0);
	a.cdb = inq;           /* INQUIRY there: qualifier 3, type 1Fh */
	a.cdb_len = 6;
	srb(f, &a);
	expect_good(f, 36);
	assert_int_equal(d[0], 0x7F);
	sg3_says("sg_inq -r -I %s", d, 36, no_lu);
	a.cdb = tur;           /* anything else: SRB_STATUS_INVALID_LUN */
	a.lun = 7;
	a.target = 0;
	a.dtl = 0;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_LUN);
	assert_int_equal(storvsp_remove_lun(f->sp, 0, 0, 3), 0);
	blockdev_close(&b2);
	fix_free(f);
}

static void test_capacity(void **state)
{
	static const uint8_t rc10[10] = { 0x25 };
	static const uint8_t rc16[16] = { 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32 };
	struct fix *f = fix_new();
	uint8_t *d = data_va(f, 0);

	(void)state;
	init_linux(f);
	/* sg_readcap: returned LBA (last block) and block length */
	cdb_srb(f, rc10, 10, 1, 8);
	expect_good(f, 8);
	assert_int_equal(be32_at(d), DISK_BYTES / 512 - 1);
	assert_int_equal(be32_at(d + 4), 512);
	cdb_srb(f, rc16, 16, 1, 32);
	expect_good(f, 32);
	assert_int_equal(be32_at(d), 0);
	assert_int_equal(be32_at(d + 4), DISK_BYTES / 512 - 1);
	assert_int_equal(be32_at(d + 8), 512);
	assert_int_equal(d[14] & 0xC0, 0xC0);   /* LBPME, LBPRZ */
	fix_free(f);
}

static void test_mode_sense(void **state)
{
	static const uint8_t ms6[6] = { 0x1A, 0, 0x08, 0, 255, 0 };
	static const uint8_t ms10[10] = { 0x5A, 0x08, 0x3F, 0, 0, 0, 0, 0, 255, 0 };
	static const uint8_t saved[6] = { 0x1A, 0, 0xC8, 0, 255, 0 };
	static const uint8_t bad[6] = { 0x1A, 0, 0x1C, 0, 255, 0 };
	struct fix *f = fix_new();
	uint8_t *d = data_va(f, 0);

	(void)state;
	init_linux(f);
	/* sd_read_cache_type: header, block descriptor, page 8 at 12 */
	cdb_srb(f, ms6, 6, 1, 255);
	expect_good(f, 4 + 8 + 20);
	assert_int_equal(d[0], 4 + 8 + 20 - 1);
	assert_int_equal(d[2] & 0x10, 0x10);    /* DPOFUA */
	assert_int_equal(d[3], 8);
	assert_int_equal(be32_at(d + 4), DISK_BYTES / 512);
	assert_int_equal(d[12], 0x08);
	assert_int_equal(d[14] & 0x04, 0x04);   /* WCE */
	cdb_srb(f, ms10, 10, 1, 255);           /* DBD, all pages */
	expect_good(f, 8 + 20 + 12);
	assert_int_equal(d[0] << 8 | d[1], 8 + 20 + 12 - 2);
	assert_int_equal(d[6] << 8 | d[7], 0);
	assert_int_equal(d[8], 0x08);
	assert_int_equal(d[28], 0x0A);
	cdb_srb(f, saved, 6, 1, 255);
	expect_sense(f, 5, 0x39);
	cdb_srb(f, bad, 6, 1, 255);
	expect_sense(f, 5, 0x24);
	fix_free(f);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t n, int fua)
{
	memset(cdb, 0, 16);
	cdb[0] = op;
	cdb[1] = fua ? 0x08 : 0;
	cdb[2] = (uint8_t)(lba >> 24);
	cdb[3] = (uint8_t)(lba >> 16);
	cdb[4] = (uint8_t)(lba >> 8);
	cdb[5] = (uint8_t)lba;
	cdb[7] = (uint8_t)(n >> 8);
	cdb[8] = (uint8_t)n;
}

static void rw16(uint8_t *cdb, uint8_t op, uint64_t lba, uint32_t n)
{
	memset(cdb, 0, 16);
	cdb[0] = op;
	for (int i = 0; i < 8; i++)
		cdb[2 + i] = (uint8_t)(lba >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		cdb[10 + i] = (uint8_t)(n >> (24 - 8 * i));
}

/* WRITE (10) from a buffer starting 512 bytes into a page, then READ (16)
 * into another place; the blockdev itself is the oracle. */
static void rw_roundtrip(struct fix *f, uint32_t lba, uint32_t blocks)
{
	uint8_t cdb[16], *src = malloc(blocks * 512u), *back = malloc(blocks * 512u);
	uint32_t bytes = blocks * 512u;
	struct srb_args a = { .cdb = cdb, .cdb_len = 10, .data_in = 0,
			      .dtl = bytes, .offset = 512 };

	fill(src, bytes, lba);
	memcpy(data_va(f, 512), src, bytes);
	rw10(cdb, 0x2A, lba, (uint16_t)blocks, 0);
	srb(f, &a);
	expect_good(f, bytes);
	assert_int_equal(blockdev_read(&f->bd, (uint64_t)lba * 512, back, bytes), 0);
	assert_memory_equal(back, src, bytes);
	memset(data_va(f, 0), 0, bytes + 4096);
	rw16(cdb, 0x88, lba, blocks);
	a.cdb_len = 16;
	a.data_in = 1;
	a.offset = 100 * 0;
	srb(f, &a);
	expect_good(f, bytes);
	assert_memory_equal(data_va(f, 0), src, bytes);
	free(src);
	free(back);
}

/* Both data paths: straight between the backend and the guest's pages,
 * and through the staging copy when no page view is given. */
/* WRITE (16) and READ (10), the other two opcodes, across a 64 KiB
 * staging-buffer boundary. */
static void test_rw_other_opcodes(void **state)
{
	uint8_t cdb[16], *src = malloc(96 * 1024);
	struct fix *f = fix_new();

	(void)state;
	f->no_ptr = 1;
	init_linux(f);
	fill(src, 96 * 1024, 99);
	memcpy(data_va(f, 0), src, 96 * 1024);
	rw16(cdb, 0x8A, 5000, 192);
	cdb_srb(f, cdb, 16, 0, 96 * 1024);
	expect_good(f, 96 * 1024);
	memset(data_va(f, 0), 0, 96 * 1024);
	rw10(cdb, 0x28, 5000, 192, 0);
	cdb_srb(f, cdb, 10, 1, 96 * 1024);
	expect_good(f, 96 * 1024);
	assert_memory_equal(data_va(f, 0), src, 96 * 1024);
	free(src);
	fix_free(f);
}

/* REQUEST SENSE: errors travel by autosense, so there is none pending. */
static void test_request_sense(void **state)
{
	static const uint8_t rs[6] = { 0x03, 0, 0, 0, 252, 0 };
	static const char *const none[] = { "Fixed format, current",
		"Sense key: No Sense", NULL };
	struct fix *f = fix_new();

	(void)state;
	init_linux(f);
	cdb_srb(f, rs, 6, 1, 252);
	expect_good(f, 18);
	assert_int_equal(data_va(f, 0)[0], 0x70);
	sg3_says("sg_decode_sense -b %s", data_va(f, 0), 18, none);
	fix_free(f);
}

static void test_rw_ram(void **state)
{
	(void)state;
	for (int copy = 0; copy < 2; copy++) {
		struct fix *f = fix_new();

		f->no_ptr = copy;
		init_linux(f);
		rw_roundtrip(f, 0, 1);
		rw_roundtrip(f, 100, 9);
		rw_roundtrip(f, DISK_BYTES / 512 - 4096, 4096);  /* 2 MiB */
		fix_free(f);
	}
}

static void test_flush_fua(void **state)
{
	static const uint8_t sync10[10] = { 0x35 };
	static const uint8_t sync16[16] = { 0x91 };
	uint8_t cdb[16];
	struct fix *f = fix_new();

	(void)state;
	init_linux(f);
	cdb_srb(f, sync10, 10, 2, 0);
	expect_good(f, 0);
	cdb_srb(f, sync16, 16, 2, 0);
	expect_good(f, 0);
	assert_int_equal(f->flushes, 2);
	rw10(cdb, 0x2A, 8, 1, 0);
	cdb_srb(f, cdb, 10, 0, 512);
	assert_int_equal(f->flushes, 2);   /* a plain write is cached */
	rw10(cdb, 0x2A, 8, 1, 1);
	cdb_srb(f, cdb, 10, 0, 512);
	expect_good(f, 512);
	assert_int_equal(f->flushes, 3);   /* FUA: written then flushed */
	fix_free(f);
}

static void put_unmap(uint8_t *p, uint64_t lba, uint32_t n, unsigned i)
{
	uint8_t *d = p + 8 + 16 * i;

	for (int k = 0; k < 8; k++)
		d[k] = (uint8_t)(lba >> (56 - 8 * k));
	for (int k = 0; k < 4; k++)
		d[8 + k] = (uint8_t)(n >> (24 - 8 * k));
}

static void test_unmap(void **state)
{
	uint8_t cdb[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0 };
	struct fix *f = fix_new();
	uint8_t *p = data_va(f, 0), buf[4096], zero[4096] = { 0 };

	(void)state;
	init_linux(f);
	memset(buf, 0xAB, sizeof(buf));
	assert_int_equal(blockdev_write(&f->bd, 0, buf, sizeof(buf)), 0);
	memset(p, 0, 64);
	p[1] = 38;             /* data length */
	p[3] = 32;             /* two descriptors */
	put_unmap(p, 0, 2, 0);
	put_unmap(p, DISK_BYTES / 512, 1, 1);  /* out of range */
	cdb_srb(f, cdb, 10, 0, 40);
	expect_sense(f, 5, 0x21);
	assert_int_equal(blockdev_read(&f->bd, 0, buf, 1024), 0);
	assert_int_equal(buf[0], 0xAB);        /* nothing applied */
	put_unmap(p, 4, 4, 1);
	cdb_srb(f, cdb, 10, 0, 40);
	expect_good(f, 40);
	assert_int_equal(blockdev_read(&f->bd, 0, buf, 4096), 0);
	assert_memory_equal(buf, zero, 1024);            /* 0..1 */
	assert_int_equal(buf[1024], 0xAB);               /* 2..3 kept */
	assert_memory_equal(buf + 2048, zero, 2048);     /* 4..7 */
	p[3] = 33;             /* not a whole descriptor */
	cdb_srb(f, cdb, 10, 0, 40);
	expect_sense(f, 5, 0x1A);
	fix_free(f);
}

/* ---- the VHD backend ---- */

static struct memfs vfs;

static void open_vhd(struct blockdev *bd, struct vhd **v)
{
	struct vhd_err e;

	assert_int_equal(vhd_open(&vfs.ops, "d.vhd", VHD_OPEN_RDWR, v, &e), 0);
	assert_int_equal(vhd_blockdev_wrap(*v, 1, bd), 0);
}

static void count_problem(void *ctx, const char *p)
{
	(void)p;
	(*(int *)ctx)++;
}

/* Runs cmd (a shell line); its exit status. */
static int sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* qemu-img as the oracle: the image as qemu reads it equals the model. */
static void qemu_agrees(const uint8_t *model, uint64_t size)
{
	char dir[] = "/tmp/storvsp_XXXXXX", cmd[512], path[300];
	struct memfs_file *mf = memfs_lookup(&vfs, "d.vhd");
	uint8_t *raw = malloc(size);
	size_t got;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/d.vhd", dir);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(mf->data, 1, mf->size, fp), mf->size);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "qemu-img convert -f vpc -O raw %s %s/d.raw", path, dir);
	assert_int_equal(sh(cmd), 0);
	snprintf(path, sizeof(path), "%s/d.raw", dir);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	/* qemu sizes a VHD by its CHS geometry unless the creator is one it
	 * trusts (block/vpc.c), so it may see a little less than the model. */
	got = fread(raw, 1, size, fp);
	fclose(fp);
	assert_true(got > size - (1u << 20));
	assert_memory_equal(raw, model, got);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(sh(cmd), 0);
	free(raw);
}

/* A guest's session on a dynamic VHD: writes (FUA and cached), SYNCHRONIZE
 * CACHE, UNMAP of a whole block (freed) and of a few sectors (zeroed),
 * reads back; then the file as a second opener, `vhd check` and qemu-img
 * see it, against a model of the disk. */
static void test_vhd_dynamic(void **state)
{
	struct vhd_create_params cp = { .type = VHD_TYPE_DYNAMIC, .size = 32u << 20 };
	static const uint8_t sync10[10] = { 0x35 };
	static const uint8_t unmap[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0 };
	struct vhd_err e;
	struct blockdev bd;
	struct vhd *v, *v2;
	uint8_t cdb[16], src[8192], *model = calloc(1, 32u << 20), *p;
	int problems = 0, alloc;
	struct fix *f;

	(void)state;
	memfs_init(&vfs);
	assert_int_equal(vhd_create(&vfs.ops, "d.vhd", &cp, &e), 0);
	open_vhd(&bd, &v);
	f = fix_new_kind(STORVSP_KIND_SCSI, &bd);
	p = data_va(f, 0);
	init_linux(f);
	vpd(f, 0xB2, 8);
	assert_int_equal(p[5] & 0x84, 0x84);         /* LBPU, LBPRZ */
	fill(src, sizeof(src), 7);
	memcpy(p, src, sizeof(src));
	rw10(cdb, 0x2A, 4096 + 3, 16, 1);             /* FUA, second VHD block */
	cdb_srb(f, cdb, 10, 0, 8192);
	expect_good(f, 8192);
	memcpy(model + (4096 + 3) * 512, src, 8192);
	rw10(cdb, 0x2A, 7, 16, 0);                    /* first block, cached */
	cdb_srb(f, cdb, 10, 0, 8192);
	expect_good(f, 8192);
	memcpy(model + 7 * 512, src, 8192);
	cdb_srb(f, sync10, 10, 2, 0);
	expect_good(f, 0);
	/* UNMAP: all of block 1 (LBA 4096..8191) and LBA 8..9 of block 0. */
	memset(p, 0, 64);
	p[1] = 38;
	p[3] = 32;
	put_unmap(p, 4096, 4096, 0);
	put_unmap(p, 8, 2, 1);
	cdb_srb(f, unmap, 10, 0, 40);
	expect_good(f, 40);
	memset(model + 4096 * 512, 0, 2u << 20);
	memset(model + 8 * 512, 0, 1024);
	assert_int_equal(vhd_query_allocated(v, 4096 * 512ull, 2u << 20, &alloc), 0);
	assert_int_equal(alloc, 0);                   /* the block is freed */
	rw10(cdb, 0x28, 0, 16, 0);
	memset(p, 0xEE, 8192);
	cdb_srb(f, cdb, 10, 1, 8192);
	expect_good(f, 8192);
	assert_memory_equal(p, model, 8192);
	rw10(cdb, 0x28, 4096 + 3, 16, 0);
	cdb_srb(f, cdb, 10, 1, 8192);
	assert_memory_equal(p, model + (4096 + 3) * 512, 8192);
	/* A second opener of the file (after the guest's flush and UNMAP). */
	assert_int_equal(vhd_open(&vfs.ops, "d.vhd", 0, &v2, &e), 0);
	assert_int_equal(vhd_read(v2, src, 8192, 0), 0);
	assert_memory_equal(src, model, 8192);
	assert_int_equal(vhd_query_allocated(v2, 4096 * 512ull, 2u << 20, &alloc), 0);
	assert_int_equal(alloc, 0);
	vhd_close(v2);
	assert_int_equal(vhd_check(&vfs.ops, "d.vhd", count_problem, &problems), 0);
	assert_int_equal(problems, 0);
	qemu_agrees(model, 32u << 20);
	fix_free(f);   /* closes the blockdev, so the VHD */
	memfs_free(&vfs);
	free(model);
}

/* Differencing images offer no discard: a freed block would show the
 * parent's data. */
static void test_vhd_diff_no_unmap(void **state)
{
	struct vhd_create_params cp = { .type = VHD_TYPE_DYNAMIC, .size = 8u << 20 };
	struct vhd_create_params dp = { .type = VHD_TYPE_DIFF, .parent = "p.vhd" };
	static const uint8_t unmap[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 };
	struct vhd_err e;
	struct blockdev bd;
	struct vhd *v;
	struct fix *f;

	(void)state;
	memfs_init(&vfs);
	assert_int_equal(vhd_create(&vfs.ops, "p.vhd", &cp, &e), 0);
	assert_int_equal(vhd_create(&vfs.ops, "d.vhd", &dp, &e), 0);
	open_vhd(&bd, &v);
	f = fix_new_kind(STORVSP_KIND_SCSI, &bd);
	init_linux(f);
	vpd(f, 0xB2, 8);
	assert_int_equal(data_va(f, 0)[5] & 0x80, 0);
	cdb_srb(f, unmap, 10, 0, 24);
	expect_sense(f, 5, 0x20);
	assert_int_equal(vhd_discard(v, 0, 2u << 20), -EOPNOTSUPP);
	fix_free(f);
	memfs_free(&vfs);
}

/* ---- hostile guest ---- */

static void test_bad_ranges(void **state)
{
	uint8_t cdb[16];
	struct fix *f = fix_new();
	uint8_t disk[4096], before[4096];
	struct srb_args a = { .cdb = cdb, .cdb_len = 10, .dtl = 4096 };

	(void)state;
	init_linux(f);
	assert_int_equal(blockdev_read(&f->bd, 0, before, 4096), 0);
	memset(data_va(f, 0), 0x5A, 8192);
	/* Pages outside the guest's memory: refused before any byte moves. */
	rw10(cdb, 0x2A, 0, 8, 0);
	a.first_pfn = GMEM_PFN_BASE + GUEST_PAGES - 1;  /* second page beyond */
	a.offset = 512;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_REQUEST);
	assert_int_equal(blockdev_read(&f->bd, 0, disk, 4096), 0);
	assert_memory_equal(disk, before, 4096);
	/* A page the guest never shared, in the middle of a read. */
	f->deny_pfn = DATA_PFN + 1;
	rw10(cdb, 0x28, 0, 16, 0);
	a.first_pfn = 0;
	a.offset = 0;
	a.dtl = 8192;
	a.data_in = 1;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_REQUEST);
	assert_int_equal(data_va(f, 0)[0], 0x5A);     /* untouched */
	f->deny_pfn = 0;
	/* A READ whose SRB says the guest sends (data_in WRITE_TYPE): its
	 * pages were not checked for the host to write, so nothing lands. */
	a.data_in = VSTOR_DATA_WRITE;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_REQUEST);
	assert_int_equal(data_va(f, 0)[0], 0x5A);
	a.data_in = 1;
	/* data_transfer_length beyond the range. */
	a.range_len = 4096;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_REQUEST);
	/* ... and beyond the protocol's maximum. */
	a.range_len = 0;
	a.dtl = (2u << 20) + 4096;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_REQUEST);
	/* A CDB asking for more than the buffer: invalid field, no data. */
	rw10(cdb, 0x28, 0, 16, 0);
	a.dtl = 4096;
	srb(f, &a);
	expect_sense(f, 5, 0x24);
	assert_int_equal(f->resp.srb.data_transfer_length, 0);
	/* In-band (no pages) but claiming data. */
	a.inband = 1;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_REQUEST);
	a.inband = 0;
	/* CDB lengths 0 and 17. */
	a.cdb_len = 0;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_REQUEST);
	a.cdb_len = 17;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_REQUEST);
	fix_free(f);
}

static void test_bad_cdbs(void **state)
{
	static const uint8_t ws16[16] = { 0x93 };  /* WRITE SAME (16) */
	static const uint8_t vendor[6] = { 0xC0 };
	uint8_t cdb[16];
	struct fix *f = fix_new();

	(void)state;
	init_linux(f);
	cdb_srb(f, ws16, 16, 0, 512);
	expect_sense(f, 5, 0x20);
	sense_says(f, "Invalid command operation code");
	cdb_srb(f, vendor, 6, 2, 0);
	expect_sense(f, 5, 0x20);
	/* LBA OUT OF RANGE: past the end, and an LBA + length that wraps. */
	rw10(cdb, 0x28, DISK_BYTES / 512, 1, 0);
	cdb_srb(f, cdb, 10, 1, 512);
	expect_sense(f, 5, 0x21);
	sense_says(f, "Logical block address out of range");
	rw16(cdb, 0x88, ~0ull - 1, 4);
	cdb_srb(f, cdb, 16, 1, 2048);
	expect_sense(f, 5, 0x21);
	rw10(cdb, 0x28, DISK_BYTES / 512 - 1, 2, 0);
	cdb_srb(f, cdb, 10, 1, 1024);
	expect_sense(f, 5, 0x21);
	/* A short CDB for its opcode. */
	rw10(cdb, 0x28, 0, 1, 0);
	cdb_srb(f, cdb, 6, 1, 512);
	expect_sense(f, 5, 0x24);
	sense_says(f, "Invalid field in cdb");
	/* Writing a read-only disk: DATA PROTECT, WRITE PROTECTED. */
	f->bd.read_only = 1;
	rw10(cdb, 0x2A, 0, 1, 0);
	cdb_srb(f, cdb, 10, 0, 512);
	expect_sense(f, 7, 0x27);
	sense_says(f, "Write protected");
	f->bd.read_only = 0;
	fix_free(f);
}

/* The guest keeps sending and reads no completion: storvsp stops reading
 * when its completions do not fit, then resumes as the guest drains; every
 * request is answered once, in order. */
static void test_flood(void **state)
{
	static const uint8_t tur[6] = { 0 };
	struct fix *f = fix_new();
	struct vmbus_chan *ch;
	struct vstor_packet p = { .operation = VSTOR_OP_EXECUTE_SRB };
	struct storvsp_stats st;
	unsigned sent = 0, rounds = 0;

	(void)state;
	init_linux(f);
	ch = vmbus_client_chan(f->c, f->relid);
	p.srb.cdb_length = 6;
	memcpy(p.srb.cdb, tur, 6);
	f->resp_count = 0;
	while (sent < 2000 && rounds++ < 10000) {
		while (sent < 2000 &&
		       vmbus_chan_send(ch, VMBUS_PKT_INBAND,
				       VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
				       1000 + sent, &p, sizeof(p)) == 0)
			sent++;
		harness_pump(&f->h, f->s, f->c);
		if (rounds % 3 == 0)
			drain(f);
	}
	for (int i = 0; i < 100 && f->resp_count < 2000; i++) {
		harness_pump(&f->h, f->s, f->c);
		drain(f);
	}
	assert_int_equal(sent, 2000);
	assert_int_equal(f->resp_count, 2000);
	for (unsigned i = 0; i < 2000; i++)
		assert_true(f->tids[i] == 1000 + i);
	storvsp_get_stats(f->sp, &st);
	assert_true(st.ring_waits > 0);   /* the ring really filled */
	assert_true(st.srbs == 2000);
	fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions_linux),
		cmocka_unit_test(test_versions_refused),
		cmocka_unit_test(test_init_order),
		cmocka_unit_test(test_other_ops),
		cmocka_unit_test(test_subchannels),
		cmocka_unit_test(test_subchannel_io),
		cmocka_unit_test(test_ide),
		cmocka_unit_test(test_inquiry),
		cmocka_unit_test(test_vpd),
		cmocka_unit_test(test_report_luns),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_mode_sense),
		cmocka_unit_test(test_rw_ram),
		cmocka_unit_test(test_rw_other_opcodes),
		cmocka_unit_test(test_request_sense),
		cmocka_unit_test(test_flush_fua),
		cmocka_unit_test(test_unmap),
		cmocka_unit_test(test_vhd_dynamic),
		cmocka_unit_test(test_vhd_diff_no_unmap),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_bad_cdbs),
		cmocka_unit_test(test_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
