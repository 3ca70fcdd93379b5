/*
 * hello: the smallest child. Prints a greeting and its command line,
 * then leaves through the debug-exit port with the value of `exit=N`.
 */
#include "guest.h"

void guest_main(void)
{
	uint32_t code = guest_get_arg_u32("exit", 0);

	guest_puts("hello: start\n");
	guest_puts("hello from the child partition\n");
	guest_printf("hello: boot %s, loader \"%s\"\n",
		     guest_boot_info.magic == MB2_BOOT_MAGIC ? "multiboot2"
							      : "multiboot1",
		     guest_boot_info.loader);
	guest_printf("hello: cmdline \"%s\"\n", guest_boot_info.cmdline);
	guest_printf("hello: exit=%u\n", code);
	if (code == 0)
		guest_pass("hello");
	guest_printf("hello: FAIL exit=%u requested\n", code);
	guest_exit(code);
}
