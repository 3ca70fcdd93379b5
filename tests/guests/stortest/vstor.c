/*
 * stortest's VSTOR client: packets as Linux's storvsc sends them
 * (drivers/scsi/storvsc_drv.c: in-band control packets and data-less
 * SRBs with VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED, SRBs with data
 * as one GPA-direct range, storvsc_channel_init's order), and the wait
 * for each completion by transaction id.
 */
#include "guest.h"
#include "stortest.h"
#include "tests/guests/libc/string.h"
#include "vmbus/msg.h"

uint8_t st_buf[ST_IO_BYTES] __attribute__((aligned(4096)));
static struct vmbus_chan *chan;
static uint64_t tid_next = 0x1000;
static uint8_t rxbuf[512];
uint32_t st_strays;
int st_probing;

struct vmbus_chan *st_chan(void)
{
	return chan;
}

void st_set_chan(struct vmbus_chan *ch)
{
	chan = ch;
}

uint64_t st_next_tid(void)
{
	return tid_next++;
}

struct waiter {
	uint64_t tid;
	struct st_reply *r;
};

static int on_pkt(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
		  const uint8_t *pkt)
{
	struct waiter *w = ctx;
	uint32_t n = info->payload_len;

	(void)ch;
	if (info->desc.type != VMBUS_PKT_COMP || info->desc.trans_id != w->tid) {
		guest_printf("stortest: stray packet type %u tid 0x%x\n", info->desc.type,
			     (uint32_t)info->desc.trans_id);
		st_strays++;
		return 0;
	}
	w->r->got = 1;
	w->r->len = n;
	memcpy(&w->r->pkt, pkt + info->payload_off, n < sizeof(w->r->pkt) ? n : sizeof(w->r->pkt));
	return 0;
}

int st_wait(uint64_t tid, struct st_reply *r)
{
	struct waiter w = { tid, r };
	uint64_t t0 = guest_rdtsc();

	memset(r, 0, sizeof(*r));
	int err = 0;

	while (!r->got && guest_rdtsc() - t0 < 4 * st_tsc_hz && err >= 0)
		err = vmbus_chan_poll(chan, rxbuf, sizeof(rxbuf), on_pkt, &w, 0);
	if (err < 0)
		guest_printf("stortest: channel broken (%d): %s\n", err,
			     chan->in.why ? chan->in.why : chan->out.why ? chan->out.why : "?");
	return r->got ? 0 : -1;
}

int st_inband(const struct vstor_packet *p, uint32_t len, struct st_reply *r)
{
	uint64_t tid = st_next_tid();

	if (vmbus_chan_send(chan, VMBUS_PKT_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, tid, p, len)) {
		memset(r, 0, sizeof(*r));
		return -1;
	}
	return st_wait(tid, r);
}

int st_raw(const void *pkt, uint32_t len, uint64_t tid, struct st_reply *r)
{
	struct vmbus_iovec v = { pkt, len };
	bool sig = false;

	int err = vmbus_ring_write(&chan->out, &v, 1, &sig);

	if (err) {
		guest_printf("stortest: ring write of %u bytes: %d\n", len, err);
		memset(r, 0, sizeof(*r));
		return -1;
	}
	if (sig)
		(void)chan->signal(chan->signal_ctx, chan->signal_id);
	return st_wait(tid, r);
}

void st_print_reply(const char *what, const struct st_reply *r)
{
	const struct vstor_srb *s = &r->pkt.srb;

	if (!r->got) {
		guest_printf("stortest: %s: no completion\n", what);
		return;
	}
	guest_printf("stortest: %s: status 0x%x srb 0x%x scsi 0x%x sense %x/%x/%x len %u\n", what,
		     r->pkt.status, s->srb_status, s->scsi_status,
		     s->sense_info_length ? s->sense_data[2] & 0xf : 0,
		     s->sense_info_length ? s->sense_data[12] : 0,
		     s->sense_info_length ? s->sense_data[13] : 0, s->data_transfer_length);
}

/* ---- init (storvsc_channel_init) ---- */

static int op(uint32_t operation, const char *what, struct vstor_packet *out)
{
	struct vstor_packet p;
	struct st_reply r;

	memset(&p, 0, sizeof(p));
	p.operation = operation;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	if (out)
		p = *out;
	if (st_inband(&p, sizeof(p), &r) || r.pkt.operation != VSTOR_OP_COMPLETE_IO ||
	    r.pkt.status != VSTOR_STATUS_SUCCESS) {
		guest_printf("stortest: %s: status 0x%x\n", what, r.got ? r.pkt.status : 0xffffffffu);
		return -1;
	}
	if (out)
		*out = r.pkt;
	return 0;
}

int st_init(uint32_t *max_transfer)
{
	/* Linux 6.x's vmstor_protocols, newest first. */
	static const uint16_t versions[] = { VSTOR_VERSION_WIN10, VSTOR_VERSION_WIN8_1,
					     VSTOR_VERSION_WIN8 };
	struct vstor_packet p;
	unsigned i;

	if (op(VSTOR_OP_BEGIN_INIT, "BEGIN_INITIALIZATION", NULL))
		return -1;
	if (st_probing)
		st_probe_init(1);
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.operation = VSTOR_OP_QUERY_PROTOCOL_VERSION;
		p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
		p.version.major_minor = versions[i];
		if (!op(0, "QUERY_PROTOCOL_VERSION", &p))
			break;
	}
	if (i == sizeof(versions) / sizeof(versions[0]))
		return -1;
	guest_printf("stortest: protocol 0x%x\n", versions[i]);
	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_QUERY_PROPERTIES;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	if (op(0, "QUERY_PROPERTIES", &p))
		return -1;
	*max_transfer = p.props.max_transfer_bytes;
	if (st_probing)
		st_probe_init(3);
	guest_printf("stortest: max_transfer_bytes %u, channels %u\n", *max_transfer,
		     p.props.max_channel_cnt);
	return op(VSTOR_OP_END_INIT, "END_INITIALIZATION", NULL);
}

/* ---- SRBs (storvsc_queuecommand) ---- */

static void srb_fill(struct vstor_packet *p, uint8_t target, uint8_t lun, const uint8_t *cdb,
		     uint8_t cdb_len, uint8_t data_in, uint32_t len)
{
	memset(p, 0, sizeof(*p));
	p->operation = VSTOR_OP_EXECUTE_SRB;
	p->flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p->srb.length = sizeof(p->srb);
	p->srb.target_id = target;
	p->srb.lun = lun;
	p->srb.cdb_length = cdb_len;
	p->srb.sense_info_length = VSTOR_SENSE_MAX;
	p->srb.data_in = data_in;
	p->srb.data_transfer_length = len;
	memcpy(p->srb.cdb, cdb, cdb_len > VSTOR_CDB_MAX ? VSTOR_CDB_MAX : cdb_len);
	p->srb.win8.srb_flags = data_in == VSTOR_DATA_READ ? SRB_FLAGS_DATA_IN :
				data_in == VSTOR_DATA_WRITE ? SRB_FLAGS_DATA_OUT : 0;
	p->srb.win8.time_out_value = 60;
}

int st_srb(uint8_t target, uint8_t lun, const uint8_t *cdb, uint8_t cdb_len, uint8_t data_in,
	   void *buf, uint32_t len, struct st_reply *r)
{
	static uint64_t pfns[ST_IO_BYTES / 4096 + 1];
	struct vstor_packet p;
	struct vmbus_gpa_desc d;
	uint32_t addr = (uint32_t)buf;
	uint64_t tid = st_next_tid();

	srb_fill(&p, target, lun, cdb, cdb_len, len ? data_in : VSTOR_DATA_UNKNOWN, len);
	if (!len)
		return st_inband(&p, sizeof(p), r);
	for (uint32_t i = 0; i < (addr % 4096 + len + 4095) / 4096 && i < ST_IO_BYTES / 4096 + 1; i++)
		pfns[i] = addr / 4096 + i;
	d = (struct vmbus_gpa_desc){ len, addr % 4096, pfns };
	if (vmbus_chan_send_gpa(chan, tid, &d, 1, &p, sizeof(p))) {
		memset(r, 0, sizeof(*r));
		return -1;
	}
	return st_wait(tid, r);
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

void st_cdb_rw10(uint8_t *cdb, int write, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 10);
	cdb[0] = write ? 0x2a : 0x28;   /* WRITE(10), READ(10): SBC-3 5.29, 5.11 */
	put_be(cdb + 2, lba, 4);
	put_be(cdb + 7, blocks, 2);
}

void st_cdb_rw16(uint8_t *cdb, int write, uint64_t lba, uint32_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = write ? 0x8a : 0x88;   /* WRITE(16), READ(16) */
	put_be(cdb + 2, lba, 8);
	put_be(cdb + 10, blocks, 4);
}

uint8_t st_pattern(uint32_t lba, uint32_t i, uint8_t salt)
{
	return (uint8_t)(lba * 5u + salt * 29u + i + (i >> 9) * 3u);
}

int st_read_verify(uint32_t lba, uint16_t blocks, uint8_t salt)
{
	uint8_t cdb[16];
	struct st_reply r;
	uint32_t len = blocks * ST_LBSZ;

	memset(st_buf, 0xee, len);
	st_cdb_rw10(cdb, 0, lba, blocks);
	if (st_srb(0, 0, cdb, 10, VSTOR_DATA_READ, st_buf, len, &r) ||
	    r.pkt.srb.srb_status != SRB_STATUS_SUCCESS || r.pkt.srb.data_transfer_length != len)
		return 0;
	for (uint32_t i = 0; i < len; i++)
		if (st_buf[i] != st_pattern(lba, i, salt))
			return 0;
	return 1;
}
