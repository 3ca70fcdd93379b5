/* The CMOS real-time clock (Motorola MC146818A and compatibles). */
#ifndef PARENT_RTC_H
#define PARENT_RTC_H
#include <stdint.h>
#include "partition/time/civil.h"

/* The seconds register as it reads now, or -1 while an update is in
 * progress (the caller tries again at its next tick). */
int rtc_read_seconds(void);
/* A consistent snapshot of the time and date registers: 0, or -EAGAIN when
 * an update began before the reads finished. */
int rtc_read_regs(struct civil_rtc_regs *r);
#endif
