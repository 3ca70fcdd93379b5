/*
 * Saved states' cmdlets (partition/vm_save.c does the work): Save-VM
 * and Remove-VMSavedState, as Hyper-V names them. Start-VM resumes a
 * Saved VM (vm.c); Get-VM shows the state.
 */
#include <stdio.h>
#include <string.h>
#include "partition/cmdlets/cmdlets.h"
#include "partition/vm.h"

static int save_one(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm)
{
	char why[512];

	if (vm_save(vm, "saved (Save-VM)", why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

/* -Name, or each VM a pattern (web*) matches. */
static int cmdlet_save_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg_str(a, "Name");
	struct vm *vm;
	int rc = 0;

	if (name && strpbrk(name, "*?")) {
		for (int i = 0; i < VM_MAX && rc >= 0; i++)
			if ((vm = vm_at(i)) != NULL && cmd_match_glob(name, vm->name) &&
			    cmdlet_vm_running(vm))
				rc = save_one(ctx, a, vm);
		return rc;
	}
	vm = name ? vm_find(name) : NULL;
	if (!vm)
		return cmd_error(ctx, a, "Hyper-V was unable to find a virtual machine with name \"%s\".",
				 name ? name : "");
	return save_one(ctx, a, vm);
}

static int cmdlet_remove_vmsavedstate(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	char why[512];

	if (!vm)
		return 0;
	if (!vm->saved)
		return cmd_error(ctx, a, "'%s' has no saved state: it is %s.", vm->name,
				 cmdlet_vm_running(vm) ? "running" : "off");
	if (vm_discard_saved(vm, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

static const struct cmd_param p_save[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0,
	  "Name of the virtual machine, or a pattern (web*) for each running VM that matches.", CMD_ALIASES("VMName") },
};
static const struct cmd_param p_discard[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
};

const struct cmd_def cmdlets_vmsave[] = {
	{ "Save-VM", "Saves a virtual machine's state and stops it.",
	  "Suspends the running VM, writes its processor state, the state of its emulated devices (COM1, the interrupt controllers, CMOS, PCI, IDE) and its memory to its folder on C: (Virtual Machines\\VMID\\VMID.vsv and .bin; docs/vm-config.md), and stops it: Get-VM shows it Saved, also after the host restarts, and Start-VM resumes it where it was. The VMBus is saved too: a guest using it (a Linux guest with hv_vmbus, its disks and network adapters) carries on over the same channels after Start-VM.",
	  p_save, 1, cmdlet_save_vm, NULL },
	{ "Remove-VMSavedState", "Discards a virtual machine's saved state.",
	  "Deletes the saved state Save-VM wrote; the VM is Off and the next Start-VM boots it afresh.",
	  p_discard, 1, cmdlet_remove_vmsavedstate, NULL },
};
const int cmdlets_vmsave_count = sizeof(cmdlets_vmsave) / sizeof(cmdlets_vmsave[0]);
