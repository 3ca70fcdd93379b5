/*
 * vsc's integration services, the guest end as Linux's hv_utils answers
 * them (drivers/hv/hv_util.c): heartbeat (the sequence number plus one),
 * shutdown (accept, then stop: here, exit through the debug port), time
 * synchronization (note the host's time). Each request is answered in
 * place with ICMSGHDRFLAG_RESPONSE. Version lists are hv_utils'.
 * mode=mute answers `beats` heartbeats and then goes silent, for the
 * host's LostCommunication.
 */
#include "guest.h"
#include "hv/abi/tlfs.h"
#include "tests/guests/libc/string.h"
#include "vmbus/client.h"
#include "vmbus/ic.h"
#include "vmbus/msg.h"
#include "vsc.h"

static const uint32_t fw_v[] = { VMBUS_IC_VER(3, 0), VMBUS_IC_VER(1, 0) };
static const uint32_t hb_v[] = { VMBUS_IC_VER(3, 0), VMBUS_IC_VER(1, 0) };
static const uint32_t sd_v[] = { VMBUS_IC_VER(3, 2), VMBUS_IC_VER(3, 1), VMBUS_IC_VER(3, 0),
				 VMBUS_IC_VER(1, 0) };
static const uint32_t ts_v[] = { VMBUS_IC_VER(4, 0), VMBUS_IC_VER(3, 0), VMBUS_IC_VER(1, 0) };

enum { S_HB, S_SD, S_TS, S_N };
static const char *const guids[S_N] = { VMBUS_GUID_HEARTBEAT, VMBUS_GUID_SHUTDOWN,
					VMBUS_GUID_TIMESYNC };
static const char *const names[S_N] = { "heartbeat", "shutdown", "timesync" };

struct svc {
	uint32_t relid, srv;
	uint32_t answered;
	int shutdown;
	uint64_t parent_time;
	uint8_t buf[4096];
};
static struct svc svcs[S_N];
static uint32_t beats_max = ~0u;

/* n / d with DIVL (no libgcc in a guest): the quotient must fit 32 bits,
 * as seconds since 1970 do until 2106 (SDM Vol. 2A "DIV"). */
static uint32_t div32(uint64_t n, uint32_t d)
{
	uint32_t q, r;

	__asm__("divl %4" : "=a"(q), "=d"(r) : "a"((uint32_t)n), "d"((uint32_t)(n >> 32)), "rm"(d));
	return q;
}

static uint32_t find_offer(struct vmbus_client *c, const char *guid)
{
	struct vmbus_guid g;

	if (vmbus_guid_parse(guid, &g))
		return 0;
	for (uint32_t relid = 1; relid < VMBUS_CLIENT_MAX_CHANNELS; relid++) {
		const struct vmbus_msg_offer *o = vmbus_client_offer(c, relid);
		int same = o != NULL;

		for (int i = 0; same && i < 16; i++)
			same = o->offer.if_type.b[i] == g.b[i];
		if (same)
			return relid;
	}
	return 0;
}

/* Answer one request of service s in place; 0 to send it back, 1 to
 * stay silent (mute), -1 to drop it. */
static int answer(unsigned s, uint8_t *p, uint32_t len)
{
	struct svc *v = &svcs[s];
	struct vmbus_ic_hdr h;
	uint32_t fw;

	if (len < VMBUS_IC_DATA_OFF)
		return -1;
	memcpy(&h, p + VMBUS_IC_HDR_OFF, sizeof(h));
	if (h.msgtype == VMBUS_IC_TYPE_NEGOTIATE) {
		const uint32_t *l = s == S_HB ? hb_v : s == S_SD ? sd_v : ts_v;
		unsigned n = s == S_HB ? 2 : s == S_SD ? 4 : 3;

		if (vmbus_ic_answer_negotiate(p, len, fw_v, 2, l, n, &fw, &v->srv) < 0)
			return -1;
		guest_printf("vsc: %s negotiated framework %u.%u, service %u.%u\n", names[s], fw >> 16,
			     fw & 0xffff, v->srv >> 16, v->srv & 0xffff);
		return 0;
	}
	if (s == S_HB && len >= VMBUS_IC_DATA_OFF + sizeof(struct vmbus_ic_heartbeat)) {
		struct vmbus_ic_heartbeat hb;

		if (v->answered >= beats_max)
			return 1;
		memcpy(&hb, p + VMBUS_IC_DATA_OFF, sizeof(hb));
		hb.seq_num++;
		memcpy(p + VMBUS_IC_DATA_OFF, &hb, sizeof(hb));
	} else if (s == S_SD) {
		v->shutdown = 1;
	} else if (s == S_TS && len >= VMBUS_IC_DATA_OFF + sizeof(struct vmbus_ic_timesync)) {
		struct vmbus_ic_timesync t;

		memcpy(&t, p + VMBUS_IC_DATA_OFF, sizeof(t));
		if (!v->parent_time)
			guest_printf("vsc: timesync flags %u, host time %u s since 1970\n", t.flags,
				     div32(t.parent_time - VMBUS_IC_UNIX_EPOCH, 10000000u));
		v->parent_time = t.parent_time;
	}
	h.status = VMBUS_IC_S_OK;
	h.flags = VMBUS_IC_FLAG_TRANSACTION | VMBUS_IC_FLAG_RESPONSE;
	memcpy(p + VMBUS_IC_HDR_OFF, &h, sizeof(h));
	v->answered++;
	return 0;
}

static int on_pkt(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
		  const uint8_t *pkt)
{
	unsigned s = (unsigned)(uintptr_t)ctx;
	uint8_t *p = (uint8_t *)pkt + info->payload_off;

	if (info->desc.type == VMBUS_PKT_INBAND && answer(s, p, info->payload_len) == 0)
		(void)vmbus_chan_send(ch, VMBUS_PKT_INBAND, 0, info->desc.trans_id, p,
				      info->payload_len);
	return 0;
}

static int chan_open(struct vmbus_client *c, uint32_t relid)
{
	struct hv_message m;

	if (vmbus_client_open(c, relid, 4, 4))
		return 0;
	for (int i = 0; i < 100; i++) {
		int st = vmbus_client_chan_state(c, relid);

		if (st == VMBUS_CH_OPEN || st == VMBUS_CH_FAILED)
			return st == VMBUS_CH_OPEN;
		if (!vsc_receive(&m))
			return 0;
		(void)vmbus_client_handle_msg(c, m.payload, m.header.payload_size);
	}
	return 0;
}

/* Open the three services and answer them until the host asks for a
 * shutdown (then exit). Host messages (a rescind) keep being served. */
void vsc_serve(struct vmbus_client *c)
{
	struct hv_message m;

	if (guest_test_arg("mode", "mute"))
		beats_max = guest_get_arg_u32("beats", 3);
	for (unsigned s = 0; s < S_N; s++) {
		svcs[s].relid = find_offer(c, guids[s]);
		guest_printf("vsc: %s offer relid %u\n", names[s], svcs[s].relid);
		if (svcs[s].relid)
			vsc_check(chan_open(c, svcs[s].relid), names[s]);
	}
	guest_printf("vsc: serving integration services\n");
	for (;;) {
		vsc_take_events();
		for (unsigned s = 0; s < S_N; s++) {
			struct vmbus_chan *ch = svcs[s].relid ? vmbus_client_chan(c, svcs[s].relid) : NULL;

			if (ch)
				(void)vmbus_chan_poll(ch, svcs[s].buf, sizeof(svcs[s].buf), on_pkt,
						      (void *)(uintptr_t)s, 0);
		}
		if (svcs[S_SD].shutdown) {
			guest_printf("vsc: shutdown requested by the host after %u heartbeats; exiting\n",
				     svcs[S_HB].answered);
			return;
		}
		if (vsc_poll_msg(&m))
			(void)vmbus_client_handle_msg(c, m.payload, m.header.payload_size);
		__asm__ volatile("sti; hlt; cli");
	}
}
