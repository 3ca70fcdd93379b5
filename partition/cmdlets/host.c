/*
 * The host cmdlets: Get-VMHost, Get-VMHostLog, Stop-VMHost, Measure-VMHost,
 * Debug-VMHost. Parsing, Get-Help and error wording live in
 * partition/console; each handler here validates what it was given, prints
 * one clear error for a bad value, and changes nothing in that case.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/arch/cpu.h"
#include "partition/arch/psmp.h"
#include "partition/drivers/serial.h"
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/parent.h"
#include "partition/cmdlets/cmdlets.h"
#include "partition/volume/volume.h"
#include "partition/hvcheck.h"
#include "partition/pmem.h"
#include "partition/vm.h"
#include "partition/vm_merge.h"
#include "partition/vmstore.h"


/* The backend's features in use, by the names of its vendor's manual
 * (bit i of HVPART_VMXF_* or HVPART_SVMF_*). */
static void virt_feature_text(uint32_t arch, uint32_t f, char *buf, size_t n)
{
	static const char *const vmx[] = { "EPT", "UnrestrictedGuest", "VPID",
		"PreemptionTimer", "EPT-2MB", "EPT-1GB", "HltActivityState", NULL };
	static const char *const svm[] = { "NestedPaging", "NRIPSave", "VmcbClean",
		"FlushByAsid", "DecodeAssists", "NPT-1GB", NULL };
	const char *const *names = arch == HVPART_ARCH_SVM ? svm : vmx;

	buf[0] = '\0';
	for (size_t i = 0; names[i]; i++)
		if (f & (1u << i))
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s",
				 buf[0] ? ", " : "", names[i]);
}

static const struct cmd_type vmhost_type = { "VMHost", true, NULL, 0, NULL, NULL, NULL };

static int cmdlet_get_vmhost(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct hvpart_host_info hi;
	char feat[160], rev[16];
	struct serial_stats ss;
	uint16_t st = hvcall(HVCALL_HVPART_GET_HOST_INFO, NULL, 0, &hi, sizeof(hi));

	if (st)
		return cmd_error(ctx, a, "hv refused the host query (status %#x).", st);
	virt_feature_text(hi.arch, hi.vmx_features, feat, sizeof(feat));
	snprintf(rev, sizeof(rev), "%#x", hi.vmcs_revision);
	serial_get_stats(&ss);
	{
		const struct cmd_prop p[] = {
			CMD_PROP_STR("ComputerName", "hvpart"),
			CMD_PROP_STR("HypervisorVersion", hi.version),
			CMD_PROP_STR("Processor", hi.cpu_brand),
			/* Processors hv runs on; LogicalProcessorsFound: the
			 * firmware's count, more when some did not start. */
			CMD_PROP_INT("LogicalProcessorCount", hi.cpus_online),
			CMD_PROP_INT("LogicalProcessorsFound", hi.cpus_listed),
			/* Processors the children's virtual processors run
			 * on (the application processors, or the boot one),
			 * the IPIs and EPT flushes between processors. */
			CMD_PROP_INT("ChildProcessorCount", hi.cpus_children),
			/* The parent's own processors running, one per
			 * processor hv runs on, as Hyper-V's root has. */
			CMD_PROP_INT("ParentProcessorCount", psmp_online()),
			CMD_PROP_INT("ProcessorKicks", (int64_t)hi.kicks),
			CMD_PROP_INT("RemoteFlushes", (int64_t)hi.remote_flushes),
			/* Child vCPUs moved to even the processors' loads,
			 * and the TLB flushes as vCPUs arrive on one. */
			CMD_PROP_INT("VirtualProcessorMoves", (int64_t)hi.vcpu_moves),
			CMD_PROP_INT("TlbFlushes", (int64_t)hi.tlb_flushes),
			/* An AP's waits in HLT with its timer armed for a
			 * halted vCPU's next interrupt (not a PAUSE loop). */
			CMD_PROP_INT("ProcessorTimedHalts", (int64_t)hi.timed_halts),
			CMD_PROP_STR("Virtualization", hi.arch == HVPART_ARCH_SVM ?
				     "AMD-V (SVM)" : "Intel VT-x"),
			CMD_PROP_STR("VirtualizationFeatures", feat),
			CMD_PROP_STR(hi.arch == HVPART_ARCH_SVM ? "SvmRevision" : "VmcsRevision", rev),
			CMD_PROP_BYTES("MemoryTotal", hi.mem_total),
			CMD_PROP_BYTES("MemoryFree", pmem_free_bytes()),
			CMD_PROP_BYTES("MemoryHypervisor", hi.mem_hv),
			CMD_PROP_INT("MemoryFreeBytes", (int64_t)pmem_free_bytes()),
			CMD_PROP_INT("HvPoolFreeBytes", (int64_t)hi.mem_hv_pool_free),
			CMD_PROP_INT("TscHz", (int64_t)parent_tsc_hz),
			CMD_PROP_INT("Partitions", hi.partitions),
			CMD_PROP_INT("PromptTsc", (int64_t)parent_prompt_tsc),
			CMD_PROP_INT("ConsoleRxBytes", (int64_t)ss.rx_bytes),
			CMD_PROP_INT("ConsoleOverruns", (int64_t)ss.rx_overruns),
			CMD_PROP_INT("ConsoleRxDropped", (int64_t)ss.rx_dropped),
			CMD_PROP_INT("InterruptsWhileMasked", (int64_t)cpu_masked_deliveries()),
			CMD_PROP_INT("InterruptsLost", (int64_t)cpu_lost_interrupts()),
			CMD_PROP_INT("GpadlPages", (int64_t)hi.gpadl_pages),
			CMD_PROP_INT("GpadlHeldPages", (int64_t)hi.gpadl_held_pages),
			CMD_PROP_STR("VirtualMachinePath", vmstore_where()),
		};

		return cmd_emit(ctx, &vmhost_type, p, sizeof(p) / sizeof(p[0]));
	}
}

/* hv's log ring into lines. 0, also after an error line for a failed
 * read (the text read so far still goes out, as it did when printed), or
 * the negative errno of a failed emit. */
static int hostlog_read(struct cmd_ctx *ctx, const struct cmd_args *a, struct cmd_lines *lines)
{
	static struct hvpart_log_chunk chunk;
	uint64_t off = 0;
	int rc = 0;

	for (int guard = 0; rc == 0 && guard < 64; guard++) {
		uint16_t st = hvcall(HVCALL_HVPART_READ_LOG, &off, sizeof(off), &chunk, sizeof(chunk));

		if (st)
			return cmd_error(ctx, a, "hv refused the log read (status %#x).", st);
		if (chunk.len > sizeof(chunk.data))
			return cmd_error(ctx, a, "hv returned a malformed log chunk.");
		rc = cmd_lines_feed(ctx, lines, chunk.data, chunk.len);
		off = chunk.start + chunk.len;
		if (!chunk.len || off >= chunk.end)
			break;
	}
	return rc;
}

/* One string per line into the pipeline (Select-String, Select-Object
 * -Last 5); shown at the end of a pipeline they print as the log did. */
static int cmdlet_get_vmhostlog(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct cmd_lines lines = { 0 };
	int rc = hostlog_read(ctx, a, &lines);

	if (rc) {
		cmd_lines_free(&lines);
		return rc;
	}
	return cmd_lines_end(ctx, &lines);
}

static int cmdlet_stop_vmhost(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	(void)a;
	cmd_printf(ctx, "Stopping the virtual machine host.\n");
	vmstore_host_stop();   /* each VM's AutomaticStopAction */
	volume_unmount_all();
	parent_power_off();
}

/* Benchmarks (tests/bench/boot): cost of a CPUID exit and of a null
 * hypercall round trip, in TSC ticks (instructions under Bochs with
 * clock: sync=none). */
/* The parent's memcpy of a 1,500-byte frame, best of 8 (the caches and
 * TLB warm), through the library call netvsp's copies make (a volatile
 * length, so the compiler does not inline it): the reference of issue
 * 16's frame benchmark (tests/bench/netvsp/bench_netvsp_wire.py). */
static uint64_t memcpy_1500_ticks(void)
{
	static uint8_t from[1500], to[1500];
	volatile size_t n = sizeof(from);
	uint64_t best = ~0ull;

	for (int i = 0; i < 8; i++) {
		uint64_t t0 = cpu_rdtsc(), t;

		memcpy(to, from, n);
		t = cpu_rdtsc() - t0;
		best = t < best ? t : best;
	}
	return best;
}

static int cmdlet_measure_vmhost(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	int64_t iters = cmd_arg_int(a, "Iterations", 1000);
	uint32_t r[4];
	uint64_t t0, t1, t2;

	if (iters < 1 || iters > 1000000)
		return cmd_error(ctx, a, "Iterations must be between 1 and 1000000.");
	t0 = cpu_rdtsc();
	for (int64_t i = 0; i < iters; i++)
		cpu_cpuid(0, 0, r);
	t1 = cpu_rdtsc();
	for (int64_t i = 0; i < iters; i++)
		hvcall_fast(HVCALL_HVPART_NULL, 0);
	t2 = cpu_rdtsc();
	cmd_printf(ctx, "CpuidRoundTripTsc     : %llu\n", (unsigned long long)((t1 - t0) / iters));
	cmd_printf(ctx, "HypercallRoundTripTsc : %llu\n", (unsigned long long)((t2 - t1) / iters));
	cmd_printf(ctx, "HvEntryTsc            : %llu\n", (unsigned long long)parent_boot->boot_tsc);
	cmd_printf(ctx, "Memcpy1500Tsc         : %llu\n", (unsigned long long)memcpy_1500_ticks());
	{
		struct hvpart_host_info hi;

		if (hvcall(HVCALL_HVPART_GET_HOST_INFO, NULL, 0, &hi, sizeof(hi)))
			hi.switches = hi.xstate_switches = 0;
		if (hi.switches)
			cmd_printf(ctx, "PartitionSwitchTsc    : %llu (%llu switches)\n",
				   (unsigned long long)(hi.switch_ticks / hi.switches),
				   (unsigned long long)hi.switches);
		if (hi.xstate_switches)
			cmd_printf(ctx, "XStateSwitchTsc       : %llu (%llu switches)\n",
				   (unsigned long long)(hi.xstate_ticks / hi.xstate_switches),
				   (unsigned long long)hi.xstate_switches);
	}
	cmd_printf(ctx, "PromptTsc             : %llu\n", (unsigned long long)parent_prompt_tsc);
	cmd_printf(ctx, "UnannouncedIntercepts : %llu\n", (unsigned long long)vm_unannounced);
	return 0;
}

/* Debug-VMHost -Action SaveRestore -VMName N: the vCPU context round
 * trip (docs/hypercalls.md "vCPU context") until Save-VM exists. */
static int debug_save_restore(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static struct vm_sr_report r;
	const char *name = cmd_arg_str(a, "VMName");
	const struct hvpart_vp_context_body *c = &r.ctx.b;
	struct vm *vm = name ? vm_find(name) : NULL;
	char why[160];

	if (!name)
		return cmd_error(ctx, a, "SaveRestore needs -VMName.");
	if (!vm)
		return cmd_error(ctx, a, "Hyper-V was unable to find a virtual machine with name \"%s\".", name);
	if (vm_save_restore(vm, &r, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	cmd_printf(ctx, "Saved '%s' (partition %llu): context version %u, %u bytes, RIP %#llx, "
		   "TSC %llu, LAPIC timer %llu ticks left, XCR0 %#llx\n", vm->name,
		   (unsigned long long)r.old_id, c->version, c->size,
		   (unsigned long long)c->regs.rip, (unsigned long long)c->msr.tsc,
		   (unsigned long long)c->lapic.timer_left, (unsigned long long)c->xcr0);
	cmd_printf(ctx, "Restored '%s' into partition %llu and started it (%llu TSC ticks "
		   "suspended)\n", vm->name, (unsigned long long)r.new_id,
		   (unsigned long long)(r.t1 - r.t0));
	return 0;
}

/* Fault injection and self-tests for the system tests: each fault is
 * something a buggy parent could do, and hv must contain it. */
static int act_touch_hv(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	(void)a;
	cmd_printf(ctx, "Reading hv's first page (0x200000)...\n");
	(void)*(volatile uint64_t *)(uintptr_t)0x200000;
	cmd_printf(ctx, "The read completed: hv memory is NOT isolated.\n");
	return 0;
}

static int act_triple_fault(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	(void)ctx;
	(void)a;
	cpu_force_triple_fault();
}

static int act_unknown_hypercall(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	uint16_t st = hvcall_fast(0x7fff, 0);

	(void)a;
	cmd_printf(ctx, "Hypercall 0x7fff returned status %#x%s\n", st,
		   st == HV_STATUS_INVALID_HYPERCALL_CODE ? " (HV_STATUS_INVALID_HYPERCALL_CODE)" : "");
	return 0;
}

static int act_hypercall_validation(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	(void)ctx;
	(void)a;
	hvcheck_run();
	return 0;
}

static int act_parent_processors(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	(void)ctx;
	(void)a;
	hvcheck_run_psmp();
	return 0;
}

static int act_dump_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vm *vm = cmd_arg_str(a, "VMName") ? vm_find(cmd_arg_str(a, "VMName")) : NULL;

	if (!vm)
		return cmd_error(ctx, a, "DumpVM needs -VMName and a virtual machine of that name.");
	return cmdlet_dump_vm(ctx, a, vm);
}

static int act_hold_merges(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	(void)ctx;
	(void)a;
	vm_merge_hold(true);
	return 0;
}

static int act_release_merges(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	(void)ctx;
	(void)a;
	vm_merge_hold(false);
	return 0;
}

static int act_lose_interrupt(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (cpu_lose_interrupt())
		return cmd_error(ctx, a, "The 8259 gave no IRQ 4 to lose.");
	cmd_printf(ctx, "COM1's IRQ 4 is in service at the 8259 with no handler run.\n");
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct cmd_ctx *ctx, const struct cmd_args *a);
} debug_actions[] = {
	{ "TouchHvMemory", act_touch_hv },
	{ "TripleFault", act_triple_fault },
	{ "UnknownHypercall", act_unknown_hypercall },
	{ "HypercallValidation", act_hypercall_validation },
	{ "ParentProcessors", act_parent_processors },
	{ "SaveRestore", debug_save_restore },
	{ "DumpVM", act_dump_vm },
	{ "HoldMerges", act_hold_merges },
	{ "ReleaseMerges", act_release_merges },
	{ "LoseInterrupt", act_lose_interrupt },
};

/* An action not in the table: Hyper-V's kind of error, naming them all. */
static int act_unknown(struct cmd_ctx *ctx, const struct cmd_args *a, const char *act)
{
	char list[256];
	size_t at = 0;

	list[0] = '\0';
	for (size_t i = 0; i < sizeof(debug_actions) / sizeof(debug_actions[0]) && at < sizeof(list); i++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", i ? ", " : "",
				       debug_actions[i].name);
	return cmd_error(ctx, a, "Unknown action '%s'. Valid actions: %s.", act, list);
}

static int cmdlet_debug_vmhost(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *act = cmd_arg_str(a, "Action");

	for (size_t i = 0; i < sizeof(debug_actions) / sizeof(debug_actions[0]); i++)
		if (!strcasecmp(act, debug_actions[i].name))
			return debug_actions[i].fn(ctx, a);
	return act_unknown(ctx, a, act);
}

static const struct cmd_param p_measure[] = {
	{ "Iterations", CMD_P_INT, 0, 0, "Round trips to time (default 1000).", NULL },
};
static const struct cmd_param p_debug[] = {
	{ "Action", CMD_P_STRING, CMD_F_REQUIRED, 0,
	  "TouchHvMemory, TripleFault, UnknownHypercall, HypercallValidation, ParentProcessors (its part for the parent's processors alone), SaveRestore, DumpVM, HoldMerges, ReleaseMerges or LoseInterrupt.", NULL },
	{ "VMName", CMD_P_STRING, 0, 0, "SaveRestore: the running VM to save and restore; DumpVM: the running VM to show.", NULL },
};

const struct cmd_def cmdlets_host[] = {
	{ "Get-VMHost", "Shows the hypervisor, processor, VT-x or AMD-V features and memory.",
	  "Shows hv's version, the processor model, the virtualization extension hv runs on (Intel VT-x or AMD-V) with the features of it hv uses, and memory: total, free in the parent, and owned by hv.",
	  NULL, 0, cmdlet_get_vmhost, NULL },
	{ "Get-VMHostLog", "Prints the hypervisor's log.",
	  "Prints hv's log ring (the last 64 KiB of its messages). Each line is a string in the pipeline: Get-VMHostLog | Select-String capture, Get-VMHostLog | Select-Object -Last 20.",
	  NULL, 0, cmdlet_get_vmhostlog, NULL },
	{ "Stop-VMHost", "Powers the machine off.",
	  "Applies each running VM's AutomaticStopAction (TurnOff; ShutDown and Save turn the VM off until the shutdown integration service and saved states exist), records which VMs were running for AutomaticStartAction StartIfRunning, unmounts the drives and powers the machine off cleanly (ACPI S5); under an emulator this ends the emulator.",
	  NULL, 0, cmdlet_stop_vmhost, NULL },
	{ "Measure-VMHost", "Times VM-exit round trips.",
	  "Times CPUID-exit and null-hypercall round trips from the parent, in TSC ticks, and the parent's memcpy of 1,500 bytes (Memcpy1500Tsc, the reference of the frame benchmark).",
	  p_measure, 1, cmdlet_measure_vmhost, NULL },
};
const int cmdlets_host_count = sizeof(cmdlets_host) / sizeof(cmdlets_host[0]);

/* Diagnostics: not Hyper-V's, not for running VMs; Get-Help lists them
 * after every other hvpart cmdlet and says so. */
const struct cmd_def cmdlets_diag[] = {
	{ "Debug-VMHost", "Diagnostic, not for normal use: fault injection for hv's tests.",
	  "A diagnostic for hvpart's system tests, not a Hyper-V cmdlet: it makes the parent misbehave on purpose, to check that hv contains it. TouchHvMemory reads hv memory (hv must stop the parent), TripleFault triple-faults (hv must stop the parent), UnknownHypercall issues an undefined call code (hv must return HV_STATUS_INVALID_HYPERCALL_CODE), HypercallValidation feeds the partition-management calls bad input and checks every status and that nothing changed, SaveRestore -VMName N suspends a running VM, exports its vCPU context and copies its memory, builds a new partition from them and starts it in the old one's place (the building block of Save-VM; VMBus and IDE devices start afresh). DumpVM -VMName N shows a running VM's COM1 and 8259 state and its vCPU 0's registers, local APIC (requested and in-service vectors) and synthetic timers, for a guest that hangs. HoldMerges stops running VMs' live merges (Remove-VMSnapshot) halfway until ReleaseMerges, so that a test can cut one midway.",
	  p_debug, 2, cmdlet_debug_vmhost, NULL },
};
const int cmdlets_diag_count = sizeof(cmdlets_diag) / sizeof(cmdlets_diag[0]);
