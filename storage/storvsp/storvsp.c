/*
 * storvsp: VSTOR protocol state machine and packet dispatch (storvsp.h).
 * The init order and statuses follow what Linux's storvsc expects
 * (drivers/scsi/storvsc_drv.c storvsc_channel_init: BEGIN_INITIALIZATION,
 * QUERY_PROTOCOL_VERSION until one succeeds, QUERY_PROPERTIES,
 * END_INITIALIZATION, then CREATE_SUB_CHANNELS) and OpenVMM's storvsp
 * (REVISION_MISMATCH for a version it does not speak, after which the
 * guest may try another; INVALID_DEVICE_STATE for an operation out of
 * order). SRBs are executed in storvsp_srb.c.
 */
#include "storage/storvsp/storvsp_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void sp_log(struct storvsp *sp, const char *what, const char *why)
{
	if (sp->cfg.log)
		sp->cfg.log(sp->cfg.ctx, what, why);
}

/* Versions Windows Server 2008 R2 and later hosts accept, newest first:
 * Linux 6.1 and 6.12 ask for WIN10, WIN8_1, WIN8 in that order; WIN7 is
 * 2008 R2's own and WIN6 the one it kept for 2008's guests. */
static const uint16_t sp_versions[] = {
	VSTOR_VERSION_WIN10, VSTOR_VERSION_WIN8_1, VSTOR_VERSION_WIN8,
	VSTOR_VERSION_WIN7, VSTOR_VERSION_WIN6,
};

int sp_version_ok(uint16_t v)
{
	for (size_t i = 0; i < sizeof(sp_versions) / sizeof(sp_versions[0]); i++)
		if (sp_versions[i] == v)
			return 1;
	return 0;
}

/* Packets before 5.1 leave off the SRB's Windows 8 extension. */
uint32_t sp_packet_size_of(uint16_t version)
{
	if (version && version < VSTOR_VERSION_WIN8)
		return VSTOR_PACKET_SIZE_PRE_WIN8;
	return VSTOR_PACKET_SIZE;
}

uint32_t sp_packet_size(const struct storvsp *sp)
{
	return sp_packet_size_of(sp->version);
}

static struct sp_chan *sp_chan_find(struct storvsp *sp, struct vmbus_chan *ch)
{
	for (unsigned i = 0; i < STORVSP_MAX_CHANNELS; i++)
		if (sp->chans[i].ch == ch)
			return &sp->chans[i];
	return NULL;
}

/* Sends r->out as the completion of r's packet. When the guest's ring is
 * full the completion is kept (one per channel: reading stops until it
 * is sent) and -EAGAIN returned; the ring has armed pending_send_sz, so
 * the guest signals once it has read enough. */
int sp_complete(struct storvsp *sp, struct sp_req *r)
{
	uint32_t len = sp_packet_size(sp);
	struct sp_chan *c;
	int err;

	if (!r->want_completion)
		return 0;
	err = vmbus_chan_send_comp(r->ch, r->tid, &r->out, len);
	if (err == -EAGAIN) {
		c = sp_chan_find(sp, r->ch);
		if (!c)
			return -EIO;
		c->waiting = 1;
		c->tid = r->tid;
		c->len = len;
		memcpy(&c->pkt, &r->out, len);
		sp->st.ring_waits++;
		return -EAGAIN;
	}
	if (!err)
		sp->st.completions++;
	return err;
}

static int sp_status(struct storvsp *sp, struct sp_req *r, uint32_t status)
{
	r->out.status = status;
	if (status != VSTOR_STATUS_SUCCESS)
		sp->st.errors++;
	return sp_complete(sp, r);
}

static int op_begin(struct storvsp *sp, struct sp_req *r)
{
	if (sp->state != SP_NONE)
		return sp_status(sp, r, VSTOR_STATUS_INVALID_DEVICE_STATE);
	sp->state = SP_BEGUN;
	return sp_status(sp, r, VSTOR_STATUS_SUCCESS);
}

static int op_version(struct storvsp *sp, struct sp_req *r)
{
	uint16_t v = r->in.version.major_minor;

	if (sp->state != SP_BEGUN)
		return sp_status(sp, r, VSTOR_STATUS_INVALID_DEVICE_STATE);
	r->out.version.major_minor = v;
	r->out.version.revision = 0;
	if (!sp_version_ok(v))
		return sp_status(sp, r, VSTOR_STATUS_REVISION_MISMATCH);
	sp->version = v;
	sp->state = SP_VERSIONED;
	return sp_status(sp, r, VSTOR_STATUS_SUCCESS);
}

/* Multi-channel exists from Windows 8 (5.1) on, and only on SCSI. */
static int sp_multichannel(const struct storvsp *sp)
{
	return sp->cfg.kind == STORVSP_KIND_SCSI &&
	       sp->version >= VSTOR_VERSION_WIN8 && sp->cfg.max_subchannels;
}

static int op_properties(struct storvsp *sp, struct sp_req *r)
{
	if (sp->state != SP_VERSIONED)
		return sp_status(sp, r, VSTOR_STATUS_INVALID_DEVICE_STATE);
	if (sp_multichannel(sp)) {
		r->out.props.max_channel_cnt = sp->cfg.max_subchannels;
		r->out.props.flags = VSTOR_PROP_MULTI_CHANNEL;
	}
	r->out.props.max_transfer_bytes = sp->max_transfer;
	sp->state = SP_PROPS;
	return sp_status(sp, r, VSTOR_STATUS_SUCCESS);
}

static int op_end(struct storvsp *sp, struct sp_req *r)
{
	if (sp->state != SP_PROPS)
		return sp_status(sp, r, VSTOR_STATUS_INVALID_DEVICE_STATE);
	sp->state = SP_READY;
	return sp_status(sp, r, VSTOR_STATUS_SUCCESS);
}

/* Linux sends this after END_INITIALIZATION (handle_multichannel_storage),
 * OpenVMM also accepts it before: either is fine, once. */
static int op_subchannels(struct storvsp *sp, struct sp_req *r)
{
	uint16_t n = r->in.sub_channel_count;

	if ((sp->state != SP_PROPS && sp->state != SP_READY) ||
	    !sp_multichannel(sp) || sp->subch)
		return sp_status(sp, r, VSTOR_STATUS_INVALID_DEVICE_STATE);
	if (n == 0 || n > sp->cfg.max_subchannels)
		return sp_status(sp, r, VSTOR_STATUS_INVALID_PARAMETER);
	sp->subch = n;
	if (sp->cfg.on_subchannels)
		sp->cfg.on_subchannels(sp->cfg.ctx, n);
	return sp_status(sp, r, VSTOR_STATUS_SUCCESS);
}

/* Every request is finished before the next is read, so there is nothing
 * outstanding to abort: a reset completes at once. */
static int op_reset(struct storvsp *sp, struct sp_req *r)
{
	if (sp->state != SP_READY)
		return sp_status(sp, r, VSTOR_STATUS_INVALID_DEVICE_STATE);
	return sp_status(sp, r, VSTOR_STATUS_SUCCESS);
}

/* FCHBA_DATA (we are no Fibre Channel adapter), the host-to-guest
 * operations, and anything unknown. */
static int op_unhandled(struct storvsp *sp, struct sp_req *r)
{
	sp_log(sp, "storvsp: operation refused", "not supported or out of order");
	return sp_status(sp, r, sp->state == SP_READY ?
			 VSTOR_STATUS_NOT_SUPPORTED :
			 VSTOR_STATUS_INVALID_DEVICE_STATE);
}

typedef int (*sp_op_fn)(struct storvsp *sp, struct sp_req *r);

static const sp_op_fn sp_ops[VSTOR_OP_COUNT] = {
	[VSTOR_OP_EXECUTE_SRB] = sp_execute_srb,
	[VSTOR_OP_RESET_LUN] = op_reset,
	[VSTOR_OP_RESET_ADAPTER] = op_reset,
	[VSTOR_OP_RESET_BUS] = op_reset,
	[VSTOR_OP_BEGIN_INIT] = op_begin,
	[VSTOR_OP_END_INIT] = op_end,
	[VSTOR_OP_QUERY_PROTOCOL_VERSION] = op_version,
	[VSTOR_OP_QUERY_PROPERTIES] = op_properties,
	[VSTOR_OP_CREATE_SUB_CHANNELS] = op_subchannels,
};

static sp_op_fn sp_lookup(uint32_t op)
{
	if (op < VSTOR_OP_COUNT && sp_ops[op])
		return sp_ops[op];
	return op_unhandled;
}

int storvsp_handle_packet(struct storvsp *sp, struct vmbus_chan *ch,
			  const struct vmbus_pkt_info *info,
			  const uint8_t *pkt)
{
	struct sp_req r;
	uint16_t type = info->desc.type;

	sp->st.packets++;
	if (type == VMBUS_PKT_COMP)
		return 0;  /* we never ask the guest for completions */
	memset(&r, 0, sizeof(r));
	r.ch = ch;
	r.info = info;
	r.pkt = pkt;
	r.tid = info->desc.trans_id;
	r.want_completion =
		!!(info->desc.flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED);
	r.in_len = info->payload_len;
	memcpy(&r.in, pkt + info->payload_off,
	       r.in_len < sizeof(r.in) ? r.in_len : sizeof(r.in));
	r.out.operation = VSTOR_OP_COMPLETE_IO;
	if ((type != VMBUS_PKT_INBAND && type != VMBUS_PKT_GPA_DIRECT) ||
	    r.in_len < VSTOR_PACKET_SIZE_PRE_WIN8) {
		sp->st.bad_packets++;
		sp_log(sp, "storvsp: packet refused", "wrong type or too short");
		return sp_status(sp, &r, VSTOR_STATUS_INVALID_PARAMETER);
	}
	if (type == VMBUS_PKT_GPA_DIRECT && r.in.operation != VSTOR_OP_EXECUTE_SRB) {
		sp->st.bad_packets++;
		return sp_status(sp, &r, VSTOR_STATUS_INVALID_PARAMETER);
	}
	return sp_lookup(r.in.operation)(sp, &r);
}

/* An unsolicited ENUMERATE_BUS (transaction id 0) on the primary
 * channel: Linux's storvsc_on_receive answers it with a bus rescan
 * (storvsc_host_scan: TEST UNIT READY to each known LUN, whose
 * SRB_STATUS_INVALID_LUN makes storvsc_remove_lun drop a removed one,
 * then scsi_scan_host, whose REPORT LUNS finds added ones). OpenVMM
 * sends it from protocol 4.2 (Windows 7) on. */
static int sp_send_enum(struct storvsp *sp)
{
	struct vstor_packet p = { .operation = VSTOR_OP_ENUMERATE_BUS };
	int err = vmbus_chan_send(sp->primary, VMBUS_PKT_INBAND, 0, 0, &p,
				  sp_packet_size(sp));

	sp->enum_pending = err == -EAGAIN;
	return sp->enum_pending ? 0 : err;
}

/* A ring full of completions must not lose the rescan: it is kept and
 * sent when the guest signals room (pending_send_sz is armed). */
int storvsp_notify_bus_change(struct storvsp *sp)
{
	if (!sp->primary || sp->state != SP_READY)
		return -ENOTCONN;
	if (sp->version < VSTOR_VERSION_WIN7)
		return -EOPNOTSUPP;
	return sp_send_enum(sp);
}

int storvsp_bus_change_pending(const struct storvsp *sp)
{
	return sp->enum_pending;
}

/* ---- channel glue ---- */

static int sp_poll_fn(void *ctx, struct vmbus_chan *ch,
		      const struct vmbus_pkt_info *info, const uint8_t *pkt)
{
	return storvsp_handle_packet(ctx, ch, info, pkt);
}

/* A new session of the guest's driver, or its end: nothing agreed,
 * nothing owed (a new session scans the bus at init). */
static void sp_session_reset(struct storvsp *sp, struct vmbus_chan *primary)
{
	sp->primary = primary;
	sp->state = SP_NONE;
	sp->version = 0;
	sp->subch = 0;
	sp->enum_pending = 0;
}

int sp_chan_slot(const struct storvsp *sp, uint16_t sub_index)
{
	for (int i = 0; i < STORVSP_MAX_CHANNELS; i++)
		if (sp->chans[i].ch && sp->chans[i].ch->sub_index == sub_index)
			return i;
	return -1;
}

/* Which channel is the primary is the offer's sub_channel_index, not the
 * order of the opens: Linux opens its sub-channels only after the
 * primary's init (drivers/scsi/storvsc_drv.c handle_sc_creation, called
 * back for offers CREATE_SUB_CHANNELS made), but vmbus_server_restore
 * gives channels back in relid order, a sub-channel possibly first. A
 * sub-channel joins the session as it is; the primary starts a new one. */
static int sp_on_open(void *dev, struct vmbus_chan *ch)
{
	struct storvsp *sp = dev;
	struct sp_chan *c;

	if (ch->sub_index > STORVSP_MAX_CHANNELS - 1 ||
	    sp_chan_slot(sp, ch->sub_index) >= 0)
		return -EINVAL;
	c = sp_chan_find(sp, NULL);
	if (!c)
		return -ENOSPC;
	memset(c, 0, sizeof(*c));
	c->ch = ch;
	if (ch->sub_index == 0)
		sp_session_reset(sp, ch);
	return 0;
}

/* Closing the primary ends the guest driver's session (the server
 * rescinds its sub-channels); a sub-channel only frees its slot. */
static void sp_on_close(void *dev, struct vmbus_chan *ch)
{
	struct storvsp *sp = dev;
	struct sp_chan *c = sp_chan_find(sp, ch);

	if (c)
		memset(c, 0, sizeof(*c));
	if (sp->primary == ch)
		sp_session_reset(sp, NULL);
}

/* A completion that waited for room goes first; until it is sent no
 * request is read (so completions stay in order and none is lost). */
static int sp_flush_waiting(struct storvsp *sp, struct sp_chan *c)
{
	int err;

	if (!c->waiting)
		return 0;
	err = vmbus_chan_send_comp(c->ch, c->tid, &c->pkt, c->len);
	if (err)
		return err;
	c->waiting = 0;
	sp->st.completions++;
	return 0;
}

static int sp_on_event(void *dev, struct vmbus_chan *ch)
{
	struct storvsp *sp = dev;
	struct sp_chan *c = sp_chan_find(sp, ch);
	int n;

	if (!c || sp_flush_waiting(sp, c))
		return 0;
	if (ch == sp->primary && sp->enum_pending && sp_send_enum(sp))
		return 0;  /* broken: the server closes the channel */
	n = vmbus_chan_poll(ch, sp->rx, sizeof(sp->rx), sp_poll_fn, sp,
			    STORVSP_BUDGET);
	if (n < 0)
		return 0;  /* waiting for room, or broken (the server closes) */
	return (unsigned)n >= STORVSP_BUDGET;
}

const struct vmbus_dev_ops storvsp_dev_ops = {
	.on_open = sp_on_open,
	.on_event = sp_on_event,
	.on_close = sp_on_close,
};

/* ---- life cycle ---- */

struct storvsp *storvsp_create(const struct storvsp_config *cfg)
{
	struct storvsp *sp;

	if (!cfg || !cfg->gmem || !cfg->gmem->check || !cfg->gmem->read ||
	    !cfg->gmem->write || cfg->kind > STORVSP_KIND_IDE ||
	    cfg->max_subchannels >= STORVSP_MAX_CHANNELS)
		return NULL;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return NULL;
	sp->cfg = *cfg;
	if (sp->cfg.kind == STORVSP_KIND_IDE)
		sp->cfg.max_subchannels = 0;
	sp->max_transfer = cfg->max_transfer_bytes ? cfg->max_transfer_bytes
						   : STORVSP_DEFAULT_MAX_TRANSFER;
	/* One request's pages must fit a GPA-direct packet (vmbus/pkt.h). */
	if (sp->max_transfer > (VMBUS_PKT_MAX_PFNS - 1) * 4096u)
		sp->max_transfer = (VMBUS_PKT_MAX_PFNS - 1) * 4096u;
	return sp;
}

void storvsp_destroy(struct storvsp *sp)
{
	if (!sp)
		return;
	for (unsigned i = 0; i < STORVSP_MAX_LUNS; i++)
		if (sp->luns[i].used)
			scsi_disk_fini(&sp->luns[i].disk);
	free(sp);
}

uint16_t storvsp_version(const struct storvsp *sp)
{
	return sp->version;
}

int storvsp_ready(const struct storvsp *sp)
{
	return sp->state == SP_READY;
}

uint16_t storvsp_subchannels_requested(const struct storvsp *sp)
{
	return sp->subch;
}

void storvsp_get_stats(const struct storvsp *sp, struct storvsp_stats *out)
{
	*out = sp->st;
}
