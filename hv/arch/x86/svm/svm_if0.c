/*
 * An NMI tick where the CPU does not exit for a physical interrupt while
 * a guest runs with RFLAGS.IF clear. The APM has the host's IF alone
 * decide with V_INTR_MASKING (Vol. 2 §15.21.1), and QEMU does so; Bochs
 * 2.7's VMRUN loads the guest's RFLAGS before it counts the CPU as in the
 * guest, so the guest's IF = 0 masks INTR as outside one, and nothing
 * unmasks it until the guest changes IF (docs/ARCHITECTURE.md, "The SVM
 * backend"). A child spinning with interrupts off then kept the CPU, and
 * with it the parent's console, for ever.
 *
 * The boot self-test finds out (svm_selftest.c, intr_exits_at_if0). Only
 * then, hv has an NMI, which IF does not mask, come once per the
 * parent's interrupt latency (HvpartSetInterruptLatency: 1 ms, 50 us
 * while its console is in use), as VT-x's looks do: an HPET timer of its
 * own, periodic, through the I/O APIC as an NMI to the boot CPU (nothing else here uses either: the parent drives the 8259
 * and the PIT, children's HPETs and I/O APICs are emulated or absent).
 * Without an HPET, the parent's PIT tick comes as the NMI instead (ISA
 * IRQ 0 goes to the I/O APIC too), 18.2 or 100 times a second, too seldom
 * for a console at 115,200 baud (its 16-byte FIFO fills in 1.4 ms), often
 * enough for the rest. Every guest exits on the NMI (the NMI intercept,
 * §15.9); it stays pending through the #VMEXIT and hv takes it at its
 * STGI and returns (entry.S, nmi_quiet); a child's exit then makes the
 * look its INTR exit would have led to (sched_yield), and the boot CPU
 * passes the tick on to the other CPUs.
 */
#include "svm.h"
#include <hv/abi/hvpart_abi.h>
#include <hv/lib.h>
#include <hv/percpu.h>
#include "../cpu.h"

bool svm_if0_lost;
static bool nmi_tick;

/* 82093AA I/O APIC (datasheet §3.1, §3.2.4): an index register and a
 * data window; redirection entry n at 0x10 + 2n (low dword: vector,
 * delivery mode in bits 8-10, 100b = NMI; physical destination, active
 * high, edge, unmasked when 0), its destination in bits 24-31 of the high
 * dword; the version register's bits 16-23 hold the last entry's index. */
#define IOAPIC_IOREGSEL  0x00u
#define IOAPIC_IOWIN     0x10u
#define IOAPIC_VER       0x01u
#define IOAPIC_REDTBL(n) (0x10u + 2u * (n))
#define REDIR_NMI        (4u << 8)

/* IA-PC HPET Specification 1.0a §2.3: capabilities (the counter's period
 * in femtoseconds in bits 63:32), configuration (bit 0 enables the
 * counter), the main counter, and per timer n at 0x100 + 0x20n its
 * configuration (bit 2 interrupt enable, 3 periodic, 6 value set, 8
 * 32-bit mode, 13:9 the I/O APIC input; bits 63:32 the inputs it may
 * use) and comparator. Registers are written 32 bits at a time. */
#define HPET_CAP         0x000u
#define HPET_CFG         0x010u
#define HPET_COUNTER     0x0f0u
#define HPET_TN_CFG(n)   (0x100u + 0x20u * (n))
#define HPET_TN_CMP(n)   (0x108u + 0x20u * (n))
#define HPET_TN_ENABLE   (1u << 2)
#define HPET_TN_PERIODIC (1u << 3)
#define HPET_TN_PER_CAP  (1u << 4)
#define HPET_TN_SETVAL   (1u << 6)
#define HPET_TN_32BIT    (1u << 8)
#define HPET_TN_ROUTE(g) ((uint32_t)(g) << 9)
#define TICK_MIN_US      500u

/* The HPET timer that ticks, its counter's period, the tick's now. */
static struct { uint64_t pa; uint32_t timer, fs, us; } hpet;

static uint32_t ioapic_read(uint64_t pa, uint32_t reg)
{
	volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)pa;

	io[IOAPIC_IOREGSEL / 4] = reg;
	return io[IOAPIC_IOWIN / 4];
}

static void ioapic_write(uint64_t pa, uint32_t reg, uint32_t val)
{
	volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)pa;

	io[IOAPIC_IOREGSEL / 4] = reg;
	io[IOAPIC_IOWIN / 4] = val;
}

static volatile uint32_t *hpet_reg(uint64_t pa, uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(pa + off);
}

/* The last timer that can be periodic and reach an I/O APIC input from
 * 16 up (none of the ISA IRQs the parent's devices use) to last; its
 * input, or -1. */
static int hpet_pick(uint64_t pa, uint32_t last, uint32_t *timer)
{
	uint32_t n = ((*hpet_reg(pa, HPET_CAP) >> 8) & 0x1f) + 1;

	for (uint32_t t = n; t-- > 0;) {
		uint32_t caps = *hpet_reg(pa, HPET_TN_CFG(t) + 4);

		if (!(*hpet_reg(pa, HPET_TN_CFG(t)) & HPET_TN_PER_CAP))
			continue;
		for (uint32_t g = last < 31 ? last : 31; g >= 16; g--) {
			if (caps & (1u << g)) {
				*timer = t;
				return (int)g;
			}
		}
	}
	return -1;
}

/* The parent's interrupt latency, the tick's period. */
static uint32_t tick_us(void)
{
	uint64_t us = this_cpu()->latency_us ? this_cpu()->latency_us : HVPART_LATENCY_DEFAULT_US;

	return us < TICK_MIN_US ? TICK_MIN_US : us > HVPART_LATENCY_DEFAULT_US ? HVPART_LATENCY_DEFAULT_US :
									  (uint32_t)us;
}

/* Periodic every us from now (§2.3.9.2.2: with value set, the first
 * comparator write is the next tick, the second the period). */
static void hpet_period(uint32_t us)
{
	uint32_t ticks = (uint32_t)(us * 1000000000ull / hpet.fs);

	*hpet_reg(hpet.pa, HPET_TN_CFG(hpet.timer)) |= HPET_TN_SETVAL;
	*hpet_reg(hpet.pa, HPET_TN_CMP(hpet.timer)) = *hpet_reg(hpet.pa, HPET_COUNTER) + ticks;
	*hpet_reg(hpet.pa, HPET_TN_CMP(hpet.timer)) = ticks;
	hpet.us = us;
}

/* An HPET timer of hv's own, periodic, its counter running; the I/O APIC
 * input it drives, or -1 if none fits. */
static int hpet_tick(uint64_t pa, uint32_t last)
{
	uint32_t fs = *hpet_reg(pa, HPET_CAP + 4), timer = 0;
	int gsi = fs ? hpet_pick(pa, last, &timer) : -1;

	if (gsi < 0)
		return -1;
	hpet.pa = pa;
	hpet.timer = timer;
	hpet.fs = fs;
	*hpet_reg(pa, HPET_TN_CFG(timer)) = HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_32BIT |
					    HPET_TN_ROUTE(gsi);
	*hpet_reg(pa, HPET_CFG) |= 1u;
	hpet_period(tick_us());
	return gsi;
}

static void ioapic_nmi(uint64_t pa, uint32_t gsi)
{
	ioapic_write(pa, IOAPIC_REDTBL(gsi) + 1, this_cpu()->apic_id << 24);
	ioapic_write(pa, IOAPIC_REDTBL(gsi), REDIR_NMI);
}

void arch_irq_chip_found(uint64_t ioapic_pa, uint32_t irq0_gsi, uint64_t hpet_pa)
{
	uint32_t last;
	int gsi;

	if (!svm_if0_lost)
		return;   /* a sound CPU: hv touches neither device */
	last = ioapic_pa ? (ioapic_read(ioapic_pa, IOAPIC_VER) >> 16) & 0xff : 0;
	if (!ioapic_pa || irq0_gsi > last) {
		hv_err("hv: this CPU does not exit for interrupts while a guest's IF is clear, and the firmware "
		       "lists no I/O APIC: a child spinning with interrupts off keeps its CPU");
		return;
	}
	x86_nmi_quiet();
	gsi = hpet_pa ? hpet_tick(hpet_pa, last) : -1;
	ioapic_nmi(ioapic_pa, gsi >= 0 ? (uint32_t)gsi : irq0_gsi);
	nmi_tick = true;
	if (gsi >= 0)
		hv_info("hv: this CPU does not exit for interrupts while a guest's IF is clear (an emulator's "
			"defect); an HPET timer comes as an NMI once per the parent's interrupt latency (%u us now; "
			"I/O APIC at %#lx, GSI %d), so hv looks then", hpet.us, ioapic_pa, gsi);
	else
		hv_info("hv: this CPU does not exit for interrupts while a guest's IF is clear (an emulator's "
			"defect); the PIT's IRQ 0 also comes as an NMI (I/O APIC at %#lx, GSI %u), so hv looks at every tick",
			ioapic_pa, irq0_gsi);
}

/* Every guest exits on the NMI, the parent too: its IDT is not for
 * hv's ticks. Set at each entry, as VMCBs are made before the tick is. */
void svm_if0_before_run(struct vcpu *v)
{
	struct vmcb_control *c = &svm_vmcb(v)->ctl;

	if (nmi_tick && !(c->intercept1 & SVM_I1_NMI)) {
		c->intercept1 |= SVM_I1_NMI;
		svm_dirty(v, VMCB_CLEAN_I);
	}
}

void svm_if0_nmi_exit(struct vcpu *v)
{
	if (!this_cpu()->index) {
		x86_nmi_others();
		if (hpet.pa && tick_us() != hpet.us)
			hpet_period(tick_us());   /* the parent changed its latency */
	}
	v->exit_quiet = true;   /* no child's timer moved */
	if (v->arch.child)
		sched_yield(v);
}
