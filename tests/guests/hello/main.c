/*
 * hello: the smallest child. Prints a greeting, its command line and
 * where it and its boot information lie (the information must not be
 * inside the image: hello-low.elf is linked at 0x8000 to check that the
 * loader puts it elsewhere), then leaves through the debug-exit port
 * with the value of `exit=N`. `burst=N` first writes N lines to COM1 and
 * reports the TSC ticks they took: each byte is a port intercept served
 * by the parent, so this measures how soon a child resumes after one
 * (tests/system/test_children.py runs it beside a spinning child).
 * `bursts=K` does that K times, each reported, so a test can take the
 * best and leave out the time its emulator lost to the host.
 */
#include "guest.h"

static void burst(uint32_t lines)
{
	uint64_t t0 = guest_rdtsc(), t;

	for (uint32_t i = 0; i < lines; i++)
		guest_printf("hello: burst line %u of %u ..........\n", i + 1, lines);
	t = guest_rdtsc() - t0;
	guest_printf("hello: burst %u lines in %llu TSC ticks\n", lines, t);
}

void guest_main(void)
{
	uint32_t code = guest_get_arg_u32("exit", 0);
	uint32_t lines = guest_get_arg_u32("burst", 0);
	uint32_t times = guest_get_arg_u32("bursts", 1);

	guest_puts("hello: start\n");
	guest_puts("hello from the child partition\n");
	guest_printf("hello: boot %s, loader \"%s\"\n",
		     guest_boot_info.magic == MB2_BOOT_MAGIC ? "multiboot2"
							      : "multiboot1",
		     guest_boot_info.loader);
	guest_printf("hello: cmdline \"%s\"\n", guest_boot_info.cmdline);
	guest_printf("hello: image 0x%x-0x%x, boot information at 0x%x\n",
		     (uint32_t)guest_image_start, (uint32_t)guest_image_end,
		     guest_boot_info.info_addr);
	if (guest_boot_info.info_addr >= (uint32_t)guest_image_start &&
	    guest_boot_info.info_addr < (uint32_t)guest_image_end)
		guest_fail("hello", "the boot information lies inside the image");
	for (uint32_t i = 0; lines && i < times; i++)
		burst(lines);
	guest_printf("hello: exit=%u\n", code);
	if (code == 0)
		guest_pass("hello");
	guest_printf("hello: FAIL exit=%u requested\n", code);
	guest_exit(code);
}
