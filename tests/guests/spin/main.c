/*
 * spin: never exits. By default it spins with interrupts off (CLI), so
 * only the VMX-preemption timer can take the CPU back from it; with
 * `mode=sti` it spins with RFLAGS.IF = 1 (SDM Vol. 2B "STI"); with
 * `mode=hlt` it waits in HLT with interrupts on and none unmasked: a
 * VM that stays running and costs its host (or an emulator) no time.
 */
#include "guest.h"

static void spin_forever(void) __attribute__((noreturn));

static void spin_forever(void)
{
	for (;;)
		__asm__ volatile("" ::: "memory");
}

static void halt_forever(void) __attribute__((noreturn));

static void halt_forever(void)
{
	for (;;)
		__asm__ volatile("sti; hlt" ::: "memory");
}

void guest_main(void)
{
	int sti = guest_test_arg("mode", "sti");

	guest_puts("spin: start\n");
	if (guest_test_arg("mode", "hlt")) {
		guest_puts("spin: halting forever with interrupts on\n");
		halt_forever();
	}
	guest_printf("spin: spinning forever with interrupts %s\n",
		     sti ? "on" : "off");
	if (sti)
		guest_sti();
	else
		guest_cli();
	spin_forever();
}
