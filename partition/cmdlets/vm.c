/*
 * The child-partition cmdlets: New-VM, Start-VM, Stop-VM, Remove-VM,
 * Get-VM, Wait-VM, Get-VMConsoleLog, Connect-VM. Each validates its input,
 * prints one clear error, and leaves nothing half-made on failure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/drivers/pit.h"
#include "partition/drivers/serial.h"
#include "partition/parent.h"
#include "partition/vm.h"
#include "partition/cmdlets/cmdlets.h"

static const char *const exit_names[HVPART_EXIT_KINDS] = {
	"CPUID", "MsrRead", "MsrWrite", "IoPort", "Hlt", "Hypercall",
	"EptViolation", "ExternalInterrupt", "ControlRegister", "TripleFault",
	"PreemptionTimer", "Other",
};

static struct vm *vm_arg(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg_str(a, "Name");
	struct vm *vm = name ? vm_find(name) : NULL;

	if (!vm)
		cmd_error(ctx, a, "Hyper-V was unable to find a virtual machine with name \"%s\".",
			  name ? name : "");
	return vm;
}

static int cmdlet_new_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm_config c = { 0 };
	char why[160];

	c.name = cmd_arg_str(a, "Name");
	c.kernel = cmd_arg_str(a, "Kernel");
	c.cmdline = cmd_arg_str(a, "KernelArgs");
	c.mem_bytes = cmd_arg_size(a, "MemoryStartupBytes", 0);
	c.processors = cmd_arg_int(a, "ProcessorCount", 1);
	c.nmodules = cmd_arg_count(a, "Module");
	if (c.nmodules > VM_MODULES_MAX)
		return cmd_error(ctx, a, "At most %d modules.", VM_MODULES_MAX);
	for (int i = 0; i < c.nmodules; i++)
		c.modules[i] = cmd_arg_str_at(a, "Module", i);
	if (vm_new(&c, why, sizeof(why)))
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

static int cmdlet_start_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = vm_arg(ctx, a);
	char why[160];

	if (!vm)
		return 0;
	if (vm_start(vm, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

static int cmdlet_stop_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = vm_arg(ctx, a);
	char why[160];

	if (!vm)
		return 0;
	/* No shutdown integration service yet: both forms turn the VM off. */
	if (vm_stop(vm, cmd_arg_present(a, "TurnOff") ? "turned off (Stop-VM -TurnOff)" :
			"stopped (Stop-VM)", why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

static int cmdlet_remove_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = vm_arg(ctx, a);
	char why[160];

	if (!vm)
		return 0;
	if (vm_remove(vm, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

static void fmt_uptime(char *buf, size_t n, const struct hvpart_partition_info *pi, bool have)
{
	if (!have || !parent_tsc_hz)
		snprintf(buf, n, "00:00:00");
	else
		tbl_format_uptime(buf, n, pi->run_tsc / parent_tsc_hz);
}

static void vm_detail(struct cmd_ctx *ctx, const struct hvpart_partition_info *pi,
		      const struct vm *vm)
{
	struct tbl_sink sink = cmd_sink(ctx);
	char vals[HVPART_EXIT_KINDS + 5][48];
	const char *names[HVPART_EXIT_KINDS + 6], *v[HVPART_EXIT_KINDS + 6];
	int n = 0;

	for (int k = 0; k < HVPART_EXIT_KINDS; k++) {
		snprintf(vals[n], sizeof(vals[0]), "%llu", (unsigned long long)pi->exits[k]);
		names[n] = exit_names[k];
		v[n] = vals[n];
		n++;
	}
	snprintf(vals[n], sizeof(vals[0]), "%llu", (unsigned long long)pi->exits_total);
	names[n] = "ExitsTotal";
	v[n] = vals[n];
	n++;
	snprintf(vals[n], sizeof(vals[0]), "%u", pi->last_exit_reason);
	names[n] = "LastExitReason";
	v[n] = vals[n];
	n++;
	if (pi->flags & HVPART_INFO_EXIT_CODE)
		snprintf(vals[n], sizeof(vals[0]), "%u", pi->exit_code);
	else
		snprintf(vals[n], sizeof(vals[0]), "-");
	names[n] = "ExitCode";
	v[n] = vals[n];
	n++;
	snprintf(vals[n], sizeof(vals[0]), "%llu", (unsigned long long)pi->overhead_bytes);
	names[n] = "HvOverheadBytes";
	v[n] = vals[n];
	n++;
	snprintf(vals[n], sizeof(vals[0]), "%llu", vm ? (unsigned long long)vm->start_cmd_tsc : 0ull);
	names[n] = "StartTsc";
	v[n] = vals[n];
	n++;
	names[n] = "StopReason";
	v[n++] = pi->stop_reason[0] ? pi->stop_reason : "-";
	tbl_print_list(&sink, names, v, n);
	tbl_newline(&sink);
}

#define GETVM_COLS 7
struct getvm_row {
	char c[GETVM_COLS][40];
};

static void getvm_fill(struct getvm_row *r, uint64_t id, const char *name, const char *state,
		       uint64_t mem, const struct hvpart_partition_info *pi, bool have)
{
	snprintf(r->c[0], 40, "%llu", (unsigned long long)id);
	snprintf(r->c[1], 40, "%s", name);
	snprintf(r->c[2], 40, "%s", state);
	tbl_format_bytes(r->c[3], 40, mem);
	snprintf(r->c[4], 40, "%u", have ? pi->vcpus : 1);
	fmt_uptime(r->c[5], 40, pi, have);
	snprintf(r->c[6], 40, "%llu", have ? (unsigned long long)pi->exits_total : 0ull);
}

static int cmdlet_get_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const hdr[GETVM_COLS] = { "Id", "Name", "State", "MemoryAssigned",
		"vCPUs", "Uptime", "Exits" };
	static struct getvm_row rows[VM_MAX + 1];
	static struct hvpart_partition_info infos[VM_MAX + 1];
	static const struct vm *owners[VM_MAX + 1];
	const char *cells[(VM_MAX + 1) * GETVM_COLS];
	const char *want = cmd_arg_str(a, "Name");
	uint64_t pid = 0;
	int n = 0;

	if (hvcall(HVCALL_HVPART_GET_PARTITION_INFO, &pid, 8, &infos[0], sizeof(infos[0])) == 0 &&
	    (!want || cmd_match_glob(want, infos[0].name))) {
		getvm_fill(&rows[n], 0, infos[0].name, infos[0].state == HVPART_STATE_RUNNING ?
			   "Running" : "Stopped", infos[0].mem_bytes, &infos[0], true);
		owners[n] = NULL;
		n++;
	}
	for (int i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_at(i);
		bool have;

		if (!vm || (want && !cmd_match_glob(want, vm->name)))
			continue;
		have = vm_query(vm, &infos[n]);
		if (!have)
			memset(&infos[n], 0, sizeof(infos[n]));
		getvm_fill(&rows[n], have ? infos[n].id : 0, vm->name, vm_state_name(vm, &infos[n], have),
			   vm->mem_bytes, &infos[n], have);
		if (!have)
			snprintf(rows[n].c[0], 40, "-");
		owners[n] = vm;
		n++;
	}
	if (!n && want)
		return cmd_error(ctx, a, "Hyper-V was unable to find a virtual machine with name \"%s\".", want);
	for (int r = 0; r < n; r++)
		for (int c = 0; c < GETVM_COLS; c++)
			cells[r * GETVM_COLS + c] = rows[r].c[c];
	{
		struct tbl_sink sink = cmd_sink(ctx);

		tbl_print(&sink, hdr, GETVM_COLS, cells, n, "lllrrrr");
	}
	if (want && n == 1)
		vm_detail(ctx, &infos[0], owners[0]);
	return 0;
}

static bool vm_stopped(const struct vm *vm, struct hvpart_partition_info *pi)
{
	return vm_query(vm, pi) && pi->state == HVPART_STATE_STOPPED;
}

static void print_final(struct cmd_ctx *ctx, const struct vm *vm, const struct hvpart_partition_info *pi)
{
	if (pi->flags & HVPART_INFO_EXIT_CODE)
		cmd_printf(ctx, "%s: Stopped, exit code %u (%s)\n", vm->name, pi->exit_code, pi->stop_reason);
	else
		cmd_printf(ctx, "%s: Stopped (%s)\n", vm->name, pi->stop_reason);
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
	while (!vm_stopped(vm, &pi)) {
		int c = serial_getc();

		if (c == 3)
			return cmd_error(ctx, a, "Interrupted; '%s' is still running.", vm->name);
		if (timeout >= 0 && pit_ticks - start >= (uint64_t)timeout * PIT_HZ)
			return cmd_error(ctx, a, "Timed out after %lld s; '%s' is still running.",
					 (long long)timeout, vm->name);
		vm_service();
		vm_idle();
	}
	print_final(ctx, vm, &pi);
	return 0;
}

static int cmdlet_get_vmconsolelog(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = vm_arg(ctx, a);
	uint64_t off, lost;
	char buf[512];
	size_t got;

	if (!vm)
		return 0;
	if (!vm->console.buf)
		return 0;   /* never started: nothing written */
	off = cring_oldest(&vm->console);
	while ((got = cring_read_from(&vm->console, &off, buf, sizeof(buf), &lost)) > 0)
		cmd_write(ctx, buf, got);
	return 0;
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
	{ "Name", CMD_P_STRING, 0, 0, "Name of the virtual machine (wildcards allowed)." },
};
static const struct cmd_param p_vm[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 0, "Name of the virtual machine." },
};
static const struct cmd_param p_stop[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 0, "Name of the virtual machine." },
	{ "TurnOff", CMD_P_SWITCH, 0, -1, "Turn the VM off at once (no guest shutdown)." },
};
static const struct cmd_param p_wait[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 0, "Name of the virtual machine." },
	{ "Timeout", CMD_P_INT, 0, -1, "Seconds to wait at most (default: no limit)." },
};
static const struct cmd_param p_new[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 0, "Name of the new virtual machine." },
	{ "MemoryStartupBytes", CMD_P_SIZE, CMD_F_REQUIRED, -1, "Its RAM (e.g. 32MB; 2MB multiples)." },
	{ "Kernel", CMD_P_STRING, CMD_F_REQUIRED, -1, "Multiboot v1/v2 ELF kernel: a boot file's name, or a path (C:\\guests\\x.elf)." },
	{ "Module", CMD_P_STRING, CMD_F_MULTI, -1, "A Multiboot module (name or path); repeatable." },
	{ "KernelArgs", CMD_P_STRING, 0, -1, "The kernel's command line." },
	{ "ProcessorCount", CMD_P_INT, 0, -1, "Virtual processors (1)." },
};

const struct cmd_def cmdlets_vm[] = {
	{ "Get-VM", "Lists partitions with their state, memory, uptime and exits.",
	  "Lists the parent and the virtual machines. With a name, also shows VM-exit counts by reason, the last exit reason, the exit code and why the partition stopped.",
	  p_name, 1, cmdlet_get_vm, NULL },
	{ "New-VM", "Creates a virtual machine.",
	  "Creates a child partition's configuration and checks that its kernel would boot; Start-VM runs it.",
	  p_new, 6, cmdlet_new_vm, NULL },
	{ "Start-VM", "Starts a virtual machine.",
	  "Gives the VM its memory, loads its kernel and modules, and starts it. A stopped VM boots afresh.",
	  p_vm, 1, cmdlet_start_vm, NULL },
	{ "Stop-VM", "Stops a virtual machine.",
	  "Stops the VM. Without a shutdown integration service both forms turn it off.",
	  p_stop, 2, cmdlet_stop_vm, NULL },
	{ "Remove-VM", "Deletes a virtual machine.",
	  "Deletes a VM that is not running; its memory returns to the host, scrubbed.",
	  p_vm, 1, cmdlet_remove_vm, NULL },
	{ "Wait-VM", "Waits until a virtual machine stops.",
	  "Blocks until the VM stops (or the timeout passes, or Ctrl-C), then prints its final state.",
	  p_wait, 2, cmdlet_wait_vm, NULL },
	{ "Get-VMConsoleLog", "Prints what a VM wrote to its COM1.",
	  "Prints the VM's COM1 output, kept in a 64 KiB ring.", p_vm, 1, cmdlet_get_vmconsolelog, NULL },
	{ "Connect-VM", "Joins a VM's COM1 to this console.",
	  "Joins the VM's COM1 to this console; Ctrl-] detaches.", p_vm, 1, cmdlet_connect_vm, NULL },
};
const int cmdlets_vm_count = sizeof(cmdlets_vm) / sizeof(cmdlets_vm[0]);
