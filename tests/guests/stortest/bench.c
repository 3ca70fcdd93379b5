/*
 * stortest mode=bench: 4 KiB READ(10)s of LBA 64 one at a time (qd1=N)
 * and with 32 outstanding (qd32=N), counting the VMBus signals both ways:
 * the guest's HvSignalEvents to the host (main.c cl_signal, raised by the
 * ring rules of vmbus/ring.c, as Linux's hv_ringbuffer_write) and the
 * host's signals that reached the guest as SINT 2 interrupts (each clears
 * the SIEF flags, so every later signal interrupts again). With several
 * requests in the ring the host reads them in one pass and the guest
 * drains completions with interrupts masked (vmbus/chan.c), so under
 * load both counts fall below one per request: that is the coalescing
 * issue 15's benchmark asks to see (tests/bench/storage/bench_storvsc.py).
 *
 * The child's side of the child-versus-parent benchmark
 * (tests/bench/storage/bench_vhd_child_vs_parent.py), one request at a
 * time at the offsets the parent's Measure-VHD draws from the same
 * storage/bench_pattern.h, seed and count: rand4k=N 4 KiB READ(10)s and
 * rand4kw=N WRITE(10)s at random 4 KiB slots of seed=S (default 1), and
 * seq1m=N 1 MiB READ(10)s from LBA 0, wrapping at the disk's end (READ
 * CAPACITY's size, which is the VHD's).
 */
#include "guest.h"
#include "stortest.h"
#include "storage/bench_pattern.h"
#include "tests/guests/libc/string.h"

#define QD 32u
#define SEQ_BYTES (1u << 20)

enum { K_LBA64, K_RAND4K, K_RAND4KW, K_SEQ1M };

static uint32_t got;
/* The run's pattern: its kind, the disk's slots of its request size, the
 * random state; the slot drawn for request tid (kept for a resend when
 * the ring was full, so the sequence stays the parent's). */
static struct {
	int kind;
	uint64_t nslots, state, lba;
	uint32_t drawn_for;
} pat;
static uint8_t seq_buf[SEQ_BYTES] __attribute__((aligned(4096)));

static int count_pkt(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
		     const uint8_t *pkt)
{
	const struct vstor_packet *p = (const void *)(pkt + info->payload_off);

	(void)ctx;
	(void)ch;
	if (info->desc.type == VMBUS_PKT_COMP && info->payload_len >= 48 &&
	    p->srb.srb_status == SRB_STATUS_SUCCESS)
		got++;
	return 0;
}

/* Request tid's first LBA. */
static uint32_t req_lba(uint32_t tid)
{
	if (pat.drawn_for != tid) {
		pat.drawn_for = tid;
		pat.lba = pat.kind == K_LBA64 ? 64 :
			  pat.kind == K_SEQ1M ? bench_pat_seq(tid, pat.nslots) * (SEQ_BYTES / ST_LBSZ) :
			  bench_pat_random(&pat.state, pat.nslots) * (4096u / ST_LBSZ);
	}
	return (uint32_t)pat.lba;
}

static int send_req(uint32_t tid)
{
	static uint64_t pfns[SEQ_BYTES / 4096];
	int wr = pat.kind == K_RAND4KW;
	uint32_t len = pat.kind == K_SEQ1M ? SEQ_BYTES : 4096u;
	uint32_t base = (uint32_t)(pat.kind == K_SEQ1M ? seq_buf : st_buf) / 4096u;
	struct vmbus_gpa_desc d = { len, 0, pfns };
	struct vstor_packet p;
	uint8_t cdb[16];

	for (uint32_t i = 0; i < len / 4096u; i++)
		pfns[i] = base + i;
	st_cdb_rw10(cdb, wr, req_lba(tid), (uint16_t)(len / ST_LBSZ));
	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_EXECUTE_SRB;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p.srb.length = sizeof(p.srb);
	p.srb.cdb_length = 10;
	p.srb.sense_info_length = VSTOR_SENSE_MAX;
	p.srb.data_in = wr ? VSTOR_DATA_WRITE : VSTOR_DATA_READ;
	p.srb.data_transfer_length = len;
	memcpy(p.srb.cdb, cdb, 10);
	return vmbus_chan_send_gpa(st_chan(), 0x300000u + tid, &d, 1, &p, sizeof(p));
}

/* n requests of kind, at most qd outstanding; interrupts on while waiting. */
static void run(const char *name, int kind, uint64_t nslots, uint32_t n, uint32_t qd)
{
	static uint8_t rx[256];
	uint32_t sent = 0, s0 = st_signals_out, i0 = st_irqs_in;
	uint64_t t0 = guest_rdtsc(), t = t0;

	pat.kind = kind;
	pat.nslots = nslots;
	pat.state = guest_get_arg_u32("seed", 1);
	pat.drawn_for = ~0u;
	got = 0;
	while (got < n && guest_rdtsc() - t < 4 * st_tsc_hz) {
		uint32_t before = got;

		/* Refill when half the queue has completed, as a block layer
		 * under load submits a batch (one signal for the batch when
		 * the host has emptied the ring, vmbus/ring.c). */
		if (sent - got <= qd / 2)
			while (sent < n && sent - got < qd && !send_req(sent))
				sent++;
		guest_sti();
		guest_pause();
		guest_cli();
		if (vmbus_chan_poll(st_chan(), rx, sizeof(rx), count_pkt, NULL, 0) < 0)
			break;
		if (got != before)
			t = guest_rdtsc();
	}
	guest_printf("stortest: bench %s requests=%u done=%u ticks=%u signals_out=%u irqs_in=%u\n",
		     name, n, got, (uint32_t)(guest_rdtsc() - t0), st_signals_out - s0,
		     st_irqs_in - i0);
	st_check(got == n, "bench: every request completed");
}

/* The disk's size in bytes (READ CAPACITY(10)), 0 if it cannot tell. */
static uint64_t disk_bytes(void)
{
	static const uint8_t cdb[10] = { 0x25 };
	struct st_reply r;
	uint32_t last, bl;

	if (st_srb(0, 0, cdb, 10, VSTOR_DATA_READ, st_buf, 8, &r) || !r.got ||
	    r.pkt.srb.srb_status != SRB_STATUS_SUCCESS)
		return 0;
	last = (uint32_t)st_buf[0] << 24 | st_buf[1] << 16 | st_buf[2] << 8 | st_buf[3];
	bl = (uint32_t)st_buf[4] << 24 | st_buf[5] << 16 | st_buf[6] << 8 | st_buf[7];
	return bl == ST_LBSZ ? ((uint64_t)last + 1) * ST_LBSZ : 0;
}

void st_bench(void)
{
	uint32_t n1 = guest_get_arg_u32("qd1", 0), n32 = guest_get_arg_u32("qd32", 0);
	uint32_t nr = guest_get_arg_u32("rand4k", 0), nw = guest_get_arg_u32("rand4kw", 0);
	uint32_t ns = guest_get_arg_u32("seq1m", 0);
	uint64_t size = nr || nw || ns ? disk_bytes() : 0;

	if (n1)
		run("qd1", K_LBA64, 1, n1, 1);
	if (n32)
		run("qd32", K_LBA64, 1, n32, QD);
	if ((nr || nw || ns) && !size)
		st_check(0, "bench: READ CAPACITY gives the disk's size");
	if (nr && size >= 4096)
		run("rand4k", K_RAND4K, size / 4096, nr, 1);
	if (nw && size >= 4096)
		run("rand4kw", K_RAND4KW, size / 4096, nw, 1);
	if (ns && size >= SEQ_BYTES)
		run("seq1m", K_SEQ1M, size / SEQ_BYTES, ns, 1);
}
