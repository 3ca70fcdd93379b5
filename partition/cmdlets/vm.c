/*
 * The child-partition cmdlets: New-VM, Set-VM, Rename-VM, Start-VM,
 * Stop-VM, Remove-VM, Get-VM, Wait-VM, Get-VMConsoleLog, Connect-VM.
 * With a host volume, New-VM, Set-VM, Rename-VM and Remove-VM keep the
 * VM's configuration on it (partition/vmstore.c). Each validates its input,
 * prints one clear error, and leaves nothing half-made on failure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/clock.h"
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/drivers/pit.h"
#include "partition/drivers/serial.h"
#include "partition/lib/guid.h"
#include "partition/parent.h"
#include "partition/vm.h"
#include "partition/vm_merge.h"
#include "partition/vm_snap.h"
#include "partition/vmstore.h"
#include "partition/cmdlets/cmdlets.h"
#include "partition/vsp/vsp_dev.h"
#include "partition/vsp/vsp_host.h"
#include "partition/vsp/vsp_ic.h"

static const char *const exit_names[HVPART_EXIT_KINDS] = {
	"CPUID", "MsrRead", "MsrWrite", "IoPort", "Hlt", "Hypercall",
	"EptViolation", "ExternalInterrupt", "ControlRegister", "TripleFault",
	"PreemptionTimer", "Other",
};

/* Get-VM lists the parent, so a VM cmdlet given its name says why it
 * will not act on it rather than that no such VM exists. */
static const struct { const char *cmdlet, *why; } parent_refusals[] = {
	{ "Remove-VM", "it cannot be removed." },
	{ "Stop-VM", "it cannot be stopped here (Stop-VMHost powers the machine off)." },
	{ "Start-VM", "it is always running." },
	{ "Wait-VM", "it stops only with the machine (Stop-VMHost)." },
	{ "Get-VMConsoleLog", "its output is this console (Get-VMHostLog prints hv's log)." },
	{ "Connect-VM", "this console is its console already." },
	{ NULL, "this cmdlet acts on virtual machines only." },   /* any other cmdlet */
};

static struct vm *vm_arg(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg_str(a, "Name");
	struct vm *vm = name ? vm_find(name) : NULL;
	int i = 0;

	if (vm)
		return vm;
	if (!name || !vm_is_parent_name(name)) {
		cmd_error(ctx, a, "Hyper-V was unable to find a virtual machine with name \"%s\".",
			  name ? name : "");
		return NULL;
	}
	while (parent_refusals[i].cmdlet && strcasecmp(parent_refusals[i].cmdlet, a->def->name))
		i++;
	cmd_error(ctx, a, "'%s' is the parent partition, which runs this console: %s", name,
		  parent_refusals[i].why);
	return NULL;
}

/* The new VM's folder and configuration; on failure the VM is gone again. */
static int persist_new(struct vm *vm, const char *path, char *why, size_t n)
{
	char unused[160];
	int rc = vmstore_plan(vm->name, path, vm->folder, sizeof(vm->folder), why, n);

	if (!rc)
		rc = vmstore_create(vm, why, n);
	if (rc)
		vm_remove(vm, unused, sizeof(unused));
	return rc;
}

static int cmdlet_new_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm_config c = { 0 };
	char why[160];

	c.name = cmd_arg_str(a, "Name");
	c.kernel = cmd_arg_str(a, "Kernel");
	c.cmdline = cmd_arg_str(a, "KernelArgs");
	c.initrd = cmd_arg_str(a, "Initrd");
	c.mem_bytes = cmd_arg_size(a, "MemoryStartupBytes", 0);
	c.processors = cmd_arg_int(a, "ProcessorCount", 1);
	c.nmodules = cmd_arg_count(a, "Module");
	if (c.nmodules > VM_MODULES_MAX)
		return cmd_error(ctx, a, "At most %d modules.", VM_MODULES_MAX);
	for (int i = 0; i < c.nmodules; i++)
		c.modules[i] = cmd_arg_str_at(a, "Module", i);
	if (vm_new(&c, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	if (persist_new(vm_find(c.name), cmd_arg_str(a, "Path"), why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	{
		char mem[24];
		struct tbl_sink sink = cmd_sink(ctx);
		static const char *const hdr[] = { "Name", "State", "MemoryStartup", "Kernel" };
		const char *row[4] = { c.name, "Off", mem, c.kernel };

		tbl_format_bytes(mem, sizeof(mem), c.mem_bytes);
		tbl_print(&sink, hdr, 4, row, 1, NULL);
	}
	return 0;
}

/* Runs fn on the VM -Name names, or on each VM a wildcard matches (none:
 * nothing, as PowerShell does for a pattern). A negative result stops. */
static int vm_each(struct cmd_ctx *ctx, const struct cmd_args *a,
		   int (*fn)(struct cmd_ctx *, const struct cmd_args *, struct vm *))
{
	const char *name = cmd_arg_str(a, "Name");
	struct vm *vm;
	int rc = 0;

	if (!name || !strpbrk(name, "*?")) {
		vm = vm_arg(ctx, a);
		return vm ? fn(ctx, a, vm) : 0;
	}
	for (int i = 0; i < VM_MAX && rc >= 0; i++)
		if ((vm = vm_at(i)) != NULL && cmd_match_glob(name, vm->name))
			rc = fn(ctx, a, vm);
	return rc;
}

static int start_one(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm)
{
	char why[512];

	if (vm_start(vm, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

static int cmdlet_start_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return vm_each(ctx, a, start_one);
}

static bool vm_stopped(const struct vm *vm, struct hvpart_partition_info *pi);

/* The guest's answer to the shutdown request: -1 none (yet), 0 yes,
 * 1 no. Looked up each time: the device goes when the VM stops. */
static int shutdown_answer(const struct vm *vm)
{
	if (vm->hv_id < 0)
		return -1;
	return vsp_ic_shutdown_answer(vsp_host_device((uint64_t)vm->hv_id, VSP_DEV_SHUTDOWN));
}

/* Waits (serving the children) until vm stops, or limit_s passes, or
 * (until_answer) the guest answers the shutdown request: true only
 * when it stopped. */
static bool stop_wait(struct vm *vm, uint64_t limit_s, bool until_answer)
{
	struct hvpart_partition_info pi;
	uint64_t start = pit_ticks;

	while (!vm_stopped(vm, &pi) && pit_ticks - start < limit_s * PIT_HZ) {
		if (until_answer && shutdown_answer(vm) >= 0)
			return false;
		vm_idle();
	}
	return vm_stopped(vm, &pi);
}

/* Stop-VM without -TurnOff: the guest is asked through the shutdown
 * integration service and given STOP_WAIT_S to stop (Hyper-V's
 * Stop-VM). -Force turns it off when it cannot be asked, does not
 * answer within STOP_ANSWER_S (unresponsive), or has not stopped in
 * time. */
#define STOP_WAIT_S   60
#define STOP_ANSWER_S 5

static int stop_graceful(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, bool force)
{
	void *sd = vm->hv_id >= 0 ? vsp_host_device((uint64_t)vm->hv_id, VSP_DEV_SHUTDOWN) : NULL;
	char why[160];
	const char *fail = NULL;

	if (vsp_ic_shutdown_send(sd))
		fail = "its shutdown integration service is not available";
	else if (stop_wait(vm, STOP_ANSWER_S, true))
		return 0;      /* it stopped before we saw its answer */
	else if (shutdown_answer(vm) < 0)
		fail = "the guest did not answer the shutdown request";
	else if (shutdown_answer(vm) > 0)
		fail = "the guest refused to shut down";
	else if (!stop_wait(vm, STOP_WAIT_S, false))
		fail = "the guest did not shut down in time";
	if (!fail)
		return 0;
	if (!force)
		return cmd_error(ctx, a, "'%s' was not shut down: %s. Stop-VM -Force turns it off then; "
				 "-TurnOff turns it off at once.", vm->name, fail);
	if (vm_stop(vm, "turned off (Stop-VM -Force)", why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

static int stop_vm(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm)
{
	struct hvpart_partition_info pi;
	char why[160];

	if (!cmd_arg_present(a, "TurnOff")) {
		if (!vm_query(vm, &pi) || pi.state != HVPART_STATE_RUNNING)
			return cmd_error(ctx, a, "'%s' is not running.", vm->name);
		return stop_graceful(ctx, a, vm, cmd_arg_present(a, "Force"));
	}
	if (vm_stop(vm, "turned off (Stop-VM -TurnOff)", why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

/* Once it is off, the merges Remove-VMSnapshot left for then (as
 * Windows Server 2008 R2 merges when the VM is off; vm_snap.h). */
static int stop_one(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm)
{
	int rc = stop_vm(ctx, a, vm);
	char why[512];

	if (!cmdlet_vm_running(vm) && vm_snap_merges(vm, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return rc;
}

static int cmdlet_stop_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return vm_each(ctx, a, stop_one);
}

/* A VM's partition exists and runs (vm_query is false for one that has
 * none). */
bool cmdlet_vm_running(const struct vm *vm)
{
	struct hvpart_partition_info pi;

	return vm_query(vm, &pi) && pi.state == HVPART_STATE_RUNNING;
}

/* -VMName's VM, or NULL after Hyper-V's error for a name it cannot find. */
struct vm *cmdlet_vm_named(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg_str(a, "VMName");
	struct vm *vm = name ? vm_find(name) : NULL;

	if (!vm)
		cmd_error(ctx, a, "Hyper-V was unable to find a virtual machine with name \"%s\".",
			  name ? name : "");
	return vm;
}

/* As Hyper-V's Remove-VM: the configuration goes, files that are not
 * hvpart's (VHDs someone put in the folder) stay. */
static int remove_one(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm)
{
	char why[160], folder[VM_FOLDER_MAX];
	bool kept = false;

	snprintf(folder, sizeof(folder), "%s", vm->folder);
	if (!cmdlet_vm_running(vm) && vm->saved && vm_discard_saved(vm, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	if (!cmdlet_vm_running(vm) && vmstore_delete(vm, &kept, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	if (vm_remove(vm, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	if (kept)
		cmd_printf(ctx, "The configuration was deleted; %s stays because it holds other files.\n",
			   folder);
	return 0;
}

/* ---- Set-VM ---- */

struct vm_settings {
	uint32_t processors;
	uint64_t mem_bytes;
	enum vmcfg_start start;
	enum vmcfg_stop stop;
	char notes[VMCFG_NOTES_MAX];
};

static void settings_get(const struct vm *vm, struct vm_settings *s)
{
	s->mem_bytes = vm->mem_bytes;
	s->processors = vm->processors;
	s->start = vm->start_action;
	s->stop = vm->stop_action;
	memcpy(s->notes, vm->notes, sizeof(s->notes));
}

static void settings_put(struct vm *vm, const struct vm_settings *s)
{
	vm->mem_bytes = s->mem_bytes;
	vm->processors = s->processors;
	vm->start_action = s->start;
	vm->stop_action = s->stop;
	memcpy(vm->notes, s->notes, sizeof(vm->notes));
}

/* Hyper-V changes memory and processors only while a VM is off; the rest
 * any time. Everything is checked before anything changes. */
static int set_check(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm,
		     struct vm_settings *s)
{
	const char *notes = cmd_arg_str(a, "Notes");
	bool mem = cmd_arg_at(a, "MemoryStartupBytes", 0), cpus = cmd_arg_at(a, "ProcessorCount", 0);
	char why[160];

	if ((mem || cpus) && cmdlet_vm_running(vm))
		return cmd_error(ctx, a, "'%s' is running: %s can be changed only while it is off (Stop-VM first).",
				 vm->name, mem ? "MemoryStartupBytes" : "ProcessorCount");
	if ((mem || cpus) && vm->saved)
		return cmd_error(ctx, a, "'%s' is saved: %s can be changed only while it is off (Remove-VMSavedState first).",
				 vm->name, mem ? "MemoryStartupBytes" : "ProcessorCount");
	if (mem) {
		s->mem_bytes = cmd_arg_size(a, "MemoryStartupBytes", 0);
		if (vm_check_memory(s->mem_bytes, why, sizeof(why)))
			return cmd_error(ctx, a, "%s", why);
	}
	if (cpus) {
		int64_t count = cmd_arg_int(a, "ProcessorCount", 1);

		if (vm_check_processors(count, why, sizeof(why)))
			return cmd_error(ctx, a, "%s", why);
		s->processors = (uint32_t)count;
	}
	if (s->stop == VMCFG_STOP_SAVE && !vm->folder[0])
		return cmd_error(ctx, a, "AutomaticStopAction Save needs a folder on a writable host volume (C:) for the saved state; '%s' is kept in memory only.",
				 vm->name);
	if (notes && strlen(notes) >= sizeof(s->notes))
		return cmd_error(ctx, a, "Notes may be at most %zu characters.", sizeof(s->notes) - 1);
	if (notes)
		snprintf(s->notes, sizeof(s->notes), "%s", notes);
	return 1;
}

static int set_one(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm)
{
	int start = cmd_arg_enum(ctx, a, "AutomaticStartAction", vmcfg_start_names, -1);
	int stop = start < -1 ? start : cmd_arg_enum(ctx, a, "AutomaticStopAction", vmcfg_stop_names, -1);
	struct vm_settings old, s;
	char why[160];

	if (start < -1 || stop < -1)
		return 0;   /* cmd_arg_enum said why */
	settings_get(vm, &old);
	s = old;
	if (start >= 0)
		s.start = (enum vmcfg_start)start;
	if (stop >= 0)
		s.stop = (enum vmcfg_stop)stop;
	if (set_check(ctx, a, vm, &s) != 1)
		return 0;
	settings_put(vm, &s);
	if (vmstore_save(vm, why, sizeof(why))) {
		settings_put(vm, &old);
		return cmd_error(ctx, a, "%s; nothing was changed.", why);
	}
	return 0;
}

static int cmdlet_set_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return vm_each(ctx, a, set_one);
}

/* ---- Rename-VM ---- */

static int cmdlet_rename_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = vm_arg(ctx, a);
	const char *to = cmd_arg_str(a, "NewName");
	char why[160];

	if (!vm)
		return 0;
	if (vmstore_rename(vm, to, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

static int cmdlet_remove_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return vm_each(ctx, a, remove_one);
}

/* Get-VM's objects. The table shows the first seven properties ("vCPUs"
 * is ProcessorCount, "Exits" ExitsTotal); Get-VM NAME's object (of
 * vm_detail_type) is shown as that table and then the list of its ids,
 * VM-exit counts, exit code and why it stopped. Hyper-V's states: a VM
 * that is not running is Off (a stopped child keeps no memory), or Saved
 * when Save-VM wrote its state to its folder (partition/vm_save.c). */
static const char *const vm_states[] = { "Off", "Running", "Saved", NULL };
static const struct cmd_column vm_cols[] = {
	{ "Id", NULL, 'l' }, { "Name", NULL, 0 }, { "State", NULL, 0 },
	{ "MemoryAssigned", NULL, 0 }, { "ProcessorCount", "vCPUs", 'r' },
	{ "Uptime", NULL, 0 }, { "ExitsTotal", "Exits", 'r' }, { "Heartbeat", NULL, 0 },
	{ "Status", NULL, 0 },
};
_Static_assert(HVPART_EXIT_KINDS == 12, "vm_detail_cols lists the exit kinds");
static const struct cmd_column vm_detail_cols[] = {
	{ "VMId", NULL, 0 }, { "PartitionId", NULL, 0 }, { "CPUID", NULL, 0 }, { "MsrRead", NULL, 0 }, { "MsrWrite", NULL, 0 },
	{ "IoPort", NULL, 0 }, { "Hlt", NULL, 0 }, { "Hypercall", NULL, 0 },
	{ "EptViolation", NULL, 0 }, { "ExternalInterrupt", NULL, 0 },
	{ "ControlRegister", NULL, 0 }, { "TripleFault", NULL, 0 },
	{ "PreemptionTimer", NULL, 0 }, { "Other", NULL, 0 }, { "ExitsTotal", NULL, 0 },
	{ "LastExitReason", NULL, 0 }, { "ExitCode", NULL, 0 }, { "DebugExitStatus", NULL, 0 },
	{ "VirtualProcessors", NULL, 0 }, { "HvOverheadBytes", NULL, 0 }, { "StartTsc", NULL, 0 },
	{ "ConfigurationLocation", NULL, 0 }, { "AutomaticStartAction", NULL, 0 },
	{ "AutomaticStopAction", NULL, 0 }, { "Notes", NULL, 0 },
	{ "GuestResets", NULL, 0 }, { "LastGuestReset", NULL, 0 }, { "StopReason", NULL, 0 },
};
#define VM_DETAIL_COLS ((int)(sizeof(vm_detail_cols) / sizeof(vm_detail_cols[0])))

static void vm_show_detail(struct cmd_ctx *ctx, const struct cmd_obj *const *objs, int n)
{
	cmd_show_table(ctx, objs, n, vm_cols, 9);
	if (n == 1)
		cmd_show_fields(ctx, objs[0], vm_detail_cols, VM_DETAIL_COLS);
}

static const struct cmd_type vm_type = {
	"VirtualMachine", false, vm_cols, 9, NULL, NULL, NULL,
};
static const struct cmd_type vm_detail_type = {
	"VirtualMachine", false, vm_cols, 9, NULL, NULL, vm_show_detail,
};

#define VM_PROPS (13 + HVPART_EXIT_KINDS + 13)

/* One partition as Get-VM shows it. vm is NULL for the parent; have: pi
 * holds hv's view (of the latest run); up_ns: time since it started. */
struct vm_view {
	uint32_t id;
	const char *name;
	bool running, have;
	uint64_t mem, up_ns;
	const struct hvpart_partition_info *pi;
	const struct vm *vm;
};

/* ExitCode is what the guest wrote to the debug-exit port; QEMU's
 * isa-debug-exit would end the emulator with (code << 1) | 1 for the same
 * write, shown beside it because the test guests report pass that way. */
static int vm_exit_props(struct cmd_prop *p, const struct hvpart_partition_info *pi)
{
	if (!(pi->flags & HVPART_INFO_EXIT_CODE)) {
		p[0] = (struct cmd_prop)CMD_PROP_STR("ExitCode", "-");
		p[1] = (struct cmd_prop)CMD_PROP_STR("DebugExitStatus", "-");
		return 2;
	}
	p[0] = (struct cmd_prop)CMD_PROP_INT("ExitCode", pi->exit_code);
	p[1] = (struct cmd_prop)CMD_PROP_INT("DebugExitStatus", ((int64_t)pi->exit_code << 1) | 1);
	return 2;
}

/* A blocked vCPU's intercept fetched by the parent or not; a port
 * access answered and not yet finished; the parent's notification
 * waiting for delivery. */
static const char *vp_detail(uint32_t s)
{
	if ((s & 0xf) == HVPART_VP_BLOCKED)
		return (s & HVPART_VP_FETCHED) ? "(fetched)" : "(not fetched)";
	if (s & HVPART_VP_DONE)
		return "(answered)";
	return (s & HVPART_VP_NOTIFY) ? "(notified)" : "";
}

/* hv's view of each vCPU (HVPART_VP_*, docs/hypercalls.md): what it waits
 * for, as one word each, "-" for a partition not running. */
static const char *vp_states(const struct hvpart_partition_info *pi, char *buf, size_t len)
{
	static const char *const run[] = { "Running", "Halted", "WaitsForParent", "WaitsForSipi" };
	size_t at = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < pi->vcpus && i < 4 && at < len; i++) {
		uint32_t s = (pi->vp_states >> (8 * i)) & 0xff;

		at += (size_t)snprintf(buf + at, len - at, "%s%s%s", i ? " " : "",
				       (s & 0xf) < 4 ? run[s & 0xf] : "?",
				       vp_detail(s));
	}
	return buf[0] && pi->state == HVPART_STATE_RUNNING ? buf : "-";
}

/* The heartbeat integration service's view (partition/vsp/vsp_ic.h):
 * "-" for the parent and for a VM that is off. */
static const char *vm_heartbeat(const struct vm_view *w)
{
	if (!w->vm || !w->running || w->vm->hv_id < 0)
		return "-";
	if (w->vm->ic_disabled & (1u << VSP_DEV_HEARTBEAT))
		return "Disabled";
	return vsp_host_status((uint64_t)w->vm->hv_id, VSP_DEV_HEARTBEAT);
}

/* Hyper-V's Status: what the VM is busy with besides running, here a
 * live merge of its disks (Remove-VMSnapshot, partition/vm_merge.c). */
static const char *vm_status(const struct vm_view *w, char *buf, size_t n)
{
	uint32_t done, total;

	if (!w->vm || !w->running || vm_merge_progress(w->vm, &done, &total))
		return "Operating normally";
	snprintf(buf, n, "Merging (%u %%)", total ? (unsigned)((uint64_t)done * 100 / total) : 0);
	return buf;
}

/* Where the configuration is and the settings only it holds; the parent
 * has none ("-"). A VM in memory only (no host volume) says so. */
static int vm_config_props(struct cmd_prop *p, const struct vm *vm)
{
	p[0] = (struct cmd_prop)CMD_PROP_STR("ConfigurationLocation",
					     !vm ? "-" : vm->folder[0] ? vm->folder : "(memory only)");
	p[1] = (struct cmd_prop)CMD_PROP_STR("AutomaticStartAction",
					     vm ? vmcfg_start_names[vm->start_action] : "-");
	p[2] = (struct cmd_prop)CMD_PROP_STR("AutomaticStopAction",
					     vm ? vmcfg_stop_names[vm->stop_action] : "-");
	p[3] = (struct cmd_prop)CMD_PROP_STR("Notes", vm && vm->notes[0] ? vm->notes : "");
	return 4;
}

/* Hyper-V's view: a VM that is not running holds no memory and has no
 * uptime. */
static int vm_emit(struct cmd_ctx *ctx, const struct cmd_type *t, const struct vm_view *w)
{
	const struct hvpart_partition_info *pi = w->pi;
	char vmid[40] = "-", vps[96], status[32];
	struct cmd_prop p[VM_PROPS] = {
		CMD_PROP_INT("Id", w->id),
		CMD_PROP_STR("Name", w->name),
		CMD_PROP_ENUM("State", w->running ? 1 : w->vm && w->vm->saved ? 2 : 0, vm_states),
		CMD_PROP_BYTES("MemoryAssigned", w->running ? w->mem : 0),
		CMD_PROP_INT("ProcessorCount", w->have ? pi->vcpus : w->vm ? w->vm->processors : 1),
		CMD_PROP_SPAN("Uptime", w->running ? w->up_ns / 1000000000u : 0),
		CMD_PROP_INT("ExitsTotal", w->have ? (int64_t)pi->exits_total : 0),
		CMD_PROP_STR("Heartbeat", vm_heartbeat(w)),
		CMD_PROP_STR("Status", vm_status(w, status, sizeof(status))),
		CMD_PROP_STR("VMName", w->name),
		CMD_PROP_STR("VMId", vmid),
		w->have ? (struct cmd_prop)CMD_PROP_INT("PartitionId", (int64_t)pi->id) :
			  (struct cmd_prop)CMD_PROP_STR("PartitionId", "-"),
		CMD_PROP_INT("LastExitReason", pi->last_exit_reason),
	};
	int n = 13;

	if (w->vm)
		guid_format(w->vm->vmid, false, vmid, sizeof(vmid));
	for (int k = 0; k < HVPART_EXIT_KINDS; k++)
		p[n++] = (struct cmd_prop)CMD_PROP_INT(exit_names[k], (int64_t)pi->exits[k]);
	n += vm_exit_props(&p[n], pi);
	p[n++] = (struct cmd_prop)CMD_PROP_STR("VirtualProcessors", vp_states(pi, vps, sizeof(vps)));
	p[n++] = (struct cmd_prop)CMD_PROP_INT("HvOverheadBytes", (int64_t)pi->overhead_bytes);
	p[n++] = (struct cmd_prop)CMD_PROP_INT("StartTsc", w->vm ? (int64_t)w->vm->start_cmd_tsc : 0);
	n += vm_config_props(&p[n], w->vm);
	/* A guest reboot restarts the VM (partition/vm.c, vm_restart). */
	p[n++] = (struct cmd_prop)CMD_PROP_INT("GuestResets", w->vm ? w->vm->resets : 0);
	p[n++] = (struct cmd_prop)CMD_PROP_STR("LastGuestReset",
					       w->vm && w->vm->last_reset[0] ? w->vm->last_reset : "-");
	/* Last, as Get-VM NAME has always ended (scripts and tests look for it). */
	p[n++] = (struct cmd_prop)CMD_PROP_STR("StopReason",
					       pi->stop_reason[0] ? pi->stop_reason : "-");
	return cmd_emit(ctx, t, p, n);
}

static int cmdlet_get_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static struct hvpart_partition_info infos[VM_MAX + 1];
	static const struct vm *owners[VM_MAX + 1];
	static bool haves[VM_MAX + 1];
	const char *want = cmd_arg_str(a, "Name");
	const struct cmd_type *t;
	uint64_t pid = 0, now = clock_monotonic_ns();
	int n = 0, rc = 0;

	if (hvcall(HVCALL_HVPART_GET_PARTITION_INFO, &pid, 8, &infos[0], sizeof(infos[0])) == 0 &&
	    (!want || cmd_match_glob(want, infos[0].name))) {
		owners[n] = NULL;
		haves[n++] = true;
	}
	for (int i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_at(i);

		if (!vm || (want && !cmd_match_glob(want, vm->name)))
			continue;
		haves[n] = vm_query(vm, &infos[n]);
		if (!haves[n])
			memset(&infos[n], 0, sizeof(infos[n]));
		owners[n++] = vm;
	}
	if (!n && want)
		return cmd_error(ctx, a, "Hyper-V was unable to find a virtual machine with name \"%s\".", want);
	t = want && n == 1 ? &vm_detail_type : &vm_type;
	for (int r = 0; r < n && rc == 0; r++) {
		const struct vm *vm = owners[r];
		const struct hvpart_partition_info *pi = &infos[r];
		struct vm_view w = { 0, pi->name, pi->state == HVPART_STATE_RUNNING, haves[r],
				     pi->mem_bytes, now, pi, vm };

		if (vm) {
			w.id = vm->number;
			w.name = vm->name;
			w.mem = vm->mem_bytes;
			w.up_ns = now - vm->start_ns;
			w.running = haves[r] && w.running;
		}
		rc = vm_emit(ctx, t, &w);
	}
	return rc;
}

static bool vm_stopped(const struct vm *vm, struct hvpart_partition_info *pi)
{
	return vm_query(vm, pi) && pi->state == HVPART_STATE_STOPPED;
}

static void print_final(struct cmd_ctx *ctx, const struct vm *vm, const struct hvpart_partition_info *pi)
{
	if (pi->flags & HVPART_INFO_EXIT_CODE)
		cmd_printf(ctx, "%s: Off, exit code %u (%s)\n", vm->name, pi->exit_code, pi->stop_reason);
	else
		cmd_printf(ctx, "%s: Off (%s)\n", vm->name, pi->stop_reason);
}

static int cmdlet_wait_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = vm_arg(ctx, a);
	int64_t timeout = cmd_arg_int(a, "Timeout", -1);
	struct hvpart_partition_info pi;
	uint64_t start = pit_ticks;

	if (!vm)
		return 0;
	if (timeout < -1 || timeout > 86400)
		return cmd_error(ctx, a, "Timeout must be between 0 and 86400 seconds.");
	if (!vm_query(vm, &pi))
		return cmd_error(ctx, a, "'%s' has not been started.", vm->name);
	/* hv says when a child stops: ask it again only then. Input typed
	 * meanwhile stays for the console (type-ahead). */
	for (bool news = true; !news || !vm_stopped(vm, &pi); news = vm_idle()) {
		if (serial_take_interrupt())
			return cmd_error(ctx, a, "Interrupted; '%s' is still running.", vm->name);
		if (timeout >= 0 && pit_ticks - start >= (uint64_t)timeout * PIT_HZ)
			return cmd_error(ctx, a, "Timed out after %lld s; '%s' is still running.",
					 (long long)timeout, vm->name);
	}
	print_final(ctx, vm, &pi);
	return 0;
}

/* One string per line into the pipeline, as Get-VMHostLog's. */
static int cmdlet_get_vmconsolelog(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = vm_arg(ctx, a);
	struct cmd_lines lines = { 0 };
	uint64_t off, lost;
	char buf[512];
	size_t got;
	int rc = 0;

	if (!vm)
		return 0;
	if (!vm->console.buf)
		return 0;   /* never started: nothing written */
	off = cring_oldest(&vm->console);
	while (rc == 0 && (got = cring_read_from(&vm->console, &off, buf, sizeof(buf), &lost)) > 0)
		rc = cmd_lines_feed(ctx, &lines, buf, got);
	if (rc) {
		cmd_lines_free(&lines);
		return rc;
	}
	return cmd_lines_end(ctx, &lines);
}

/* Show the last lines the child wrote, as a terminal would still show. */
static void replay_tail(struct cmd_ctx *ctx, struct vm *vm)
{
	uint64_t end = cring_end(&vm->console), off, lost;
	char buf[512];
	size_t got;

	off = end > 1024 ? end - 1024 : 0;
	if (off < cring_oldest(&vm->console))
		off = cring_oldest(&vm->console);
	while ((got = cring_read_from(&vm->console, &off, buf, sizeof(buf), &lost)) > 0)
		cmd_write(ctx, buf, got);
}

static int cmdlet_connect_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = vm_arg(ctx, a);
	struct hvpart_partition_info pi;

	if (!vm)
		return 0;
	if (!vm_query(vm, &pi) || pi.state != HVPART_STATE_RUNNING)
		return cmd_error(ctx, a, "'%s' is not running.", vm->name);
	cmd_printf(ctx, "Connected to '%s' COM1. Press Ctrl-] to detach.\n", vm->name);
	replay_tail(ctx, vm);
	vm_set_attached(vm);
	for (;;) {
		int c = serial_getc();

		if (c == 0x1d)
			break;
		if (c >= 0) {
			uint8_t b = (uint8_t)c;

			uart_rx_push(&vm->uart, &b, 1);
		}
		vm_service();
		if (vm_stopped(vm, &pi)) {
			cmd_printf(ctx, "\n");
			print_final(ctx, vm, &pi);
			break;
		}
		if (c < 0)
			vm_idle();
	}
	vm_set_attached(NULL);
	cmd_printf(ctx, "\nDetached from '%s'.\n", vm->name);
	return 0;
}

static const struct cmd_param p_name[] = {
	{ "Name", CMD_P_STRING, CMD_F_EACH, 0, "Name of the virtual machine (wildcards allowed).", CMD_ALIASES("VMName") },
};
static const struct cmd_param p_vm[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Name of the virtual machine.", NULL },
};
static const struct cmd_param p_vms[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0,
	  "Name of the virtual machine, or a pattern (web*) for each that matches.", CMD_ALIASES("VMName") },
};
static const struct cmd_param p_stop[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0,
	  "Name of the virtual machine, or a pattern (web*) for each that matches.", CMD_ALIASES("VMName") },
	{ "TurnOff", CMD_P_SWITCH, 0, -1, "Turn the VM off at once (no guest shutdown).", NULL },
	{ "Force", CMD_P_SWITCH, 0, -1, "Turn the VM off if the guest cannot be asked, does not answer, or does not shut down in time.", NULL },
};
/* Hyper-V's Remove-VM asks for confirmation unless -Force; this console
 * never asks, and takes -Force so that scripts written for Hyper-V run. */
static const struct cmd_param p_remove[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0,
	  "Name of the virtual machine, or a pattern (web*) for each that matches.", CMD_ALIASES("VMName") },
	{ "Force", CMD_P_SWITCH, 0, -1, "Accepted for Hyper-V's scripts: this console deletes without asking.", NULL },
};
static const struct cmd_param p_wait[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "Timeout", CMD_P_INT, 0, -1, "Seconds to wait at most (default: no limit).", NULL },
};
static const struct cmd_param p_new[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 0, "Name of the new virtual machine.", CMD_ALIASES("VMName") },
	{ "MemoryStartupBytes", CMD_P_SIZE, CMD_F_REQUIRED, -1, "Its RAM (e.g. 32MB; 2MB multiples).", NULL },
	{ "Kernel", CMD_P_STRING, CMD_F_REQUIRED, -1, "Multiboot v1/v2 ELF kernel or Linux bzImage (told apart by content): a boot file's name, or a path (C:\\guests\\x.elf).", NULL },
	{ "Module", CMD_P_STRING, CMD_F_MULTI, -1, "A Multiboot module (name or path); repeatable.", NULL },
	{ "Initrd", CMD_P_STRING, 0, -1, "A Linux kernel's initial RAM disk (name or path).", NULL },
	{ "KernelArgs", CMD_P_STRING, 0, -1, "The kernel's command line.", NULL },
	{ "ProcessorCount", CMD_P_INT, 0, -1, "Virtual processors (1 to 4; default 1).", NULL },
	{ "Path", CMD_P_STRING, 0, -1, "Folder on C: that gets the VM's folder (default C:\\Hyper-V).", NULL },
};
static const struct cmd_param p_set[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0,
	  "Name of the virtual machine, or a pattern (web*) for each that matches.", CMD_ALIASES("VMName") },
	{ "MemoryStartupBytes", CMD_P_SIZE, 0, -1, "Its RAM (2MB multiples; only while it is off).", NULL },
	{ "ProcessorCount", CMD_P_INT, 0, -1, "Virtual processors (1 to 4; only while it is off).", NULL },
	{ "AutomaticStartAction", CMD_P_STRING, 0, -1, "At host start: Nothing, Start, or StartIfRunning (if it was running when the host stopped).", NULL },
	{ "AutomaticStopAction", CMD_P_STRING, 0, -1, "At Stop-VMHost: TurnOff, Save (as Save-VM), or ShutDown (a turn-off until the shutdown integration service exists).", NULL },
	{ "Notes", CMD_P_STRING, 0, -1, "Free text kept with the VM.", NULL },
};
static const struct cmd_param p_rename[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Name of the virtual machine.", CMD_ALIASES("VMName") },
	{ "NewName", CMD_P_STRING, CMD_F_REQUIRED, 1, "Its new name.", NULL },
};

const struct cmd_def cmdlets_vm[] = {
	{ "Get-VM", "Lists partitions with their state, memory, uptime and exits.",
	  "Lists the parent (Id 0) and the virtual machines (Id 1, 2, ... in order of creation; a name may hold wildcards: web*). A VM that is not running is Off and holds no memory, or Saved when Save-VM kept its state (Start-VM resumes it). With a name that matches one, also shows its VMId (a GUID), hv's PartitionId for its latest run, VM-exit counts by reason, the last exit reason, how often its guest reset it (GuestResets, LastGuestReset: a guest reboot starts the VM again, as in Hyper-V), why it stopped, and its ExitCode: the value the guest wrote to the debug-exit port 0xf4 (DebugExitStatus beside it is (ExitCode << 1) | 1, the exit status QEMU's isa-debug-exit gives the emulator for the same write). The objects carry all of these as properties: Get-VM | Format-List shows them, Get-VM | Where-Object State -eq Running picks, and the vCPUs and Exits columns are the ProcessorCount and ExitsTotal properties.",
	  p_name, 1, cmdlet_get_vm, NULL },
	{ "New-VM", "Creates a virtual machine.",
	  "Creates a child partition's configuration and checks that its kernel would boot; Start-VM runs it. With a host volume the configuration is kept in C:\\Hyper-V\\NAME\\config.txt (or PATH\\NAME\\config.txt with -Path; docs/vm-config.md describes the file), and the VM is there again after the host restarts; without one (booted from the ISO alone) it lasts until the host restarts. Get-VMHost's VirtualMachinePath says which.",
	  p_new, sizeof(p_new) / sizeof(p_new[0]), cmdlet_new_vm, NULL },
	{ "Set-VM", "Changes a virtual machine's settings.",
	  "Changes the memory and processor count (only while the VM is off, as Hyper-V), the automatic start and stop actions and the notes, and writes the configuration again. AutomaticStopAction Save makes Stop-VMHost save the VM (as Save-VM), and the next Start-VM resumes it.",
	  p_set, 6, cmdlet_set_vm, NULL },
	{ "Rename-VM", "Renames a virtual machine.",
	  "Gives the VM a new name; its folder under C:\\Hyper-V is renamed with it (a folder chosen with New-VM -Path stays where it is). A running VM keeps its partition's name until it restarts.",
	  p_rename, 2, cmdlet_rename_vm, NULL },
	{ "Start-VM", "Starts a virtual machine.",
	  "Gives the VM its memory, loads its kernel and modules, and starts it. A stopped VM boots afresh; a Saved one resumes where Save-VM stopped it, and its saved state is deleted. A pattern (web*) starts each VM it matches; Get-VM web* | Start-VM does the same.",
	  p_vms, 1, cmdlet_start_vm, NULL },
	{ "Stop-VM", "Stops a virtual machine.",
	  "Shuts the VM down: asks the guest through the Shutdown integration service and waits up to 60 s for it to stop. It fails, leaving the VM running, when the guest has not opened that service, does not answer within 5 s, refuses, or does not stop in time; -Force turns the VM off in those cases. -TurnOff turns it off at once, like pulling the plug. A pattern (web*) stops each VM it matches; Get-VM web* | Stop-VM does the same (Get-VM also lists the parent, which Stop-VM refuses).",
	  p_stop, 3, cmdlet_stop_vm, NULL },
	{ "Remove-VM", "Deletes a virtual machine.",
	  "Deletes a VM that is not running; its memory returns to the host, scrubbed. Its configuration file is deleted, and its folder too unless other files (VHDs) are in it, which stay, as Hyper-V keeps a removed VM's disks. A pattern (web*) deletes each VM it matches.",
	  p_remove, 2, cmdlet_remove_vm, NULL },
	{ "Wait-VM", "Waits until a virtual machine stops.",
	  "Blocks until the VM stops (or the timeout passes, or Ctrl-C), then prints its final state: Off, the guest's exit code if it wrote one to port 0xf4, and why it stopped.",
	  p_wait, 2, cmdlet_wait_vm, NULL },
	{ "Get-VMConsoleLog", "Prints what a VM wrote to its COM1.",
	  "Prints the VM's COM1 output, kept in a 64 KiB ring. Each line is a string in the pipeline: Get-VMConsoleLog web1 | Select-String -Pattern FAIL.",
	  p_vm, 1, cmdlet_get_vmconsolelog, NULL },
	{ "Connect-VM", "Joins a VM's COM1 to this console.",
	  "Joins the VM's COM1 to this console; Ctrl-] detaches.", p_vm, 1, cmdlet_connect_vm, NULL },
};
const int cmdlets_vm_count = sizeof(cmdlets_vm) / sizeof(cmdlets_vm[0]);
