/*
 * stortest's hostile part (issue 15, "Hostile guest"): requests before
 * the init is over, data ranges outside its memory or whose lengths
 * overflow, LUNs that do not exist, a flood of outstanding requests and
 * malformed packets. Each must get the exact error storvsp gives
 * (storage/storvsp/storvsp.c and storvsp_srb.c: SRB status, SCSI status
 * and sense, or the packet's NTSTATUS) and leave the channel working:
 * every check ends with an honest READ(10) of what io.c wrote.
 */
#include "guest.h"
#include "stortest.h"
#include "tests/guests/libc/string.h"
#include "vmbus/msg.h"

#define LBA 64u
#define NT_DEVICE_DOES_NOT_EXIST 0xC00000C0u
#define NT_IO_DEVICE_ERROR 0xC0000185u
#define FLOOD 3000u

/* What a request must get back. */
struct want {
	uint32_t status;
	uint8_t srb, scsi, key, asc;
};

static const struct want REFUSED = { VSTOR_STATUS_INVALID_PARAMETER, SRB_STATUS_INVALID_REQUEST,
				     0, 0, 0 };
static const struct want NOT_READY = { VSTOR_STATUS_INVALID_DEVICE_STATE,
				       SRB_STATUS_INVALID_REQUEST, 0, 0, 0 };

static int matches(const struct st_reply *r, const struct want *w)
{
	const struct vstor_srb *s = &r->pkt.srb;

	if (!r->got || r->pkt.operation != VSTOR_OP_COMPLETE_IO || r->pkt.status != w->status ||
	    s->srb_status != w->srb || s->scsi_status != w->scsi)
		return 0;
	if (!w->key)
		return 1;
	return s->sense_info_length >= 14 && (s->sense_data[2] & 0xf) == w->key &&
	       s->sense_data[12] == w->asc;
}

/* The verdict on one hostile request: its answer, then the channel
 * still serves an honest READ of the pattern io.c wrote. */
static void verdict(const char *what, const struct st_reply *r, const struct want *w)
{
	st_print_reply(what, r);
	st_check(matches(r, w) && st_read_verify(LBA, 16, 1), what);
}

/* Status-only answers (control packets, no SRB). */
static void verdict_status(const char *what, const struct st_reply *r, uint32_t status)
{
	guest_printf("stortest: %s: status 0x%x\n", what, r->got ? r->pkt.status : 0xffffffffu);
	st_check(r->got && r->pkt.status == status && st_read_verify(LBA, 16, 1), what);
}

/* ---- raw GPA-direct packets ---- */

struct rng {
	uint32_t count, offset, npfn;
	const uint64_t *pfn;
};

static uint8_t pktbuf[24 + 4 * 8 + 600 * 8 + VSTOR_PACKET_SIZE] __attribute__((aligned(8)));

/* Builds a type-9 packet (include/linux/hyperv.h struct vmdata_gpa_direct)
 * naming exactly what the caller says, right or wrong. */
static uint32_t build_gpa(uint64_t tid, const struct rng *rg, uint32_t n,
			  const struct vstor_packet *p)
{
	struct vmbus_gpa_direct_hdr h;
	uint32_t off = sizeof(h);

	for (uint32_t i = 0; i < n; i++) {
		struct vmbus_gpa_range g = { rg[i].count, rg[i].offset };

		if (off + sizeof(g) + rg[i].npfn * 8u + VSTOR_PACKET_SIZE > sizeof(pktbuf))
			return 0;    /* the caller's mistake: the send fails, the check too */
		memcpy(pktbuf + off, &g, sizeof(g));
		memcpy(pktbuf + off + sizeof(g), rg[i].pfn, rg[i].npfn * 8u);
		off += sizeof(g) + rg[i].npfn * 8u;
	}
	memset(&h, 0, sizeof(h));
	h.d.type = VMBUS_PKT_GPA_DIRECT;
	h.d.offset8 = (uint16_t)(off / 8u);
	h.d.len8 = (uint16_t)((off + VSTOR_PACKET_SIZE) / 8u);
	h.d.flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED;
	h.d.trans_id = tid;
	h.range_cnt = n;
	memcpy(pktbuf, &h, sizeof(h));
	memcpy(pktbuf + off, p, VSTOR_PACKET_SIZE);
	return off + VSTOR_PACKET_SIZE;
}

static void srb_packet(struct vstor_packet *p, uint8_t target, uint8_t lun, const uint8_t *cdb,
		       uint8_t cdb_len, uint8_t data_in, uint32_t dtl)
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
	p->srb.data_transfer_length = dtl;
	memcpy(p->srb.cdb, cdb, cdb_len > VSTOR_CDB_MAX ? VSTOR_CDB_MAX : cdb_len);
}

static void send_gpa(const uint8_t *cdb, uint8_t cdb_len, uint8_t data_in, uint32_t dtl,
		     const struct rng *rg, uint32_t n, struct st_reply *r)
{
	struct vstor_packet p;
	uint64_t tid = st_next_tid();

	srb_packet(&p, 0, 0, cdb, cdb_len, data_in, dtl);
	(void)st_raw(pktbuf, build_gpa(tid, rg, n, &p), tid, r);
}

/* ---- before END_INITIALIZATION ---- */

static void probe_srb(const char *what)
{
	uint8_t cdb[16];
	struct st_reply r;

	st_cdb_rw10(cdb, 0, 0, 1);
	st_srb(0, 0, cdb, 10, VSTOR_DATA_READ, st_buf, ST_LBSZ, &r);
	st_print_reply(what, &r);
	st_check(matches(&r, &NOT_READY), what);
}

static void probe_op(uint32_t op, const char *what, uint32_t want)
{
	struct vstor_packet p;
	struct st_reply r;

	memset(&p, 0, sizeof(p));
	p.operation = op;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p.version.major_minor = 0x0100;    /* no such protocol */
	(void)st_inband(&p, sizeof(p), &r);
	guest_printf("stortest: %s: status 0x%x\n", what, r.got ? r.pkt.status : 0xffffffffu);
	st_check(r.got && r.pkt.status == want, what);
}

void st_before_init(void)
{
	probe_srb("READ(10) before BEGIN_INITIALIZATION refused (INVALID_DEVICE_STATE)");
	probe_op(VSTOR_OP_QUERY_PROPERTIES, "QUERY_PROPERTIES before BEGIN_INITIALIZATION refused",
		 VSTOR_STATUS_INVALID_DEVICE_STATE);
	probe_op(VSTOR_OP_END_INIT, "END_INITIALIZATION before BEGIN_INITIALIZATION refused",
		 VSTOR_STATUS_INVALID_DEVICE_STATE);
	probe_op(VSTOR_OP_QUERY_PROTOCOL_VERSION, "QUERY_PROTOCOL_VERSION before BEGIN refused",
		 VSTOR_STATUS_INVALID_DEVICE_STATE);
}

/* Called by st_init between its steps. */
void st_probe_init(int step)
{
	if (step == 1) {
		probe_op(VSTOR_OP_QUERY_PROTOCOL_VERSION, "QUERY_PROTOCOL_VERSION 1.0: REVISION_MISMATCH",
			 VSTOR_STATUS_REVISION_MISMATCH);
		probe_srb("READ(10) after BEGIN_INITIALIZATION refused (INVALID_DEVICE_STATE)");
	} else if (step == 3) {
		probe_srb("READ(10) before END_INITIALIZATION refused (INVALID_DEVICE_STATE)");
	}
}

/* ---- data ranges ---- */

static uint64_t own(const void *p)
{
	return (uint32_t)p / 4096u;
}

/* A WRITE(10) of one page at LBA 64 whose page is pfn. */
static void bad_page(const char *what, uint64_t pfn)
{
	uint8_t cdb[16];
	struct rng rg = { 4096, 0, 1, &pfn };
	struct st_reply r;

	st_cdb_rw10(cdb, 1, LBA, 8);
	send_gpa(cdb, 10, VSTOR_DATA_WRITE, 4096, &rg, 1, &r);
	verdict(what, &r, &REFUSED);
}

/* Two of its own pages and a third that is not: nothing may move, not
 * even the first two pages (checked before any byte moves). */
static void mixed_pages(uint64_t bad)
{
	uint64_t pfn[3] = { own(st_buf), own(st_buf) + 1, bad };
	struct rng rg = { 3 * 4096, 0, 3, pfn };
	uint8_t cdb[16];
	struct st_reply r;
	int untouched = 1;

	for (uint32_t i = 0; i < 2 * 4096; i++)
		st_buf[i] = st_pattern(LBA, i, 2);
	st_cdb_rw10(cdb, 1, LBA, 24);
	send_gpa(cdb, 10, VSTOR_DATA_WRITE, 3 * 4096, &rg, 1, &r);
	verdict("WRITE over two own pages and one past its memory refused, the disk unchanged",
		&r, &REFUSED);
	memset(st_buf, 0xee, 2 * 4096);
	st_cdb_rw10(cdb, 0, LBA, 24);
	send_gpa(cdb, 10, VSTOR_DATA_READ, 3 * 4096, &rg, 1, &r);
	for (uint32_t i = 0; i < 2 * 4096; i++)
		untouched &= st_buf[i] == 0xee;
	st_print_reply("READ into two own pages and one past its memory", &r);
	st_check(matches(&r, &REFUSED) && untouched,
		 "READ into two own pages and one past its memory refused, its pages untouched");
	st_check(st_read_verify(LBA, 16, 1), "an honest READ after it");
}

static void ranges(uint32_t max_transfer, uint32_t mem_mib)
{
	static uint64_t many[600];
	uint64_t pfn = own(st_buf);
	uint8_t cdb[16];
	struct st_reply r;

	bad_page("WRITE from the page past its memory refused", (uint64_t)mem_mib * 256u);
	bad_page("WRITE from a page at 4 GiB refused", 0x100000);
	bad_page("WRITE from the local APIC page (0xfee00000, not its RAM) refused", 0xfee00);
	bad_page("WRITE from a PFN whose GPA overflows 64 bits refused", ~0ull);
	mixed_pages((uint64_t)mem_mib * 256u);
	st_cdb_rw10(cdb, 0, LBA, 8);
	{
		struct rng rg = { 0xffffffffu, 0xfff, 1, &pfn };

		send_gpa(cdb, 10, VSTOR_DATA_READ, 4096, &rg, 1, &r);
		verdict("a GPA range whose offset+length overflows 32 bits refused", &r, &REFUSED);
	}
	{
		struct rng rg = { 4096, 4096, 2, &many[0] };

		many[0] = pfn;
		many[1] = pfn + 1;
		send_gpa(cdb, 10, VSTOR_DATA_READ, 4096, &rg, 1, &r);
		verdict("a GPA range starting beyond its first page refused", &r, &REFUSED);
	}
	{
		struct rng rg = { 512, 0, 1, &pfn };

		send_gpa(cdb, 10, VSTOR_DATA_READ, 4096, &rg, 1, &r);
		verdict("a transfer length larger than its page range refused", &r, &REFUSED);
	}
	{
		uint32_t n = max_transfer / 4096u + 1;
		struct rng rg = { n * 4096u, 0, n, many };

		if (n > 600)
			n = 600;     /* then the length check below fails loudly */
		for (uint32_t i = 0; i < n; i++)
			many[i] = 0x100 + i;     /* its own RAM from 1 MiB */
		rg.npfn = n;
		st_cdb_rw16(cdb, 0, LBA, n * 8u);
		send_gpa(cdb, 16, VSTOR_DATA_READ, n * 4096u, &rg, 1, &r);
		verdict("a transfer length over max_transfer_bytes refused", &r, &REFUSED);
	}
	{
		/* The limit itself is honest: max_transfer_bytes from LBA 0
		 * into its own RAM at 4 MiB, the pattern where io.c wrote it. */
		uint32_t n = max_transfer / 4096u, ok = 1;
		const uint8_t *big = (const uint8_t *)0x400000;
		struct rng rg = { n * 4096u, 0, n, many };

		if (n > 600)
			n = 600;
		for (uint32_t i = 0; i < n; i++)
			many[i] = 0x400 + i;
		rg.npfn = n;
		st_cdb_rw16(cdb, 0, 0, n * 8u);
		send_gpa(cdb, 16, VSTOR_DATA_READ, n * 4096u, &rg, 1, &r);
		for (uint32_t i = 0; i < 16 * ST_LBSZ; i++)
			ok &= big[LBA * ST_LBSZ + i] == st_pattern(LBA, i, 1);
		st_print_reply("READ(16) of max_transfer_bytes", &r);
		st_check(r.got && r.pkt.srb.srb_status == SRB_STATUS_SUCCESS &&
			 r.pkt.srb.data_transfer_length == n * 4096u && ok,
			 "READ(16) of exactly max_transfer_bytes into its own RAM works");
	}
	{
		/* One page named twice (hv maps each page once a request,
		 * partition/vsp/vsp_stor.c gm_check): the read fills it twice,
		 * the second 4 KiB last. */
		uint64_t twice[2] = { pfn, pfn };
		struct rng rg = { 8192, 0, 2, twice };
		uint32_t ok = 1;

		st_cdb_rw10(cdb, 0, LBA, 8192 / ST_LBSZ);
		send_gpa(cdb, 10, VSTOR_DATA_READ, 8192, &rg, 1, &r);
		for (uint32_t i = 0; i < 4096; i++)
			ok &= st_buf[i] == st_pattern(LBA, 4096 + i, 1);
		st_check(r.got && r.pkt.srb.srb_status == SRB_STATUS_SUCCESS && ok,
			 "a READ of 8 KiB into one page named twice works, the second 4 KiB last");
	}
	{
		struct rng rg = { 4096, 0, 1, &pfn };

		st_cdb_rw10(cdb, 0, LBA, 8);
		send_gpa(cdb, 10, VSTOR_DATA_READ, 0xffffffffu, &rg, 1, &r);
		verdict("a transfer length of 0xffffffff refused", &r, &REFUSED);
	}
}

/* ---- CDB lengths that wrap ---- */

static void cdb_lengths(void)
{
	static const struct want lba_range = { NT_IO_DEVICE_ERROR,
					       SRB_STATUS_ERROR | SRB_STATUS_AUTOSENSE_VALID,
					       2, 5, 0x21 };
	static const struct want bad_field = { NT_IO_DEVICE_ERROR,
					       SRB_STATUS_ERROR | SRB_STATUS_AUTOSENSE_VALID,
					       2, 5, 0x24 };
	uint8_t cdb[16];
	struct st_reply r;

	st_cdb_rw16(cdb, 0, 0xfffffffffffffff8ull, 16);
	st_srb(0, 0, cdb, 16, VSTOR_DATA_READ, st_buf, 8192, &r);
	verdict("READ(16) whose LBA + length wraps 64 bits: LBA OUT OF RANGE", &r, &lba_range);
	st_cdb_rw16(cdb, 0, LBA, 0x00800008u);   /* x 512 wraps to 4096 in 32 bits */
	st_srb(0, 0, cdb, 16, VSTOR_DATA_READ, st_buf, 4096, &r);
	verdict("READ(16) of 0x800008 blocks (bytes wrap 32 bits): LBA OUT OF RANGE", &r, &lba_range);
	st_cdb_rw10(cdb, 1, LBA, 8);
	st_srb(0, 0, cdb, 10, VSTOR_DATA_WRITE, st_buf, 512, &r);
	verdict("WRITE(10) of 8 blocks from a 512-byte buffer: INVALID FIELD IN CDB", &r, &bad_field);
}

/* ---- LUNs ---- */

static void luns(void)
{
	static const struct want no_lun = { NT_DEVICE_DOES_NOT_EXIST, SRB_STATUS_INVALID_LUN, 0, 0, 0 };
	static const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	uint8_t cdb[16];
	struct st_reply r;

	st_cdb_rw10(cdb, 0, LBA, 8);
	st_srb(0, 1, cdb, 10, VSTOR_DATA_READ, st_buf, 4096, &r);
	verdict("READ(10) to LUN 1 (not there): SRB_STATUS_INVALID_LUN", &r, &no_lun);
	st_srb(1, 0, cdb, 10, VSTOR_DATA_READ, st_buf, 4096, &r);
	verdict("READ(10) to target 1 (not there): SRB_STATUS_INVALID_LUN", &r, &no_lun);
	st_srb(0, 255, cdb, 10, VSTOR_DATA_READ, st_buf, 4096, &r);
	verdict("READ(10) to LUN 255 (not there): SRB_STATUS_INVALID_LUN", &r, &no_lun);
	memset(st_buf, 0, 64);
	st_srb(0, 5, inq, 6, VSTOR_DATA_READ, st_buf, 36, &r);
	st_print_reply("INQUIRY of LUN 5", &r);
	st_check(r.got && r.pkt.srb.srb_status == SRB_STATUS_SUCCESS && st_buf[0] == 0x7f &&
		 st_read_verify(LBA, 16, 1), "INQUIRY of LUN 5: peripheral qualifier 3 (no LU there)");
}

/* ---- malformed packets ---- */

static void malformed(void)
{
	struct vstor_packet p;
	struct st_reply r;
	uint8_t cdb[16];
	uint64_t pfn = own(st_buf);
	struct rng rg = { 4096, 0, 1, &pfn };

	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_EXECUTE_SRB;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	(void)st_inband(&p, 16, &r);
	verdict_status("a 16-byte VSTOR packet: INVALID_PARAMETER", &r, VSTOR_STATUS_INVALID_PARAMETER);
	p.operation = 99;
	(void)st_inband(&p, sizeof(p), &r);
	verdict_status("operation 99: NOT_SUPPORTED", &r, VSTOR_STATUS_NOT_SUPPORTED);
	p.operation = VSTOR_OP_FCHBA_DATA;
	(void)st_inband(&p, sizeof(p), &r);
	verdict_status("FCHBA_DATA: NOT_SUPPORTED", &r, VSTOR_STATUS_NOT_SUPPORTED);
	p.operation = VSTOR_OP_BEGIN_INIT;
	(void)st_inband(&p, sizeof(p), &r);
	verdict_status("BEGIN_INITIALIZATION again: INVALID_DEVICE_STATE, the session goes on", &r,
		       VSTOR_STATUS_INVALID_DEVICE_STATE);
	{
		uint64_t tid = st_next_tid();

		p.operation = VSTOR_OP_BEGIN_INIT;
		(void)st_raw(pktbuf, build_gpa(tid, &rg, 1, &p), tid, &r);
		verdict_status("BEGIN_INITIALIZATION as a GPA-direct packet: INVALID_PARAMETER", &r,
			       VSTOR_STATUS_INVALID_PARAMETER);
	}
	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_CREATE_SUB_CHANNELS;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p.sub_channel_count = 4;
	(void)st_inband(&p, sizeof(p), &r);
	verdict_status("CREATE_SUB_CHANNELS where none are offered: INVALID_DEVICE_STATE", &r,
		       VSTOR_STATUS_INVALID_DEVICE_STATE);
	st_cdb_rw10(cdb, 0, LBA, 8);
	st_srb(0, 0, cdb, 0, VSTOR_DATA_READ, st_buf, 4096, &r);
	verdict("an SRB with cdb_length 0 refused", &r, &REFUSED);
	st_srb(0, 0, cdb, 17, VSTOR_DATA_READ, st_buf, 4096, &r);
	verdict("an SRB with cdb_length 17 refused", &r, &REFUSED);
}

/* ---- a flood ---- */

static uint8_t seen[FLOOD];
static uint32_t flood_bad;

static int flood_pkt(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
		     const uint8_t *pkt)
{
	uint64_t i = info->desc.trans_id - 0x100000u;
	const struct vstor_packet *p = (const void *)(pkt + info->payload_off);

	(void)ch;
	(void)ctx;
	if (info->desc.type != VMBUS_PKT_COMP || i >= FLOOD || info->payload_len < 48 ||
	    p->status != VSTOR_STATUS_SUCCESS || p->srb.srb_status != SRB_STATUS_SUCCESS)
		flood_bad++;
	else
		seen[i]++;
	return 0;
}

/* FLOOD requests (TEST UNIT READY in band, READ(10) of one block by GPA
 * direct, alternately) sent without waiting: when the ring to the host
 * is full, read what came back and go on. Every request must complete
 * exactly once; at most a ring's worth is ever outstanding. */
static void flood(void)
{
	static uint8_t rx[256];
	struct vmbus_chan *ch = st_chan();
	uint32_t sent = 0, done = 0, full = 0, most = 0, dup = 0, missing = 0, prev;
	uint64_t t0 = guest_rdtsc(), t = t0;
	uint8_t cdb[16];

	st_cdb_rw10(cdb, 0, LBA, 1);
	while (done < FLOOD && guest_rdtsc() - t < 4 * st_tsc_hz) {
		int err = 0;

		while (sent < FLOOD && !err) {
			struct vstor_packet p;
			uint64_t pfn = own(st_buf);
			struct vmbus_gpa_desc d = { ST_LBSZ, 0, &pfn };

			srb_packet(&p, 0, 0, sent & 1 ? cdb : (const uint8_t *)"\0\0\0\0\0", sent & 1 ? 10 : 6,
				   sent & 1 ? VSTOR_DATA_READ : VSTOR_DATA_UNKNOWN, sent & 1 ? ST_LBSZ : 0);
			err = sent & 1 ? vmbus_chan_send_gpa(ch, 0x100000u + sent, &d, 1, &p, sizeof(p))
				       : vmbus_chan_send(ch, VMBUS_PKT_INBAND,
							 VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
							 0x100000u + sent, &p, sizeof(p));
			if (!err)
				sent++;
		}
		full += err != 0;
		most = sent - done > most ? sent - done : most;
		if (vmbus_chan_poll(ch, rx, sizeof(rx), flood_pkt, NULL, 0) < 0)
			break;
		prev = done + sent;
		done = 0;
		for (uint32_t i = 0; i < sent; i++)
			done += seen[i] != 0;
		if (done + sent != prev)
			t = guest_rdtsc();    /* progress: the 4 s start again */
	}
	for (uint32_t i = 0; i < FLOOD; i++) {
		dup += seen[i] > 1;
		missing += seen[i] == 0;
	}
	guest_printf("stortest: flood of %u: %u sent, %u completed, %u missing, %u twice, %u bad, "
		     "ring full %u times, at most %u outstanding, %u ticks\n", FLOOD, sent, done,
		     missing, dup, flood_bad, full, most, (uint32_t)(guest_rdtsc() - t0));
	st_check(sent == FLOOD && missing == 0 && dup == 0 && flood_bad == 0 && full > 0 &&
		 st_read_verify(LBA, 16, 1),
		 "flood: every request completed exactly once, the ring filled, READ after it");
}

/* Requests that ask for no completion: the host runs them and answers
 * nothing; the next request's answer is the next thing in the ring. */
static void silent(void)
{
	struct vstor_packet p;
	uint32_t sent = 0, strays = st_strays;

	srb_packet(&p, 0, 0, (const uint8_t *)"\0\0\0\0\0", 6, VSTOR_DATA_UNKNOWN, 0);
	p.flags = 0;
	for (uint32_t i = 0; i < 500; i++)
		sent += vmbus_chan_send(st_chan(), VMBUS_PKT_INBAND, 0, 0x200000u + i, &p,
					sizeof(p)) == 0;
	guest_printf("stortest: %u requests without completion sent\n", sent);
	st_check(sent == 500 && st_read_verify(LBA, 16, 1) && st_strays == strays,
		 "500 requests asking no completion: none answered, READ after them");
}

void st_hostile(uint32_t max_transfer, uint32_t mem_mib)
{
	ranges(max_transfer, mem_mib);
	cdb_lengths();
	luns();
	malformed();
	flood();
	silent();
}
