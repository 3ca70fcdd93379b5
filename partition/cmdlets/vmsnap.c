/*
 * Snapshots' cmdlets (partition/vm_snap.c does the work), with the names
 * and parameters of Hyper-V's PowerShell module: Checkpoint-VM,
 * Get-VMSnapshot, Restore-VMSnapshot, Remove-VMSnapshot. Windows Server
 * 2008 R2 calls these snapshots; its AVHDs and merge rules are the model
 * (docs/vm-config.md, "Snapshots").
 */
#include <stdio.h>
#include <string.h>
#include "partition/cmdlets/cmdlets.h"
#include "partition/time/civil.h"
#include "partition/time/datefmt.h"
#include "partition/vm.h"
#include "partition/vm_snap.h"

static const struct cmd_column snap_cols[] = {
	{ "VMName", NULL, 0 }, { "Name", NULL, 0 }, { "SnapshotType", NULL, 0 },
	{ "CreationTime", NULL, 0 }, { "ParentSnapshotName", NULL, 0 },
};
static const struct cmd_type snap_type = { "VMSnapshot", false, snap_cols, 5, NULL, NULL, NULL };

static int cmdlet_checkpoint_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = vm_find(cmd_arg_str(a, "Name"));
	char why[512];

	if (!vm)
		return cmd_error(ctx, a, "Hyper-V was unable to find a virtual machine with name \"%s\".",
				 cmd_arg_str(a, "Name"));
	if (vm_snap_checkpoint(vm, cmd_arg_str(a, "SnapshotName"), why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

static int snap_emit(struct cmd_ctx *ctx, const struct vm *vm, const struct vmcfg_snaps *t, int i)
{
	const struct vmcfg_snap *sn = &t->s[i];
	char when[40], id[37], pid[37] = "";
	struct civil_time ct;
	struct cmd_prop p[] = {
		CMD_PROP_STR("VMName", vm->name),
		CMD_PROP_STR("Name", sn->name),
		CMD_PROP_STR("SnapshotType", "Standard"),
		CMD_PROP_STR("CreationTime", when),
		CMD_PROP_STR("ParentSnapshotName", sn->parent >= 0 ? t->s[sn->parent].name : ""),
		CMD_PROP_STR("Id", id),
		CMD_PROP_STR("ParentSnapshotId", pid),
		CMD_PROP_BOOL("IsCurrent", t->current == i),
		CMD_PROP_STR("State", sn->saved ? "Saved" : "Off"),   /* Saved: it holds memory */
	};

	civil_from_epoch(sn->created, 0, &ct);
	if (datefmt_dotnet(when, sizeof(when), &ct, "G") < 0)
		when[0] = '\0';
	vmcfg_guid_format(sn->id, id);
	if (sn->parent >= 0)
		vmcfg_guid_format(t->s[sn->parent].id, pid);
	return cmd_emit(ctx, &snap_type, p, 9);
}

static int cmdlet_get_vmsnapshot(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static struct vmcfg_snaps t;
	struct vm *vm = cmdlet_vm_named(ctx, a);
	const char *name = cmd_arg_str(a, "Name");
	struct vmcfg_error err;
	int rc = 0;

	if (!vm)
		return 0;
	if (vmcfg_get_snaps(&vm->cfg, &t, &err))
		return cmd_error(ctx, a, "The snapshots of '%s' cannot be read: line %d: %s", vm->name,
				 err.line, err.msg);
	for (int i = 0; i < t.n && rc >= 0; i++)
		if (!name || cmd_match_glob(name, t.s[i].name))
			rc = snap_emit(ctx, vm, &t, i);
	return rc;
}

static int cmdlet_restore_vmsnapshot(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	char why[512];

	if (!vm)
		return 0;
	if (vm_snap_restore(vm, cmd_arg_str(a, "Name"), why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

static int cmdlet_rename_vmsnapshot(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	char why[512];

	if (!vm)
		return 0;
	if (vm_snap_rename(vm, cmd_arg_str(a, "Name"), cmd_arg_str(a, "NewName"), why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

static int cmdlet_remove_vmsnapshot(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	struct vm_snap_merged m;
	char why[512];

	if (!vm)
		return 0;
	if (vm_snap_remove(vm, cmd_arg_str(a, "Name"), cmd_arg_present(a, "IncludeAllChildSnapshots"), &m, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	if (m.live)
		cmd_printf(ctx, "'%s' is running: merging %d differencing disk%s into %s parent%s while it runs (Get-VM shows the progress).\n",
			   vm->name, m.live, m.live == 1 ? "" : "s", m.live == 1 ? "its" : "their", m.live == 1 ? "" : "s");
	if (m.waiting)
		cmd_printf(ctx, "'%s' is running: %d differencing disk%s will be merged when it is off (Stop-VM, its next start, or the host's next boot).\n",
			   vm->name, m.waiting, m.waiting == 1 ? "" : "s");
	if (m.merged)
		cmd_printf(ctx, "Merged %d differencing disk%s into %s parent%s.\n", m.merged,
			   m.merged == 1 ? "" : "s", m.merged == 1 ? "its" : "their", m.merged == 1 ? "" : "s");
	return 0;
}

static const struct cmd_param p_checkpoint[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", CMD_ALIASES("VMName") },
	{ "SnapshotName", CMD_P_STRING, 0, 1,
	  "The snapshot's name (default: \"NAME - (date - time)\", as Hyper-V).", CMD_ALIASES("CheckpointName") },
};
static const struct cmd_param p_get[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "Name", CMD_P_STRING, 0, 1, "Only the snapshots with this name (wildcards allowed).", NULL },
};
static const struct cmd_param p_one[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 1, "Name of the snapshot.", NULL },
};
static const struct cmd_param p_remove[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 1, "Name of the snapshot.", NULL },
	{ "IncludeAllChildSnapshots", CMD_P_SWITCH, 0, -1, "Also every snapshot below it.", CMD_ALIASES("IncludeAllChildCheckpoints") },
};
static const struct cmd_param p_rename[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 1, "Name of the snapshot.", NULL },
	{ "NewName", CMD_P_STRING, CMD_F_REQUIRED, 2, "Its new name.", NULL },
};

const struct cmd_def cmdlets_vmsnap[] = {
	{ "Checkpoint-VM", "Takes a snapshot of a virtual machine.",
	  "Takes a snapshot of a VM that is off: each of its virtual hard disks is frozen and the VM goes on in a new differencing disk (C:\\Hyper-V\\NAME\\Snapshots\\DISK_GUID.avhd) whose parent it is, and its settings are kept (Snapshots\\ID.txt). The snapshot tree is in config.txt and lasts over host restarts (docs/vm-config.md, \"Snapshots\"). A running VM is paused and saved as Save-VM saves it (and refused where Save-VM refuses), the saved state goes with the snapshot (Snapshots\\ID\\), and the VM resumes; a Saved VM's state goes with the snapshot too.",
	  p_checkpoint, 2, cmdlet_checkpoint_vm, NULL },
	{ "Get-VMSnapshot", "Lists a virtual machine's snapshots.",
	  "Lists the VM's snapshots in the order they were taken, with their type, creation time and parent; Format-List also shows Id, ParentSnapshotId, IsCurrent (the snapshot the VM now runs on) and State.",
	  p_get, 2, cmdlet_get_vmsnapshot, NULL },
	{ "Restore-VMSnapshot", "Applies a snapshot to a virtual machine.",
	  "Takes the VM (off or saved; a saved state is discarded, as in Hyper-V) back to the snapshot: its settings, and its disks as they were, in new differencing disks on the frozen ones; the changes made since are discarded. A snapshot taken while the VM ran leaves it Saved with the snapshot's memory and devices: Start-VM resumes it there.",
	  p_one, 2, cmdlet_restore_vmsnapshot, NULL },
	{ "Rename-VMSnapshot", "Renames a virtual machine's snapshot.",
	  "Gives the snapshot (the one of that name) a new name, kept in config.txt.",
	  p_rename, 3, cmdlet_rename_vmsnapshot, NULL },
	{ "Remove-VMSnapshot", "Deletes a virtual machine's snapshot.",
	  "Deletes the snapshot (each one of that name; with -IncludeAllChildSnapshots, each with every snapshot below it, the lowest first). When the VM runs on that snapshot and nothing else depends on it, its differencing disks are merged into their parents: at once when the VM is off, as Windows Server 2008 R2 merges; while a running VM goes on running (a live merge: each disk moves onto a new differencing disk and the old one is merged from under it; Get-VM's Status shows \"Merging (37 %)\", and the new disk is merged into its parent when the VM is off); otherwise the files stay in the chain. A merge cut short by a stop or a crash is finished when the VM is off and at the next boot.",
	  p_remove, 3, cmdlet_remove_vmsnapshot, NULL },
};
const int cmdlets_vmsnap_count = sizeof(cmdlets_vmsnap) / sizeof(cmdlets_vmsnap[0]);
