/*
 * The synthetic SCSI controller of each child (see vsp_stor.h): storvsp
 * over the child's VMBus channel, VHD disks on a parent drive.
 *
 * Guest memory (storvsp_gmem_ops): storvsp calls check for every page a
 * request names, then prepare, before any byte moves. check only collects
 * the page numbers (each once); prepare asks hv to map them all
 * (HvpartMapGpadlPages, up to 510 per call), and hv refuses the whole
 * request when any page is not the child's own RAM (hv/core/gpadl.c;
 * docs/ARCHITECTURE.md rule 1: the parent reaches a child's page only
 * while hv has it mapped). A mapped page sits at its host-physical
 * address in the parent's identity map, so page_ptr gives storvsp a
 * direct view (adjacent pages are moved with one backend call). release
 * unmaps them when the request is done. Requests are served one at a
 * time on the parent's one thread, so one list per child is enough.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "partition/vsp/vsp_dev.h"
#include "partition/vsp/vsp_gpadl.h"
#include "partition/vsp/vsp_host.h"
#include "partition/vsp/vsp_stor.h"
#include "partition/volume/vhd_mount.h"
#include "storage/storvsp/storvsp.h"
#include "storage/vhd/vhd.h"
#include "vmbus/pkt.h"

/* hv's child ids the VMBus host serves (VSP_MAX in vsp_host.c). */
#define STOR_CHILDREN 16

struct stor_disk {
	struct vol_path file;
	struct fio_ext2 fx;        /* the drive's file operations: stays put */
	struct fio_ops ops;
	struct vhd *vhd;
	struct blockdev bd;
	uint8_t lun;
	char serial[21];
};

struct stor_child {
	uint64_t child;
	struct stor_disk *disks;
	int ndisks;
	struct storvsp *sp;        /* while the controller is offered */
	struct storvsp_gmem_ops gm;
	/* The current request's pages: guest page numbers, then where hv
	 * mapped them; hint: the last one looked up. */
	uint64_t gpfn[VMBUS_PKT_MAX_PFNS], pa[VMBUS_PKT_MAX_PFNS];
	uint32_t npages, hint;
	bool mapped;
};

static struct stor_child *children[STOR_CHILDREN];

/* ---- the child's pages ---- */

static int gm_check(void *ctx, uint64_t pfn, int host_writes)
{
	struct stor_child *c = ctx;

	(void)host_writes;        /* hv maps the child's pages read/write */
	if (c->mapped)
		return -EBUSY;
	for (uint32_t i = c->npages; i-- > 0;)
		if (c->gpfn[i] == pfn)
			return 0;  /* named twice: hv takes each page once a call */
	if (c->npages >= VMBUS_PKT_MAX_PFNS)
		return -E2BIG;
	c->gpfn[c->npages++] = pfn;
	return 0;
}

static int gm_prepare(void *ctx)
{
	struct stor_child *c = ctx;

	if (!c->npages)
		return 0;
	if (vsp_gpadl_hv_map(c->child, c->gpfn, c->npages, c->pa))
		return -EFAULT;
	c->mapped = true;
	c->hint = 0;
	return 0;
}

static void gm_release(void *ctx)
{
	struct stor_child *c = ctx;

	if (c->mapped)
		(void)vsp_gpadl_hv_unmap(c->pa, c->npages);
	c->mapped = false;
	c->npages = 0;
}

/* Where hv mapped page pfn of this request; NULL if it is not one. */
static uint8_t *gm_page(struct stor_child *c, uint64_t pfn)
{
	if (!c->mapped)
		return NULL;
	for (uint32_t k = 0; k < c->npages; k++) {
		uint32_t i = (c->hint + k) % c->npages;   /* requests walk in order */

		if (c->gpfn[i] == pfn) {
			c->hint = i;
			return (uint8_t *)(uintptr_t)c->pa[i];
		}
	}
	return NULL;
}

static int gm_read(void *ctx, uint64_t pfn, uint32_t off, void *buf, uint32_t len)
{
	uint8_t *p = gm_page(ctx, pfn);

	if (!p || off > 4096u || len > 4096u - off)
		return -EFAULT;
	memcpy(buf, p + off, len);
	return 0;
}

static int gm_write(void *ctx, uint64_t pfn, uint32_t off, const void *buf, uint32_t len)
{
	uint8_t *p = gm_page(ctx, pfn);

	if (!p || off > 4096u || len > 4096u - off)
		return -EFAULT;
	memcpy(p + off, buf, len);
	return 0;
}

static void *gm_page_ptr(void *ctx, uint64_t pfn, int host_writes)
{
	(void)host_writes;
	return gm_page(ctx, pfn);
}

/* ---- disks ---- */

static void disk_close(struct stor_disk *d, int *rc)
{
	int err;

	if (!d->vhd)
		return;
	err = blockdev_flush(&d->bd);
	if (err && !*rc)
		*rc = err;
	blockdev_close(&d->bd);   /* vhd_close */
	d->vhd = NULL;
}

static int disk_open(struct stor_disk *d, uint64_t child, const struct vmcfg_disk *cfg,
		     char *why, size_t len)
{
	int rc = volume_resolve(cfg->path, &d->file);

	if (rc) {
		snprintf(why, len, "The virtual hard disk '%s' cannot be found: %s.", cfg->path,
			 volume_strerror(rc));
		return rc;
	}
	if (vhd_mount_in_use(&d->file)) {
		snprintf(why, len, "The virtual hard disk '%s' is mounted (Mount-VHD); Dismount-VHD it first.",
			 cfg->path);
		return -EBUSY;
	}
	if (vsp_stor_in_use(&d->file)) {
		snprintf(why, len, "The virtual hard disk '%s' is already in use by a running virtual machine.",
			 cfg->path);
		return -EBUSY;
	}
	rc = vhd_mount_open_file(&d->file, false, &d->fx, &d->ops, &d->vhd, why, len);
	if (rc)
		return rc;
	vhd_blockdev_wrap(d->vhd, 1, &d->bd);
	d->lun = cfg->controller_location;
	snprintf(d->serial, sizeof(d->serial), "HVPART%02u%02u", (unsigned)child, d->lun);
	return 0;
}

static void child_free(struct stor_child *c)
{
	int rc = 0;

	for (int i = 0; i < c->ndisks; i++)
		disk_close(&c->disks[i], &rc);
	free(c->disks);
	free(c);
}

int vsp_stor_attach(uint64_t child, const struct vmcfg_disk *d, int n, char *why, size_t len)
{
	struct stor_child *c;
	int rc;

	if (child >= STOR_CHILDREN || children[child])
		return -EINVAL;
	if (!n)
		return 0;
	c = calloc(1, sizeof(*c));
	if (c)
		c->disks = calloc((size_t)n, sizeof(*c->disks));
	if (!c || !c->disks) {
		free(c);
		snprintf(why, len, "Out of memory for the virtual machine's disks.");
		return -ENOMEM;
	}
	c->child = child;
	c->gm = (struct storvsp_gmem_ops){ gm_check, gm_read, gm_write, gm_page_ptr, gm_prepare,
					   gm_release, c };
	children[child] = c;    /* vsp_stor_in_use sees this child's own disks too */
	for (; c->ndisks < n; c->ndisks++) {
		rc = disk_open(&c->disks[c->ndisks], child, &d[c->ndisks], why, len);
		if (rc) {
			children[child] = NULL;
			child_free(c);
			return rc;
		}
	}
	return 0;
}

int vsp_stor_detach(uint64_t child)
{
	struct stor_child *c = child < STOR_CHILDREN ? children[child] : NULL;
	int rc = 0;

	if (!c)
		return 0;
	children[child] = NULL;
	for (int i = 0; i < c->ndisks; i++)
		disk_close(&c->disks[i], &rc);
	if (rc)
		printf("parent: flushing a disk of child %llu failed: %s\n",
		       (unsigned long long)child, volume_strerror(rc));
	child_free(c);
	return rc;
}

bool vsp_stor_in_use(const struct vol_path *file)
{
	for (int k = 0; k < STOR_CHILDREN; k++)
		for (int i = 0; children[k] && i < children[k]->ndisks; i++) {
			const struct stor_disk *d = &children[k]->disks[i];

			if (d->vhd && d->file.vol == file->vol && !strcmp(d->file.path, file->path))
				return true;
		}
	return false;
}

/* ---- the device row ---- */

void *vsp_stor_create(uint64_t child)
{
	struct stor_child *c = child < STOR_CHILDREN ? children[child] : NULL;
	struct storvsp_config cfg = { 0 };
	struct scsi_disk_params p = { 0 };

	if (!c || c->sp)
		return NULL;
	cfg.kind = STORVSP_KIND_SCSI;
	cfg.gmem = &c->gm;
	cfg.max_subchannels = 0;      /* the host offers no sub-channels yet */
	c->sp = storvsp_create(&cfg);
	if (!c->sp)
		return NULL;
	for (int i = 0; i < c->ndisks; i++) {
		struct stor_disk *d = &c->disks[i];

		/* NAA IEEE Registered Extended (SPC-4 7.8.6.6): our own id,
		 * the child and the LUN. */
		p.serial = d->serial;
		memset(p.naa_id, 0, sizeof(p.naa_id));
		p.naa_id[0] = 0x60;
		p.naa_id[14] = (uint8_t)child;
		p.naa_id[15] = d->lun;
		if (storvsp_add_lun(c->sp, 0, 0, d->lun, &d->bd, &p)) {
			storvsp_destroy(c->sp);
			c->sp = NULL;
			return NULL;
		}
	}
	return c->sp;
}

void vsp_stor_destroy(void *dev)
{
	for (int k = 0; k < STOR_CHILDREN; k++)
		if (children[k] && children[k]->sp == dev) {
			gm_release(children[k]);
			children[k]->sp = NULL;
		}
	storvsp_destroy(dev);
}

const char *vsp_stor_status(const void *dev)
{
	return storvsp_ready(dev) ? "OK" : "NoContact";
}
