/* Unit tests for parameter aliases (struct cmd_param.aliases): binding by
 * alias and by its prefix, ambiguity, a parameter named twice, pipeline
 * input by an alias's property, Get-Help and Tab completion
 * (partition/console). The tables borrow the aliases of Hyper-V's and
 * PowerShell's cmdlets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "partition/console/cmd.h"
#include "tests/unit/console/capture.h"

static struct capture out;
static struct cmd_session session;
static struct cmd_ctx ctx;

/* Each call's bound values by their parameter's name: "Name=lin;". */
static int record(struct cmd_ctx *c, const struct cmd_args *a)
{
	cmd_printf(c, "%s:", a->def->name);
	for (int i = 0; i < a->nvalues; i++)
		cmd_printf(c, " %s=%s", a->values[i].param->name,
			   a->values[i].str);
	cmd_printf(c, "\n");
	return 0;
}

/* Objects with the properties a pipeline binds by: a drive has VMName and
 * no Name, a snapshot both, an address two of ComputerName's aliases. */
static int get_rows(struct cmd_ctx *c, const struct cmd_args *a)
{
	static const struct cmd_column cols[] = { { "VMName", NULL, 0 } };
	static const struct cmd_type row = { "Row", false, cols, 1, NULL, NULL,
					     NULL };
	struct cmd_prop drive[] = { CMD_PROP_STR("VMName", "lin"),
				    CMD_PROP_STR("Path", "C:\\lin.vhd") };
	struct cmd_prop snap[] = { CMD_PROP_STR("VMName", "lin"),
				   CMD_PROP_STR("Name", "before") };
	struct cmd_prop addr[] = { CMD_PROP_STR("Server", "srv"),
				   CMD_PROP_STR("IPAddress", "10.0.0.1") };
	const char *kind = cmd_arg_str(a, "Kind");

	if (!strcmp(kind, "drive"))
		return cmd_emit(c, &row, drive, 2);
	if (!strcmp(kind, "snap"))
		return cmd_emit(c, &row, snap, 2);
	return cmd_emit(c, &row, addr, 2);
}

static const struct cmd_param start_params[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0,
	  "The VM.", CMD_ALIASES("VMName") },
	{ "TurnOff", CMD_P_SWITCH, 0, -1, "At once.", NULL },
};
static const struct cmd_param ping_params[] = {
	{ "ComputerName", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0,
	  "Where.", CMD_ALIASES("CN", "IPAddress", "__SERVER", "Server",
				"Destination") },
	{ "Count", CMD_P_INT, 0, -1, "How many.", NULL },
	{ "BufferSize", CMD_P_INT, 0, -1, "Bytes.",
	  CMD_ALIASES("Size", "Bytes", "BS") },
	{ "Delay", CMD_P_INT, 0, -1, "Seconds.", NULL },
	{ "TimeToLive", CMD_P_INT, 0, -1, "Hops.", CMD_ALIASES("TTL") },
};
static const struct cmd_param vlan_params[] = {
	{ "Access", CMD_P_SWITCH, 0, -1, "Access mode.", CMD_ALIASES("a") },
	{ "VlanId", CMD_P_INT, 0, -1, "Its VLAN.", CMD_ALIASES("AccessVlanId") },
	{ "AllowedVlanIdList", CMD_P_STRING, 0, -1, "Trunk VLANs.", NULL },
	{ "Trunk", CMD_P_SWITCH, 0, -1, "Trunk mode.", CMD_ALIASES("t") },
};
static const struct cmd_param rows_params[] = {
	{ "Kind", CMD_P_STRING, CMD_F_REQUIRED, 0, "drive, snap or addr.",
	  NULL },
};

static const struct cmd_def tab[] = {
	{ "Start-VM", "Starts a VM.", "", start_params, 2, record, NULL },
	{ "Test-Connection", "Pings.", "", ping_params, 5, record, NULL },
	{ "Set-VMNetworkAdapterVlan", "VLANs.", "", vlan_params, 4, record,
	  NULL },
	{ "Get-Row", "Rows.", "", rows_params, 1, get_rows, NULL },
};
#define NTAB ((int)(sizeof tab / sizeof tab[0]))

static int setup(void **state)
{
	(void)state;
	capture_ctx_init(&ctx, &out, &session);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cmd_session_clear(&session);
	return 0;
}

/* Runs line: returns rc, prints exactly want. */
static void expect(const char *line, int rc, const char *want)
{
	capture_reset(&out);
	assert_int_equal(cmd_run_line(tab, NTAB, &ctx, line), rc);
	assert_string_equal(out.buf, want);
}

static int complete(const char *line, const char **m)
{
	size_t st;

	return cmd_complete_line(tab, NTAB, line, strlen(line), &st, m, 8,
				 NULL, NULL);
}

static int seen_name(struct cmd_ctx *c, const struct cmd_args *a)
{
	cmd_printf(c, "Name %s, VMName %s\n", cmd_arg_str(a, "Name"),
		   cmd_arg_str(a, "VMName") ? "bound" : "unknown");
	return 0;
}

static void test_alias_binds(void **state)
{
	static const struct cmd_def one = { "Start-VM", "", "", start_params, 2,
					    seen_name, NULL };

	(void)state;
	expect("Start-VM -VMName lin", 0, "Start-VM: Name=lin\n");
	expect("start-vm -vmname:lin -TurnOff", 0,
	       "Start-VM: Name=lin TurnOff=True\n");
	expect("Set-VMNetworkAdapterVlan -AccessVlanId 5 -a", 0,
	       "Set-VMNetworkAdapterVlan: VlanId=5 Access=True\n");
	/* the command asks by the parameter's name, never by the alias */
	capture_reset(&out);
	assert_int_equal(cmd_run_line(&one, 1, &ctx, "Start-VM -VMName lin"), 0);
	assert_string_equal(out.buf, "Name lin, VMName unknown\n");
	/* a missing mandatory parameter is named by its name */
	expect("Start-VM -TurnOff", -EINVAL, "Start-VM : Cannot process command "
	       "because of one or more missing mandatory parameters: Name.\n");
}

static void test_alias_prefix(void **state)
{
	(void)state;
	expect("Start-VM -VMN lin", 0, "Start-VM: Name=lin\n");
	expect("Test-Connection -TT 3 -Dest h", 0,
	       "Test-Connection: TimeToLive=3 ComputerName=h\n");
	/* the prefix of a name and of its aliases is one parameter */
	expect("Test-Connection h -B 32", 0,
	       "Test-Connection: BufferSize=32 ComputerName=h\n");
	expect("Test-Connection h -Del 1", 0,
	       "Test-Connection: Delay=1 ComputerName=h\n");
	/* an alias whole wins over a prefix of other names: -a is Access,
	 * though AccessVlanId and AllowedVlanIdList start with it too */
	expect("Set-VMNetworkAdapterVlan -a -VlanId 5", 0,
	       "Set-VMNetworkAdapterVlan: Access=True VlanId=5\n");
	expect("Set-VMNetworkAdapterVlan -T -AllowedVlanIdList 1-5", 0,
	       "Set-VMNetworkAdapterVlan: Trunk=True AllowedVlanIdList=1-5\n");
}

static void test_alias_ambiguous(void **state)
{
	(void)state;
	/* PowerShell names the parameters, not the aliases that matched */
	expect("Set-VMNetworkAdapterVlan -Acc -VlanId 5", -EINVAL,
	       "Set-VMNetworkAdapterVlan : Parameter cannot be processed "
	       "because the parameter name 'Acc' is ambiguous. Possible "
	       "matches include: -Access -VlanId.\n");
	expect("Test-Connection h -D 1", -EINVAL,
	       "Test-Connection : Parameter cannot be processed because the "
	       "parameter name 'D' is ambiguous. Possible matches include: "
	       "-ComputerName -Delay.\n");
	expect("Test-Connection -S 1", -EINVAL,
	       "Test-Connection : Parameter cannot be processed because the "
	       "parameter name 'S' is ambiguous. Possible matches include: "
	       "-ComputerName -BufferSize.\n");
	expect("Start-VM -VMX lin", -EINVAL, "Start-VM : A parameter cannot be "
	       "found that matches parameter name 'VMX'.\n");
}

static void test_alias_twice(void **state)
{
	static const char twice[] = "Start-VM : Cannot bind parameter because "
		"parameter 'Name' is specified more than once.\n";

	(void)state;
	expect("Start-VM -Name a -VMName b", -EINVAL, twice);
	expect("Start-VM -VMName a -name b", -EINVAL, twice);
	expect("Start-VM -VMName a -VMN b", -EINVAL, twice);
	expect("Test-Connection -CN a -Server b", -EINVAL, "Test-Connection : "
	       "Cannot bind parameter because parameter 'ComputerName' is "
	       "specified more than once.\n");
	/* named first, then by position: -VMName took the position-0 one */
	expect("Start-VM a -VMName b", -EINVAL, "Start-VM : A positional "
	       "parameter cannot be found that accepts argument 'a'.\n");
}

static void test_alias_pipeline(void **state)
{
	(void)state;
	/* no Name property: the VMName one, as -Name's alias */
	expect("Get-Row drive | Start-VM", 0, "Start-VM: Name=lin\n");
	/* both: the name before the alias */
	expect("Get-Row snap | Start-VM", 0, "Start-VM: Name=before\n");
	/* several: the first alias the object has, in the aliases' order */
	expect("Get-Row addr | Test-Connection", 0,
	       "Test-Connection: ComputerName=10.0.0.1\n");
	/* a variable's object gives its property the same way */
	expect("$d = Get-Row drive; Start-VM $d -TurnOff", 0,
	       "Start-VM: TurnOff=True Name=lin\n");
	/* given by its alias on the line, it is bound: the input has nothing
	 * left to bind, as PowerShell says */
	expect("Get-Row snap | Start-VM -VMName x", -EINVAL, "Start-VM : The "
	       "input object cannot be bound to any parameters for the command "
	       "either because the command does not take pipeline input or the "
	       "input and its properties do not match any of the parameters "
	       "that take pipeline input.\n");
}

/* The built-in Where-Object's operators take PowerShell's I-aliases
 * (-IEQ is -EQ, -ILike is -Like). */
static void test_alias_where(void **state)
{
	static const char row[] = "\nVMName\n------\nlin\n\n";

	(void)state;
	expect("Get-Row drive | Where-Object VMName -IEQ LIN", 0, row);
	expect("Get-Row drive | Where-Object VMName -ilike l*", 0, row);
	expect("Get-Row drive | Where-Object VMName -INotMatch '^l'", 0, "");
	expect("Get-Row drive | Where-Object VMName -EQ lin -IEQ lin", -EINVAL,
	       "Where-Object : Cannot bind parameter because parameter 'EQ' is "
	       "specified more than once.\n");
}

static void test_alias_help(void **state)
{
	(void)state;
	capture_reset(&out);
	assert_int_equal(cmd_run_line(tab, NTAB, &ctx, "Get-Help Start-VM"), 0);
	assert_non_null(strstr(out.buf,
		"    -Name <string>\n"
		"        The VM.\n"
		"        Required? true  Position? 0  Multiple? false  Pipeline "
		"input? true (by property name)\n"
		"        Aliases  VMName\n\n"
		"    -TurnOff\n"
		"        At once.\n"
		"        Required? false  Position? named  Multiple? false\n\n"));
	capture_reset(&out);
	assert_int_equal(cmd_run_line(tab, NTAB, &ctx,
				      "Get-Help Test-Connection"), 0);
	assert_non_null(strstr(out.buf, "\n        Aliases  CN, IPAddress, "
			       "__SERVER, Server, Destination\n\n    -Count "));
	assert_int_equal(capture_count(&out, "Aliases"), 3);
}

static void test_alias_complete(void **state)
{
	const char *m[8];

	(void)state;
	/* an alias when its parameter's name does not match */
	assert_int_equal(complete("Start-VM -V", m), 1);
	assert_string_equal(m[0], "VMName");
	assert_int_equal(complete("Get-Row drive | Start-VM -vmn", m), 1);
	assert_string_equal(m[0], "VMName");
	/* not beside its own name */
	assert_int_equal(complete("Start-VM -", m), 4);
	assert_string_equal(m[0], "Name");
	assert_string_equal(m[1], "TurnOff");
	assert_int_equal(complete("Test-Connection -B", m), 1);
	assert_string_equal(m[0], "BufferSize");
	/* of two parameters, each */
	assert_int_equal(complete("Test-Connection -S", m), 2);
	assert_string_equal(m[0], "Server");
	assert_string_equal(m[1], "Size");
	/* the common parameters' aliases too */
	assert_int_equal(complete("Start-VM -ea", m), 1);
	assert_string_equal(m[0], "ea");
	assert_int_equal(complete("Start-VM -e", m), 1);
	assert_string_equal(m[0], "ErrorAction");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alias_binds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_ambiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_pipeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_where, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_complete, setup, teardown),
	};

	return cmocka_run_group_tests_name("console_alias", tests, NULL, NULL);
}
