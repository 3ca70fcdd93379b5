/*
 * The processor cmdlets: Get-VMProcessor and Set-VMProcessor (Hyper-V's
 * names and parameters: -VMName, -Count, -Reserve, -Maximum,
 * -RelativeWeight). Count is the VM's number of virtual processors, as
 * Set-VM -ProcessorCount sets it (only while the VM is off); the other
 * three are Hyper-V's processor resource control, which hv enforces per
 * virtual processor (partition/vm_sched.c, hv/core/sched.c) and which
 * take effect at once on a running VM. Get-VMProcessor also shows how
 * long each virtual processor has run in the guest.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "partition/cmdlets/cmdlets.h"
#include "partition/console/cmd.h"
#include "partition/vm.h"
#include "partition/vmstore.h"

static const struct cmd_column proc_cols[] = {
	{ "VMName", NULL, 0 }, { "Count", NULL, 'r' }, { "Reserve", NULL, 'r' },
	{ "Maximum", NULL, 'r' }, { "RelativeWeight", NULL, 'r' },
};
static const struct cmd_type proc_type = { "VMProcessor", false, proc_cols, 5, NULL, NULL, NULL };

/* "vCPU 0: 1.234 s on CPU 1, vCPU 1: 0.010 s on CPU 2" while it runs (or as it stopped), "-"
 * before its first start. */
static void run_times(const struct vm *vm, char *out, size_t n)
{
	struct hvpart_partition_info pi;
	const struct hvpart_partition_info *p = vm_query(vm, &pi) ? &pi : vm->have_final ? &vm->final : NULL;
	size_t at = 0;

	snprintf(out, n, "-");
	for (uint32_t i = 0; p && parent_tsc_hz && i < p->vcpus && i < 4 && at < n; i++) {
		uint64_t ms = p->vp_run_tsc[i] / (parent_tsc_hz / 1000);

		at += (size_t)snprintf(out + at, n - at, "%svCPU %u: %" PRIu64 ".%03u s on CPU %u",
				       i ? ", " : "", i, ms / 1000, (unsigned)(ms % 1000), p->vp_cpu[i]);
	}
}

static int proc_emit(struct cmd_ctx *ctx, const struct vm *vm)
{
	char times[128];

	run_times(vm, times, sizeof(times));
	{
		const struct cmd_prop p[] = {
			CMD_PROP_STR("VMName", vm->name),
			CMD_PROP_INT("Count", vm->processors),
			CMD_PROP_INT("Reserve", vm->reserve_pct),
			CMD_PROP_INT("Maximum", vm->max_pct),
			CMD_PROP_INT("RelativeWeight", vm->weight),
			CMD_PROP_STR("VirtualProcessorRunTime", times),
		};

		return cmd_emit(ctx, &proc_type, p, 6);
	}
}

static int cmdlet_get_vmprocessor(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmdlet_vm_named(ctx, a);

	return vm ? proc_emit(ctx, vm) : 0;
}

/* -name if given: in lo..hi into *out (1), or Hyper-V's error (0). */
static int ranged(struct cmd_ctx *ctx, const struct cmd_args *a, const char *name, int64_t lo,
		  int64_t hi, uint32_t *out)
{
	int64_t v;

	if (!cmd_arg_at(a, name, 0))
		return 1;
	v = cmd_arg_int(a, name, lo);
	if (v < lo || v > hi) {
		cmd_error(ctx, a, "%s must be between %" PRId64 " and %" PRId64 ".", name, lo, hi);
		return 0;
	}
	*out = (uint32_t)v;
	return 1;
}

/* Everything is checked before anything changes (as Set-VM). */
static int proc_check(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vm *vm,
		      struct vm *want)
{
	char why[160];

	if (cmd_arg_at(a, "Count", 0) && (cmdlet_vm_running(vm) || vm->saved))
		return cmd_error(ctx, a, "'%s' is %s: Count can be changed only while it is off (%s first).",
				 vm->name, vm->saved ? "saved" : "running",
				 vm->saved ? "Remove-VMSavedState" : "Stop-VM"), 0;
	if (cmd_arg_at(a, "Count", 0) &&
	    vm_check_processors(cmd_arg_int(a, "Count", 1), why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why), 0;
	if (cmd_arg_at(a, "Count", 0))
		want->processors = (uint32_t)cmd_arg_int(a, "Count", 1);
	if (!ranged(ctx, a, "Reserve", 0, 100, &want->reserve_pct) ||
	    !ranged(ctx, a, "Maximum", 1, 100, &want->max_pct) ||
	    !ranged(ctx, a, "RelativeWeight", 1, HVPART_WEIGHT_MAX, &want->weight))
		return 0;
	if (want->reserve_pct > want->max_pct)
		return cmd_error(ctx, a, "Reserve (%u) cannot be greater than Maximum (%u).",
				 want->reserve_pct, want->max_pct), 0;
	return 1;
}

static void proc_put(struct vm *vm, const struct vm *from)
{
	vm->processors = from->processors;
	vm->reserve_pct = from->reserve_pct;
	vm->max_pct = from->max_pct;
	vm->weight = from->weight;
}

static int cmdlet_set_vmprocessor(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static struct vm old, want;
	struct vm *vm = cmdlet_vm_named(ctx, a);
	char why[160];

	if (!vm)
		return 0;
	proc_put(&old, vm);
	proc_put(&want, vm);
	if (!proc_check(ctx, a, vm, &want))
		return 0;
	proc_put(vm, &want);
	if (vmstore_save(vm, why, sizeof(why))) {
		proc_put(vm, &old);
		return cmd_error(ctx, a, "%s; nothing was changed.", why);
	}
	if (vm_set_processor_share(vm, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	return 0;
}

static const struct cmd_param p_get[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
};
static const struct cmd_param p_set[] = {
	{ "VMName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Name of the virtual machine.", NULL },
	{ "Count", CMD_P_INT, 0, -1, "Virtual processors (1 to 4; only while it is off).", NULL },
	{ "Reserve", CMD_P_INT, 0, -1, "Percent of a physical processor each virtual processor is guaranteed (0 to 100).", NULL },
	{ "Maximum", CMD_P_INT, 0, -1, "Percent of a physical processor each virtual processor may use at most (1 to 100).", NULL },
	{ "RelativeWeight", CMD_P_INT, 0, -1, "Its share against other virtual processors that want the processor (1 to 10000; 100 by default).", NULL },
};

const struct cmd_def cmdlets_vmproc[] = {
	{ "Get-VMProcessor", "Shows a VM's processor settings.",
	  "Shows the VM's number of virtual processors (Count), its resource control (Reserve and Maximum in percent of a physical processor per virtual processor, RelativeWeight) and, in VirtualProcessorRunTime, how long each virtual processor has run in the guest since the VM started and on which logical processor it runs.",
	  p_get, 1, cmdlet_get_vmprocessor, NULL },
	{ "Set-VMProcessor", "Changes a VM's processor settings.",
	  "Sets the number of virtual processors (-Count, only while the VM is off) and the resource control, which a running VM gets at once: -Reserve guarantees each virtual processor that percent of a physical processor, -Maximum caps it, and -RelativeWeight divides the processor among virtual processors that all want it, in proportion to their weights. hv measures over 100 ms periods.",
	  p_set, 5, cmdlet_set_vmprocessor, NULL },
};
const int cmdlets_vmproc_count = sizeof(cmdlets_vmproc) / sizeof(cmdlets_vmproc[0]);
