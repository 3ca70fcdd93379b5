/*
 * The hard-disk cmdlets: Add-VMHardDiskDrive, Get-VMHardDiskDrive,
 * Set-VMHardDiskDrive (while off), Remove-VMHardDiskDrive, with
 * Hyper-V's names and parameters. A disk is a VHD file on an ext2 drive
 * (C:) at a location of the VM's synthetic SCSI controller 0
 * (ControllerLocation = the LUN the guest sees) or of one of its two
 * emulated IDE controllers (locations 0 and 1, as in a generation 1 VM);
 * the list is kept in the VM's configuration ([HardDrive] sections,
 * docs/vm-config.md), opened at Start-VM by partition/vsp/vsp_stor.c and
 * served over VMBus (SCSI) or by partition/vm_ide.c (IDE). Adding and
 * removing work while the VM is off and, on SCSI, while it runs (hot add
 * and remove, as Hyper-V does them: the LUN appears on or goes from the
 * running controller and the guest is told to rescan,
 * partition/vsp/vsp_stor.h); IDE drives change only while it is off.
 * A pass-through disk (-DiskNumber) is a disk of the parent that is
 * offline there (Set-Disk -IsOffline $true, partition/cmdlets/disk.c);
 * the configuration keeps its number (DiskNumber in [HardDrive]), and
 * while a VM has it, the parent neither brings it online nor mounts it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/cmdlets/cmdlets.h"
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/drivers/disk.h"
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

			if (!vm->disks[k].pass_through && !volume_resolve(vm->disks[k].path, &vp) &&
			    vp.vol == file->vol && !strcmp(vp.path, file->path))
				return vm;
		}
	}
	return NULL;
}

struct vm *cmdlet_disk_owner(int number)
{
	for (int i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_at(i);

		for (int k = 0; vm && k < vm->ndisks; k++)
			if (vm->disks[k].pass_through && vm->disks[k].disk_number == number)
				return vm;
	}
	return NULL;
}

/* A drive's place: controller type, number and location. */
struct place {
	uint8_t type, num, loc;
};

static const char *type_name(uint8_t type)
{
	return type == VMCFG_CTRL_IDE ? "IDE" : "SCSI";
}

/* How many controllers and locations a type has: SCSI controller 0
 * with 64 locations; IDE controllers 0 and 1 with 2 each (generation 1). */
static int num_max(uint8_t type)
{
	return type == VMCFG_CTRL_IDE ? 1 : 0;
}

static int loc_max(uint8_t type)
{
	return type == VMCFG_CTRL_IDE ? 1 : VMCFG_DISKS_MAX - 1;
}

/* -<pfx>ControllerType (SCSI or IDE) into *type; nonzero after the error.
 * IDE drives change only while the VM is off (Hyper-V's IDE controller
 * has no hot plug): on a running VM that is the error. */
static int type_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm,
		    const char *pfx, uint8_t *type)
{
	char key[32];
	const char *t;

	snprintf(key, sizeof(key), "%sControllerType", pfx);
	t = cmd_arg_str(a, key);
	if (!t)
		return 0;              /* only the To- form is optional */
	if (strcasecmp(t, "SCSI") && strcasecmp(t, "IDE"))
		return cmd_error(ctx, a, "Cannot validate argument on parameter '%s'. The argument \"%s\" "
				 "does not belong to the set \"IDE,SCSI\" specified by the ValidateSet "
				 "attribute. Supply an argument that is in the set and then try the command "
				 "again.", key, t), -1;
	*type = strcasecmp(t, "IDE") ? VMCFG_CTRL_SCSI : VMCFG_CTRL_IDE;
	if (*type == VMCFG_CTRL_IDE && cmdlet_vm_running(vm))
		return cmd_error(ctx, a, "Failed to modify device 'Virtual Hard Disk': the operation cannot be "
				 "performed while the virtual machine is in its current state ('%s' is running; "
				 "IDE drives change only while it is off).", vm->name), -1;
	return 0;
}

/* -<pfx>ControllerNumber within the type's controllers (-1: not given). */
static int num_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const char *pfx, uint8_t type,
		   int *num)
{
	char key[32];
	int64_t v;

	snprintf(key, sizeof(key), "%sControllerNumber", pfx);
	v = cmd_arg_int(a, key, -1);
	if (v != -1 && (v < 0 || v > num_max(type)))
		return cmd_error(ctx, a, type == VMCFG_CTRL_IDE ?
				 "The virtual machine has IDE controllers 0 and 1: %s must be 0 or 1." :
				 "The virtual machine has one SCSI controller: %s must be 0.", key), -1;
	*num = (int)v;
	return 0;
}

static int slot_at(const struct vm *vm, struct place p)
{
	for (int k = 0; k < vm->ndisks; k++)
		if (vm->disks[k].controller_type == p.type && vm->disks[k].controller_number == p.num &&
		    vm->disks[k].controller_location == p.loc)
			return k;
	return -1;
}

/* No hard disk there, nor (on IDE) a DVD drive. */
static bool place_free(const struct vm *vm, struct place p)
{
	return slot_at(vm, p) < 0 && (p.type != VMCFG_CTRL_IDE || cmdlet_dvd_at(vm, p.num, p.loc) < 0);
}

/* -ControllerType, -ControllerNumber and -ControllerLocation naming an
 * existing drive (Set- and Remove-VMHardDiskDrive): its index, or -1
 * after the error. */
static int drive_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm)
{
	struct place p = { VMCFG_CTRL_SCSI, 0, 0 };
	int num, k;
	int64_t loc = cmd_arg_int(a, "ControllerLocation", -1);

	if (type_arg(ctx, a, vm, "", &p.type) || num_arg(ctx, a, "", p.type, &num))
		return -1;
	p.num = (uint8_t)(num < 0 ? 0 : num);
	p.loc = (uint8_t)loc;
	k = loc >= 0 && loc <= loc_max(p.type) ? slot_at(vm, p) : -1;
	if (k < 0)
		cmd_error(ctx, a, "No hard disk drive of '%s' is at %s controller %u location %lld.",
			  vm->name, type_name(p.type), p.num, (long long)loc);
	return k;
}

/* -ControllerNumber and -ControllerLocation for a new drive of type
 * p->type, or the first free place (Hyper-V's default); nonzero after the
 * error. */
static int place_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm,
		     struct place *p)
{
	int64_t loc = cmd_arg_int(a, "ControllerLocation", -1);
	int num;

	if (num_arg(ctx, a, "", p->type, &num))
		return -1;
	if (loc != -1 && (loc < 0 || loc > loc_max(p->type)))
		return cmd_error(ctx, a, "ControllerLocation must be 0 to %d.", loc_max(p->type)), -1;
	for (int n = num < 0 ? 0 : num; n <= (num < 0 ? num_max(p->type) : num); n++)
		for (int l = loc < 0 ? 0 : (int)loc; l <= (loc < 0 ? loc_max(p->type) : loc); l++) {
			*p = (struct place){ p->type, (uint8_t)n, (uint8_t)l };
			if (place_free(vm, *p))
				return 0;
		}
	if (loc < 0)
		return cmd_error(ctx, a, "Failed to add device 'Virtual Hard Disk': the %s controller%s "
				 "of '%s' %s no free location.", type_name(p->type),
				 num < 0 && p->type == VMCFG_CTRL_IDE ? "s" : "", vm->name,
				 num < 0 && p->type == VMCFG_CTRL_IDE ? "have" : "has"), -1;
	return cmd_error(ctx, a, "Failed to add device 'Virtual Hard Disk': %s controller %u location "
			 "%lld of '%s' is already in use%s.", type_name(p->type), p->num, (long long)loc,
			 vm->name, slot_at(vm, *p) < 0 ? " (by a DVD drive)" : ""), -1;
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
#define ADD_PHYS_FAILED "Failed to add device 'Physical Disk Drive'"
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

/* -Path as a volume path and its text, which must fit a vmcfg_disk's
 * path; nonzero after the error. */
static int path_arg(struct cmd_ctx *ctx, const struct cmd_args *a, struct vol_path *vp,
		    char *where, size_t len)
{
	if (cmdlet_vhd_file_arg(ctx, a, "Path", vp))
		return -1;
	volume_format(vp, where, len);
	if (strlen(where) >= VMCFG_DISK_PATH_MAX)
		return cmd_error(ctx, a, "The path '%s' is too long (at most %d characters).", where,
				 VMCFG_DISK_PATH_MAX - 1), -1;
	return 0;
}

/* -Path: a VHD file free for d; nonzero after the error. */
static int vhd_arg(struct cmd_ctx *ctx, const struct cmd_args *a, struct vmcfg_disk *d)
{
	struct vol_path vp;
	char where[VOL_PATH_MAX + 4];

	if (path_arg(ctx, a, &vp, where, sizeof(where)))
		return -1;
	if (vhd_free_check(ctx, a, &vp, where, ADD_FAILED))
		return -1;
	memcpy(d->path, where, strlen(where) + 1);
	return 0;
}

/* -DiskNumber: a hard disk of the parent (Get-Disk), offline there and
 * on no VM (Hyper-V passes a disk to one VM, and only one the
 * management OS has taken offline); nonzero after the error. */
static int phys_arg(struct cmd_ctx *ctx, const struct cmd_args *a, int64_t number,
		    struct vmcfg_disk *d)
{
	struct disk *pd = number <= VMCFG_DISK_NUMBER_MAX ? disk_find((int)number) : NULL;
	struct vm *owner = pd ? cmdlet_disk_owner(pd->number) : NULL;

	if (!pd)
		return cmd_error(ctx, a, "%s: No MSFT_Disk objects found with property 'Number' equal "
				 "to '%lld'.", ADD_PHYS_FAILED, (long long)number), -1;
	if (!strcmp(pd->bus, "ATAPI"))
		return cmd_error(ctx, a, "%s: disk %d is a CD/DVD drive, not a hard disk.",
				 ADD_PHYS_FAILED, pd->number), -1;
	if (owner)
		return cmd_error(ctx, a, "%s: disk %d is already attached to virtual machine '%s'.",
				 ADD_PHYS_FAILED, pd->number, owner->name), -1;
	if (!pd->offline)
		return cmd_error(ctx, a, "%s: disk %d is online in the management operating system. "
				 "A pass-through disk must be offline there first: Set-Disk -Number %d "
				 "-IsOffline $true.", ADD_PHYS_FAILED, pd->number, pd->number), -1;
	d->pass_through = 1;
	d->disk_number = (uint16_t)pd->number;
	return 0;
}

static int cmdlet_add_vmharddiskdrive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	struct place p = { VMCFG_CTRL_SCSI, 0, 0 };
	int64_t number = cmd_arg_int(a, "DiskNumber", -1);
	struct vmcfg_disk *d;
	char why[200];

	if (!vm || type_arg(ctx, a, vm, "", &p.type) || place_arg(ctx, a, vm, &p))
		return 0;
	if (!cmd_arg_str(a, "Path") == (number < 0))
		return cmd_error(ctx, a, "Parameter set cannot be resolved using the specified named "
				 "parameters: give -Path (a VHD) or -DiskNumber (a pass-through disk).");
	if (vm->ndisks >= VMCFG_DRIVES_MAX)
		return cmd_error(ctx, a, "%s: '%s' has no room for another drive.", ADD_FAILED, vm->name);
	d = &vm->disks[vm->ndisks];
	memset(d, 0, sizeof(*d));
	if (number >= 0 ? phys_arg(ctx, a, number, d) : vhd_arg(ctx, a, d))
		return 0;
	d->controller_type = p.type;
	d->controller_number = p.num;
	d->controller_location = p.loc;
	return add_commit(ctx, a, vm, why, sizeof(why));
}

/* What Hyper-V shows as a pass-through disk's Path: "Disk 1 1 MB Bus 0
 * Lun 0 Target 1" (an ATA channel is the bus, master or slave the
 * target; an AHCI port the target on bus 0). */
static void phys_path(const struct vmcfg_disk *d, char *buf, size_t n)
{
	const struct disk *pd = disk_find(d->disk_number);
	unsigned bus = 0, target = 0;
	char size[24], role[8] = "";

	if (!pd) {
		snprintf(buf, n, "Disk %u (not found)", d->disk_number);
		return;
	}
	tbl_format_bytes(size, sizeof(size), pd->bd.size);
	if (sscanf(pd->location, "ata%u-%7s", &bus, role) == 2)
		target = !strcmp(role, "slave");
	else if (sscanf(pd->location, "ahci%*u-port%u", &target) != 1)
		target = 0;
	snprintf(buf, n, "Disk %d %s Bus %u Lun 0 Target %u", pd->number, size, bus, target);
}

static int disk_emit(struct cmd_ctx *ctx, const struct vm *vm, const struct vmcfg_disk *d)
{
	char phys[64];
	const struct cmd_prop p[] = {
		CMD_PROP_STR("VMName", vm->name),
		CMD_PROP_STR("ControllerType", type_name(d->controller_type)),
		CMD_PROP_INT("ControllerNumber", d->controller_number),
		CMD_PROP_INT("ControllerLocation", d->controller_location),
		d->pass_through ? (struct cmd_prop)CMD_PROP_INT("DiskNumber", d->disk_number)
				: (struct cmd_prop)CMD_PROP_NULL("DiskNumber"),   /* a VHD */
		CMD_PROP_STR("Path", d->pass_through ? phys : d->path),
	};

	if (d->pass_through)
		phys_path(d, phys, sizeof(phys));
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
	if (path_arg(ctx, a, &vp, where, sizeof(where)))
		return -1;
	if (!d->pass_through && !volume_resolve(d->path, &cur) && cur.vol == vp.vol &&
	    !strcmp(cur.path, vp.path))
		return 0;
	if (vhd_free_check(ctx, a, &vp, where, SET_FAILED))
		return -1;
	memcpy(d->path, where, strlen(where) + 1);
	d->pass_through = 0;      /* a pass-through drive gets a VHD instead */
	d->disk_number = 0;
	return 0;
}

/* -ToControllerType, -ToControllerNumber, -ToControllerLocation: a free
 * place (or the drive's own), each defaulting to the drive's. Nonzero
 * after the error. */
static int set_location(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm,
			struct vmcfg_disk *d)
{
	struct place p = { d->controller_type, d->controller_number, d->controller_location };
	int64_t to = cmd_arg_int(a, "ToControllerLocation", -1);
	int num;

	if (type_arg(ctx, a, vm, "To", &p.type) || num_arg(ctx, a, "To", p.type, &num))
		return -1;
	if (num >= 0)
		p.num = (uint8_t)num;
	if (to != -1 && (to < 0 || to > loc_max(p.type)))
		return cmd_error(ctx, a, "ToControllerLocation must be 0 to %d.", loc_max(p.type)), -1;
	if (to >= 0)
		p.loc = (uint8_t)to;
	if (p.num > num_max(p.type) || p.loc > loc_max(p.type))
		return cmd_error(ctx, a, "%s: %s controller %u location %u does not exist; give "
				 "-ToControllerNumber and -ToControllerLocation.", SET_FAILED,
				 type_name(p.type), p.num, p.loc), -1;
	if (p.type == d->controller_type && p.num == d->controller_number &&
	    p.loc == d->controller_location)
		return 0;
	if (!place_free(vm, p))
		return cmd_error(ctx, a, "%s: %s controller %u location %u of '%s' is already in use.",
				 SET_FAILED, type_name(p.type), p.num, p.loc, vm->name), -1;
	d->controller_type = p.type;
	d->controller_number = p.num;
	d->controller_location = p.loc;
	return 0;
}

/* Set-VMHardDiskDrive: the drive at -ControllerType/-Number/-Location
 * gets another VHD (-Path) or moves (-To...), while the VM is off (as in
 * Hyper-V, whose running VMs change a SCSI disk by removing and adding). */
static int cmdlet_set_vmharddiskdrive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	struct vmcfg_disk nd, old;
	char why[200];
	int k;

	if (!vm || (k = drive_arg(ctx, a, vm)) < 0)
		return 0;
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
	/* Hyper-V lists a generation 1 VM's IDE controllers first, then
	 * SCSI, each by controller, then location. */
	static const uint8_t order[] = { VMCFG_CTRL_IDE, VMCFG_CTRL_SCSI };

	for (unsigned t = 0; t < sizeof(order) && !rc; t++) {
		uint8_t type = order[t];

		for (int num = 0; num <= num_max(type) && !rc; num++)
			for (int loc = 0; loc <= loc_max(type) && !rc; loc++) {
				int k = slot_at(vm, (struct place){ type, (uint8_t)num, (uint8_t)loc });

				if (k >= 0)
					rc = disk_emit(ctx, vm, &vm->disks[k]);
			}
	}
	return rc;
}

static int cmdlet_remove_vmharddiskdrive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	struct vmcfg_disk gone;
	char why[200];
	int k, rc;

	if (!vm || (k = drive_arg(ctx, a, vm)) < 0)
		return 0;
	gone = vm->disks[k];
	memmove(&vm->disks[k], &vm->disks[k + 1], (size_t)(vm->ndisks - k - 1) * sizeof(gone));
	vm->ndisks--;
	if (vmstore_save(vm, why, sizeof(why))) {
		memmove(&vm->disks[k + 1], &vm->disks[k], (size_t)(vm->ndisks - k) * sizeof(gone));
		vm->disks[k] = gone;
		vm->ndisks++;
		return cmd_error(ctx, a, "%s; nothing was changed.", why);
	}
	/* Running (SCSI only: drive_arg refused IDE): hot remove (the
	 * configuration no longer has it, so a guest reboot will not bring
	 * it back either). */
	rc = cmdlet_vm_running(vm) ? vsp_stor_hot_remove((uint64_t)vm->hv_id, gone.controller_location)
				   : 0;
	if (rc < 0 && rc != -ENOENT && gone.pass_through)
		return cmd_error(ctx, a, "The disk was removed, but flushing disk %u failed.",
				 gone.disk_number);
	if (rc < 0 && rc != -ENOENT)
		return cmd_error(ctx, a, "The disk was removed, but flushing '%s' failed; check it with "
				 "Test-VHD.", gone.path);
	return 0;
}

static const struct cmd_param p_add[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "ControllerType", CMD_P_STRING, CMD_F_REQUIRED, -1, "SCSI (the synthetic SCSI controller) or IDE (the emulated IDE controllers).", NULL },
	{ "ControllerNumber", CMD_P_INT, 0, -1, "SCSI: 0 (the VM's one SCSI controller); IDE: 0 or 1 (default: the first with a free location).", NULL },
	{ "ControllerLocation", CMD_P_INT, 0, -1, "SCSI: 0-63, the LUN the guest sees; IDE: 0 (master) or 1 (slave) (default: the first free).", NULL },
	{ "Path", CMD_P_STRING, 0, 1, "The .vhd file (fixed, dynamic or differencing) on C:.", NULL },
	{ "DiskNumber", CMD_P_INT, 0, -1, "Instead of -Path: a pass-through disk, the parent's disk with this Number (Get-Disk), taken offline there first (Set-Disk -IsOffline $true).", CMD_ALIASES("Number") },
};
static const struct cmd_param p_set[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "ControllerType", CMD_P_STRING, CMD_F_REQUIRED, -1, "SCSI or IDE.", NULL },
	{ "ControllerNumber", CMD_P_INT, 0, -1, "SCSI: 0; IDE: 0 or 1 (default 0).", NULL },
	{ "ControllerLocation", CMD_P_INT, CMD_F_REQUIRED, -1, "The drive's location (Get-VMHardDiskDrive shows it).", NULL },
	{ "Path", CMD_P_STRING, 0, -1, "Another .vhd file on C: for the drive.", NULL },
	{ "ToControllerType", CMD_P_STRING, 0, -1, "SCSI or IDE (default: the drive's).", NULL },
	{ "ToControllerNumber", CMD_P_INT, 0, -1, "SCSI: 0; IDE: 0 or 1 (default: the drive's).", NULL },
	{ "ToControllerLocation", CMD_P_INT, 0, -1, "SCSI: 0-63; IDE: 0 or 1: move the drive there (a free location).", NULL },
};
static const struct cmd_param p_get[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
};
static const struct cmd_param p_remove[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "ControllerType", CMD_P_STRING, CMD_F_REQUIRED, -1, "SCSI or IDE.", NULL },
	{ "ControllerNumber", CMD_P_INT, CMD_F_REQUIRED, -1, "SCSI: 0; IDE: 0 or 1.", NULL },
	{ "ControllerLocation", CMD_P_INT, CMD_F_REQUIRED, -1, "The disk's location (Get-VMHardDiskDrive shows it).", NULL },
};

const struct cmd_def cmdlets_vmdisk[] = {
	{ "Add-VMHardDiskDrive", "Adds a hard disk drive (a VHD) to a virtual machine.",
	  "Attaches a VHD file (on C:) to the VM's synthetic SCSI controller at -ControllerLocation (the LUN; default the first free), or to one of its two emulated IDE controllers (-ControllerType IDE, -ControllerNumber 0 or 1, -ControllerLocation 0 or 1, as in a generation 1 VM). On a running VM a SCSI disk is hot added: the guest is told to rescan its bus and sees the new LUN (a VM that started without SCSI disks has no SCSI controller to add to); IDE drives change only while the VM is off. Refused: a missing file, one that is not a VHD, a VHD mounted with Mount-VHD or attached to a VM (on IDE or SCSI), a location in use. -DiskNumber D instead of -Path passes the parent's disk D through (a pass-through disk): it must be offline in the parent (Set-Disk -Number D -IsOffline $true) and on no other VM; while a VM has it, the parent keeps it offline and never mounts it. The guest sees a SCSI disk through its storage VSC (Linux hv_storvsc), an IDE disk at the PIIX4 IDE controller's legacy ports (Linux ata_piix); the list is kept in the VM's configuration.",
	  p_add, 6, cmdlet_add_vmharddiskdrive, NULL },
	{ "Get-VMHardDiskDrive", "Lists a virtual machine's hard disk drives.",
	  "Lists the VM's hard disk drives, IDE controllers first, then SCSI: controller type, number and location, and the VHD's path, or for a pass-through disk its DiskNumber and a Path of the form \"Disk 1 1 MB Bus 0 Lun 0 Target 1\".",
	  p_get, 1, cmdlet_get_vmharddiskdrive, NULL },
	{ "Set-VMHardDiskDrive", "Changes a virtual machine's hard disk drive.",
	  "Gives the drive at -ControllerType, -ControllerNumber and -ControllerLocation another VHD (-Path, checked as Add-VMHardDiskDrive checks it) or moves it to a free place (-ToControllerType, -ToControllerNumber, -ToControllerLocation), while the VM is off; the configuration keeps the change.",
	  p_set, 8, cmdlet_set_vmharddiskdrive, NULL },
	{ "Remove-VMHardDiskDrive", "Removes a hard disk drive from a virtual machine.",
	  "Detaches the disk at the given controller location. On a running VM a SCSI disk is hot removed: the guest is told to rescan and drops the LUN (requests to it fail), and the VHD is flushed and closed; IDE drives are removed only while the VM is off. The VHD file stays.",
	  p_remove, 4, cmdlet_remove_vmharddiskdrive, NULL },
};
const int cmdlets_vmdisk_count = sizeof(cmdlets_vmdisk) / sizeof(cmdlets_vmdisk[0]);
