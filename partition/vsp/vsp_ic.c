/*
 * Integration services (see vsp_ic.h). Each channel starts with a
 * version negotiation the host sends once the guest opens it; requests
 * follow, one at a time, each answered in place by the guest
 * (drivers/hv/hv_util.c). The versions offered are Linux hv_utils'
 * (drivers/hv/hv_util.c fw_versions, hb_versions, sd_versions): framework
 * 3.0 and 1.0; heartbeat 3.0, 1.0; shutdown 3.2, 3.1, 3.0, 1.0. Time
 * synchronization offers 3.0 and 1.0 only: 4.0 carries the guest's
 * reference time at sampling, which the parent cannot read, and Linux
 * would take a wrong one as a huge delay (hv_util.c adj_guesttime).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "partition/clock.h"
#include "partition/vsp/vsp_ic.h"
#include "partition/vsp/vsp_state.h"
#include "vmbus/chan.h"
#include "vmbus/ic.h"

#define IC_BUF     4096
#define IC_BUDGET  16

enum ic_state { IC_CLOSED, IC_NEGOTIATING, IC_READY, IC_MISMATCH };

struct ic_dev {
	uint64_t child;
	enum vsp_ic_kind kind;
	enum ic_state state;
	struct vmbus_chan *ch;
	uint32_t fw, srv;
	uint8_t tid;
	uint64_t seq, last_sent_ms, last_ok_ms, samples;
	int answered, outstanding, shutdown_answer;
	uint8_t tx[IC_BUF], rx[IC_BUF];
};

static const uint32_t fw_versions[] = { VMBUS_IC_VER(3, 0), VMBUS_IC_VER(1, 0) };
static const uint32_t hb_versions[] = { VMBUS_IC_VER(3, 0), VMBUS_IC_VER(1, 0) };
static const uint32_t sd_versions[] = { VMBUS_IC_VER(3, 2), VMBUS_IC_VER(3, 1),
					VMBUS_IC_VER(3, 0), VMBUS_IC_VER(1, 0) };
static const uint32_t ts_versions[] = { VMBUS_IC_VER(3, 0), VMBUS_IC_VER(1, 0) };

static const struct {
	const uint32_t *v;
	unsigned n;
	uint16_t msgtype;
} kinds[VSP_IC_KINDS] = {
	[VSP_IC_HEARTBEAT] = { hb_versions, 2, VMBUS_IC_TYPE_HEARTBEAT },
	[VSP_IC_SHUTDOWN] = { sd_versions, 4, VMBUS_IC_TYPE_SHUTDOWN },
	[VSP_IC_TIMESYNC] = { ts_versions, 2, VMBUS_IC_TYPE_TIMESYNC },
};

static uint64_t now_ms(void)
{
	return clock_monotonic_ns() / 1000000;
}

static int ic_send(struct ic_dev *d, size_t len)
{
	if (!len || !d->ch)
		return -EINVAL;
	d->outstanding = 1;
	d->last_sent_ms = now_ms();
	return vmbus_chan_send(d->ch, VMBUS_PKT_INBAND, 0, d->tid, d->tx, len) ? -EIO : 0;
}

static int ic_request(struct ic_dev *d, const void *data, size_t len)
{
	d->tid++;
	return ic_send(d, vmbus_ic_build_request(d->tx, sizeof(d->tx), kinds[d->kind].msgtype,
						 d->tid, d->fw, d->srv, data, len));
}

static int ic_open(void *dev, struct vmbus_chan *ch)
{
	struct ic_dev *d = dev;

	d->ch = ch;
	d->state = IC_NEGOTIATING;
	d->outstanding = 0;
	d->tid++;
	return ic_send(d, vmbus_ic_build_negotiate(d->tx, sizeof(d->tx), d->tid, fw_versions, 2,
						   kinds[d->kind].v, kinds[d->kind].n));
}

/* Windows time (100 ns since 1601) from the parent's UTC clock. */
static uint64_t windows_time(void)
{
	int64_t sec;
	uint32_t nsec;

	clock_realtime(&sec, &nsec);
	return VMBUS_IC_UNIX_EPOCH + (uint64_t)sec * 10000000u + nsec / 100;
}

static void ic_send_time(struct ic_dev *d, uint8_t flags)
{
	struct vmbus_ic_timesync t;

	memset(&t, 0, sizeof(t));
	t.parent_time = windows_time();
	t.flags = flags;
	(void)ic_request(d, &t, sizeof(t));
}

static void ic_send_heartbeat(struct ic_dev *d)
{
	struct vmbus_ic_heartbeat hb;

	/* An unanswered request is simply superseded: the guest answers in
	 * order, and only the latest tid counts. */
	memset(&hb, 0, sizeof(hb));
	d->seq += 2;
	hb.seq_num = d->seq;
	(void)ic_request(d, &hb, sizeof(hb));
}

static void ic_on_answer(struct ic_dev *d, const struct vmbus_ic_hdr *h, const uint8_t *data,
			 size_t dlen)
{
	struct vmbus_ic_heartbeat hb;

	d->outstanding = 0;
	if (h->msgtype == VMBUS_IC_TYPE_NEGOTIATE) {
		d->state = vmbus_ic_negotiated(data, dlen, &d->fw, &d->srv) ? IC_MISMATCH : IC_READY;
		if (d->state == IC_READY && d->kind == VSP_IC_TIMESYNC)
			ic_send_time(d, VMBUS_IC_TIME_SYNC);   /* set the clock at start */
		/* The first heartbeat goes at once, so that Heartbeat turns OK
		 * as soon as the guest's service is up, not a period later. */
		if (d->state == IC_READY && d->kind == VSP_IC_HEARTBEAT)
			ic_send_heartbeat(d);
		return;
	}
	if (d->state != IC_READY || h->msgtype != kinds[d->kind].msgtype)
		return;
	if (d->kind == VSP_IC_HEARTBEAT && dlen >= sizeof(hb)) {
		/* The guest adds one to our sequence number (hv_util.c
		 * heartbeat_onchannelcallback). */
		memcpy(&hb, data, sizeof(hb));
		if (hb.seq_num == d->seq + 1) {
			d->answered = 1;
			d->last_ok_ms = now_ms();
		}
	} else if (d->kind == VSP_IC_SHUTDOWN) {
		d->shutdown_answer = h->status == VMBUS_IC_S_OK ? 0 : 1;
	} else if (d->kind == VSP_IC_TIMESYNC) {
		d->samples++;
	}
}

static int ic_pkt(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
		  const uint8_t *pkt)
{
	struct ic_dev *d = ctx;
	struct vmbus_ic_hdr h;
	const uint8_t *data;
	size_t dlen;
	const char *why;

	(void)ch;
	/* Only the answer to the one request outstanding counts. */
	if (info->desc.type != VMBUS_PKT_INBAND || info->desc.trans_id != d->tid ||
	    vmbus_ic_parse_response(pkt + info->payload_off, info->payload_len, &h, &data, &dlen,
				    &why))
		return 0;
	ic_on_answer(d, &h, data, dlen);
	return 0;
}

static int ic_event(void *dev, struct vmbus_chan *ch)
{
	struct ic_dev *d = dev;
	int n = vmbus_chan_poll(ch, d->rx, sizeof(d->rx), ic_pkt, d, IC_BUDGET);

	return n >= IC_BUDGET ? 1 : 0;
}

static void ic_close(void *dev, struct vmbus_chan *ch)
{
	struct ic_dev *d = dev;

	(void)ch;
	d->ch = NULL;
	d->state = IC_CLOSED;
	d->outstanding = 0;
}

/* The channel back from a saved state: the negotiation happened before
 * the save, so nothing is sent; vsp_ic_restore brings the rest. */
static int ic_restore_chan(void *dev, struct vmbus_chan *ch)
{
	struct ic_dev *d = dev;

	d->ch = ch;
	d->state = IC_NEGOTIATING;
	return 0;
}

const struct vmbus_dev_ops vsp_ic_ops = { ic_open, ic_event, ic_close, NULL, ic_restore_chan };

int vsp_ic_save(const void *dev, void *buf, size_t cap, size_t *len)
{
	const struct ic_dev *d = dev;
	struct vsp_st_ic st;

	if (cap < sizeof(st))
		return -ENOSPC;
	st = (struct vsp_st_ic){ .kind = (uint8_t)d->kind, .state = (uint8_t)d->state,
				 .tid = d->tid, .outstanding = (uint8_t)d->outstanding,
				 .answered = (uint8_t)d->answered,
				 .shutdown_answer = (int8_t)d->shutdown_answer, .seq = d->seq };
	if (d->state == IC_READY) {
		st.fw = d->fw;
		st.srv = d->srv;
	}
	memcpy(buf, &st, sizeof(st));
	*len = sizeof(st);
	return 0;
}

static int ver_offered(uint32_t v, const uint32_t *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

/* Whether st can be this device's: its kind, a state its channel allows
 * (closed exactly when it has none), versions it offers when ready,
 * flags 0 or 1, padding 0. */
static int ic_state_ok(const struct ic_dev *d, const struct vsp_st_ic *st)
{
	if (st->kind != d->kind || st->state > IC_MISMATCH || st->pad[0] || st->pad[1] ||
	    st->outstanding > 1 || st->answered > 1 || st->shutdown_answer < -1 ||
	    st->shutdown_answer > 1)
		return 0;
	if ((st->state == IC_CLOSED) != !d->ch)
		return 0;
	if (st->state != IC_READY)
		return !st->fw && !st->srv;
	return ver_offered(st->fw, fw_versions, 2) &&
	       ver_offered(st->srv, kinds[d->kind].v, kinds[d->kind].n);
}

int vsp_ic_restore(void *dev, const void *buf, size_t len)
{
	struct ic_dev *d = dev;
	struct vsp_st_ic st;

	if (len != sizeof(st))
		return -EINVAL;
	memcpy(&st, buf, sizeof(st));
	if (!ic_state_ok(d, &st))
		return -EINVAL;
	d->state = (enum ic_state)st.state;
	d->tid = st.tid;
	d->outstanding = st.outstanding;
	d->answered = st.answered;
	d->shutdown_answer = st.shutdown_answer;
	d->seq = st.seq;
	d->fw = st.fw;
	d->srv = st.srv;
	/* The parent's clock went on while the VM was saved: the heartbeat
	 * counts from now, as if just answered. */
	d->last_sent_ms = d->last_ok_ms = now_ms();
	return 0;
}

void vsp_ic_tick(void *dev, uint64_t now)
{
	struct ic_dev *d = dev;

	if (!d || d->state != IC_READY)
		return;
	if (d->kind == VSP_IC_HEARTBEAT && now - d->last_sent_ms >= VSP_IC_HEARTBEAT_MS)
		ic_send_heartbeat(d);
	else if (d->kind == VSP_IC_TIMESYNC && now - d->last_sent_ms >= VSP_IC_TIMESYNC_MS) {
		ic_send_time(d, VMBUS_IC_TIME_SAMPLE);
	}
}

static void *ic_create(uint64_t child, enum vsp_ic_kind kind)
{
	struct ic_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->child = child;
	d->kind = kind;
	d->shutdown_answer = -1;
	return d;
}

void *vsp_ic_create_heartbeat(uint64_t child, unsigned unit)
{
	(void)unit;
	return ic_create(child, VSP_IC_HEARTBEAT);
}

void *vsp_ic_create_shutdown(uint64_t child, unsigned unit)
{
	(void)unit;
	return ic_create(child, VSP_IC_SHUTDOWN);
}

void *vsp_ic_create_timesync(uint64_t child, unsigned unit)
{
	(void)unit;
	return ic_create(child, VSP_IC_TIMESYNC);
}

void vsp_ic_destroy(void *dev)
{
	free(dev);
}

const char *vsp_ic_status(const void *dev)
{
	const struct ic_dev *d = dev;

	if (!d || d->state == IC_CLOSED || d->state == IC_NEGOTIATING)
		return "NoContact";
	if (d->state == IC_MISMATCH)
		return "ProtocolMismatch";
	if (d->kind != VSP_IC_HEARTBEAT)
		return "OK";
	if (!d->answered)
		return "NoContact";
	return now_ms() - d->last_ok_ms > VSP_IC_LOST_MS ? "LostCommunication" : "OK";
}

uint32_t vsp_ic_version(const void *dev)
{
	const struct ic_dev *d = dev;

	return d && d->state == IC_READY ? d->srv : 0;
}

int vsp_ic_shutdown_send(void *dev)
{
	struct ic_dev *d = dev;
	struct vmbus_ic_shutdown s;
	static const char msg[] = "Stop-VM: the host asks this virtual machine to shut down";

	if (!d || d->kind != VSP_IC_SHUTDOWN || d->state != IC_READY)
		return -ENODEV;
	memset(&s, 0, sizeof(s));
	s.flags = 0;               /* shut down (hv_util.c: 0 or 1) */
	memcpy(s.display_message, msg, sizeof(msg));
	d->shutdown_answer = -1;
	return ic_request(d, &s, sizeof(s));
}

int vsp_ic_shutdown_answer(const void *dev)
{
	const struct ic_dev *d = dev;

	return d ? d->shutdown_answer : -1;
}

uint64_t vsp_ic_time_samples(const void *dev)
{
	const struct ic_dev *d = dev;

	return d ? d->samples : 0;
}
