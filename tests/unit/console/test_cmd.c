/* Unit tests for the cmdlet parser, dispatcher and Get-Help
 * (partition/console/cmd*.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "partition/console/cmd.h"
#include "partition/console/lineedit.h"
#include "tests/unit/console/capture.h"

static struct capture out;
static struct cmd_ctx ctx;

/* What the last handler saw. */
static struct {
	int calls;
	const char *cmd;
	char name[CMD_LINE_MAX];
	char kernel[CMD_LINE_MAX];
	bool has_name, has_kernel, turnoff, force;
	uint64_t mem;
	int64_t count;
	int nmod;
	char mods[4][64];
} seen;

static void copy_arg(const struct cmd_args *a, const char *p, char *dst,
		     bool *has)
{
	const char *s = cmd_arg_str(a, p);

	*has = s != NULL;
	snprintf(dst, CMD_LINE_MAX, "%s", s ? s : "");
}

static int record(struct cmd_ctx *c, const struct cmd_args *a)
{
	(void)c;
	seen.calls++;
	seen.cmd = a->def->name;
	copy_arg(a, "Name", seen.name, &seen.has_name);
	copy_arg(a, "kernel", seen.kernel, &seen.has_kernel);
	seen.turnoff = cmd_arg_present(a, "TurnOff");
	seen.force = cmd_arg_present(a, "Force");
	seen.mem = cmd_arg_size(a, "MemoryStartupBytes", 7);
	seen.count = cmd_arg_int(a, "ProcessorCount", -1);
	seen.nmod = cmd_arg_count(a, "Module");
	for (int i = 0; i < seen.nmod && i < 4; i++)
		snprintf(seen.mods[i], 64, "%s", cmd_arg_str_at(a, "Module", i));
	return 42;
}

static int fail_cmd(struct cmd_ctx *c, const struct cmd_args *a)
{
	cmd_error(c, a, "The operation failed: %d.", 5);
	return -EIO;
}

static const struct cmd_param new_vm_params[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 0, "The name of the new VM.", NULL },
	{ "MemoryStartupBytes", CMD_P_SIZE, CMD_F_REQUIRED, -1,
	  "Startup memory, e.g. 64MB.", NULL },
	{ "ProcessorCount", CMD_P_INT, 0, -1, "Virtual processors.", NULL },
	{ "Kernel", CMD_P_STRING, 0, 1, "Kernel image path.", NULL },
	{ "KernelArgs", CMD_P_STRING, 0, -1, "Kernel command line.", NULL },
	{ "Module", CMD_P_STRING, CMD_F_MULTI, -1, "Extra modules.", NULL },
	{ "TurnOff", CMD_P_SWITCH, 0, -1, "Power off at once.", NULL },
};
static const struct cmd_param stop_vm_params[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED, 0, "The VM to stop.", NULL },
	{ "TurnOff", CMD_P_SWITCH, 0, -1, "Cut the power.", NULL },
	{ "Force", CMD_P_SWITCH, 0, -1, "Do not ask.", NULL },
};
static const struct cmd_param get_vm_params[] = {
	{ "Name", CMD_P_STRING, 0, 0, "Only this VM.", NULL },
};
static const char *const get_vm_aliases[] = { "gvm", NULL };

static const struct cmd_def tab[] = {
	{ "New-VM", "Creates a virtual machine.",
	  "Creates a child partition.\nIt starts switched off.",
	  new_vm_params, 7, record, NULL },
	{ "Stop-VM", "Stops a virtual machine.", NULL, stop_vm_params, 3,
	  record, NULL },
	{ "Get-VM", "Lists virtual machines.", "Shows the VMs.", get_vm_params, 1,
	  record, get_vm_aliases },
	{ "Get-VMHost", "Shows the host.", "Host details.", NULL, 0, record,
	  NULL },
	{ "Fail-It", "Always fails.", "", NULL, 0, fail_cmd, NULL },
};
#define NTAB ((int)(sizeof tab / sizeof tab[0]))

static int setup(void **state)
{
	(void)state;
	capture_reset(&out);
	memset(&seen, 0, sizeof seen);
	ctx.write = capture_write;
	ctx.wctx = &out;
	ctx.crlf = false;
	return 0;
}

static int run(const char *line)
{
	return cmd_run_line(tab, NTAB, &ctx, line);
}

/* A parse error: returns rc, prints exactly msg + "\n", runs nothing. */
static void expect_error(const char *line, int rc, const char *msg)
{
	char want[1024];

	capture_reset(&out);
	seen.calls = 0;
	assert_int_equal(run(line), rc);
	snprintf(want, sizeof want, "%s\n", msg);
	assert_string_equal(out.buf, want);
	assert_int_equal(seen.calls, 0);
}

static void test_basic_dispatch(void **state)
{
	(void)state;
	assert_int_equal(run("New-VM -Name vm1 -MemoryStartupBytes 64MB"), 42);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.cmd, "New-VM");
	assert_string_equal(seen.name, "vm1");
	assert_int_equal(seen.mem, 64ull << 20);
	assert_int_equal(seen.count, -1);
	assert_false(seen.has_kernel);
	assert_false(seen.turnoff);
	assert_string_equal(out.buf, "");
}

static void test_case_insensitive(void **state)
{
	(void)state;
	assert_int_equal(run("nEW-vm -nAME a -memorystartupbytes 1gb"), 42);
	assert_string_equal(seen.cmd, "New-VM");
	assert_int_equal(seen.mem, 1ull << 30);
	assert_int_equal(run("GVM"), 42);           /* alias */
	assert_string_equal(seen.cmd, "Get-VM");
	assert_int_equal(run("get-vmhost"), 42);
	assert_string_equal(seen.cmd, "Get-VMHost");
}

static void test_abbreviation(void **state)
{
	(void)state;
	assert_int_equal(run("New-VM -N a -Mem 2MB -Proc 4 -Kernel k -Kernela x"),
			 42);
	assert_int_equal(seen.mem, 2ull << 20);
	assert_int_equal(seen.count, 4);
	assert_string_equal(seen.kernel, "k");   /* exact name beats prefix */
	assert_int_equal(run("Stop-VM x -t -f"), 42);
	assert_true(seen.turnoff);
	assert_true(seen.force);
	expect_error("New-VM -N a -Mem 1MB -Ke x", -EINVAL,
		     "New-VM : Parameter cannot be processed because the "
		     "parameter name 'Ke' is ambiguous. Possible matches "
		     "include: -Kernel -KernelArgs.");
}

static void test_positional(void **state)
{
	(void)state;
	assert_int_equal(run("New-VM vm2 -MemoryStartupBytes 4096"), 42);
	assert_string_equal(seen.name, "vm2");
	assert_int_equal(seen.mem, 4096);
	assert_int_equal(run("New-VM -Mem 1KB vm3 /boot/k"), 42);
	assert_string_equal(seen.name, "vm3");
	assert_string_equal(seen.kernel, "/boot/k");
	/* a named Name leaves the first positional for Kernel */
	assert_int_equal(run("New-VM /k -Name vm4 -Mem 1KB"), 42);
	assert_string_equal(seen.name, "vm4");
	assert_string_equal(seen.kernel, "/k");
	expect_error("New-VM a b c -Mem 1KB", -EINVAL,
		     "New-VM : A positional parameter cannot be found that "
		     "accepts argument 'c'.");
	expect_error("Get-VMHost extra", -EINVAL,
		     "Get-VMHost : A positional parameter cannot be found that "
		     "accepts argument 'extra'.");
}

static void test_switches_and_colon(void **state)
{
	(void)state;
	assert_int_equal(run("Stop-VM -Name:vm1 -TurnOff"), 42);
	assert_string_equal(seen.name, "vm1");
	assert_true(seen.turnoff);
	assert_int_equal(run("Stop-VM vm1 -TurnOff:$false -Force:$TRUE"), 42);
	assert_false(seen.turnoff);
	assert_true(seen.force);
	assert_int_equal(run("Stop-VM -Name: 'a b'"), 42);
	assert_string_equal(seen.name, "a b");
	assert_int_equal(run("New-VM -Name:\"x y\" -Mem:1MB"), 42);
	assert_string_equal(seen.name, "x y");
	assert_int_equal(seen.mem, 1 << 20);
	expect_error("Stop-VM a -TurnOff:maybe", -EINVAL,
		     "Stop-VM : Cannot bind parameter 'TurnOff'. Cannot convert "
		     "value \"maybe\" to type \"switch\".");
}

static void test_quoting(void **state)
{
	(void)state;
	assert_int_equal(run("Get-VM 'it''s here'"), 42);
	assert_string_equal(seen.name, "it's here");
	assert_int_equal(run("Get-VM \"say `\"hi`\" ``x\""), 42);
	assert_string_equal(seen.name, "say \"hi\" `x");
	assert_int_equal(run("Get-VM \"a\"\"b\""), 42);
	assert_string_equal(seen.name, "a\"b");
	assert_int_equal(run("Get-VM ab\"c d\"'e'"), 42);
	assert_string_equal(seen.name, "abc de");
	assert_int_equal(run("Get-VM a` b"), 42);
	assert_string_equal(seen.name, "a b");
	assert_int_equal(run("Get-VM ''"), 42);
	assert_true(seen.has_name);
	assert_string_equal(seen.name, "");
	assert_int_equal(run("Get-VM '-Name'"), 42);     /* quoted: a value */
	assert_string_equal(seen.name, "-Name");
	assert_int_equal(run("Get-VM \"'#x'\""), 42);
	assert_string_equal(seen.name, "'#x'");
	expect_error("Get-VM 'abc", -EINVAL,
		     "The string is missing the terminator: '.");
	expect_error("Get-VM \"abc", -EINVAL,
		     "The string is missing the terminator: \".");
	expect_error("Get-VM \"abc`\"", -EINVAL,
		     "The string is missing the terminator: \".");
	expect_error("Get-VM \"abc`", -EINVAL,
		     "The string is missing the terminator: \".");
}

static void test_sizes(void **state)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "0", 0 }, { "123", 123 }, { "1kb", 1024 }, { "2Kb", 2048 },
		{ "64MB", 64ull << 20 }, { "3gB", 3ull << 30 }, { "2TB", 2ull << 40 },
		{ "1PB", 1ull << 50 }, { "1.5GB", 3ull << 29 }, { "0.5KB", 512 },
		{ "1.25MB", 1310720 }, { "16383PB", 16383ull << 50 },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = {
		"", "12XB", "MB", "-1", "1.MB", "1..5", "1 MB", "0x10", "1K", "1KBB",
		"+5", "1.5.GB",
	};
	static const char *const big[] = {
		"18446744073709551616", "16384PB", "99999999999999999999999",
		"17179869184GB", "16383.999999999999999999PB",
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_int_equal(cmd_parse_size(ok[i].s, &v), 0);
		assert_int_equal(v, ok[i].v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(cmd_parse_size(bad[i], &v), -EINVAL);
	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
		assert_int_equal(cmd_parse_size(big[i], &v), -ERANGE);
	expect_error("New-VM a -MemoryStartupBytes 12XB", -EINVAL,
		     "New-VM : Cannot bind parameter 'MemoryStartupBytes'. "
		     "Cannot convert value \"12XB\" to type \"size\".");
	expect_error("New-VM a -Mem 99999999TB", -EINVAL,
		     "New-VM : Cannot bind parameter 'MemoryStartupBytes'. "
		     "Cannot convert value \"99999999TB\" to type \"size\". Value "
		     "was either too large or too small.");
}

static void test_ints(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(cmd_parse_int("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(cmd_parse_int("-7", &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(cmd_parse_int("+0x1F", &v), 0);
	assert_int_equal(v, 31);
	assert_int_equal(cmd_parse_int("9223372036854775807", &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(cmd_parse_int("-9223372036854775808", &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(cmd_parse_int("9223372036854775808", &v), -ERANGE);
	assert_int_equal(cmd_parse_int("-9223372036854775809", &v), -ERANGE);
	assert_int_equal(cmd_parse_int("0x", &v), -EINVAL);
	assert_int_equal(cmd_parse_int("", &v), -EINVAL);
	assert_int_equal(cmd_parse_int("4x", &v), -EINVAL);
	assert_int_equal(cmd_parse_int("-", &v), -EINVAL);
	assert_int_equal(run("New-VM a -Mem 1KB -ProcessorCount -3"), 42);
	assert_int_equal(seen.count, -3);                 /* "-3" is a value */
	expect_error("New-VM a -Mem 1KB -ProcessorCount two", -EINVAL,
		     "New-VM : Cannot bind parameter 'ProcessorCount'. Cannot "
		     "convert value \"two\" to type \"int\".");
}

static void test_multi(void **state)
{
	(void)state;
	assert_int_equal(run("New-VM a -Mem 1KB -Module m1 -module m2 -Mod m3"),
			 42);
	assert_int_equal(seen.nmod, 3);
	assert_string_equal(seen.mods[0], "m1");
	assert_string_equal(seen.mods[2], "m3");
	expect_error("New-VM -Name a -Mem 1KB -Name b", -EINVAL,
		     "New-VM : Cannot bind parameter because parameter 'Name' "
		     "is specified more than once.");
	expect_error("Stop-VM a -TurnOff -TurnOff", -EINVAL,
		     "Stop-VM : Cannot bind parameter because parameter "
		     "'TurnOff' is specified more than once.");
}

static void test_comma_lists(void **state)
{
	(void)state;
	assert_int_equal(run("New-VM a -Mem 1KB -Module m1,m2 -Module 'm,3'"), 42);
	assert_int_equal(seen.nmod, 3);
	assert_string_equal(seen.mods[0], "m1");
	assert_string_equal(seen.mods[1], "m2");
	assert_string_equal(seen.mods[2], "m,3");         /* quoted comma */
	assert_int_equal(run("New-VM x,y -Mem 1KB -Module:\"p\",q"), 42);
	assert_string_equal(seen.name, "x,y");            /* not a MULTI */
	assert_int_equal(seen.nmod, 2);
	assert_string_equal(seen.mods[1], "q");
	/* Blanks after a comma continue the list (Format-List A, B). */
	assert_int_equal(run("New-VM a -Mem 1KB -Module m1, m2,\t m3"), 42);
	assert_int_equal(seen.nmod, 3);
	assert_string_equal(seen.mods[1], "m2");
	assert_string_equal(seen.mods[2], "m3");
	expect_error("New-VM a -Mem 1KB -Module m1, ", -EINVAL,
		     "New-VM : Missing an item in the list for parameter "
		     "'Module'.");
	expect_error("New-VM a -Mem 1KB -Module m1,,m2", -EINVAL,
		     "New-VM : Missing an item in the list for parameter "
		     "'Module'.");
	expect_error("New-VM a -Mem 1KB -Module m1,", -EINVAL,
		     "New-VM : Missing an item in the list for parameter "
		     "'Module'.");
	expect_error("Get-VMHost a,b", -EINVAL,
		     "Get-VMHost : A positional parameter cannot be found that "
		     "accepts argument 'a,b'.");
	expect_error("Get,VM", -ENOENT,
		     "The term 'Get,VM' is not recognized as the name of a "
		     "cmdlet.");
	expect_error("New-VM a -Mem 1,5KB", -EINVAL,
		     "New-VM : Cannot bind parameter 'MemoryStartupBytes'. Cannot "
		     "convert value \"1,5KB\" to type \"size\".");
}

static const char *const types[] = { "IDE", "SCSI", NULL };
static int enum_result;

static int enum_cmd(struct cmd_ctx *c, const struct cmd_args *a)
{
	enum_result = cmd_arg_enum(c, a, "ControllerType", types, 7);
	return 0;
}

static void test_enum(void **state)
{
	static const struct cmd_param p[] = {
		{ "ControllerType", CMD_P_STRING, 0, 0, "IDE or SCSI.", NULL },
	};
	static const struct cmd_def d[] = {
		{ "Add-Disk", "", "", p, 1, enum_cmd, NULL },
	};

	(void)state;
	assert_int_equal(cmd_run_line(d, 1, &ctx, "Add-Disk scsi"), 0);
	assert_int_equal(enum_result, 1);
	assert_int_equal(cmd_run_line(d, 1, &ctx, "Add-Disk"), 0);
	assert_int_equal(enum_result, 7);
	assert_string_equal(out.buf, "");
	assert_int_equal(cmd_run_line(d, 1, &ctx, "Add-Disk -C Sata"), 0);
	assert_int_equal(enum_result, -EINVAL);
	assert_string_equal(out.buf, "Add-Disk : Cannot validate argument on "
			    "parameter 'ControllerType'. The argument \"Sata\" "
			    "does not belong to the set \"IDE,SCSI\".\n");
}

static void test_unknown_command(void **state)
{
	(void)state;
	expect_error("Foo-Bar", -ENOENT,
		     "The term 'Foo-Bar' is not recognized as the name of a "
		     "cmdlet.");
	/* a quoted first word is a value, as in PowerShell */
	expect_error("  'Get-VM x'  a", -EINVAL,
		     "Unexpected token 'a' in expression or statement.");
	expect_error("-Name", -ENOENT,
		     "The term '-Name' is not recognized as the name of a "
		     "cmdlet.");
}

static void test_unknown_and_missing(void **state)
{
	(void)state;
	expect_error("Stop-VM a -Foo", -EINVAL,
		     "Stop-VM : A parameter cannot be found that matches "
		     "parameter name 'Foo'.");
	expect_error("New-VM", -EINVAL,
		     "New-VM : Cannot process command because of one or more "
		     "missing mandatory parameters: Name MemoryStartupBytes.");
	expect_error("New-VM -MemoryStartupBytes 64MB", -EINVAL,
		     "New-VM : Cannot process command because of one or more "
		     "missing mandatory parameters: Name.");
	expect_error("New-VM a -Mem", -EINVAL,
		     "New-VM : Missing an argument for parameter "
		     "'MemoryStartupBytes'. Specify a parameter of type 'size' "
		     "and try again.");
	expect_error("New-VM -Name -Mem 1KB", -EINVAL,
		     "New-VM : Missing an argument for parameter 'Name'. Specify "
		     "a parameter of type 'string' and try again.");
}

static void test_blank_and_comments(void **state)
{
	(void)state;
	capture_reset(&out);
	assert_int_equal(run(""), 0);
	assert_int_equal(run("   \t "), 0);
	assert_int_equal(run("# Get-VM"), 0);
	assert_int_equal(run("   #"), 0);
	assert_string_equal(out.buf, "");
	assert_int_equal(seen.calls, 0);
	assert_int_equal(run("Get-VM a # -Foo"), 42);
	assert_string_equal(seen.name, "a");
	assert_int_equal(run("Get-VM a#b"), 42);      /* '#' inside a token */
	assert_string_equal(seen.name, "a#b");
	assert_int_equal(run("Get-VM\tb\r\n"), 42);   /* tab; trailing CRLF */
	assert_string_equal(seen.name, "b");
}

static void test_bad_lines(void **state)
{
	char longline[CMD_LINE_MAX + 8];

	(void)state;
	expect_error("Get-VM a\x01", -EINVAL,
		     "The command line contains the control character 0x01 at "
		     "column 9.");
	expect_error("Get-VM \x1b[A", -EINVAL,
		     "The command line contains the control character 0x1B at "
		     "column 8.");
	expect_error("Get-VM a\nb", -EINVAL,
		     "The command line contains the control character 0x0A at "
		     "column 9.");
	memset(longline, 'a', sizeof longline);
	longline[sizeof longline - 1] = '\0';
	memcpy(longline, "Get-VM ", 7);
	expect_error(longline, -E2BIG,
		     "The command line is too long (at most 511 characters).");
	longline[CMD_LINE_MAX - 1] = '\0';               /* 511: accepted */
	assert_int_equal(run(longline), 42);
	assert_int_equal(strlen(seen.name), CMD_LINE_MAX - 1 - 7);
	longline[0] = '\0';
}

static void test_too_many_tokens(void **state)
{
	char line[CMD_LINE_MAX];
	size_t k = 0;

	(void)state;
	k += (size_t)snprintf(line, sizeof line, "Get-VM");
	for (int i = 0; i < CMD_TOKEN_MAX; i++)
		k += (size_t)snprintf(line + k, sizeof line - k, " a");
	expect_error(line, -E2BIG,
		     "The command line has too many arguments (at most 127).");
	/* many MULTI values: more than CMD_ARG_MAX */
	k = (size_t)snprintf(line, sizeof line, "New-VM");
	for (int i = 0; i < CMD_ARG_MAX + 2; i++)
		k += (size_t)snprintf(line + k, sizeof line - k, " -Mod:m");
	expect_error(line, -E2BIG, "New-VM : Too many arguments (at most 32).");
}

static void test_handler_result_and_error(void **state)
{
	(void)state;
	capture_reset(&out);
	assert_int_equal(run("Fail-It"), -EIO);
	assert_string_equal(out.buf, "Fail-It : The operation failed: 5.\n");
	ctx.crlf = true;
	capture_reset(&out);
	run("Fail-It");
	assert_string_equal(out.buf, "Fail-It : The operation failed: 5.\r\n");
	capture_reset(&out);
	cmd_printf(&ctx, "a\nb\r\nc\n");
	assert_string_equal(out.buf, "a\r\nb\r\nc\r\n");
}

static void test_complete(void **state)
{
	const char *m[8];

	(void)state;
	assert_int_equal(cmd_complete(tab, NTAB, "get-v", 5, m, 8), 2);
	assert_string_equal(m[0], "Get-VM");
	assert_string_equal(m[1], "Get-VMHost");
	assert_int_equal(cmd_complete(tab, NTAB, "Get-", 4, m, 8), 4);
	assert_string_equal(m[0], "Get-Help");
	assert_string_equal(m[3], "Get-Command");     /* built-in, last */
	assert_int_equal(cmd_complete(tab, NTAB, "x", 1, m, 8), 0);
	assert_int_equal(cmd_complete(tab, NTAB, "", 0, m, 2), NTAB + 1 + 8);
	assert_int_equal(cmd_complete(tab, NTAB, "where-", 6, m, 8), 1);
	assert_string_equal(m[0], "Where-Object");
	assert_int_equal(cmd_complete(tab, NTAB, "New-VMX", 7, m, 8), 0);
	assert_ptr_equal(cmd_find(tab, NTAB, "GVM"), &tab[2]);
	assert_null(cmd_find(tab, NTAB, "Get"));
	assert_string_equal(cmd_find(tab, NTAB, "?")->name, "Where-Object");
	assert_string_equal(cmd_find(tab, NTAB, "FT")->name, "Format-Table");
}

static int path_calls;
static char path_seen[64];

static int fake_path(void *pctx, const char *prefix, size_t len,
		     const char **m, int max)
{
	(void)pctx;
	path_calls++;
	snprintf(path_seen, sizeof path_seen, "%.*s", (int)len, prefix);
	if (max > 0)
		m[0] = "C:\\vms\\";
	return 1;
}

/* Completes line (cursor at its end); returns the count, *start in st. */
static int complete_at(const char *line, size_t *st, const char **m)
{
	return cmd_complete_line(tab, NTAB, line, strlen(line), st, m, 8,
				 fake_path, NULL);
}

static void test_complete_line(void **state)
{
	const char *m[8];
	size_t st;

	(void)state;
	assert_int_equal(complete_at("get-v", &st, m), 2);   /* command */
	assert_int_equal(st, 0);
	assert_int_equal(complete_at("  Stop", &st, m), 1);
	assert_int_equal(st, 2);
	assert_string_equal(m[0], "Stop-VM");
	/* after '|' or ';' a command again */
	assert_int_equal(complete_at("Get-VM | Sto", &st, m), 1);
	assert_int_equal(st, 9);
	assert_int_equal(complete_at("Get-VM a;get-vmh", &st, m), 1);
	assert_string_equal(m[0], "Get-VMHost");
	/* parameter names of the element's command, after the '-' */
	assert_int_equal(complete_at("New-VM x -Mem", &st, m), 1);
	assert_int_equal(st, 10);
	assert_string_equal(m[0], "MemoryStartupBytes");
	assert_int_equal(complete_at("Get-VM | stop-vm -", &st, m), 5);
	assert_string_equal(m[0], "Name");
	assert_string_equal(m[3], "ErrorAction");        /* common ones last */
	assert_int_equal(complete_at("Get-VM | ? -n", &st, m), 3);
	assert_string_equal(m[0], "NE");                 /* Where-Object */
	assert_int_equal(complete_at("Nope -x", &st, m), 0);
	/* only what is before the cursor counts */
	path_calls = 0;
	assert_int_equal(cmd_complete_line(tab, NTAB, "Get-VM -Name", 7, &st, m,
					   8, fake_path, NULL), 1);
	assert_int_equal(st, 7);
	assert_string_equal(path_seen, "");
	/* anything else is a path, from the parent's callback */
	path_calls = 0;
	assert_int_equal(complete_at("Get-VM C:\\v", &st, m), 1);
	assert_int_equal(st, 7);
	assert_string_equal(path_seen, "C:\\v");
	assert_int_equal(complete_at("Get-VM -5", &st, m), 1);   /* a value */
	assert_int_equal(path_calls, 2);
	/* no completion inside quotes, of variables or script blocks */
	assert_int_equal(complete_at("Get-VM 'C:\\v", &st, m), 0);
	assert_int_equal(complete_at("Get-VM \"a b\"", &st, m), 0);
	assert_int_equal(complete_at("Get-VM $x", &st, m), 0);
	assert_int_equal(complete_at("Get-VM | ? {$_", &st, m), 0);
	assert_int_equal(path_calls, 2);
	assert_int_equal(cmd_complete_line(tab, NTAB, "Get-VM a", 8, &st, m, 8,
					   NULL, NULL), 0);
	/* a quoted '|' is no pipe */
	assert_int_equal(complete_at("Get-VM '|' Sto", &st, m), 1);
	assert_int_equal(path_calls, 3);
}

static void test_syntax(void **state)
{
	char buf[256];
	static const struct cmd_param p2[] = {
		{ "B", CMD_P_INT, 0, 1, "", NULL },
		{ "S", CMD_P_SWITCH, CMD_F_REQUIRED, -1, "", NULL },
		{ "A", CMD_P_SIZE, 0, 0, "", NULL },
		{ "M", CMD_P_STRING, CMD_F_MULTI | CMD_F_REQUIRED, -1, "", NULL },
	};
	static const struct cmd_def d2 = { "Do-It", "", "", p2, 4, NULL, NULL };

	(void)state;
	cmd_format_syntax(&tab[0], buf, sizeof buf);
	assert_string_equal(buf, "New-VM [-Name] <string> [[-Kernel] <string>] "
				 "-MemoryStartupBytes <size> [-ProcessorCount "
				 "<int>] [-KernelArgs <string>] [-Module "
				 "<string[]>] [-TurnOff]");
	cmd_format_syntax(&d2, buf, sizeof buf);
	assert_string_equal(buf, "Do-It [[-A] <size>] [[-B] <int>] -S "
				 "-M <string[]>");
	assert_int_equal(cmd_format_syntax(&d2, buf, 8), 49);
	assert_string_equal(buf, "Do-It [");
}

static void test_help_list(void **state)
{
	(void)state;
	capture_reset(&out);
	assert_int_equal(run("Get-Help"), 0);
	assert_string_equal(out.buf,
	    "\n"
	    "Name           Synopsis\n"
	    "-------------- -------------------------------------\n"
	    "Get-Help       Displays information about commands.\n"
	    "New-VM         Creates a virtual machine.\n"
	    "Stop-VM        Stops a virtual machine.\n"
	    "Get-VM         Lists virtual machines.\n"
	    "Get-VMHost     Shows the host.\n"
	    "Fail-It        Always fails.\n"
	    "Get-Command    Lists the commands.\n"
	    "Where-Object   Keeps the objects that pass a test.\n"
	    "Select-Object  Picks properties or objects.\n"
	    "Select-String  Finds text in lines and strings.\n"
	    "Sort-Object    Sorts objects by property values.\n"
	    "Measure-Object Counts objects, or sums a property.\n"
	    "Format-Table   Shows objects as a table.\n"
	    "Format-List    Shows objects as lists of properties.\n"
	    "\n");
	capture_reset(&out);
	assert_int_equal(run("help *-vm*"), 0);
	assert_string_equal(out.buf,
	    "\n"
	    "Name       Synopsis\n"
	    "---------- --------------------------\n"
	    "New-VM     Creates a virtual machine.\n"
	    "Stop-VM    Stops a virtual machine.\n"
	    "Get-VM     Lists virtual machines.\n"
	    "Get-VMHost Shows the host.\n"
	    "\n");
	expect_error("Get-Help Nope-*", -ENOENT,
		     "Get-Help : Get-Help could not find 'Nope-*'.");
	expect_error("Get-Help Nope", -ENOENT,
		     "Get-Help : Get-Help could not find 'Nope'.");
	expect_error("Get-Help a b", -EINVAL,
		     "Get-Help : A positional parameter cannot be found that "
		     "accepts argument 'b'.");
}

static void test_help_one(void **state)
{
	(void)state;
	capture_reset(&out);
	assert_int_equal(run("get-help -name gvm"), 0);
	assert_string_equal(out.buf,
	    "\n"
	    "NAME\n    Get-VM\n\n"
	    "SYNOPSIS\n    Lists virtual machines.\n\n"
	    "SYNTAX\n    Get-VM [[-Name] <string>] [<CommonParameters>]\n\n"
	    "DESCRIPTION\n    Shows the VMs.\n\n"
	    "PARAMETERS\n"
	    "    -Name <string>\n"
	    "        Only this VM.\n"
	    "        Required? false  Position? 0  Multiple? false\n\n"
	    "    <CommonParameters>\n"
	    "        This cmdlet supports the common parameters: ErrorAction "
	    "(-ea) and WarningAction (-wa), each Continue, SilentlyContinue, "
	    "Ignore or Stop.\n\n"
	    "ALIASES\n    gvm\n\n");
	capture_reset(&out);
	assert_int_equal(run("Get-Help New-VM"), 0);
	assert_non_null(strstr(out.buf, "SYNTAX\n    New-VM [-Name] <string> "
					"[[-Kernel] <string>] -Memory"));
	assert_non_null(strstr(out.buf, "DESCRIPTION\n    Creates a child "
					"partition.\n    It starts switched "
					"off.\n\n"));
	assert_non_null(strstr(out.buf, "    -MemoryStartupBytes <size>\n"
					"        Startup memory, e.g. 64MB.\n"
					"        Required? true  Position? named"
					"  Multiple? false\n"));
	assert_non_null(strstr(out.buf, "    -TurnOff\n"));
	assert_null(strstr(out.buf, "ALIASES"));
	capture_reset(&out);
	assert_int_equal(run("Get-Help Get-VMHost"), 0);
	assert_non_null(strstr(out.buf, "PARAMETERS\n    <CommonParameters>\n"));
	capture_reset(&out);
	assert_int_equal(run("Get-Help Stop-VM"), 0);
	assert_non_null(strstr(out.buf, "DESCRIPTION\n    None.\n"));
	capture_reset(&out);
	assert_int_equal(run("New-VM -Foo x -?"), 0);      /* -? wins */
	assert_int_equal(seen.calls, 0);
	assert_non_null(strstr(out.buf, "NAME\n    New-VM\n"));
	capture_reset(&out);
	assert_int_equal(run("Get-VM '-?'"), 42);         /* quoted: a value */
	assert_string_equal(seen.name, "-?");
	capture_reset(&out);
	assert_int_equal(run("help help"), 0);
	assert_non_null(strstr(out.buf, "SYNTAX\n    Get-Help [[-Name] <string>]"));
}

static int le_complete_tab(void *c, const char *line, size_t cur,
			   size_t *start, const char **m, int max)
{
	(void)c;
	return cmd_complete_line(tab, NTAB, line, cur, start, m, max, NULL,
				 NULL);
}

/* End to end: keys into the line editor, completed line into the parser. */
static void test_with_lineedit(void **state)
{
	static struct lineedit le;
	static struct capture echo;
	char line[LE_LINE_MAX];
	const char *keys = "stop\tvm9 -tu\t\x1b[D\x1b[C\r\n";
	int rc = 0, lines = 0;

	(void)state;
	capture_reset(&echo);
	le_init(&le, "PS hvpart> ", capture_write, le_complete_tab, &echo);
	for (const char *k = keys; *k; k++)
		if (le_feed(&le, (uint8_t)*k, line, sizeof line)) {
			rc = run(line);
			lines++;
		}
	assert_int_equal(lines, 1);
	assert_string_equal(line, "Stop-VM vm9 -TurnOff ");
	assert_int_equal(rc, 42);
	assert_string_equal(seen.name, "vm9");
	assert_true(seen.turnoff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_basic_dispatch, setup),
		cmocka_unit_test_setup(test_case_insensitive, setup),
		cmocka_unit_test_setup(test_abbreviation, setup),
		cmocka_unit_test_setup(test_positional, setup),
		cmocka_unit_test_setup(test_switches_and_colon, setup),
		cmocka_unit_test_setup(test_quoting, setup),
		cmocka_unit_test_setup(test_sizes, setup),
		cmocka_unit_test_setup(test_ints, setup),
		cmocka_unit_test_setup(test_multi, setup),
		cmocka_unit_test_setup(test_comma_lists, setup),
		cmocka_unit_test_setup(test_enum, setup),
		cmocka_unit_test_setup(test_unknown_command, setup),
		cmocka_unit_test_setup(test_unknown_and_missing, setup),
		cmocka_unit_test_setup(test_blank_and_comments, setup),
		cmocka_unit_test_setup(test_bad_lines, setup),
		cmocka_unit_test_setup(test_too_many_tokens, setup),
		cmocka_unit_test_setup(test_handler_result_and_error, setup),
		cmocka_unit_test_setup(test_complete, setup),
		cmocka_unit_test_setup(test_complete_line, setup),
		cmocka_unit_test_setup(test_syntax, setup),
		cmocka_unit_test_setup(test_help_list, setup),
		cmocka_unit_test_setup(test_help_one, setup),
		cmocka_unit_test_setup(test_with_lineedit, setup),
	};

	return cmocka_run_group_tests_name("console_cmd", tests, NULL, NULL);
}
