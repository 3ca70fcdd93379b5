/*
 * The DVD drive cmdlets: Add-VMDvdDrive, Get-VMDvdDrive, Set-VMDvdDrive,
 * Remove-VMDvdDrive, with Hyper-V's names and parameters. A DVD drive
 * is an ATAPI CD-ROM at a place of a generation 1 VM's two IDE
 * controllers (partition/devices/ide_atapi.c), with an ISO file on a
 * drive (C:) or no medium; the list is kept in the VM's configuration
 * ([DvdDrive] sections, docs/vm-config.md). Drives are added and
 * removed while the VM is off; the medium changes at any time, as in
 * Hyper-V: a running guest sees the change as a new medium (UNIT
 * ATTENTION) or an empty tray. An ISO is only read, so one file may be
 * in any number of drives and VMs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/cmdlets/cmdlets.h"
#include "partition/console/cmd.h"
#include "partition/vm.h"
#include "partition/vm_ide.h"
#include "partition/vmstore.h"
#include "partition/volume/volume.h"

static const struct cmd_column dvd_cols[] = {
	{ "VMName", NULL, 0 }, { "ControllerType", NULL, 0 }, { "ControllerNumber", NULL, 0 },
	{ "ControllerLocation", NULL, 0 }, { "DvdMediaType", NULL, 0 }, { "Path", NULL, 0 },
};
static const struct cmd_type dvd_type = { "DvdDrive", false, dvd_cols, 6, NULL, NULL, NULL };

#define ADD_FAILED    "Failed to add device 'DVD Drive'"
#define SET_FAILED    "Failed to modify device 'DVD Drive'"
#define REMOVE_FAILED "Failed to remove device 'DVD Drive'"

int cmdlet_dvd_at(const struct vm *vm, unsigned num, unsigned loc)
{
	for (int k = 0; k < vm->ndvds; k++)
		if (vm->dvds[k].controller_number == num && vm->dvds[k].controller_location == loc)
			return k;
	return -1;
}

static bool ide_disk_at(const struct vm *vm, unsigned num, unsigned loc)
{
	for (int k = 0; k < vm->ndisks; k++)
		if (vm->disks[k].controller_type == VMCFG_CTRL_IDE &&
		    vm->disks[k].controller_number == num && vm->disks[k].controller_location == loc)
			return true;
	return false;
}

/* IDE drives come and go only while the VM is off (Hyper-V's IDE
 * controller has no hot plug). Nonzero after the error. */
static int off_check(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm,
		     const char *what)
{
	if (cmdlet_vm_running(vm))
		return cmd_error(ctx, a, "%s: the operation cannot be performed while the virtual machine "
				 "is in its current state ('%s' is running; IDE drives change only while "
				 "it is off).", what, vm->name), -1;
	return 0;
}

/* -ControllerNumber and -ControllerLocation (each 0 or 1, -1 when not
 * given). Nonzero after the error. */
static int place_args(struct cmd_ctx *ctx, const struct cmd_args *a, int *num, int *loc)
{
	*num = (int)cmd_arg_int(a, "ControllerNumber", -1);
	*loc = (int)cmd_arg_int(a, "ControllerLocation", -1);
	if (*num < -1 || *num > 1)
		return cmd_error(ctx, a, "The virtual machine has IDE controllers 0 and 1: "
				 "ControllerNumber must be 0 or 1."), -1;
	if (*loc < -1 || *loc > 1)
		return cmd_error(ctx, a, "ControllerLocation must be 0 or 1."), -1;
	return 0;
}

/* A new drive's place: the one given, or the first free (Hyper-V's
 * default). Nonzero after the error. */
static int free_place(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm,
		      struct vmcfg_dvd *d)
{
	int num, loc;

	if (place_args(ctx, a, &num, &loc))
		return -1;
	for (int n = num < 0 ? 0 : num; n <= (num < 0 ? 1 : num); n++)
		for (int l = loc < 0 ? 0 : loc; l <= (loc < 0 ? 1 : loc); l++) {
			if (ide_disk_at(vm, (unsigned)n, (unsigned)l) ||
			    cmdlet_dvd_at(vm, (unsigned)n, (unsigned)l) >= 0)
				continue;
			d->controller_number = (uint8_t)n;
			d->controller_location = (uint8_t)l;
			return 0;
		}
	if (num < 0 || loc < 0)
		return cmd_error(ctx, a, "%s: the IDE controller%s of '%s' %s no free location.",
				 ADD_FAILED, num < 0 ? "s" : " " , vm->name, num < 0 ? "have" : "has"), -1;
	return cmd_error(ctx, a, "%s: IDE controller %d location %d of '%s' is already in use "
			 "(by a %s drive).", ADD_FAILED, num, loc, vm->name,
			 ide_disk_at(vm, (unsigned)num, (unsigned)loc) ? "hard disk" : "DVD"), -1;
}

/* -Path: none ("" or $null), or an ISO this parent can open; into out
 * as the configuration keeps it. Nonzero after the error. */
static int iso_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const char *what,
		   char out[VMCFG_DISK_PATH_MAX])
{
	const char *p = cmd_arg_str(a, "Path");
	char where[VOL_PATH_MAX + 4], why[VOL_PATH_MAX + 96];
	struct vol_path vp;
	struct vm *owner;

	out[0] = 0;
	if (!p || !p[0] || !strcasecmp(p, "$null"))
		return 0;
	if (cmdlet_path_arg(ctx, a, p, &vp))
		return -1;
	volume_format(&vp, where, sizeof(where));
	if (strlen(where) >= VMCFG_DISK_PATH_MAX)
		return cmd_error(ctx, a, "The path '%s' is too long (at most %d characters).", where,
				 VMCFG_DISK_PATH_MAX - 1), -1;
	owner = cmdlet_vhd_owner(&vp);
	if (owner)
		return cmd_error(ctx, a, "%s: '%s' is a hard disk drive of virtual machine '%s'.", what,
				 where, owner->name), -1;
	if (vm_ide_iso_check(where, why, sizeof(why)))
		return cmd_error(ctx, a, "%s: %s", what, why), -1;
	memcpy(out, where, strlen(where) + 1);
	return 0;
}

static int cmdlet_add_vmdvddrive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	struct vmcfg_dvd d;
	char why[200];

	memset(&d, 0, sizeof(d));
	if (!vm || off_check(ctx, a, vm, ADD_FAILED) || free_place(ctx, a, vm, &d) ||
	    iso_arg(ctx, a, ADD_FAILED, d.path))
		return 0;
	if (vm->ndvds >= VMCFG_IDE_DRIVES)
		return cmd_error(ctx, a, "%s: '%s' has no room for another drive.", ADD_FAILED, vm->name);
	vm->dvds[vm->ndvds++] = d;
	if (vmstore_save(vm, why, sizeof(why))) {
		vm->ndvds--;
		return cmd_error(ctx, a, "%s; nothing was changed.", why);
	}
	return 0;
}

static int dvd_emit(struct cmd_ctx *ctx, const struct vm *vm, const struct vmcfg_dvd *d)
{
	const struct cmd_prop p[] = {
		CMD_PROP_STR("VMName", vm->name),
		CMD_PROP_STR("ControllerType", "IDE"),
		CMD_PROP_INT("ControllerNumber", d->controller_number),
		CMD_PROP_INT("ControllerLocation", d->controller_location),
		CMD_PROP_STR("DvdMediaType", d->path[0] ? "ISO" : "None"),
		d->path[0] ? (struct cmd_prop)CMD_PROP_STR("Path", d->path)
			   : (struct cmd_prop)CMD_PROP_NULL("Path"),
	};

	return cmd_emit(ctx, &dvd_type, p, 6);
}

/* A VM's drives by controller, then location, as Hyper-V lists them. */
static int emit_vm(struct cmd_ctx *ctx, const struct vm *vm)
{
	int rc = 0;

	for (unsigned n = 0; n < 2 && !rc; n++)
		for (unsigned l = 0; l < 2 && !rc; l++) {
			int k = cmdlet_dvd_at(vm, n, l);

			if (k >= 0)
				rc = dvd_emit(ctx, vm, &vm->dvds[k]);
		}
	return rc;
}

static int cmdlet_get_vmdvddrive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm;
	int rc = 0;

	if (cmd_arg_str(a, "VMName")) {
		vm = cmdlet_vm_named(ctx, a);
		return vm ? emit_vm(ctx, vm) : 0;
	}
	for (int i = 0; i < VM_MAX && !rc; i++)
		if ((vm = vm_at(i)) != NULL)
			rc = emit_vm(ctx, vm);
	return rc;
}

/* The drive -ControllerNumber/-ControllerLocation name; either may be
 * left out when that leaves one drive. Its index, or -1 after the error. */
static int drive_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm)
{
	int num, loc, found = -1, matches = 0;

	if (place_args(ctx, a, &num, &loc))
		return -1;
	for (int k = 0; k < vm->ndvds; k++)
		if ((num < 0 || vm->dvds[k].controller_number == num) &&
		    (loc < 0 || vm->dvds[k].controller_location == loc)) {
			found = k;
			matches++;
		}
	if (matches == 1)
		return found;
	if (matches == 0 && num >= 0 && loc >= 0)
		cmd_error(ctx, a, "No DVD drive of '%s' is at IDE controller %d location %d.", vm->name,
			  num, loc);
	else if (matches == 0)
		cmd_error(ctx, a, "'%s' has no DVD drive there.", vm->name);
	else
		cmd_error(ctx, a, "'%s' has %d DVD drives: give -ControllerNumber and "
			  "-ControllerLocation.", vm->name, matches);
	return -1;
}

/* Set-VMDvdDrive -Path: another medium, or none; on a running VM the
 * drive gets it at once (the guest sees a medium change). */
static int cmdlet_set_vmdvddrive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	struct vmcfg_dvd *d, old;
	bool running;
	char why[200];
	int k;

	if (!vm || (k = drive_arg(ctx, a, vm)) < 0)
		return 0;
	d = &vm->dvds[k];
	old = *d;
	if (iso_arg(ctx, a, SET_FAILED, d->path))
		return 0;
	running = cmdlet_vm_running(vm) && vm->ide;
	if (running && vm_ide_set_medium(vm, d->controller_number, d->controller_location, d->path,
					 why, sizeof(why))) {
		*d = old;
		return cmd_error(ctx, a, "%s: %s", SET_FAILED, why);
	}
	if (vmstore_save(vm, why, sizeof(why))) {
		*d = old;
		if (running)
			(void)vm_ide_set_medium(vm, d->controller_number, d->controller_location,
						d->path, why, sizeof(why));
		return cmd_error(ctx, a, "%s; nothing was changed.", why);
	}
	return 0;
}

static int cmdlet_remove_vmdvddrive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	struct vmcfg_dvd gone;
	char why[200];
	int k;

	if (!vm || (k = drive_arg(ctx, a, vm)) < 0 || off_check(ctx, a, vm, REMOVE_FAILED))
		return 0;
	gone = vm->dvds[k];
	memmove(&vm->dvds[k], &vm->dvds[k + 1], (size_t)(vm->ndvds - k - 1) * sizeof(gone));
	vm->ndvds--;
	if (vmstore_save(vm, why, sizeof(why))) {
		memmove(&vm->dvds[k + 1], &vm->dvds[k], (size_t)(vm->ndvds - k) * sizeof(gone));
		vm->dvds[k] = gone;
		vm->ndvds++;
		return cmd_error(ctx, a, "%s; nothing was changed.", why);
	}
	return 0;
}

static const struct cmd_param p_add[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "ControllerNumber", CMD_P_INT, 0, 1, "IDE controller 0 or 1 (default: the first with a free location).", NULL },
	{ "ControllerLocation", CMD_P_INT, 0, 2, "0 (master) or 1 (slave) (default: the first free).", NULL },
	{ "Path", CMD_P_STRING, 0, 3, "The .iso file on C: (default: no medium).", NULL },
};
static const struct cmd_param p_get[] = {
	{ "VMName", CMD_P_STRING, CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine (default: every VM).", NULL },
};
static const struct cmd_param p_set[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "ControllerNumber", CMD_P_INT, 0, 1, "The drive's IDE controller, 0 or 1 (may be left out when that leaves one drive).", NULL },
	{ "ControllerLocation", CMD_P_INT, 0, 2, "The drive's location, 0 or 1 (likewise).", NULL },
	{ "Path", CMD_P_STRING, 0, 3, "The .iso file on C:, or $null to eject the medium.", NULL },
};
static const struct cmd_param p_remove[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "ControllerNumber", CMD_P_INT, 0, 1, "The drive's IDE controller, 0 or 1.", NULL },
	{ "ControllerLocation", CMD_P_INT, 0, 2, "The drive's location, 0 or 1.", NULL },
};

const struct cmd_def cmdlets_vmdvd[] = {
	{ "Add-VMDvdDrive", "Adds a DVD drive to a virtual machine.",
	  "Adds a DVD drive (an ATAPI CD-ROM the guest finds at the PIIX4 IDE controller) at -ControllerNumber and -ControllerLocation of the VM's IDE controllers, or the first free location, with the ISO image -Path (on C:, read only; one ISO may be in several drives and VMs) or no medium. Only while the VM is off; a location with a hard disk drive is refused. The configuration keeps it.",
	  p_add, 4, cmdlet_add_vmdvddrive, NULL },
	{ "Get-VMDvdDrive", "Lists the DVD drives of virtual machines.",
	  "Lists the DVD drives of the VM (or of every VM): controller, location, DvdMediaType (ISO or None) and the ISO's path.",
	  p_get, 1, cmdlet_get_vmdvddrive, NULL },
	{ "Set-VMDvdDrive", "Changes the medium of a DVD drive.",
	  "Puts another ISO image (-Path) in the DVD drive at -ControllerNumber and -ControllerLocation, or ejects the medium (-Path $null). Works while the VM runs: the guest sees a medium change (UNIT ATTENTION) or an empty drive.",
	  p_set, 4, cmdlet_set_vmdvddrive, NULL },
	{ "Remove-VMDvdDrive", "Removes a DVD drive from a virtual machine.",
	  "Removes the DVD drive at -ControllerNumber and -ControllerLocation while the VM is off. The ISO file stays.",
	  p_remove, 3, cmdlet_remove_vmdvddrive, NULL },
};
const int cmdlets_vmdvd_count = sizeof(cmdlets_vmdvd) / sizeof(cmdlets_vmdvd[0]);
