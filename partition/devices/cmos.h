/*
 * A child's CMOS real-time clock and NVRAM at ports 0x70 (index; bit 7
 * is the NMI mask, kept and ignored) and 0x71 (data), as a PC's MC146818
 * (Motorola MC146818A datasheet; Linux arch/x86/kernel/rtc.c and
 * drivers/rtc/rtc-mc146818-lib.c read it): seconds to year plus century
 * (register 0x32, the FADT's century index), status A with
 * update-in-progress always clear, status B in 24-hour BCD, status D
 * "valid RAM and time". The time is the host's wall clock, given to each
 * read by the caller (hvpart keeps hosts on UTC, as Linux children
 * assume). Writes to the time registers are accepted and ignored: a child
 * cannot set the host's clock, and reads keep following it. Bytes
 * 0x0e-0x7f are NVRAM that reads back. Without a working RTC Linux 6.1
 * spent 80 s of boot polling an update-in-progress bit that read as set
 * (all ones). Portable.
 */
#ifndef PARTITION_DEVICES_CMOS_H
#define PARTITION_DEVICES_CMOS_H

#include <stdint.h>

#define CMOS_CENTURY_REG 0x32

struct cmos {
	uint8_t index;               /* the last index written to 0x70 */
	uint8_t reg_b;               /* status B: the guest's writable bits */
	uint8_t nvram[128];
};

void cmos_reset(struct cmos *c);
/* port 0x70 or 0x71; now: seconds since 1970-01-01 00:00 UTC. */
void cmos_write(struct cmos *c, uint16_t port, uint8_t v);
uint8_t cmos_read(const struct cmos *c, uint16_t port, int64_t now);

#endif
