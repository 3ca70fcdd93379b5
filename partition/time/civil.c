/* civil: Gregorian calendar arithmetic and RTC decoding. See civil.h. */
#include "partition/time/civil.h"

#include <errno.h>

#define DAYS_PER_400Y 146097        /* 400 * 365 + 97 leap days */
#define EPOCH_FROM_0000_03_01 719468 /* days from 0000-03-01 to 1970-01-01 */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days from 1 March to the first of month mm, counting March as month 0:
 * the month lengths from March repeat 31,30,31,30,31 every five months,
 * which (153 * mm + 2) / 5 reproduces. */
static unsigned days_before_month(unsigned mm)
{
	return (153 * mm + 2) / 5;
}

/* The year is taken to start on 1 March, so that the leap day ends it and
 * every 400-year cycle has the same layout. */
int64_t civil_days_from_date(int64_t y, unsigned m, unsigned d)
{
	int64_t yy = m <= 2 ? y - 1 : y;
	unsigned mm = m <= 2 ? m + 9 : m - 3;
	int64_t cycle = floor_div(yy, 400);
	int64_t yoc = yy - cycle * 400;
	int64_t doc = yoc * 365 + yoc / 4 - yoc / 100 + days_before_month(mm) + d - 1;

	return cycle * DAYS_PER_400Y + doc - EPOCH_FROM_0000_03_01;
}

static void date_from_days(int64_t days, struct civil_time *t)
{
	int64_t z = days + EPOCH_FROM_0000_03_01;
	int64_t cycle = floor_div(z, DAYS_PER_400Y);
	int64_t doc = z - cycle * DAYS_PER_400Y;                  /* 0..146096 */
	/* Year of the cycle: take out the leap days (one per 1460 days, none
	 * per 36524, one per 146096) before dividing by 365. */
	int64_t yoc = (doc - doc / 1460 + doc / 36524 - doc / 146096) / 365;
	int64_t doy = doc - (yoc * 365 + yoc / 4 - yoc / 100);   /* from 1 March */
	unsigned mm = (unsigned)((5 * doy + 2) / 153);

	t->day = (unsigned)(doy - days_before_month(mm) + 1);
	t->month = mm < 10 ? mm + 3 : mm - 9;
	t->year = yoc + cycle * 400 + (t->month <= 2);
}

void civil_from_epoch(int64_t sec, uint32_t nsec, struct civil_time *t)
{
	int64_t days = floor_div(sec, 86400);
	int64_t rem = sec - days * 86400;

	date_from_days(days, t);
	t->hour = (unsigned)(rem / 3600);
	t->minute = (unsigned)(rem / 60 % 60);
	t->second = (unsigned)(rem % 60);
	t->nsec = nsec;
	t->wday = (unsigned)((days + 4) % 7 + 7) % 7;   /* 1970-01-01 was a Thursday */
	t->yday = (unsigned)(days - civil_days_from_date(t->year, 1, 1));
}

unsigned civil_month_days(int64_t y, unsigned m)
{
	static const unsigned char len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12)
		return 0;
	return len[m - 1] + (m == 2 && leap);
}

/* A register value in the clock's data mode (register B bit 2); BCD digits
 * above 9 cannot come from a working clock. Returns -1 for those. */
static int rtc_value(uint8_t v, int binary)
{
	if (binary)
		return v;
	if ((v & 0x0f) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0x0f);
}

/* Hours: in 12-hour mode 1-12 with bit 7 set for PM (12 AM is midnight,
 * 12 PM noon), in 24-hour mode 0-23. */
static int rtc_hour(uint8_t h, uint8_t reg_b)
{
	int binary = reg_b & CIVIL_RTC_B_BINARY;
	int v;

	if (reg_b & CIVIL_RTC_B_24H)
		return rtc_value(h, binary);
	v = rtc_value(h & (uint8_t)~CIVIL_RTC_HOUR_PM, binary);
	if (v < 1 || v > 12)
		return -1;
	return v % 12 + ((h & CIVIL_RTC_HOUR_PM) ? 12 : 0);
}

int civil_decode_rtc(const struct civil_rtc_regs *r, int64_t *epoch)
{
	int bin = r->reg_b & CIVIL_RTC_B_BINARY;
	int s = rtc_value(r->sec, bin), mi = rtc_value(r->min, bin), h = rtc_hour(r->hour, r->reg_b);
	int d = rtc_value(r->mday, bin), mo = rtc_value(r->mon, bin), y = rtc_value(r->year, bin);
	int c = rtc_value(r->century, bin);
	int64_t year;

	if (s < 0 || s > 59 || mi < 0 || mi > 59 || h < 0 || h > 23 || y < 0 || y > 99 ||
	    mo < 1 || mo > 12)
		return -EINVAL;
	year = (c >= 19 && c <= 99 ? c : 20) * 100 + y;
	if (d < 1 || (unsigned)d > civil_month_days(year, (unsigned)mo))
		return -EINVAL;
	*epoch = civil_days_from_date(year, (unsigned)mo, (unsigned)d) * 86400 +
		 h * 3600 + mi * 60 + s;
	return 0;
}
