/*
 * The VLAN settings of a VM's network adapters (issue 16), with Hyper-V's
 * names, parameters, table and errors: Set-VMNetworkAdapterVlan (-Access
 * -VlanId, -Trunk -AllowedVlanIdList -NativeVlanId, -Untagged) and
 * Get-VMNetworkAdapterVlan. The settings are kept in the VM's
 * configuration (docs/vm-config.md "Network adapters") and applied to a
 * running VM's switch port at once (vsp_net_set_policy, vswitch/vsw.h
 * 802.1Q membership). The adapter loop, saving and the running device
 * are network.c's (cmdlets.h).
 */
#include <stdio.h>
#include <string.h>
#include "partition/cmdlets/cmdlets.h"
#include "partition/console/cmd.h"
#include "partition/vm.h"
#include "partition/vmconfig/vmcfg.h"
#include "partition/vsp/vsp_net.h"

static const struct cmd_column vlan_cols[] = {
	{ "VMName", NULL, 0 }, { "VMNetworkAdapterName", NULL, 0 }, { "Mode", NULL, 0 },
	{ "VlanList", NULL, 0 },
};
static const struct cmd_type vlan_type = { "VMNetworkAdapterVlanSetting", false, vlan_cols, 4,
					   NULL, NULL, NULL };

/* Hyper-V's VlanList column: the access VLAN; for a trunk the native
 * VLAN, then the allowed list ("0,1-5,7"); nothing when untagged. */
static void vlan_list(const struct vmcfg_nic *n, char *out, size_t len)
{
	char list[VMCFG_VALUE_MAX + 1];

	out[0] = '\0';
	if (n->vlan_mode == VMCFG_VLAN_ACCESS)
		snprintf(out, len, "%u", n->access_vlan);
	if (n->vlan_mode == VMCFG_VLAN_TRUNK && !vmcfg_vlan_list_format(n->allowed, list, sizeof(list)))
		snprintf(out, len, "%u,%s", n->native_vlan, list);
}

static int vlan_emit(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, int idx,
		     struct vmcfg_nic *n)
{
	char shown[VMCFG_VALUE_MAX + 8], list[VMCFG_VALUE_MAX + 1] = "";

	(void)a;
	(void)idx;
	vlan_list(n, shown, sizeof(shown));
	if (n->vlan_mode == VMCFG_VLAN_TRUNK && vmcfg_vlan_list_format(n->allowed, list, sizeof(list)))
		list[0] = '\0';
	{
		const struct cmd_prop p[] = {
			CMD_PROP_STR("VMName", vm->name),
			CMD_PROP_STR("VMNetworkAdapterName", n->name),
			CMD_PROP_ENUM("Mode", n->vlan_mode, vmcfg_vlan_mode_names),
			CMD_PROP_STR("VlanList", shown),
			CMD_PROP_ENUM("OperationMode", n->vlan_mode, vmcfg_vlan_mode_names),
			CMD_PROP_INT("AccessVlanId", n->access_vlan),
			CMD_PROP_INT("NativeVlanId", n->native_vlan),
			CMD_PROP_STR("AllowedVlanIdListString", list),
		};

		return cmd_emit(ctx, &vlan_type, p, sizeof(p) / sizeof(p[0]));
	}
}

static int cmdlet_get_vmnetworkadaptervlan(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm;
	int rc = 0;

	if (cmd_arg_str(a, "VMName")) {
		vm = cmdlet_vm_named(ctx, a);
		return vm ? cmdlet_nic_each(ctx, a, vm, vlan_emit) : 0;
	}
	for (int i = 0; i < VM_MAX && rc == 0; i++) {
		vm = vm_at(i);
		if (vm)
			rc = cmdlet_nic_each(ctx, a, vm, vlan_emit);
	}
	return rc;
}

/* PowerShell's ValidateRange error. */
static int vid_range(struct cmd_ctx *ctx, const struct cmd_args *a, const char *param,
		     int64_t min, int64_t *out)
{
	int64_t v = cmd_arg_int(a, param, -1);

	*out = v;
	if (v < min)
		return cmd_error(ctx, a, "Cannot validate argument on parameter '%s'. The %lld argument is less than the minimum allowed range of %lld. Supply an argument that is greater than or equal to %lld and then try the command again.", param, (long long)v, (long long)min, (long long)min), -1;
	if (v > VMCFG_VID_MAX)
		return cmd_error(ctx, a, "Cannot validate argument on parameter '%s'. The %lld argument is greater than the maximum allowed range of %u. Supply an argument that is less than or equal to %u and then try the command again.", param, (long long)v, VMCFG_VID_MAX, VMCFG_VID_MAX), -1;
	return 0;
}

/* Which of -Access, -Trunk, -Untagged, with the parameters of its set
 * only (Hyper-V's parameter sets), or -1 after the error. */
static int vlan_mode_arg(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	bool access = cmd_arg_present(a, "Access"), trunk = cmd_arg_present(a, "Trunk");
	bool untagged = cmd_arg_present(a, "Untagged");
	bool vid = cmd_arg_present(a, "VlanId");
	bool tr = cmd_arg_str(a, "AllowedVlanIdList") || cmd_arg_present(a, "NativeVlanId");

	if (access + trunk + untagged != 1 || (vid && !access) || (tr && !trunk))
		return cmd_error(ctx, a, "Parameter set cannot be resolved using the specified named parameters."), -1;
	if (access && !vid)
		return cmd_error(ctx, a, "Cannot process command because of one or more missing mandatory parameters: VlanId."), -1;
	if (trunk && (!cmd_arg_str(a, "AllowedVlanIdList") || !cmd_arg_present(a, "NativeVlanId")))
		return cmd_error(ctx, a, "Cannot process command because of one or more missing mandatory parameters:%s%s.", cmd_arg_str(a, "AllowedVlanIdList") ? "" : " AllowedVlanIdList", cmd_arg_present(a, "NativeVlanId") ? "" : " NativeVlanId"), -1;
	return access ? VMCFG_VLAN_ACCESS : trunk ? VMCFG_VLAN_TRUNK : VMCFG_VLAN_UNTAGGED;
}

/* The settings the command line asks for, checked; -1 after the error. */
static int vlan_args(struct cmd_ctx *ctx, const struct cmd_args *a, struct vmcfg_nic *want)
{
	int mode = vlan_mode_arg(ctx, a);
	const char *list = cmd_arg_str(a, "AllowedVlanIdList"), *why = "";
	int64_t v;

	memset(want, 0, sizeof(*want));
	if (mode < 0)
		return -1;
	want->vlan_mode = (enum vmcfg_vlan_mode)mode;
	if (mode == VMCFG_VLAN_ACCESS) {
		if (vid_range(ctx, a, "VlanId", 1, &v))
			return -1;
		want->access_vlan = (uint16_t)v;
	}
	if (mode != VMCFG_VLAN_TRUNK)
		return 0;
	if (vid_range(ctx, a, "NativeVlanId", 0, &v))
		return -1;
	want->native_vlan = (uint16_t)v;
	if (vmcfg_vlan_list_parse(list, want->allowed, &why))
		return cmd_error(ctx, a, "Cannot validate argument on parameter 'AllowedVlanIdList'. \"%s\" is not a list of VLAN IDs: %s (give IDs 1 to 4094 and ranges A-B separated by commas, such as 1-5,7).", list, why), -1;
	return 0;
}

/* One adapter: the running port first, so that a refusal changes
 * nothing; then the configuration. */
static int vlan_set_one(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, int idx,
			struct vmcfg_nic *nic)
{
	struct vmcfg_nic want;
	void *dev = cmdlet_nic_dev(vm, idx);

	if (vlan_args(ctx, a, &want))
		return 0;
	nic->vlan_mode = want.vlan_mode;
	nic->access_vlan = want.access_vlan;
	nic->native_vlan = want.native_vlan;
	memcpy(nic->allowed, want.allowed, sizeof(nic->allowed));
	if (dev && vsp_net_set_policy(dev, nic))
		return cmd_error(ctx, a, "Failed to modify the VLAN settings of '%s' of '%s': its switch port refused them.", nic->name, vm->name);
	return cmdlet_nic_save(ctx, a, vm, idx, nic);
}

static int cmdlet_set_vmnetworkadaptervlan(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	struct vmcfg_nic want;

	/* Checked once before any adapter changes. */
	if (!vm || vlan_args(ctx, a, &want))
		return 0;
	return cmdlet_nic_each(ctx, a, vm, vlan_set_one);
}

static const struct cmd_param p_get_vlan[] = {
	{ "VMName", CMD_P_STRING, CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine (default: every VM).", NULL },
	{ "VMNetworkAdapterName", CMD_P_STRING, 0, -1, "Adapter name (wildcards allowed).", NULL },
};
static const struct cmd_param p_set_vlan[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "VMNetworkAdapterName", CMD_P_STRING, 0, -1, "Adapter name (default: all of the VM's).", NULL },
	{ "Access", CMD_P_SWITCH, 0, -1, "Access mode: the adapter is on VLAN -VlanId; its frames travel untagged.", CMD_ALIASES("a") },
	{ "VlanId", CMD_P_INT, 0, -1, "Access mode: the VLAN, 1 to 4094.", CMD_ALIASES("AccessVlanId") },
	{ "Trunk", CMD_P_SWITCH, 0, -1, "Trunk mode: tagged frames of -AllowedVlanIdList, untagged ones on -NativeVlanId.", CMD_ALIASES("t") },
	{ "AllowedVlanIdList", CMD_P_STRING, 0, -1, "Trunk mode: VLAN IDs and ranges, such as 1-5,7.", NULL },
	{ "NativeVlanId", CMD_P_INT, 0, -1, "Trunk mode: the VLAN of untagged frames, 0 (the untagged network) to 4094.", NULL },
	{ "Untagged", CMD_P_SWITCH, 0, -1, "No VLAN: the untagged network (the default).", CMD_ALIASES("u") },
};

const struct cmd_def cmdlets_netvlan[] = {
	{ "Set-VMNetworkAdapterVlan", "Sets the VLAN of a VM's network adapter.",
	  "One of: -Access -VlanId V (1..4094); -Trunk -AllowedVlanIdList \"1-5,7\" -NativeVlanId V (0..4094); -Untagged. Applied to the switch port at once if the VM runs (frames of other VLANs stop reaching it), and kept in the VM's configuration.",
	  p_set_vlan, 8, cmdlet_set_vmnetworkadaptervlan, NULL },
	{ "Get-VMNetworkAdapterVlan", "Lists the VLAN settings of network adapters.",
	  "Lists VMName, VMNetworkAdapterName, Mode (Untagged, Access, Trunk) and VlanList (the access VLAN; for a trunk the native VLAN, then the allowed list), for one VM or every VM. Format-List adds OperationMode, AccessVlanId, NativeVlanId and AllowedVlanIdListString.",
	  p_get_vlan, 2, cmdlet_get_vmnetworkadaptervlan, NULL },
};
const int cmdlets_netvlan_count = sizeof(cmdlets_netvlan) / sizeof(cmdlets_netvlan[0]);
