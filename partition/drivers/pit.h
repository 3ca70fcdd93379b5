/* 8254 PIT channel 0 as the parent's 100 Hz tick, and TSC calibration. */
#ifndef PARENT_PIT_H
#define PARENT_PIT_H
#include <stdint.h>

#define PIT_HZ 100
extern volatile uint64_t pit_ticks;

void pit_setup(void);
/* fn runs in the PIT interrupt after each tick is counted (one hook). */
void pit_set_tick_hook(void (*fn)(void));
/* TSC ticks per second, measured over n PIT ticks (interrupts on). */
uint64_t pit_calibrate_tsc(unsigned n);
#endif
