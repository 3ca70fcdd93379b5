/*
 * storvsp: EXECUTE_SRB. The SRB (vmscsi_request) names a LUN and a CDB;
 * its data buffer is the GPA-direct ranges of the packet (Linux
 * storvsc_queuecommand sends one range of data_transfer_length bytes;
 * more ranges are accepted and read as one buffer). Every length and
 * every page is checked before any byte moves (docs/ARCHITECTURE.md rule
 * 6): data_transfer_length against the protocol's maximum and the ranges'
 * total, each PFN against the guest's memory through gmem->check, then
 * the SCSI command's own length against data_transfer_length
 * (scsi_disk.c).
 */
#include "storage/storvsp/storvsp_int.h"

#include <errno.h>
#include <string.h>

#include "vmbus/msg.h"

#define SCSI_OP_INQUIRY 0x12u
#define SCSI_OP_REPORT_LUNS 0xA0u

/* NTSTATUS for a finished SRB, as OpenVMM maps SRB statuses. */
#define NT_DEVICE_DOES_NOT_EXIST 0xC00000C0u
#define NT_IO_DEVICE_ERROR 0xC0000185u

/* The request's data buffer: the first len bytes of its GPA ranges. */
struct sp_xfer {
	struct storvsp *sp;
	struct vmbus_gpa_view r[VMBUS_PKT_MAX_RANGES];
	unsigned n;
	uint32_t len;
	int host_writes;  /* pages checked for the host to write into */
	int checked;      /* gmem->check was called: release at the end */
};

/* Copies [off, off + len) of the buffer to or from buf, page by page. */
static int xfer_walk(struct sp_xfer *x, uint32_t off, uint8_t *buf,
		     uint32_t len, int to_guest)
{
	const struct storvsp_gmem_ops *g = x->sp->cfg.gmem;

	if (off > x->len || len > x->len - off)
		return -EFAULT;
	for (unsigned i = 0; i < x->n && len; i++) {
		const struct vmbus_gpa_view *v = &x->r[i];

		if (off >= v->byte_count) {
			off -= v->byte_count;
			continue;
		}
		while (len && off < v->byte_count) {
			uint64_t pos = (uint64_t)v->byte_offset + off;
			uint32_t po = (uint32_t)(pos % 4096u);
			uint32_t c = 4096u - po;
			uint64_t pfn = vmbus_msg_pfn_at(v->pfns, (uint32_t)(pos / 4096u));
			int err;

			if (c > v->byte_count - off)
				c = v->byte_count - off;
			if (c > len)
				c = len;
			err = to_guest ? g->write(g->ctx, pfn, po, buf, c)
				       : g->read(g->ctx, pfn, po, buf, c);
			if (err)
				return err;
			buf += c;
			off += c;
			len -= c;
		}
		off = 0;
	}
	return len ? -EFAULT : 0;
}

static int xfer_to_guest(void *ctx, uint32_t off, const void *buf,
			 uint32_t len)
{
	struct sp_xfer *x = ctx;

	if (!x->host_writes)
		return -EPERM;  /* the guest said it would send, not receive */
	return xfer_walk(x, off, (uint8_t *)buf, len, 1);
}

static int xfer_from_guest(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	return xfer_walk(ctx, off, buf, len, 0);
}

/* Where byte off of the buffer is: range i, byte pos of its pages. */
static int xfer_locate(const struct sp_xfer *x, uint32_t off, unsigned *ri,
		       uint64_t *pos)
{
	for (unsigned i = 0; i < x->n; i++) {
		if (off < x->r[i].byte_count) {
			*ri = i;
			*pos = (uint64_t)x->r[i].byte_offset + off;
			return 0;
		}
		off -= x->r[i].byte_count;
	}
	return -EFAULT;
}

/* A host pointer to the buffer at off, extended over following pages of
 * the same range while their views are adjacent. */
static int xfer_span(void *ctx, uint32_t off, uint32_t len, int to_guest,
		     uint8_t **p, uint32_t *n)
{
	struct sp_xfer *x = ctx;
	const struct storvsp_gmem_ops *g = x->sp->cfg.gmem;
	const struct vmbus_gpa_view *v;
	uint64_t pos, end, page;
	uint8_t *base;
	unsigned ri;

	if (!g->page_ptr || (to_guest && !x->host_writes) ||
	    off > x->len || len > x->len - off || xfer_locate(x, off, &ri, &pos))
		return -ENOENT;
	v = &x->r[ri];
	end = (uint64_t)v->byte_offset + v->byte_count;
	if (end - pos < len)
		len = (uint32_t)(end - pos);
	page = pos / 4096u;
	base = g->page_ptr(g->ctx, vmbus_msg_pfn_at(v->pfns, (uint32_t)page), to_guest);
	if (!base)
		return -ENOENT;
	*p = base + pos % 4096u;
	*n = (uint32_t)(4096u - pos % 4096u);
	while (*n < len) {
		uint8_t *q = g->page_ptr(g->ctx, vmbus_msg_pfn_at(v->pfns,
					  (uint32_t)++page), to_guest);

		if (q != *p + *n)
			break;
		*n += 4096u;
	}
	if (*n > len)
		*n = len;
	return 0;
}

static const struct scsi_xfer_ops sp_xfer_ops = {
	.to_initiator = xfer_to_guest,
	.from_initiator = xfer_from_guest,
	.span = xfer_span,
};

/* Decodes the ranges and checks the buffer: lengths first, then every
 * page with the platform. */
static int xfer_setup(struct storvsp *sp, const struct sp_req *r,
		      struct sp_xfer *x)
{
	const struct storvsp_gmem_ops *g = sp->cfg.gmem;
	uint32_t dtl = r->in.srb.data_transfer_length;
	uint64_t total = 0;
	const char *why = NULL;

	memset(x, 0, sizeof(*x));
	x->sp = sp;
	x->len = dtl;
	x->host_writes = r->in.srb.data_in != VSTOR_DATA_WRITE;
	if (dtl > sp->max_transfer)
		return -E2BIG;
	if (r->info->desc.type != VMBUS_PKT_GPA_DIRECT)
		return dtl ? -EINVAL : 0;
	if (vmbus_pkt_gpa_parse(r->pkt, r->info, x->r, VMBUS_PKT_MAX_RANGES,
				&x->n, &why))
		return -EINVAL;
	for (unsigned i = 0; i < x->n; i++)
		total += x->r[i].byte_count;
	if (dtl > total)
		return -EINVAL;
	x->checked = 1;
	for (unsigned i = 0; i < x->n; i++)
		for (uint32_t p = 0; p < x->r[i].pfn_count; p++)
			if (g->check(g->ctx, vmbus_msg_pfn_at(x->r[i].pfns, p),
				     x->host_writes))
				return -EFAULT;
	if (g->prepare && g->prepare(g->ctx))
		return -EFAULT;
	return 0;
}

/* The platform may let go of the request's pages (gmem->release). */
static void xfer_release(struct sp_xfer *x)
{
	const struct storvsp_gmem_ops *g = x->sp->cfg.gmem;

	if (x->checked && g->release)
		g->release(g->ctx);
	x->checked = 0;
}

/* ---- LUNs ---- */

static int lun_match(const struct storvsp *sp, const struct sp_lun *l,
		     uint8_t path, uint8_t target)
{
	/* The IDE accelerator serves one location: Linux fills path and
	 * target from the instance GUID, so only the LUN is compared. */
	return l->used && (sp->cfg.kind == STORVSP_KIND_IDE ||
			   (l->path == path && l->target == target));
}

static struct sp_lun *lun_find(struct storvsp *sp, uint8_t path,
			       uint8_t target, uint8_t lun)
{
	for (unsigned i = 0; i < STORVSP_MAX_LUNS; i++) {
		struct sp_lun *l = &sp->luns[i];

		if (lun_match(sp, l, path, target) && l->lun == lun)
			return l;
	}
	return NULL;
}

int storvsp_add_lun(struct storvsp *sp, uint8_t path, uint8_t target,
		    uint8_t lun, struct blockdev *bd,
		    const struct scsi_disk_params *p)
{
	struct scsi_disk_params dp = *p;
	struct sp_lun *free_slot = NULL;
	int err;

	if (sp->cfg.kind == STORVSP_KIND_IDE && lun != 0)
		return -EINVAL;
	if (lun_find(sp, path, target, lun))
		return -EEXIST;
	for (unsigned i = 0; i < STORVSP_MAX_LUNS && !free_slot; i++)
		if (!sp->luns[i].used)
			free_slot = &sp->luns[i];
	if (!free_slot)
		return -ENOSPC;
	if (!dp.max_xfer_bytes || dp.max_xfer_bytes > sp->max_transfer)
		dp.max_xfer_bytes = sp->max_transfer;
	err = scsi_disk_init(&free_slot->disk, bd, &dp);
	if (err)
		return err;
	free_slot->path = path;
	free_slot->target = target;
	free_slot->lun = lun;
	free_slot->used = 1;
	return 0;
}

int storvsp_remove_lun(struct storvsp *sp, uint8_t path, uint8_t target,
		       uint8_t lun)
{
	struct sp_lun *l = lun_find(sp, path, target, lun);

	if (!l)
		return -ENOENT;
	scsi_disk_fini(&l->disk);
	memset(l, 0, sizeof(*l));
	return 0;
}

/* REPORT LUNS is the target's, answered whether or not LUN 0 exists. */
static int report_luns(struct storvsp *sp, uint8_t path, uint8_t target,
		       struct scsi_cmd *c)
{
	uint16_t luns[STORVSP_MAX_LUNS];
	unsigned n = 0;

	for (unsigned i = 0; i < STORVSP_MAX_LUNS; i++)
		if (lun_match(sp, &sp->luns[i], path, target))
			luns[n++] = sp->luns[i].lun;
	return scsi_report_luns(c, luns, n);
}

/* ---- the SRB ---- */

static int srb_fail(struct storvsp *sp, struct sp_req *r, uint8_t srb_status,
		    uint32_t nt)
{
	r->out.srb.srb_status = srb_status;
	r->out.srb.scsi_status = 0;
	r->out.srb.data_transfer_length = 0;
	r->out.status = nt;
	sp->st.errors++;
	return sp_complete(sp, r);
}

/* Runs the CDB: on the LUN, or for the target when no LUN is there. */
static int srb_run(struct storvsp *sp, struct sp_req *r, struct scsi_cmd *c,
		   int *no_lun)
{
	const struct vstor_srb *s = &r->in.srb;
	struct sp_lun *l = lun_find(sp, s->path_id, s->target_id, s->lun);

	*no_lun = 0;
	if (c->cdb[0] == SCSI_OP_REPORT_LUNS)
		return report_luns(sp, s->path_id, s->target_id, c);
	if (l)
		return scsi_disk_execute(&l->disk, c);
	if (c->cdb[0] == SCSI_OP_INQUIRY)
		return scsi_inquiry_no_lun(c);
	*no_lun = 1;
	return 0;
}

/* Maps the SCSI outcome into the SRB completion (sense by autosense,
 * truncated to what the guest's SRB has room for). */
static int srb_done(struct storvsp *sp, struct sp_req *r,
		    const struct scsi_cmd *c)
{
	struct vstor_srb *o = &r->out.srb;
	uint8_t room = r->in.srb.sense_info_length;

	o->data_transfer_length = c->done;
	o->scsi_status = c->status;
	if (c->status == SCSI_STATUS_GOOD) {
		o->srb_status = SRB_STATUS_SUCCESS;
		o->sense_info_length = 0;
		return sp_complete(sp, r);
	}
	if (room > VSTOR_SENSE_MAX)
		room = VSTOR_SENSE_MAX;
	if (room > c->sense_len)
		room = c->sense_len;
	memcpy(o->sense_data, c->sense, room);
	o->sense_info_length = room;
	o->srb_status = SRB_STATUS_ERROR | (room ? SRB_STATUS_AUTOSENSE_VALID : 0);
	r->out.status = NT_IO_DEVICE_ERROR;
	sp->st.errors++;
	return sp_complete(sp, r);
}

int sp_execute_srb(struct storvsp *sp, struct sp_req *r)
{
	const struct vstor_srb *s = &r->in.srb;
	struct scsi_cmd c;
	struct sp_xfer x;
	int no_lun, err;

	sp->st.srbs++;
	/* The reply carries the SRB back with its results filled in. */
	r->out.srb = *s;
	memset(r->out.srb.sense_data, 0, sizeof(r->out.srb.sense_data));
	if (sp->state != SP_READY)
		return srb_fail(sp, r, SRB_STATUS_INVALID_REQUEST,
				VSTOR_STATUS_INVALID_DEVICE_STATE);
	if (s->cdb_length == 0 || s->cdb_length > VSTOR_CDB_MAX)
		return srb_fail(sp, r, SRB_STATUS_INVALID_REQUEST,
				VSTOR_STATUS_INVALID_PARAMETER);
	if (xfer_setup(sp, r, &x)) {
		xfer_release(&x);
		return srb_fail(sp, r, SRB_STATUS_INVALID_REQUEST,
				VSTOR_STATUS_INVALID_PARAMETER);
	}
	memset(&c, 0, sizeof(c));
	c.cdb = s->cdb;
	c.cdb_len = s->cdb_length;
	c.buf_len = s->data_transfer_length;
	c.xfer = &sp_xfer_ops;
	c.xfer_ctx = &x;
	err = srb_run(sp, r, &c, &no_lun);
	xfer_release(&x);
	if (no_lun)
		return srb_fail(sp, r, SRB_STATUS_INVALID_LUN,
				NT_DEVICE_DOES_NOT_EXIST);
	if (err)
		return srb_fail(sp, r, SRB_STATUS_INVALID_REQUEST,
				VSTOR_STATUS_INVALID_PARAMETER);
	return srb_done(sp, r, &c);
}
