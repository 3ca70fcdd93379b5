/*
 * vsc's channel test, through vmbus/'s client library (the guest end of
 * the protocol Linux's hv_vmbus speaks): connect (Linux's version list),
 * take the offers, open the echo channel (VMBUS_GUID_HVPART_ECHO) with
 * rings in a GPADL the parent maps through hv, stream packets both ways
 * and verify every byte, then close (GPADL torn down) and unload.
 */
#include "guest.h"
#include "hv/abi/hvpart_abi.h"
#include "hv/abi/tlfs.h"
#include "tests/guests/vgl/vgl.h"
#include "vmbus/client.h"
#include "vmbus/msg.h"
#include "vsc.h"
#include "tests/guests/libc/string.h"

#define POOL_PAGES 256
#define RING_PAGES 24           /* each way: a 64 KiB packet fits */
#define BIG        (64u * 1024)

static uint8_t pool[POOL_PAGES * 4096] __attribute__((aligned(4096)));
static uint8_t pool_used[POOL_PAGES];
static uint8_t txbuf[BIG], rxbuf[BIG + 64];

static int cl_signal(void *ctx, uint32_t conn)
{
	(void)ctx;
	vsc_signals++;
	return GUEST_HV_STATUS(guest_hypercall(HVCALL_SIGNAL_EVENT | (1ull << 16), conn, 0)) ? -1 : 0;
}

static void cl_log(void *ctx, const char *what, const char *why)
{
	(void)ctx;
	guest_printf("vsc: client: %s: %s\n", what, why);
}

static int is_unloaded(struct vmbus_client *c, uint32_t arg)
{
	(void)arg;
	return vmbus_client_state(c) == VMBUS_CL_UNLOADED;
}

static int memcmp_guid(const struct vmbus_guid *a, const struct vmbus_guid *b)
{
	for (int i = 0; i < 16; i++)
		if (a->b[i] != b->b[i])
			return 1;
	return 0;
}

/* ---- streaming ---- */

static uint8_t byte_of(uint32_t id, uint32_t i)
{
	return (uint8_t)(id * 131u + i * 7u + (i >> 8));
}

struct rx_state {
	uint32_t got, bad, len;
};

static int on_pkt(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
		  const uint8_t *pkt)
{
	struct rx_state *rx = ctx;
	uint32_t id = (uint32_t)info->desc.trans_id;

	(void)ch;
	if (info->payload_len != rx->len) {
		rx->bad++;
	} else {
		for (uint32_t i = 0; i < rx->len; i++)
			if (pkt[info->payload_off + i] != byte_of(id, i)) {
				rx->bad++;
				break;
			}
	}
	rx->got++;
	return 0;
}

/* Send count packets of len bytes in batches, each batch echoed before
 * the next; every echo's bytes checked. Returns packets verified. */
static uint32_t stream(struct vmbus_chan *ch, uint32_t len, uint32_t count, uint32_t batch,
		       uint64_t *ticks)
{
	struct rx_state rx = { 0, 0, len };
	uint64_t t0 = guest_rdtsc();

	for (uint32_t sent = 0; sent < count;) {
		uint32_t want = rx.got + batch;

		for (uint32_t b = 0; b < batch && sent < count; b++, sent++) {
			for (uint32_t i = 0; i < len; i++)
				txbuf[i] = byte_of(sent, i);
			if (vmbus_chan_send(ch, VMBUS_PKT_INBAND, 0, sent, txbuf, len))
				return rx.got - rx.bad;
		}
		want = want > count ? count : want;
		for (uint64_t t = guest_rdtsc(); rx.got < want && guest_rdtsc() - t < 4 * vsc_tsc_hz;)
			if (vmbus_chan_poll(ch, rxbuf, sizeof(rxbuf), on_pkt, &rx, 0) < 0)
				return rx.got - rx.bad;
		if (rx.got < want)
			break;
	}
	*ticks = guest_rdtsc() - t0;
	return rx.got - rx.bad;
}

/* ---- mode=bench: the echo channel's speed, no byte checks ---- */

static int count_pkt(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
		     const uint8_t *pkt)
{
	(void)ch;
	(void)info;
	(void)pkt;
	(*(uint32_t *)ctx)++;
	return 0;
}

/* count packets of len bytes, batch at a time, each batch echoed before
 * the next: ticks for all, or 0 if an echo went missing. */
static uint64_t pump_echo(struct vmbus_chan *ch, uint32_t len, uint32_t count, uint32_t batch)
{
	uint32_t got = 0;
	uint64_t t0 = guest_rdtsc();

	for (uint32_t sent = 0; sent < count;) {
		for (uint32_t b = 0; b < batch && sent < count; b++, sent++)
			if (vmbus_chan_send(ch, VMBUS_PKT_INBAND, 0, sent, txbuf, len))
				return 0;
		for (uint64_t t = guest_rdtsc(); got < sent && guest_rdtsc() - t < 4 * vsc_tsc_hz;)
			if (vmbus_chan_poll(ch, rxbuf, sizeof(rxbuf), count_pkt, &got, 0) < 0)
				return 0;
		if (got < sent)
			return 0;
	}
	return guest_rdtsc() - t0;
}

static void echo_bench(struct vmbus_chan *ch)
{
	uint64_t copy = ~0ull, big, small;

	for (int i = 0; i < 4; i++) {
		uint64_t t0 = guest_rdtsc();

		memcpy(rxbuf, txbuf, BIG);
		t0 = guest_rdtsc() - t0;
		copy = t0 < copy ? t0 : copy;
	}
	big = pump_echo(ch, BIG, 16, 1);
	small = pump_echo(ch, 64, 1024, 32);
	guest_printf("vsc: echo_bench big=%u ticks for 16 x 64 KiB, memcpy 64 KiB %u ticks\n",
		     (uint32_t)big, (uint32_t)copy);
	guest_printf("vsc: echo_bench small=%u ticks for 1024 x 64 B in batches of 32\n", (uint32_t)small);
	vsc_check(big && small, "bench: every echo came back");
}

static uint32_t find_echo(struct vmbus_client *c)
{
	struct vmbus_guid echo;

	if (vmbus_guid_parse(VMBUS_GUID_HVPART_ECHO, &echo))
		return 0;
	for (uint32_t relid = 1; relid < VMBUS_CLIENT_MAX_CHANNELS; relid++) {
		const struct vmbus_msg_offer *o = vmbus_client_offer(c, relid);

		if (o && !memcmp_guid(&o->offer.if_type, &echo))
			return relid;
	}
	return 0;
}

/* mode=rounds: the channel stays open and echoes 16 packets every half
 * second, numbered rounds, for ever: a Save-VM and Start-VM in between
 * must carry on with the next round over the same rings (test_vmbus). */
static void echo_rounds(struct vmbus_chan *ch)
{
	uint64_t t;

	for (uint32_t round = 1;; round++) {
		uint32_t ok = stream(ch, 64, 16, 4, &t);

		guest_printf("vsc: round %u: %u of 16 echoes verified\n", round, ok);
		for (t = guest_rdtsc(); guest_rdtsc() - t < vsc_tsc_hz / 2;)
			__asm__ volatile("pause");
	}
}

static void echo_test(struct vmbus_client *c, uint32_t relid, uint32_t small, uint32_t big)
{
	struct vmbus_chan *ch;
	uint64_t t = 0;
	uint32_t ok;

	vsc_check(vmbus_client_open(c, relid, RING_PAGES, RING_PAGES) == 0 &&
		  vgl_pump(c, vsc_receive, vgl_chan_is, relid | VMBUS_CH_OPEN << 16) &&
		  vmbus_client_chan_state(c, relid) == VMBUS_CH_OPEN,
		  "echo channel open (ring GPADL mapped by the host through hv)");
	ch = vmbus_client_chan(c, relid);
	if (!ch)
		return;
	ok = stream(ch, 64, small, 32, &t);
	guest_printf("vsc: echo 64 B: %u of %u verified, %u ticks\n", ok, small, (uint32_t)t);
	vsc_check(ok == small, "echo 64-byte packets both ways, every byte verified");
	ok = stream(ch, BIG, big, 1, &t);
	guest_printf("vsc: echo 64 KiB: %u of %u verified, %u ticks\n", ok, big, (uint32_t)t);
	vsc_check(ok == big, "echo 64 KiB packets both ways, every byte verified");
	if (guest_test_arg("mode", "bench"))
		echo_bench(ch);
	if (guest_test_arg("mode", "rounds"))
		echo_rounds(ch);
	if (guest_test_arg("mode", "hold")) {
		/* Left open for the host's teardown at Stop-VM (test_vmbus). */
		guest_printf("vsc: holding the echo channel open\n");
		for (;;)
			__asm__ volatile("sti; hlt");
	}
	vsc_check(vmbus_client_close(c, relid) == 0 &&
		  vgl_pump(c, vsc_receive, vgl_chan_is, relid | VMBUS_CH_OFFERED << 16) &&
		  vmbus_client_chan_state(c, relid) == VMBUS_CH_OFFERED,
		  "echo channel closed, its GPADL torn down");
}

/* Channel messages out of order or out of range: the host answers the
 * ones a guest would wait on with a failure, drops the rest, and keeps
 * serving (the echo test follows). Returns the OPENCHANNEL_RESULT status
 * for an OPENCHANNEL naming ring GPADL `gpadl` on relid. */
static int64_t raw_open(uint32_t relid, uint32_t gpadl)
{
	static struct vmbus_msg_open o;
	struct hv_message m;

	memset(&o, 0, sizeof(o));
	o.hdr.msgtype = VMBUS_MSG_OPENCHANNEL;
	o.child_relid = relid;
	o.openid = 0x77;
	o.ring_gpadl = gpadl;
	o.downstream_page_offset = 2;
	if (vsc_post(4, &o, sizeof(o)))
		return -1;
	while (vsc_receive(&m)) {
		const struct vmbus_msg_open_result *r = (const void *)m.payload;

		if (r->hdr.msgtype == VMBUS_MSG_OPENCHANNEL_RESULT && r->openid == 0x77)
			return r->status;
	}
	return -1;
}

static void hostile_messages(uint32_t relid)
{
	static const uint8_t short_msg[4] = { VMBUS_MSG_OPENCHANNEL };
	int64_t st;

	st = raw_open(60, 1);
	guest_printf("vsc: OPENCHANNEL of an unknown relid: status 0x%x\n", (uint32_t)st);
	vsc_check(st > 0, "OPENCHANNEL of an unknown relid refused");
	st = raw_open(relid, 0xbeef);
	guest_printf("vsc: OPENCHANNEL with no such ring GPADL: status 0x%x\n", (uint32_t)st);
	vsc_check(st > 0, "OPENCHANNEL with an unknown ring GPADL refused");
	/* Shorter than its type: dropped, nothing to wait for. */
	vsc_check(vsc_post(4, short_msg, sizeof(short_msg)) == 0, "a truncated OPENCHANNEL posted");
}

/* 5000 HvSignalEvents on the echo channel's connection before it is open:
 * each must succeed (a flag already set is not raised again) and the host
 * must stay usable (the echo test follows). */
static void signal_storm(uint32_t conn)
{
	uint32_t ok = 0, other = 0;

	for (int i = 0; i < 5000; i++) {
		if (GUEST_HV_STATUS(guest_hypercall(HVCALL_SIGNAL_EVENT | (1ull << 16), conn, 0)))
			other++;
		else
			ok++;
	}
	guest_printf("vsc: signal storm of 5000 on connection 0x%x: %u ok, %u refused\n", conn, ok, other);
	vsc_check(ok == 5000, "signal storm: every HvSignalEvent accepted");
}

/* ---- hostile GPADLs (mode=hostile): pages that are not ours ---- */

/* A GPADL_HEADER for the echo channel naming pfn[0..n) (n <= 26),
 * posted raw; the host's GPADL_CREATED status (0 is success), or -1 when
 * no answer came. */
static int64_t raw_gpadl(uint32_t relid, uint32_t handle, const uint64_t *pfn, uint32_t n)
{
	static uint8_t msg[240];
	struct vmbus_msg_gpadl_header h;
	struct vmbus_gpa_range r = { n * 4096, 0 };
	struct hv_message m;
	uint32_t len = sizeof(h) + sizeof(r) + n * 8;

	memset(msg, 0, sizeof(msg));
	h = (struct vmbus_msg_gpadl_header){ { VMBUS_MSG_GPADL_HEADER, 0 }, relid, handle,
					     (uint16_t)(sizeof(r) + n * 8), 1 };
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), &r, sizeof(r));
	memcpy(msg + sizeof(h) + sizeof(r), pfn, n * 8);
	if (vsc_post(4, msg, len))
		return -1;
	while (vsc_receive(&m)) {
		const struct vmbus_msg_gpadl_created *c = (const void *)m.payload;

		if (c->hdr.msgtype == VMBUS_MSG_GPADL_CREATED && c->gpadl == handle)
			return c->creation_status;
	}
	return -1;
}

static void hostile_gpadls(uint32_t relid)
{
	static const struct {
		const char *what;
		uint64_t pfn[3];
		uint32_t n;
	} cases[] = {
		{ "a page past its memory (GPA 8 MiB)", { 0x800 }, 1 },
		{ "a page at 4 GiB", { 0x100000 }, 1 },
		{ "a PFN that overflows a GPA", { 0xfffffffffffffull }, 1 },
		{ "its own page twice", { 0x300, 0x301, 0x300 }, 3 },
		{ "two good pages and one past its memory", { 0x300, 0x301, 0x7ff00 }, 3 },
	};
	for (uint32_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t st = raw_gpadl(relid, 0xbad00 + i, cases[i].pfn, cases[i].n);

		guest_printf("vsc: hostile GPADL naming %s: status 0x%x\n", cases[i].what, (uint32_t)st);
		vsc_check(st > 0, "hostile GPADL refused with a failure status");
	}
}

/* Open the echo channel, put the write index of the ring the host reads
 * past its end, and signal: the host must find the ring corrupt and drop
 * the channel (docs/ARCHITECTURE.md rule 6), echoing nothing; closing it
 * then still tears the GPADL down. */
static void hostile_ring(struct vmbus_client *c, uint32_t relid)
{
	struct rx_state rx = { 0, 0, 64 };
	struct vmbus_chan *ch;
	uint64_t t;

	if (vmbus_client_open(c, relid, 4, 4) || !vgl_pump(c, vsc_receive, vgl_chan_is, relid | VMBUS_CH_OPEN << 16) ||
	    !(ch = vmbus_client_chan(c, relid))) {
		vsc_check(0, "echo channel open for the ring test");
		return;
	}
	ch->out.hdr->write_index = 0xfffffff0u;
	(void)ch->signal(ch->signal_ctx, ch->signal_id);
	for (t = guest_rdtsc(); guest_rdtsc() - t < vsc_tsc_hz;)
		if (vmbus_chan_poll(ch, rxbuf, sizeof(rxbuf), on_pkt, &rx, 0) < 0)
			break;
	guest_printf("vsc: ring write index past its end: the host echoed %u packets\n", rx.got);
	vsc_check(rx.got == 0, "a corrupt ring index: the host drops the channel");
	vsc_check(vmbus_client_close(c, relid) == 0 &&
		  vgl_pump(c, vsc_receive, vgl_chan_is, relid | VMBUS_CH_OFFERED << 16) &&
		  vmbus_client_chan_state(c, relid) == VMBUS_CH_OFFERED,
		  "the dropped channel closes, its GPADL torn down");
}

void vsc_channels(uint32_t small, uint32_t big)
{
	static const struct vmbus_client_ops ops = {
		vgl_cl_post, cl_signal, vgl_alloc_pages, vgl_free_pages, vgl_alloc, vgl_free, cl_log,
		NULL, NULL, NULL, NULL,
	};
	vgl_pool_init(pool, pool_used, POOL_PAGES);
	struct vmbus_client *c = vmbus_client_create(&ops);
	/* version=V: offer only V (below 5.0 contact goes to connection 1,
	 * Linux vmbus_negotiate_version); default: Linux's whole list. */
	uint32_t only = guest_get_arg_u32("version", 0), relid;

	if (!c) {
		vsc_check(0, "client created");
		return;
	}
	vsc_check(vmbus_client_connect(c, only ? &only : NULL, only ? 1 : 0) == 0 &&
		  vgl_pump(c, vsc_receive, vgl_is_ready, 0) &&
		  vmbus_client_state(c) == VMBUS_CL_READY,
		  "client connected, all offers delivered");
	guest_printf("vsc: client version 0x%x\n", vmbus_client_version(c));
	relid = find_echo(c);
	guest_printf("vsc: echo offer relid %u, connection id 0x%x\n", relid,
		     relid ? vmbus_client_offer(c, relid)->connection_id : 0);
	vsc_check(relid != 0, "the host offers the echo device");
	if (relid && guest_test_arg("mode", "hostile")) {
		signal_storm(vmbus_client_offer(c, relid)->connection_id);
		hostile_messages(relid);
		hostile_gpadls(relid);
		hostile_ring(c, relid);
	}
	if (relid)
		echo_test(c, relid, small, big);
	if (guest_test_arg("mode", "serve") || guest_test_arg("mode", "mute")) {
		vsc_serve(c);
		return;
	}
	vsc_check(vmbus_client_unload(c) == 0 && vgl_pump(c, vsc_receive, is_unloaded, 0), "UNLOAD answered");
}
