/*
 * The CMOS real-time clock, read through the PC/AT index and data ports
 * (0x70, 0x71). The register map and the update protocol are the Motorola
 * MC146818A datasheet's: register A bit 7 (UIP) set means an update of the
 * time registers is in progress or starts within 244 us; while it reads 0,
 * no update starts for at least 244 us.
 *
 * The index register is shared state, so callers run with interrupts off
 * (the PIT handler, or code that has done cli). Built with
 * -mgeneral-regs-only: the PIT interrupt handler calls it.
 */
#include <errno.h>
#include "partition/arch/cpu.h"
#include "partition/drivers/rtc.h"

#define RTC_INDEX 0x70
#define RTC_DATA 0x71
#define RTC_REG_SEC 0x00
#define RTC_REG_MIN 0x02
#define RTC_REG_HOUR 0x04
#define RTC_REG_MDAY 0x07
#define RTC_REG_MON 0x08
#define RTC_REG_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_CENTURY 0x32   /* IBM PC/AT; ACPI FADT CENTURY names it */
#define RTC_A_UIP 0x80

/* Index bit 7 is the PC/AT NMI mask; it stays clear (NMIs enabled). */
static uint8_t rtc_reg(uint8_t r)
{
	pio_outb(RTC_INDEX, r);
	return pio_inb(RTC_DATA);
}

static int update_in_progress(void)
{
	return rtc_reg(RTC_REG_A) & RTC_A_UIP;
}

int rtc_read_seconds(void)
{
	if (update_in_progress())
		return -1;
	return rtc_reg(RTC_REG_SEC);
}

/* The 244 us window after UIP reads 0 holds on bare hardware, but hv may
 * run another partition between two of our reads; reading UIP and the
 * seconds again afterwards catches an update that slipped in (every update
 * changes the seconds register). */
int rtc_read_regs(struct civil_rtc_regs *r)
{
	if (update_in_progress())
		return -EAGAIN;
	r->sec = rtc_reg(RTC_REG_SEC);
	r->min = rtc_reg(RTC_REG_MIN);
	r->hour = rtc_reg(RTC_REG_HOUR);
	r->mday = rtc_reg(RTC_REG_MDAY);
	r->mon = rtc_reg(RTC_REG_MON);
	r->year = rtc_reg(RTC_REG_YEAR);
	r->century = rtc_reg(RTC_REG_CENTURY);
	r->reg_b = rtc_reg(RTC_REG_B);
	if (update_in_progress() || rtc_reg(RTC_REG_SEC) != r->sec)
		return -EAGAIN;
	return 0;
}
