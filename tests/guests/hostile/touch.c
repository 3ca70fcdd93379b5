/*
 * Accesses to physical addresses outside this child's memory. Nothing of
 * hv's, the parent's or another child's is behind any of them: hv treats
 * such a load or store as device memory with no device (docs/child-
 * platform.md), so a read returns all ones and a write goes nowhere.
 * mode=read / mode=write: one address. mode=sweep: every page from the
 * end of this child's RAM to 64 MiB, then every step (default 1 MiB) up
 * to 4 GiB, each read, written and read again; then its own RAM must
 * still hold its pattern.
 */
#include "guest.h"
#include "hostile.h"

#define WRITE_PATTERN 0x5a5aa5a5u
#define DENSE_LIMIT (64u << 20)

static int inside_own_ram(uint32_t addr)
{
	for (uint32_t i = 0; i < guest_boot_info.nranges; i++) {
		const struct guest_range *r = &guest_boot_info.ram[i];
		if (addr >= r->base && addr - r->base < r->length)
			return 1;
	}
	return 0;
}

static uint32_t ram_end(void)
{
	uint32_t end = 0;

	for (uint32_t i = 0; i < guest_boot_info.nranges; i++) {
		const struct guest_range *r = &guest_boot_info.ram[i];

		if (r->base + r->length > end)
			end = r->base + r->length;
	}
	return end;
}

/* Read, write, read: 0 if nothing answered (all ones both times). */
static int probe(uint32_t addr, uint32_t *seen)
{
	uint32_t a = hostile_read32(addr), b;

	hostile_write32(addr, WRITE_PATTERN);
	b = hostile_read32(addr);
	*seen = a != 0xffffffffu ? a : b;
	return a == 0xffffffffu && b == 0xffffffffu ? 0 : -1;
}

void hostile_touch_addr(int write, uint32_t addr)
{
	uint32_t v;

	if (inside_own_ram(addr))
		guest_fail("hostile", "the address is inside this child's RAM");
	guest_printf("hostile: touching 0x%x\n", addr);
	if (write)
		hostile_write32(addr, WRITE_PATTERN);
	v = hostile_read32(addr);
	if (v != 0xffffffffu) {
		guest_printf("hostile: FAIL %s 0x%x: read 0x%x\n", write ? "write" : "read", addr, v);
		guest_exit(GUEST_EXIT_ISOLATION);
	}
	guest_printf("hostile: %s 0x%x: nothing there (read 0x%x)\n",
		     write ? "write" : "read", addr, v);
	guest_pass("hostile");
}

/* mode=exec: jump to an address outside its RAM. Nothing can be emulated
 * there, so hv must stop the child; returning means isolation failed. */
void hostile_exec_addr(uint32_t addr)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)addr;

	guest_printf("hostile: jumping to 0x%x\n", addr);
	fn();
	guest_printf("hostile: FAIL exec 0x%x returned\n", addr);
	guest_exit(GUEST_EXIT_ISOLATION);
}

void hostile_sweep(void)
{
	uint32_t step = guest_get_arg_u32("step", 1u << 20), addr = ram_end(), seen, n = 0;

	if (step < 4096 || (step & 4095))
		guest_fail("hostile", "step= must be a multiple of 4096");
	guest_printf("hostile: sweep from 0x%x\n", addr);
	while (addr != 0 && addr <= 0xfffff000u) {
		if (probe(addr, &seen)) {
			guest_printf("hostile: FAIL sweep 0x%x answered 0x%x\n", addr, seen);
			guest_exit(GUEST_EXIT_ISOLATION);
		}
		n++;
		addr += addr < DENSE_LIMIT ? 4096 : step;
	}
	guest_printf("hostile: sweep ok: %u addresses outside its RAM, none answered\n", n);
	hostile_run_own();
	guest_pass("hostile");
}
