/* Leaving the guest: debug-exit port and pass/fail lines. */
#include "guest.h"

#define DEBUG_EXIT_PORT 0xf4

/*
 * A 32-bit write of v to port 0xf4 stops the machine: under hvpart the
 * child stops with exit code v, under QEMU (isa-debug-exit) the emulator
 * exits with (v << 1) | 1 (docs/child-platform.md). If the port is absent,
 * halt with interrupts off forever.
 */
void guest_exit(uint32_t v)
{
	pio_outl(DEBUG_EXIT_PORT, v);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void guest_pass(const char *name)
{
	guest_printf("%s: PASS\n", name);
	guest_exit(GUEST_EXIT_PASS);
}

void guest_fail(const char *name, const char *why)
{
	guest_printf("%s: FAIL %s\n", name, why);
	guest_exit(GUEST_EXIT_FAIL);
}
