/*
 * nettest mode=hostile peer=MAC [flood=N]: a netvsc guest that breaks
 * NVSP and RNDIS on purpose, in the order a driver must not: RNDIS and
 * buffers before NVSP INIT, versions hvpart does not speak, a second
 * INIT, packets before buffers, buffers that are not there, send
 * sections and page buffers outside the buffers and outside its memory,
 * transfer-page packets (host to guest only) with ranges outside every
 * buffer, completions of nothing, RNDIS before RNDIS INITIALIZE,
 * messages whose lengths run past their section, frames over the MTU
 * and under a header, batches over the limit; then a flood of frames to
 * peer. Each check prints one line, "nettest: hostile: WHAT: ok". What a
 * driver waits for must come back as an error (NVSP FAIL or
 * INVALID_RNDIS_PKT, an RNDIS error status); the rest must be dropped,
 * and the channel must still answer the next request. netvsp's rules:
 * vswitch/netvsp/README.md; the order Linux keeps: drivers/net/hyperv/
 * netvsc.c netvsc_connect_vsp() and netvsc_init_buf().
 */
#include "guest.h"
#include "vmbus/client.h"
#include "nettest.h"
#include "tests/guests/libc/string.h"

#define STAT_FAIL    NVSP_STAT_FAIL
#define STAT_INVALID NVSP_STAT_INVALID_RNDIS_PKT

static struct nt_nic nic;
static uint8_t m[8192];

static void put32(uint8_t *b, uint32_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

/* An NVSP request that must be answered with reply type and a status
 * other than SUCCESS. */
static void refused(const char *what, const void *msg, uint32_t len, uint32_t reply)
{
	int got = nt_nvsp_req(&nic, msg, len);
	struct nvsp_msg r;
	uint32_t st;

	/* INIT_COMPLETE's status is its third word; the others' the first. */
	memcpy(&r, nic.comp, sizeof(r));
	st = reply == NVSP_MSG_INIT_COMPLETE ? r.init_complete.status : nic.comp_status;
	guest_printf("nettest: hostile: %s: reply %u status %u\n", what, got ? 0 : nic.comp_type,
		     got ? 0 : st);
	nt_check(!got && nic.comp_type == reply && st != NVSP_STAT_SUCCESS && st != NVSP_STAT_NONE,
		 what);
}

/* A SEND_RNDIS_PKT naming send section idx of size bytes. */
static void bad_section(const char *what, uint32_t idx, uint32_t size)
{
	struct nvsp_msg r = { .type = NVSP_MSG1_SEND_RNDIS_PKT };

	r.rndis_pkt.channel_type = NVSP_CHANNEL_DATA;
	r.rndis_pkt.section_index = idx;
	r.rndis_pkt.section_size = size;
	refused(what, &r, sizeof(r), NVSP_MSG1_SEND_RNDIS_PKT_COMP);
}

/* The channel still answers: a QUERY of the link (after RNDIS INIT) or,
 * before it, a request that is refused but answered. */
static int answers(void)
{
	struct nvsp_msg r = { .type = NVSP_MSG1_SEND_RECV_BUF };

	r.send_buf.gpadl_handle = 0xdead;
	return nt_nvsp_req(&nic, &r, sizeof(r)) == 0;
}

/* Sent with no answer expected: dropped, and the channel still answers. */
static void dropped(const char *what, int sent)
{
	guest_printf("nettest: hostile: %s: sent %s\n", what, sent ? "ok" : "FAILED");
	nt_check(sent && answers(), what);
}

static void before_init(void)
{
	struct nvsp_msg r;

	bad_section("RNDIS packet before NVSP INIT refused", 0, 64);
	memset(&r, 0, sizeof(r));
	r.type = NVSP_MSG1_SEND_RECV_BUF;
	r.send_buf.gpadl_handle = 1;
	r.send_buf.id = NVSP_RECV_BUF_ID;
	refused("receive buffer before NVSP INIT refused", &r, sizeof(r), NVSP_MSG1_SEND_RECV_BUF_COMP);
	memset(&r, 0, sizeof(r));
	r.type = NVSP_MSG_INIT;
	r.init.min_ver = r.init.max_ver = 0x12345;
	refused("INIT of a version hvpart does not speak refused", &r, sizeof(r), NVSP_MSG_INIT_COMPLETE);
	r.init.min_ver = NVSP_VERSION_61;
	r.init.max_ver = NVSP_VERSION_1;
	refused("INIT with min above max refused", &r, sizeof(r), NVSP_MSG_INIT_COMPLETE);
	refused("INIT shorter than its body refused", &r, 4, NVSP_MSG_INIT_COMPLETE);
	memset(&r, 0, sizeof(r));
	r.type = 999;
	nt_wait_ms = 300;
	dropped("an unknown NVSP message type dropped", nt_nvsp_req(&nic, &r, sizeof(r)) != 0);
	nt_wait_ms = 3000;
}

static void before_buffers(void)
{
	struct nvsp_msg r;

	memset(&r, 0, sizeof(r));
	r.type = NVSP_MSG_INIT;
	r.init.min_ver = r.init.max_ver = NVSP_VERSION_61;
	refused("a second INIT refused", &r, sizeof(r), NVSP_MSG_INIT_COMPLETE);
	bad_section("RNDIS packet before the buffers refused", 0, 64);
	memset(&r, 0, sizeof(r));
	r.type = NVSP_MSG1_SEND_RECV_BUF;
	r.send_buf.gpadl_handle = 0xdead;
	r.send_buf.id = NVSP_RECV_BUF_ID;
	refused("receive buffer naming no GPADL refused", &r, sizeof(r), NVSP_MSG1_SEND_RECV_BUF_COMP);
	r.type = NVSP_MSG1_SEND_SEND_BUF;
	refused("send buffer naming no GPADL refused", &r, sizeof(r), NVSP_MSG1_SEND_SEND_BUF_COMP);
}

/* A GPA-direct SEND_RNDIS_PKT with one range (count bytes at off of
 * pfn[0], on into pfn[1]); must be completed with INVALID_RNDIS_PKT. */
static void bad_gpa(const char *what, uint64_t pfn0, uint64_t pfn1, uint32_t off, uint32_t count)
{
	struct nvsp_msg r = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	uint64_t pfn[2] = { pfn0, pfn1 };
	struct vmbus_gpa_desc d = { count, off, pfn };
	uint32_t before = nic.n_comp;
	int err;

	r.rndis_pkt.section_index = NVSP_INVALID_SECTION;
	err = vmbus_chan_send_gpa(nic.ch, 0x4242, &d, 1, &r, sizeof(r));
	for (uint64_t t0 = guest_rdtsc(); !err && nic.n_comp == before &&
	     guest_rdtsc() - t0 < nt_ms(3000);)
		if (nt_nic_poll(&nic) == 0)
			nt_idle();
	guest_printf("nettest: hostile: %s: status %u\n", what, nic.n_comp != before ? nic.comp_status : 0);
	nt_check(!err && nic.n_comp != before && nic.comp_tid == 0x4242 &&
		 nic.comp_status == STAT_INVALID, what);
}

static void bad_buffers(void)
{
	struct nvsp_msg r;
	struct vmbus_xfer_range far = { 0xffff0000u, 0x100000u };
	uint64_t junk = (7ull << 32) | 3;

	memset(&r, 0, sizeof(r));
	r.type = NVSP_MSG1_SEND_RECV_BUF;
	r.send_buf.gpadl_handle = nic.recv_gpadl;
	r.send_buf.id = NVSP_RECV_BUF_ID;
	refused("a second receive buffer refused", &r, sizeof(r), NVSP_MSG1_SEND_RECV_BUF_COMP);
	bad_section("send section index past the send buffer refused", 1000, 64);
	bad_section("send section index 0xffffffff refused", 0xffffffffu, 64);
	bad_section("send section size 0 refused", 1, 0);
	bad_section("send section size past its section refused", 1, nic.send_sec + 1);
	bad_gpa("page buffer outside the guest's memory refused", 0x7ffff, 0, 0, 64);
	bad_gpa("page buffer at 4 GiB refused", 0x100000, 0, 0, 64);
	bad_gpa("page buffer whose second page is outside its memory refused", (uint32_t)m >> 12,
		0x7ffff, 4000, 200);
	memset(&r, 0, sizeof(r));
	r.type = NVSP_MSG1_SEND_RNDIS_PKT;
	r.rndis_pkt.section_index = NVSP_INVALID_SECTION;
	dropped("a transfer-page packet from the guest, ranges outside every buffer, dropped",
		vmbus_chan_send_xfer(nic.ch, 0x77, NVSP_RECV_BUF_ID, &far, 1, &r, sizeof(r)) == 0);
	dropped("completions of transfers never made dropped",
		vmbus_chan_send_comp(nic.ch, junk, &r, 8) == 0 &&
		vmbus_chan_send_comp(nic.ch, 0, &r, 8) == 0 &&
		vmbus_chan_send_comp(nic.ch, ~0ull, &r, 8) == 0);
}

/* A raw RNDIS message through send section 1 must be INVALID_RNDIS_PKT. */
static void bad_rndis(const char *what, uint32_t len)
{
	int st = nt_rndis_raw(&nic, m, len, NVSP_CHANNEL_DATA, 0, 1);

	guest_printf("nettest: hostile: %s: status %d\n", what, st);
	nt_check(st == STAT_INVALID, what);
}

/* An RNDIS PACKET of a frame: data_off 36, ppi none. */
static uint32_t packet(uint32_t frame_len)
{
	memset(m, 0, 64);
	put32(m, 0, RNDIS_MSG_PACKET);
	put32(m, 4, 8 + 36 + frame_len);
	put32(m, 8, 36);
	put32(m, 12, frame_len);
	return 8 + 36 + frame_len;
}

static void before_rndis_init(void)
{
	memset(m, 0, 64);
	put32(m, 0, RNDIS_MSG_QUERY);
	put32(m, 4, 28);
	put32(m, 8, 1);
	put32(m, 12, OID_802_3_PERMANENT_ADDRESS);
	bad_rndis("RNDIS QUERY before RNDIS INITIALIZE refused", 28);
	bad_rndis("RNDIS PACKET before RNDIS INITIALIZE refused", packet(60));
}

static void bad_messages(void)
{
	uint32_t st;
	uint8_t out[8];
	uint32_t len = sizeof(out);

	packet(60);
	put32(m, 4, 10000);
	bad_rndis("RNDIS msg_len past its section refused", 64);
	put32(m, 4, 4);
	bad_rndis("RNDIS msg_len under its header refused", 64);
	put32(m, 0, 0x77);
	put32(m, 4, 64);
	bad_rndis("an unknown RNDIS message type refused", 64);
	packet(60);
	put32(m, 12, 200);
	bad_rndis("RNDIS PACKET whose data runs past the message refused", 8 + 36 + 60);
	packet(60);
	put32(m, 8, 0xfffffff0u);
	bad_rndis("RNDIS PACKET data offset 0xfffffff0 refused", 8 + 36 + 60);
	bad_rndis("a frame of 1,600 bytes (MTU 1,500) refused", packet(1600));
	bad_rndis("a runt frame of 10 bytes refused", packet(10));
	packet(60);
	put32(m, 28, 36);
	put32(m, 32, 0x1000);
	bad_rndis("per-packet info running past the message refused", 8 + 36 + 60);
	for (uint32_t i = 0; i < 9; i++) {
		memset(m + i * 16, 0, 16);
		put32(m, i * 16, RNDIS_MSG_KEEPALIVE);
		put32(m, i * 16 + 4, 16);
		put32(m, i * 16 + 8, 100 + i);
	}
	bad_rndis("a batch of 9 RNDIS messages (limit 8) refused", 9 * 16);
	memset(m, 0, 64);
	put32(m, 0, RNDIS_MSG_QUERY);
	put32(m, 4, 28);
	put32(m, 8, ++nic.req_id);
	put32(m, 12, OID_802_3_PERMANENT_ADDRESS);
	put32(m, 16, 16);
	put32(m, 20, 0x7000);
	st = (uint32_t)nt_rndis_ctrl(&nic, m, 28, RNDIS_MSG_QUERY);
	guest_printf("nettest: hostile: QUERY buffer outside its message: RNDIS status 0x%x\n", st);
	nt_check(st == RNDIS_STATUS_INVALID_LENGTH, "a QUERY whose buffer lies outside its message refused");
	st = (uint32_t)nt_query(&nic, 0x00ff00ffu, out, &len);
	guest_printf("nettest: hostile: QUERY of OID 0xff00ff: RNDIS status 0x%x\n", st);
	nt_check(st == RNDIS_STATUS_NOT_SUPPORTED, "a QUERY of an unknown OID answered NOT_SUPPORTED");
}

/* N frames to peer as fast as the window lets: each completed SUCCESS. */
static void flood(const uint8_t *peer, uint32_t count)
{
	static uint8_t f[NT_FRAME_MAX];
	uint32_t sent = 0;
	uint64_t t0 = guest_rdtsc();

	for (; sent < count; sent++) {
		nt_build_frame(f, peer, nic.mac, NT_KIND_FLOOD, sent, NT_FRAME_MAX);
		if (nt_send_frame(&nic, f, NT_FRAME_MAX, ~0u, 0))
			break;
	}
	nt_nic_drain(&nic, 3000);
	guest_printf("nettest: hostile: frame flood: %u of %u frames of 1514 bytes sent, %u refused, "
		     "%u in flight, %u ticks\n", sent, count, nic.tx_bad, nic.tx_busy,
		     (uint32_t)(guest_rdtsc() - t0));
	nt_check(sent == count && nic.tx_bad == 0 && nic.tx_busy == 0,
		 "a frame flood: every frame taken, every send completed");
}

void nt_hostile(struct vmbus_client *c)
{
	char arg[16];
	uint8_t peer[6];

	if (!guest_get_arg("peer", arg, sizeof(arg)) || nt_parse_mac(arg, peer))
		guest_fail("nettest", "hostile needs peer=MAC (12 hex digits)");
	nt_check(nt_nic_open_raw(&nic, c) == 0, "NIC channel open");
	if (!nic.ch)
		return;
	before_init();
	nt_check(nt_nic_nvsp_init(&nic) == 0 && nt_nic_nvsp_ndis(&nic) == 0, "NVSP INIT after the refusals");
	before_buffers();
	nt_check(nt_nic_make_buffers(&nic) == 0 && nt_nic_give_buffers(&nic) == 0,
		 "buffers given after the refusals");
	bad_buffers();
	before_rndis_init();
	nt_check(nt_nic_rndis_up(&nic, NDIS_PACKET_TYPE_DIRECTED) == 0, "RNDIS up after the refusals");
	bad_messages();
	flood(peer, guest_get_arg_u32("flood", 1000));
}
