/* A small demo command table shared by the console fuzzers. */
#ifndef HVPART_FUZZ_CONSOLE_DEMO_H
#define HVPART_FUZZ_CONSOLE_DEMO_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition/console/cmd.h"
#include "partition/console/table.h"

static size_t demo_out_bytes;

static void demo_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)       /* touch every byte (ASan) */
		demo_out_bytes += (unsigned char)s[i] != 0;
}

static int demo_handler(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const hdr[] = { "Name", "Memory", "Count", "Flag" };
	char mem[32];
	const char *row[4];
	int n = cmd_arg_count(a, "Module");

	tbl_format_bytes(mem, sizeof mem, cmd_arg_size(a, "MemoryStartupBytes", 0));
	row[0] = cmd_arg_str(a, "Name");
	row[1] = mem;
	row[2] = cmd_arg_str(a, "ProcessorCount");
	row[3] = cmd_arg_present(a, "TurnOff") ? "yes" : "no";
	struct tbl_sink out = cmd_sink(ctx);
	tbl_print(&out, hdr, 4, row, 1, "llrl");
	for (int i = 0; i < n; i++)
		cmd_printf(ctx, "module %d: %s\n", i, cmd_arg_str_at(a, "Module", i));
	if (cmd_arg_str_at(a, "Module", n) || cmd_arg_at(a, "Module", -1))
		abort();
	cmd_printf(ctx, "%lld\n", (long long)cmd_arg_int(a, "ProcessorCount", 1));
	static const char *const set[] = { "IDE", "SCSI", NULL };
	if (cmd_arg_enum(ctx, a, "Kernel", set, 0) > 1)
		abort();
	return 0;
}

/* Objects of every value type, for the pipeline. */
static const char *const demo_states[] = { "Off", "Running", NULL };
static const struct cmd_column demo_cols[] = {
	{ "Name", NULL, 0 }, { "State", NULL, 0 }, { "Mem", "Mem(M)", 'r' },
};
static const struct cmd_type demo_type = {
	"Demo", false, demo_cols, 3, "Group", "Directory", NULL,
};

static int demo_get(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const names[] = { "web1", "web2", "db", "" };
	const char *want = cmd_arg_str(a, "Name");

	for (int i = 0; i < 4; i++) {
		struct cmd_prop p[] = {
			CMD_PROP_STR("Name", names[i]),
			CMD_PROP_ENUM("State", i & 1, demo_states),
			CMD_PROP_BYTES("Mem", (uint64_t)i << 26),
			CMD_PROP_SPAN("Uptime", (uint64_t)i * 40000),
			CMD_PROP_INT("Id", i - 1),
			CMD_PROP_BOOL("On", i & 2),
			CMD_PROP_STR("Group", i < 2 ? "A" : "B"),
			CMD_PROP_NULL("Nothing"),
		};

		if (want && !cmd_match_glob(want, names[i]))
			continue;
		if (cmd_emit(ctx, &demo_type, p, 8))
			return -1;
	}
	return 0;
}

static const struct cmd_param demo_new_vm[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 0, "Name.",
	  CMD_ALIASES("VMName") },
	{ "MemoryStartupBytes", CMD_P_SIZE, CMD_F_REQUIRED, -1, "Memory.",
	  CMD_ALIASES("Memory", "RAM") },
	{ "ProcessorCount", CMD_P_INT, 0, -1, "CPUs.", NULL },
	{ "Kernel", CMD_P_STRING, 0, 1, "Kernel.", NULL },
	{ "KernelArgs", CMD_P_STRING, 0, -1, "Args.", NULL },
	{ "Module", CMD_P_STRING, CMD_F_MULTI, -1, "Modules.", NULL },
	{ "TurnOff", CMD_P_SWITCH, 0, -1, "Switch.", NULL },
};
static const struct cmd_param demo_name_only[] = {
	{ "Name", CMD_P_STRING, 0, 0, "Name.", CMD_ALIASES("VMName") },
	{ "TurnOff", CMD_P_SWITCH, 0, -1, "Switch.", CMD_ALIASES("Off", "T") },
};
static const char *const demo_aliases[] = { "gvm", NULL };
static const struct cmd_param demo_piped[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Name.", NULL },
	{ "Mem", CMD_P_SIZE, CMD_F_PIPELINE, 1, "Size.", NULL },
	{ "Id", CMD_P_INT, CMD_F_PIPELINE, -1, "Id.", NULL },
	{ "On", CMD_P_SWITCH, CMD_F_PIPELINE, -1, "Switch.", NULL },
	{ "Label", CMD_P_STRING, CMD_F_PIPELINE, -1, "By an alias.",
	  CMD_ALIASES("Tag", "Group") },
};

static const struct cmd_def demo_tab[] = {
	{ "New-VM", "Creates a VM.", "Long\ntext.", demo_new_vm, 7,
	  demo_handler, NULL },
	{ "Stop-VM", "Stops a VM.", NULL, demo_name_only, 2, demo_handler, NULL },
	{ "Get-VM", "Lists VMs.", "", demo_name_only, 1, demo_handler,
	  demo_aliases },
	{ "Get-VMHost", "Host.", "", NULL, 0, demo_handler, NULL },
	{ "Stop-VMHost", "Off.", "", NULL, 0, NULL, NULL },
	{ "Get-Thing", "Objects.", "", demo_name_only, 1, demo_get, NULL },
	{ "Set-Thing", "Takes input.", "", demo_piped, 5, demo_handler, NULL },
};
#define DEMO_N ((int)(sizeof demo_tab / sizeof demo_tab[0]))

static int demo_path(void *ctx, const char *prefix, size_t len,
		     const char **m, int max)
{
	static const char *const files[] = { "C:\\vms\\", "C:\\vms.txt",
					     "note.txt" };
	int k = 0;

	(void)ctx;
	for (int i = 0; i < 3; i++)
		if (strlen(files[i]) >= len && !strncmp(files[i], prefix, len)) {
			if (k < max)
				m[k] = files[i];
			k++;
		}
	return k;
}

static int demo_complete(void *ctx, const char *line, size_t cur,
			 size_t *start, const char **m, int max)
{
	return cmd_complete_line(demo_tab, DEMO_N, line, cur, start, m, max,
				 demo_path, ctx);
}

#endif
