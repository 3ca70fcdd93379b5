/*
 * The parent's clocks: a monotonic clock and wall-clock time (UTC; the
 * parent keeps no time zone). See partition/clock.c for how they are kept.
 */
#ifndef PARENT_CLOCK_H
#define PARENT_CLOCK_H
#include <stdint.h>

/* After pit_setup(), with interrupts on: reads the real-time clock and
 * starts following it; tsc_hz is the TSC rate measured against the PIT. */
void clock_init(uint64_t tsc_hz);
/* Nanoseconds since pit_setup(); never goes back. */
uint64_t clock_monotonic_ns(void);
/* Wall-clock time: seconds since 1970-01-01 UTC and nanoseconds. */
void clock_realtime(int64_t *sec, uint32_t *nsec);
#endif
