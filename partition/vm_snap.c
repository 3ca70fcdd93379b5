/*
 * Snapshots: Checkpoint-VM, Restore-VMSnapshot, Remove-VMSnapshot and the
 * merges (vm_snap.h). The tree lives in config.txt (partition/vmconfig/
 * vmcfg_snap.c); this file makes and deletes the files and orders every
 * write by docs/ARCHITECTURE.md rule 8. Each operation edits vm->cfg and
 * the drive list in memory, then commits with vmstore_save (the atomic
 * write); a failed commit puts the in-memory state back from the text
 * it had before, so memory and file agree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "partition/lib/guid.h"
#include "partition/time/civil.h"
#include "partition/vm.h"
#include "partition/vm_merge.h"
#include "partition/vm_snap.h"
#include "partition/vmstore.h"
#include "partition/volume/fio_ext2.h"
#include "partition/volume/volume.h"
#include "partition/vsp/vsp_stor.h"
#include "storage/vhd/vhd.h"

#define SNAP_DIR "Snapshots"
#define SNAP_EXT ".txt"

typedef char snap_path[VMCFG_DISK_PATH_MAX];

/* Scratch for one operation (the parent runs one cmdlet at a time). */
static struct {
	struct vmcfg_snaps tree;
	snap_path made[VMCFG_DRIVES_MAX], old[VMCFG_DRIVES_MAX];
	struct vmcfg_disk disks[VMCFG_DRIVES_MAX];
	struct vmcfg_dvd dvds[VMCFG_IDE_DRIVES];
	struct vmcfg_merge merges[VMCFG_MERGES_MAX];
	int drive[VMCFG_MERGES_MAX];      /* the drive of each planned merge */
	bool live[VMCFG_MERGES_MAX];      /* ... switched to a new AVHD for it */
} S;
/* Inside an operation that uses S and config.txt (vm_snap_busy). */
static int busy;

static void parent_of(const char *x, char *out, size_t n);
static int drop_waiting(struct vm *vm, char *why, size_t n);

static void snap_dir(const struct vm *vm, char *out, size_t n)
{
	snprintf(out, n, "%s\\%s", vm->folder, SNAP_DIR);
}

static void id_text(const uint8_t id[16], char out[40])
{
	guid_format(id, true, out, 40);
}

/* One of the VM's own AVHDs: made here, in its Snapshots folder. */
static bool is_ours(const struct vm *vm, const char *path)
{
	char dir[VM_FOLDER_MAX + 16];
	size_t dl, pl = strlen(path);

	snap_dir(vm, dir, sizeof(dir));
	dl = strlen(dir);
	return pl > dl + 6 && !strncasecmp(path, dir, dl) && path[dl] == '\\' &&
	       !strcasecmp(path + pl - 5, ".avhd");
}

static void unlink_path(const char *path)
{
	struct vol_path vp;

	if (!volume_resolve(path, &vp))
		volume_unlink(&vp);
}

static int read_tree(struct vm *vm, char *why, size_t n)
{
	struct vmcfg_error err;

	if (!vmcfg_get_snaps(&vm->cfg, &S.tree, &err))
		return 0;
	snprintf(why, n, "The snapshots in %s\\%s cannot be read: line %d: %s", vm->folder,
		 VMSTORE_FILE, err.line, err.msg);
	return -EINVAL;
}

/* ---- Committing, and undoing a commit that failed ---- */

/* What an operation may change: the file's text, the drives and the
 * settings a restore brings back. */
struct undo {
	char *text;
	size_t len;
	struct vmcfg_disk disks[VMCFG_DRIVES_MAX];
	int ndisks, ndvds, nmodules;
	struct vmcfg_dvd dvds[VMCFG_IDE_DRIVES];
	uint64_t mem_bytes;
	uint32_t processors, weight, reserve_pct, max_pct;
	char kernel[VM_PATH_MAX], initrd[VM_PATH_MAX], cmdline[VM_CMDLINE_MAX];
	char modules[VM_MODULES_MAX][VM_PATH_MAX];
};
static struct undo U;

static int undo_keep(struct vm *vm, struct undo *u)
{
	u->text = vmcfg_write(&vm->cfg, &u->len);
	memcpy(u->disks, vm->disks, sizeof(u->disks));
	u->ndisks = vm->ndisks;
	memcpy(u->dvds, vm->dvds, sizeof(u->dvds));
	u->ndvds = vm->ndvds;
	u->mem_bytes = vm->mem_bytes;
	u->processors = vm->processors;
	u->weight = vm->weight;
	u->reserve_pct = vm->reserve_pct;
	u->max_pct = vm->max_pct;
	memcpy(u->kernel, vm->kernel, sizeof(u->kernel));
	memcpy(u->initrd, vm->initrd, sizeof(u->initrd));
	memcpy(u->cmdline, vm->cmdline, sizeof(u->cmdline));
	memcpy(u->modules, vm->modules, sizeof(u->modules));
	u->nmodules = vm->nmodules;
	return u->text ? 0 : -ENOMEM;
}

/* The state u kept back in memory (an edit or its commit failed). */
static void undo_apply(struct vm *vm, struct undo *u)
{
	struct vmcfg_error err;

	vmcfg_free(&vm->cfg);
	if (vmcfg_parse(u->text, u->len, &vm->cfg, &err))
		printf("parent: VM '%s': its configuration in memory is lost: %s\n", vm->name, err.msg);
	memcpy(vm->disks, u->disks, sizeof(u->disks));
	vm->ndisks = u->ndisks;
	memcpy(vm->dvds, u->dvds, sizeof(u->dvds));
	vm->ndvds = u->ndvds;
	vm->mem_bytes = u->mem_bytes;
	vm->processors = u->processors;
	vm->weight = u->weight;
	vm->reserve_pct = u->reserve_pct;
	vm->max_pct = u->max_pct;
	memcpy(vm->kernel, u->kernel, sizeof(u->kernel));
	memcpy(vm->initrd, u->initrd, sizeof(u->initrd));
	memcpy(vm->cmdline, u->cmdline, sizeof(u->cmdline));
	memcpy(vm->modules, u->modules, sizeof(u->modules));
	vm->nmodules = u->nmodules;
}

/* rc 0: the edited state written (rule 8's switch); else, or when the
 * write fails, the old one back in memory. */
static int commit(struct vm *vm, struct undo *u, int rc, char *why, size_t n)
{
	if (!rc)
		rc = vmstore_save(vm, why, n);
	else
		snprintf(why, n, "The configuration of '%s' cannot take the change (%s).", vm->name,
			 rc == -ENOMEM ? "it would be too large" : "a bad value");
	if (rc)
		undo_apply(vm, u);
	free(u->text);
	u->text = NULL;
	return rc;
}

static bool running(const struct vm *vm)
{
	struct hvpart_partition_info pi;

	return vm_query(vm, &pi) && pi.state == HVPART_STATE_RUNNING;
}

/* ---- AVHDs ---- */

/* A differencing disk at child whose parent is parent (both on C:). */
static int avhd_create(const char *child, const char *parent, char *why, size_t n)
{
	struct vol_path c, p;
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct vhd_create_params prm = { .type = VHD_TYPE_DIFF };
	struct vhd_err err;
	int rc = volume_resolve(child, &c) ?: volume_resolve(parent, &p);

	if (!rc && c.vol != p.vol)
		rc = -EXDEV;
	if (rc) {
		snprintf(why, n, "The disk '%s' is not on the host volume C:, where the VM's snapshots are: %s",
			 parent, volume_strerror(rc));
		return rc;
	}
	fio_ext2_bind(&fx, c.vol, NULL, "Checkpoint-VM", &ops);
	prm.parent = p.path;
	rc = vhd_create(&ops, c.path, &prm, &err);
	if (rc)
		snprintf(why, n, "Could not create the differencing disk '%s': %s.", child, err.msg);
	return rc;
}

/* A new AVHD's name for each of parents[0..count) into S.made. */
static int avhd_names(struct vm *vm, const struct vmcfg_disk *parents, int count, char *why,
		      size_t n)
{
	char dir[VM_FOLDER_MAX + 16];
	uint8_t g[16];

	memset(S.made, 0, sizeof(S.made));
	snap_dir(vm, dir, sizeof(dir));
	for (int i = 0; i < count; i++) {
		guid_random(g);
		if (vmcfg_avhd_name(parents[i].path, dir, g, S.made[i], sizeof(S.made[i]))) {
			snprintf(why, n, "The differencing disk for '%s' would have a path longer than %d characters.",
				 parents[i].path, VMCFG_DISK_PATH_MAX - 1);
			return -ENAMETOOLONG;
		}
	}
	return 0;
}

/* A new AVHD on each of parents[0..count) into S.made; on failure none
 * is left. */
static int avhds_make(struct vm *vm, const struct vmcfg_disk *parents, int count, char *why,
		      size_t n)
{
	int rc = avhd_names(vm, parents, count, why, n), i;

	for (i = 0; i < count && !rc; i++)
		rc = avhd_create(S.made[i], parents[i].path, why, n);
	if (rc) {
		for (int k = 0; k < i - 1; k++)
			unlink_path(S.made[k]);
		memset(S.made, 0, sizeof(S.made));
	}
	volume_sync(volume_by_letter('C'));
	return rc;
}

/* ---- Checkpoint-VM ---- */

static int snap_refused(const struct vm *vm, const char *what, bool allow_running, char *why,
			size_t n)
{
	if (!vm->folder[0]) {
		snprintf(why, n, "'%s' has no folder on a writable host volume (C:) to keep snapshots in.",
			 vm->name);
		return -ENXIO;
	}
	for (int i = 0; i < vm->ndisks; i++)
		if (vm->disks[i].pass_through) {
			/* A physical disk has no differencing disk to freeze it. */
			snprintf(why, n, "%s '%s' has a pass-through disk (disk %u): a snapshot cannot "
				 "include a physical disk; remove it (Remove-VMHardDiskDrive) first.",
				 what, vm->name, vm->disks[i].disk_number);
			return -EOPNOTSUPP;
		}
	if (!allow_running && running(vm)) {
		snprintf(why, n, "%s The operation cannot be performed while the virtual machine '%s' is in its current state (Running). Turn it off (Stop-VM) or save it (Save-VM) first.",
			 what, vm->name);
		return -EBUSY;
	}
	return 0;
}

static void default_name(const struct vm *vm, int64_t when, char *out, size_t n)
{
	struct civil_time t;

	civil_from_epoch(when, 0, &t);
	vmcfg_snap_default_name(vm->name, t.year, t.month, t.day, t.hour, t.minute, t.second, out, n);
}

/* Snapshots\<Id>.txt: the settings the snapshot keeps. */
static int write_settings(struct vm *vm, const uint8_t id[16], char *why, size_t n)
{
	char dir[VM_FOLDER_MAX + 16], name[48];
	size_t len;
	char *text = vmstore_settings_text(vm, &len);
	int rc;

	if (!text)
		return -ENOMEM;
	snap_dir(vm, dir, sizeof(dir));
	id_text(id, name);
	strcat(name, SNAP_EXT);
	rc = vmstore_write_file(dir, name, text, len);
	free(text);
	if (rc)
		snprintf(why, n, "Could not write %s\\%s: %s", dir, name, volume_strerror(rc));
	return rc;
}

/* Snapshots\<Id>: where a snapshot taken while running keeps its
 * memory and devices (vm_saved_copy's files). */
static void state_dir(const struct vm *vm, const uint8_t id[16], char *out, size_t n)
{
	char g[40];

	id_text(id, g);
	snprintf(out, n, "%s\\%s\\%s", vm->folder, SNAP_DIR, g);
}

/* The Snapshots folder goes when nothing is left in it. */
static void snaps_tidy(const struct vm *vm)
{
	char dir[VM_FOLDER_MAX + 16];
	struct vol_path vp;

	snap_dir(vm, dir, sizeof(dir));
	if (!volume_resolve(dir, &vp))
		volume_rmdir(&vp);          /* -ENOTEMPTY otherwise */
}

/* A snapshot's own files: its settings and its saved state. */
static void settings_unlink(struct vm *vm, const uint8_t id[16])
{
	char path[VM_FOLDER_MAX + 128], dir[VM_FOLDER_MAX + 64], vmid[40];
	static const char *const ext[] = { ".vsv", ".bin", ".vsv.new", ".bin.new" };
	struct vol_path vp;

	state_dir(vm, id, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s%s", dir, SNAP_EXT);
	unlink_path(path);
	guid_format(vm->vmid, true, vmid, sizeof(vmid));
	for (unsigned i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(path, sizeof(path), "%s\\%s%s", dir, vmid, ext[i]);
		unlink_path(path);
	}
	if (!volume_resolve(dir, &vp))
		volume_rmdir(&vp);
	snaps_tidy(vm);
}

static int checkpoint_commit(struct vm *vm, const uint8_t id[16], const char *name,
			     int64_t when, bool saved, char *why, size_t n)
{
	const char *frozen[VMCFG_DRIVES_MAX];
	struct undo *u = &U;
	int rc = undo_keep(vm, u);

	if (rc)
		return rc;
	for (int i = 0; i < vm->ndisks; i++) {
		memcpy(S.old[i], vm->disks[i].path, sizeof(S.old[i]));
		frozen[i] = S.old[i];
		memcpy(vm->disks[i].path, S.made[i], sizeof(S.made[i]));
	}
	rc = vmcfg_snap_add(&vm->cfg, id, name, when, saved, frozen, vm->ndisks);
	return commit(vm, u, rc, why, n);
}

/* The snapshot of an Off or Saved VM (a Saved VM's state is copied into
 * the snapshot's folder, so the snapshot holds it). */
static int checkpoint_stopped(struct vm *vm, const char *name, int64_t when, char *why, size_t n)
{
	char dir[VM_FOLDER_MAX + 64];
	uint8_t id[16];
	bool saved = vm->saved;
	int rc;

	rc = vm_snap_merges(vm, why, n);   /* an AVHD about to be merged is no parent */
	if (rc)
		return rc;
	guid_random(id);
	snap_dir(vm, dir, sizeof(dir));
	rc = vmstore_mkdirs(dir);
	if (rc) {
		snprintf(why, n, "Could not create %s: %s", dir, volume_strerror(rc));
		return rc;
	}
	/* rule 8: the new files first; config.txt switches to them last */
	state_dir(vm, id, dir, sizeof(dir));
	rc = saved ? vm_saved_copy(vm, dir, false, why, n) : 0;
	rc = rc ?: avhds_make(vm, vm->disks, vm->ndisks, why, n);
	if (!rc) {
		rc = write_settings(vm, id, why, n) ?: checkpoint_commit(vm, id, name, when, saved, why, n);
		if (rc)
			for (int i = 0; i < vm->ndisks; i++)
				unlink_path(S.made[i]);
	}
	if (rc)
		settings_unlink(vm, id);
	return rc;
}

/* Merges left for power-off (Remove-VMSnapshot of a running VM): the
 * AVHD to merge must not become a new AVHD's parent, so a checkpoint
 * then saves, merges while off and resumes instead of going live (the
 * live merge is not done yet). */
static bool merges_pending(struct vm *vm)
{
	struct vmcfg_error err;
	int count = 0;

	return !vmcfg_get_merges(&vm->cfg, S.merges, VMCFG_MERGES_MAX, &count, &err) && count;
}

/* The disk at i back on its old file (a switch that failed). */
static void switch_back(struct vm *vm, int i, bool made)
{
	char why[256];

	vsp_stor_switch_close((uint64_t)vm->hv_id, &vm->disks[i]);
	if (vsp_stor_switch_open((uint64_t)vm->hv_id, &vm->disks[i], why, sizeof(why)))
		printf("'%s': its disk '%s' could not be opened again: %s\n", vm->name,
		       vm->disks[i].path, why);
	if (made)
		unlink_path(S.made[i]);
}

/* Checkpoint-VM of a running VM: the snapshot the pause commits. */
struct live_ck {
	const uint8_t *id;
	const char *name;
	int64_t when;
	bool switched;
};

/* Before the pause: each disk flushed, so that its file is whole on C:
 * (the parent serves no guest request until the pause, so it holds
 * still), its AVHD created over it, and all synced: rule 8's new files
 * first, out of the guest's pause. On a failure none is left. */
static int avhds_ready(struct vm *vm, char *why, size_t n)
{
	uint64_t id = (uint64_t)vm->hv_id;
	int rc = 0, i;

	for (i = 0; i < vm->ndisks && !rc; i++) {
		rc = vsp_stor_flush(id, &vm->disks[i]);
		if (rc)
			snprintf(why, n, "Could not flush '%s': %s", vm->disks[i].path, volume_strerror(rc));
		rc = rc ?: avhd_create(S.made[i], vm->disks[i].path, why, n);
	}
	for (int k = 0; rc && k < i - 1; k++)
		unlink_path(S.made[k]);
	volume_sync(volume_by_letter('C'));
	return rc;
}

/* Each disk flushed, closed, and its AVHD opened in its place, so the
 * guest's next write goes to the AVHD; then config.txt names the
 * snapshot and the AVHDs before the guest can write them (rule 8; the
 * snapshot holds the disks alone until its memory is saved). No pause
 * is needed for it: the parent serves the child's disk requests on this
 * thread and serves none from here to the capture's suspend
 * (vm_capture_save enters no idle loop before it), so the disks as
 * switched are the disks at the suspend; a request the guest makes
 * meanwhile waits, its CPU runs on. On a failure every disk is back on
 * its own file. */
static int switch_disks(struct vm *vm, struct live_ck *ck, char *why, size_t n)
{
	int i, rc = 0;

	for (i = 0; i < vm->ndisks && !rc; i++) {
		struct vmcfg_disk made = vm->disks[i];

		memcpy(made.path, S.made[i], sizeof(made.path));
		rc = vsp_stor_switch_close((uint64_t)vm->hv_id, &vm->disks[i]);
		if (rc)
			snprintf(why, n, "Could not flush '%s': %s", vm->disks[i].path, volume_strerror(rc));
		rc = rc ?: vsp_stor_switch_open((uint64_t)vm->hv_id, &made, why, n);
		if (rc)
			switch_back(vm, i, false);
	}
	for (int k = 0; rc && k < i - 1; k++)
		switch_back(vm, k, false);
	if (!rc && (rc = checkpoint_commit(vm, ck->id, ck->name, ck->when, false, why, n)) != 0)
		for (int k = 0; k < vm->ndisks; k++)
			switch_back(vm, k, false);   /* commit put the old paths back */
	ck->switched = !rc;
	return rc;
}

/* The memory is saved: the snapshot holds it (State Saved). */
static int saved_commit(struct vm *vm, const uint8_t id[16], char *why, size_t n)
{
	struct undo *u = &U;
	int rc = undo_keep(vm, u);

	return rc ?: commit(vm, u, vmcfg_snap_set_saved(&vm->cfg, id, true), why, n);
}

/* Without disks nothing moves in the pause: the snapshot is committed
 * once its memory is saved. */
static int checkpoint_diskless(struct vm *vm, struct live_ck *ck, const char *dir, char *why,
			       size_t n)
{
	uint64_t pause;
	int rc = vm_capture_save(vm, (uint64_t)vm->hv_id, dir, &pause, why, n);

	rc = rc ?: write_settings(vm, ck->id, why, n) ?:
	     checkpoint_commit(vm, ck->id, ck->name, ck->when, true, why, n);
	if (rc)
		settings_unlink(vm, ck->id);
	return rc;
}

/* A running VM: its disks moved to new AVHDs and its saved state
 * captured live into the snapshot's folder (partition/vm_capture.c),
 * the guest paused only while its state is taken and hv's capture is
 * armed. Memory that could not be captured after the
 * disks moved leaves a snapshot of the disks alone (its State Off),
 * said in why. */
static int checkpoint_live(struct vm *vm, const char *name, int64_t when, char *why, size_t n)
{
	char dir[VM_FOLDER_MAX + 64], why2[256];
	uint8_t id[16];
	struct live_ck ck = { id, name, when, false };
	uint64_t pause;
	int rc = vm_save_refused(vm, why, n) ?: avhd_names(vm, vm->disks, vm->ndisks, why, n);

	if (rc)
		return rc;
	guid_random(id);
	state_dir(vm, id, dir, sizeof(dir));
	if (!vm->ndisks)
		return checkpoint_diskless(vm, &ck, dir, why, n);
	rc = vmstore_mkdirs(dir);
	if (rc)
		snprintf(why, n, "Could not create %s: %s", dir, volume_strerror(rc));
	rc = rc ?: write_settings(vm, id, why, n) ?: avhds_ready(vm, why, n) ?:
	     switch_disks(vm, &ck, why, n);
	if (!rc)
		rc = vm_capture_save(vm, (uint64_t)vm->hv_id, dir, &pause, why, n);
	if (!ck.switched) {
		settings_unlink(vm, id);
		for (int i = 0; i < vm->ndisks; i++)
			unlink_path(S.made[i]);
		return rc ?: -EIO;
	}
	if (!rc)
		rc = saved_commit(vm, id, why, n);
	if (rc) {
		settings_unlink(vm, id);   /* its saved state: none; its settings again */
		if (write_settings(vm, id, why2, sizeof(why2)))
			printf("'%s': %s\n", vm->name, why2);
		snprintf(why + strlen(why), n - strlen(why),
			 " The snapshot '%s' keeps the disks only.", name);
	}
	return rc;
}

static int checkpoint(struct vm *vm, const char *name, char *why, size_t n)
{
	char dflt[VMCFG_SNAP_NAME_MAX];
	int64_t when = volume_now();
	bool was_running;
	int rc = snap_refused(vm, "Could not create the snapshot.", true, why, n) ?: read_tree(vm, why, n);

	if (rc)
		return rc;
	if (S.tree.n == VMCFG_SNAPS_MAX) {
		snprintf(why, n, "'%s' has %d snapshots, the most hvpart keeps; remove one first.", vm->name,
			 VMCFG_SNAPS_MAX);
		return -ENOSPC;
	}
	if (name && (!name[0] || strlen(name) >= VMCFG_SNAP_NAME_MAX)) {
		snprintf(why, n, "A snapshot's name must be 1 to %d characters.", VMCFG_SNAP_NAME_MAX - 1);
		return -EINVAL;
	}
	if (!name) {
		default_name(vm, when, dflt, sizeof(dflt));
		name = dflt;
	}
	/* A running VM: paused and saved as Save-VM does (it refuses what it
	 * cannot save, with its reasons), snapshotted Saved, and resumed. */
	was_running = running(vm);
	/* the chains must hold still under the new AVHDs: a merge that runs
	 * ends first, one that waits for power-off is dropped */
	if (was_running && (rc = vm_merge_finish_live(vm, why, n) ?: drop_waiting(vm, why, n)) != 0)
		return rc;
	if (was_running && !merges_pending(vm))
		return checkpoint_live(vm, name, when, why, n);
	if (was_running && (rc = vm_save(vm, "saved (Checkpoint-VM)", why, n)) != 0)
		return rc;
	rc = checkpoint_stopped(vm, name, when, why, n);
	if (was_running) {
		char why2[512];

		if (vm_resume(vm, why2, sizeof(why2)))
			snprintf(why, n, "%s%s'%s' stays Saved: %s", rc ? why : "", rc ? " " : "", vm->name, why2);
		else if (!rc)
			return 0;
		return rc ? rc : -EIO;
	}
	return rc;
}

int vm_snap_checkpoint(struct vm *vm, const char *name, char *why, size_t n)
{
	int rc;

	busy++;
	rc = checkpoint(vm, name, why, n);
	busy--;
	return rc;
}

/* ---- Restore-VMSnapshot ---- */

/* The snapshot name names, exactly one; Hyper-V's wording otherwise. */
static int find_one(struct vm *vm, const char *name, char *why, size_t n)
{
	int i = vmcfg_snap_find(&S.tree, name, 0);

	if (i < 0) {
		snprintf(why, n, "Unable to find a snapshot matching the given criteria.");
		return -ENOENT;
	}
	if (vmcfg_snap_find(&S.tree, name, i + 1) >= 0) {
		snprintf(why, n, "'%s' has more than one snapshot named '%s'; give one of them another name first (Rename-VMSnapshot).",
			 vm->name, name);
		return -EINVAL;
	}
	return i;
}

/* Snapshots\<Id>.txt read into c, S.disks and S.dvds. */
static int read_settings(struct vm *vm, const struct vmcfg_snap *sn, struct vmcfg_vm *c, int *nd,
			 int *nv, char *why, size_t n)
{
	char file[VM_FOLDER_MAX + 64], g[40];
	struct vmcfg_error err = { 0, "" };
	struct vmcfg_doc doc;
	void *text;
	size_t len;
	int unk, rc;

	id_text(sn->id, g);
	snprintf(file, sizeof(file), "%s\\%s\\%s%s", vm->folder, SNAP_DIR, g, SNAP_EXT);
	rc = volume_load_file(file, VMCFG_FILE_MAX, &text, &len);
	if (rc) {
		snprintf(why, n, "The snapshot's settings %s cannot be read: %s", file, volume_strerror(rc));
		return rc;
	}
	rc = vmcfg_parse(text, len, &doc, &err);
	free(text);
	if (!rc)
		rc = vmcfg_get_vm(&doc, c, &unk, &err) ?:
		     vmcfg_get_disks(&doc, S.disks, VMCFG_DRIVES_MAX, nd, &err) ?:
		     vmcfg_get_dvds(&doc, S.disks, *nd, S.dvds, VMCFG_IDE_DRIVES, nv, &err);
	vmcfg_free(&doc);
	if (rc)
		snprintf(why, n, "The snapshot's settings %s line %d: %s", file, err.line, err.msg);
	return rc;
}

static void apply_settings(struct vm *vm, const struct vmcfg_vm *c, int nd, int nv)
{
	vm->mem_bytes = c->memory_bytes;
	vm->processors = c->processors;
	vm->weight = c->weight;
	vm->reserve_pct = c->reserve_pct;
	vm->max_pct = c->max_pct;
	memcpy(vm->kernel, c->kernel, sizeof(vm->kernel));
	memcpy(vm->initrd, c->initrd, sizeof(vm->initrd));
	for (int i = 0; i < c->nmodules; i++)
		memcpy(vm->modules[i], c->modules[i], VM_PATH_MAX);
	vm->nmodules = c->nmodules;
	memcpy(vm->cmdline, c->kernel_args, sizeof(vm->cmdline));
	for (int i = 0; i < nd; i++) {
		vm->disks[i] = S.disks[i];
		memcpy(vm->disks[i].path, S.made[i], sizeof(S.made[i]));
	}
	vm->ndisks = nd;
	memcpy(vm->dvds, S.dvds, (size_t)nv * sizeof(S.dvds[0]));
	vm->ndvds = nv;
}

/* After the switch: the VM's former AVHDs that nothing names any more. */
static void drop_unused(struct vm *vm, const snap_path *files, int count)
{
	for (int i = 0; i < count; i++) {
		bool used = !is_ours(vm, files[i]) || vmcfg_snap_file_used(&S.tree, files[i], -1);

		for (int k = 0; k < vm->ndisks && !used; k++)
			used = !strcasecmp(vm->disks[k].path, files[i]);
		if (!used)
			unlink_path(files[i]);
	}
}

int vm_snap_restore(struct vm *vm, const char *name, char *why, size_t n)
{
	static struct vmcfg_vm c;
	struct vmcfg_snap sn;
	struct undo *u = &U;
	int nd = 0, nv = 0, old_n = vm->ndisks;
	int rc = snap_refused(vm, "Could not apply the snapshot.", false, why, n) ?:
		 vm_snap_merges(vm, why, n) ?: read_tree(vm, why, n);

	if (rc || (rc = find_one(vm, name, why, n)) < 0)
		return rc;
	sn = S.tree.s[rc];
	rc = read_settings(vm, &sn, &c, &nd, &nv, why, n);
	if (rc)
		return rc;
	if (vm->saved && (rc = vm_discard_saved(vm, why, n)) != 0)
		return rc;       /* Hyper-V: applying a snapshot discards the saved state */
	rc = avhds_make(vm, S.disks, nd, why, n);
	if (rc)
		return rc;
	for (int i = 0; i < old_n; i++)
		memcpy(S.old[i], vm->disks[i].path, sizeof(S.old[i]));
	rc = undo_keep(vm, u);
	if (!rc) {
		apply_settings(vm, &c, nd, nv);
		rc = commit(vm, u, vmcfg_snap_set_current(&vm->cfg, sn.id), why, n);
	}
	if (rc) {
		for (int i = 0; i < nd; i++)
			unlink_path(S.made[i]);
		return rc;
	}
	read_tree(vm, why, n);
	drop_unused(vm, S.old, old_n);
	volume_sync(volume_by_letter('C'));
	if (sn.saved) {
		/* after the switch (rule 8): a crash before this leaves the VM Off
		 * on the snapshot's disks, which the snapshot still holds */
		char dir[VM_FOLDER_MAX + 64];

		state_dir(vm, sn.id, dir, sizeof(dir));
		return vm_saved_copy(vm, dir, true, why, n);
	}
	return 0;
}

/* ---- Rename-VMSnapshot ---- */

int vm_snap_rename(struct vm *vm, const char *name, const char *to, char *why, size_t n)
{
	struct undo *u = &U;
	int rc = read_tree(vm, why, n);

	if (rc || (rc = find_one(vm, name, why, n)) < 0)
		return rc;
	if (!to[0] || strlen(to) >= VMCFG_SNAP_NAME_MAX) {
		snprintf(why, n, "A snapshot's name must be 1 to %d characters.", VMCFG_SNAP_NAME_MAX - 1);
		return -EINVAL;
	}
	{
		uint8_t id[16];

		memcpy(id, S.tree.s[rc].id, sizeof(id));
		rc = undo_keep(vm, u);
		if (!rc)
			rc = commit(vm, u, vmcfg_snap_rename(&vm->cfg, id, to), why, n);
	}
	return rc;
}

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

	if (vmcfg_get_merges(&vm->cfg, S.merges, VMCFG_MERGES_MAX, &count, &err))
		return 0;     /* a bad [Merge] was reported at boot */
	for (int i = 0; i < count; i++) {
		const struct vmcfg_merge *m = &S.merges[i];

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
		snaps_tidy(vm);
	return 0;
}

/* Drive j folds into its parent: an AVHD of ours whose parent no
 * snapshot keeps, no drive is, and no other drive reads (the AVHD a
 * live merge left, partition/vm_merge.c: the VM runs on its own disk
 * again once it is off, as in Hyper-V). par: its parent. */
static bool foldable(struct vm *vm, int j, snap_path *par)
{
	int readers = 0;

	if (!par[j][0] || !is_ours(vm, vm->disks[j].path) || drive_of(vm, par[j]) >= 0 ||
	    vmcfg_snap_file_used(&S.tree, par[j], -1))
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
	struct undo *u = &U;
	int rc = read_tree(vm, why, n) ?: undo_keep(vm, u), np = 0;

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
	rc = commit(vm, u, rc, why, n);
	return rc ?: merges_recorded(vm, why, n);
}

int vm_snap_merges(struct vm *vm, char *why, size_t n)
{
	/* never under a running VM: running() also reaps a child that
	 * stopped, which closes its disks (vm_query) */
	int rc, folded = 1;

	if (!vm->folder[0] || running(vm))
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
	struct undo *u = &U;
	int rc = undo_keep(vm, u);

	if (rc)
		return rc;
	rc = vmcfg_merge_done(&vm->cfg, mid);
	return commit(vm, u, rc == -ENOENT ? 0 : rc, why, n);
}

/* A running VM's merges that wait for it to be off (of the drive
 * itself into its parent): dropped before a checkpoint, the chain kept
 * as it is (valid: the drive's parent is unchanged, and the new AVHD
 * goes over the drive). */
static int drop_waiting(struct vm *vm, char *why, size_t n)
{
	struct vmcfg_error err;
	struct undo *u = &U;
	int count = 0, dropped = 0;
	int rc = vmcfg_get_merges(&vm->cfg, S.merges, VMCFG_MERGES_MAX, &count, &err);

	if (rc || !count || (rc = undo_keep(vm, u)) != 0)
		return rc == -ENOMEM ? rc : 0;
	for (int i = 0; i < count; i++)
		if (drive_of(vm, S.merges[i].child) >= 0 && !vmcfg_merge_done(&vm->cfg, S.merges[i].child))
			dropped++;
	if (!dropped) {
		free(u->text);
		u->text = NULL;
		return 0;
	}
	return commit(vm, u, 0, why, n);
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
	const struct vmcfg_snap *sn = &S.tree.s[idx];
	char par[VOL_PATH_MAX + 4];
	int np = 0, rc = 0;

	for (int j = 0; j < vm->ndisks && np < VMCFG_MERGES_MAX; j++) {
		if (!is_ours(vm, vm->disks[j].path))
			continue;
		parent_of(vm->disks[j].path, par, sizeof(par));
		for (int k = 0; k < sn->ndisks; k++) {
			if (strcasecmp(par, vmcfg_snap_disk(sn, k)) || strlen(par) >= VMCFG_DISK_PATH_MAX ||
			    vmcfg_snap_file_used(&S.tree, par, idx))
				continue;
			memcpy(S.merges[np].child, vm->disks[j].path, sizeof(S.merges[np].child));
			memcpy(S.merges[np].parent, par, strlen(par) + 1);
			S.drive[np++] = j;
			break;
		}
	}
	for (int i = 0; i < np && !rc; i++) {
		rc = vmcfg_merge_add(&vm->cfg, S.merges[i].child, S.merges[i].parent);
		if (now)
			memcpy(vm->disks[S.drive[i]].path, S.merges[i].parent, sizeof(S.merges[i].parent));
	}
	*planned = np;
	return rc;
}

/* A leaf that is not current: its frozen AVHDs, which nothing reads. */
static int leaf_files(int idx)
{
	const struct vmcfg_snap *sn = &S.tree.s[idx];
	int c = 0;

	for (int k = 0; k < sn->ndisks; k++)
		memcpy(S.old[c++], vmcfg_snap_disk(sn, k), sizeof(S.old[0]));
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

	memset(S.live, 0, sizeof(S.live));
	if (avhd_names(vm, vm->disks, vm->ndisks, why, sizeof(why)))
		return;
	for (int i = 0; i < planned; i++) {
		int j = S.drive[i], rc = vsp_stor_switch_close(id, &vm->disks[j]);
		struct vmcfg_disk made = vm->disks[j];
		bool created = false;

		memcpy(made.path, S.made[j], sizeof(made.path));
		if (!rc) {
			rc = avhd_create(made.path, vm->disks[j].path, why, sizeof(why));
			created = !rc;
		}
		rc = rc ?: vsp_stor_switch_open(id, &made, why, sizeof(why));
		if (rc) {
			switch_back(vm, j, created);
			continue;
		}
		memcpy(vm->disks[j].path, made.path, sizeof(made.path));
		S.live[i] = true;
	}
	volume_sync(volume_by_letter('C'));
}

/* The commit failed: the switched drives back on their files (undo put
 * their paths back), the new AVHDs deleted. */
static void live_unswitch(struct vm *vm, int planned)
{
	for (int i = 0; i < planned; i++)
		if (S.live[i])
			switch_back(vm, S.drive[i], true);
}

/* After the commit: the merges of the switched drives start; how many. */
static int live_begin(struct vm *vm, int planned)
{
	char why[512];
	int started = 0;

	for (int i = 0; i < planned; i++) {
		if (!S.live[i])
			continue;
		if (vsp_stor_merge_begin((uint64_t)vm->hv_id, &vm->disks[S.drive[i]], S.merges[i].child,
					 why, sizeof(why)))
			printf("'%s': %s It is merged when the VM is off.\n", vm->name, why);
		else
			started++;
	}
	return started;
}

static int remove_one(struct vm *vm, int idx, struct vm_snap_merged *m, char *why, size_t n)
{
	struct vmcfg_snap sn = S.tree.s[idx];
	int deps = vmcfg_snap_dependents(&S.tree, idx), planned = 0, nfiles = 0;
	bool on = running(vm);
	struct undo *u = &U;
	int rc = undo_keep(vm, u);

	if (rc)
		return rc;
	if (deps == 1 && S.tree.current == idx)
		rc = plan_merges(vm, idx, !on, &planned);
	if (!rc && deps == 0)
		nfiles = leaf_files(idx);
	if (!rc && on && planned)
		live_switch(vm, planned);
	rc = commit(vm, u, rc ?: vmcfg_snap_remove(&vm->cfg, sn.id), why, n);
	if (rc) {
		if (on)
			live_unswitch(vm, planned);
		return rc;
	}
	settings_unlink(vm, sn.id);
	read_tree(vm, why, n);
	drop_unused(vm, S.old, nfiles);
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
	for (int i = 0; i < S.tree.n; i++)
		if (!memcmp(S.tree.s[i].id, id, 16))
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
	for (int k = idx + 1; subtree && k < S.tree.n; k++)
		in[k] = S.tree.s[k].parent >= 0 && in[S.tree.s[k].parent];
	for (int k = S.tree.n - 1; k >= idx; k--)
		if (in[k])
			memcpy(ids[count++], S.tree.s[k].id, 16);
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
	int rc = read_tree(vm, why, n), i;

	memset(m, 0, sizeof(*m));
	if (rc)
		return rc;
	if (vmcfg_snap_find(&S.tree, name, 0) < 0) {
		snprintf(why, n, "Unable to find a snapshot matching the given criteria.");
		return -ENOENT;
	}
	/* the chains change under a merge that runs: it ends first */
	rc = vm_merge_finish_live(vm, why, n);
	while (!rc && (i = vmcfg_snap_find(&S.tree, name, 0)) >= 0)
		rc = remove_tree(vm, i, subtree, m, why, n);
	return rc;
}

int vm_snap_remove(struct vm *vm, const char *name, bool subtree, struct vm_snap_merged *m,
		   char *why, size_t n)
{
	int rc;

	busy++;
	rc = snap_remove(vm, name, subtree, m, why, n);
	busy--;
	return rc;
}

bool vm_snap_busy(void)
{
	return busy > 0;
}
