/*
 * The 8254 PIT (Intel 82C54 datasheet): channel 0, mode 2 (rate
 * generator), 1.193182 MHz input, divided to PIT_HZ, on IRQ 0. Built with
 * -mgeneral-regs-only (interrupt context).
 */
#include "pit.h"
#include "partition/arch/cpu.h"

#define PIT_INPUT_HZ 1193182u

volatile uint64_t pit_ticks;
static void (*tick_hook)(void);

static void pit_isr(void)
{
	pit_ticks++;
	if (tick_hook)
		tick_hook();
}

void pit_set_tick_hook(void (*fn)(void))
{
	tick_hook = fn;
}

void pit_setup(void)
{
	uint16_t div = (uint16_t)((PIT_INPUT_HZ + PIT_HZ / 2) / PIT_HZ);

	pio_outb(0x43, 0x34);          /* channel 0, lobyte/hibyte, mode 2 */
	pio_outb(0x40, (uint8_t)div);
	pio_outb(0x40, (uint8_t)(div >> 8));
	irq_register(0, pit_isr);
}

uint64_t pit_calibrate_tsc(unsigned n)
{
	uint64_t t0, t1, start;

	start = pit_ticks;
	while (pit_ticks == start)
		__asm__ volatile("hlt");
	t0 = cpu_rdtsc();
	start = pit_ticks;
	while (pit_ticks - start < n)
		__asm__ volatile("hlt");
	t1 = cpu_rdtsc();
	return (t1 - t0) * PIT_HZ / n;
}
