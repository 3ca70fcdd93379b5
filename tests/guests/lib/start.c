/* C entry: console, boot information, IDT, then the guest itself. */
#include "guest.h"

void guest_run_main(uint32_t magic, uint32_t info);
void guest_run_main(uint32_t magic, uint32_t info)
{
	guest_console_init();
	if (magic != MB1_BOOT_MAGIC && magic != MB2_BOOT_MAGIC) {
		guest_printf("guest: bad boot magic 0x%x\n", magic);
		guest_exit(GUEST_EXIT_BADBOOT);
	}
	guest_boot_parse(magic, info);
	guest_idt_init();
	guest_main();
	guest_puts("guest: guest_main returned\n");
	guest_exit(GUEST_EXIT_FAIL);
}
