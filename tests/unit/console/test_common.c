/* Unit tests for the common parameters -ErrorAction (-ea) and
 * -WarningAction (-wa): binding, what each value does to a command's
 * errors and warnings, and Stop ending the line (partition/console). */
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
static char calls[256];         /* "Name;" per Touch-Thing call */

/* Emits web1, errs for nope (non-terminating, as Hyper-V's "unable to
 * find"), then emits db: Get-Thing web1,nope,db. */
static int get_thing(struct cmd_ctx *c, const struct cmd_args *a)
{
	int rc = 0;

	for (int i = 0; rc == 0 && i < cmd_arg_count(a, "Name"); i++) {
		const char *name = cmd_arg_str_at(a, "Name", i);
		const struct cmd_prop p[] = { CMD_PROP_STR("Name", name) };

		if (!strcmp(name, "nope"))
			rc = cmd_error(c, a, "No thing is named \"%s\".", name);
		else
			rc = cmd_emit(c, NULL, p, 1);
	}
	return rc;
}

static int touch_thing(struct cmd_ctx *c, const struct cmd_args *a)
{
	const char *name = cmd_arg_str(a, "Name");

	snprintf(calls + strlen(calls), sizeof calls - strlen(calls), "%s;",
		 name);
	if (!strcmp(name, "bad"))
		return cmd_error(c, a, "'%s' cannot be touched.", name);
	if (!strcmp(name, "old"))
		return cmd_warning(c, "'%s' is old.", name);
	return 0;
}

static int fail_thing(struct cmd_ctx *c, const struct cmd_args *a)
{
	cmd_error(c, a, "Broken.");
	return -EIO;
}

static const struct cmd_param get_params[] = {
	{ "Name", CMD_P_STRING, CMD_F_MULTI, 0, "Names.", NULL },
	{ "Wait", CMD_P_SWITCH, 0, -1, "Starts like WarningAction's alias.", NULL },
	{ "Ending", CMD_P_SWITCH, 0, -1, "Starts like ErrorAction.", NULL },
};
static const struct cmd_param touch_params[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Thing.", NULL },
};

static const struct cmd_def tab[] = {
	{ "Get-Thing", "Lists things.", "", get_params, 3, get_thing, NULL },
	{ "Touch-Thing", "Touches a thing.", "", touch_params, 1, touch_thing,
	  NULL },
	{ "Fail-Thing", "Fails.", "", NULL, 0, fail_thing, NULL },
};
#define NTAB ((int)(sizeof tab / sizeof tab[0]))

static int setup(void **state)
{
	(void)state;
	capture_ctx_init(&ctx, &out, &session);
	calls[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cmd_session_clear(&session);
	return 0;
}

static int run(const char *line)
{
	capture_reset(&out);
	calls[0] = '\0';
	return cmd_run_line(tab, NTAB, &ctx, line);
}

static void expect(const char *line, int rc, const char *want)
{
	assert_int_equal(run(line), rc);
	assert_string_equal(out.buf, want);
}

static const char *const both =
	"Get-Thing : No thing is named \"nope\".\n"
	"\nName\n----\nweb1\ndb\n\n";

static void test_continue_is_default(void **state)
{
	(void)state;
	expect("Get-Thing web1,nope,db", 0, both);
	expect("Get-Thing web1,nope,db -ErrorAction Continue", 0, both);
	expect("Get-Thing web1,nope,db -ea continue", 0, both);
}

static void test_silent_and_ignore(void **state)
{
	static const char *const lines[] = {
		"Get-Thing web1,nope,db -ErrorAction SilentlyContinue",
		"Get-Thing web1,nope,db -ea Ignore",
		"Get-Thing web1,nope,db -ErrorAction:silentlycontinue",
		"Get-Thing web1,nope,db -ErrorA Ignore",        /* abbreviated */
	};

	(void)state;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		expect(lines[i], 0, "\nName\n----\nweb1\ndb\n\n");
	/* only that command's errors: Touch-Thing's still show */
	expect("Get-Thing bad,nope -ea SilentlyContinue | Touch-Thing", 0,
	       "Touch-Thing : 'bad' cannot be touched.\n");
	expect("Get-Thing bad,nope | Touch-Thing -ea Ignore", 0,
	       "Get-Thing : No thing is named \"nope\".\n");
	/* a terminating error still stops the statement, unseen */
	expect("Fail-Thing -ea SilentlyContinue; Get-Thing db", -EIO,
	       "\nName\n----\ndb\n\n");
	/* an input object that does not bind is that command's error too */
	expect("'x' | Fail-Thing -ea SilentlyContinue", -EINVAL, "");
}

static void test_stop(void **state)
{
	(void)state;
	/* the error shows; nothing of the statement is shown or kept, and
	 * the rest of the line does not run */
	expect("Get-Thing web1,nope,db -ErrorAction Stop; Get-Thing x",
	       -ECANCELED, "Get-Thing : No thing is named \"nope\".\n");
	expect("$v = Get-Thing web1,nope -ea Stop", -ECANCELED,
	       "Get-Thing : No thing is named \"nope\".\n");
	expect("$v", -ENOENT, "The variable '$v' cannot be retrieved because "
	       "it has not been set.\n");
	/* per input object: the objects after the failing one are not run */
	expect("Get-Thing a,bad,b | Touch-Thing -ea Stop", -ECANCELED,
	       "Touch-Thing : 'bad' cannot be touched.\n");
	assert_string_equal(calls, "a;bad;");
	/* an input object that does not bind stops it too */
	expect("Get-Thing a,b | Fail-Thing -ea Stop", -EINVAL,
	       "Fail-Thing : The input object cannot be bound to any "
	       "parameters for the command either because the command does not "
	       "take pipeline input or the input and its properties do not "
	       "match any of the parameters that take pipeline input.\n");
	expect("Get-Thing a,bad,b | Touch-Thing; Get-Thing c | Touch-Thing", 0,
	       "Touch-Thing : 'bad' cannot be touched.\n");
	assert_string_equal(calls, "a;bad;b;c;");
	/* no error: Stop changes nothing; the next line runs as ever */
	expect("Get-Thing web1 -ea Stop", 0, "\nName\n----\nweb1\n\n");
	/* a negative result of the handler is kept as the line's */
	expect("Fail-Thing -ea Stop", -EIO, "Fail-Thing : Broken.\n");
}

static void test_warning_action(void **state)
{
	(void)state;
	expect("Touch-Thing old", 0, "WARNING: 'old' is old.\n");
	expect("Touch-Thing old -WarningAction SilentlyContinue", 0, "");
	expect("Touch-Thing old -wa Ignore -ea Stop", 0, "");
	expect("Touch-Thing old -wa Stop; Touch-Thing x", -ECANCELED,
	       "WARNING: 'old' is old.\n"
	       "Touch-Thing : The running command stopped because the "
	       "preference variable \"WarningPreference\" or common parameter "
	       "is set to Stop: 'old' is old.\n");
	assert_string_equal(calls, "old;");
	/* a warning under Stop stops whatever -ErrorAction says */
	expect("Touch-Thing old -wa Stop -ea SilentlyContinue", -ECANCELED,
	       "WARNING: 'old' is old.\n"
	       "Touch-Thing : The running command stopped because the "
	       "preference variable \"WarningPreference\" or common parameter "
	       "is set to Stop: 'old' is old.\n");
	/* outside a command: shown */
	capture_reset(&out);
	assert_int_equal(cmd_warning(&ctx, "%d left", 3), 0);
	assert_string_equal(out.buf, "WARNING: 3 left\n");
}

static void test_binding(void **state)
{
	(void)state;
	expect("Get-Thing -ErrorAction Quiet", -EINVAL,
	       "Get-Thing : Cannot bind parameter 'ErrorAction'. Cannot convert "
	       "value \"Quiet\" to type \"System.Management.Automation."
	       "ActionPreference\". Error: \"Unable to match the identifier "
	       "name Quiet to a valid enumerator name. Specify one of the "
	       "following enumerator names and try again: SilentlyContinue, "
	       "Stop, Continue, Ignore\"\n");
	expect("Get-Thing -wa Inquire", -EINVAL,
	       "Get-Thing : Cannot bind parameter 'WarningAction'. Cannot "
	       "convert value \"Inquire\" to type \"System.Management."
	       "Automation.ActionPreference\". Error: \"Unable to match the "
	       "identifier name Inquire to a valid enumerator name. Specify one "
	       "of the following enumerator names and try again: "
	       "SilentlyContinue, Stop, Continue, Ignore\"\n");
	expect("Get-Thing -ea", -EINVAL, "Get-Thing : Missing an argument for "
	       "parameter 'ErrorAction'. Specify a parameter of type 'string' "
	       "and try again.\n");
	expect("Get-Thing -ea Stop -ErrorAction Stop", -EINVAL,
	       "Get-Thing : Cannot bind parameter because parameter "
	       "'ErrorAction' is specified more than once.\n");
	/* the command's own parameters keep their abbreviations: -Wai is
	 * still -Wait, -E still -Ending; but an alias whole wins over a
	 * prefix, as in PowerShell: -wa is WarningAction */
	expect("Get-Thing x -Wai -E", 0, "\nName\n----\nx\n\n");
	expect("Get-Thing x -Wa Stop", 0, "\nName\n----\nx\n\n");
	expect("Get-Thing x -Wai -En -WarningA Continue", 0,
	       "\nName\n----\nx\n\n");
	/* the built-in cmdlets take them too */
	expect("Get-Thing a | Where-Object { $_.Name -match '(' } -ea Ignore",
	       -EINVAL, "");
	expect("Get-Help Nope -ea SilentlyContinue", -ENOENT, "");
	expect("Get-Help Nope", -ENOENT,
	       "Get-Help : Get-Help could not find 'Nope'.\n");
}

static void test_help_and_completion(void **state)
{
	const char *m[8];
	size_t st;

	(void)state;
	run("Get-Help Fail-Thing");
	assert_non_null(strstr(out.buf, "SYNTAX\n    Fail-Thing "
			       "[<CommonParameters>]\n"));
	assert_non_null(strstr(out.buf, "PARAMETERS\n    <CommonParameters>\n"
			       "        This cmdlet supports the common "
			       "parameters: ErrorAction (-ea) and WarningAction "
			       "(-wa), each Continue, SilentlyContinue, Ignore or "
			       "Stop.\n"));
	assert_int_equal(cmd_complete_line(tab, NTAB, "Get-Thing -", 11, &st, m,
					   8, NULL, NULL), 5);
	assert_string_equal(m[3], "ErrorAction");
	assert_string_equal(m[4], "WarningAction");
	assert_int_equal(cmd_complete_line(tab, NTAB, "Fail-Thing -e", 13, &st,
					   m, 8, NULL, NULL), 1);
	assert_string_equal(m[0], "ErrorAction");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_continue_is_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_and_ignore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warning_action, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_and_completion, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
