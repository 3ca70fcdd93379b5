/*
 * The hard-disk cmdlets: Add-VMHardDiskDrive, Get-VMHardDiskDrive,
 * Set-VMHardDiskDrive (while off), Remove-VMHardDiskDrive, with
 * Hyper-V's names and parameters. A disk is a VHD file on an ext2 drive (C:) at a location of the VM's synthetic
 * SCSI controller 0 (ControllerLocation = the LUN the guest sees); the
 * list is kept in the VM's configuration ([HardDrive] sections,
 * docs/vm-config.md) and served at Start-VM by partition/vsp/vsp_stor.c.
 * Adding and removing work while the VM is off and, on SCSI, while it
 * runs (hot add and remove, as Hyper-V does them: the LUN appears on or
 * goes from the running controller and the guest is told to rescan,
 * partition/vsp/vsp_stor.h). IDE and pass-through disks are not done.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/cmdlets/cmdlets.h"
#include "partition/console/cmd.h"
#include "partition/vm.h"
#include "partition/vmstore.h"
#include "partition/volume/vhd_mount.h"
#include "partition/volume/volume.h"
#include "partition/vsp/vsp_stor.h"

static const struct cmd_column disk_cols[] = {
	{ "VMName", NULL, 0 }, { "ControllerType", NULL, 0 }, { "ControllerNumber", NULL, 0 },
	{ "ControllerLocation", NULL, 0 }, { "DiskNumber", NULL, 0 }, { "Path", NULL, 0 },
};
static const struct cmd_type disk_type = { "HardDiskDrive", false, disk_cols, 6, NULL, NULL,
					   NULL };

struct vm *cmdlet_vhd_owner(const struct vol_path *file)
{
	for (int i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_at(i);

		for (int k = 0; vm && k < vm->ndisks; k++) {
			struct vol_path vp;

			if (!volume_resolve(vm->disks[k].path, &vp) && vp.vol == file->vol &&
			    !strcmp(vp.path, file->path))
				return vm;
		}
	}
	return NULL;
}

/* -ControllerType SCSI (the only one so far), -ControllerNumber 0. IDE
 * drives change only while the VM is off (Hyper-V's IDE controller has
 * no hot plug): on a running VM that is the error, before the type's. */
static int controller_args(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm)
{
	const char *t = cmd_arg_str(a, "ControllerType");

	if (t && !strcasecmp(t, "IDE") && cmdlet_vm_running(vm)) {
		cmd_error(ctx, a, "Failed to modify device 'Virtual Hard Disk': the operation cannot be "
			  "performed while the virtual machine is in its current state ('%s' is running; "
			  "IDE drives change only while it is off).", vm->name);
		return -1;
	}
	if (!t || strcasecmp(t, "SCSI")) {
		cmd_error(ctx, a, "Cannot validate argument on parameter 'ControllerType'. Only SCSI "
			  "is supported (IDE disks are not yet).");
		return -1;
	}
	if (cmd_arg_int(a, "ControllerNumber", 0) != 0) {
		cmd_error(ctx, a, "The virtual machine has one SCSI controller: ControllerNumber must be 0.");
		return -1;
	}
	return 0;
}

static int slot_at(const struct vm *vm, int loc)
{
	for (int k = 0; k < vm->ndisks; k++)
		if (vm->disks[k].controller_location == loc)
			return k;
	return -1;
}

/* -ControllerLocation, or the first free one (Hyper-V's default). */
static int location_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm)
{
	int64_t loc = cmd_arg_int(a, "ControllerLocation", -1);

	if (loc == -1) {
		for (loc = 0; loc < VMCFG_DISKS_MAX && slot_at(vm, (int)loc) >= 0; loc++)
			;
		if (loc == VMCFG_DISKS_MAX)
			return cmd_error(ctx, a, "The SCSI controller of '%s' has no free location.",
					 vm->name), -1;
		return (int)loc;
	}
	if (loc < 0 || loc >= VMCFG_DISKS_MAX)
		return cmd_error(ctx, a, "ControllerLocation must be 0 to %d.", VMCFG_DISKS_MAX - 1), -1;
	return (int)loc;
}

/* Chain v (opened from vp) against the running VMs' chains and the
 * mounts: its top is to be written when writable, its parents read.
 * Nonzero after printing the error that refuses it. */
int cmdlet_vhd_chain_check(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vol_path *vp,
			   const struct vhd *v, bool writable, const char *what)
{
	const char *path = NULL;
	int child = vsp_stor_chain_user(vp, v, writable, &path);
	struct vm *user = child >= 0 ? vm_by_hv_id((uint64_t)child) : NULL;
	struct vol_path pp = { .vol = vp->vol };
	char where[VOL_PATH_MAX + 4];

	if (child >= 0) {
		snprintf(pp.path, sizeof(pp.path), "%s", path);
		volume_format(&pp, where, sizeof(where));
		if (!strcmp(path, vp->path))
			return cmd_error(ctx, a, "%s: '%s' is in use by virtual machine '%s' (as its disk "
					 "or the parent of its differencing disk): the process cannot access "
					 "the file because it is being used by another process.", what, where,
					 user ? user->name : "?"), -1;
		return cmd_error(ctx, a, "%s: its parent '%s' is attached to virtual machine '%s' for "
				 "writing: the process cannot access the file because it is being used by "
				 "another process.", what, where, user ? user->name : "?"), -1;
	}
	for (v = vhd_get_parent(v); v; v = vhd_get_parent(v)) {
		struct vhd_mount *m;

		snprintf(pp.path, sizeof(pp.path), "%s", vhd_get_path(v));
		m = vhd_mount_find(&pp);
		volume_format(&pp, where, sizeof(where));
		if (m && !m->read_only)
			return cmd_error(ctx, a, "%s: its parent '%s' is mounted for writing; a parent "
					 "must not change under its differencing disk.", what, where), -1;
	}
	return 0;
}

/* A new disk's parents must not be another VM's disk (written whenever
 * that VM runs), even while it is off. */
static int parents_unattached(struct cmd_ctx *ctx, const struct cmd_args *a,
			      const struct vol_path *vp, const struct vhd *v, const char *what)
{
	for (v = vhd_get_parent(v); v; v = vhd_get_parent(v)) {
		struct vol_path pp = { .vol = vp->vol };
		char where[VOL_PATH_MAX + 4];
		struct vm *owner;

		snprintf(pp.path, sizeof(pp.path), "%s", vhd_get_path(v));
		owner = cmdlet_vhd_owner(&pp);
		volume_format(&pp, where, sizeof(where));
		if (owner)
			return cmd_error(ctx, a, "%s: its parent '%s' is attached to virtual machine '%s' "
					 "for writing; a parent must not change under its differencing disk.",
					 what, where, owner->name), -1;
	}
	return 0;
}

/* The file must be a VHD this parent can open, not mounted, on no VM,
 * not read by a running VM's chain, and its parents written by none. */
static int vhd_free_check(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vol_path *vp,
			  const char *where, const char *what)
{
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct vhd *v;
	struct vm *owner = cmdlet_vhd_owner(vp);
	char why[VOL_PATH_MAX + VHD_ERR_LEN + 16];
	int rc;

	if (owner)
		return cmd_error(ctx, a, "%s: '%s' is already attached to virtual machine '%s'.", what,
				 where, owner->name), -1;
	if (vhd_mount_in_use(vp))
		return cmd_error(ctx, a, "%s: '%s' is mounted (Dismount-VHD it first).", what, where), -1;
	if (vhd_mount_open_file(vp, true, &fx, &ops, &v, why, sizeof(why)))
		return cmd_error(ctx, a, "%s: %s", what, why), -1;
	rc = cmdlet_vhd_chain_check(ctx, a, vp, v, true, what);
	if (!rc)
		rc = parents_unattached(ctx, a, vp, v, what);
	vhd_close(v);
	return rc;
}

#define ADD_FAILED "Failed to add device 'Virtual Hard Disk'"
#define SET_FAILED "Failed to modify device 'Virtual Hard Disk'"

/* vm->disks[vm->ndisks] is filled in: a running VM gets it now (hot
 * add), then the configuration keeps it; on failure nothing changed. */
static int add_commit(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, char *why,
		      size_t n)
{
	const struct vmcfg_disk *d = &vm->disks[vm->ndisks];
	bool hot = cmdlet_vm_running(vm);

	if (hot && vsp_stor_hot_add((uint64_t)vm->hv_id, d, why, n))
		return cmd_error(ctx, a, "Failed to add device 'Virtual Hard Disk': %s", why);
	vm->ndisks++;
	if (vmstore_save(vm, why, n)) {
		vm->ndisks--;
		if (hot)
			(void)vsp_stor_hot_remove((uint64_t)vm->hv_id, d->controller_location);
		return cmd_error(ctx, a, "%s; nothing was changed.", why);
	}
	return 0;
}

static int cmdlet_add_vmharddiskdrive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	struct vol_path vp;
	struct vmcfg_disk *d;
	char where[VOL_PATH_MAX + 4], why[200];
	int loc;

	if (!vm || controller_args(ctx, a, vm))
		return 0;
	loc = location_arg(ctx, a, vm);
	if (loc < 0 || cmdlet_vhd_file_arg(ctx, a, "Path", &vp))
		return 0;
	if (slot_at(vm, loc) >= 0)
		return cmd_error(ctx, a, "Failed to add device 'Virtual Hard Disk': SCSI controller 0 "
				 "location %d of '%s' is already in use.", loc, vm->name);
	volume_format(&vp, where, sizeof(where));
	if (strlen(where) >= sizeof(d->path))
		return cmd_error(ctx, a, "The path '%s' is too long (at most %d characters).", where,
				 VMCFG_DISK_PATH_MAX - 1);
	if (vhd_free_check(ctx, a, &vp, where, ADD_FAILED))
		return 0;
	d = &vm->disks[vm->ndisks];
	memset(d, 0, sizeof(*d));
	memcpy(d->path, where, strlen(where) + 1);
	d->controller_location = (uint8_t)loc;
	return add_commit(ctx, a, vm, why, sizeof(why));
}

static int disk_emit(struct cmd_ctx *ctx, const struct vm *vm, const struct vmcfg_disk *d)
{
	const struct cmd_prop p[] = {
		CMD_PROP_STR("VMName", vm->name),
		CMD_PROP_STR("ControllerType", "SCSI"),
		CMD_PROP_INT("ControllerNumber", d->controller_number),
		CMD_PROP_INT("ControllerLocation", d->controller_location),
		CMD_PROP_NULL("DiskNumber"),      /* a VHD, not a pass-through disk */
		CMD_PROP_STR("Path", d->path),
	};

	return cmd_emit(ctx, &disk_type, p, 6);
}

/* Set-VMHardDiskDrive -Path: the new file, checked as Add does (the
 * drive's own file may stay). Nonzero after the error. */
static int set_path(struct cmd_ctx *ctx, const struct cmd_args *a, struct vmcfg_disk *d)
{
	struct vol_path vp, cur;
	char where[VOL_PATH_MAX + 4];

	if (!cmd_arg_str(a, "Path"))
		return 0;
	if (cmdlet_vhd_file_arg(ctx, a, "Path", &vp))
		return -1;
	volume_format(&vp, where, sizeof(where));
	if (strlen(where) >= sizeof(d->path))
		return cmd_error(ctx, a, "The path '%s' is too long (at most %d characters).", where,
				 VMCFG_DISK_PATH_MAX - 1), -1;
	if (!volume_resolve(d->path, &cur) && cur.vol == vp.vol && !strcmp(cur.path, vp.path))
		return 0;
	if (vhd_free_check(ctx, a, &vp, where, SET_FAILED))
		return -1;
	memcpy(d->path, where, strlen(where) + 1);
	return 0;
}

/* -ToControllerType SCSI, -ToControllerNumber 0, -ToControllerLocation
 * free (or the drive's own). Nonzero after the error. */
static int set_location(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm,
			struct vmcfg_disk *d)
{
	const char *t = cmd_arg_str(a, "ToControllerType");
	int64_t to = cmd_arg_int(a, "ToControllerLocation", -1);

	if (t && strcasecmp(t, "SCSI"))
		return cmd_error(ctx, a, "Cannot validate argument on parameter 'ToControllerType'. Only "
				 "SCSI is supported (IDE disks are not yet)."), -1;
	if (cmd_arg_int(a, "ToControllerNumber", 0) != 0)
		return cmd_error(ctx, a, "The virtual machine has one SCSI controller: "
				 "ToControllerNumber must be 0."), -1;
	if (to == -1 || to == d->controller_location)
		return 0;
	if (to < 0 || to >= VMCFG_DISKS_MAX)
		return cmd_error(ctx, a, "ToControllerLocation must be 0 to %d.", VMCFG_DISKS_MAX - 1), -1;
	if (slot_at(vm, (int)to) >= 0)
		return cmd_error(ctx, a, "%s: SCSI controller 0 location %lld of '%s' is already in use.",
				 SET_FAILED, (long long)to, vm->name), -1;
	d->controller_location = (uint8_t)to;
	return 0;
}

/* Set-VMHardDiskDrive: the drive at -ControllerLocation gets another VHD
 * (-Path) or moves (-ToControllerLocation), while the VM is off (as in
 * Hyper-V, whose running VMs change a SCSI disk by removing and adding). */
static int cmdlet_set_vmharddiskdrive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	struct vmcfg_disk nd, old;
	char why[200];
	int64_t loc;
	int k;

	if (!vm || controller_args(ctx, a, vm))
		return 0;
	loc = cmd_arg_int(a, "ControllerLocation", -1);
	k = loc >= 0 && loc < VMCFG_DISKS_MAX ? slot_at(vm, (int)loc) : -1;
	if (k < 0)
		return cmd_error(ctx, a, "No hard disk drive of '%s' is at SCSI controller 0 location %lld.",
				 vm->name, (long long)loc);
	if (cmdlet_vm_running(vm))
		return cmd_error(ctx, a, "%s: the operation cannot be performed while the virtual machine "
				 "is in its current state ('%s' is running; use Remove- and "
				 "Add-VMHardDiskDrive, or Stop-VM first).", SET_FAILED, vm->name);
	nd = old = vm->disks[k];
	if (set_location(ctx, a, vm, &nd) || set_path(ctx, a, &nd))
		return 0;
	vm->disks[k] = nd;
	if (vmstore_save(vm, why, sizeof(why))) {
		vm->disks[k] = old;
		return cmd_error(ctx, a, "%s; nothing was changed.", why);
	}
	return 0;
}

static int cmdlet_get_vmharddiskdrive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	int rc = 0;

	if (!vm)
		return 0;
	/* Hyper-V lists by controller, then location. */
	for (int loc = 0; loc < VMCFG_DISKS_MAX && !rc; loc++) {
		int k = slot_at(vm, loc);

		if (k >= 0)
			rc = disk_emit(ctx, vm, &vm->disks[k]);
	}
	return rc;
}

static int cmdlet_remove_vmharddiskdrive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	struct vmcfg_disk gone;
	char why[200];
	int64_t loc;
	int k, rc;

	if (!vm || controller_args(ctx, a, vm))
		return 0;
	loc = cmd_arg_int(a, "ControllerLocation", -1);
	k = loc >= 0 && loc < VMCFG_DISKS_MAX ? slot_at(vm, (int)loc) : -1;
	if (k < 0)
		return cmd_error(ctx, a, "No hard disk drive of '%s' is at SCSI controller 0 location %lld.",
				 vm->name, (long long)loc);
	gone = vm->disks[k];
	memmove(&vm->disks[k], &vm->disks[k + 1], (size_t)(vm->ndisks - k - 1) * sizeof(gone));
	vm->ndisks--;
	if (vmstore_save(vm, why, sizeof(why))) {
		memmove(&vm->disks[k + 1], &vm->disks[k], (size_t)(vm->ndisks - k) * sizeof(gone));
		vm->disks[k] = gone;
		vm->ndisks++;
		return cmd_error(ctx, a, "%s; nothing was changed.", why);
	}
	/* Running: hot remove (the configuration no longer has it, so a
	 * guest reboot will not bring it back either). */
	rc = cmdlet_vm_running(vm) ? vsp_stor_hot_remove((uint64_t)vm->hv_id, (unsigned)loc) : 0;
	if (rc < 0 && rc != -ENOENT)
		return cmd_error(ctx, a, "The disk was removed, but flushing '%s' failed; check it with "
				 "Test-VHD.", gone.path);
	return 0;
}

static const struct cmd_param p_add[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Name of the virtual machine." },
	{ "ControllerType", CMD_P_STRING, CMD_F_REQUIRED, -1, "SCSI (the synthetic SCSI controller)." },
	{ "ControllerNumber", CMD_P_INT, 0, -1, "0 (the VM's one SCSI controller)." },
	{ "ControllerLocation", CMD_P_INT, 0, -1, "0-63, the LUN the guest sees (default: the first free)." },
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 1, "The .vhd file (fixed or dynamic) on C:." },
};
static const struct cmd_param p_set[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Name of the virtual machine." },
	{ "ControllerType", CMD_P_STRING, CMD_F_REQUIRED, -1, "SCSI." },
	{ "ControllerNumber", CMD_P_INT, 0, -1, "0." },
	{ "ControllerLocation", CMD_P_INT, CMD_F_REQUIRED, -1, "The drive's location (Get-VMHardDiskDrive shows it)." },
	{ "Path", CMD_P_STRING, 0, -1, "Another .vhd file on C: for the drive." },
	{ "ToControllerType", CMD_P_STRING, 0, -1, "SCSI." },
	{ "ToControllerNumber", CMD_P_INT, 0, -1, "0." },
	{ "ToControllerLocation", CMD_P_INT, 0, -1, "0-63: move the drive there (a free location)." },
};
static const struct cmd_param p_get[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Name of the virtual machine." },
};
static const struct cmd_param p_remove[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Name of the virtual machine." },
	{ "ControllerType", CMD_P_STRING, CMD_F_REQUIRED, -1, "SCSI." },
	{ "ControllerNumber", CMD_P_INT, CMD_F_REQUIRED, -1, "0." },
	{ "ControllerLocation", CMD_P_INT, CMD_F_REQUIRED, -1, "The disk's location (Get-VMHardDiskDrive shows it)." },
};

const struct cmd_def cmdlets_vmdisk[] = {
	{ "Add-VMHardDiskDrive", "Adds a hard disk drive (a VHD) to a virtual machine.",
	  "Attaches a VHD file (fixed or dynamic, on C:) to the VM's synthetic SCSI controller at -ControllerLocation (the LUN; default the first free). On a running VM the disk is hot added: the guest is told to rescan its bus and sees the new LUN (a VM that started without disks has no SCSI controller to add to). Refused: a missing file, one that is not a VHD, a VHD mounted with Mount-VHD or attached to a VM, a location in use. The guest sees it through its storage VSC (Linux hv_storvsc); the list is kept in the VM's configuration.",
	  p_add, 5, cmdlet_add_vmharddiskdrive, NULL },
	{ "Get-VMHardDiskDrive", "Lists a virtual machine's hard disk drives.",
	  "Lists the VM's hard disk drives: controller type, number and location, and the VHD's path (DiskNumber is for pass-through disks, empty for a VHD).",
	  p_get, 1, cmdlet_get_vmharddiskdrive, NULL },
	{ "Set-VMHardDiskDrive", "Changes a virtual machine's hard disk drive.",
	  "Gives the drive at SCSI controller 0 location -ControllerLocation another VHD (-Path, checked as Add-VMHardDiskDrive checks it) or moves it to a free -ToControllerLocation, while the VM is off; the configuration keeps the change.",
	  p_set, 8, cmdlet_set_vmharddiskdrive, NULL },
	{ "Remove-VMHardDiskDrive", "Removes a hard disk drive from a virtual machine.",
	  "Detaches the disk at the given SCSI controller location. On a running VM it is hot removed: the guest is told to rescan and drops the LUN (requests to it fail), and the VHD is flushed and closed. The VHD file stays.",
	  p_remove, 4, cmdlet_remove_vmharddiskdrive, NULL },
};
const int cmdlets_vmdisk_count = sizeof(cmdlets_vmdisk) / sizeof(cmdlets_vmdisk[0]);
