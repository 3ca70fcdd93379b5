/*
 * The integration-service cmdlets: Get-VMIntegrationService,
 * Enable-VMIntegrationService, Disable-VMIntegrationService (Hyper-V's
 * names and parameters: -VMName, -Name). The services are the rows of
 * partition/vsp/vsp_dev.h marked `integration`; a disabled one is not
 * offered at Start-VM, and disabling it while the VM runs rescinds its
 * channel (the guest sees RESCIND_OFFER), enabling offers it again.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/cmdlets/cmdlets.h"
#include "partition/console/cmd.h"
#include "partition/vm.h"
#include "partition/vsp/vsp_dev.h"
#include "partition/vsp/vsp_host.h"
#include "partition/vsp/vsp_ic.h"

static const char *const bools[] = { "False", "True", NULL };
static const struct cmd_column ic_cols[] = {
	{ "VMName", NULL, 0 }, { "Name", NULL, 0 }, { "Enabled", NULL, 0 },
	{ "PrimaryStatusDescription", NULL, 0 }, { "ProtocolVersion", NULL, 0 },
};
static const struct cmd_type ic_type = { "VMIntegrationComponent", false, ic_cols, 5,
					 NULL, NULL, NULL };

/* Status while running; an Off VM's services have none (Hyper-V shows
 * nothing there). */
static int ic_emit(struct cmd_ctx *ctx, const struct vm *vm, unsigned i)
{
	bool on = !(vm->ic_disabled & (1u << i)), run = cmdlet_vm_running(vm);
	void *dev = run ? vsp_host_device((uint64_t)vm->hv_id, i) : NULL;
	uint32_t ver = dev && vsp_dev_types[i].ops == &vsp_ic_ops ? vsp_ic_version(dev) : 0;
	char v[16] = "";
	const char *status = "";

	if (run && on)
		status = vsp_host_status((uint64_t)vm->hv_id, i);
	if (ver)
		snprintf(v, sizeof(v), "%u.%u", ver >> 16, ver & 0xffff);
	{
		const struct cmd_prop p[] = {
			CMD_PROP_STR("VMName", vm->name),
			CMD_PROP_STR("Name", vsp_dev_types[i].name),
			CMD_PROP_ENUM("Enabled", on, bools),
			CMD_PROP_STR("PrimaryStatusDescription", status),
			CMD_PROP_STR("ProtocolVersion", v),
		};

		return cmd_emit(ctx, &ic_type, p, 5);
	}
}

/* The integration service called name (case-insensitive), or -1. */
static int ic_index(const char *name)
{
	for (unsigned i = 0; i < VSP_DEV_COUNT; i++)
		if (vsp_dev_types[i].integration && name && !strcasecmp(name, vsp_dev_types[i].name))
			return (int)i;
	return -1;
}

static int cmdlet_get_vmintegrationservice(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	const char *name = cmd_arg_str(a, "Name");
	int rc = 0, found = 0;

	if (!vm)
		return 0;
	for (unsigned i = 0; i < VSP_DEV_COUNT && rc == 0; i++) {
		if (!vsp_dev_types[i].integration || (name && !cmd_match_glob(name, vsp_dev_types[i].name)))
			continue;
		found++;
		rc = ic_emit(ctx, vm, i);
	}
	if (!found && name)
		return cmd_error(ctx, a, "No integration service named \"%s\" (Heartbeat, Shutdown, "
				 "Time Synchronization).", name);
	return rc;
}

static int ic_set(struct cmd_ctx *ctx, const struct cmd_args *a, int on)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);
	int i;

	if (!vm)
		return 0;
	i = ic_index(cmd_arg_str(a, "Name"));
	if (i < 0)
		return cmd_error(ctx, a, "No integration service named \"%s\" (Heartbeat, Shutdown, "
				 "Time Synchronization).", cmd_arg_str(a, "Name"));
	if (on)
		vm->ic_disabled &= ~(1u << i);
	else
		vm->ic_disabled |= 1u << i;
	if (cmdlet_vm_running(vm) && vsp_host_set_device((uint64_t)vm->hv_id, (unsigned)i, on))
		return cmd_error(ctx, a, "Could not %s '%s' for '%s' now; it will be %s at the next Start-VM.",
				 on ? "offer" : "withdraw", vsp_dev_types[i].name, vm->name,
				 on ? "offered" : "left out");
	return 0;
}

static int cmdlet_enable_vmintegrationservice(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return ic_set(ctx, a, 1);
}

static int cmdlet_disable_vmintegrationservice(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return ic_set(ctx, a, 0);
}

static const struct cmd_param p_get[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "Name", CMD_P_STRING, 0, 1, "The service (wildcards allowed): Heartbeat, Shutdown, Time Synchronization.", NULL },
};
static const struct cmd_param p_set[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 1, "The service: Heartbeat, Shutdown, Time Synchronization.", NULL },
};

const struct cmd_def cmdlets_integration[] = {
	{ "Get-VMIntegrationService", "Lists a VM's integration services.",
	  "Lists the VMBus integration services the host offers the VM (Heartbeat, Shutdown, Time Synchronization): whether each is enabled, its status while the VM runs (OK; NoContact before the guest opens it; LostCommunication when the guest stopped answering heartbeats; ProtocolMismatch when it had no common version) and the protocol version the guest chose.",
	  p_get, 2, cmdlet_get_vmintegrationservice, NULL },
	{ "Enable-VMIntegrationService", "Offers an integration service to a VM.",
	  "Enables the service: offered at the next Start-VM, and at once (a new channel offer) if the VM runs.",
	  p_set, 2, cmdlet_enable_vmintegrationservice, NULL },
	{ "Disable-VMIntegrationService", "Withdraws an integration service from a VM.",
	  "Disables the service: not offered at Start-VM, and rescinded at once (the guest's channel is closed) if the VM runs.",
	  p_set, 2, cmdlet_disable_vmintegrationservice, NULL },
};
const int cmdlets_integration_count = sizeof(cmdlets_integration) / sizeof(cmdlets_integration[0]);
