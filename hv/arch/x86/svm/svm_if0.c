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
 * then, hv has an NMI, which IF does not mask, come at every tick of the
 * parent's PIT: the I/O APIC, which nothing else here uses (the parent
 * drives the 8259; children's I/O APICs are emulated), also sends ISA IRQ
 * 0 to the boot CPU, as an NMI. Every guest exits on it (the NMI
 * intercept, §15.9); the NMI stays pending through the #VMEXIT and hv
 * takes it at its STGI and returns (entry.S, nmi_quiet); a child's exit
 * then makes the look its INTR exit would have led to (sched_yield), and
 * the boot CPU passes the tick on to the other CPUs.
 */
#include "svm.h"
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

void arch_irq_chip_found(uint64_t ioapic_pa, uint32_t irq0_gsi)
{
	uint32_t last;

	if (!svm_if0_lost)
		return;
	if (!ioapic_pa || irq0_gsi > (last = (ioapic_read(ioapic_pa, IOAPIC_VER) >> 16) & 0xff)) {
		hv_err("hv: this CPU does not exit for interrupts while a guest's IF is clear, and the firmware "
		       "lists no I/O APIC for IRQ 0: a child spinning with interrupts off keeps its CPU");
		return;
	}
	x86_nmi_quiet();
	ioapic_write(ioapic_pa, IOAPIC_REDTBL(irq0_gsi) + 1, this_cpu()->apic_id << 24);
	ioapic_write(ioapic_pa, IOAPIC_REDTBL(irq0_gsi), REDIR_NMI);
	nmi_tick = true;
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
	if (!this_cpu()->index)
		x86_nmi_others();
	if (v->arch.child)
		sched_yield(v);
}
