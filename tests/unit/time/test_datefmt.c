/* Unit tests for Get-Date's formats (partition/time/datefmt.c). Expected
 * strings are what PowerShell prints in the en-US culture with a UTC time
 * zone; -UFormat is also checked against the host's strftime in the C
 * locale where the two define the same conversion. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "partition/time/datefmt.h"

#define T0 1796192237   /* Wednesday 2026-12-02 06:17:17 UTC */

static struct civil_time at(int64_t sec, uint32_t nsec)
{
	struct civil_time t;

	civil_from_epoch(sec, nsec, &t);
	return t;
}

static void expect_dotnet(int64_t sec, uint32_t nsec, const char *fmt, const char *want)
{
	struct civil_time t = at(sec, nsec);
	char buf[128];
	int r = datefmt_dotnet(buf, sizeof(buf), &t, fmt);

	if (r < 0)
		fail_msg("format '%s': error %d, want '%s'", fmt, r, want);
	assert_string_equal(buf, want);
	assert_int_equal(r, (int)strlen(want));
}

static void test_standard(void **state)
{
	(void)state;
	expect_dotnet(T0, 123456789, "", "12/2/2026 6:17:17 AM");
	expect_dotnet(T0, 123456789, "G", "12/2/2026 6:17:17 AM");
	expect_dotnet(T0, 123456789, "F", "Wednesday, December 2, 2026 6:17:17 AM");
	expect_dotnet(T0, 123456789, "f", "Wednesday, December 2, 2026 6:17 AM");
	expect_dotnet(T0, 123456789, "o", "2026-12-02T06:17:17.1234567+00:00");
	expect_dotnet(T0, 0, "O", "2026-12-02T06:17:17.0000000+00:00");
	expect_dotnet(T0, 123456789, "s", "2026-12-02T06:17:17");
	expect_dotnet(T0, 123456789, "u", "2026-12-02 06:17:17Z");
	expect_dotnet(T0, 123456789, "R", "Wed, 02 Dec 2026 06:17:17 GMT");
	expect_dotnet(T0, 123456789, "d", "12/2/2026");
	expect_dotnet(T0, 123456789, "D", "Wednesday, December 2, 2026");
	expect_dotnet(T0, 123456789, "g", "12/2/2026 6:17 AM");
	expect_dotnet(T0, 123456789, "t", "6:17 AM");
	expect_dotnet(T0, 123456789, "T", "6:17:17 AM");
	expect_dotnet(T0, 123456789, "M", "December 2");
	expect_dotnet(T0, 123456789, "y", "December 2026");
	expect_dotnet(T0 + 12 * 3600, 0, "U", "Wednesday, December 2, 2026 6:17:17 PM");
}

static void test_custom(void **state)
{
	(void)state;
	expect_dotnet(T0, 123456789, "yyyy-MM-dd HH:mm:ss.fff", "2026-12-02 06:17:17.123");
	expect_dotnet(T0, 123456789, "y yy yyy yyyyy", "26 26 2026 02026");
	expect_dotnet(1104537600, 0, "y yy", "5 05");                     /* 2005 */
	expect_dotnet(T0, 0, "MMM ddd MMMM dddd", "Dec Wed December Wednesday");
	expect_dotnet(T0 + 11 * 3600 + 48 * 60, 0, "hh:mm tt|h t|H:m:s", "06:05 PM|6 P|18:5:17");
	expect_dotnet(T0 - 6 * 3600, 0, "h:mm tt HH", "12:17 AM 00");   /* midnight hour */
	expect_dotnet(T0, 0, "ss.FFF", "17");
	expect_dotnet(T0, 120000000, "ss.FFF", "17.12");
	expect_dotnet(T0, 120000000, "ss.fff", "17.120");
	expect_dotnet(T0, 123456789, "fffffff FFFFFFF f", "1234567 1234567 1");
	expect_dotnet(T0, 0, "'Today is' dddd", "Today is Wednesday");
	expect_dotnet(T0, 0, "\"d\" \\d %d", "d d 2");
	expect_dotnet(T0, 0, "%M", "12");
	expect_dotnet(T0, 0, "zzz K z zz", "+00:00 +00:00 +0 +00");
	expect_dotnet(T0, 0, "gg yyyy", "A.D. 2026");
	expect_dotnet(T0, 0, "dd/MM/yyyy HH:mm", "02/12/2026 06:17");
	expect_dotnet(T0, 0, "'it''s'", "its");   /* .NET: two quoted pieces */
}

static void test_bad_formats(void **state)
{
	static const char *const bad[] = {
		"x", "Q", "ffffffff", "FFFFFFFF", "'unterminated", "\"open", "trailing\\",
		"%", "%%", "%:",
	};
	struct civil_time t = at(T0, 0);
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(datefmt_dotnet(buf, sizeof(buf), &t, bad[i]), -EINVAL);
}

static void test_too_long(void **state)
{
	struct civil_time t = at(T0, 0);
	char buf[8];

	(void)state;
	assert_int_equal(datefmt_dotnet(buf, sizeof(buf), &t, "yyyy-MM-dd"), -ENOSPC);
	assert_int_equal(datefmt_dotnet(buf, sizeof(buf), &t, "yyyy-MM"), 7);
	assert_string_equal(buf, "2026-12");
	assert_int_equal(datefmt_uformat(buf, sizeof(buf), &t, T0, "%Y-%m-%d"), -ENOSPC);
	assert_int_equal(datefmt_dotnet(buf, 0, &t, "y"), -ENOSPC);
}

static void expect_u(int64_t sec, const char *fmt, const char *want)
{
	struct civil_time t = at(sec, 0);
	char buf[128];

	assert_int_equal(datefmt_uformat(buf, sizeof(buf), &t, sec, fmt), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void test_uformat(void **state)
{
	(void)state;
	expect_u(T0, "%Y-%m-%d %H:%M:%S", "2026-12-02 06:17:17");
	expect_u(T0, "%s", "1796192237");
	expect_u(-1, "%s %Y", "-1 1969");
	expect_u(T0, "%c", "Wed Dec 02 06:17:17 2026");
	expect_u(T0, "%Z %u %w", "+00 3 3");
	expect_u(T0 + 4 * 86400, "%u %w", "7 0");          /* Sunday */
	expect_u(T0, "100%% %Q %", "100% %Q %");
}

/* The conversions C's strftime defines the same way, over many times. */
static void test_uformat_vs_strftime(void **state)
{
	static const char *const fmts[] = {
		"%a %A %b %B %C %d %D %e %F %h", "%H %I %j %k %l %m %M %n %p",
		"%r %R %S %t %T %u %w %x %X %y %Y %%",
	};

	(void)state;
	srand(5);
	for (int i = 0; i < 20000; i++) {
		int64_t sec = ((int64_t)rand() << 16 ^ rand()) % 7258118400;   /* 1970-2199 */
		time_t tt = (time_t)sec;
		struct tm tm;
		struct civil_time t = at(sec, 0);

		gmtime_r(&tt, &tm);
		for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
			char want[128], got[128];

			strftime(want, sizeof(want), fmts[f], &tm);
			assert_true(datefmt_uformat(got, sizeof(got), &t, sec, fmts[f]) > 0);
			assert_string_equal(got, want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standard),
		cmocka_unit_test(test_custom),
		cmocka_unit_test(test_bad_formats),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_uformat),
		cmocka_unit_test(test_uformat_vs_strftime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
