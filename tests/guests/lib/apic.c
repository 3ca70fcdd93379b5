/*
 * Local APIC access. In x2APIC mode register r is MSR 0x800 + r
 * (SDM Vol. 3A §10.12.1.2, Table 10-6); in xAPIC mode it is the 32-bit
 * MMIO word at APIC base + r * 16 (SDM Vol. 3A §10.4.1, Table 10-1).
 * hvpart offers x2APIC only; the xAPIC path lets the same guests run
 * where x2APIC is not emulated (QEMU TCG before 8.1).
 */
#include "guest.h"

#define MSR_APIC_BASE   0x1b
#define APIC_BASE_EN    (1u << 11)
#define APIC_BASE_EXTD  (1u << 10)
#define X2APIC_MSR_BASE 0x800
#define CPUID1_X2APIC   (1u << 21)	/* CPUID.01H:ECX[21] */
#define SVR_ENABLE      (1u << 8)	/* SDM Vol. 3A §10.9, Figure 10-23 */
#define SPURIOUS_VECTOR 0xff

static int x2apic;
static volatile uint32_t *mmio;

/*
 * Enables the APIC: EN, then EXTD for x2APIC (SDM Vol. 3A §10.12.5: the
 * transition to x2APIC mode is from xAPIC mode, EN=1), then the
 * software-enable bit in the spurious-interrupt vector register.
 */
int guest_enable_apic(void)
{
	uint32_t r[4];
	uint64_t base = guest_rdmsr(MSR_APIC_BASE);

	guest_cpuid(1, r);
	x2apic = (r[2] & CPUID1_X2APIC) != 0;
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		guest_wrmsr(MSR_APIC_BASE, base);
	}
	if (x2apic && !(base & APIC_BASE_EXTD))
		guest_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	mmio = (volatile uint32_t *)(uint32_t)(base & 0xfffff000u);
	guest_write_apic(APIC_REG_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
	return x2apic;
}

uint32_t guest_read_apic(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)guest_rdmsr(X2APIC_MSR_BASE + reg);
	return mmio[reg * 4];
}

void guest_write_apic(uint32_t reg, uint32_t v)
{
	if (x2apic)
		guest_wrmsr(X2APIC_MSR_BASE + reg, v);
	else
		mmio[reg * 4] = v;
}

/* Any write of 0 to EOI ends the in-service interrupt (SDM §10.8.5). */
void guest_signal_eoi(void)
{
	guest_write_apic(APIC_REG_EOI, 0);
}

/* guest_sleep's timer: one-shot (LVT timer mode 0), divide by 1 (SDM
 * Vol. 3A §11.5.4, Figures 11-8 and 11-10). */
#define SLEEP_VECTOR    0x40
#define DCR_DIVIDE_BY_1 0x0b

static volatile uint32_t sleep_ticks;

static void on_sleep_timer(struct guest_frame *f)
{
	(void)f;
	sleep_ticks++;
	guest_signal_eoi();
}

void guest_sleep(uint32_t count)
{
	static int ready;
	uint32_t t = sleep_ticks;

	if (!ready) {
		guest_enable_apic();
		guest_set_handler(SLEEP_VECTOR, on_sleep_timer);
		guest_write_apic(APIC_REG_TMR_DCR, DCR_DIVIDE_BY_1);
		guest_write_apic(APIC_REG_LVT_TMR, SLEEP_VECTOR);
		ready = 1;
	}
	guest_write_apic(APIC_REG_TMR_ICR, count);
	while (sleep_ticks == t)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}
