/*
 * The echo device: hvpart's own test channel (VMBUS_GUID_HVPART_ECHO).
 * Every in-band packet the child sends comes back with the same
 * transaction id and payload, so the vsc test guest can stream both ways
 * and verify every byte through real rings in GPADL pages hv mapped.
 * A reply that does not fit the child's receive ring is dropped and
 * counted (the guest sees the gap): the parent never waits on a child.
 */
#include <stdlib.h>
#include "partition/vsp/vsp_dev.h"
#include "vmbus/chan.h"

/* 64 KiB of payload plus the descriptor: the largest packet echoed. */
#define ECHO_MAX (64u * 1024 + 64)
/* Packets per signal before the server calls us again (vmbus/server.h). */
#define ECHO_BUDGET 64

struct echo_dev {
	uint64_t child;
	uint8_t *buf;
};

static uint64_t echoed, dropped;

static int echo_pkt(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
		    const uint8_t *pkt)
{
	(void)ctx;
	if (info->desc.type != VMBUS_PKT_INBAND) {
		dropped++;
		return 0;
	}
	if (vmbus_chan_send(ch, VMBUS_PKT_INBAND, 0, info->desc.trans_id, pkt + info->payload_off,
			    info->payload_len)) {
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
	int n = vmbus_chan_poll(ch, e->buf, ECHO_MAX, echo_pkt, e, ECHO_BUDGET);

	return n >= ECHO_BUDGET ? 1 : 0;
}

static void echo_close(void *dev, struct vmbus_chan *ch)
{
	(void)dev;
	(void)ch;
}

const struct vmbus_dev_ops vsp_echo_ops = { echo_open, echo_event, echo_close, NULL };

void *vsp_echo_create(uint64_t child)
{
	struct echo_dev *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->child = child;
	e->buf = malloc(ECHO_MAX);
	if (!e->buf) {
		free(e);
		return NULL;
	}
	return e;
}

void vsp_echo_destroy(void *dev)
{
	struct echo_dev *e = dev;

	if (!e)
		return;
	free(e->buf);
	free(e);
}

void vsp_echo_stats(uint64_t *e, uint64_t *d)
{
	*e = echoed;
	*d = dropped;
}
