/*
 * nettest's roles on a working NIC. Test frames carry the local
 * experimental EtherType 0x88B5 (IEEE Std 802 clause 9.2.4), then a
 * header (magic, kind, sequence, length) and bytes that depend on the
 * sequence number and position, so that every byte can be checked.
 *
 * mode=echo: answers each DATA frame with the same bytes back to its
 * sender (addresses swapped), counts FLOOD frames without answering, and
 * at each MARK prints what it got since the last one and answers STAT.
 * Runs until the host turns the VM off.
 *
 * mode=send peer=MAC [count=N] [forge=M] [tag=V tagged=M] [expect=none]:
 * N DATA frames of the sizes below, in batches of 8, alternately through
 * the send buffer and page buffers, each echo checked byte for byte;
 * then M frames with a forged source address and M frames tagged with
 * VLAN V (both must be dropped by the switch); then a MARK, whose STAT
 * says how many DATA frames the echoer got and verified.
 */
#include "guest.h"
#include "nettest.h"
#include "tests/guests/libc/string.h"

#define ETHERTYPE 0x88b5u
#define MAGIC     0x5453544eu   /* "NTST" */
#define HDR_LEN   26u           /* Ethernet 14 + magic 4, kind 2, len 2, seq 4 */
#define BATCH     8u
#define QUEUE     32u

enum { K_DATA = 1, K_MARK, K_STAT, K_FLOOD = NT_KIND_FLOOD, K_ACK };

/* mode=bench's window: the echoer acknowledges every ACK_EVERY FLOOD
 * frames (K_ACK, its counts like STAT's), and the sender keeps at most
 * WINDOW unacknowledged, fewer than the echoer's 151 receive sections,
 * so a sender faster than the echoer waits as a TCP sender would instead
 * of overflowing its receive buffer (the bench then measures the
 * slowest stage, not the drops). */
#define ACK_EVERY 32u
#define WINDOW    96u

struct nt_hdr {
	uint32_t magic;
	uint16_t kind;
	uint16_t len;
	uint32_t seq;
} __attribute__((packed));
_Static_assert(sizeof(struct nt_hdr) == 12, "test frame header");

static const uint32_t sizes[] = { 60, 64, 128, 333, 577, 1024, 1500, 1514 };
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* gpa=0: every frame through the send buffer; gpa=1: through page
 * buffers; default: alternately. */
static int use_gpa(uint32_t i)
{
	uint32_t mode = guest_get_arg_u32("gpa", 2);

	return mode == 2 ? (int)(i & 1) : (int)mode;
}

static uint8_t byte_of(uint32_t seq, uint32_t i)
{
	return (uint8_t)(seq * 131u + i * 7u + (i >> 8));
}

/* FLOOD frames carry one pattern whatever their sequence number, so that
 * a bench's sender copies it and its receiver compares it with REPE
 * CMPSD instead of computing each byte (the frames' cost in the guests,
 * not the switch's, had set the bench's figure: docs/benchmarks.md). */
static const uint8_t *flood_body(void)
{
	static uint8_t tpl[NT_FRAME_MAX];
	static int built;

	if (!built) {
		for (uint32_t i = HDR_LEN; i < NT_FRAME_MAX; i++)
			tpl[i] = byte_of(0, i);
		built = 1;
	}
	return tpl;
}

/* 1 when n bytes at a and b are equal: dwords by REPE CMPSD (the CMP
 * before it sets ZF, so a count of 0 compares equal; SDM Vol. 2B
 * "REP/REPE"), the rest a byte at a time. */
static int same(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t c = n / 4;
	uint8_t ne;

	__asm__ volatile("cld; cmp %%ecx, %%ecx; repe cmpsl; setne %0"
			 : "=q"(ne), "+S"(a), "+D"(b), "+c"(c) : : "cc", "memory");
	if (ne)
		return 0;
	for (uint32_t i = 0; i < n % 4; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* A test frame: dst, src, EtherType, header, pattern (kind STAT carries
 * two counts in its first 8 pattern bytes instead). */
void nt_build_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t kind,
		  uint32_t seq, uint32_t len)
{
	struct nt_hdr h = { MAGIC, kind, (uint16_t)len, seq };

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 0xff;
	memcpy(f + 14, &h, sizeof(h));
	if (kind == K_FLOOD && len <= NT_FRAME_MAX) {
		memcpy(f + HDR_LEN, flood_body() + HDR_LEN, len - HDR_LEN);
		return;
	}
	for (uint32_t i = HDR_LEN; i < len; i++)
		f[i] = byte_of(seq, i);
}

/* 0 when f is a well-formed test frame of its length; its header in *h. */
static int check(const uint8_t *f, uint32_t len, struct nt_hdr *h)
{
	if (len < HDR_LEN || f[12] != (ETHERTYPE >> 8) || f[13] != (ETHERTYPE & 0xff))
		return -1;
	memcpy(h, f + 14, sizeof(*h));
	if (h->magic != MAGIC || h->len != len)
		return -1;
	if (h->kind == K_STAT || h->kind == K_ACK)
		return 0;
	if (h->kind == K_FLOOD)
		return len <= NT_FRAME_MAX && same(f + HDR_LEN, flood_body() + HDR_LEN, len - HDR_LEN) ? 0 : -1;
	for (uint32_t i = HDR_LEN; i < len; i++)
		if (f[i] != byte_of(h->seq, i))
			return -1;
	return 0;
}

static int memcmp6(const uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < 6; i++)
		if (a[i] != b[i])
			return 1;
	return 0;
}

int nt_parse_mac(const char *s, uint8_t *mac)
{
	for (int i = 0; i < 12; i++) {
		char c = s[i];
		uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0') :
			     c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10) :
			     c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 16;

		if (d == 16)
			return -1;
		mac[i / 2] = (uint8_t)(i % 2 ? mac[i / 2] | d : d << 4);
	}
	return s[12] ? -1 : 0;
}

/* ---- echo ---- */

struct echo {
	struct nt_nic *n;
	uint32_t got, ok, bad, echoed, flood, lost, marks;
	uint32_t head, count;
	uint32_t qlen[QUEUE];
	uint8_t q[QUEUE][NT_FRAME_MAX];
};

static void echo_rx(void *ctx, const uint8_t *f, uint32_t len)
{
	struct echo *e = ctx;
	struct nt_hdr h;
	uint8_t *out;

	if (check(f, len, &h)) {
		e->bad++;
		return;
	}
	if (h.kind == K_FLOOD) {
		e->flood++;
		if (e->flood % ACK_EVERY || e->count == QUEUE)
			return;
		out = e->q[(e->head + e->count) % QUEUE];
		nt_build_frame(out, f + 6, e->n->mac, K_ACK, h.seq, 64);
		memcpy(out + HDR_LEN + 8, &e->flood, 4);   /* where STAT has it */
		e->qlen[(e->head + e->count) % QUEUE] = 64;
		e->count++;
		return;
	}
	if (h.kind == K_DATA) {
		e->got++;
		e->ok++;
	}
	if (e->count == QUEUE) {
		e->lost++;
		return;
	}
	/* Answered from the main loop: sending polls the channel. */
	out = e->q[(e->head + e->count) % QUEUE];
	memcpy(out, f + 6, 6);
	memcpy(out + 6, e->n->mac, 6);
	memcpy(out + 12, f + 12, len - 12);
	e->qlen[(e->head + e->count) % QUEUE] = len;
	e->count++;
}

/* A queued answer: the echo of a DATA frame, or STAT for a MARK. */
static void echo_send(struct echo *e)
{
	uint8_t *f = e->q[e->head];
	uint32_t len = e->qlen[e->head];
	struct nt_hdr h;

	memcpy(&h, f + 14, sizeof(h));
	if (h.kind == K_MARK) {
		uint32_t counts[3] = { e->got, e->ok, e->flood };
		uint8_t to[6];

		e->marks++;
		guest_printf("nettest: echo: mark %u: %u data frames, %u verified, %u echoed, "
			     "%u bad, %u flood, %u not queued\n", e->marks, e->got, e->ok, e->echoed,
			     e->bad, e->flood, e->lost);
		memcpy(to, f, 6);
		nt_build_frame(f, to, e->n->mac, K_STAT, h.seq, 64);
		memcpy(f + HDR_LEN, counts, sizeof(counts));
		len = 64;
		e->got = e->ok = e->echoed = e->bad = e->flood = e->lost = 0;
	} else if (h.kind != K_ACK) {
		e->echoed++;
	}
	if (nt_send_frame(e->n, f, len, ~0u, use_gpa(e->echoed)))
		guest_printf("nettest: echo: send failed\n");
	e->head = (e->head + 1) % QUEUE;
	e->count--;
}

void nt_echo(struct nt_nic *n)
{
	static struct echo e;

	e.n = n;
	n->rx = echo_rx;
	n->rx_ctx = &e;
	guest_printf("nettest: echo: ready\n");
	for (;;) {
		int got = nt_nic_poll(n);

		if (got < 0) {
			guest_printf("nettest: echo: the channel broke\n");
			nt_hold();
		}
		while (e.count)
			echo_send(&e);
		if (got == 0)
			nt_idle();
	}
}

/* ---- send ---- */

struct sender {
	uint8_t peer[6];
	uint32_t echoed, verified, bad, stat, peer_got, peer_ok, peer_flood;
};

static void send_rx(void *ctx, const uint8_t *f, uint32_t len)
{
	struct sender *s = ctx;
	struct nt_hdr h;

	if (check(f, len, &h) || memcmp6(f + 6, s->peer)) {
		s->bad++;
		return;
	}
	if (h.kind == K_ACK) {
		uint32_t flood;

		memcpy(&flood, f + HDR_LEN + 8, 4);
		s->peer_flood = flood > s->peer_flood ? flood : s->peer_flood;
		return;
	}
	if (h.kind == K_STAT) {
		uint32_t counts[3];

		memcpy(counts, f + HDR_LEN, sizeof(counts));
		s->stat++;
		s->peer_got = counts[0];
		s->peer_ok = counts[1];
		s->peer_flood = counts[2];
		return;
	}
	s->echoed++;
	if (h.kind == K_DATA && h.len == sizes[h.seq % N_SIZES])
		s->verified++;
	else
		s->bad++;
}

/* Polls until *counter reaches want or ms pass. */
static void wait_count(struct nt_nic *n, const uint32_t *counter, uint32_t want, uint32_t ms)
{
	uint64_t t0 = guest_rdtsc();

	while (*counter < want && guest_rdtsc() - t0 < nt_ms(ms)) {
		int got = nt_nic_poll(n);

		if (got < 0)
			return;
		if (got == 0)
			nt_idle();
	}
}

static uint32_t send_run(struct nt_nic *n, const uint8_t *dst, const uint8_t *src, uint16_t kind,
			 uint32_t first, uint32_t count, uint32_t vlan)
{
	static uint8_t f[NT_FRAME_MAX];
	uint32_t sent = 0;

	for (uint32_t i = first; i < first + count; i++) {
		nt_build_frame(f, dst, src, kind, i, sizes[i % N_SIZES]);
		if (nt_send_frame(n, f, sizes[i % N_SIZES], vlan, use_gpa(i)))
			break;
		sent++;
	}
	return sent;
}

void nt_send(struct nt_nic *n)
{
	static struct sender s;
	static const uint8_t forged[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };
	static uint8_t f[64];
	char arg[16];
	uint32_t count = guest_get_arg_u32("count", 64), forge = guest_get_arg_u32("forge", 0);
	uint32_t tag = guest_get_arg_u32("tag", 0), tagged = guest_get_arg_u32("tagged", 0);
	int none = guest_test_arg("expect", "none");
	uint32_t sent = 0;
	uint64_t t0;

	if (!guest_get_arg("peer", arg, sizeof(arg)) || nt_parse_mac(arg, s.peer))
		guest_fail("nettest", "send needs peer=MAC (12 hex digits)");
	n->rx = send_rx;
	n->rx_ctx = &s;
	t0 = guest_rdtsc();
	for (uint32_t i = 0; i < count; i += BATCH) {
		uint32_t b = count - i < BATCH ? count - i : BATCH;

		sent += send_run(n, s.peer, n->mac, K_DATA, i, b, ~0u);
		if (!none)
			wait_count(n, &s.echoed, sent, 3000);
	}
	wait_count(n, &s.echoed, none ? ~0u : sent, none ? 1000 : 3000);
	t0 = guest_rdtsc() - t0;
	guest_printf("nettest: send: %u data frames of %u sizes (60 to 1514 bytes) sent, %u echoed, "
		     "%u verified, %u bad, %u ticks\n", sent, (uint32_t)N_SIZES, s.echoed, s.verified,
		     s.bad, (uint32_t)t0);
	if (forge) {
		uint32_t k = send_run(n, s.peer, forged, K_DATA, count, forge, ~0u);

		guest_printf("nettest: send: %u frames with the forged source 02005e102030 sent\n", k);
	}
	if (tagged) {
		uint32_t k = send_run(n, s.peer, n->mac, K_DATA, count, tagged, tag);

		guest_printf("nettest: send: %u frames tagged VLAN %u sent\n", k, tag);
	}
	nt_nic_drain(n, 3000);
	nt_build_frame(f, s.peer, n->mac, K_MARK, count, 64);
	nt_check(nt_send_frame(n, f, 64, ~0u, 0) == 0 && nt_nic_drain(n, 3000) == 0,
		 "every send completed by the host");
	wait_count(n, &s.stat, 1, none ? 1000 : 3000);
	guest_printf("nettest: send: mark: %s, the peer got %u data frames, %u verified; "
		     "%u sends refused, %u malformed from the host\n",
		     s.stat ? "answered" : "no answer", s.peer_got, s.peer_ok, n->tx_bad,
		     n->rx_bad + n->unexpected);
	if (none) {
		nt_check(s.echoed == 0 && s.stat == 0, "no frame reached the peer or came back");
	} else {
		nt_check(sent == count && s.verified == count && s.bad == 0,
			 "every frame echoed, every byte verified");
		nt_check(s.stat == 1 && s.peer_got == count && s.peer_ok == count,
			 "the peer got and verified exactly the data frames sent");
	}
	nt_check(n->tx_bad == 0 && n->rx_bad == 0 && n->unexpected == 0,
		 "no send refused, nothing malformed from the host");
}

/* The ping part of mode=bench: pings 60-byte DATA frames (seq a multiple
 * of N_SIZES, so the echo verifies as 60 bytes), each sent only when the
 * last came back: the round trip through the parent twice and the peer,
 * with the HLT and wake-up a waiting guest has. Prints the mean and the
 * fastest; every echo must come back. */
static void bench_ping(struct nt_nic *n, struct sender *s, uint32_t pings)
{
	static uint8_t f[64];
	uint64_t t0;
	uint32_t back = 0, sum = 0, best = ~0u, t;

	for (uint32_t i = 0; i < pings; i++) {
		uint32_t want = s->echoed + 1;

		nt_build_frame(f, s->peer, n->mac, K_DATA, i * N_SIZES, sizes[0]);
		t0 = guest_rdtsc();
		if (nt_send_frame(n, f, sizes[0], ~0u, 0))
			break;
		wait_count(n, &s->echoed, want, 1000);
		t = (uint32_t)(guest_rdtsc() - t0);   /* under 1 s of waiting */
		if (s->echoed < want || sum + t < sum)
			break;
		back++;
		sum += t;
		best = t < best ? t : best;
	}
	guest_printf("nettest: bench: ping of 60 bytes: %u of %u answered, mean %u ticks, fastest %u ticks\n",
		     back, pings, back ? sum / back : 0, back ? best : 0);
	nt_check(back == pings && s->bad == 0, "bench: every ping answered and verified");
}

/* mode=bench peer=MAC [count=N] [pings=P]: N frames of 1,500 bytes one
 * way (kind FLOOD: counted by the echoer, not answered; one body, which
 * the sender copies into its send section and the echoer compares), timed from the
 * first send to the STAT that answers the MARK after them, against this
 * CPU's memcpy of the same 1,500 bytes; then P pings (default 50)
 * (tests/bench/netvsp/bench_netvsp_wire.py). */
void nt_bench(struct nt_nic *n)
{
	static struct sender s;
	static uint8_t f[1500], g[1500];
	char arg[16];
	uint32_t count = guest_get_arg_u32("count", 2000), sent = 0;
	uint64_t t0, t, copy = ~0ull;

	if (!guest_get_arg("peer", arg, sizeof(arg)) || nt_parse_mac(arg, s.peer))
		guest_fail("nettest", "bench needs peer=MAC (12 hex digits)");
	n->rx = send_rx;
	n->rx_ctx = &s;
	for (int i = 0; i < 8; i++) {
		t0 = guest_rdtsc();
		memcpy(g, f, sizeof(f));
		t = guest_rdtsc() - t0;
		copy = t < copy ? t : copy;
	}
	nt_build_frame(f, s.peer, n->mac, K_FLOOD, 0, sizeof(f));
	t0 = guest_rdtsc();
	for (; sent < count; sent++) {
		if (sent - s.peer_flood >= WINDOW)
			wait_count(n, &s.peer_flood, sent - WINDOW + 1, 1000);
		/* Only the header's sequence number changes (struct nt_hdr). */
		memcpy(f + 14 + 8, &sent, 4);
		if (nt_send_frame(n, f, sizeof(f), ~0u, 0))
			break;
	}
	nt_build_frame(f, s.peer, n->mac, K_MARK, sent, 64);
	if (!nt_send_frame(n, f, 64, ~0u, 0))
		wait_count(n, &s.stat, 1, 10000);
	t = guest_rdtsc() - t0;
	guest_printf("nettest: bench: %u frames of 1500 bytes sent, the peer got %u, %u ticks; "
		     "memcpy of 1500 bytes %u ticks\n", sent, s.peer_flood, (uint32_t)t, (uint32_t)copy);
	nt_check(sent == count && s.stat == 1, "bench: every frame sent, the mark answered");
	bench_ping(n, &s, guest_get_arg_u32("pings", 50));
}
