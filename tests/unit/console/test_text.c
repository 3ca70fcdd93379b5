/* Unit tests for text in the pipeline: cmdlets' text as line objects
 * (cmd_lines_*), an object's text form and Select-String
 * (partition/console). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "partition/console/cmd.h"
#include "tests/unit/console/capture.h"

static struct capture out;
static struct cmd_session session;
static struct cmd_ctx ctx;
static const char *log_text;    /* what Get-Log emits */
static size_t log_len;

static const char log_demo[] =
	"boot: ok\n"
	"capture: started\r\n"
	"CAPTURE: FAIL page 12\n"
	"\n"
	"version 1.5\n"
	"version 105\n"
	"idle";

/* Feeds the text in pieces of 1, 2, 3, ... bytes, so that lines cross
 * the pieces' ends, as they cross a log ring's reads. */
static int get_log(struct cmd_ctx *c, const struct cmd_args *a)
{
	struct cmd_lines l = { 0 };
	size_t off = 0;
	int rc = 0;

	(void)a;
	for (size_t k = 1; rc == 0 && off < log_len; k++) {
		size_t n = k < log_len - off ? k : log_len - off;

		rc = cmd_lines_feed(c, &l, log_text + off, n);
		off += n;
	}
	if (rc) {
		cmd_lines_free(&l);
		return rc;
	}
	return cmd_lines_end(c, &l);
}

static const char *const states[] = { "Off", "Running", NULL };

static int get_thing(struct cmd_ctx *c, const struct cmd_args *a)
{
	static const char *const names[] = { "web1", "db" };
	int rc = 0;

	(void)a;
	for (int i = 0; rc == 0 && i < 2; i++) {
		const struct cmd_prop p[] = {
			CMD_PROP_STR("Name", names[i]),
			CMD_PROP_ENUM("State", i, states),
			CMD_PROP_INT("Id", i + 1),
		};

		rc = cmd_emit(c, NULL, p, 3);
	}
	return rc;
}

static const struct cmd_def tab[] = {
	{ "Get-Log", "Emits a log.", "", NULL, 0, get_log, NULL },
	{ "Get-Thing", "Lists things.", "", NULL, 0, get_thing, NULL },
};
#define NTAB ((int)(sizeof tab / sizeof tab[0]))

static int setup(void **state)
{
	(void)state;
	capture_ctx_init(&ctx, &out, &session);
	log_text = log_demo;
	log_len = sizeof log_demo - 1;
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

static void expect(const char *line, const char *want)
{
	assert_int_equal(run(line), 0);
	assert_string_equal(out.buf, want);
}

static void expect_error(const char *line, int rc, const char *want)
{
	assert_int_equal(run(line), rc);
	assert_string_equal(out.buf, want);
}

/* ---- lines ---- */

static void test_lines_shown_as_text(void **state)
{
	(void)state;
	/* at the end of a pipeline: the text, a CR before LF dropped, the
	 * last line ended */
	expect("Get-Log", "boot: ok\ncapture: started\nCAPTURE: FAIL page 12\n"
	       "\nversion 1.5\nversion 105\nidle\n");
	ctx.crlf = true;
	expect("Get-Log | Select-Object -First 2",
	       "boot: ok\r\ncapture: started\r\n");
}

static void test_lines_in_pipeline(void **state)
{
	(void)state;
	expect("Get-Log | Select-Object -Last 2", "version 105\nidle\n");
	expect("Get-Log | select -Skip 3 -First 1", "\n");   /* the blank one */
	expect("Get-Log | Measure-Object", "\nCount : 7\n\n");
	expect("Get-Log | Where-Object { $_ -match '^ver.*5$' }",
	       "version 1.5\nversion 105\n");
	expect("Get-Log | ? { $_ -like '*fail*' -or $_ -eq 'idle' }",
	       "CAPTURE: FAIL page 12\nidle\n");
	expect("Get-Log | Sort-Object | select -First 2", "\nboot: ok\n");
	expect("$l = Get-Log; $l | select -Last 1", "idle\n");
	log_len = 0;
	expect("Get-Log | Measure-Object", "\nCount : 0\n\n");
}

static void test_lines_limits(void **state)
{
	struct cmd_objlist got = { 0 };
	struct cmd_lines l = { 0 };
	char *big = malloc(CMD_TEXT_LINE_MAX + 10);

	(void)state;
	assert_non_null(big);
	/* a line longer than cmd_printf's 1023 characters shows whole */
	memset(big, 'x', 3000);
	big[3000] = '\n';
	log_text = big;
	log_len = 3001;
	run("Get-Log");
	assert_int_equal(out.len, 3001);
	/* NULs are left out; a line past CMD_TEXT_LINE_MAX goes in pieces */
	ctx.out = &got;
	assert_int_equal(cmd_lines_feed(&ctx, &l, "a\0b\n", 4), 0);
	memset(big, 'y', CMD_TEXT_LINE_MAX + 10);
	assert_int_equal(cmd_lines_feed(&ctx, &l, big, CMD_TEXT_LINE_MAX + 10),
			 0);
	assert_int_equal(cmd_lines_end(&ctx, &l), 0);
	assert_null(l.buf);
	assert_int_equal(got.n, 3);
	assert_string_equal(got.v[0]->props[0].v.s, "ab");
	assert_int_equal(strlen(got.v[1]->props[0].v.s), CMD_TEXT_LINE_MAX);
	assert_int_equal(strlen(got.v[2]->props[0].v.s), 10);
	/* equal lines in a row share one object */
	cmd_list_free(&got);
	assert_int_equal(cmd_lines_feed(&ctx, &l, "\n\n\nx\nx\n\n", 8), 0);
	assert_int_equal(cmd_lines_end(&ctx, &l), 0);
	assert_int_equal(got.n, 6);
	assert_ptr_equal(got.v[0], got.v[2]);
	assert_ptr_equal(got.v[3], got.v[4]);
	assert_ptr_not_equal(got.v[4], got.v[5]);
	assert_int_equal(got.v[0]->refs, 3);
	/* a failed feed: the caller frees */
	cmd_list_free(&got);
	ctx.halted = true;
	assert_int_equal(cmd_lines_feed(&ctx, &l, "q\nr", 3), -ECANCELED);
	cmd_lines_free(&l);
	assert_int_equal(got.n, 0);
	ctx.out = NULL;
	free(big);
}

/* ---- Select-String ---- */

static void test_select_string(void **state)
{
	(void)state;
	expect("Get-Log | Select-String capture",
	       "capture: started\nCAPTURE: FAIL page 12\n");
	expect("Get-Log | Select-String capture -CaseSensitive",
	       "capture: started\n");
	expect("Get-Log | Select-String -Pattern 'FAIL' -NotMatch",
	       "boot: ok\ncapture: started\n\nversion 1.5\nversion 105\nidle\n");
	expect("Get-Log | sls '1.5'", "version 1.5\nversion 105\n");
	expect("Get-Log | sls '1.5' -SimpleMatch", "version 1.5\n");
	expect("Get-Log | sls 'Ver' -SimpleMatch -CaseSensitive", "");
	expect("Get-Log | sls boot,idle", "boot: ok\nidle\n");
	expect("Get-Log | sls '^$'", "\n");
	expect("Get-Log | sls 'page \\d+$'", "CAPTURE: FAIL page 12\n");
	expect("Select-String -InputObject 'abc' b", "abc\n");
	expect("'abc' | Select-String x", "");
	expect("Select-String x", "");                  /* no input */
}

static void test_select_string_objects(void **state)
{
	(void)state;
	expect("Get-Log | sls fail | Format-List",
	       "\n"
	       "IgnoreCase : True\n"
	       "LineNumber : 3\n"
	       "Line       : CAPTURE: FAIL page 12\n"
	       "Filename   : InputStream\n"
	       "Path       : InputStream\n"
	       "Pattern    : fail\n"
	       "\n");
	expect("$m = Get-Log | sls version; $m.LineNumber; $m.Line",
	       "5\n6\nversion 1.5\nversion 105\n");
	expect("Get-Log | sls a,i -NotMatch | ft LineNumber,Pattern",
	       "\nLineNumber Pattern\n---------- -------\n"
	       "         1 a\n         4 a\n\n");
	expect("Get-Log | sls capture | Measure-Object", "\nCount : 2\n\n");
	expect("Get-Log | sls capture | Select-Object -Last 1",
	       "CAPTURE: FAIL page 12\n");
	/* a match's text is its line: it chains and compares as that */
	expect("Get-Log | sls capture | sls started", "capture: started\n");
	expect("Get-Log | sls capture | ? { $_ -match 'fail' }",
	       "CAPTURE: FAIL page 12\n");
	/* other objects match as PowerShell's ToString of them */
	expect("Get-Thing | Select-String Running",
	       "@{Name=db; State=Running; Id=2}\n");
	expect("Get-Thing | sls 'Name=web1;'", "@{Name=web1; State=Off; Id=1}\n");
	expect("64MB | sls 67108864", "67108864\n");
}

static void test_select_string_errors(void **state)
{
	(void)state;
	expect_error("Get-Log | Select-String", -EINVAL,
		     "Select-String : Cannot process command because of one or "
		     "more missing mandatory parameters: Pattern.\n");
	expect_error("Get-Log | Select-String '(x'", -EINVAL,
		     "Select-String : The string (x is not a valid regular "
		     "expression.\n");
	expect_error("Get-Log | Select-String ''", -EINVAL,
		     "Select-String : Cannot bind argument to parameter "
		     "'Pattern' because it is an empty string.\n");
	expect_error("Get-Log | sls '^(a|a)*(a|a)*(a|a)*(a|a)*b$'", 0, "");
	log_text = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac";
	log_len = strlen(log_text);
	expect_error("Get-Log | sls '^(a|a)*(a|a)*(a|a)*(a|a)*b$'", -E2BIG,
		     "Select-String : The regular expression ^(a|a)*(a|a)*(a|a)*"
		     "(a|a)*b$ is too complex for this text.\n");
}

static void test_select_string_help(void **state)
{
	(void)state;
	run("Get-Help Select-String");
	assert_non_null(strstr(out.buf, "Select-String [-Pattern] <string[]> "
			       "[-InputObject <string>] [-SimpleMatch] "
			       "[-NotMatch] [-CaseSensitive]"));
	assert_non_null(strstr(out.buf, "Get-VMHostLog | Select-String "
			       "capture"));
	assert_non_null(strstr(out.buf, "ALIASES\n    sls\n"));
	expect("gcm -Noun String | select -ExpandProperty Name",
	       "Select-String\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines_shown_as_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lines_in_pipeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lines_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_string_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_string_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_string_help, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
