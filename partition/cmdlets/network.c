/*
 * The virtual network cmdlets (issue 16), with Hyper-V's names,
 * parameters, tables and errors: New-VMSwitch, Get-VMSwitch,
 * Remove-VMSwitch (partition/vnet.h: switches live in memory only for
 * now), Add-VMNetworkAdapter, Get-VMNetworkAdapter,
 * Connect-VMNetworkAdapter, Disconnect-VMNetworkAdapter,
 * Remove-VMNetworkAdapter, Set-VMNetworkAdapter (netvlan.c also has
 * Set-/Get-VMNetworkAdapterVlan). Adapters are kept in the VM's
 * configuration ([NetworkAdapter], docs/vm-config.md); a running VM's
 * adapter is its netvsp (partition/vsp/vsp_net.h), plugged into another
 * switch or unplugged at once, its link following, its MAC-spoofing and
 * VLAN settings applied to its switch port at once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/cmdlets/cmdlets.h"
#include "partition/console/cmd.h"
#include "partition/net/pnet.h"
#include "partition/vm.h"
#include "partition/vmconfig/vmcfg.h"
#include "partition/vmstore.h"
#include "partition/vnet.h"
#include "partition/vsp/vsp_dev.h"
#include "partition/vsp/vsp_host.h"
#include "partition/vsp/vsp_net.h"

#define NIC_DEFAULT_NAME "Network Adapter"
/* A switch's name fits the switch and an adapter's saved entry
 * (cmdlet_new_vmswitch). */
#define SWITCH_NAME_MAX (VMCFG_NAME_MAX < VSW_NAME_MAX ? VMCFG_NAME_MAX : VSW_NAME_MAX)

static const char *const switch_types[] = { "Private", "Internal", "External", NULL };
static const char *const bools[] = { "False", "True", NULL };
static const char *const on_off[] = { "Off", "On", NULL };

static const struct cmd_column sw_cols[] = {
	{ "Name", NULL, 0 }, { "SwitchType", NULL, 0 }, { "NetAdapterInterfaceDescription", NULL, 0 },
};
static const struct cmd_type sw_type = { "VMSwitch", false, sw_cols, 3, NULL, NULL, NULL };
static const struct cmd_column nic_cols[] = {
	{ "Name", NULL, 0 }, { "VMName", NULL, 0 }, { "SwitchName", NULL, 0 },
	{ "MacAddress", NULL, 0 }, { "Status", NULL, 0 },
};
static const struct cmd_type nic_type = { "VMNetworkAdapter", false, nic_cols, 5, NULL, NULL, NULL };

/* ---- switches ---- */

static int sw_emit(struct cmd_ctx *ctx, const struct vnet_switch *s)
{
	char notes[PNET_ALIAS_MAX + 48] = "";

	/* Hyper-V shows the management OS's adapter in Get-NetAdapter; we
	 * name it here as well (Format-List Notes). */
	if (s->host)
		snprintf(notes, sizeof(notes), "The parent's adapter on this switch is \"%s\".",
			 pnet_if_alias(s->host));
	const struct cmd_prop p[] = {
		CMD_PROP_STR("Name", s->name),
		CMD_PROP_ENUM("SwitchType", s->type, switch_types),
		CMD_PROP_STR("NetAdapterInterfaceDescription", cmdlet_switch_nic_description(s)),
		CMD_PROP_INT("ConnectedAdapters", vnet_switch_users(s->name)),
		/* Hyper-V: True for an internal switch, False for a private
		 * one, the setting for an external one (vnet.h). */
		CMD_PROP_ENUM("AllowManagementOS", s->host != NULL, bools),
		CMD_PROP_STR("Notes", notes),
	};

	return cmd_emit(ctx, &sw_type, p, sizeof(p) / sizeof(p[0]));
}

static int no_switch(struct cmd_ctx *ctx, const struct cmd_args *a, const char *name)
{
	return cmd_error(ctx, a, "Hyper-V was unable to find a virtual switch with name \"%s\".", name);
}

static int cmdlet_new_vmswitch(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg_str(a, "Name");
	int type = cmd_arg_enum(ctx, a, "SwitchType", switch_types, -1);
	char why[160];

	if (type < -1)
		return 0;
	if (type < 0 && !cmd_arg_str(a, "NetAdapterName"))
		return cmd_error(ctx, a, "Give -SwitchType Private or Internal (or -NetAdapterName for an external switch).");
	/* An adapter saves its switch's name in the VM's configuration
	 * (vmcfg.h, VMCFG_NAME_MAX): a longer name would come back cut short
	 * and name no switch. */
	if (!name[0] || strlen(name) >= SWITCH_NAME_MAX)
		return cmd_error(ctx, a, "A switch name has 1 to %d characters.", SWITCH_NAME_MAX - 1);
	if (cmd_arg_str(a, "NetAdapterName") && type >= 0 && type != VSW_TYPE_EXTERNAL)
		return cmd_error(ctx, a, "Parameter set cannot be resolved using the specified named parameters: -NetAdapterName makes an external switch, -SwitchType %s another kind.", switch_types[type]);
	if (cmd_arg_str(a, "NetAdapterName") || type == VSW_TYPE_EXTERNAL) {
		if (vnet_switch_find(name))
			return cmd_error(ctx, a, "A virtual switch named \"%s\" already exists.", name);
		if (cmdlet_new_external_switch(ctx, a, name) || !vnet_switch_find(name))
			return 0;   /* the error is printed */
		return sw_emit(ctx, vnet_switch_find(name));
	}
	if (vnet_switch_new(name, (enum vsw_type)type, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return sw_emit(ctx, vnet_switch_find(name));
}

static int cmdlet_get_vmswitch(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg_str(a, "Name");
	int type = cmd_arg_enum(ctx, a, "SwitchType", switch_types, -1);
	int rc = 0, found = 0;

	if (type < -1)
		return 0;
	for (int i = 0; i < VNET_SWITCH_MAX && rc == 0; i++) {
		const struct vnet_switch *s = vnet_switch_at(i);

		if (!s || (name && !cmd_match_glob(name, s->name)) || (type >= 0 && (int)s->type != type))
			continue;
		found++;
		rc = sw_emit(ctx, s);
	}
	if (!found && name && !strpbrk(name, "*?["))
		return no_switch(ctx, a, name);
	return rc;
}

/* ---- adapters ---- */

/* The running VM's netvsp for adapter idx (only the first is offered,
 * vsp_net.h), or NULL. */
void *cmdlet_nic_dev(const struct vm *vm, int idx)
{
	return idx == 0 && cmdlet_vm_running(vm) ? vsp_host_device((uint64_t)vm->hv_id, VSP_DEV_NET) : NULL;
}

/* Status: Hyper-V's is the running adapter's operational status; a VM
 * that is off has no running adapter to report one (in 2008 R2's WMI the
 * Msvm_SyntheticEthernetPort exists only while the VM runs, only its
 * setting data while it is off), and the Hyper-V module shows that as
 * the empty list "{}". We show the same rather than a status no adapter
 * reported. */
static const char *nic_status(const struct vm *vm, void *dev)
{
	if (dev)
		return vsp_net_status(dev);
	return cmdlet_vm_running(vm) ? "NoContact" : "{}";
}

static int nic_emit(struct cmd_ctx *ctx, const struct vm *vm, int idx, const struct vmcfg_nic *n)
{
	void *dev = cmdlet_nic_dev(vm, idx);
	struct netvsp_stats st;
	struct vsw_port_stats ps;
	char mac[13];

	memset(&st, 0, sizeof(st));
	memset(&ps, 0, sizeof(ps));
	if (dev) {
		vsp_net_stats(dev, &st);
		vsp_net_port_stats(dev, &ps);
	}
	vmcfg_mac_format(n->mac, mac);
	{
		const struct cmd_prop p[] = {
			CMD_PROP_STR("Name", n->name),
			CMD_PROP_STR("VMName", vm->name),
			CMD_PROP_STR("SwitchName", n->switch_name),
			CMD_PROP_STR("MacAddress", mac),
			CMD_PROP_STR("Status", nic_status(vm, dev)),
			CMD_PROP_ENUM("Connected", n->switch_name[0] && vnet_switch_find(n->switch_name), bools),
			CMD_PROP_ENUM("DynamicMacAddressEnabled", n->dynamic_mac, bools),
			CMD_PROP_ENUM("MacAddressSpoofing", n->mac_spoofing, on_off),
			CMD_PROP_ENUM("VlanOperationMode", n->vlan_mode, vmcfg_vlan_mode_names),
			CMD_PROP_INT("SentFrames", (int64_t)st.tx_frames),
			CMD_PROP_INT("SentBytes", (int64_t)st.tx_bytes),
			CMD_PROP_INT("ReceivedFrames", (int64_t)st.rx_frames),
			CMD_PROP_INT("ReceivedBytes", (int64_t)st.rx_bytes),
			CMD_PROP_INT("DroppedFrames", (int64_t)(st.tx_switch_drops + st.tx_bad +
				st.rx_drop_not_ready + st.rx_drop_filtered + st.rx_drop_no_buffer +
				st.rx_drop_ring_full)),
			/* The switch's drops on this port, by reason (vsw.h). */
			CMD_PROP_INT("MacSpoofingDroppedFrames", (int64_t)ps.drops[VSW_DROP_SPOOF]),
			CMD_PROP_INT("VlanDroppedFrames", (int64_t)ps.drops[VSW_DROP_VLAN]),
			/* Virtual RSS (Hyper-V's VrssEnabled): whether the
			 * guest turned it on, the channels it has open (one
			 * receive and send queue each) and what went over its
			 * sub-channels (vswitch/netvsp/README.md). */
			CMD_PROP_ENUM("VrssEnabled", st.rss_on, bools),
			CMD_PROP_INT("ReceiveQueues", st.channels_open),
			CMD_PROP_INT("SubChannelSentFrames", (int64_t)st.tx_frames_sub),
			CMD_PROP_INT("SubChannelReceivedFrames", (int64_t)st.rx_frames_sub),
		};

		return cmd_emit(ctx, &nic_type, p, sizeof(p) / sizeof(p[0]));
	}
}

/* The adapter name a cmdlet was given: -Name, or -VMNetworkAdapterName
 * (the VLAN cmdlets); NULL for all. */
static const char *nic_wanted(const struct cmd_args *a)
{
	const char *want = cmd_arg_str(a, "Name");

	return want ? want : cmd_arg_str(a, "VMNetworkAdapterName");
}

int cmdlet_nic_each(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, cmdlet_nic_fn fn)
{
	const char *want = nic_wanted(a);
	int n = vmcfg_nic_count(&vm->cfg), found = 0, rc = 0;

	for (int i = 0; i < n && rc == 0; i++) {
		struct vmcfg_nic nic;
		struct vmcfg_error err;

		if (vmcfg_get_nic(&vm->cfg, i, &nic, &err) || (want && !cmd_match_glob(want, nic.name)))
			continue;
		found++;
		rc = fn(ctx, a, vm, i, &nic);
	}
	if (!found && want)
		return cmd_error(ctx, a, "No network adapter named \"%s\" on '%s'.", want, vm->name);
	return rc;
}

static int get_one(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, int idx,
		   struct vmcfg_nic *nic)
{
	(void)a;
	return nic_emit(ctx, vm, idx, nic);
}

static int cmdlet_get_vmnetworkadapter(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);

	return vm ? cmdlet_nic_each(ctx, a, vm, get_one) : 0;
}

/* Write adapter idx into the VM's configuration and its file. */
int cmdlet_nic_save(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, int idx,
		    const struct vmcfg_nic *nic)
{
	char why[160];

	if (vmcfg_put_nic(&vm->cfg, idx, nic))
		return cmd_error(ctx, a, "Not enough memory to change '%s''s configuration.", vm->name);
	if (vmstore_save(vm, why, sizeof(why)))
		return cmd_error(ctx, a, "%s (the change holds until the host restarts).", why);
	return 0;
}

/* The adapter's MAC from -StaticMacAddress, or a dynamic one: 0, or
 * -EINVAL after the error. A MAC the adapter has already is not taken. */
static int new_mac(struct cmd_ctx *ctx, const struct cmd_args *a, struct vmcfg_nic *nic)
{
	const char *mac = cmd_arg_str(a, "StaticMacAddress");
	uint8_t m[6];

	if (!mac) {
		nic->dynamic_mac = true;
		if (!vnet_mac_new(nic->mac))
			return 0;
		cmd_error(ctx, a, "The pool of dynamic MAC addresses is exhausted.");
		return -EINVAL;
	}
	if (vmcfg_mac_parse(mac, m) || (m[0] & 1) || !memcmp(m, "\0\0\0\0\0\0", 6)) {
		cmd_error(ctx, a, "Cannot validate argument on parameter 'StaticMacAddress'. \"%s\" is not a valid unicast MAC address (12 hex digits, such as 00155D000A01).", mac);
		return -EINVAL;
	}
	if (memcmp(m, nic->mac, 6) && vnet_mac_taken(m)) {
		cmd_error(ctx, a, "The MAC address %s is already used by another network adapter.", mac);
		return -EINVAL;
	}
	memcpy(nic->mac, m, 6);
	nic->dynamic_mac = false;
	return 0;
}

static int cmdlet_add_vmnetworkadapter(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	const char *sw = cmd_arg_str(a, "SwitchName"), *name = cmd_arg_str(a, "Name");
	struct vmcfg_nic nic;

	if (!vm)
		return 0;
	memset(&nic, 0, sizeof(nic));
	if (cmdlet_vm_running(vm))
		return cmd_error(ctx, a, "The operation cannot be performed while the virtual machine '%s' is running: a synthetic network adapter is added while it is off.", vm->name);
	if (vmcfg_nic_count(&vm->cfg) >= 1)
		return cmd_error(ctx, a, "'%s' has a network adapter already: hvpart offers one per VM for now.", vm->name);
	if (sw && !vnet_switch_find(sw))
		return no_switch(ctx, a, sw);
	if (name && (!name[0] || strlen(name) >= sizeof(nic.name)))
		return cmd_error(ctx, a, "An adapter name has 1 to %zu characters.", sizeof(nic.name) - 1);
	snprintf(nic.name, sizeof(nic.name), "%s", name ? name : NIC_DEFAULT_NAME);
	if (sw)
		snprintf(nic.switch_name, sizeof(nic.switch_name), "%s", vnet_switch_find(sw)->name);
	if (new_mac(ctx, a, &nic))
		return 0;   /* the error is printed */
	return cmdlet_nic_save(ctx, a, vm, vmcfg_nic_count(&vm->cfg), &nic);
}

/* Hyper-V 2008 R2 adds and removes synthetic adapters, and changes
 * their MAC, only while the VM is off (hot add and remove came with 2012
 * R2, and for generation 2 VMs only). Its error names the device and the
 * state. */
static int refuse_running(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm,
			  const char *verb, const char *what, const char *why)
{
	return cmd_error(ctx, a, "Failed to %s device '%s'. The operation cannot be performed while the virtual machine '%s' is in its current state (Running): %s.", verb, what, vm->name, why);
}

static bool nic_matches(const struct vm *vm, int idx, const char *want)
{
	struct vmcfg_nic nic;
	struct vmcfg_error err;

	return !vmcfg_get_nic(&vm->cfg, idx, &nic, &err) && (!want || cmd_match_glob(want, nic.name));
}

/* Remove-VMNetworkAdapter: the matching adapters' sections go from the
 * configuration (their dynamic MACs return to the pool: vnet.c counts
 * only configured adapters). */
static int cmdlet_remove_vmnetworkadapter(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	const char *want = cmd_arg_str(a, "Name");
	char why[160];
	int n, found = 0;

	if (!vm)
		return 0;
	n = vmcfg_nic_count(&vm->cfg);
	for (int i = 0; i < n; i++)
		found += nic_matches(vm, i, want);
	if (!found)
		return want ? cmd_error(ctx, a, "No network adapter named \"%s\" on '%s'.", want, vm->name) : 0;
	if (cmdlet_vm_running(vm))
		return refuse_running(ctx, a, vm, "remove", want ? want : NIC_DEFAULT_NAME,
				      "synthetic network adapters are removed while it is off");
	for (int i = n - 1; i >= 0; i--)
		if (nic_matches(vm, i, want))
			vmcfg_remove_nic(&vm->cfg, i);
	if (vmstore_save(vm, why, sizeof(why)))
		return cmd_error(ctx, a, "%s (the change holds until the host restarts).", why);
	return 0;
}

/* Set-VMNetworkAdapter on one adapter: the MAC (off only), then the
 * spoofing setting, live on the running port first so that a refusal
 * changes nothing. */
static int set_one(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, int idx,
		   struct vmcfg_nic *nic)
{
	int spoof = cmd_arg_enum(ctx, a, "MacAddressSpoofing", on_off, -1);
	void *dev = cmdlet_nic_dev(vm, idx);
	bool mac = cmd_arg_str(a, "StaticMacAddress") || cmd_arg_present(a, "DynamicMacAddress");

	if (spoof < -1)
		return 0;   /* the error is printed (checked before: not reached) */
	if (mac && cmdlet_vm_running(vm))
		return refuse_running(ctx, a, vm, "modify", nic->name,
				      "the MAC address of a synthetic adapter changes while it is off");
	if (cmd_arg_present(a, "DynamicMacAddress") && nic->dynamic_mac)
		mac = false;   /* dynamic already: it keeps its address */
	if (mac && new_mac(ctx, a, nic))
		return 0;   /* the error is printed */
	if (spoof >= 0)
		nic->mac_spoofing = spoof == 1;
	if (dev && vsp_net_set_policy(dev, nic))
		return cmd_error(ctx, a, "Failed to modify device '%s' of '%s': its switch port refused the settings.", nic->name, vm->name);
	return cmdlet_nic_save(ctx, a, vm, idx, nic);
}

static int cmdlet_set_vmnetworkadapter(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);

	if (!vm)
		return 0;
	if (cmd_arg_str(a, "StaticMacAddress") && cmd_arg_present(a, "DynamicMacAddress"))
		return cmd_error(ctx, a, "Parameter set cannot be resolved using the specified named parameters.");
	if (cmd_arg_enum(ctx, a, "MacAddressSpoofing", on_off, -1) < -1)
		return 0;
	return cmdlet_nic_each(ctx, a, vm, set_one);
}

/* Plug adapter idx into s (NULL: unplug): the running netvsp first, so a
 * refusal changes nothing. */
static int nic_plug(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, int idx,
		    struct vmcfg_nic *nic, struct vnet_switch *s)
{
	void *dev = cmdlet_nic_dev(vm, idx);

	if (dev && vsp_net_connect(dev, s ? s->sw : NULL))
		return cmd_error(ctx, a, "Could not connect '%s' of '%s' to \"%s\": its MAC address is in use on that switch.", nic->name, vm->name, s ? s->name : "");
	snprintf(nic->switch_name, sizeof(nic->switch_name), "%s", s ? s->name : "");
	return cmdlet_nic_save(ctx, a, vm, idx, nic);
}

static int connect_one(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, int idx,
		       struct vmcfg_nic *nic)
{
	return nic_plug(ctx, a, vm, idx, nic, vnet_switch_find(cmd_arg_str(a, "SwitchName")));
}

static int disconnect_one(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, int idx,
			  struct vmcfg_nic *nic)
{
	return nic_plug(ctx, a, vm, idx, nic, NULL);
}

static int cmdlet_connect_vmnetworkadapter(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	const char *sw = cmd_arg_str(a, "SwitchName");

	if (!vm)
		return 0;
	if (!vnet_switch_find(sw))
		return no_switch(ctx, a, sw);
	return cmdlet_nic_each(ctx, a, vm, connect_one);
}

static int cmdlet_disconnect_vmnetworkadapter(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);

	return vm ? cmdlet_nic_each(ctx, a, vm, disconnect_one) : 0;
}

/* Remove-VMSwitch -Force: every adapter on the switch is unplugged. */
struct unplug {
	struct cmd_ctx *ctx;
	const struct cmd_args *a;
	const struct vnet_switch *s;
};

static int unplug_one(struct vm *vm, int idx, const struct vmcfg_nic *nic, void *arg)
{
	const struct unplug *u = arg;
	struct vmcfg_nic mine = *nic;   /* nic_plug writes the new switch in */

	if (strcasecmp(nic->switch_name, u->s->name))
		return 0;
	return nic_plug(u->ctx, u->a, vm, idx, &mine, NULL) ? -1 : 0;
}

static int unplug_all(struct cmd_ctx *ctx, const struct cmd_args *a, struct vnet_switch *s)
{
	struct unplug u = { ctx, a, s };

	return vnet_each_nic(unplug_one, &u);
}

static int cmdlet_remove_vmswitch(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg_str(a, "Name");
	struct vnet_switch *s = vnet_switch_find(name);
	int users;

	if (!s)
		return no_switch(ctx, a, name);
	users = vnet_switch_users(s->name);
	if (users && !cmd_arg_present(a, "Force"))
		return cmd_error(ctx, a, "The virtual switch \"%s\" cannot be removed: %d network adapter%s connected to it (Disconnect-VMNetworkAdapter first, or -Force to disconnect them).", s->name, users, users == 1 ? " is" : "s are");
	if (users && unplug_all(ctx, a, s))
		return 0;
	vnet_switch_delete(s);
	return 0;
}

static const struct cmd_param p_new_sw[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 0, "Name of the new switch.", CMD_ALIASES("SwitchName") },
	{ "SwitchType", CMD_P_STRING, 0, -1, "Private (children only) or Internal (children and the parent, through its adapter \"vEthernet (S)\").", NULL },
	{ "NetAdapterName", CMD_P_STRING, 0, -1, "External switch: the physical adapter (Get-NetAdapter) that becomes its uplink.", CMD_ALIASES("InterfaceAlias") },
	{ "AllowManagementOS", CMD_P_STRING, 0, -1, "External switch: $true (default) to give the management OS a vEthernet adapter on it, $false not to.", NULL },
};
static const struct cmd_param p_get_sw[] = {
	{ "Name", CMD_P_STRING, 0, 0, "Switch name (wildcards allowed).", CMD_ALIASES("SwitchName") },
	{ "SwitchType", CMD_P_STRING, 0, -1, "Only switches of this type: Private, Internal, External.", NULL },
};
static const struct cmd_param p_rm_sw[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Switch name.", CMD_ALIASES("SwitchName") },
	{ "Force", CMD_P_SWITCH, 0, -1, "Disconnect the adapters connected to it first.", NULL },
};
static const struct cmd_param p_add_nic[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "SwitchName", CMD_P_STRING, 0, -1, "Connect it to this switch (none: not connected).", NULL },
	{ "Name", CMD_P_STRING, 0, -1, "Name of the adapter (default: Network Adapter).", CMD_ALIASES("VMNetworkAdapterName") },
	{ "StaticMacAddress", CMD_P_STRING, 0, -1, "Its MAC address (12 hex digits); default: a dynamic one from 00-15-5D-00-0A-01..FF.", NULL },
};
static const struct cmd_param p_get_nic[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "Name", CMD_P_STRING, 0, -1, "Adapter name (wildcards allowed).", CMD_ALIASES("VMNetworkAdapterName") },
};
static const struct cmd_param p_conn_nic[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "SwitchName", CMD_P_STRING, CMD_F_REQUIRED, -1, "The switch.", NULL },
	{ "Name", CMD_P_STRING, 0, -1, "Adapter name (default: all of the VM's).", CMD_ALIASES("VMNetworkAdapterName") },
};
static const struct cmd_param p_set_nic[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "Name", CMD_P_STRING, 0, -1, "Adapter name (default: all of the VM's).", CMD_ALIASES("VMNetworkAdapterName") },
	{ "MacAddressSpoofing", CMD_P_STRING, 0, -1, "On: frames from other source MACs pass; Off (default): the switch drops and counts them.", NULL },
	{ "StaticMacAddress", CMD_P_STRING, 0, -1, "A new MAC address (12 hex digits), while the VM is off.", NULL },
	{ "DynamicMacAddress", CMD_P_SWITCH, 0, -1, "A dynamic MAC from the host's pool instead, while the VM is off.", NULL },
};

const struct cmd_def cmdlets_network[] = {
	{ "New-VMSwitch", "Creates a virtual switch.",
	  "Creates a private switch (children only) or an internal one, which also joins the parent: its adapter \"vEthernet (S)\" (a MAC from the dynamic pool) takes an address with New-NetIPAddress, and Test-Connection pings from it. -NetAdapterName NIC makes an external switch whose uplink is that physical adapter (Get-NetAdapter): children's frames go out of it, frames from the wire come in (the adapter receives promiscuously); one switch per adapter; with -AllowManagementOS $true (the default) the parent joins it too, through \"vEthernet (S)\" with the physical adapter's MAC, which asks for an address by DHCP (Set-VMSwitch -AllowManagementOS changes it). Switches live in memory until the host restarts.",
	  p_new_sw, 4, cmdlet_new_vmswitch, NULL },
	{ "Get-VMSwitch", "Lists virtual switches.",
	  "Lists the switches: Name, SwitchType, NetAdapterInterfaceDescription; Format-List adds ConnectedAdapters, AllowManagementOS and Notes.",
	  p_get_sw, 2, cmdlet_get_vmswitch, NULL },
	{ "Remove-VMSwitch", "Removes a virtual switch.",
	  "Removes the switch; refused while adapters are connected to it, unless -Force, which disconnects them (their link goes down).",
	  p_rm_sw, 2, cmdlet_remove_vmswitch, NULL },
	{ "Add-VMNetworkAdapter", "Adds a synthetic network adapter to a VM.",
	  "Adds a network adapter (netvsc in the guest) to a VM that is off, connected to -SwitchName or to nothing, with -StaticMacAddress or a dynamic MAC. Kept in the VM's configuration. One adapter per VM for now.",
	  p_add_nic, 4, cmdlet_add_vmnetworkadapter, NULL },
	{ "Get-VMNetworkAdapter", "Lists a VM's network adapters.",
	  "Lists the adapters: Name, VMName, SwitchName, MacAddress, Status (Ok once the guest's driver is up, NoContact before; {} while the VM is off, as in Hyper-V: no running adapter reports a status). Format-List adds Connected, DynamicMacAddressEnabled, MacAddressSpoofing, VlanOperationMode, the frame and byte counters of the running adapter, and its switch port's drops: MacSpoofingDroppedFrames (source MAC not its own, spoofing Off) and VlanDroppedFrames (a VLAN its port is not a member of).",
	  p_get_nic, 2, cmdlet_get_vmnetworkadapter, NULL },
	{ "Connect-VMNetworkAdapter", "Connects a VM's network adapter to a switch.",
	  "Connects the adapter(s) to the switch, at once if the VM runs (the guest sees its link come up).",
	  p_conn_nic, 3, cmdlet_connect_vmnetworkadapter, NULL },
	{ "Disconnect-VMNetworkAdapter", "Disconnects a VM's network adapter.",
	  "Disconnects the adapter(s) from their switch, at once if the VM runs (the guest sees its link go down).",
	  p_get_nic, 2, cmdlet_disconnect_vmnetworkadapter, NULL },
	{ "Remove-VMNetworkAdapter", "Removes a VM's network adapter.",
	  "Removes the adapter(s) named -Name (default: all) from a VM that is off, and from its configuration; a dynamic MAC returns to the pool. Refused while the VM runs, as Hyper-V 2008 R2 does.",
	  p_get_nic, 2, cmdlet_remove_vmnetworkadapter, NULL },
	{ "Set-VMNetworkAdapter", "Changes a VM's network adapter.",
	  "-MacAddressSpoofing On|Off: whether the switch passes frames whose source MAC is not the adapter's (Off: dropped, counted in Get-VMNetworkAdapter | Format-List MacSpoofingDroppedFrames); applied at once to a running VM. -StaticMacAddress M or -DynamicMacAddress change the MAC while the VM is off. Kept in the VM's configuration.",
	  p_set_nic, 5, cmdlet_set_vmnetworkadapter, NULL },
};
const int cmdlets_network_count = sizeof(cmdlets_network) / sizeof(cmdlets_network[0]);
