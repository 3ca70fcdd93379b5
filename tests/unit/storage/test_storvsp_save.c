/*
 * storvsp's saved state (storvsp_state.h, storage/README.md "Saved
 * state"). The whole path first: a guest (vmbus's client, speaking as
 * Linux's storvsc) gets to some point of its init or I/O; the host saves
 * the VMBus server (vmbus_server_save) and storvsp, and goes away; a new
 * host with a new server and a new storvsp over the same guest memory and
 * disk restores both; the guest carries on and must see exactly what it
 * would have seen without the save. Then the refusals: blobs that do not
 * fit the device, or were damaged, leave it as it was. Fixture:
 * storvsp_fix.c; the server's own save is tested in
 * tests/unit/vmbus/test_save.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "storage/storvsp/storvsp_state.h"
#include "storvsp_fix.h"

/* ---- the host going away and coming back ---- */

struct lunaddr {
	uint8_t path, target, lun;
};

static const struct lunaddr lun0[] = { { 0, 0, 0 } };

/* Both saved states, as Save-VM writes them. */
struct saved {
	uint8_t *v, *st;
	size_t vlen, stlen;
};

static void saved_free(struct saved *b)
{
	free(b->v);
	free(b->st);
}

static void on_subch(void *ctx, uint16_t n)
{
	((struct fix *)ctx)->subch_cb = n;
}

static struct storvsp *sp_new(struct fix *f, enum storvsp_kind kind,
			      const struct lunaddr *luns, unsigned n,
			      uint32_t max_xfer)
{
	struct storvsp_config cfg = { 0 };
	struct storvsp *sp;

	cfg.kind = kind;
	cfg.gmem = &f->gm;
	cfg.max_subchannels = 4;
	cfg.max_transfer_bytes = max_xfer;
	cfg.on_subchannels = on_subch;
	cfg.ctx = f;
	sp = storvsp_create(&cfg);
	assert_non_null(sp);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(storvsp_add_lun(sp, luns[i].path, luns[i].target,
						 luns[i].lun, &f->bd, &disk_params), 0);
	return sp;
}

/* The guest is stopped with nothing in flight: every message and signal
 * delivered. Then both states are saved. */
static void save_both(struct fix *f, struct saved *b)
{
	size_t cap;

	harness_pump(&f->h, f->s, f->c);
	cap = vmbus_server_save_size(f->s);
	b->v = malloc(cap);
	assert_int_equal(vmbus_server_save(f->s, b->v, cap, &b->vlen), 0);
	cap = storvsp_save_size(f->sp);
	b->st = malloc(cap);
	assert_non_null(b->st);
	assert_int_equal(storvsp_save(f->sp, b->st, cap - 1, &b->stlen), -ENOSPC);
	assert_int_equal(storvsp_save(f->sp, b->st, cap, &b->stlen), 0);
	assert_int_equal(b->stlen, cap);
}

/* A new host: new storvsp (kind, LUNs, configuration as given) offered
 * by a new server, the guest's memory and the disk kept. */
static void new_host(struct fix *f, enum storvsp_kind kind,
		     const struct lunaddr *luns, unsigned n, uint32_t max_xfer)
{
	struct vmbus_guid t, in = { { 1, 2, 3, 4 } };
	uint32_t relid;

	vmbus_server_destroy(f->s);
	storvsp_destroy(f->sp);
	assert_int_equal(f->h.mem.maps, 0);
	f->sp = sp_new(f, kind, luns, n, max_xfer);
	f->s = vmbus_server_create(&f->h.sops, VMBUS_VERSION_V5_3);
	assert_non_null(f->s);
	assert_int_equal(vmbus_guid_parse(kind == STORVSP_KIND_IDE ?
					  VSTOR_IDE_GUID_STR : VSTOR_SCSI_GUID_STR, &t), 0);
	assert_int_equal(vmbus_server_offer(f->s, &t, &in, &storvsp_dev_ops, f->sp,
					    &relid), 0);
}

static int no_guest_msgs(struct fix *f)
{
	struct mb_item it;

	return !mailbox_pop(&f->h.to_guest, &it, 0);
}

/* The server's restore, then storvsp's (which must say want); nothing
 * reaches the guest. Then the one handle_event vmbus/README.md asks for. */
static void restore_both(struct fix *f, const struct saved *b, int want)
{
	assert_int_equal(vmbus_server_restore(f->s, b->v, b->vlen), 0);
	assert_int_equal(storvsp_restore(f->sp, b->st, b->stlen), want);
	assert_true(no_guest_msgs(f));
	if (want)
		return;
	assert_int_equal(mailbox_push(&f->h.to_host, 1, f->relid, NULL, 0), 0);
	harness_pump(&f->h, f->s, f->c);
}

/* sp's state as storvsp_save has it: equal to a blob. */
static void expect_state(struct storvsp *sp, const uint8_t *blob, size_t len)
{
	uint8_t buf[1024];
	size_t n;

	assert_int_equal(storvsp_save(sp, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, len);
	assert_memory_equal(buf, blob, len);
}

/* A refused blob leaves sp in the state it saved as fresh. */
static void expect_refused(struct storvsp *sp, const uint8_t *blob, size_t len,
			   const uint8_t *fresh, size_t flen)
{
	assert_int_equal(storvsp_restore(sp, blob, len), -EINVAL);
	expect_state(sp, fresh, flen);
}

/* ---- round trip at every stage of init ---- */

struct stage {
	enum storvsp_kind kind;
	uint16_t version;
	unsigned done;            /* init operations done before the save */
};

static const uint32_t init_ops[4] = { VSTOR_OP_BEGIN_INIT,
	VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_OP_QUERY_PROPERTIES,
	VSTOR_OP_END_INIT };

/* What the guest saw: every completion. */
struct seen {
	struct vstor_packet resp[16];
	uint32_t len[16];
	uint64_t tid[16];
	unsigned n;
	uint8_t data[4096];
};

static void note(struct fix *f, struct seen *s)
{
	assert_true(s->n < 16);
	s->resp[s->n] = f->resp;
	s->len[s->n] = f->resp_len;
	s->tid[s->n++] = f->resp_tid;
}

static void init_steps(struct fix *f, const struct stage *st, unsigned from,
		       unsigned to, struct seen *s)
{
	for (unsigned i = from; i < to; i++) {
		assert_int_equal(op_simple(f, init_ops[i], st->version), 0);
		note(f, s);
	}
}

/* The guest's I/O after init: a write and its read-back, the capacity,
 * INQUIRY, a LUN that is not there, REPORT LUNS. */
static void io_steps(struct fix *f, struct seen *s)
{
	static const uint8_t rc10[10] = { 0x25 };
	static const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	static const uint8_t rl[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t tur[6] = { 0 };
	struct srb_args a = { .cdb = tur, .cdb_len = 6, .lun = 5 };
	uint8_t cdb[16];

	fill(data_va(f, 0), 4096, 42);
	rw10(cdb, 0x2A, 100, 8, 1);
	cdb_srb(f, cdb, 10, VSTOR_DATA_WRITE, 4096);
	note(f, s);
	memset(data_va(f, 0), 0, 4096);
	rw10(cdb, 0x28, 100, 8, 0);
	cdb_srb(f, cdb, 10, VSTOR_DATA_READ, 4096);
	note(f, s);
	memcpy(s->data, data_va(f, 0), 4096);
	cdb_srb(f, rc10, 10, VSTOR_DATA_READ, 8);
	note(f, s);
	cdb_srb(f, inq, 6, VSTOR_DATA_READ, 36);
	note(f, s);
	srb(f, &a);
	note(f, s);
	cdb_srb(f, rl, 12, VSTOR_DATA_READ, 64);
	note(f, s);
}

static void run_stage(const struct stage *st, int with_save, struct seen *s)
{
	struct fix *f = fix_new_kind(st->kind, NULL);
	struct saved b;
	uint8_t blob[1024];
	size_t n;

	memset(s, 0, sizeof(*s));
	init_steps(f, st, 0, st->done, s);
	if (with_save) {
		save_both(f, &b);
		new_host(f, st->kind, lun0, 1, 0);
		restore_both(f, &b, 0);
		/* What was restored saves back to the same bytes. */
		assert_int_equal(storvsp_save(f->sp, blob, sizeof(blob), &n), 0);
		assert_int_equal(n, b.stlen);
		assert_memory_equal(blob, b.st, n);
		assert_int_equal(storvsp_version(f->sp),
				 st->done >= 2 ? st->version : 0);
		assert_int_equal(storvsp_ready(f->sp), st->done == 4);
		saved_free(&b);
	}
	init_steps(f, st, st->done, 4, s);
	assert_true(storvsp_ready(f->sp));
	io_steps(f, s);
	assert_int_equal(f->h.logs, 0);
	fix_free(f);
}

/* The guest goes on from where it was saved and sees what it would have
 * seen without the save, completion for completion and byte for byte. */
static void test_roundtrip(void **state)
{
	const struct stage *st = *state;
	struct seen *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));

	assert_non_null(a);
	assert_non_null(b);
	run_stage(st, 0, a);
	run_stage(st, 1, b);
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->n, 10);
	for (unsigned i = 0; i < a->n; i++) {
		assert_int_equal(a->len[i], b->len[i]);
		assert_true(a->tid[i] == b->tid[i]);
		assert_memory_equal(&a->resp[i], &b->resp[i], sizeof(a->resp[i]));
	}
	assert_int_equal(a->resp[4].srb.srb_status, SRB_STATUS_SUCCESS);
	assert_int_equal(a->resp[5].srb.srb_status, SRB_STATUS_SUCCESS);
	assert_memory_equal(a->data, b->data, sizeof(a->data));
	free(a);
	free(b);
}

static const struct stage stages[] = {
	{ STORVSP_KIND_SCSI, VSTOR_VERSION_WIN10, 0 },   /* none */
	{ STORVSP_KIND_SCSI, VSTOR_VERSION_WIN10, 1 },   /* begun */
	{ STORVSP_KIND_SCSI, VSTOR_VERSION_WIN10, 2 },   /* versioned */
	{ STORVSP_KIND_SCSI, VSTOR_VERSION_WIN10, 3 },   /* properties told */
	{ STORVSP_KIND_SCSI, VSTOR_VERSION_WIN10, 4 },   /* ready */
	{ STORVSP_KIND_SCSI, VSTOR_VERSION_WIN7, 2 },    /* 48-byte packets */
	{ STORVSP_KIND_SCSI, VSTOR_VERSION_WIN7, 4 },
	{ STORVSP_KIND_IDE, VSTOR_VERSION_WIN8_1, 4 },   /* IDE accelerator */
};

/* Data written before the save is there after it (the disk is the
 * config's, the guest's view of it carries on). */
static void test_io_before_save(void **state)
{
	struct fix *f = fix_new();
	struct saved b;
	uint8_t cdb[16], want[4096];

	(void)state;
	init_linux(f);
	fill(data_va(f, 0), 4096, 7);
	memcpy(want, data_va(f, 0), 4096);
	rw10(cdb, 0x2A, 8, 8, 0);
	cdb_srb(f, cdb, 10, VSTOR_DATA_WRITE, 4096);
	expect_good(f, 4096);
	save_both(f, &b);
	new_host(f, STORVSP_KIND_SCSI, lun0, 1, 0);
	restore_both(f, &b, 0);
	assert_true(storvsp_ready(f->sp));
	memset(data_va(f, 0), 0, 4096);
	rw10(cdb, 0x28, 8, 8, 0);
	cdb_srb(f, cdb, 10, VSTOR_DATA_READ, 4096);
	expect_good(f, 4096);
	assert_memory_equal(data_va(f, 0), want, 4096);
	saved_free(&b);
	fix_free(f);
}

/* ---- a completion held for ring room ---- */

/* The guest queues TEST UNIT READYs on channel relid (transaction ids
 * 1000 on) without reading its completions until storvsp has to hold one
 * back. */
static unsigned fill_ring(struct fix *f, uint32_t relid)
{
	struct vmbus_chan *ch = vmbus_client_chan(f->c, relid);
	struct vstor_packet p = { .operation = VSTOR_OP_EXECUTE_SRB };
	struct storvsp_stats st;
	unsigned sent = 0;

	p.srb.cdb_length = 6;
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
	assert_int_equal(st.ring_waits, 1);
	return sent;
}

/* The guest reads channel relid until all sent completions came, each
 * once and in order. */
static void drain_sent(struct fix *f, uint32_t relid, unsigned sent)
{
	uint8_t buf[512];

	f->resp_count = 0;
	for (int i = 0; i < 200 && f->resp_count < (int)sent; i++) {
		vmbus_chan_poll(vmbus_client_chan(f->c, relid), buf, sizeof(buf),
				take_comp, f, 0);
		harness_pump(&f->h, f->s, f->c);
	}
	assert_int_equal(f->resp_count, (int)sent);
	for (unsigned i = 0; i < sent; i++)
		assert_true(f->tids[i] == 1000 + i);
}

/* The held completion and a rescan not yet sent survive the save: once
 * the guest reads, every completion arrives once and in order, then the
 * ENUMERATE_BUS. */
static void test_held_completion(void **state)
{
	struct fix *f = fix_new();
	struct both bo = { f, 0 };
	struct storvsp_st_dev d;
	struct saved b;
	unsigned sent;
	uint8_t buf[512];

	(void)state;
	init_linux(f);
	sent = fill_ring(f, f->relid);
	assert_int_equal(storvsp_notify_bus_change(f->sp), 0);
	assert_true(storvsp_bus_change_pending(f->sp));
	save_both(f, &b);
	memcpy(&d, b.st + sizeof(struct storvsp_st_hdr), sizeof(d));
	assert_int_equal(d.waiting, 1);
	assert_int_equal(d.enum_pending, 1);
	assert_int_equal(d.held_len, 64);
	new_host(f, STORVSP_KIND_SCSI, lun0, 1, 0);
	restore_both(f, &b, 0);
	assert_true(storvsp_bus_change_pending(f->sp));
	f->resp_count = 0;
	for (int i = 0; i < 200 && (f->resp_count < (int)sent || !bo.enums); i++) {
		vmbus_chan_poll(vmbus_client_chan(f->c, f->relid), buf, sizeof(buf),
				take_both, &bo, 0);
		harness_pump(&f->h, f->s, f->c);
	}
	assert_int_equal(f->resp_count, (int)sent);
	for (unsigned i = 0; i < sent; i++)
		assert_true(f->tids[i] == 1000 + i);
	assert_int_equal(bo.enums, 1);
	assert_false(storvsp_bus_change_pending(f->sp));
	/* and the guest goes on */
	assert_int_equal(op_simple(f, VSTOR_OP_RESET_BUS, 0), 0);
	saved_free(&b);
	fix_free(f);
}

/* ---- refusals, whole path ---- */

/* A device with another LUN set, kind or configuration takes nothing;
 * made to match, the same storvsp then takes the state. */
static void test_mismatch(void **state)
{
	static const struct lunaddr more[] = { { 0, 0, 0 }, { 0, 1, 0 } };
	static const struct lunaddr other[] = { { 0, 0, 1 } };
	static const uint8_t tur[6] = { 0 };
	struct fix *f = fix_new();
	struct saved b;
	uint8_t fresh[1024];
	size_t n;

	(void)state;
	init_linux(f);
	save_both(f, &b);
	/* another LUN, none at all, a smaller transfer maximum (the blob
	 * stays good while the guest does nothing: its rings are as saved) */
	new_host(f, STORVSP_KIND_SCSI, other, 1, 0);
	restore_both(f, &b, -EINVAL);
	new_host(f, STORVSP_KIND_SCSI, NULL, 0, 0);
	restore_both(f, &b, -EINVAL);
	new_host(f, STORVSP_KIND_SCSI, lun0, 1, 1u << 20);
	restore_both(f, &b, -EINVAL);
	/* one LUN too many, then removed */
	new_host(f, STORVSP_KIND_SCSI, more, 2, 0);
	assert_int_equal(vmbus_server_restore(f->s, b.v, b.vlen), 0);
	assert_int_equal(storvsp_save(f->sp, fresh, sizeof(fresh), &n), 0);
	assert_int_equal(storvsp_restore(f->sp, b.st, b.stlen), -EINVAL);
	expect_state(f->sp, fresh, n);
	assert_int_equal(storvsp_remove_lun(f->sp, 0, 1, 0), 0);
	assert_int_equal(storvsp_restore(f->sp, b.st, b.stlen), 0);
	cdb_srb(f, tur, 6, VSTOR_DATA_UNKNOWN, 0);
	expect_good(f, 0);
	saved_free(&b);
	fix_free(f);
}

/* The state of a device whose channel is closed: that of a new one. */
static size_t closed_state(struct fix *f, uint8_t *buf, size_t cap)
{
	struct storvsp *sp = sp_new(f, STORVSP_KIND_SCSI, lun0, 1, 0);
	size_t n;

	assert_int_equal(storvsp_save(sp, buf, cap, &n), 0);
	storvsp_destroy(sp);
	return n;
}

/* An open state needs the channel back, a closed one must find none. A
 * state saved after the guest closed its channel restores into a device
 * whose channel the server did not reopen; the guest opens it and
 * inits. */
static void test_closed_channel(void **state)
{
	struct fix *f = fix_new();
	struct saved b, open;
	uint8_t closed[1024];
	size_t clen = closed_state(f, closed, sizeof(closed));

	(void)state;
	assert_int_equal(closed[sizeof(struct storvsp_st_hdr) +
				offsetof(struct storvsp_st_dev, open)], 0);
	init_linux(f);
	save_both(f, &open);
	new_host(f, STORVSP_KIND_SCSI, lun0, 1, 0);
	assert_int_equal(vmbus_server_restore(f->s, open.v, open.vlen), 0);
	assert_int_equal(storvsp_restore(f->sp, closed, clen), -EINVAL);
	assert_int_equal(storvsp_restore(f->sp, open.st, open.stlen), 0);
	io_steps(f, &(struct seen){ 0 });
	/* The guest closes its channel; the host is saved then. */
	assert_int_equal(vmbus_client_close(f->c, f->relid), 0);
	harness_pump(&f->h, f->s, f->c);
	save_both(f, &b);
	assert_int_equal(b.stlen, clen);
	assert_memory_equal(b.st, closed, clen);
	new_host(f, STORVSP_KIND_SCSI, lun0, 1, 0);
	assert_int_equal(vmbus_server_restore(f->s, b.v, b.vlen), 0);
	assert_int_equal(storvsp_restore(f->sp, open.st, open.stlen), -EINVAL);
	assert_int_equal(storvsp_restore(f->sp, b.st, b.stlen), 0);
	assert_int_equal(vmbus_client_open(f->c, f->relid, 16, 4), 0);
	harness_pump(&f->h, f->s, f->c);
	init_linux(f);
	io_steps(f, &(struct seen){ 0 });
	saved_free(&b);
	saved_free(&open);
	fix_free(f);
}

/* A device that is not fresh (its session under way) takes no state. */
static void test_busy(void **state)
{
	struct fix *f = fix_new();
	uint8_t buf[1024];
	size_t n;

	(void)state;
	init_linux(f);
	assert_int_equal(storvsp_save(f->sp, buf, sizeof(buf), &n), 0);
	assert_int_equal(storvsp_restore(f->sp, buf, n), -EBUSY);
	fix_free(f);
}

/* ---- sub-channels ---- */

/* Linux's storvsc with two sub-channels (handle_multichannel_storage asks
 * right after init, handle_sc_creation opens each offer), offered before
 * the primary (subs_first: lower relids, so the server's restore gives
 * them back first) or after it. */
static struct fix *fix_with_subs(int subs_first)
{
	struct fix *f = subs_first ? fix_new_subs_first(2) : fix_new();

	if (subs_first)
		fix_open(f, f->relid, 16, 4);
	init_linux(f);
	assert_int_equal(op_simple(f, VSTOR_OP_CREATE_SUB_CHANNELS, 2), 0);
	assert_int_equal(f->subch_cb, 2);
	for (uint16_t i = 1; i <= 2; i++) {
		if (!subs_first)
			f->sub_relid[i] = fix_offer_sub(f, i);
		fix_open(f, f->sub_relid[i], 4, 4);
	}
	assert_true(subs_first ? f->sub_relid[2] < f->relid : f->sub_relid[1] > f->relid);
	return f;
}

/* The blob holds the sub-channels asked for and one record, sub-channel
 * 2's completion; nothing held on the primary. */
static void expect_held_on_2(const struct saved *b, unsigned sent)
{
	struct storvsp_st_hdr h;
	struct storvsp_st_dev d;
	struct storvsp_st_held r;

	memcpy(&h, b->st, sizeof(h));
	memcpy(&d, b->st + sizeof(h), sizeof(d));
	memcpy(&r, b->st + b->stlen - sizeof(r), sizeof(r));
	assert_int_equal(h.version, 2);
	assert_int_equal(h.nheld, 1);
	assert_int_equal(b->stlen, sizeof(h) + sizeof(d) + 8 + sizeof(r));
	assert_int_equal(d.subch, 2);
	assert_int_equal(d.waiting, 0);
	assert_int_equal(r.sub_index, 2);
	assert_int_equal(r.held_len, 64);
	assert_true(r.held_tid >= 1000 && r.held_tid < 1000 + sent);
}

/* Save-VM with two sub-channels open and sub-channel 2's ring full (a
 * completion held): a new host restores both saved states, whatever
 * order the server gives the channels back in; truncated blobs are
 * refused first. The guest then reads sub-channel 2 and gets every
 * completion once, in order, and goes on on every channel. */
static void run_subs_held(int subs_first)
{
	struct fix *f = fix_with_subs(subs_first);
	uint8_t fresh[1024];
	struct saved b;
	unsigned sent;
	size_t flen;

	tur_on(f, f->sub_relid[1], 11);
	sent = fill_ring(f, f->sub_relid[2]);
	save_both(f, &b);
	expect_held_on_2(&b, sent);
	new_host(f, STORVSP_KIND_SCSI, lun0, 1, 0);
	fix_offer_sub(f, 2);
	fix_offer_sub(f, 1);
	assert_int_equal(vmbus_server_restore(f->s, b.v, b.vlen), 0);
	assert_int_equal(storvsp_save(f->sp, fresh, sizeof(fresh), &flen), 0);
	for (size_t n = 0; n < b.stlen; n++)
		expect_refused(f->sp, b.st, n, fresh, flen);
	assert_int_equal(storvsp_restore(f->sp, b.st, b.stlen), 0);
	assert_true(no_guest_msgs(f));
	expect_state(f->sp, b.st, b.stlen);
	assert_int_equal(storvsp_subchannels_requested(f->sp), 2);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(mailbox_push(&f->h.to_host, 1, i ? f->sub_relid[i] : f->relid,
					      NULL, 0), 0);
	harness_pump(&f->h, f->s, f->c);
	drain_sent(f, f->sub_relid[2], sent);
	tur_on(f, f->sub_relid[2], 22);
	tur_on(f, f->sub_relid[1], 12);
	tur_on(f, f->relid, 2);
	assert_int_equal(f->h.logs, 0);
	saved_free(&b);
	fix_free(f);
}

static void test_subs_held(void **state)
{
	(void)state;
	run_subs_held(0);
}

static void test_subs_first_held(void **state)
{
	(void)state;
	run_subs_held(1);
}

/* A version 2 blob with nothing held on sub-channels as version 1 wrote
 * it: the 16-byte header, the rest unchanged. */
static size_t to_v1(const uint8_t *v2, size_t len, uint8_t *out)
{
	struct storvsp_st_hdr h;

	memcpy(&h, v2, sizeof(h));
	assert_int_equal(h.nheld, 0);
	h.version = 1;
	h.total = (uint32_t)(len - (sizeof(h) - STORVSP_ST_HDR_V1_SIZE));
	memcpy(out, &h, STORVSP_ST_HDR_V1_SIZE);
	memcpy(out + STORVSP_ST_HDR_V1_SIZE, v2 + sizeof(h), len - sizeof(h));
	return h.total;
}

/* A state saved in format version 1 (before sub-channels were saved)
 * still restores, a completion held on the primary with it; it saves
 * back as version 2. */
static void test_v1_accepted(void **state)
{
	struct fix *f = fix_new();
	uint8_t v1[1024];
	struct saved b;
	unsigned sent;
	size_t n;

	(void)state;
	init_linux(f);
	sent = fill_ring(f, f->relid);
	save_both(f, &b);
	n = to_v1(b.st, b.stlen, v1);
	assert_int_equal(n, 16 + 96 + 8);
	new_host(f, STORVSP_KIND_SCSI, lun0, 1, 0);
	assert_int_equal(vmbus_server_restore(f->s, b.v, b.vlen), 0);
	assert_int_equal(storvsp_restore(f->sp, v1, n), 0);
	expect_state(f->sp, b.st, b.stlen);
	assert_int_equal(mailbox_push(&f->h.to_host, 1, f->relid, NULL, 0), 0);
	harness_pump(&f->h, f->s, f->c);
	drain_sent(f, f->relid, sent);
	tur_on(f, f->relid, 3);
	saved_free(&b);
	fix_free(f);
}

/* ---- refusals of damaged blobs ---- */

/* Bits a blob may have either way: the version (another one storvsp
 * speaks), enum_pending's low bit (a rescan may be owed in READY) and
 * subch's three low bits (1, 2 or 4 sub-channels asked for, of the 4
 * told). 20 in all. */
static int flip_may_pass(size_t off, unsigned bit)
{
	size_t dev = sizeof(struct storvsp_st_hdr);

	if (off == dev + offsetof(struct storvsp_st_dev, enum_pending))
		return bit == 0;
	if (off == dev + offsetof(struct storvsp_st_dev, subch))
		return bit < 3;
	return off >= dev + offsetof(struct storvsp_st_dev, version) &&
	       off < dev + offsetof(struct storvsp_st_dev, version) + 2;
}

/* Truncated, extended, wrong magic or version, any one bit flipped: all
 * -EINVAL with the device untouched; then the good blob restores and
 * the guest carries on. */
static void test_damaged(void **state)
{
	static const struct lunaddr two[] = { { 0, 0, 0 }, { 1, 2, 3 } };
	static const uint8_t tur[6] = { 0 };
	struct fix *f = fix_new();
	uint8_t fresh[1024], bad[1024];
	struct storvsp_st_hdr h;
	struct saved b;
	size_t flen;
	unsigned refused = 0;

	(void)state;
	assert_int_equal(storvsp_add_lun(f->sp, 1, 2, 3, &f->bd, &disk_params), 0);
	init_linux(f);
	save_both(f, &b);
	new_host(f, STORVSP_KIND_SCSI, two, 2, 0);
	assert_int_equal(vmbus_server_restore(f->s, b.v, b.vlen), 0);
	assert_int_equal(storvsp_save(f->sp, fresh, sizeof(fresh), &flen), 0);
	assert_int_equal(b.stlen, 24 + 96 + 2 * 8);
	for (size_t n = 0; n < b.stlen; n++)
		expect_refused(f->sp, b.st, n, fresh, flen);
	memcpy(bad, b.st, b.stlen);
	memset(bad + b.stlen, 0, 16);
	for (size_t n = b.stlen + 1; n <= b.stlen + 16; n++)
		expect_refused(f->sp, bad, n, fresh, flen);
	/* extended, the header's total agreeing */
	memcpy(&h, bad, sizeof(h));
	h.total += 8;
	memcpy(bad, &h, sizeof(h));
	expect_refused(f->sp, bad, b.stlen + 8, fresh, flen);
	h.nluns++;
	memcpy(bad, &h, sizeof(h));
	expect_refused(f->sp, bad, b.stlen + 8, fresh, flen);
	/* magic and version */
	memcpy(bad, b.st, b.stlen);
	memcpy(&h, bad, sizeof(h));
	h.magic = STORVSP_ST_MAGIC + 1;
	memcpy(bad, &h, sizeof(h));
	expect_refused(f->sp, bad, b.stlen, fresh, flen);
	for (uint32_t v = 0; v < 4; v++) {
		if (v == STORVSP_ST_VERSION)
			continue;
		memcpy(&h, b.st, sizeof(h));
		h.version = v;
		memcpy(bad, &h, sizeof(h));
		expect_refused(f->sp, bad, b.stlen, fresh, flen);
	}
	for (size_t off = 0; off < b.stlen; off++)
		for (unsigned bit = 0; bit < 8; bit++) {
			if (flip_may_pass(off, bit))
				continue;
			memcpy(bad, b.st, b.stlen);
			bad[off] ^= (uint8_t)(1u << bit);
			expect_refused(f->sp, bad, b.stlen, fresh, flen);
			refused++;
		}
	assert_int_equal(refused, 8 * b.stlen - 20);
	assert_int_equal(storvsp_restore(f->sp, b.st, b.stlen), 0);
	assert_int_equal(mailbox_push(&f->h.to_host, 1, f->relid, NULL, 0), 0);
	harness_pump(&f->h, f->s, f->c);
	cdb_srb(f, tur, 6, VSTOR_DATA_UNKNOWN, 0);
	expect_good(f, 0);
	saved_free(&b);
	fix_free(f);
}

/* ---- what restore checks, field by field (no VMBus) ---- */

struct bare {
	struct storvsp *sp;
	/* [0] the primary, [i] sub-channel i; never written: restore sends
	 * nothing */
	struct vmbus_chan ch[FIX_SUBS + 1];
	unsigned open;            /* which of ch are open (bit i: ch[i]) */
	struct blockdev bd;
	uint8_t good[512], fresh[512];
	size_t len, flen;
};

static int no_check(void *ctx, uint64_t pfn, int w)
{
	(void)ctx; (void)pfn; (void)w;
	return -EFAULT;
}

static int no_read(void *ctx, uint64_t pfn, uint32_t off, void *buf, uint32_t len)
{
	(void)ctx; (void)pfn; (void)off; (void)buf; (void)len;
	return -EFAULT;
}

static int no_write(void *ctx, uint64_t pfn, uint32_t off, const void *buf,
		    uint32_t len)
{
	(void)ctx; (void)pfn; (void)off; (void)buf; (void)len;
	return -EFAULT;
}

static const struct storvsp_gmem_ops no_gmem = { no_check, no_read, no_write,
						 NULL, NULL, NULL, NULL };

/* Where the records of a two-LUN blob are. */
#define HDRSZ sizeof(struct storvsp_st_hdr)
#define DEVOFF HDRSZ
#define HELDOFF (HDRSZ + sizeof(struct storvsp_st_dev) + 2 * sizeof(struct storvsp_st_lun))
#define HELDSZ sizeof(struct storvsp_st_held)
#define SUBS_OPEN (1u << 1 | 1u << 2 | 1u << 4)

/* The channels open, sub-channels first and the primary last (the order
 * vmbus_server_restore may give them back in); then closed. */
static void bare_open(struct bare *b)
{
	for (unsigned i = FIX_SUBS + 1; i-- > 0;) {
		if (!(b->open & 1u << i))
			continue;
		b->ch[i].sub_index = (uint16_t)i;
		assert_int_equal(storvsp_dev_ops.on_open(b->sp, &b->ch[i]), 0);
	}
}

static void bare_close(struct bare *b)
{
	for (unsigned i = 0; i <= FIX_SUBS; i++)
		if (b->open & 1u << i)
			storvsp_dev_ops.on_close(b->sp, &b->ch[i]);
}

static void put_held(uint8_t *p, uint16_t sub_index, uint64_t tid)
{
	struct storvsp_st_held r = { .sub_index = sub_index, .held_len = 64,
				     .held_tid = tid };

	r.held_pkt[0] = VSTOR_OP_COMPLETE_IO;
	r.held_pkt[8] = (uint8_t)(0x80 + sub_index);   /* a status, any */
	memcpy(p, &r, sizeof(r));
}

/* A valid state for b: ready at 6.2, a completion held on the primary;
 * with subs, 4 sub-channels asked for and completions held on
 * sub-channels 1 and 2. */
static void bare_good(struct bare *b, int subs)
{
	struct storvsp_st_hdr h = { STORVSP_ST_MAGIC, STORVSP_ST_VERSION, 0, 2,
				    subs ? 2 : 0, 0 };
	struct storvsp_st_dev d = { .kind = STORVSP_KIND_SCSI, .open = 1,
				    .state = 4, .version = VSTOR_VERSION_WIN10,
				    .subch = subs ? 4 : 0,
				    .max_transfer = 2u << 20, .max_subchannels = 4,
				    .waiting = 1, .held_len = 64, .held_tid = 99 };
	struct storvsp_st_lun l[2] = { { 0, 0, 0, { 0 } }, { 0, 1, 2, { 0 } } };

	h.total = (uint32_t)(HELDOFF + h.nheld * HELDSZ);
	d.held_pkt[0] = VSTOR_OP_COMPLETE_IO;
	d.held_pkt[8] = 0x84;
	memcpy(b->good, &h, sizeof(h));
	memcpy(b->good + DEVOFF, &d, sizeof(d));
	memcpy(b->good + DEVOFF + sizeof(d), l, sizeof(l));
	for (unsigned i = 0; i < h.nheld; i++)
		put_held(b->good + HELDOFF + i * HELDSZ, (uint16_t)(i + 1), 100 + i);
	b->len = h.total;
}

/* A SCSI storvsp with LUNs (0,0,0) and (0,1,2), its primary channel open
 * and, with subs, sub-channels 1, 2 and 4 (3 not); good is a valid state
 * for it (bare_good), fresh its own. */
static struct bare *bare_new(int subs)
{
	struct bare *b = calloc(1, sizeof(*b));
	struct storvsp_config cfg = { .kind = STORVSP_KIND_SCSI, .gmem = &no_gmem,
				      .max_subchannels = 4 };

	assert_non_null(b);
	assert_int_equal(blockdev_ram_create(1 << 20, 512, &b->bd), 0);
	b->sp = storvsp_create(&cfg);
	assert_non_null(b->sp);
	assert_int_equal(storvsp_add_lun(b->sp, 0, 1, 2, &b->bd, &disk_params), 0);
	assert_int_equal(storvsp_add_lun(b->sp, 0, 0, 0, &b->bd, &disk_params), 0);
	b->open = 1u | (subs ? SUBS_OPEN : 0);
	bare_open(b);
	bare_good(b, subs);
	assert_int_equal(storvsp_save(b->sp, b->fresh, sizeof(b->fresh), &b->flen), 0);
	return b;
}

static void bare_free(struct bare *b)
{
	storvsp_destroy(b->sp);
	blockdev_close(&b->bd);
	free(b);
}

/* The session ends and the channels open again: the device is fresh. */
static void bare_reopen(struct bare *b)
{
	bare_close(b);
	bare_open(b);
	expect_state(b->sp, b->fresh, b->flen);
}

/* One field of the blob set to a value (little-endian). */
struct edit {
	uint16_t off;
	uint8_t size;
	uint64_t val;
};

#define SIZE(t, f) sizeof(((struct t *)0)->f)
#define HDR(f) offsetof(struct storvsp_st_hdr, f), SIZE(storvsp_st_hdr, f)
#define FIELD(f) DEVOFF + offsetof(struct storvsp_st_dev, f), SIZE(storvsp_st_dev, f)
#define PKT(i) DEVOFF + offsetof(struct storvsp_st_dev, held_pkt) + (i), 1
#define REC(r, f) HELDOFF + (r) * HELDSZ + offsetof(struct storvsp_st_held, f), \
	SIZE(storvsp_st_held, f)
#define RPKT(r, i) HELDOFF + (r) * HELDSZ + offsetof(struct storvsp_st_held, held_pkt) + (i), 1

struct check_case {
	const char *what;
	int want;
	int dlen;             /* bytes added (zeros) or cut at the end */
	struct edit e[6];     /* size 0 ends */
};

static void apply_edits(uint8_t *blob, const struct edit *e)
{
	for (unsigned i = 0; i < 6 && e[i].size; i++)
		for (unsigned k = 0; k < e[i].size; k++)
			blob[e[i].off + k] = (uint8_t)(e[i].val >> (8 * k));
}

/* Each case's blob, b's good one edited: restore answers want; a refusal
 * leaves b's device as it was, an acceptance makes it save the blob back,
 * then its channels close and open again. */
static void run_cases(struct bare *b, const struct check_case *cs, size_t n)
{
	static uint8_t blob[2048];

	for (size_t i = 0; i < n; i++) {
		const struct check_case *c = &cs[i];
		size_t len = b->len + (size_t)(ptrdiff_t)c->dlen;
		int rc;

		memset(blob, 0, sizeof(blob));
		memcpy(blob, b->good, b->len);
		apply_edits(blob, c->e);
		rc = storvsp_restore(b->sp, blob, len);
		if (rc != c->want)
			fail_msg("%s: %d, not %d", c->what, rc, c->want);
		if (rc) {
			expect_state(b->sp, b->fresh, b->flen);
			continue;
		}
		expect_state(b->sp, blob, len);
		bare_reopen(b);
	}
}

static const struct check_case dev_cases[] = {
	{ "unchanged", 0, 0, { { 0 } } },
	{ "state past READY", -EINVAL, 0, { { FIELD(state), 5 } } },
	{ "a version before one was agreed", -EINVAL, 0, { { FIELD(state), 1 } } },
	{ "a version storvsp does not speak", -EINVAL, 0, { { FIELD(version), 0x0601 } } },
	{ "READY without a version", -EINVAL, 0, { { FIELD(version), 0 } } },
	{ "held completion of 48 bytes at 6.2", -EINVAL, 0, { { FIELD(held_len), 48 } } },
	{ "held packet not a COMPLETE_IO", -EINVAL, 0, { { PKT(0), VSTOR_OP_EXECUTE_SRB } } },
	{ "held packet with flags", -EINVAL, 0, { { PKT(4), 1 } } },
	{ "waiting 2", -EINVAL, 0, { { FIELD(waiting), 2 } } },
	{ "a transaction id with nothing held", -EINVAL, 0, { { FIELD(waiting), 0 },
	  { FIELD(held_len), 0 }, { PKT(0), 0 }, { PKT(8), 0 } } },
	{ "a packet with nothing held", -EINVAL, 0, { { FIELD(waiting), 0 },
	  { FIELD(held_len), 0 }, { FIELD(held_tid), 0 }, { PKT(8), 0 } } },
	{ "nothing held", 0, 0, { { FIELD(waiting), 0 }, { FIELD(held_len), 0 },
	  { FIELD(held_tid), 0 }, { PKT(0), 0 }, { PKT(8), 0 } } },
	{ "held at 4.2", 0, 0, { { FIELD(version), VSTOR_VERSION_WIN7 },
	  { FIELD(held_len), 48 } } },
	{ "held at 4.2, bytes after it", -EINVAL, 0, { { FIELD(version), VSTOR_VERSION_WIN7 },
	  { FIELD(held_len), 48 }, { PKT(50), 1 } } },
	{ "held at 4.2, 64 bytes", -EINVAL, 0, { { FIELD(version), VSTOR_VERSION_WIN7 } } },
	{ "held before a version", 0, 0, { { FIELD(state), 1 }, { FIELD(version), 0 } } },
	{ "rescan owed", 0, 0, { { FIELD(enum_pending), 1 } } },
	{ "rescan owed before END_INIT", -EINVAL, 0, { { FIELD(enum_pending), 1 },
	  { FIELD(state), 3 } } },
	{ "rescan owed at 2.0", -EINVAL, 0, { { FIELD(enum_pending), 1 },
	  { FIELD(version), VSTOR_VERSION_WIN6 }, { FIELD(held_len), 48 } } },
	{ "enum_pending 2", -EINVAL, 0, { { FIELD(enum_pending), 2 } } },
	{ "a sub-channel asked for", 0, 0, { { FIELD(subch), 1 } } },
	{ "all 4 sub-channels told", 0, 0, { { FIELD(subch), 4 } } },
	{ "more sub-channels than told", -EINVAL, 0, { { FIELD(subch), 5 } } },
	{ "sub-channels in PROPS", 0, 0, { { FIELD(subch), 2 }, { FIELD(state), 3 } } },
	{ "sub-channels in VERSIONED", -EINVAL, 0, { { FIELD(subch), 2 },
	  { FIELD(state), 2 } } },
	{ "sub-channels at 5.1", 0, 0, { { FIELD(subch), 2 },
	  { FIELD(version), VSTOR_VERSION_WIN8 } } },
	{ "sub-channels at 4.2", -EINVAL, 0, { { FIELD(subch), 2 },
	  { FIELD(version), VSTOR_VERSION_WIN7 }, { FIELD(held_len), 48 } } },
	{ "pad", -EINVAL, 0, { { FIELD(pad), 1 } } },
	{ "pad2", -EINVAL, 0, { { FIELD(pad2), 1 } } },
	{ "closed, yet READY", -EINVAL, 0, { { FIELD(open), 0 } } },
	{ "open 2", -EINVAL, 0, { { FIELD(open), 2 } } },
	{ "another kind", -EINVAL, 0, { { FIELD(kind), STORVSP_KIND_IDE } } },
	{ "no kind", -EINVAL, 0, { { FIELD(kind), 9 } } },
	{ "another max transfer", -EINVAL, 0, { { FIELD(max_transfer), 1u << 20 } } },
	{ "another max sub-channels", -EINVAL, 0, { { FIELD(max_subchannels), 3 } } },
	{ "header pad", -EINVAL, 0, { { HDR(pad), 1 } } },
	{ "a held record counted, not there", -EINVAL, 0, { { HDR(nheld), 1 } } },
	{ "a held record, no sub-channel asked for or open", -EINVAL, (int)HELDSZ,
	  { { HDR(nheld), 1 }, { HDR(total), HELDOFF + HELDSZ }, { REC(0, sub_index), 1 },
	    { REC(0, held_len), 64 }, { RPKT(0, 0), VSTOR_OP_COMPLETE_IO } } },
};

/* Each rule of storvsp_save.c's st_check_proto, st_check_subch,
 * st_check_held and st_check_match, with the legal neighbours of the
 * illegal states. */
static void test_checks_dev(void **state)
{
	struct bare *b = bare_new(0);

	(void)state;
	run_cases(b, dev_cases, sizeof(dev_cases) / sizeof(dev_cases[0]));
	bare_free(b);
}

#define GOOD_SUBS_LEN (HELDOFF + 2 * HELDSZ)

/* Against the good state with sub-channels 1, 2 and 4 open, 4 asked for,
 * sub-channels 1 and 2 holding completions. */
static const struct check_case held_cases[] = {
	{ "unchanged", 0, 0, { { 0 } } },
	{ "the second on sub-channel 4", 0, 0, { { REC(1, sub_index), 4 } } },
	{ "the second on sub-channel 3, not open", -EINVAL, 0, { { REC(1, sub_index), 3 } } },
	{ "one on sub-channel 0 (the primary's is the device's)", -EINVAL, 0,
	  { { REC(0, sub_index), 0 } } },
	{ "descending", -EINVAL, 0, { { REC(0, sub_index), 2 }, { REC(1, sub_index), 1 } } },
	{ "sub-channel 2 twice", -EINVAL, 0, { { REC(0, sub_index), 2 } } },
	{ "past the sub-channels asked for", -EINVAL, 0, { { FIELD(subch), 3 },
	  { REC(1, sub_index), 4 } } },
	{ "past the 16 sub-channels", -EINVAL, 0, { { REC(1, sub_index), 17 } } },
	{ "fewer asked for than are open", -EINVAL, 0, { { FIELD(subch), 2 } } },
	{ "none asked for, some open", -EINVAL, -2 * (int)HELDSZ, { { FIELD(subch), 0 },
	  { HDR(nheld), 0 }, { HDR(total), HELDOFF } } },
	{ "pad", -EINVAL, 0, { { REC(0, pad), 1 } } },
	{ "48 bytes at 6.2", -EINVAL, 0, { { REC(1, held_len), 48 } } },
	{ "65 bytes", -EINVAL, 0, { { REC(1, held_len), 65 } } },
	{ "0 bytes", -EINVAL, 0, { { REC(1, held_len), 0 } } },
	{ "not a COMPLETE_IO", -EINVAL, 0, { { RPKT(1, 0), VSTOR_OP_EXECUTE_SRB } } },
	{ "with flags", -EINVAL, 0, { { RPKT(0, 4), 1 } } },
	{ "transaction id 0", 0, 0, { { REC(0, held_tid), 0 } } },
	{ "another status", 0, 0, { { RPKT(0, 8), 0 } } },
	{ "at 5.1", 0, 0, { { FIELD(version), VSTOR_VERSION_WIN8 } } },
	{ "in PROPS", 0, 0, { { FIELD(state), 3 } } },
	{ "only the first", 0, -(int)HELDSZ, { { HDR(nheld), 1 },
	  { HDR(total), GOOD_SUBS_LEN - HELDSZ } } },
	{ "only the primary's", 0, -2 * (int)HELDSZ, { { HDR(nheld), 0 },
	  { HDR(total), HELDOFF } } },
	{ "a third, all zeros", -EINVAL, (int)HELDSZ, { { HDR(nheld), 3 },
	  { HDR(total), GOOD_SUBS_LEN + HELDSZ } } },
	{ "a third on sub-channel 4", 0, (int)HELDSZ, { { HDR(nheld), 3 },
	  { HDR(total), GOOD_SUBS_LEN + HELDSZ }, { REC(2, sub_index), 4 },
	  { REC(2, held_len), 64 }, { RPKT(2, 0), VSTOR_OP_COMPLETE_IO } } },
	{ "three counted, two there", -EINVAL, 0, { { HDR(nheld), 3 } } },
	{ "17 counted and there", -EINVAL, 15 * (int)HELDSZ, { { HDR(nheld), 17 },
	  { HDR(total), GOOD_SUBS_LEN + 15 * HELDSZ } } },
};

/* The held records (st_check_held_recs) and the sub-channels the server
 * gave back (st_check_subs); then a device whose sub-channel still holds
 * a completion is not fresh even with no session (-EBUSY). */
static void test_checks_held(void **state)
{
	struct bare *b = bare_new(1);

	(void)state;
	run_cases(b, held_cases, sizeof(held_cases) / sizeof(held_cases[0]));
	assert_int_equal(storvsp_restore(b->sp, b->good, b->len), 0);
	storvsp_dev_ops.on_close(b->sp, &b->ch[0]);
	assert_int_equal(storvsp_dev_ops.on_open(b->sp, &b->ch[0]), 0);
	assert_int_equal(storvsp_restore(b->sp, b->good, b->len), -EBUSY);
	bare_reopen(b);
	assert_int_equal(storvsp_restore(b->sp, b->good, b->len), 0);
	bare_free(b);
}

/* Version 1: its 16-byte header, no sub-channels, no held records. It
 * restores (and saves back as version 2); with sub-channels asked for,
 * held records, a version 2 header, or into a device with sub-channels
 * open, it is refused. */
static void test_checks_v1(void **state)
{
	struct bare *b = bare_new(0), *bs = bare_new(1);
	uint8_t v1[512], bad[512];
	size_t n = to_v1(b->good, b->len, v1);
	struct storvsp_st_hdr h;

	(void)state;
	assert_int_equal(storvsp_restore(b->sp, v1, n), 0);
	expect_state(b->sp, b->good, b->len);
	bare_reopen(b);
	memcpy(bad, v1, n);
	bad[16 + offsetof(struct storvsp_st_dev, subch)] = 1;
	expect_refused(b->sp, bad, n, b->fresh, b->flen);
	memcpy(&h, v1, 16);
	h.total += (uint32_t)HELDSZ;
	memcpy(bad, &h, 16);
	memcpy(bad + 16, v1 + 16, n - 16);
	put_held(bad + n, 1, 5);
	expect_refused(b->sp, bad, n + HELDSZ, b->fresh, b->flen);
	memcpy(bad, b->good, b->len);
	bad[offsetof(struct storvsp_st_hdr, version)] = 1;
	expect_refused(b->sp, bad, b->len, b->fresh, b->flen);
	memcpy(bad, v1, n);
	bad[offsetof(struct storvsp_st_hdr, version)] = 2;
	expect_refused(b->sp, bad, n, b->fresh, b->flen);
	expect_refused(bs->sp, v1, n, bs->fresh, bs->flen);
	bare_free(b);
	bare_free(bs);
}

/* The LUN records: sp's set exactly, ascending, padding 0; and a device
 * with a session already (-EBUSY) or without a channel. */
static void test_checks_luns(void **state)
{
	struct bare *b = bare_new(0);
	struct storvsp_st_lun l[3];
	uint8_t blob[256];
	struct storvsp_st_hdr h;
	const size_t lo = HDRSZ + sizeof(struct storvsp_st_dev);

	(void)state;
	memcpy(l, b->good + lo, 16);
	memcpy(blob, b->good, b->len);
	memcpy(blob + lo, &l[1], 8);                 /* descending */
	memcpy(blob + lo + 8, &l[0], 8);
	expect_refused(b->sp, blob, b->len, b->fresh, b->flen);
	memcpy(blob + lo, &l[1], 8);                 /* twice the same */
	memcpy(blob + lo + 8, &l[1], 8);
	expect_refused(b->sp, blob, b->len, b->fresh, b->flen);
	memcpy(blob, b->good, b->len);
	blob[lo + 8 + 7] = 1;                        /* padding */
	expect_refused(b->sp, blob, b->len, b->fresh, b->flen);
	memcpy(blob, b->good, b->len);               /* one missing */
	memcpy(&h, blob, sizeof(h));
	h.nluns = 1;
	h.total -= 8;
	memcpy(blob, &h, sizeof(h));
	expect_refused(b->sp, blob, h.total, b->fresh, b->flen);
	memcpy(blob, b->good, b->len);               /* one more */
	l[2] = (struct storvsp_st_lun){ 0, 1, 3, { 0 } };
	memcpy(blob + b->len, &l[2], 8);
	h.nluns = 3;
	h.total = (uint32_t)b->len + 8;
	memcpy(blob, &h, sizeof(h));
	expect_refused(b->sp, blob, h.total, b->fresh, b->flen);
	/* good, then again into the device it made busy */
	assert_int_equal(storvsp_restore(b->sp, b->good, b->len), 0);
	assert_int_equal(storvsp_restore(b->sp, b->good, b->len), -EBUSY);
	expect_state(b->sp, b->good, b->len);
	/* no channel: an open state is refused, a closed one taken */
	bare_close(b);
	assert_int_equal(storvsp_restore(b->sp, b->good, b->len), -EINVAL);
	assert_int_equal(storvsp_save(b->sp, blob, sizeof(blob), &b->flen), 0);
	assert_int_equal(blob[HDRSZ + offsetof(struct storvsp_st_dev, open)], 0);
	assert_int_equal(storvsp_restore(b->sp, blob, b->flen), 0);
	assert_int_equal(storvsp_restore(b->sp, NULL, 0), -EINVAL);
	bare_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		{ "roundtrip_none", test_roundtrip, NULL, NULL, (void *)&stages[0] },
		{ "roundtrip_begun", test_roundtrip, NULL, NULL, (void *)&stages[1] },
		{ "roundtrip_versioned", test_roundtrip, NULL, NULL, (void *)&stages[2] },
		{ "roundtrip_props", test_roundtrip, NULL, NULL, (void *)&stages[3] },
		{ "roundtrip_ready", test_roundtrip, NULL, NULL, (void *)&stages[4] },
		{ "roundtrip_versioned_4.2", test_roundtrip, NULL, NULL, (void *)&stages[5] },
		{ "roundtrip_ready_4.2", test_roundtrip, NULL, NULL, (void *)&stages[6] },
		{ "roundtrip_ide", test_roundtrip, NULL, NULL, (void *)&stages[7] },
		cmocka_unit_test(test_io_before_save),
		cmocka_unit_test(test_held_completion),
		cmocka_unit_test(test_subs_held),
		cmocka_unit_test(test_subs_first_held),
		cmocka_unit_test(test_v1_accepted),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_closed_channel),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_checks_dev),
		cmocka_unit_test(test_checks_held),
		cmocka_unit_test(test_checks_v1),
		cmocka_unit_test(test_checks_luns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
