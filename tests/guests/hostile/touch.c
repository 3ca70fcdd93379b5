/*
 * mode=read / mode=write: one access to a physical address the scenario
 * chose outside this child's memory. hv must stop the child at that
 * access (EPT violation, docs/child-platform.md); reaching the line
 * after it means isolation failed.
 */
#include "guest.h"
#include "hostile.h"

#define WRITE_PATTERN 0x5a5aa5a5u

static int inside_own_ram(uint32_t addr)
{
	for (uint32_t i = 0; i < guest_boot_info.nranges; i++) {
		const struct guest_range *r = &guest_boot_info.ram[i];
		if (addr >= r->base && addr - r->base < r->length)
			return 1;
	}
	return 0;
}

void hostile_touch_addr(int write, uint32_t addr)
{
	uint32_t v;

	if (inside_own_ram(addr))
		guest_printf("hostile: note: 0x%x is inside this child's RAM\n",
			     addr);
	guest_printf("hostile: touching 0x%x\n", addr);
	if (write) {
		hostile_write32(addr, WRITE_PATTERN);
		v = hostile_read32(addr);
		guest_printf("hostile: FAIL write 0x%x reached (read back 0x%x)\n",
			     addr, v);
	} else {
		v = hostile_read32(addr);
		guest_printf("hostile: FAIL read 0x%x returned 0x%x\n", addr, v);
	}
	guest_exit(GUEST_EXIT_ISOLATION);
}
