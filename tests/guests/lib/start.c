/* C entry: console, boot information, IDT, then the guest itself. */
#include "guest.h"

void guest_run_main(uint32_t magic, uint32_t info);

/*
 * A BIOS may leave the 8259A PICs unmasked with IRQ0 on vector 8, so a
 * PIT tick would look like #DF. Mask every line through OCW1 (the
 * interrupt mask registers at 0x21 and 0xa1; Intel 8259A datasheet,
 * "Operation Command Words"). On hvpart these ports are ignored.
 */
static void mask_legacy_pic(void)
{
	pio_outb(0x21, 0xff);
	pio_outb(0xa1, 0xff);
}
void guest_run_main(uint32_t magic, uint32_t info)
{
	guest_init_console();
	mask_legacy_pic();
	if (magic != MB1_BOOT_MAGIC && magic != MB2_BOOT_MAGIC) {
		guest_printf("guest: bad boot magic 0x%x\n", magic);
		guest_exit(GUEST_EXIT_BADBOOT);
	}
	guest_parse_boot(magic, info);
	guest_init_idt();
	guest_main();
	guest_puts("guest: guest_main returned\n");
	guest_exit(GUEST_EXIT_FAIL);
}
