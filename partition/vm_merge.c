/*
 * Merges through a VM's running disk (vm_merge.h): Remove-VMSnapshot of a
 * running VM moves each drive onto a new thin AVHD (partition/vm_snap.c),
 * and the AVHD it ran on, now the middle of the chain, is merged into
 * its parent by the VHD library's live merge (storage/vhd/vhd.h) while
 * the guest goes on reading and writing the new top. The steps run on
 * the parent's one thread between the guest's requests (vm_idle), each
 * followed by a rest as long as it took, so a merge never takes more
 * than half of the parent's time from the console and the children.
 * A VM that stops mid-merge keeps the merge's record; the next time
 * its merges are done (Stop-VM, Start-VM, boot: vm_snap_merges) the
 * chain is opened here and the merge resumed and finished offline.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/drivers/pit.h"
#include "partition/vm.h"
#include "partition/vm_merge.h"
#include "partition/vm_snap.h"
#include "partition/volume/fio_ext2.h"
#include "partition/volume/volume.h"
#include "partition/vsp/vsp_stor.h"
#include "storage/vhd/vhd.h"

/* Blocks (2 MiB each for our AVHDs) a step copies while the VM runs, and
 * when nothing runs: the offline merge goes as fast as the volume. */
#define STEP_LIVE    1
#define STEP_OFFLINE 64

static bool vm_running(const struct vm *vm)
{
	struct hvpart_partition_info pi;

	return vm->hv_id >= 0 && vm_query(vm, &pi) && pi.state == HVPART_STATE_RUNNING;
}

/* ---- offline: the VM is off ---- */

int vm_merge_file(const char *child, char *why, size_t n)
{
	struct vol_path vp;
	struct ext2_stat st;
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct vhd_err err = { "" };
	int rc = volume_resolve(child, &vp);

	if (rc == -ENOENT || (!rc && volume_stat(&vp, &st) == -ENOENT))
		return 0;
	if (rc)
		return rc;
	fio_ext2_bind(&fx, vp.vol, NULL, "Remove-VMSnapshot", &ops);
	rc = vhd_merge(&ops, vp.path, NULL, NULL, &err);
	volume_sync(vp.vol);
	if (rc)
		snprintf(why, n, "Could not merge '%s' into its parent: %s.", child, err.msg);
	return rc;
}

/* Whether v's path on vol is path (a "C:\..." path). */
static bool same_file(const struct volume *vol, const struct vhd *v, const char *path)
{
	struct vol_path vp;

	return v && !volume_resolve(path, &vp) && vp.vol == vol && !strcmp(vp.path, vhd_get_path(v));
}

/* A running VM's chain reads path (vhd_get_path form) on vol: a merge
 * must not write it under that VM. */
static bool read_elsewhere(struct volume *vol, const struct vhd *v, struct vhd_err *err)
{
	struct vol_path vp = { .vol = vol };

	snprintf(vp.path, sizeof(vp.path), "%s", vhd_get_path(v));
	if (!vsp_stor_in_use(&vp))
		return false;
	snprintf(err->msg, sizeof(err->msg), "'%s' is in use by a running virtual machine",
		 vhd_get_path(v));
	return true;
}

/* The open chain v: a merge of it that was stopped or cut short resumed,
 * else mid merged if it is top's parent; copied to the end, finished. */
static int through_chain(struct volume *vol, struct vhd *v, const char *mid, struct vhd_err *err)
{
	struct vhd_live_merge *lm;
	struct vhd *p;
	int rc = vhd_live_merge_resume(v, &lm, err);

	p = vhd_get_parent(v);
	if (!rc && !lm && same_file(vol, p, mid) && vhd_get_parent(p))
		rc = read_elsewhere(vol, p, err) || read_elsewhere(vol, vhd_get_parent(p), err) ? -EBUSY :
		     vhd_live_merge_begin(v, p, &lm, err);
	while (!rc && lm)
		rc = vhd_live_merge_step(lm, STEP_OFFLINE, err);
	if (rc == 1)
		return vhd_live_merge_finish(lm, err);
	if (lm)
		(void)vhd_live_merge_stop(lm);
	return rc;
}

int vm_merge_through(const char *top, const char *mid, char *why, size_t n)
{
	struct vol_path vp;
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct vhd_err err = { "" };
	struct vhd *v;
	int rc = volume_resolve(top, &vp);

	if (rc)
		return rc == -ENOENT ? 0 : rc;
	fio_ext2_bind(&fx, vp.vol, NULL, "Remove-VMSnapshot", &ops);
	rc = vhd_open(&ops, vp.path, VHD_OPEN_RDWR, &v, &err);
	if (!rc) {
		rc = through_chain(vp.vol, v, mid, &err);
		vhd_close(v);
	}
	volume_sync(vp.vol);
	if (rc)
		snprintf(why, n, "Could not merge '%s' into its parent under '%s': %s", mid, top,
			 err.msg);
	return rc;
}

int vm_merge_under(const struct vm *vm, const char *mid, char *why, size_t n)
{
	int rc = 0;

	for (int k = 0; k < vm->ndisks && !rc; k++)
		if (!vm->disks[k].pass_through)
			rc = vm_merge_through(vm->disks[k].path, mid, why, n);
	return rc;
}

/* ---- live: the VM runs ---- */

/* Debug-VMHost -Action HoldMerges: merges stop halfway (a test cuts one
 * there). */
static bool held;

void vm_merge_hold(bool hold)
{
	held = hold;
}

/* Held, and halfway or further. */
static bool at_hold(uint64_t id, const struct vmcfg_disk *d)
{
	uint32_t done, total;

	return held && !vsp_stor_merge_progress(id, d, &done, &total) && done * 2 >= total;
}

/* One step of every merge of vm's disks; a finished one is settled in
 * config.txt, a failed one stopped (its record stays: it finishes when
 * the VM is off). */
static void step_vm(struct vm *vm)
{
	char why[512], mid[VMCFG_DISK_PATH_MAX];

	for (int j = 0; j < vm->ndisks; j++) {
		uint64_t id = (uint64_t)vm->hv_id;
		int rc;

		if (vsp_stor_merge_mid(id, &vm->disks[j], mid, sizeof(mid)) || at_hold(id, &vm->disks[j]))
			continue;
		rc = vsp_stor_merge_step(id, &vm->disks[j], STEP_LIVE, why, sizeof(why));
		if (rc == 1 && vm_snap_live_merged(vm, mid, why, sizeof(why)))
			rc = -EIO;
		if (rc < 0 && rc != -ENOENT) {
			printf("'%s': %s\n", vm->name, why);
			vsp_stor_merge_stop(id, &vm->disks[j]);
		}
	}
}

void vm_merge_poll(void)
{
	static uint64_t due;
	uint64_t t0 = pit_ticks;

	/* every idle turn passes here: no VM is asked for its state (a
	 * hypercall each) unless a merge runs */
	if (!vsp_stor_merging() || t0 < due || vm_snap_busy())
		return;
	for (int i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_at(i);

		if (vm && vm_running(vm))
			step_vm(vm);
	}
	due = pit_ticks + (pit_ticks - t0);
}

int vm_merge_progress(const struct vm *vm, uint32_t *done, uint32_t *total)
{
	int found = -ENOENT;

	*done = *total = 0;
	for (int j = 0; vm_running(vm) && j < vm->ndisks; j++) {
		uint32_t d, t;

		if (vsp_stor_merge_progress((uint64_t)vm->hv_id, &vm->disks[j], &d, &t))
			continue;
		*done += d;
		*total += t;
		found = 0;
	}
	return found;
}

int vm_merge_finish_live(struct vm *vm, char *why, size_t n)
{
	char mid[VMCFG_DISK_PATH_MAX];
	int rc = 0;

	for (int j = 0; vm_running(vm) && j < vm->ndisks && !rc; j++) {
		uint64_t id = (uint64_t)vm->hv_id;

		if (vsp_stor_merge_mid(id, &vm->disks[j], mid, sizeof(mid)))
			continue;
		do
			rc = vsp_stor_merge_step(id, &vm->disks[j], STEP_OFFLINE, why, n);
		while (!rc);
		if (rc == 1)
			rc = vm_snap_live_merged(vm, mid, why, n);
		if (rc == -ENOENT)
			rc = 0;
	}
	return rc;
}
