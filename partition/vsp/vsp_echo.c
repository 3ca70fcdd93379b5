/*
 * The echo device: hvpart's own test channel (VMBUS_GUID_HVPART_ECHO).
 * Every in-band packet the child sends comes back with the same
 * transaction id and payload, so the vsc test guest can stream both ways
 * and verify every byte through real rings in GPADL pages hv mapped.
 * A reply that does not fit the child's receive ring is dropped and
 * counted (the guest sees the gap): the parent never waits on a child.
 */
#include <errno.h>
#include <stdlib.h>
#include "partition/vsp/vsp_dev.h"
#include "vmbus/chan.h"

/* Packets per signal before the server calls us again (vmbus/server.h). */
#define ECHO_BUDGET 64

struct echo_dev {
	uint64_t child;
};

static uint64_t echoed, dropped;

/* Each packet is echoed from the ring in place (vmbus_chan_poll_view):
 * the parent copies it once, into the reply. The payload may change
 * under us while we copy it on; that only changes what the guest gets
 * back. */
static int echo_view(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_view *v)
{
	uint32_t off = v->info.payload_off, end = v->info.pkt_len, s0 = v->seg_len[0];
	struct vmbus_iovec iov[2];
	unsigned n = 0;

	(void)ctx;
	if (v->info.desc.type != VMBUS_PKT_INBAND || off > end) {
		dropped++;
		return 0;
	}
	if (off < s0)
		iov[n++] = (struct vmbus_iovec){ v->seg[0] + off, (end < s0 ? end : s0) - off };
	if (end > s0) {
		uint32_t from = off > s0 ? off - s0 : 0;

		iov[n++] = (struct vmbus_iovec){ v->seg[1] + from, end - s0 - from };
	}
	if (vmbus_chan_sendv(ch, VMBUS_PKT_INBAND, 0, v->info.desc.trans_id, iov, n)) {
		dropped++;
		return 0;
	}
	echoed++;
	return 0;
}

static int echo_open(void *dev, struct vmbus_chan *ch)
{
	(void)dev;
	(void)ch;
	return 0;
}

static int echo_event(void *dev, struct vmbus_chan *ch)
{
	struct echo_dev *e = dev;
	int n = vmbus_chan_poll_view(ch, echo_view, e, ECHO_BUDGET);

	return n >= ECHO_BUDGET ? 1 : 0;
}

static void echo_close(void *dev, struct vmbus_chan *ch)
{
	(void)dev;
	(void)ch;
}

const struct vmbus_dev_ops vsp_echo_ops = { echo_open, echo_event, echo_close, NULL, NULL };

void *vsp_echo_create(uint64_t child, unsigned unit)
{
	struct echo_dev *e = calloc(1, sizeof(*e));

	(void)unit;
	if (!e)
		return NULL;
	e->child = child;
	return e;
}

void vsp_echo_destroy(void *dev)
{
	struct echo_dev *e = dev;

	free(e);
}

/* The echo keeps nothing between packets (a reply that does not fit is
 * dropped, not held): its saved state is empty. */
int vsp_echo_save(const void *dev, void *buf, size_t cap, size_t *len)
{
	(void)dev;
	(void)buf;
	(void)cap;
	*len = 0;
	return 0;
}

int vsp_echo_restore(void *dev, const void *buf, size_t len)
{
	(void)dev;
	(void)buf;
	return len ? -EINVAL : 0;
}

void vsp_echo_stats(uint64_t *e, uint64_t *d)
{
	*e = echoed;
	*d = dropped;
}
