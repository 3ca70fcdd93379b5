/*
 * spin: never exits. By default it spins with interrupts off (CLI), so
 * only the VMX-preemption timer can take the CPU back from it; with
 * `mode=sti` it spins with RFLAGS.IF = 1 (SDM Vol. 2B "STI").
 */
#include "guest.h"

static void spin_forever(void) __attribute__((noreturn));

static void spin_forever(void)
{
	for (;;)
		__asm__ volatile("" ::: "memory");
}

void guest_main(void)
{
	int sti = guest_test_arg("mode", "sti");

	guest_puts("spin: start\n");
	guest_printf("spin: spinning forever with interrupts %s\n",
		     sti ? "on" : "off");
	if (sti)
		guest_sti();
	else
		guest_cli();
	spin_forever();
}
