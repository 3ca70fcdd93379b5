/*
 * The synthetic SCSI controller of each child (see vsp_stor.h): storvsp
 * over the child's VMBus channel, VHD disks on a parent drive and
 * pass-through disks (a view of an offline parent disk's device).
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
#include "partition/drivers/disk.h"
#include "partition/vsp/vsp_dev.h"
#include "partition/vsp/vsp_gpadl.h"
#include "partition/vsp/vsp_host.h"
#include "partition/vsp/vsp_stor.h"
#include "partition/volume/vhd_mount.h"
#include "storage/storvsp/storvsp.h"
#include "storage/vhd/vhd.h"
#include "storage/vhd/vhd_claim.h"
#include "vmbus/pkt.h"

/* hv's child ids the VMBus host serves (VSP_MAX in vsp_host.c). */
#define STOR_CHILDREN 16
/* Twice a request's most pages, so that a probe always ends. */
#define GM_SLOT_BITS 11
#define GM_SLOTS (1u << GM_SLOT_BITS)
_Static_assert(GM_SLOTS >= 2 * VMBUS_PKT_MAX_PFNS, "gm_check's set must stay half empty");

struct stor_disk {
	struct vol_path file;
	struct fio_ext2 fx;        /* the drive's file operations: stays put */
	struct fio_ops ops;
	struct vhd *vhd;
	struct disk *phys;         /* a pass-through disk: bd is a view of it */
	struct blockdev bd;
	uint8_t lun;
	int owner;                 /* the child: its claims on the chain's files */
	char serial[21];
	/* A live merge of the chain's top's parent into its own parent
	 * (Remove-VMSnapshot of a running VM; vsp_stor_merge_begin). */
	struct vhd_live_merge *lm;
};

struct stor_child {
	uint64_t child;
	unsigned processors;       /* the child's virtual processors */
	struct stor_disk *disk[VMCFG_DISKS_MAX];   /* by LUN (ControllerLocation) */
	/* IDE disks (the emulated controller, partition/vm_ide.c), by
	 * ControllerNumber * 2 + ControllerLocation. */
	struct stor_disk *ide[VMCFG_IDE_DRIVES];
	struct storvsp *sp;        /* while the controller is offered */
	/* The IDE accelerator channel of each IDE disk, while offered. */
	struct storvsp *idesp[VMCFG_IDE_DRIVES];
	struct storvsp_gmem_ops gm;
	/* The current request's pages: guest page numbers, then where hv
	 * mapped them; hint: the last one looked up. */
	uint64_t gpfn[VMBUS_PKT_MAX_PFNS], pa[VMBUS_PKT_MAX_PFNS];
	uint32_t npages, hint;
	bool mapped;
	/* The same pages as a set, for gm_check: a slot holds a page of
	 * the current request only while its gen is seen_gen, which each
	 * request's end moves, so nothing is cleared between requests. */
	struct gm_slot { uint64_t pfn; uint32_t gen; } seen[GM_SLOTS];
	uint32_t seen_gen;
};

static struct stor_child *children[STOR_CHILDREN];
/* Disks with a live merge (d->lm): the idle loop looks for steps to take
 * only while there are some (vsp_stor_merging). */
static unsigned merging;
/* Every open disk's chain: its top written, its parents read (shared by
 * differencing disks of one parent). */
static struct vhd_claims claims;

/* ---- the child's pages ---- */

/* pfn's slot in the request's set: where it is, or the free one where it
 * goes (multiplicative hashing, linear probing). The set is at most half
 * full, so the probe ends. */
static struct gm_slot *gm_slot_of(struct stor_child *c, uint64_t pfn)
{
	uint32_t i = (uint32_t)((pfn * 0x9e3779b97f4a7c15ull) >> (64 - GM_SLOT_BITS));

	while (c->seen[i].gen == c->seen_gen && c->seen[i].pfn != pfn)
		i = (i + 1) & (GM_SLOTS - 1);
	return &c->seen[i];
}

/* Each page of a request once, in constant time a page: a scan of the
 * pages so far made a guest's 1,024-page request cost half a million
 * comparisons. */
static int gm_check(void *ctx, uint64_t pfn, int host_writes)
{
	struct stor_child *c = ctx;
	struct gm_slot *slot;

	(void)host_writes;        /* hv maps the child's pages read/write */
	if (c->mapped)
		return -EBUSY;
	slot = gm_slot_of(c, pfn);
	if (slot->gen == c->seen_gen)
		return 0;  /* named twice: hv takes each page once a call */
	if (c->npages >= VMBUS_PKT_MAX_PFNS)
		return -E2BIG;
	slot->gen = c->seen_gen;
	slot->pfn = pfn;
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
	if (++c->seen_gen == 0) {   /* wrapped: old slots would look current */
		memset(c->seen, 0, sizeof(c->seen));
		c->seen_gen = 1;
	}
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

	if (!d->vhd && !d->phys)
		return;
	err = blockdev_flush(&d->bd);
	if (err && !*rc)
		*rc = err;
	/* Its progress made durable: the next open of the chain (Start-VM,
	 * boot: vm_snap_merges) resumes it (storage/vhd/vhd.h). */
	if (d->lm) {
		(void)vhd_live_merge_stop(d->lm);
		merging--;
	}
	d->lm = NULL;
	if (d->vhd)
		vhd_claims_drop(&claims, d->file.vol, d->vhd, d->owner);
	blockdev_close(&d->bd);   /* vhd_close, or the view's (the disk stays) */
	if (d->phys)
		disk_release_vm(d->phys);
	d->vhd = NULL;
	d->phys = NULL;
}

/* A parent of the new chain mounted for writing (Mount-VHD without
 * -ReadOnly) would change under it. */
static const char *chain_parent_mounted(const struct stor_disk *d)
{
	for (struct vhd *p = vhd_get_parent(d->vhd); p; p = vhd_get_parent(p)) {
		struct vol_path vp = { .vol = d->file.vol };
		struct vhd_mount *m;

		snprintf(vp.path, sizeof(vp.path), "%s", vhd_get_path(p));
		m = vhd_mount_find(&vp);
		if (m && !m->read_only)
			return vhd_get_path(p);
	}
	return NULL;
}

/* The chain is open: claim its files (top written, parents read). */
static int disk_claim(struct stor_disk *d, const struct vmcfg_disk *cfg, char *why, size_t len)
{
	const struct vhd_claim *who;
	const char *mounted = chain_parent_mounted(d);
	struct vol_path pp = { .vol = d->file.vol };
	char where[VOL_PATH_MAX + 4];
	int rc;

	if (mounted) {
		snprintf(pp.path, sizeof(pp.path), "%s", mounted);
		volume_format(&pp, where, sizeof(where));
		snprintf(why, len, "The parent '%s' of virtual hard disk '%s' is mounted (Mount-VHD) "
			 "for writing; Dismount-VHD it first.", where, cfg->path);
		return -EBUSY;
	}
	rc = vhd_claims_take(&claims, d->file.vol, d->vhd, 1, d->owner, &who);
	if (rc == -EBUSY) {
		snprintf(pp.path, sizeof(pp.path), "%s", who->path);
		volume_format(&pp, where, sizeof(where));
		snprintf(why, len, "The parent '%s' of virtual hard disk '%s' is in use for writing "
			 "by a running virtual machine.", where, cfg->path);
	} else if (rc) {
		snprintf(why, len, "Too many virtual hard disk files open.");
	}
	return rc;
}

/* A pass-through disk: the parent's disk, offline and no other running
 * VM's (Hyper-V's rule: the management OS keeps off a disk a VM has). */
static int phys_open(struct stor_disk *d, const struct vmcfg_disk *cfg, char *why, size_t len)
{
	struct disk *pd = disk_find(cfg->disk_number);
	int rc = pd ? disk_claim_vm(pd) : -ENOENT;

	if (rc == -ENOENT)
		snprintf(why, len, "The physical disk %u cannot be found (Get-Disk lists the disks).",
			 cfg->disk_number);
	else if (rc == -ENODEV)
		snprintf(why, len, "Disk %u is a CD/DVD drive, not a hard disk.", cfg->disk_number);
	else if (rc && !pd->offline)
		snprintf(why, len, "Disk %u is online in the management operating system; take it "
			 "offline first (Set-Disk -Number %u -IsOffline $true).", cfg->disk_number,
			 cfg->disk_number);
	else if (rc)
		snprintf(why, len, "Disk %u is in use by another running virtual machine.",
			 cfg->disk_number);
	if (rc)
		return rc;
	rc = blockdev_view_open(&pd->bd, 1, &d->bd);
	if (rc) {
		disk_release_vm(pd);
		snprintf(why, len, "Disk %u cannot be opened.", cfg->disk_number);
		return rc;
	}
	d->phys = pd;
	return 0;
}

static int file_open(struct stor_disk *d, uint64_t child, const struct vmcfg_disk *cfg,
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
		snprintf(why, len, "The virtual hard disk '%s' is already in use by a running virtual "
			 "machine (as its disk, or the parent of its differencing disk).", cfg->path);
		return -EBUSY;
	}
	rc = vhd_mount_open_file(&d->file, false, &d->fx, &d->ops, &d->vhd, why, len);
	if (rc)
		return rc;
	d->owner = (int)child;
	rc = disk_claim(d, cfg, why, len);
	if (rc) {
		vhd_close(d->vhd);
		d->vhd = NULL;
		return rc;
	}
	vhd_blockdev_wrap(d->vhd, 1, &d->bd);
	return 0;
}

static int disk_open(struct stor_disk *d, uint64_t child, const struct vmcfg_disk *cfg,
		     char *why, size_t len)
{
	int rc = cfg->pass_through ? phys_open(d, cfg, why, len) : file_open(d, child, cfg, why, len);

	if (rc)
		return rc;
	d->lun = cfg->controller_location;
	if (cfg->controller_type == VMCFG_CTRL_IDE)
		snprintf(d->serial, sizeof(d->serial), "HVPART%02uIDE%u%u", (unsigned)child,
			 (unsigned)cfg->controller_number, d->lun);
	else
		snprintf(d->serial, sizeof(d->serial), "HVPART%02u%02u", (unsigned)child, d->lun);
	return 0;
}

/* The slot of cfg's disk: a SCSI LUN or an IDE position; NULL when the
 * location is out of range. */
static struct stor_disk **disk_slot(struct stor_child *c, const struct vmcfg_disk *cfg)
{
	unsigned num = cfg->controller_number, loc = cfg->controller_location;

	if (cfg->controller_type == VMCFG_CTRL_IDE)
		return num < 2 && loc < 2 ? &c->ide[num * 2 + loc] : NULL;
	return num == 0 && loc < VMCFG_DISKS_MAX ? &c->disk[loc] : NULL;
}

/* Open the disk of cfg into c's slot for its LUN: 0 or -errno (why says). */
static int child_open_disk(struct stor_child *c, const struct vmcfg_disk *cfg, char *why,
			   size_t len)
{
	struct stor_disk *d, **slot = disk_slot(c, cfg);
	int rc;

	if (!slot || *slot) {
		snprintf(why, len, "%s controller %u location %u is in use.",
			 cfg->controller_type == VMCFG_CTRL_IDE ? "IDE" : "SCSI",
			 (unsigned)cfg->controller_number, (unsigned)cfg->controller_location);
		return -EEXIST;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(why, len, "Out of memory for the virtual machine's disks.");
		return -ENOMEM;
	}
	rc = disk_open(d, c->child, cfg, why, len);
	if (rc) {
		free(d);
		return rc;
	}
	*slot = d;
	return 0;
}

/* Flush and close the disk in *slot and free the slot: 0 or the flush
 * error. */
static int slot_close(struct stor_disk **slot)
{
	int rc = 0;

	if (!*slot)
		return 0;
	disk_close(*slot, &rc);
	free(*slot);
	*slot = NULL;
	return rc;
}

static int child_close_disk(struct stor_child *c, unsigned lun)
{
	return slot_close(&c->disk[lun]);
}

static int child_free(struct stor_child *c)
{
	int rc = 0, err;

	for (unsigned i = 0; i < VMCFG_DISKS_MAX + VMCFG_IDE_DRIVES; i++) {
		err = slot_close(i < VMCFG_DISKS_MAX ? &c->disk[i] : &c->ide[i - VMCFG_DISKS_MAX]);
		if (err && !rc)
			rc = err;
	}
	free(c);
	return rc;
}

int vsp_stor_attach(uint64_t child, const struct vmcfg_disk *d, int n, unsigned processors,
		    char *why, size_t len)
{
	struct stor_child *c;
	int rc;

	if (child >= STOR_CHILDREN || children[child])
		return -EINVAL;
	if (!n)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(why, len, "Out of memory for the virtual machine's disks.");
		return -ENOMEM;
	}
	c->child = child;
	c->processors = processors;
	c->seen_gen = 1;   /* calloc's slots (gen 0) are not current */
	c->gm = (struct storvsp_gmem_ops){ gm_check, gm_read, gm_write, gm_page_ptr, gm_prepare,
					   gm_release, c };
	children[child] = c;
	for (int i = 0; i < n; i++) {
		rc = child_open_disk(c, &d[i], why, len);
		if (rc) {
			children[child] = NULL;
			(void)child_free(c);
			return rc;
		}
	}
	return 0;
}

int vsp_stor_detach(uint64_t child)
{
	struct stor_child *c = child < STOR_CHILDREN ? children[child] : NULL;
	int rc;

	if (!c)
		return 0;
	children[child] = NULL;
	rc = child_free(c);
	if (rc)
		printf("parent: flushing a disk of child %llu failed: %s\n",
		       (unsigned long long)child, volume_strerror(rc));
	return rc;
}

bool vsp_stor_in_use(const struct vol_path *file)
{
	return vsp_stor_user(file, true) >= 0;
}

int vsp_stor_user(const struct vol_path *file, bool write)
{
	const struct vhd_claim *c = vhd_claims_find(&claims, file->vol, file->path, write);

	return c ? c->owner : -1;
}

int vsp_stor_chain_user(const struct vol_path *top, const struct vhd *v, bool writable,
			const char **path)
{
	const struct vhd_claim *c = vhd_claims_conflict(&claims, top->vol, v, writable);

	if (c && path)
		*path = c->path;
	return c ? c->owner : -1;
}

/* ---- hot add and remove (SCSI, the VM running) ---- */

/* What INQUIRY tells of the disk: our serial, and an NAA IEEE Registered
 * Extended id (SPC-4 7.8.6.6) of the child and the LUN. */
static void disk_params(const struct stor_child *c, const struct stor_disk *d,
			struct scsi_disk_params *p)
{
	memset(p, 0, sizeof(*p));
	p->serial = d->serial;
	p->naa_id[0] = 0x60;
	p->naa_id[14] = (uint8_t)c->child;
	p->naa_id[15] = d->lun;
}

/* The controller of a running child: NULL when it has none (it started
 * with no disk, so none was offered; Hyper-V adds a controller only to a
 * VM that is off). */
static struct stor_child *child_running(uint64_t child)
{
	struct stor_child *c = child < STOR_CHILDREN ? children[child] : NULL;

	return c && c->sp ? c : NULL;
}

/* Add-VMHardDiskDrive on a running VM: open the VHD, add the LUN, and
 * tell the guest to rescan (storvsp_notify_bus_change; a guest whose
 * driver has not finished its init scans the bus then anyway). */
int vsp_stor_hot_add(uint64_t child, const struct vmcfg_disk *d, char *why, size_t len)
{
	struct stor_child *c = child_running(child);
	struct scsi_disk_params p;
	int rc, lun = d->controller_location;

	if (!c || d->controller_type != VMCFG_CTRL_SCSI) {
		snprintf(why, len, "The virtual machine has no SCSI controller running (it started "
			 "without SCSI hard disk drives); add the drive while it is off.");
		return -ENODEV;
	}
	rc = child_open_disk(c, d, why, len);
	if (rc)
		return rc;
	disk_params(c, c->disk[lun], &p);
	rc = storvsp_add_lun(c->sp, 0, 0, (uint8_t)lun, &c->disk[lun]->bd, &p);
	if (rc) {
		snprintf(why, len, "The SCSI controller refused the disk (%s).", volume_strerror(rc));
		(void)child_close_disk(c, (unsigned)lun);
		return rc;
	}
	(void)storvsp_notify_bus_change(c->sp);
	return 0;
}

/* Remove-VMHardDiskDrive on a running VM: the LUN goes first (requests
 * to it still in the ring get SRB_STATUS_INVALID_LUN; none is in flight,
 * they are served one at a time on this thread), the guest rescans, and
 * the VHD is flushed and closed. */
int vsp_stor_hot_remove(uint64_t child, unsigned lun)
{
	struct stor_child *c = child_running(child);

	if (!c || lun >= VMCFG_DISKS_MAX || !c->disk[lun])
		return -ENOENT;
	(void)storvsp_remove_lun(c->sp, 0, 0, (uint8_t)lun);
	(void)storvsp_notify_bus_change(c->sp);
	return child_close_disk(c, lun);
}

/* The open slot of cfg's disk for a running child, or NULL. */
static struct stor_disk *open_slot(uint64_t child, const struct vmcfg_disk *cfg)
{
	struct stor_child *c = child < STOR_CHILDREN ? children[child] : NULL;
	struct stor_disk **slot = c ? disk_slot(c, cfg) : NULL;

	return slot ? *slot : NULL;
}

int vsp_stor_switch_close(uint64_t child, const struct vmcfg_disk *cfg)
{
	struct stor_disk *d = open_slot(child, cfg);
	int rc = 0;

	if (!d || !d->vhd)
		return -ENOENT;
	disk_close(d, &rc);
	return rc;
}

int vsp_stor_flush(uint64_t child, const struct vmcfg_disk *cfg)
{
	struct stor_disk *d = open_slot(child, cfg);

	return d && (d->vhd || d->phys) ? blockdev_flush(&d->bd) : -ENOENT;
}

int vsp_stor_switch_open(uint64_t child, const struct vmcfg_disk *cfg, char *why, size_t len)
{
	struct stor_disk *d = open_slot(child, cfg);

	if (!d || d->vhd || d->phys || cfg->pass_through) {
		snprintf(why, len, "The disk at %s %u:%u is not closed for a switch.",
			 cfg->controller_type == VMCFG_CTRL_IDE ? "IDE" : "SCSI",
			 (unsigned)cfg->controller_number, (unsigned)cfg->controller_location);
		return -EINVAL;
	}
	return disk_open(d, child, cfg, why, len);
}

/* ---- live merge (Remove-VMSnapshot of a running VM) ---- */

/* Both files the merge changes held for this chain alone: base is
 * written, mid deleted, and another chain reading either would see it
 * (storage/vhd/vhd.h, vhd_live_merge_begin's rule). */
static int merge_hold(struct stor_disk *d, struct vhd *mid, char *why, size_t len)
{
	const struct vhd_claim *who;
	struct vol_path vp = { .vol = d->file.vol };
	char where[VOL_PATH_MAX + 4];
	int rc = vhd_claims_hold(&claims, d->file.vol, vhd_get_path(mid), d->owner, &who);

	rc = rc ?: vhd_claims_hold(&claims, d->file.vol, vhd_get_path(vhd_get_parent(mid)), d->owner,
				   &who);
	if (rc == -EBUSY) {
		snprintf(vp.path, sizeof(vp.path), "%s", who->path);
		volume_format(&vp, where, sizeof(where));
		snprintf(why, len, "'%s' is in use by another virtual hard disk chain.", where);
	} else if (rc) {
		snprintf(why, len, "The disk's chain is not claimed.");
	}
	return rc;
}

/* Re-claim the chain after the merge moved it (the claims keep its
 * files' path pointers, and mid's died with it). */
static void merge_reclaim(struct stor_disk *d)
{
	const struct vhd_claim *who;

	if (vhd_claims_take(&claims, d->file.vol, d->vhd, 1, d->owner, &who))
		printf("parent: the disk '%s' of child %d could not be claimed again after its merge\n",
		       d->file.path, d->owner);
}

int vsp_stor_merge_begin(uint64_t child, const struct vmcfg_disk *cfg, const char *mid, char *why,
			 size_t len)
{
	struct stor_disk *d = open_slot(child, cfg);
	struct vhd *p = d && d->vhd ? vhd_get_parent(d->vhd) : NULL;
	struct vol_path vp;
	struct vhd_err err = { "" };
	int rc;

	if (!p || d->lm || volume_resolve(mid, &vp) || vp.vol != d->file.vol ||
	    strcmp(vp.path, vhd_get_path(p)) || !vhd_get_parent(p)) {
		snprintf(why, len, "'%s' is not the parent of a running disk's differencing disk.", mid);
		return -EINVAL;
	}
	rc = merge_hold(d, p, why, len);
	if (rc)
		return rc;
	/* A merge a stop or crash left was finished before the chain opened
	 * (vm_snap_merges at Start-VM): this one starts afresh. */
	rc = vhd_live_merge_begin(d->vhd, p, &d->lm, &err);
	if (rc)
		snprintf(why, len, "The merge of '%s' could not start: %s", mid, err.msg);
	else
		merging++;
	return rc;
}

/* The copy is done: the chain moves onto base and mid goes. Claims are
 * dropped across it (they name mid). */
static int merge_finish(struct stor_disk *d, char *why, size_t len)
{
	struct vhd_err err = { "" };
	int rc;

	vhd_claims_drop(&claims, d->file.vol, d->vhd, d->owner);
	rc = vhd_live_merge_finish(d->lm, &err);
	d->lm = NULL;
	merging--;
	merge_reclaim(d);
	if (rc)
		snprintf(why, len, "The merge of the disk '%s' could not finish: %s", d->file.path,
			 err.msg);
	return rc ?: 1;
}

int vsp_stor_merge_step(uint64_t child, const struct vmcfg_disk *cfg, uint32_t nblocks, char *why,
			size_t len)
{
	struct stor_disk *d = open_slot(child, cfg);
	struct vhd_err err = { "" };
	int rc;

	if (!d || !d->lm)
		return -ENOENT;
	rc = vhd_live_merge_step(d->lm, nblocks, &err);
	if (rc < 0)
		snprintf(why, len, "The merge of the disk '%s' failed: %s", d->file.path, err.msg);
	return rc == 1 ? merge_finish(d, why, len) : rc;
}

int vsp_stor_merge_mid(uint64_t child, const struct vmcfg_disk *cfg, char *out, size_t len)
{
	struct stor_disk *d = open_slot(child, cfg);
	struct vol_path vp;

	if (!d || !d->lm || !vhd_get_parent(d->vhd))
		return -ENOENT;
	vp.vol = d->file.vol;
	snprintf(vp.path, sizeof(vp.path), "%s", vhd_get_path(vhd_get_parent(d->vhd)));
	volume_format(&vp, out, len);
	for (char *c = out; *c; c++)
		*c = *c == '/' ? '\\' : *c;
	return 0;
}

void vsp_stor_merge_stop(uint64_t child, const struct vmcfg_disk *cfg)
{
	struct stor_disk *d = open_slot(child, cfg);

	if (!d || !d->lm)
		return;
	(void)vhd_live_merge_stop(d->lm);
	d->lm = NULL;
	merging--;
}

bool vsp_stor_merging(void)
{
	return merging > 0;
}

int vsp_stor_merge_progress(uint64_t child, const struct vmcfg_disk *cfg, uint32_t *done,
			    uint32_t *total)
{
	struct stor_disk *d = open_slot(child, cfg);

	if (!d || !d->lm)
		return -ENOENT;
	vhd_live_merge_get_progress(d->lm, done, total);
	return 0;
}

struct blockdev *vsp_stor_ide_disk(uint64_t child, unsigned controller, unsigned location,
				   const char **serial)
{
	struct stor_child *c = child < STOR_CHILDREN ? children[child] : NULL;
	struct stor_disk *d = c && controller < 2 && location < 2 ? c->ide[controller * 2 + location]
								  : NULL;

	if (!d)
		return NULL;
	*serial = d->serial;
	return &d->bd;
}

/* ---- the device rows ---- */

/* The guest asked for sub-channels (storvsp checked count against
 * max_subchannels): the VMBus host offers them, served by the same
 * storvsp. */
static void sp_subchannels(void *ctx, uint16_t count)
{
	struct stor_child *c = ctx;

	(void)vsp_host_offer_subchannels(c->child, VSP_DEV_SCSI, count);
}

static struct storvsp *sp_new(struct stor_child *c, enum storvsp_kind kind)
{
	struct storvsp_config cfg = { 0 };

	cfg.kind = kind;
	cfg.gmem = &c->gm;
	/* One channel per virtual processor, as Linux takes at most one
	 * sub-channel for each CPU but the primary's (storvsc_drv.c,
	 * handle_multichannel_storage: num_online_cpus() - 1); with one
	 * processor none is offered, and the properties say so. storvsp
	 * refuses them on the IDE channel itself. */
	cfg.max_subchannels = (uint16_t)(c->processors > 1 ? c->processors - 1 : 0);
	cfg.on_subchannels = sp_subchannels;
	cfg.ctx = c;
	return storvsp_create(&cfg);
}

void *vsp_stor_create(uint64_t child, unsigned unit)
{
	struct stor_child *c = child < STOR_CHILDREN ? children[child] : NULL;
	struct scsi_disk_params p;

	(void)unit;
	if (!c || c->sp)
		return NULL;
	c->sp = sp_new(c, STORVSP_KIND_SCSI);
	if (!c->sp)
		return NULL;
	for (unsigned i = 0; i < VMCFG_DISKS_MAX; i++) {
		if (!c->disk[i])
			continue;
		disk_params(c, c->disk[i], &p);
		if (storvsp_add_lun(c->sp, 0, 0, (uint8_t)i, &c->disk[i]->bd, &p)) {
			storvsp_destroy(c->sp);
			c->sp = NULL;
			return NULL;
		}
	}
	return c->sp;
}

/* IDE disk unit (controller * 2 + location) over VMBus: the same disk
 * and backend the emulated controller serves (vm_ide.c), as LUN 0 of a
 * channel of its own, the way Hyper-V's IDE accelerator reaches a
 * generation 1 VM's IDE disks once the guest's storvsc loads. */
void *vsp_stor_create_ide(uint64_t child, unsigned unit)
{
	struct stor_child *c = child < STOR_CHILDREN ? children[child] : NULL;
	struct stor_disk *d = c && unit < VMCFG_IDE_DRIVES ? c->ide[unit] : NULL;
	struct scsi_disk_params p;

	if (!d || c->idesp[unit])
		return NULL;
	c->idesp[unit] = sp_new(c, STORVSP_KIND_IDE);
	if (!c->idesp[unit])
		return NULL;
	disk_params(c, d, &p);
	p.naa_id[13] = (uint8_t)(0x10 | unit);   /* not the SCSI LUN's id */
	if (storvsp_add_lun(c->idesp[unit], 0, 0, 0, &d->bd, &p)) {
		storvsp_destroy(c->idesp[unit]);
		c->idesp[unit] = NULL;
	}
	return c->idesp[unit];
}

/* Linux's storvsc takes an IDE channel's SCSI target from bytes 4-5 of
 * the instance GUID, and once took the path from bytes 0-3
 * (drivers/scsi/storvsc_drv.c, storvsc_probe); the guest then sees the
 * disk at host:0:location:0. Instance GUIDs need be unique only on one
 * child's bus. */
void vsp_stor_ide_instance(unsigned unit, struct vmbus_guid *inst)
{
	memset(inst, 0, sizeof(*inst));
	inst->b[0] = (uint8_t)(unit / 2);         /* ControllerNumber */
	inst->b[4] = (uint8_t)(unit % 2);         /* ControllerLocation */
	inst->b[6] = 0x99;
	inst->b[7] = 0x88;
}

/* The controller's saved state is storvsp's own (storage/README.md
 * "Saved state (storvsp)"); the disks behind it come from the VM's
 * configuration, opened again at Start-VM. */
int vsp_stor_save(const void *dev, void *buf, size_t cap, size_t *len)
{
	return storvsp_save(dev, buf, cap, len);
}

int vsp_stor_restore(void *dev, const void *buf, size_t len)
{
	return storvsp_restore(dev, buf, len);
}

void vsp_stor_destroy(void *dev)
{
	for (int k = 0; k < STOR_CHILDREN; k++) {
		struct stor_child *c = children[k];

		bool mine = c && c->sp == dev;

		for (unsigned i = 0; c && i < VMCFG_IDE_DRIVES; i++)
			if (c->idesp[i] == dev) {
				c->idesp[i] = NULL;
				mine = true;
			}
		if (!mine)
			continue;
		if (c->sp == dev)
			c->sp = NULL;
		gm_release(c);
	}
	storvsp_destroy(dev);
}

const char *vsp_stor_status(const void *dev)
{
	return storvsp_ready(dev) ? "OK" : "NoContact";
}
