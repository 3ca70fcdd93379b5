/* The storvsp tests' fixture (see storvsp_fix.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "storvsp_fix.h"

/* ---- mock guest memory (what partition/vsp checks with page ownership) */

static int gm_check(void *ctx, uint64_t pfn, int host_writes)
{
	struct fix *f = ctx;

	(void)host_writes;
	f->open_checks++;
	if (pfn < GMEM_PFN_BASE || pfn >= GMEM_PFN_BASE + f->h.mem.npages ||
	    pfn == f->deny_pfn)
		return -EFAULT;
	return 0;
}

uint8_t *gm_va(struct fix *f, uint64_t pfn, uint32_t off)
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

static int gm_prepare(void *ctx)
{
	struct fix *f = ctx;

	f->prepares++;
	return f->fail_prepare ? -EFAULT : 0;
}

static void gm_release(void *ctx)
{
	struct fix *f = ctx;

	f->releases++;
	f->open_checks = 0;
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

const struct scsi_disk_params disk_params = {
	.serial = "HVPART0001",
	.naa_id = { 0x60, 0x02, 0x24, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
};

/* The storvsp, its disk, a server and a client; nothing offered. */
static struct fix *fix_alloc(enum storvsp_kind kind, struct blockdev *bd)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct storvsp_config cfg = { 0 };

	assert_non_null(f);
	harness_init(&f->h, GUEST_PAGES);
	f->gm = (struct storvsp_gmem_ops){ gm_check, gm_read, gm_write,
					   gm_page_ptr, gm_prepare, gm_release, f };
	cfg.kind = kind;
	cfg.gmem = &f->gm;
	cfg.max_subchannels = FIX_SUBS;
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
	return f;
}

static void fix_offer_primary(struct fix *f, enum storvsp_kind kind)
{
	struct vmbus_guid t, in = { { 1, 2, 3, 4 } };

	assert_int_equal(vmbus_guid_parse(kind == STORVSP_KIND_IDE ?
					  VSTOR_IDE_GUID_STR : VSTOR_SCSI_GUID_STR, &t), 0);
	assert_int_equal(vmbus_server_offer(f->s, &t, &in, &storvsp_dev_ops, f->sp,
					    &f->relid), 0);
}

void fix_open(struct fix *f, uint32_t relid, uint32_t out, uint32_t back)
{
	assert_int_equal(vmbus_client_open(f->c, relid, out, back), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_chan_state(f->c, relid), VMBUS_CH_OPEN);
}

struct fix *fix_new_kind(enum storvsp_kind kind, struct blockdev *bd)
{
	struct fix *f = fix_alloc(kind, bd);

	fix_offer_primary(f, kind);
	assert_int_equal(vmbus_client_connect(f->c, NULL, 0), 0);
	harness_pump(&f->h, f->s, f->c);
	/* Linux's storvsc rings: 128 KiB... here 16 pages out, 4 back. */
	fix_open(f, f->relid, 16, 4);
	return f;
}

struct fix *fix_new(void)
{
	return fix_new_kind(STORVSP_KIND_SCSI, NULL);
}

struct fix *fix_new_subs_first(uint16_t n)
{
	struct fix *f = fix_alloc(STORVSP_KIND_SCSI, NULL);

	assert_true(n <= FIX_SUBS);
	for (uint16_t i = 1; i <= n; i++)
		f->sub_relid[i] = fix_offer_sub(f, i);
	fix_offer_primary(f, STORVSP_KIND_SCSI);
	assert_int_equal(vmbus_client_connect(f->c, NULL, 0), 0);
	harness_pump(&f->h, f->s, f->c);
	return f;
}

/* ---- sub-channels: storvsp's own ops, with the channel's index set ---- */

static int sub_on_open(void *dev, struct vmbus_chan *ch)
{
	struct fix_sub *fs = dev;

	ch->sub_index = fs->index;
	return storvsp_dev_ops.on_open(fs->f->sp, ch);
}

static int sub_on_event(void *dev, struct vmbus_chan *ch)
{
	return storvsp_dev_ops.on_event(((struct fix_sub *)dev)->f->sp, ch);
}

static void sub_on_close(void *dev, struct vmbus_chan *ch)
{
	storvsp_dev_ops.on_close(((struct fix_sub *)dev)->f->sp, ch);
}

static const struct vmbus_dev_ops sub_ops = {
	.on_open = sub_on_open,
	.on_event = sub_on_event,
	.on_close = sub_on_close,
};

uint32_t fix_offer_sub(struct fix *f, uint16_t index)
{
	struct vmbus_guid t, in = { { 9, 9, (uint8_t)index } };
	uint32_t relid;

	assert_true(index >= 1 && index <= FIX_SUBS);
	f->subs[index] = (struct fix_sub){ f, index };
	assert_int_equal(vmbus_guid_parse(VSTOR_SCSI_GUID_STR, &t), 0);
	assert_int_equal(vmbus_server_offer(f->s, &t, &in, &sub_ops, &f->subs[index],
					    &relid), 0);
	harness_pump(&f->h, f->s, f->c);
	return relid;
}

void fix_free(struct fix *f)
{
	vmbus_client_destroy(f->c);
	vmbus_server_destroy(f->s);
	storvsp_destroy(f->sp);
	blockdev_close(&f->bd);
	harness_fini(&f->h);
	free(f);
}

/* ---- the guest side (storvsc's sends and its completion handler) ---- */

int take_comp(void *ctx, struct vmbus_chan *ch,
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

int drain(struct fix *f)
{
	struct vmbus_chan *ch = vmbus_client_chan(f->c, f->relid);
	uint8_t buf[512];

	return vmbus_chan_poll(ch, buf, sizeof(buf), take_comp, f, 0);
}

/* Sends pkt (len bytes) in-band and returns its completion in f->resp. */
void op_len(struct fix *f, struct vstor_packet *pkt, size_t len)
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

uint32_t op_simple(struct fix *f, uint32_t op, uint16_t arg)
{
	struct vstor_packet p = { .operation = op };

	if (op == VSTOR_OP_QUERY_PROTOCOL_VERSION)
		p.version.major_minor = arg;
	if (op == VSTOR_OP_CREATE_SUB_CHANNELS)
		p.sub_channel_count = arg;
	op_len(f, &p, sizeof(p));
	return f->resp.status;
}

/* A TEST UNIT READY on channel relid, its completion read there. */
void tur_on(struct fix *f, uint32_t relid, uint64_t tid)
{
	struct vmbus_chan *ch = vmbus_client_chan(f->c, relid);
	struct vstor_packet p = { .operation = VSTOR_OP_EXECUTE_SRB,
				  .flags = VSTOR_FLAG_REQUEST_COMPLETION };
	uint8_t buf[512];

	p.srb.length = sizeof(p.srb);
	p.srb.cdb_length = 6;
	assert_int_equal(vmbus_chan_send(ch, VMBUS_PKT_INBAND,
					 VMBUS_PKT_FLAG_COMPLETION_REQUESTED, tid,
					 &p, sizeof(p)), 0);
	harness_pump(&f->h, f->s, f->c);
	f->resp_count = 0;
	assert_int_equal(vmbus_chan_poll(ch, buf, sizeof(buf), take_comp, f, 0), 1);
	assert_true(f->resp_tid == tid);
	expect_good(f, 0);
}

/* storvsc_channel_init with Linux's version list. */
void init_linux(struct fix *f)
{
	assert_int_equal(op_simple(f, VSTOR_OP_BEGIN_INIT, 0), 0);
	assert_int_equal(op_simple(f, VSTOR_OP_QUERY_PROTOCOL_VERSION,
				   VSTOR_VERSION_WIN10), 0);
	assert_int_equal(op_simple(f, VSTOR_OP_QUERY_PROPERTIES, 0), 0);
	assert_int_equal(f->resp.props.max_transfer_bytes, 2u << 20);
	assert_int_equal(op_simple(f, VSTOR_OP_END_INIT, 0), 0);
	assert_true(storvsp_ready(f->sp));
}



uint8_t *data_va(struct fix *f, uint32_t off)
{
	return gm_va(f, DATA_PFN, 0) + off;
}

/* storvsc_queuecommand: one range, PFNs of consecutive pages. */
void srb(struct fix *f, const struct srb_args *a)
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

void cdb_srb(struct fix *f, const uint8_t *cdb, uint8_t len,
		    uint8_t data_in, uint32_t dtl)
{
	struct srb_args a = { .cdb = cdb, .cdb_len = len, .data_in = data_in,
			      .dtl = dtl };

	srb(f, &a);
}

void expect_good(struct fix *f, uint32_t done)
{
	assert_int_equal(f->resp.srb.srb_status, SRB_STATUS_SUCCESS);
	assert_int_equal(f->resp.srb.scsi_status, 0);
	assert_int_equal(f->resp.srb.data_transfer_length, done);
	assert_int_equal(f->resp.status, 0);
}

/* CHECK CONDITION with fixed-format sense key/asc (SPC-3 4.5.3). */
void expect_sense(struct fix *f, uint8_t key, uint8_t asc)
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

void expect_srb(struct fix *f, uint8_t srb_status)
{
	assert_int_equal(f->resp.srb.srb_status, srb_status);
	assert_int_equal(f->resp.srb.data_transfer_length, 0);
	assert_int_not_equal(f->resp.status, 0);
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

void sg3_says(const char *fmt, const uint8_t *d, size_t n,
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
void sense_says(struct fix *f, const char *text)
{
	const char *expect[] = { "Fixed format, current", text, NULL };

	sg3_says("sg_decode_sense -b %s", f->resp.srb.sense_data,
		 f->resp.srb.sense_info_length, expect);
}

void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

void rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t n, int fua)
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

void rw16(uint8_t *cdb, uint8_t op, uint64_t lba, uint32_t n)
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
void put_unmap(uint8_t *p, uint64_t lba, uint32_t n, unsigned i)
{
	uint8_t *d = p + 8 + 16 * i;

	for (int k = 0; k < 8; k++)
		d[k] = (uint8_t)(lba >> (56 - 8 * k));
	for (int k = 0; k < 4; k++)
		d[8 + k] = (uint8_t)(n >> (24 - 8 * k));
}

int take_enum(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
	      const uint8_t *pkt)
{
	struct vstor_packet *p = ctx;

	(void)ch;
	assert_int_equal(info->desc.type, VMBUS_PKT_INBAND);
	assert_true(info->desc.trans_id == 0);   /* unsolicited */
	assert_true(info->pkt_len - info->payload_off >= 64);
	memcpy(p, pkt + info->payload_off, 64);
	return 0;
}

int take_both(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
	      const uint8_t *pkt)
{
	struct both *b = ctx;
	struct vstor_packet p;

	if (info->desc.type == VMBUS_PKT_COMP)
		return take_comp(b->f, ch, info, pkt);
	take_enum(&p, ch, info, pkt);
	assert_int_equal(p.operation, VSTOR_OP_ENUMERATE_BUS);
	b->enums++;
	return 0;
}

