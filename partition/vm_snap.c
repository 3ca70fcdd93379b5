/*
 * Snapshots: Checkpoint-VM, Restore-VMSnapshot and Rename-VMSnapshot
 * (vm_snap.h; the merges and Remove-VMSnapshot are vm_snap_remove.c,
 * what both share vm_snap_int.h). The tree lives in config.txt
 * (partition/vmconfig/vmcfg_snap.c); this file makes and deletes the
 * files and orders every write by docs/ARCHITECTURE.md rule 8. Each operation edits vm->cfg and
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
#include "partition/vm_snap_int.h"
#include "partition/vmstore.h"
#include "partition/volume/fio_ext2.h"
#include "partition/volume/volume.h"
#include "partition/vsp/vsp_stor.h"
#include "storage/vhd/vhd.h"

/* Scratch for one operation (the parent runs one cmdlet at a time). */
struct vm_snap_scratch vm_snap_s;
struct vm_snap_undo vm_snap_u;
/* Inside an operation that uses the scratch and config.txt (vm_snap_busy). */
static int busy;

static void snap_dir(const struct vm *vm, char *out, size_t n)
{
	snprintf(out, n, "%s\\%s", vm->folder, SNAP_DIR);
}

static void id_text(const uint8_t id[16], char out[40])
{
	guid_format(id, true, out, 40);
}

/* One of the VM's own AVHDs: made here, in its Snapshots folder. */
bool vm_snap_is_ours(const struct vm *vm, const char *path)
{
	char dir[VM_FOLDER_MAX + 16];
	size_t dl, pl = strlen(path);

	snap_dir(vm, dir, sizeof(dir));
	dl = strlen(dir);
	return pl > dl + 6 && !strncasecmp(path, dir, dl) && path[dl] == '\\' &&
	       !strcasecmp(path + pl - 5, ".avhd");
}

void vm_snap_unlink(const char *path)
{
	struct vol_path vp;

	if (!volume_resolve(path, &vp))
		volume_unlink(&vp);
}

int vm_snap_read_tree(struct vm *vm, char *why, size_t n)
{
	struct vmcfg_error err;

	if (!vmcfg_get_snaps(&vm->cfg, &vm_snap_s.tree, &err))
		return 0;
	snprintf(why, n, "The snapshots in %s\\%s cannot be read: line %d: %s", vm->folder,
		 VMSTORE_FILE, err.line, err.msg);
	return -EINVAL;
}

/* ---- Committing, and undoing a commit that failed ---- */

int vm_snap_undo_keep(struct vm *vm, struct vm_snap_undo *u)
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
static void undo_apply(struct vm *vm, struct vm_snap_undo *u)
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
int vm_snap_commit(struct vm *vm, struct vm_snap_undo *u, int rc, char *why, size_t n)
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

bool vm_snap_running(const struct vm *vm)
{
	struct hvpart_partition_info pi;

	return vm_query(vm, &pi) && pi.state == HVPART_STATE_RUNNING;
}

/* ---- AVHDs ---- */

/* A differencing disk at child whose parent is parent (both on C:). */
int vm_snap_avhd_create(const char *child, const char *parent, char *why, size_t n)
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

/* A new AVHD's name for each of parents[0..count) into vm_snap_s.made. */
int vm_snap_avhd_names(struct vm *vm, const struct vmcfg_disk *parents, int count, char *why,
		      size_t n)
{
	char dir[VM_FOLDER_MAX + 16];
	uint8_t g[16];

	memset(vm_snap_s.made, 0, sizeof(vm_snap_s.made));
	snap_dir(vm, dir, sizeof(dir));
	for (int i = 0; i < count; i++) {
		guid_random(g);
		if (vmcfg_avhd_name(parents[i].path, dir, g, vm_snap_s.made[i], sizeof(vm_snap_s.made[i]))) {
			snprintf(why, n, "The differencing disk for '%s' would have a path longer than %d characters.",
				 parents[i].path, VMCFG_DISK_PATH_MAX - 1);
			return -ENAMETOOLONG;
		}
	}
	return 0;
}

/* A new AVHD on each of parents[0..count) into vm_snap_s.made; on failure none
 * is left. */
static int avhds_make(struct vm *vm, const struct vmcfg_disk *parents, int count, char *why,
		      size_t n)
{
	int rc = vm_snap_avhd_names(vm, parents, count, why, n), i;

	for (i = 0; i < count && !rc; i++)
		rc = vm_snap_avhd_create(vm_snap_s.made[i], parents[i].path, why, n);
	if (rc) {
		for (int k = 0; k < i - 1; k++)
			vm_snap_unlink(vm_snap_s.made[k]);
		memset(vm_snap_s.made, 0, sizeof(vm_snap_s.made));
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
	if (!allow_running && vm_snap_running(vm)) {
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
void vm_snap_tidy(const struct vm *vm)
{
	char dir[VM_FOLDER_MAX + 16];
	struct vol_path vp;

	snap_dir(vm, dir, sizeof(dir));
	if (!volume_resolve(dir, &vp))
		volume_rmdir(&vp);          /* -ENOTEMPTY otherwise */
}

/* A snapshot's own files: its settings and its saved state. */
void vm_snap_settings_unlink(struct vm *vm, const uint8_t id[16])
{
	char path[VM_FOLDER_MAX + 128], dir[VM_FOLDER_MAX + 64], vmid[40];
	static const char *const ext[] = { ".vsv", ".bin", ".vsv.new", ".bin.new" };
	struct vol_path vp;

	state_dir(vm, id, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s%s", dir, SNAP_EXT);
	vm_snap_unlink(path);
	guid_format(vm->vmid, true, vmid, sizeof(vmid));
	for (unsigned i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(path, sizeof(path), "%s\\%s%s", dir, vmid, ext[i]);
		vm_snap_unlink(path);
	}
	if (!volume_resolve(dir, &vp))
		volume_rmdir(&vp);
	vm_snap_tidy(vm);
}

static int checkpoint_commit(struct vm *vm, const uint8_t id[16], const char *name,
			     int64_t when, bool saved, char *why, size_t n)
{
	const char *frozen[VMCFG_DRIVES_MAX];
	struct vm_snap_undo *u = &vm_snap_u;
	int rc = vm_snap_undo_keep(vm, u);

	if (rc)
		return rc;
	for (int i = 0; i < vm->ndisks; i++) {
		memcpy(vm_snap_s.old[i], vm->disks[i].path, sizeof(vm_snap_s.old[i]));
		frozen[i] = vm_snap_s.old[i];
		memcpy(vm->disks[i].path, vm_snap_s.made[i], sizeof(vm_snap_s.made[i]));
	}
	rc = vmcfg_snap_add(&vm->cfg, id, name, when, saved, frozen, vm->ndisks);
	return vm_snap_commit(vm, u, rc, why, n);
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
				vm_snap_unlink(vm_snap_s.made[i]);
	}
	if (rc)
		vm_snap_settings_unlink(vm, id);
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

	return !vmcfg_get_merges(&vm->cfg, vm_snap_s.merges, VMCFG_MERGES_MAX, &count, &err) && count;
}

/* The disk at i back on its old file (a switch that failed). */
void vm_snap_switch_back(struct vm *vm, int i, bool made)
{
	char why[256];

	vsp_stor_switch_close((uint64_t)vm->hv_id, &vm->disks[i]);
	if (vsp_stor_switch_open((uint64_t)vm->hv_id, &vm->disks[i], why, sizeof(why)))
		printf("'%s': its disk '%s' could not be opened again: %s\n", vm->name,
		       vm->disks[i].path, why);
	if (made)
		vm_snap_unlink(vm_snap_s.made[i]);
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
		rc = rc ?: vm_snap_avhd_create(vm_snap_s.made[i], vm->disks[i].path, why, n);
	}
	for (int k = 0; rc && k < i - 1; k++)
		vm_snap_unlink(vm_snap_s.made[k]);
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

		memcpy(made.path, vm_snap_s.made[i], sizeof(made.path));
		rc = vsp_stor_switch_close((uint64_t)vm->hv_id, &vm->disks[i]);
		if (rc)
			snprintf(why, n, "Could not flush '%s': %s", vm->disks[i].path, volume_strerror(rc));
		rc = rc ?: vsp_stor_switch_open((uint64_t)vm->hv_id, &made, why, n);
		if (rc)
			vm_snap_switch_back(vm, i, false);
	}
	for (int k = 0; rc && k < i - 1; k++)
		vm_snap_switch_back(vm, k, false);
	if (!rc && (rc = checkpoint_commit(vm, ck->id, ck->name, ck->when, false, why, n)) != 0)
		for (int k = 0; k < vm->ndisks; k++)
			vm_snap_switch_back(vm, k, false);   /* commit put the old paths back */
	ck->switched = !rc;
	return rc;
}

/* The memory is saved: the snapshot holds it (State Saved). */
static int saved_commit(struct vm *vm, const uint8_t id[16], char *why, size_t n)
{
	struct vm_snap_undo *u = &vm_snap_u;
	int rc = vm_snap_undo_keep(vm, u);

	return rc ?: vm_snap_commit(vm, u, vmcfg_snap_set_saved(&vm->cfg, id, true), why, n);
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
		vm_snap_settings_unlink(vm, ck->id);
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
	int rc = vm_save_refused(vm, why, n) ?: vm_snap_avhd_names(vm, vm->disks, vm->ndisks, why, n);

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
		vm_snap_settings_unlink(vm, id);
		for (int i = 0; i < vm->ndisks; i++)
			vm_snap_unlink(vm_snap_s.made[i]);
		return rc ?: -EIO;
	}
	if (!rc)
		rc = saved_commit(vm, id, why, n);
	if (rc) {
		vm_snap_settings_unlink(vm, id);   /* its saved state: none; its settings again */
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
	int rc = snap_refused(vm, "Could not create the snapshot.", true, why, n) ?: vm_snap_read_tree(vm, why, n);

	if (rc)
		return rc;
	if (vm_snap_s.tree.n == VMCFG_SNAPS_MAX) {
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
	was_running = vm_snap_running(vm);
	/* the chains must hold still under the new AVHDs: a merge that runs
	 * ends first, one that waits for power-off is dropped */
	if (was_running && (rc = vm_merge_finish_live(vm, why, n) ?: vm_snap_drop_waiting(vm, why, n)) != 0)
		return rc;
	if (was_running && !merges_pending(vm))
		return checkpoint_live(vm, name, when, why, n);
	if (was_running && (rc = vm_save(vm, "saved (Checkpoint-VM)", why, n)) != 0)
		return rc;
	rc = checkpoint_stopped(vm, name, when, why, n);
	if (was_running) {
		char why2[512], first[512];

		/* why is both the message so far and the output: copied first,
		 * as snprintf's source and destination must not overlap. */
		snprintf(first, sizeof(first), "%s", rc ? why : "");
		if (vm_resume(vm, why2, sizeof(why2)))
			snprintf(why, n, "%s%s'%s' stays Saved: %s", first, rc ? " " : "", vm->name, why2);
		else if (!rc)
			return 0;
		return rc ? rc : -EIO;
	}
	return rc;
}

int vm_snap_checkpoint(struct vm *vm, const char *name, char *why, size_t n)
{
	int rc;

	vm_snap_enter(true);
	rc = checkpoint(vm, name, why, n);
	vm_snap_enter(false);
	return rc;
}

/* ---- Restore-VMSnapshot ---- */

/* The snapshot name names, exactly one; Hyper-V's wording otherwise. */
static int find_one(struct vm *vm, const char *name, char *why, size_t n)
{
	int i = vmcfg_snap_find(&vm_snap_s.tree, name, 0);

	if (i < 0) {
		snprintf(why, n, "Unable to find a snapshot matching the given criteria.");
		return -ENOENT;
	}
	if (vmcfg_snap_find(&vm_snap_s.tree, name, i + 1) >= 0) {
		snprintf(why, n, "'%s' has more than one snapshot named '%s'; give one of them another name first (Rename-VMSnapshot).",
			 vm->name, name);
		return -EINVAL;
	}
	return i;
}

/* Snapshots\<Id>.txt read into c, vm_snap_s.disks and vm_snap_s.dvds. */
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
		     vmcfg_get_disks(&doc, vm_snap_s.disks, VMCFG_DRIVES_MAX, nd, &err) ?:
		     vmcfg_get_dvds(&doc, vm_snap_s.disks, *nd, vm_snap_s.dvds, VMCFG_IDE_DRIVES, nv, &err);
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
		vm->disks[i] = vm_snap_s.disks[i];
		memcpy(vm->disks[i].path, vm_snap_s.made[i], sizeof(vm_snap_s.made[i]));
	}
	vm->ndisks = nd;
	memcpy(vm->dvds, vm_snap_s.dvds, (size_t)nv * sizeof(vm_snap_s.dvds[0]));
	vm->ndvds = nv;
}

/* After the switch: the VM's former AVHDs that nothing names any more. */
void vm_snap_drop_unused(struct vm *vm, const snap_path *files, int count)
{
	for (int i = 0; i < count; i++) {
		bool used = !vm_snap_is_ours(vm, files[i]) || vmcfg_snap_file_used(&vm_snap_s.tree, files[i], -1);

		for (int k = 0; k < vm->ndisks && !used; k++)
			used = !strcasecmp(vm->disks[k].path, files[i]);
		if (!used)
			vm_snap_unlink(files[i]);
	}
}

int vm_snap_restore(struct vm *vm, const char *name, char *why, size_t n)
{
	static struct vmcfg_vm c;
	struct vmcfg_snap sn;
	struct vm_snap_undo *u = &vm_snap_u;
	int nd = 0, nv = 0, old_n = vm->ndisks;
	int rc = snap_refused(vm, "Could not apply the snapshot.", false, why, n) ?:
		 vm_snap_merges(vm, why, n) ?: vm_snap_read_tree(vm, why, n);

	if (rc || (rc = find_one(vm, name, why, n)) < 0)
		return rc;
	sn = vm_snap_s.tree.s[rc];
	rc = read_settings(vm, &sn, &c, &nd, &nv, why, n);
	if (rc)
		return rc;
	if (vm->saved && (rc = vm_discard_saved(vm, why, n)) != 0)
		return rc;       /* Hyper-V: applying a snapshot discards the saved state */
	rc = avhds_make(vm, vm_snap_s.disks, nd, why, n);
	if (rc)
		return rc;
	for (int i = 0; i < old_n; i++)
		memcpy(vm_snap_s.old[i], vm->disks[i].path, sizeof(vm_snap_s.old[i]));
	rc = vm_snap_undo_keep(vm, u);
	if (!rc) {
		apply_settings(vm, &c, nd, nv);
		rc = vm_snap_commit(vm, u, vmcfg_snap_set_current(&vm->cfg, sn.id), why, n);
	}
	if (rc) {
		for (int i = 0; i < nd; i++)
			vm_snap_unlink(vm_snap_s.made[i]);
		return rc;
	}
	vm_snap_read_tree(vm, why, n);
	vm_snap_drop_unused(vm, vm_snap_s.old, old_n);
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
	struct vm_snap_undo *u = &vm_snap_u;
	int rc = vm_snap_read_tree(vm, why, n);

	if (rc || (rc = find_one(vm, name, why, n)) < 0)
		return rc;
	if (!to[0] || strlen(to) >= VMCFG_SNAP_NAME_MAX) {
		snprintf(why, n, "A snapshot's name must be 1 to %d characters.", VMCFG_SNAP_NAME_MAX - 1);
		return -EINVAL;
	}
	{
		uint8_t id[16];

		memcpy(id, vm_snap_s.tree.s[rc].id, sizeof(id));
		rc = vm_snap_undo_keep(vm, u);
		if (!rc)
			rc = vm_snap_commit(vm, u, vmcfg_snap_rename(&vm->cfg, id, to), why, n);
	}
	return rc;
}

bool vm_snap_busy(void)
{
	return busy > 0;
}

void vm_snap_enter(bool in)
{
	busy += in ? 1 : -1;
}
