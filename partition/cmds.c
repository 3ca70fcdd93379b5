/*
 * The parent console's cmdlets (Hyper-V PowerShell names). Parsing,
 * Get-Help and error wording live in partition/console; each handler here
 * validates what it was given, prints one clear error for a bad value,
 * and changes nothing in that case.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/arch/cpu.h"
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/parent.h"
#include "partition/cmds.h"

static const char *const state_names[] = { "Off", "Running", "Stopped" };
static const char *const exit_names[HVPART_EXIT_KINDS] = {
	"CPUID", "MsrRead", "MsrWrite", "IoPort", "Hlt", "Hypercall",
	"EptViolation", "ExternalInterrupt", "ControlRegister", "TripleFault",
	"PreemptionTimer", "Other",
};

static uint64_t parent_free_bytes(void)
{
	uint64_t sum = parent_heap_free();

	for (uint32_t i = 0; i < parent_boot->mem_count; i++)
		sum += parent_boot->mem[i].length;
	return sum;
}

static void vmx_feature_text(uint32_t f, char *buf, size_t n)
{
	static const char *const names[] = { "EPT", "UnrestrictedGuest", "VPID",
		"PreemptionTimer", "EPT-2MB", "EPT-1GB", "HltActivityState" };

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & (1u << i))
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s",
				 buf[0] ? ", " : "", names[i]);
}

static int cmd_get_vmhost(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct hvpart_host_info hi;
	char feat[160], tot[24], fre[24], hvm[24], rev[16], tsc[24], parts[8];
	struct tbl_sink sink = cmd_sink(ctx);
	uint16_t st = hvcall(HVCALL_HVPART_GET_HOST_INFO, NULL, 0, &hi, sizeof(hi));

	if (st)
		return cmd_error(ctx, a, "hv refused the host query (status %#x).", st);
	vmx_feature_text(hi.vmx_features, feat, sizeof(feat));
	tbl_format_bytes(tot, sizeof(tot), hi.mem_total);
	tbl_format_bytes(fre, sizeof(fre), parent_free_bytes());
	tbl_format_bytes(hvm, sizeof(hvm), hi.mem_hv);
	snprintf(rev, sizeof(rev), "%#x", hi.vmcs_revision);
	snprintf(tsc, sizeof(tsc), "%llu", (unsigned long long)parent_prompt_tsc);
	snprintf(parts, sizeof(parts), "%u", hi.partitions);
	{
		const char *names[] = { "ComputerName", "HypervisorVersion", "Processor",
			"VmxFeatures", "VmcsRevision", "MemoryTotal", "MemoryFree",
			"MemoryHypervisor", "Partitions", "PromptTsc" };
		const char *vals[] = { "hvpart", hi.version, hi.cpu_brand, feat, rev,
			tot, fre, hvm, parts, tsc };

		tbl_newline(&sink);
		tbl_print_list(&sink, names, vals, 10);
		tbl_newline(&sink);
	}
	return 0;
}

static int vm_query(uint64_t id, struct hvpart_partition_info *pi)
{
	return hvcall(HVCALL_HVPART_GET_PARTITION_INFO, &id, sizeof(id), pi, sizeof(*pi));
}

static void vm_detail(struct cmd_ctx *ctx, const struct hvpart_partition_info *pi)
{
	struct tbl_sink sink = cmd_sink(ctx);
	char vals[HVPART_EXIT_KINDS + 1][24];
	const char *names[HVPART_EXIT_KINDS + 2], *v[HVPART_EXIT_KINDS + 2];
	int n = 0;

	for (int k = 0; k < HVPART_EXIT_KINDS; k++) {
		snprintf(vals[k], sizeof(vals[k]), "%llu", (unsigned long long)pi->exits[k]);
		names[n] = exit_names[k];
		v[n++] = vals[k];
	}
	snprintf(vals[HVPART_EXIT_KINDS], sizeof(vals[0]), "%llu",
		 (unsigned long long)pi->exits_total);
	names[n] = "ExitsTotal";
	v[n++] = vals[HVPART_EXIT_KINDS];
	names[n] = "StopReason";
	v[n++] = pi->stop_reason[0] ? pi->stop_reason : "-";
	tbl_print_list(&sink, names, v, n);
	tbl_newline(&sink);
}

static int cmd_get_vm(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *want = cmd_arg_str(a, "Name");
	struct hvpart_partition_info pi;
	char cells[16][6][32];
	const char *rows[16 * 6];
	static const char *const hdr[] = { "Id", "Name", "State", "MemoryAssigned", "vCPUs", "Exits" };
	int n = 0, matched = 0;

	for (uint64_t id = 0; id < 16 && vm_query(id, &pi) == 0; id++) {
		if (want && !cmd_match_glob(want, pi.name))
			continue;
		matched++;
		snprintf(cells[n][0], 32, "%llu", (unsigned long long)pi.id);
		snprintf(cells[n][1], 32, "%s", pi.name);
		snprintf(cells[n][2], 32, "%s", pi.state < 3 ? state_names[pi.state] : "?");
		tbl_format_bytes(cells[n][3], 32, pi.mem_bytes);
		snprintf(cells[n][4], 32, "%u", pi.vcpus);
		snprintf(cells[n][5], 32, "%llu", (unsigned long long)pi.exits_total);
		for (int c = 0; c < 6; c++)
			rows[n * 6 + c] = cells[n][c];
		n++;
		if (want)
			break;
	}
	if (!matched)
		return cmd_error(ctx, a, "Hyper-V was unable to find a virtual machine with name \"%s\".",
				 want ? want : "");
	{
		struct tbl_sink sink = cmd_sink(ctx);

		tbl_print(&sink, hdr, 6, rows, n, "llllrr");
		if (want)
			vm_detail(ctx, &pi);
	}
	return 0;
}

static int cmd_get_vmhostlog(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static struct hvpart_log_chunk chunk;
	uint64_t off = 0;

	for (int guard = 0; guard < 64; guard++) {
		uint16_t st = hvcall(HVCALL_HVPART_READ_LOG, &off, sizeof(off), &chunk, sizeof(chunk));

		if (st)
			return cmd_error(ctx, a, "hv refused the log read (status %#x).", st);
		if (chunk.len > sizeof(chunk.data))
			return cmd_error(ctx, a, "hv returned a malformed log chunk.");
		cmd_write(ctx, chunk.data, chunk.len);
		off = chunk.start + chunk.len;
		if (!chunk.len || off >= chunk.end)
			break;
	}
	return 0;
}

static int cmd_stop_vmhost(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	(void)a;
	cmd_printf(ctx, "Stopping the virtual machine host.\n");
	parent_power_off();
}

static int cmd_get_childitem(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *pat = cmd_arg_str(a, "Path");
	char cells[HVPART_MAX_MODULES][2][HVPART_NAME_MAX];
	const char *rows[HVPART_MAX_MODULES * 2];
	static const char *const hdr[] = { "Name", "Length" };
	int n = 0;

	for (uint32_t i = 0; i < parent_boot->module_count; i++) {
		const struct hvpart_module *m = &parent_boot->modules[i];

		if (pat && !cmd_match_glob(pat, m->name))
			continue;
		snprintf(cells[n][0], HVPART_NAME_MAX, "%s", m->name);
		snprintf(cells[n][1], HVPART_NAME_MAX, "%llu", (unsigned long long)m->length);
		rows[n * 2] = cells[n][0];
		rows[n * 2 + 1] = cells[n][1];
		n++;
	}
	if (!n && pat)
		return cmd_error(ctx, a, "Cannot find path '%s' because it does not exist.", pat);
	{
		struct tbl_sink sink = cmd_sink(ctx);

		tbl_print(&sink, hdr, 2, rows, n, "lr");
	}
	return 0;
}

static int cmd_get_content(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *path = cmd_arg_str(a, "Path");
	const struct hvpart_module *m = parent_file_find(path);
	const char *p;

	if (!m)
		return cmd_error(ctx, a, "Cannot find path '%s' because it does not exist.", path);
	p = (const char *)(uintptr_t)m->base;
	for (uint64_t i = 0; i < m->length; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
			return cmd_error(ctx, a, "'%s' is a binary file; Get-Content shows text only.", path);
	cmd_write(ctx, p, m->length);
	if (m->length && p[m->length - 1] != '\n')
		cmd_write(ctx, "\n", 1);
	return 0;
}

/* Benchmarks (tests/bench/boot): cost of a CPUID exit and of a null
 * hypercall round trip, in TSC ticks (instructions under Bochs with
 * clock: sync=none). */
static int cmd_measure_vmhost(struct cmd_ctx *ctx, const struct cmd_args *a)
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
	cmd_printf(ctx, "PromptTsc             : %llu\n", (unsigned long long)parent_prompt_tsc);
	return 0;
}

/* Fault injection for the system tests: each action is something a buggy
 * parent could do, and hv must contain it. */
static int cmd_debug_vmhost(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *act = cmd_arg_str(a, "Action");

	if (!strcasecmp(act, "TouchHvMemory")) {
		cmd_printf(ctx, "Reading hv's first page (0x200000)...\n");
		(void)*(volatile uint64_t *)(uintptr_t)0x200000;
		cmd_printf(ctx, "The read completed: hv memory is NOT isolated.\n");
	} else if (!strcasecmp(act, "TripleFault")) {
		cpu_force_triple_fault();
	} else if (!strcasecmp(act, "UnknownHypercall")) {
		uint16_t st = hvcall_fast(0x7fff, 0);

		cmd_printf(ctx, "Hypercall 0x7fff returned status %#x%s\n", st,
			   st == HV_STATUS_INVALID_HYPERCALL_CODE ? " (HV_STATUS_INVALID_HYPERCALL_CODE)" : "");
	} else {
		return cmd_error(ctx, a, "Unknown action '%s'. Valid actions: TouchHvMemory, TripleFault, UnknownHypercall.", act);
	}
	return 0;
}

static const struct cmd_param p_name[] = {
	{ "Name", CMD_P_STRING, 0, 0, "Name of the virtual machine (wildcards allowed)." },
};
static const struct cmd_param p_path[] = {
	{ "Path", CMD_P_STRING, 0, 0, "File name or wildcard pattern." },
};
static const struct cmd_param p_path_req[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "Name of the file." },
};
static const struct cmd_param p_measure[] = {
	{ "Iterations", CMD_P_INT, 0, 0, "Round trips to time (default 1000)." },
};
static const struct cmd_param p_debug[] = {
	{ "Action", CMD_P_STRING, CMD_F_REQUIRED, 0,
	  "TouchHvMemory, TripleFault or UnknownHypercall." },
};
static const char *const a_ls[] = { "ls", "dir", NULL };
static const char *const a_cat[] = { "cat", "type", NULL };

const struct cmd_def parent_cmds[] = {
	{ "Get-VMHost", "Shows the hypervisor, processor, VT-x features and memory.",
	  "Shows hv's version, the processor model, the VT-x features hv uses, and memory: total, free in the parent, and owned by hv.",
	  NULL, 0, cmd_get_vmhost, NULL },
	{ "Get-VM", "Lists partitions with their state, memory and exit counts.",
	  "Lists partitions. With a name, also shows VM-exit counts by reason and why the partition stopped.",
	  p_name, 1, cmd_get_vm, NULL },
	{ "Get-VMHostLog", "Prints the hypervisor's log.",
	  "Prints hv's log ring (the last 64 KiB of its messages).", NULL, 0, cmd_get_vmhostlog, NULL },
	{ "Stop-VMHost", "Powers the machine off.",
	  "Powers the machine off cleanly (ACPI S5); under an emulator this ends the emulator.",
	  NULL, 0, cmd_stop_vmhost, NULL },
	{ "Get-ChildItem", "Lists the files handed over at boot.",
	  "Lists files the boot loader handed over (GRUB modules), by base name.",
	  p_path, 1, cmd_get_childitem, a_ls },
	{ "Get-Content", "Prints a text file.", "Prints a text file handed over at boot.",
	  p_path_req, 1, cmd_get_content, a_cat },
	{ "Measure-VMHost", "Times VM-exit round trips.",
	  "Times CPUID-exit and null-hypercall round trips from the parent, in TSC ticks.",
	  p_measure, 1, cmd_measure_vmhost, NULL },
	{ "Debug-VMHost", "Fault injection for tests.",
	  "Makes the parent misbehave on purpose, to check that hv contains it: TouchHvMemory reads hv memory (hv must stop the parent), TripleFault triple-faults (hv must stop the parent), UnknownHypercall issues an undefined call code (hv must return HV_STATUS_INVALID_HYPERCALL_CODE).",
	  p_debug, 1, cmd_debug_vmhost, NULL },
};
const int parent_ncmds = sizeof(parent_cmds) / sizeof(parent_cmds[0]);
