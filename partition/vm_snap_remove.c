/*
 * The merges and Remove-VMSnapshot (vm_snap.h; the rest of the snapshot
 * module is partition/vm_snap.c, what they share partition/vm_snap_int.h).
 * Every write is ordered by docs/ARCHITECTURE.md rule 8, as there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "partition/vm.h"
#include "partition/vm_merge.h"
#include "partition/vm_snap.h"
#include "partition/vm_snap_int.h"
#include "partition/vmstore.h"
#include "partition/volume/fio_ext2.h"
#include "partition/volume/volume.h"
#include "partition/vsp/vsp_stor.h"
#include "storage/vhd/vhd.h"

static void parent_of(const char *x, char *out, size_t n);

/* ---- Merges ---- */

/* The drive whose file is path, or -1. */
static int drive_of(const struct vm *vm, const char *path)
{
	for (int k = 0; k < vm->ndisks; k++)
		if (!strcasecmp(vm->disks[k].path, path))
			return k;
	return -1;
}

/* Every [Merge] config.txt records, each finished then struck out. */
static int merges_recorded(struct vm *vm, char *why, size_t n)
{
	struct vmcfg_error err;
	int count = 0, rc;

	if (vmcfg_get_merges(&vm->cfg, vm_snap_s.merges, VMCFG_MERGES_MAX, &count, &err))
		return 0;     /* a bad [Merge] was reported at boot */
	for (int i = 0; i < count; i++) {
		const struct vmcfg_merge *m = &vm_snap_s.merges[i];

		/* the drive is the child (a merge that waits for power-off)
		 * or already its parent (rule 8's switch); otherwise the
		 * child is the parent of a drive's AVHD (a live merge) */
		bool own = drive_of(vm, m->child) >= 0 || drive_of(vm, m->parent) >= 0;

		rc = own ? vm_merge_file(m->child, why, n) : vm_merge_under(vm, m->child, why, n);
		if (rc)
			return rc;
		for (int k = 0; k < vm->ndisks; k++)
			if (!strcasecmp(vm->disks[k].path, m->child))
				memcpy(vm->disks[k].path, m->parent, sizeof(m->parent));
		vmcfg_merge_done(&vm->cfg, m->child);
		rc = vmstore_save(vm, why, n);
		if (rc)
			return rc;
	}
	if (count)
		vm_snap_tidy(vm);
	return 0;
}

/* Drive j folds into its parent: an AVHD of ours whose parent no
 * snapshot keeps, no drive is, and no other drive reads (the AVHD a
 * live merge left, partition/vm_merge.c: the VM runs on its own disk
 * again once it is off, as in Hyper-V). par: its parent. */
static bool foldable(struct vm *vm, int j, snap_path *par)
{
	int readers = 0;

	if (!par[j][0] || !vm_snap_is_ours(vm, vm->disks[j].path) || drive_of(vm, par[j]) >= 0 ||
	    vmcfg_snap_file_used(&vm_snap_s.tree, par[j], -1))
		return false;
	for (int k = 0; k < vm->ndisks; k++)
		readers += !strcasecmp(par[k], par[j]);
	return readers == 1;
}

/* Each foldable drive recorded for merging and switched to its parent
 * in one write (rule 8), then merged; *folded: how many. */
static int fold_drives(struct vm *vm, int *folded, char *why, size_t n)
{
	static snap_path par[VMCFG_DRIVES_MAX];
	struct vm_snap_undo *u = &vm_snap_u;
	int rc = vm_snap_read_tree(vm, why, n) ?: vm_snap_undo_keep(vm, u), np = 0;

	if (rc)
		return rc;
	for (int j = 0; j < vm->ndisks; j++) {
		char full[VOL_PATH_MAX + 4];

		parent_of(vm->disks[j].path, full, sizeof(full));
		snprintf(par[j], sizeof(par[j]), "%s", strlen(full) < sizeof(par[j]) ? full : "");
	}
	for (int j = 0; j < vm->ndisks && !rc; j++) {
		if (!foldable(vm, j, par))
			continue;
		rc = vmcfg_merge_add(&vm->cfg, vm->disks[j].path, par[j]);
		memcpy(vm->disks[j].path, par[j], sizeof(par[j]));
		np++;
	}
	*folded = np;
	if (!np) {
		free(u->text);
		u->text = NULL;
		return 0;
	}
	rc = vm_snap_commit(vm, u, rc, why, n);
	return rc ?: merges_recorded(vm, why, n);
}

int vm_snap_merges(struct vm *vm, char *why, size_t n)
{
	/* never under a running VM: vm_snap_running() also reaps a child that
	 * stopped, which closes its disks (vm_query) */
	int rc, folded = 1;

	if (!vm->folder[0] || vm_snap_running(vm))
		return 0;
	rc = merges_recorded(vm, why, n);
	/* a fold makes the parent the drive, which may fold in turn */
	for (int depth = 0; !rc && folded && depth < VHD_MAX_DEPTH; depth++)
		rc = fold_drives(vm, &folded, why, n);
	return rc;
}

/* A merge through a running drive ended, mid merged into its parent: its
 * [Merge] is struck out (the drive's AVHD folds into that parent once
 * the VM is off, vm_snap_merges). */
int vm_snap_live_merged(struct vm *vm, const char *mid, char *why, size_t n)
{
	struct vm_snap_undo *u = &vm_snap_u;
	int rc = vm_snap_undo_keep(vm, u);

	if (rc)
		return rc;
	rc = vmcfg_merge_done(&vm->cfg, mid);
	return vm_snap_commit(vm, u, rc == -ENOENT ? 0 : rc, why, n);
}

/* A running VM's merges that wait for it to be off (of the drive
 * itself into its parent): dropped before a checkpoint, the chain kept
 * as it is (valid: the drive's parent is unchanged, and the new AVHD
 * goes over the drive). */
int vm_snap_drop_waiting(struct vm *vm, char *why, size_t n)
{
	struct vmcfg_error err;
	struct vm_snap_undo *u = &vm_snap_u;
	int count = 0, dropped = 0;
	int rc = vmcfg_get_merges(&vm->cfg, vm_snap_s.merges, VMCFG_MERGES_MAX, &count, &err);

	if (rc || !count || (rc = vm_snap_undo_keep(vm, u)) != 0)
		return rc == -ENOMEM ? rc : 0;
	for (int i = 0; i < count; i++)
		if (drive_of(vm, vm_snap_s.merges[i].child) >= 0 && !vmcfg_merge_done(&vm->cfg, vm_snap_s.merges[i].child))
			dropped++;
	if (!dropped) {
		free(u->text);
		u->text = NULL;
		return 0;
	}
	return vm_snap_commit(vm, u, 0, why, n);
}

/* ---- Remove-VMSnapshot ---- */

/* The parent path X's chain names (C:\... form), or "". */
static void parent_of(const char *x, char *out, size_t n)
{
	struct vol_path vp;
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct vhd_err err;
	struct vhd *v;

	out[0] = '\0';
	if (volume_resolve(x, &vp))
		return;
	fio_ext2_bind(&fx, vp.vol, NULL, "Remove-VMSnapshot", &ops);
	if (vhd_open(&ops, vp.path, 0, &v, &err))
		return;
	if (vhd_get_parent(v)) {
		struct vol_path pp = { .vol = vp.vol };

		snprintf(pp.path, sizeof(pp.path), "%s", vhd_get_path(vhd_get_parent(v)));
		volume_format(&pp, out, n);
		for (char *c = out; *c; c++)
			*c = *c == '/' ? '\\' : *c;
	}
	vhd_close(v);
}

/* The snapshot is current and the VM's AVHDs its only dependents: each
 * AVHD of ours whose parent is one of its frozen files, which no other
 * snapshot keeps, is recorded for merging, and the drive switches to the
 * parent (rule 8: vm_snap_merges finishes it before anything reads it).
 * The pairs are found first: adding a section moves the tree's. */
static int plan_merges(struct vm *vm, int idx, bool now, int *planned)
{
	const struct vmcfg_snap *sn = &vm_snap_s.tree.s[idx];
	char par[VOL_PATH_MAX + 4];
	int np = 0, rc = 0;

	for (int j = 0; j < vm->ndisks && np < VMCFG_MERGES_MAX; j++) {
		if (!vm_snap_is_ours(vm, vm->disks[j].path))
			continue;
		parent_of(vm->disks[j].path, par, sizeof(par));
		for (int k = 0; k < sn->ndisks; k++) {
			if (strcasecmp(par, vmcfg_snap_disk(sn, k)) || strlen(par) >= VMCFG_DISK_PATH_MAX ||
			    vmcfg_snap_file_used(&vm_snap_s.tree, par, idx))
				continue;
			memcpy(vm_snap_s.merges[np].child, vm->disks[j].path, sizeof(vm_snap_s.merges[np].child));
			memcpy(vm_snap_s.merges[np].parent, par, strlen(par) + 1);
			vm_snap_s.drive[np++] = j;
			break;
		}
	}
	for (int i = 0; i < np && !rc; i++) {
		rc = vmcfg_merge_add(&vm->cfg, vm_snap_s.merges[i].child, vm_snap_s.merges[i].parent);
		if (now)
			memcpy(vm->disks[vm_snap_s.drive[i]].path, vm_snap_s.merges[i].parent, sizeof(vm_snap_s.merges[i].parent));
	}
	*planned = np;
	return rc;
}

/* A leaf that is not current: its frozen AVHDs, which nothing reads. */
static int leaf_files(int idx)
{
	const struct vmcfg_snap *sn = &vm_snap_s.tree.s[idx];
	int c = 0;

	for (int k = 0; k < sn->ndisks; k++)
		memcpy(vm_snap_s.old[c++], vmcfg_snap_disk(sn, k), sizeof(vm_snap_s.old[0]));
	return c;
}

/* A running VM's planned merges: each drive moves onto a new AVHD over
 * its file (the merge's child), which so becomes the middle of the
 * chain, merged into its parent while the guest writes the new top
 * (partition/vm_merge.c). The parent does one thing at a time, so no
 * guest request reaches a disk between its switch and the commit of
 * config.txt that names the new file. A drive whose switch fails stays
 * as it was, its merge waiting for the VM to be off. */
static void live_switch(struct vm *vm, int planned)
{
	char why[256];
	uint64_t id = (uint64_t)vm->hv_id;

	memset(vm_snap_s.live, 0, sizeof(vm_snap_s.live));
	if (vm_snap_avhd_names(vm, vm->disks, vm->ndisks, why, sizeof(why)))
		return;
	for (int i = 0; i < planned; i++) {
		int j = vm_snap_s.drive[i], rc = vsp_stor_switch_close(id, &vm->disks[j]);
		struct vmcfg_disk made = vm->disks[j];
		bool created = false;

		memcpy(made.path, vm_snap_s.made[j], sizeof(made.path));
		if (!rc) {
			rc = vm_snap_avhd_create(made.path, vm->disks[j].path, why, sizeof(why));
			created = !rc;
		}
		rc = rc ?: vsp_stor_switch_open(id, &made, why, sizeof(why));
		if (rc) {
			vm_snap_switch_back(vm, j, created);
			continue;
		}
		memcpy(vm->disks[j].path, made.path, sizeof(made.path));
		vm_snap_s.live[i] = true;
	}
	volume_sync(volume_by_letter('C'));
}

/* The commit failed: the switched drives back on their files (undo put
 * their paths back), the new AVHDs deleted. */
static void live_unswitch(struct vm *vm, int planned)
{
	for (int i = 0; i < planned; i++)
		if (vm_snap_s.live[i])
			vm_snap_switch_back(vm, vm_snap_s.drive[i], true);
}

/* After the commit: the merges of the switched drives start; how many. */
static int live_begin(struct vm *vm, int planned)
{
	char why[512];
	int started = 0;

	for (int i = 0; i < planned; i++) {
		if (!vm_snap_s.live[i])
			continue;
		if (vsp_stor_merge_begin((uint64_t)vm->hv_id, &vm->disks[vm_snap_s.drive[i]], vm_snap_s.merges[i].child,
					 why, sizeof(why)))
			printf("'%s': %s It is merged when the VM is off.\n", vm->name, why);
		else
			started++;
	}
	return started;
}

static int remove_one(struct vm *vm, int idx, struct vm_snap_merged *m, char *why, size_t n)
{
	struct vmcfg_snap sn = vm_snap_s.tree.s[idx];
	int deps = vmcfg_snap_dependents(&vm_snap_s.tree, idx), planned = 0, nfiles = 0;
	bool on = vm_snap_running(vm);
	struct vm_snap_undo *u = &vm_snap_u;
	int rc = vm_snap_undo_keep(vm, u);

	if (rc)
		return rc;
	if (deps == 1 && vm_snap_s.tree.current == idx)
		rc = plan_merges(vm, idx, !on, &planned);
	if (!rc && deps == 0)
		nfiles = leaf_files(idx);
	if (!rc && on && planned)
		live_switch(vm, planned);
	rc = vm_snap_commit(vm, u, rc ?: vmcfg_snap_remove(&vm->cfg, sn.id), why, n);
	if (rc) {
		if (on)
			live_unswitch(vm, planned);
		return rc;
	}
	vm_snap_settings_unlink(vm, sn.id);
	vm_snap_read_tree(vm, why, n);
	vm_snap_drop_unused(vm, vm_snap_s.old, nfiles);
	if (on) {
		int started = live_begin(vm, planned);

		m->live += started;
		m->waiting += planned - started;     /* merged once it is off */
		return 0;
	}
	rc = vm_snap_merges(vm, why, n);
	m->merged += rc ? 0 : planned;
	return rc;
}

/* The index of the snapshot with id, or -1. */
static int index_of(const uint8_t id[16])
{
	for (int i = 0; i < vm_snap_s.tree.n; i++)
		if (!memcmp(vm_snap_s.tree.s[i].id, id, 16))
			return i;
	return -1;
}

/* Snapshot idx and, with subtree, every descendant, leaves first (a
 * child always follows its parent in the tree). */
static int remove_tree(struct vm *vm, int idx, bool subtree, struct vm_snap_merged *m, char *why,
		       size_t n)
{
	static uint8_t ids[VMCFG_SNAPS_MAX][16];
	bool in[VMCFG_SNAPS_MAX] = { false };
	int count = 0, rc = 0;

	in[idx] = true;
	for (int k = idx + 1; subtree && k < vm_snap_s.tree.n; k++)
		in[k] = vm_snap_s.tree.s[k].parent >= 0 && in[vm_snap_s.tree.s[k].parent];
	for (int k = vm_snap_s.tree.n - 1; k >= idx; k--)
		if (in[k])
			memcpy(ids[count++], vm_snap_s.tree.s[k].id, 16);
	for (int k = 0; k < count && !rc; k++) {
		int i = index_of(ids[k]);

		if (i >= 0)
			rc = remove_one(vm, i, m, why, n);
	}
	return rc;
}

static int snap_remove(struct vm *vm, const char *name, bool subtree, struct vm_snap_merged *m,
		       char *why, size_t n)
{
	int rc = vm_snap_read_tree(vm, why, n), i;

	memset(m, 0, sizeof(*m));
	if (rc)
		return rc;
	if (vmcfg_snap_find(&vm_snap_s.tree, name, 0) < 0) {
		snprintf(why, n, "Unable to find a snapshot matching the given criteria.");
		return -ENOENT;
	}
	/* the chains change under a merge that runs: it ends first */
	rc = vm_merge_finish_live(vm, why, n);
	while (!rc && (i = vmcfg_snap_find(&vm_snap_s.tree, name, 0)) >= 0)
		rc = remove_tree(vm, i, subtree, m, why, n);
	return rc;
}

int vm_snap_remove(struct vm *vm, const char *name, bool subtree, struct vm_snap_merged *m,
		   char *why, size_t n)
{
	int rc;

	vm_snap_enter(true);
	rc = snap_remove(vm, name, subtree, m, why, n);
	vm_snap_enter(false);
	return rc;
}
