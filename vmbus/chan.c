/* Channel send/receive on top of the two rings (see chan.h). */
#include "vmbus/chan.h"

#include <errno.h>

static void chan_signal(struct vmbus_chan *ch)
{
	if (ch->signal)
		(void)ch->signal(ch->signal_ctx, ch->signal_id);
}

static int chan_fail(struct vmbus_chan *ch, const struct vmbus_ring *r)
{
	if (!ch->why)
		ch->why = r->why ? r->why : "ring broken";
	return -EIO;
}

int vmbus_chan_sendv(struct vmbus_chan *ch, uint16_t type, uint16_t flags,
		     uint64_t trans_id, const struct vmbus_iovec *iov,
		     unsigned niov)
{
	bool sig = false;
	int err = vmbus_ring_send(&ch->out, type, flags, trans_id, iov, niov,
				  &sig);

	if (err == -EIO)
		return chan_fail(ch, &ch->out);
	if (!err && sig)
		chan_signal(ch);
	return err;
}

int vmbus_chan_send(struct vmbus_chan *ch, uint16_t type, uint16_t flags,
		    uint64_t trans_id, const void *buf, size_t len)
{
	struct vmbus_iovec v = { buf, len };

	return vmbus_chan_sendv(ch, type, flags, trans_id, &v, len ? 1 : 0);
}

int vmbus_chan_send_comp(struct vmbus_chan *ch, uint64_t trans_id,
			 const void *buf, size_t len)
{
	return vmbus_chan_send(ch, VMBUS_PKT_COMP, 0, trans_id, buf, len);
}

/* Gives consumed space back; wakes the writer if it was waiting for it. */
static void chan_commit(struct vmbus_chan *ch)
{
	bool sig = false;

	vmbus_ring_iter_commit(&ch->in, &sig);
	if (sig)
		chan_signal(ch);
}

/* One packet for chan_drain: copied into buf for fn, or (vfn) shown in
 * place. */
struct chan_reader {
	uint8_t *buf;
	size_t cap;
	vmbus_pkt_fn fn;
	vmbus_view_fn vfn;
	void *ctx;
};

static int chan_next(struct vmbus_chan *ch, const struct chan_reader *rd, int *err)
{
	struct vmbus_pkt_info info;
	struct vmbus_pkt_view v;
	int rc;

	if (rd->vfn) {
		rc = vmbus_ring_iter_view(&ch->in, &v);
		if (rc > 0)
			*err = rd->vfn(rd->ctx, ch, &v);
		return rc;
	}
	rc = vmbus_ring_iter_next(&ch->in, rd->buf, rd->cap, &info);
	if (rc > 0)
		*err = rd->fn(rd->ctx, ch, &info, rd->buf);
	return rc;
}

static int chan_drain(struct vmbus_chan *ch, const struct chan_reader *rd, int *count,
		      unsigned budget)
{
	int rc = 0, err = 0;

	while ((!budget || (unsigned)*count < budget) && (rc = chan_next(ch, rd, &err)) > 0) {
		(*count)++;
		/* Batches of 16 packets or a quarter ring: amortises the
		 * handshake, still frees space soon enough for a writer
		 * blocked on pending_send_sz. */
		if (*count % 16 == 0 ||
		    vmbus_ring_uncommitted(&ch->in) >= ch->in.size / 4)
			chan_commit(ch);
		if (err < 0) {
			chan_commit(ch);
			return err;
		}
	}
	chan_commit(ch);
	if (rc == -ENOBUFS) {
		/* Larger than anything this endpoint accepts: the peer broke
		 * the device protocol; stop the channel rather than spin. */
		ch->in.broken = true;
		ch->in.why = "packet larger than the receive buffer";
		return chan_fail(ch, &ch->in);
	}
	return rc < 0 ? chan_fail(ch, &ch->in) : 0;
}

static int chan_poll(struct vmbus_chan *ch, const struct chan_reader *rd, unsigned budget)
{
	int count = 0, err;

	if (ch->in.broken || ch->out.broken)
		return chan_fail(ch, ch->in.broken ? &ch->in : &ch->out);
	for (;;) {
		vmbus_ring_mask_begin(&ch->in);
		err = chan_drain(ch, rd, &count, budget);
		/* A packet written while we were masked did not signal us;
		 * mask_end reports it, so go round again (unless the budget
		 * is spent: then the caller polls again). */
		if (vmbus_ring_mask_end(&ch->in) == 0 || err < 0 ||
		    (budget && (unsigned)count >= budget))
			break;
	}
	if (err < 0)
		return err;
	return ch->in.broken ? chan_fail(ch, &ch->in) : count;
}

int vmbus_chan_poll(struct vmbus_chan *ch, uint8_t *buf, size_t cap,
		    vmbus_pkt_fn fn, void *ctx, unsigned budget)
{
	struct chan_reader rd = { buf, cap, fn, NULL, ctx };

	return chan_poll(ch, &rd, budget);
}

int vmbus_chan_poll_view(struct vmbus_chan *ch, vmbus_view_fn fn, void *ctx, unsigned budget)
{
	struct chan_reader rd = { NULL, 0, NULL, fn, ctx };

	return chan_poll(ch, &rd, budget);
}

int vmbus_chan_broken(const struct vmbus_chan *ch)
{
	return ch->in.broken || ch->out.broken;
}
