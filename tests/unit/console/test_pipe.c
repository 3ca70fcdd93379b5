/* Unit tests for the pipeline: objects, their display, Where-Object,
 * Select-Object, Sort-Object, Measure-Object, Format-*, Get-Command,
 * pipeline binding, statements and variables (partition/console). */
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
static char stopped[256];      /* "name;" per Stop-Thing call */
static int gets;               /* Get-Thing calls */

#define MB (1024ull * 1024)

static const char *const states[] = { "Off", "Running", "Paused", NULL };

struct thing {
	const char *name;
	int state;
	uint64_t mem, up;
};

static const struct thing things[] = {
	{ "web1", 1, 64 * MB, 3723 },
	{ "web2", 0, 128 * MB, 0 },
	{ "db", 1, 256 * MB, 90061 },
};

static const struct cmd_column thing_cols[] = {
	{ "Name", NULL, 0 }, { "State", NULL, 0 }, { "Memory", "Memory(M)", 0 },
	{ "Uptime", NULL, 0 },
};
static const struct cmd_type thing_type = {
	"Thing", false, thing_cols, 4, NULL, NULL, NULL,
};

static int get_thing(struct cmd_ctx *c, const struct cmd_args *a)
{
	const char *want = cmd_arg_str(a, "Name");
	int n = 0;

	gets++;
	for (int i = 0; i < 3; i++) {
		const struct thing *t = &things[i];
		struct cmd_prop p[] = {
			CMD_PROP_INT("Id", i + 1),
			CMD_PROP_STR("Name", t->name),
			CMD_PROP_ENUM("State", t->state, states),
			CMD_PROP_BYTES("Memory", t->mem),
			CMD_PROP_SPAN("Uptime", t->up),
			CMD_PROP_BOOL("Web", t->name[0] == 'w'),
		};
		int rc;

		if (want && !cmd_match_glob(want, t->name))
			continue;
		n++;
		if ((rc = cmd_emit(c, &thing_type, p, 6)) != 0)
			return rc;
	}
	if (!n && want && !strchr(want, '*'))
		return cmd_error(c, a, "No thing is named \"%s\".", want);
	return 0;
}

static int stop_thing(struct cmd_ctx *c, const struct cmd_args *a)
{
	const char *name = cmd_arg_str(a, "Name");

	if (!strcmp(name, "db"))
		return cmd_error(c, a, "'db' cannot be stopped.");
	snprintf(stopped + strlen(stopped), sizeof stopped - strlen(stopped),
		 "%s%s;", name, cmd_arg_present(a, "Force") ? "!" : "");
	return 7;
}

static int fail_thing(struct cmd_ctx *c, const struct cmd_args *a)
{
	cmd_error(c, a, "Broken.");
	return -EIO;
}

static const struct cmd_param get_params[] = {
	{ "Name", CMD_P_STRING, 0, 0, "Wildcards allowed.", NULL },
};
static const struct cmd_param stop_params[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Thing.", NULL },
	{ "Force", CMD_P_SWITCH, 0, -1, "Harder.", NULL },
};
/* string[] parameters (Hyper-V's -VMName): one run per item. */
static const struct cmd_param gets_params[] = {
	{ "Name", CMD_P_STRING, CMD_F_EACH, 0, "Wildcards allowed.", NULL },
};
static const struct cmd_param stops_params[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE | CMD_F_EACH, 0, "Thing.", NULL },
	{ "Force", CMD_P_SWITCH, 0, -1, "Harder.", NULL },
};
static const struct cmd_param mem_params[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Thing.", NULL },
	{ "Memory", CMD_P_SIZE, CMD_F_REQUIRED | CMD_F_PIPELINE, 1, "Size.", NULL },
};

static int show_mem(struct cmd_ctx *c, const struct cmd_args *a)
{
	cmd_printf(c, "%s=%llu\n", cmd_arg_str(a, "Name"),
		   (unsigned long long)cmd_arg_size(a, "Memory", 0));
	return 0;
}

static const struct cmd_def tab[] = {
	{ "Get-Thing", "Lists things.", "", get_params, 1, get_thing, NULL },
	{ "Stop-Thing", "Stops a thing.", "", stop_params, 2, stop_thing, NULL },
	{ "Set-ThingMemory", "Sets memory.", "", mem_params, 2, show_mem, NULL },
	{ "Fail-Thing", "Fails.", "", stop_params, 1, fail_thing, NULL },
	{ "Get-Things", "Lists things by names.", "", gets_params, 1, get_thing, NULL },
	{ "Stop-Things", "Stops things by names.", "", stops_params, 2, stop_thing, NULL },
};
#define NTAB ((int)(sizeof tab / sizeof tab[0]))

static int setup(void **state)
{
	(void)state;
	capture_ctx_init(&ctx, &out, &session);
	stopped[0] = '\0';
	gets = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cmd_session_clear(&session);     /* LeakSanitizer checks the rest */
	return 0;
}

static int run(const char *line)
{
	capture_reset(&out);
	return cmd_run_line(tab, NTAB, &ctx, line);
}

/* Runs line and checks everything it printed. */
static void expect(const char *line, const char *want)
{
	run(line);
	assert_string_equal(out.buf, want);
}

static const char *const thing_table =
	"\n"
	"Name State   Memory(M)     Uptime\n"
	"---- ------- --------- ----------\n"
	"web1 Running     64 MB   01:02:03\n"
	"web2 Off        128 MB   00:00:00\n"
	"db   Running    256 MB 1.01:01:01\n"
	"\n";

static void test_default_view(void **state)
{
	(void)state;
	expect("Get-Thing", thing_table);
	/* an emit outside a pipeline shows each object at once */
	capture_reset(&out);
	get_thing(&ctx, &(struct cmd_args){ .def = &tab[0] });
	assert_int_equal(capture_count(&out, "Name State"), 3);
	assert_non_null(strstr(out.buf, "web1 Running     64 MB 01:02:03\n"));
}

static void test_format_list(void **state)
{
	(void)state;
	expect("Get-Thing web1 | Format-List",
	       "\n"
	       "Id     : 1\n"
	       "Name   : web1\n"
	       "State  : Running\n"
	       "Memory : 64 MB\n"
	       "Uptime : 01:02:03\n"
	       "Web    : True\n"
	       "\n");
	expect("Get-Thing w* | fl Name,*time",
	       "\n"
	       "Name   : web1\n"
	       "Uptime : 01:02:03\n"
	       "\n"
	       "Name   : web2\n"
	       "Uptime : 00:00:00\n"
	       "\n");
	expect("Get-Thing nothing* | Format-List", "");
}

static void test_format_table(void **state)
{
	(void)state;
	expect("Get-Thing | Format-Table Name,State",
	       "\n"
	       "Name State\n"
	       "---- -------\n"
	       "web1 Running\n"
	       "web2 Off\n"
	       "db   Running\n"
	       "\n");
	/* property names are matched case-insensitively and spelled as the
	 * object spells them; a missing one is an empty column */
	expect("Get-Thing db | ft id,NAME,Colour -AutoSize",
	       "\n"
	       "Id Name Colour\n"
	       "-- ---- ------\n"
	       " 3 db\n"
	       "\n");
	expect("Get-Thing db | Format-Table", "\n"
	       "Name State   Memory(M)     Uptime\n"
	       "---- ------- --------- ----------\n"
	       "db   Running    256 MB 1.01:01:01\n"
	       "\n");
}

static void test_where_statement(void **state)
{
	(void)state;
	expect("Get-Thing | Where-Object State -eq Running | ft Name",
	       "\nName\n----\nweb1\ndb\n\n");
	expect("Get-Thing | ? State -ne running | ft Name",
	       "\nName\n----\nweb2\n\n");
	expect("Get-Thing | where Memory -ge 128MB | ft Name",
	       "\nName\n----\nweb2\ndb\n\n");
	expect("Get-Thing | where Memory -lt 134217728 | ft Name",
	       "\nName\n----\nweb1\n\n");
	expect("Get-Thing | where Uptime -gt 1:00:00 | ft Name",
	       "\nName\n----\nweb1\ndb\n\n");
	expect("Get-Thing | where Uptime -gt 1 | ft Name",       /* 1 day */
	       "\nName\n----\ndb\n\n");
	expect("Get-Thing | where Name -like W* | ft Name",
	       "\nName\n----\nweb1\nweb2\n\n");
	expect("Get-Thing | where Name -notlike w* | ft Name",
	       "\nName\n----\ndb\n\n");
	expect("Get-Thing | where Name -match '^WEB[0-9]$' | ft Name",
	       "\nName\n----\nweb1\nweb2\n\n");
	expect("Get-Thing | where Name -notmatch 'b\\d' | ft Name",
	       "\nName\n----\ndb\n\n");
	expect("Get-Thing | where Web | ft Name",          /* truth test */
	       "\nName\n----\nweb1\nweb2\n\n");
	expect("Get-Thing | where Id -eq 0x3 | ft Name",
	       "\nName\n----\ndb\n\n");
	expect("Get-Thing | where State -gt Off | ft Name",  /* enum order */
	       "\nName\n----\nweb1\ndb\n\n");
	expect("Get-Thing | where Colour -eq red", "");
	expect("Get-Thing | where Colour -ne red | ft Name",
	       "\nName\n----\nweb1\nweb2\ndb\n\n");
}

static void test_where_block(void **state)
{
	(void)state;
	expect("Get-Thing | Where-Object { $_.Memory -gt 64MB } | ft Name",
	       "\nName\n----\nweb2\ndb\n\n");
	expect("Get-Thing | Where-Object {$_.State -eq 'Running' -and "
	       "$_.Memory -lt 100MB} | ft Name", "\nName\n----\nweb1\n\n");
	expect("Get-Thing | ? { $PSItem.Name -eq 'db' -or $_.Uptime -eq "
	       "'0:0' } | ft Name", "\nName\n----\nweb2\ndb\n\n");
	expect("Get-Thing | ? { $_.Web } | ft Name",
	       "\nName\n----\nweb1\nweb2\n\n");
	expect("Get-Thing | ? { 64MB -lt $_.Memory } | ft Name",
	       "\nName\n----\nweb2\ndb\n\n");
	expect("Get-Thing | ? { 5 -gt 10 } | ft Name", "");     /* numbers */
	expect("Get-Thing | ? { 'b' -gt 'a' } | ft Name",
	       "\nName\n----\nweb1\nweb2\ndb\n\n");
	run("$big = 100MB");
	expect("Get-Thing | ? { $_.Memory -gt $big } | ft Name",
	       "\nName\n----\nweb2\ndb\n\n");
	/* -and binds no tighter than -or: left to right */
	expect("Get-Thing | ? { $false -and $false -or $true } | ft Name",
	       "\nName\n----\nweb1\nweb2\ndb\n\n");
}

static void test_where_errors(void **state)
{
	(void)state;
	assert_int_equal(run("Get-Thing | Where-Object State -eq Runing"),
			 -EINVAL);
	assert_string_equal(out.buf, "Where-Object : Cannot convert value "
			    "\"Runing\": specify one of Off, Running, Paused.\n");
	assert_int_equal(run("Get-Thing | ? { $_.Memory -gt lots }"), -EINVAL);
	assert_string_equal(out.buf, "Where-Object : Cannot convert value "
			    "\"lots\" to type \"size\".\n");
	assert_int_equal(run("Get-Thing | ? { $_.Memory -gt }"), -EINVAL);
	assert_non_null(strstr(out.buf, "Where-Object : The script block "
			       "supports comparisons"));
	assert_int_equal(run("Get-Thing | ? { Get-VM | x }"), -EINVAL);
	assert_int_equal(run("Get-Thing | ? State -eq"), -EINVAL);
	assert_string_equal(out.buf, "Where-Object : The -EQ operator needs a "
			    "value: Where-Object Property -EQ Value.\n");
	assert_int_equal(run("Get-Thing | ? State -eq -ne x"), -EINVAL);
	assert_string_equal(out.buf, "Where-Object : Give one operator.\n");
	assert_int_equal(run("Get-Thing | ?"), -EINVAL);
	assert_int_equal(run("Get-Thing | ? Name -match '(x'"), -EINVAL);
	assert_string_equal(out.buf, "Where-Object : Invalid regular "
			    "expression pattern: (x.\n");
	assert_int_equal(run("Get-Thing | ? { $_.Name -eq $nope }"), -ENOENT);
	assert_string_equal(out.buf, "The variable '$nope' cannot be retrieved "
			    "because it has not been set.\n");
	assert_int_equal(run("Get-Thing | ? Uptime -gt 25:00"), -EINVAL);
	assert_int_equal(run("? { $_ }"), 0);          /* no input: nothing */
	assert_string_equal(out.buf, "");
}

static void test_select_sort_measure(void **state)
{
	(void)state;
	expect("Get-Thing | Select-Object Name,Uptime",
	       "\n"
	       "Name     Uptime\n"
	       "---- ----------\n"
	       "web1   01:02:03\n"
	       "web2   00:00:00\n"
	       "db   1.01:01:01\n"
	       "\n");
	expect("Get-Thing | Select-Object -First 1 | ft Name",
	       "\nName\n----\nweb1\n\n");
	expect("Get-Thing | select -Last 2 -Skip 1 | ft Name",
	       "\nName\n----\nweb2\ndb\n\n");
	expect("Get-Thing | select -ExpandProperty Name", "web1\nweb2\ndb\n");
	expect("Get-Thing | select Id,Name,State,Memory,Web",
	       "\nId     : 1\nName   : web1\nState  : Running\n"
	       "Memory : 64 MB\nWeb    : True\n\n"
	       "Id     : 2\nName   : web2\nState  : Off\n"
	       "Memory : 128 MB\nWeb    : True\n\n"
	       "Id     : 3\nName   : db\nState  : Running\n"
	       "Memory : 256 MB\nWeb    : False\n\n");
	expect("Get-Thing | Sort-Object Memory -Descending | ft Name",
	       "\nName\n----\ndb\nweb2\nweb1\n\n");
	expect("Get-Thing | sort | ft Name",        /* default: first column */
	       "\nName\n----\ndb\nweb1\nweb2\n\n");
	expect("Get-Thing | sort State,Name | ft Name",
	       "\nName\n----\nweb2\ndb\nweb1\n\n");
	expect("Get-Thing | Measure-Object", "\nCount : 3\n\n");
	expect("Get-Thing | measure Memory",
	       "\nCount    : 3\nAverage  : 149.33 MB\nSum      : 448 MB\n"
	       "Maximum  : 256 MB\nMinimum  : 64 MB\nProperty : Memory\n\n");
	assert_int_equal(run("Get-Thing | measure Name"), -EINVAL);
	assert_string_equal(out.buf, "Measure-Object : The property's values "
			    "are not numbers.\n");
}

static void test_pipeline_binding(void **state)
{
	(void)state;
	assert_int_equal(run("Get-Thing web* | Stop-Thing"), 7);
	assert_string_equal(stopped, "web1;web2;");
	assert_string_equal(out.buf, "");
	/* a failing object does not stop the others; the error names the
	 * cmdlet that failed */
	stopped[0] = '\0';
	run("Get-Thing | Stop-Thing -Force");
	assert_string_equal(stopped, "web1!;web2!;");
	assert_string_equal(out.buf, "Stop-Thing : 'db' cannot be stopped.\n");
	/* by value: a string binds to the pipeline parameter */
	stopped[0] = '\0';
	run("'web2' | Stop-Thing");
	assert_string_equal(stopped, "web2;");
	/* sizes bind as numbers */
	expect("Get-Thing web1 | Set-ThingMemory", "web1=67108864\n");
	expect("Get-Thing web1 | Set-ThingMemory -Memory 1KB", "web1=1024\n");
	/* an object without the property cannot bind */
	assert_int_equal(run("Get-Thing db | Select-Object Id | Stop-Thing"),
			 -EINVAL);
	assert_string_equal(out.buf, "Stop-Thing : The input object cannot be "
			    "bound to any parameters for the command either "
			    "because the command does not take pipeline input "
			    "or the input and its properties do not match any "
			    "of the parameters that take pipeline input.\n");
	/* a terminating error (negative result) stops the pipeline */
	assert_int_equal(run("Get-Thing | Fail-Thing"), -EIO);
	assert_string_equal(out.buf, "Fail-Thing : Broken.\n");
	/* nothing in, nothing called */
	stopped[0] = '\0';
	assert_int_equal(run("Get-Thing zz* | Stop-Thing"), 0);
	assert_string_equal(stopped, "");
}

static void test_binding_errors_run_nothing(void **state)
{
	(void)state;
	assert_int_equal(run("Get-Thing | Stop-Thing -Bogus"), -EINVAL);
	assert_string_equal(out.buf, "Stop-Thing : A parameter cannot be found "
			    "that matches parameter name 'Bogus'.\n");
	assert_int_equal(gets, 0);
	assert_int_equal(run("Get-Thing | Format-Table | Stop-Thing"), -EINVAL);
	assert_string_equal(out.buf, "Format-Table : Format-Table must be the "
			    "last command of a pipeline.\n");
	assert_int_equal(run("Get-Thing | Nope-Thing"), -ENOENT);
	assert_string_equal(out.buf, "The term 'Nope-Thing' is not recognized "
			    "as the name of a cmdlet.\n");
	assert_int_equal(gets, 0);
	assert_int_equal(run("Stop-Thing"), -EINVAL);   /* first: mandatory */
	assert_string_equal(out.buf, "Stop-Thing : Cannot process command "
			    "because of one or more missing mandatory "
			    "parameters: Name.\n");
	assert_int_equal(run("Get-Thing | ? -FilterScript x"), -EINVAL);
	assert_string_equal(out.buf, "Where-Object : Cannot bind parameter "
			    "'FilterScript'. Cannot convert value \"x\" to type "
			    "\"scriptblock\".\n");
	assert_int_equal(run("Get-Thing {x}"), -EINVAL);
	assert_string_equal(out.buf, "Get-Thing : A positional parameter "
			    "cannot be found that accepts argument '{x}'.\n");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	assert_int_equal(run("Get-Thing |"), -EINVAL);
	assert_string_equal(out.buf, "An empty pipe element is not allowed.\n");
	assert_int_equal(run("| Get-Thing"), -EINVAL);
	assert_int_equal(run("Get-Thing || Get-Thing"), -EINVAL);
	/* a syntax error anywhere runs nothing of the line */
	assert_int_equal(run("Get-Thing; Get-Thing |"), -EINVAL);
	assert_int_equal(gets, 0);
	assert_int_equal(run("Get-Thing | $x"), -EINVAL);
	assert_string_equal(out.buf, "Expressions are only allowed as the "
			    "first element of a pipeline.\n");
	assert_int_equal(run("$x ="), -EINVAL);
	assert_int_equal(run("Get-Thing | ? { $_.Name"), -EINVAL);
	assert_string_equal(out.buf, "Missing closing '}' in statement "
			    "block.\n");
	assert_int_equal(run("{ 1 }"), -EINVAL);
	assert_int_equal(run("$x.Name = 5"), -EINVAL);
	assert_string_equal(out.buf, "Assigning to a property ($x.Name) is "
			    "not supported.\n");
	assert_int_equal(run("$_ = 5"), -EINVAL);
	char line[CMD_LINE_MAX];
	size_t k = 0;

	for (int i = 0; i <= CMD_PIPE_MAX; i++)
		k += (size_t)snprintf(line + k, sizeof line - k, "%sGet-Thing",
				      i ? "|" : "");
	assert_int_equal(run(line), -E2BIG);
	assert_string_equal(out.buf, "The pipeline has too many commands (at "
			    "most 16).\n");
}

/* "Get-VMProcessor a,b,m": a string[] naming what the command acts on
 * runs it once per item, in the order given, into one table; an item
 * that fails says so and the rest go on; one item is one run. */
static void test_each_item(void **state)
{
	(void)state;
	expect("Get-Things db,web1",
	       "\n"
	       "Name State   Memory(M)     Uptime\n"
	       "---- ------- --------- ----------\n"
	       "db   Running    256 MB 1.01:01:01\n"
	       "web1 Running     64 MB   01:02:03\n"
	       "\n");
	assert_int_equal(gets, 1 + 1);
	gets = 0;
	run("Get-Things web2, nosuch, w*");
	assert_int_equal(gets, 3);
	assert_non_null(strstr(out.buf, "Get-Things : No thing is named \"nosuch\".\n"));
	assert_int_equal(capture_count(&out, "web2 Off"), 2);
	assert_int_equal(capture_count(&out, "web1 Running"), 1);
	gets = 0;
	run("Get-Things web1");
	assert_int_equal(gets, 1);
	assert_int_equal(run("Stop-Things web1,db,web2 -Force"), 7);
	assert_string_equal(stopped, "web1!;web2!;");
	assert_string_equal(out.buf, "Stop-Things : 'db' cannot be stopped.\n");
	/* from the pipeline: each object, as before */
	stopped[0] = '\0';
	run("Get-Thing w* | Stop-Things");
	assert_string_equal(stopped, "web1;web2;");
	/* an empty item is refused before anything runs */
	stopped[0] = '\0';
	assert_int_equal(run("Stop-Things web1,,web2"), -EINVAL);
	assert_string_equal(stopped, "");
	run("Get-Help Stop-Things");
	assert_non_null(strstr(out.buf, "<string[]>"));
}

static void test_statements(void **state)
{
	(void)state;
	expect("Get-Thing web1 | ft Name; Get-Thing db|ft Name;;",
	       "\nName\n----\nweb1\n\n\nName\n----\ndb\n\n");
	/* a binding error stops its statement only */
	assert_int_equal(run("Get-Thing -Bad; Get-Thing db | Stop-Thing; "
			     "Get-Thing web1 | Stop-Thing"), -EINVAL);
	assert_string_equal(stopped, "web1;");
	/* the result: the first negative one, else the last */
	assert_int_equal(run("'web1' | Stop-Thing ; Get-Thing web1"), 0);
	assert_int_equal(run("Get-Thing web1; 'web1' | Stop-Thing"), 7);
	expect("Get-Thing # | Stop-Thing; junk", thing_table);   /* comment */
}

static void test_variables(void **state)
{
	(void)state;
	expect("$x = Get-Thing web1", "");
	expect("$x.State", "Running\n");
	expect("$x.Memory", "67108864\n");
	expect("$x.Nope", "");
	expect("$X | ft Name", "\nName\n----\nweb1\n\n");   /* case-insensitive */
	expect("$x",
	       "\n"
	       "Name State   Memory(M)   Uptime\n"
	       "---- ------- --------- --------\n"
	       "web1 Running     64 MB 01:02:03\n"
	       "\n");
	/* arguments: a value's text, an object's property of the name */
	run("$x | Stop-Thing; Stop-Thing $x; Stop-Thing $x.Name; $n = 'web2'; "
	    "Stop-Thing -Name $n");
	assert_string_equal(stopped, "web1;web1;web1;web2;");
	expect("$all = Get-Thing; $all.Name", "web1\nweb2\ndb\n");
	assert_int_equal(run("Stop-Thing $all.Name"), -EINVAL);
	assert_string_equal(out.buf, "Stop-Thing : Cannot bind parameter "
			    "'Name': $all.Name holds 3 values and the parameter "
			    "takes one.\n");
	assert_int_equal(run("$y"), -ENOENT);
	assert_string_equal(out.buf, "The variable '$y' cannot be retrieved "
			    "because it has not been set.\n");
	expect("$n = 64MB; $n; $t = $true; $t; $s = 'a b'; $s",
	       "67108864\nTrue\na b\n");
	expect("$x = $null; $x", "");
	/* reassigning frees the old value (LeakSanitizer checks) */
	expect("$x = Get-Thing; $x = Get-Thing db; $x.Name", "db\n");
	/* a failed pipeline does not assign */
	run("$z = Get-Thing | Fail-Thing");
	assert_int_equal(run("$z"), -ENOENT);
	/* the variable keeps the objects after the line */
	expect("$w = Get-Thing w*", "");
	expect("$w | ? State -eq Off | ft Name", "\nName\n----\nweb2\n\n");
}

static void test_variables_limits(void **state)
{
	char line[64];

	(void)state;
	for (int i = 0; i < CMD_VARS_MAX; i++) {
		snprintf(line, sizeof line, "$v%d = %d", i, i);
		assert_int_equal(run(line), 0);
	}
	assert_int_equal(run("$one_more = 1"), -E2BIG);
	assert_string_equal(out.buf, "Too many variables (at most 32).\n");
	assert_int_equal(run("$v3 = 33; $v3"), 0);
	assert_string_equal(out.buf, "33\n");
	ctx.session = NULL;
	assert_int_equal(run("$q = 1"), -ENOSYS);
	assert_int_equal(run("$q"), -ENOENT);
	assert_int_equal(run("$abcdefghijabcdefghijabcdefghijabc = 1"), -E2BIG);
}

static void test_get_command(void **state)
{
	(void)state;
	expect("Get-Command -Noun Thing",
	       "\n"
	       "CommandType Name       Synopsis\n"
	       "----------- ---------- --------------\n"
	       "Cmdlet      Fail-Thing Fails.\n"
	       "Cmdlet      Get-Thing  Lists things.\n"
	       "Cmdlet      Stop-Thing Stops a thing.\n"
	       "\n");
	expect("Get-Command -Verb Get | select -ExpandProperty Name",
	       "Get-Command\nGet-Help\nGet-Thing\nGet-Things\n");
	expect("gcm -Noun *Object -Verb S* | select -expand Name",
	       "Select-Object\nSort-Object\n");
	expect("gcm -Verb Format | select -expand Name",
	       "Format-List\nFormat-Table\n");
	expect("gcm ft,help | ft DisplayName,CommandType",
	       "\n"
	       "DisplayName        CommandType\n"
	       "------------------ -----------\n"
	       "ft -> Format-Table Alias\n"
	       "help -> Get-Help   Alias\n"
	       "\n");
	assert_int_equal(run("Get-Command Get-Nope"), -ENOENT);
	assert_string_equal(out.buf, "Get-Command : The term 'Get-Nope' is not "
			    "recognized as the name of a cmdlet.\n");
	expect("Get-Command Get-Nope*", "");
}

static void test_help_for_pipeline(void **state)
{
	(void)state;
	run("Get-Help Stop-Thing");
	assert_non_null(strstr(out.buf, "Pipeline input? true"));
	run("Get-Help Where-Object");
	assert_non_null(strstr(out.buf, "Where-Object [[-FilterScript] "
			       "<scriptblock>] [[-Property] <string>] "
			       "[[-Value] <string>] [-EQ]"));
	run("Get-Thing | Stop-Thing -?");         /* help, nothing runs */
	assert_non_null(strstr(out.buf, "NAME\n    Stop-Thing"));
	assert_int_equal(gets, 0);
}

/* A type grouped by a property, as Get-ChildItem's per directory. */
static const struct cmd_column file_cols[] = { { "Name", NULL, 0 }, { "Length", NULL, 0 } };
static const struct cmd_type file_type = {
	"File", false, file_cols, 2, "Dir", "Directory", NULL,
};

static void test_grouped_view_and_limits(void **state)
{
	static const char *const dirs[] = { "C:\\a", "C:\\a", "C:\\b" };
	struct cmd_prop many[CMD_PROPS_MAX + 1];
	struct cmd_objlist list = { 0 };

	(void)state;
	capture_reset(&out);
	for (int i = 0; i < 3; i++) {
		const struct cmd_prop p[] = {
			CMD_PROP_STR("Name", i == 1 ? "long-name.txt" : "x"),
			i == 2 ? (struct cmd_prop)CMD_PROP_NULL("Length") :
				 (struct cmd_prop)CMD_PROP_INT("Length", 7 * i),
			CMD_PROP_STR("Dir", dirs[i]),
		};

		assert_int_equal(cmd_emit(&ctx, &file_type, p, 3), 0);
	}
	/* emitted outside a pipeline: each shown at once, headed by its group */
	assert_string_equal(out.buf,
			    "\n    Directory: C:\\a\n\nName Length\n---- ------\nx         0\n\n"
			    "\n    Directory: C:\\a\n\nName          Length\n"
			    "------------- ------\nlong-name.txt      7\n\n"
			    "\n    Directory: C:\\b\n\nName Length\n---- ------\nx\n\n");
	/* in one display, a run of equal groups is one table */
	for (int i = 0; i < 3; i++) {
		const struct cmd_prop p[] = {
			CMD_PROP_STR("Name", "f"), CMD_PROP_STR("Dir", dirs[i]),
		};
		struct cmd_obj *o = cmd_obj_new(&file_type, p, 2);

		assert_non_null(o);
		assert_int_equal(cmd_list_add(&list, o), 0);
		cmd_obj_put(o);
	}
	capture_reset(&out);
	cmd_show(&ctx, (const struct cmd_obj *const *)list.v, list.n);
	assert_int_equal(capture_count(&out, "Directory: C:\\a"), 1);
	assert_int_equal(capture_count(&out, "Directory: C:\\b"), 1);
	cmd_list_free(&list);
	/* too many properties: refused, with an error naming nothing wrong */
	for (int i = 0; i <= CMD_PROPS_MAX; i++)
		many[i] = (struct cmd_prop)CMD_PROP_INT("P", i);
	assert_null(cmd_obj_new(&file_type, many, CMD_PROPS_MAX + 1));
	cmd_obj_put(cmd_obj_new(NULL, many, 0));
	capture_reset(&out);
	assert_int_equal(cmd_emit(&ctx, &file_type, many, CMD_PROPS_MAX + 1), -ENOMEM);
	assert_string_equal(out.buf, "Out of memory for the pipeline's objects.\n");
	/* a table of more columns than it holds shows the first 16 */
	{
		char names[20][16];
		struct cmd_obj *o;

		for (int i = 0; i < 20; i++) {
			snprintf(names[i], sizeof names[i], "c%d", i);
			many[i] = (struct cmd_prop)CMD_PROP_INT(names[i], i);
		}
		o = cmd_obj_new(NULL, many, 20);
		capture_reset(&out);
		cmd_show_table(&ctx, (const struct cmd_obj *const *)&o, 1, NULL, 0);
		assert_non_null(strstr(out.buf, "c14 c15\n"));
		assert_null(strstr(out.buf, "c16"));
		cmd_obj_put(o);
	}
	run("Get-Thing | ? -FilterScript:{$_.Web}");
	assert_non_null(strstr(out.buf, "give the script block after a blank"));
}

static void test_regex(void **state)
{
	static const struct { const char *re, *s; int want; } t[] = {
		{ "", "abc", 1 }, { "b", "abc", 1 }, { "^b", "abc", 0 },
		{ "c$", "abc", 1 }, { "^abc$", "ABC", 1 }, { "a.c", "abc", 1 },
		{ "a.c", "a\nc", 0 }, { "^a*$", "", 1 }, { "^a+$", "", 0 },
		{ "^ab?c$", "ac", 1 }, { "^a{2,3}$", "aaaa", 0 },
		{ "^a{2,}$", "aaaa", 1 }, { "^a{2}$", "aa", 1 },
		{ "^[a-c]+$", "abcab", 1 }, { "^[^a-c]+$", "xyz", 1 },
		{ "^[^a-c]+$", "xaz", 0 }, { "\\d+", "web12", 1 },
		{ "^\\w+$", "web_1", 1 }, { "^\\w+$", "web-1", 0 },
		{ "\\s", "a b", 1 }, { "\\S", "   ", 0 }, { "\\.", "a.b", 1 },
		{ "\\.", "ab", 0 }, { "^(ab)+$", "ababab", 1 },
		{ "^(ab)+$", "ababa", 0 }, { "^(a|bc)*d$", "abcad", 1 },
		{ "^(?:x|y)z$", "yz", 1 }, { "^(a*)*b$", "aaab", 1 },
		{ "^(a|ab)(c|bcd)(d*)$", "abcd", 1 }, { "web[12]|db", "DB", 1 },
		{ "^.*-.*$", "Get-VM", 1 }, { "a{,2}", "a{,2}", 1 },
		{ "[]a]", "]", 1 }, { "^[-a]+$", "-a-", 1 },
		{ "^[a-]+$", "-a-", 1 }, { "x*?y", "xxy", 1 },
	};
	static const char *const bad[] = {
		"(", ")", "a)", "[a", "*a", "a**", "a{3,1}", "\\", "[z-a]",
		"a|*", "(?", "a{1001}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (cmd_regex_match(t[i].re, t[i].s) != t[i].want)
			fail_msg("/%s/ on \"%s\": want %d", t[i].re, t[i].s,
				 t[i].want);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (cmd_regex_match(bad[i], "a") != -EINVAL)
			fail_msg("/%s/ should be refused", bad[i]);
	/* catastrophic backtracking is cut off, not run for minutes */
	assert_int_equal(cmd_regex_match("^(a|a)*(a|a)*(a|a)*(a|a)*b$",
					 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac"),
			 -E2BIG);
}

static void test_regex_case(void **state)
{
	static const struct { const char *re, *s; bool cs; int want; } t[] = {
		{ "abc", "xABCx", false, 1 }, { "abc", "xABCx", true, 0 },
		{ "aBc", "aBc", true, 1 }, { "^[a-c]+$", "ABC", true, 0 },
		{ "^[a-c]+$", "ABC", false, 1 }, { "^[^a]$", "A", true, 1 },
		{ "^[^a]$", "A", false, 0 }, { "\\w+", "ABC", true, 1 },
		{ "^\\x$", "x", true, 1 }, { "^\\X$", "x", true, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct cmd_regex *re;

		assert_int_equal(cmd_regex_compile(t[i].re, t[i].cs, &re), 0);
		if (cmd_regex_exec(re, t[i].s) != t[i].want)
			fail_msg("/%s/%s on \"%s\": want %d", t[i].re,
				 t[i].cs ? "" : "i", t[i].s, t[i].want);
		cmd_regex_free(re);
	}
}

static void test_regex_compiled_once(void **state)
{
	struct cmd_regex *re = (struct cmd_regex *)&re;

	(void)state;
	assert_int_equal(cmd_regex_compile("(", false, &re), -EINVAL);
	assert_null(re);
	cmd_regex_free(NULL);
	/* each exec has its own step budget: a line that runs out of it
	 * does not starve the next */
	assert_int_equal(cmd_regex_compile("^(a|a)*(a|a)*(a|a)*(a|a)*b$", false,
					   &re), 0);
	assert_int_equal(cmd_regex_exec(re, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaac"),
			 -E2BIG);
	assert_int_equal(cmd_regex_exec(re, "aab"), 1);
	assert_int_equal(cmd_regex_exec(re, "aac"), 0);
	cmd_regex_free(re);
}

static void test_parse_span(void **state)
{
	static const struct { const char *s; int rc; uint64_t v; } t[] = {
		{ "0", 0, 0 }, { "2", 0, 172800 }, { "1:30", 0, 5400 },
		{ "01:02:03", 0, 3723 }, { "1.02:03", 0, 93780 },
		{ "1.02:03:04", 0, 93784 }, { "24:00", -ERANGE, 0 },
		{ "1:60", -ERANGE, 0 }, { "1:2:60", -ERANGE, 0 },
		{ "1.24:00", -ERANGE, 0 }, { "", -EINVAL, 0 },
		{ "1:", -EINVAL, 0 }, { "1:2:3:4", -EINVAL, 0 },
		{ "x", -EINVAL, 0 }, { "1.2", -EINVAL, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
		{ "999999999999999", -ERANGE, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t v = 0;
		int rc = cmd_parse_span(t[i].s, &v);

		if (rc != t[i].rc || (rc == 0 && v != t[i].v))
			fail_msg("\"%s\": rc %d v %llu", t[i].s, rc,
				 (unsigned long long)v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_where_statement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_where_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_where_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_sort_measure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding_errors_run_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_item, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_variables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_variables_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_for_pipeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grouped_view_and_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regex_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regex_compiled_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_span, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
