/* Unit tests for calendar arithmetic and RTC decoding (partition/time/civil.c),
 * with the host C library's gmtime_r/timegm as the oracle. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "partition/time/civil.h"

static void check_against_libc(int64_t sec)
{
	struct civil_time c;
	struct tm tm;
	time_t tt = (time_t)sec;

	assert_non_null(gmtime_r(&tt, &tm));
	civil_from_epoch(sec, 123, &c);
	assert_int_equal(c.year, tm.tm_year + 1900);
	assert_int_equal(c.month, (unsigned)tm.tm_mon + 1);
	assert_int_equal(c.day, (unsigned)tm.tm_mday);
	assert_int_equal(c.hour, (unsigned)tm.tm_hour);
	assert_int_equal(c.minute, (unsigned)tm.tm_min);
	assert_int_equal(c.second, (unsigned)tm.tm_sec);
	assert_int_equal(c.wday, (unsigned)tm.tm_wday);
	assert_int_equal(c.yday, (unsigned)tm.tm_yday);
	assert_int_equal(c.nsec, 123);
	assert_int_equal(civil_days_from_date(c.year, c.month, c.day) * 86400 +
			 c.hour * 3600 + c.minute * 60 + c.second, sec);
}

static void test_epoch_edges(void **state)
{
	static const int64_t secs[] = {
		0, -1, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800 /* 2000-03-01 */,
		4107542400 /* 2100-03-01: 2100 is not leap */, 1796192197, -2208988800 /* 1900 */,
		253402300799 /* 9999-12-31 23:59:59 */, -62135596800 /* 0001-01-01 */,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++)
		check_against_libc(secs[i]);
}

static void test_epoch_random(void **state)
{
	(void)state;
	srand(11);
	for (int i = 0; i < 200000; i++) {
		int64_t s = ((int64_t)rand() << 20 ^ rand()) % 253402300800 - 62135596800 / 2;

		check_against_libc(s);
	}
}

static void test_month_days(void **state)
{
	(void)state;
	assert_int_equal(civil_month_days(2024, 2), 29);
	assert_int_equal(civil_month_days(2100, 2), 28);
	assert_int_equal(civil_month_days(2000, 2), 29);
	assert_int_equal(civil_month_days(2023, 2), 28);
	assert_int_equal(civil_month_days(2023, 4), 30);
	assert_int_equal(civil_month_days(2023, 12), 31);
	assert_int_equal(civil_month_days(2023, 0), 0);
	assert_int_equal(civil_month_days(2023, 13), 0);
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return (int64_t)timegm(&tm);
}

static void test_rtc_bcd_24h(void **state)
{
	/* 2026-12-02 06:17:17 in BCD, 24-hour mode (Bochs's reset value of
	 * register B is 0x02), century 0x20. */
	struct civil_rtc_regs r = { 0x17, 0x17, 0x06, 0x02, 0x12, 0x26, 0x20, 0x02 };
	int64_t e;

	(void)state;
	assert_int_equal(civil_decode_rtc(&r, &e), 0);
	assert_int_equal(e, utc(2026, 12, 2, 6, 17, 17));
	r.hour = 0x23;
	r.min = 0x59;
	r.sec = 0x59;
	assert_int_equal(civil_decode_rtc(&r, &e), 0);
	assert_int_equal(e, utc(2026, 12, 2, 23, 59, 59));
}

static void test_rtc_binary_12h(void **state)
{
	struct civil_rtc_regs r = { 5, 30, 12, 31, 1, 99, 19, CIVIL_RTC_B_BINARY };
	int64_t e;

	(void)state;
	/* 12 AM is midnight. */
	assert_int_equal(civil_decode_rtc(&r, &e), 0);
	assert_int_equal(e, utc(1999, 1, 31, 0, 30, 5));
	/* 12 PM is noon; 1 PM is 13:00; 11 AM stays 11. */
	r.hour = 12 | CIVIL_RTC_HOUR_PM;
	assert_int_equal(civil_decode_rtc(&r, &e), 0);
	assert_int_equal(e, utc(1999, 1, 31, 12, 30, 5));
	r.hour = 1 | CIVIL_RTC_HOUR_PM;
	assert_int_equal(civil_decode_rtc(&r, &e), 0);
	assert_int_equal(e, utc(1999, 1, 31, 13, 30, 5));
	r.hour = 11;
	assert_int_equal(civil_decode_rtc(&r, &e), 0);
	assert_int_equal(e, utc(1999, 1, 31, 11, 30, 5));
	/* 0 and 13 are not 12-hour values. */
	r.hour = 0;
	assert_int_equal(civil_decode_rtc(&r, &e), -EINVAL);
	r.hour = 13;
	assert_int_equal(civil_decode_rtc(&r, &e), -EINVAL);
}

static void test_rtc_bcd_12h_pm(void **state)
{
	/* 11:45:00 PM in BCD 12-hour mode: hours 0x91 (PM | 0x11). */
	struct civil_rtc_regs r = { 0x00, 0x45, 0x91, 0x29, 0x02, 0x24, 0x20, 0x00 };
	int64_t e;

	(void)state;
	assert_int_equal(civil_decode_rtc(&r, &e), 0);
	assert_int_equal(e, utc(2024, 2, 29, 23, 45, 0));
}

static void test_rtc_century(void **state)
{
	struct civil_rtc_regs r = { 0, 0, 0, 1, 1, 0x05, 0x21, CIVIL_RTC_B_24H };
	int64_t e;

	(void)state;
	assert_int_equal(civil_decode_rtc(&r, &e), 0);
	assert_int_equal(e, utc(2105, 1, 1, 0, 0, 0));
	/* A century register that holds nothing sensible: 20xx. */
	r.century = 0x00;
	assert_int_equal(civil_decode_rtc(&r, &e), 0);
	assert_int_equal(e, utc(2005, 1, 1, 0, 0, 0));
	r.century = 0xff;
	assert_int_equal(civil_decode_rtc(&r, &e), 0);
	assert_int_equal(e, utc(2005, 1, 1, 0, 0, 0));
}

static void test_rtc_garbage(void **state)
{
	static const struct civil_rtc_regs bad[] = {
		{ 0x5a, 0, 0, 1, 1, 0x24, 0x20, CIVIL_RTC_B_24H },  /* BCD digit above 9 */
		{ 0x60, 0, 0, 1, 1, 0x24, 0x20, CIVIL_RTC_B_24H },  /* second 60 */
		{ 0, 0x60, 0, 1, 1, 0x24, 0x20, CIVIL_RTC_B_24H },  /* minute 60 */
		{ 0, 0, 0x24, 1, 1, 0x24, 0x20, CIVIL_RTC_B_24H },  /* hour 24 */
		{ 0, 0, 0, 0x00, 1, 0x24, 0x20, CIVIL_RTC_B_24H },  /* day 0 */
		{ 0, 0, 0, 0x30, 2, 0x24, 0x20, CIVIL_RTC_B_24H },  /* 30 February */
		{ 0, 0, 0, 0x29, 2, 0x23, 0x20, CIVIL_RTC_B_24H },  /* 29 February 2023 */
		{ 0, 0, 0, 0x31, 4, 0x24, 0x20, CIVIL_RTC_B_24H },  /* 31 April */
		{ 0, 0, 0, 1, 0x13, 0x24, 0x20, CIVIL_RTC_B_24H },  /* month 13 */
		{ 0, 0, 0, 1, 0x00, 0x24, 0x20, CIVIL_RTC_B_24H },  /* month 0 */
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, /* no clock at all */
		{ 0, 0, 0, 1, 1, 100, 20, CIVIL_RTC_B_24H | CIVIL_RTC_B_BINARY }, /* year 100 */
	};
	int64_t e = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(civil_decode_rtc(&bad[i], &e), -EINVAL);
		assert_int_equal(e, 42);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_edges),
		cmocka_unit_test(test_epoch_random),
		cmocka_unit_test(test_month_days),
		cmocka_unit_test(test_rtc_bcd_24h),
		cmocka_unit_test(test_rtc_binary_12h),
		cmocka_unit_test(test_rtc_bcd_12h_pm),
		cmocka_unit_test(test_rtc_century),
		cmocka_unit_test(test_rtc_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
