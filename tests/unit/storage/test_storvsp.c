/*
 * storvsp's protocol as Linux's storvsc speaks it (every version it and
 * Hyper-V 2008 R2 and later know, the init order, sub-channels, the IDE
 * accelerator) and what a hostile guest may send (pages outside its
 * memory, lengths that overflow, bad CDBs, LUNs that do not exist,
 * requests before init, a flood). Fixture: storvsp_fix.c.
 */
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
		if (!win8) {
			/* A Windows 7-era guest's 48-byte SRB, no extension. */
			struct vstor_packet p = { .operation = VSTOR_OP_EXECUTE_SRB };

			p.srb.length = 36;
			p.srb.cdb_length = 6;
			p.srb.sense_info_length = 18;
			op_len(f, &p, VSTOR_PACKET_SIZE_PRE_WIN8);
			assert_int_equal(f->resp_len, 48);
			expect_good(f, 0);
		}
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
 * device ops and storvsp (here as offers of their own whose ops set the
 * channel's sub_index, fix_offer_sub); requests on one are served and
 * completed on it, and a reopened primary starts a new session. */
static void test_subchannel_io(void **state)
{
	static const uint8_t rc10[10] = { 0x25 };
	struct fix *f = fix_new();
	struct vmbus_chan *sub;
	struct vstor_packet p = { .operation = VSTOR_OP_EXECUTE_SRB };
	uint64_t pfn = DATA_PFN;
	struct vmbus_gpa_desc d = { 8, 0, &pfn };
	uint32_t relid, main_relid;
	uint8_t buf[512];

	(void)state;
	init_linux(f);
	assert_int_equal(op_simple(f, VSTOR_OP_CREATE_SUB_CHANNELS, 1), 0);
	relid = fix_offer_sub(f, 1);
	fix_open(f, relid, 4, 4);
	sub = vmbus_client_chan(f->c, relid);
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
	fix_open(f, main_relid, 16, 4);
	init_linux(f);
	fix_free(f);
}

/* A sub-channel is one by its index, not by coming second: opened before
 * the primary (as vmbus_server_restore may give it back), it takes no
 * session; the primary opened after it does, its rescan goes to the
 * primary, and closing the sub-channel leaves the session alone. */
static void test_subchannel_first(void **state)
{
	struct fix *f = fix_new_subs_first(2);
	struct vstor_packet p;
	uint8_t buf[512];

	(void)state;
	fix_open(f, f->sub_relid[2], 4, 4);
	fix_open(f, f->relid, 16, 4);
	init_linux(f);
	assert_int_equal(op_simple(f, VSTOR_OP_CREATE_SUB_CHANNELS, 2), 0);
	fix_open(f, f->sub_relid[1], 4, 4);
	tur_on(f, f->sub_relid[2], 21);
	tur_on(f, f->sub_relid[1], 11);
	assert_int_equal(storvsp_notify_bus_change(f->sp), 0);
	assert_int_equal(vmbus_chan_poll(vmbus_client_chan(f->c, f->relid), buf,
					 sizeof(buf), take_enum, &p, 0), 1);
	assert_int_equal(p.operation, VSTOR_OP_ENUMERATE_BUS);
	assert_int_equal(vmbus_client_close(f->c, f->sub_relid[2]), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_true(storvsp_ready(f->sp));
	assert_int_equal(storvsp_subchannels_requested(f->sp), 2);
	fix_open(f, f->sub_relid[2], 4, 4);
	tur_on(f, f->sub_relid[2], 22);
	tur_on(f, f->relid, 1);
	fix_free(f);
}

/* One channel per index: a second channel of index 0 (a second primary)
 * is refused and the session on the first goes on; so is an index open
 * twice or beyond the 16 sub-channels storvsp has slots for. */
static void test_subchannel_refused(void **state)
{
	struct fix *f = fix_new();
	struct vmbus_guid t, in = { { 7, 7, 7 } };
	struct vmbus_chan a, b;
	uint32_t relid;

	(void)state;
	init_linux(f);
	assert_int_equal(vmbus_guid_parse(VSTOR_SCSI_GUID_STR, &t), 0);
	assert_int_equal(vmbus_server_offer(f->s, &t, &in, &storvsp_dev_ops, f->sp,
					    &relid), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_open(f->c, relid, 4, 4), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_not_equal(vmbus_client_chan_state(f->c, relid), VMBUS_CH_OPEN);
	assert_true(storvsp_ready(f->sp));
	tur_on(f, f->relid, 5);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.sub_index = b.sub_index = STORVSP_MAX_CHANNELS;
	assert_int_equal(storvsp_dev_ops.on_open(f->sp, &a), -EINVAL);
	a.sub_index = b.sub_index = STORVSP_MAX_CHANNELS - 1;
	assert_int_equal(storvsp_dev_ops.on_open(f->sp, &a), 0);
	assert_int_equal(storvsp_dev_ops.on_open(f->sp, &b), -EINVAL);
	storvsp_dev_ops.on_close(f->sp, &a);
	assert_int_equal(storvsp_dev_ops.on_open(f->sp, &b), 0);
	storvsp_dev_ops.on_close(f->sp, &b);
	assert_true(storvsp_ready(f->sp));
	fix_free(f);
}

/* Hot add: a LUN added while the guest runs, then ENUMERATE_BUS; the
 * guest's rescan (REPORT LUNS) sees it. */
static void test_hot_add(void **state)
{
	static const uint8_t rl[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	struct fix *f = fix_new();
	struct srb_args a = { .cdb = rl, .cdb_len = 12, .data_in = 1, .dtl = 64,
			      .target = 1 };
	struct vstor_packet p;
	struct blockdev b2;
	uint8_t buf[512];

	(void)state;
	assert_int_equal(storvsp_notify_bus_change(f->sp), -ENOTCONN);
	init_linux(f);
	assert_int_equal(blockdev_ram_create(1 << 20, 512, &b2), 0);
	assert_int_equal(storvsp_add_lun(f->sp, 0, 1, 2, &b2, &disk_params), 0);
	assert_int_equal(storvsp_notify_bus_change(f->sp), 0);
	assert_int_equal(vmbus_chan_poll(vmbus_client_chan(f->c, f->relid), buf,
					 sizeof(buf), take_enum, &p, 0), 1);
	assert_int_equal(p.operation, VSTOR_OP_ENUMERATE_BUS);
	srb(f, &a);
	expect_good(f, 16);
	assert_int_equal(data_va(f, 0)[3], 8);   /* one LUN on target 1 */
	assert_int_equal(data_va(f, 0)[9], 2);
	assert_int_equal(storvsp_remove_lun(f->sp, 0, 1, 2), 0);
	blockdev_close(&b2);
	fix_free(f);
}

static int drain_both(struct both *b)
{
	uint8_t buf[512];

	return vmbus_chan_poll(vmbus_client_chan(b->f->c, b->f->relid), buf,
			       sizeof(buf), take_both, b, 0);
}

/* Hot remove: a request to the LUN still in the ring when it goes gets
 * SRB_STATUS_INVALID_LUN (what makes Linux's storvsc_remove_lun drop the
 * device, drivers/scsi/storvsc_drv.c storvsc_handle_error); the rescan's
 * REPORT LUNS no longer lists it and its INQUIRY says qualifier 3. */
static void test_hot_remove(void **state)
{
	static const uint8_t rl[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	static const uint8_t tur[6] = { 0 };
	struct fix *f = fix_new();
	struct vstor_packet p = { .operation = VSTOR_OP_EXECUTE_SRB,
				  .flags = VSTOR_FLAG_REQUEST_COMPLETION };
	struct srb_args a = { .cdb = tur, .cdb_len = 6, .lun = 1 };
	struct both b = { f, 0 };
	struct blockdev b2;

	(void)state;
	init_linux(f);
	assert_int_equal(blockdev_ram_create(1 << 20, 512, &b2), 0);
	assert_int_equal(storvsp_add_lun(f->sp, 0, 0, 1, &b2, &disk_params), 0);
	srb(f, &a);
	expect_good(f, 0);
	/* queued by the guest, not yet read when the host removes the LUN */
	p.srb.length = sizeof(p.srb);
	p.srb.lun = 1;
	p.srb.cdb_length = 6;
	assert_int_equal(vmbus_chan_send(vmbus_client_chan(f->c, f->relid),
					 VMBUS_PKT_INBAND,
					 VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
					 77, &p, sizeof(p)), 0);
	assert_int_equal(storvsp_remove_lun(f->sp, 0, 0, 1), 0);
	assert_int_equal(storvsp_remove_lun(f->sp, 0, 0, 1), -ENOENT);
	blockdev_close(&b2);
	assert_int_equal(storvsp_notify_bus_change(f->sp), 0);
	harness_pump(&f->h, f->s, f->c);
	f->resp_count = 0;
	assert_int_equal(drain_both(&b), 2);
	assert_int_equal(b.enums, 1);
	assert_int_equal(f->resp_count, 1);
	assert_true(f->resp_tid == 77);
	expect_srb(f, SRB_STATUS_INVALID_LUN);
	a.cdb = rl;
	a.cdb_len = 12;
	a.data_in = 1;
	a.dtl = 64;
	a.lun = 0;
	srb(f, &a);
	expect_good(f, 16);
	assert_int_equal(data_va(f, 0)[3], 8);   /* LUN 0 only */
	assert_int_equal(data_va(f, 0)[9], 0);
	a.cdb = inq;
	a.cdb_len = 6;
	a.dtl = 36;
	a.lun = 1;
	srb(f, &a);
	expect_good(f, 36);
	assert_int_equal(data_va(f, 0)[0], 0x7F);  /* no LUN there */
	fix_free(f);
}

/* The rescan is not lost when the guest's ring is full of completions:
 * it waits for room like a completion does, and goes out once the guest
 * reads and signals. A new session of the driver forgets it (its own
 * init scans the bus). */
static void test_enum_waits_for_room(void **state)
{
	struct fix *f = fix_new();
	struct vmbus_chan *ch;
	struct vstor_packet p = { .operation = VSTOR_OP_EXECUTE_SRB };
	struct storvsp_stats st;
	struct both b = { f, 0 };
	unsigned sent = 0;

	(void)state;
	init_linux(f);
	ch = vmbus_client_chan(f->c, f->relid);
	p.srb.cdb_length = 6;     /* TEST UNIT READY to LUN 0 */
	for (int round = 0; round < 100; round++) {
		storvsp_get_stats(f->sp, &st);
		if (st.ring_waits)
			break;
		while (vmbus_chan_send(ch, VMBUS_PKT_INBAND,
				       VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
				       1000 + sent, &p, sizeof(p)) == 0)
			sent++;
		harness_pump(&f->h, f->s, f->c);
	}
	assert_true(st.ring_waits > 0);
	assert_int_equal(storvsp_notify_bus_change(f->sp), 0);
	assert_true(storvsp_bus_change_pending(f->sp));
	f->resp_count = 0;
	for (int i = 0; i < 100 && (f->resp_count < (int)sent || !b.enums); i++) {
		drain_both(&b);
		harness_pump(&f->h, f->s, f->c);
	}
	assert_int_equal(b.enums, 1);
	assert_int_equal(f->resp_count, (int)sent);
	assert_false(storvsp_bus_change_pending(f->sp));
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

/* The platform's prepare/release around each request's pages: prepare
 * after every check and before any byte moves (a refusal leaves the
 * disk and the guest's pages as they were), release once per request
 * that checked pages, after the last access, success or not. */
static void test_gmem_prepare_release(void **state)
{
	uint8_t cdb[16], disk[4096], before[4096];
	struct fix *f = fix_new();
	struct srb_args a = { .cdb = cdb, .cdb_len = 10, .dtl = 4096 };

	(void)state;
	init_linux(f);
	assert_int_equal(f->prepares, 0);
	assert_int_equal(blockdev_read(&f->bd, 0, before, 4096), 0);
	memset(data_va(f, 0), 0xC3, 4096);
	rw10(cdb, 0x2A, 0, 8, 0);
	f->fail_prepare = 1;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_REQUEST);
	assert_int_equal(f->prepares, 1);
	assert_int_equal(f->releases, 1);
	assert_int_equal(blockdev_read(&f->bd, 0, disk, 4096), 0);
	assert_memory_equal(disk, before, 4096);
	f->fail_prepare = 0;
	srb(f, &a);
	expect_good(f, 4096);
	assert_int_equal(f->prepares, 2);
	assert_int_equal(f->releases, 2);
	assert_int_equal(f->open_checks, 0);   /* nothing touched after release */
	/* A page refused by check: no prepare, but a release. */
	f->deny_pfn = DATA_PFN;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_REQUEST);
	assert_int_equal(f->prepares, 2);
	assert_int_equal(f->releases, 3);
	f->deny_pfn = 0;
	/* No pages (TEST UNIT READY in-band): neither. */
	memset(cdb, 0, sizeof(cdb));
	cdb_srb(f, cdb, 6, 0, 0);
	expect_good(f, 0);
	assert_int_equal(f->prepares, 2);
	assert_int_equal(f->releases, 3);
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
		cmocka_unit_test(test_subchannel_first),
		cmocka_unit_test(test_subchannel_refused),
		cmocka_unit_test(test_ide),
		cmocka_unit_test(test_hot_add),
		cmocka_unit_test(test_hot_remove),
		cmocka_unit_test(test_enum_waits_for_room),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_bad_cdbs),
		cmocka_unit_test(test_gmem_prepare_release),
		cmocka_unit_test(test_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
