/*
 * civil: the proleptic Gregorian calendar in UTC, and decoding of the
 * MC146818 real-time clock's date registers. Portable (host-tested); the
 * parent's clock (partition/clock.c) and Get-Date use it.
 */
#ifndef HVPART_TIME_CIVIL_H
#define HVPART_TIME_CIVIL_H

#include <stdint.h>

/* A broken-down UTC time. */
struct civil_time {
	int64_t year;        /* e.g. 2026 */
	unsigned month;      /* 1-12 */
	unsigned day;        /* 1-31 */
	unsigned hour;       /* 0-23 */
	unsigned minute;     /* 0-59 */
	unsigned second;     /* 0-59 */
	uint32_t nsec;       /* 0-999999999 */
	unsigned wday;       /* 0 = Sunday */
	unsigned yday;       /* 0 = 1 January */
};

/* Days from 1970-01-01 to y-m-d (m 1-12, d 1-31; not range-checked). */
int64_t civil_days_from_date(int64_t y, unsigned m, unsigned d);
/* Seconds since 1970 (may be negative) and nanoseconds to a civil time. */
void civil_from_epoch(int64_t sec, uint32_t nsec, struct civil_time *t);
/* Days in month m (1-12) of year y; 0 for a month out of range. */
unsigned civil_month_days(int64_t y, unsigned m);

/*
 * The RTC's time and date registers as read (MC146818A datasheet, "Address
 * map": 0 seconds, 2 minutes, 4 hours, 7 day of month, 8 month, 9 year,
 * register B at 0x0b; the century at 0x32 is the IBM PC/AT convention that
 * ACPI's FADT CENTURY field names).
 */
struct civil_rtc_regs {
	uint8_t sec, min, hour, mday, mon, year, century, reg_b;
};
_Static_assert(sizeof(struct civil_rtc_regs) == 8, "RTC register snapshot");

#define CIVIL_RTC_B_24H    0x02   /* register B bit 1: 24-hour mode */
#define CIVIL_RTC_B_BINARY 0x04   /* register B bit 2: binary, not BCD */
#define CIVIL_RTC_HOUR_PM  0x80   /* hours bit 7 in 12-hour mode: PM */

/* Seconds since 1970 from a register snapshot: BCD or binary, 12- or
 * 24-hour, with the century register when it holds 19-99 (else 20xx).
 * Returns 0, or -EINVAL for values a working clock cannot hold. */
int civil_decode_rtc(const struct civil_rtc_regs *r, int64_t *epoch);

#endif
