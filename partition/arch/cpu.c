/*
 * The parent's GDT, TSS and IDT (SDM Vol. 3A §3.4.5, §6.14) and the 8259A
 * PIC, which the parent drives directly: physical interrupts reach it
 * natively (docs/ARCHITECTURE.md rule 2). Built with -mgeneral-regs-only:
 * interrupt handlers must not touch the SSE state of the code they
 * interrupt.
 */
#include "cpu.h"
#include <errno.h>
#include <stddef.h>
#include "partition/vsp/vsp_host.h"
#include "partition/drivers/serial.h"
#include "partition/arch/psmp.h"
#include "hv/abi/hvpart_abi.h"

extern const uint64_t irq_stub_table[64];

struct gate {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, rsvd;
} __attribute__((packed));
_Static_assert(sizeof(struct gate) == 16, "64-bit IDT gate");

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct dtr) == 10, "descriptor-table register image");

static uint64_t gdt[5];
static uint8_t tss[104] __attribute__((aligned(16)));
static struct gate idt[64];
static volatile int hv_notified;
static irq_handler_fn irq_handlers[16];
static uint16_t pic_mask = 0xffff;

static void pic_write_mask(void)
{
	pio_outb(0x21, (uint8_t)pic_mask);
	pio_outb(0xa1, (uint8_t)(pic_mask >> 8));
}

/* ICW1-ICW4 (Intel 8259A datasheet): edge-triggered, cascade, vectors
 * 0x20-0x2f, 8086 mode. */
static void pic_init(void)
{
	pio_outb(0x20, 0x11);
	pio_outb(0xa0, 0x11);
	pio_outb(0x21, IRQ_BASE);
	pio_outb(0xa1, IRQ_BASE + 8);
	pio_outb(0x21, 4);
	pio_outb(0xa1, 2);
	pio_outb(0x21, 1);
	pio_outb(0xa1, 1);
	pic_mask = 0xffff & ~(1u << 2); /* cascade line open */
	pic_write_mask();
}

int cpu_take_notify(void)
{
	int was = hv_notified;

	hv_notified = 0;
	return was;
}

int cpu_notify_pending(void)
{
	return hv_notified;
}

void irq_register(int irq, irq_handler_fn fn)
{
	irq_handlers[irq] = fn;
	pic_mask &= ~(1u << irq);
	pic_write_mask();
}

static void gdt_setup(void)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(tss) - 1;
	struct dtr d = { sizeof(gdt) - 1, (uint64_t)gdt };

	gdt[1] = 0x00af9a000000ffffull;
	gdt[2] = 0x00cf92000000ffffull;
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
	*(uint16_t *)(tss + 102) = sizeof(tss);  /* no I/O permission bitmap */
	__asm__ volatile("lgdt %0" : : "m"(d));
	__asm__ volatile("pushq $0x08; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:\n\t"
			 "movw $0x10, %%ax; movw %%ax, %%ds; movw %%ax, %%es; movw %%ax, %%ss\n\t"
			 "movw $0x18, %%ax; ltr %%ax" : : : "rax", "memory");
}

uint64_t cpu_tss_base(void)
{
	return (uint64_t)tss;
}

void cpu_setup(void)
{
	struct dtr d = { sizeof(idt) - 1, (uint64_t)idt };

	gdt_setup();
	for (int v = 0; v < 64; v++) {
		uint64_t h = irq_stub_table[v];

		idt[v] = (struct gate){ (uint16_t)h, 0x08, 0, 0x8e, (uint16_t)(h >> 16),
					(uint32_t)(h >> 32), 0 };
	}
	__asm__ volatile("lidt %0" : : "m"(d));
	pic_init();
}

static void hexstr(char *out, uint64_t v)
{
	for (int i = 15; i >= 0; i--, v >>= 4)
		out[i] = "0123456789abcdef"[v & 15];
	out[16] = '\0';
}

static __attribute__((noreturn)) void fatal_exception(struct parent_frame *f)
{
	char rip[17], vec[17], err[17];

	hexstr(rip, f->rip);
	hexstr(vec, f->vector);
	hexstr(err, f->error);
	serial_puts_raw("\r\nparent: fatal exception 0x");
	serial_puts_raw(vec + 14);
	serial_puts_raw(" error 0x");
	serial_puts_raw(err);
	serial_puts_raw(" at rip 0x");
	serial_puts_raw(rip);
	serial_puts_raw("; the parent partition is halted.\r\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}

#define RFLAGS_IF 0x200ull
static volatile uint64_t masked_deliveries, lost_interrupts;

uint64_t cpu_masked_deliveries(void)
{
	return masked_deliveries;
}

uint64_t cpu_lost_interrupts(void)
{
	return lost_interrupts;
}

/* An IRQ the 8259 holds in service this many PIT ticks (200 ms) while its
 * handler never ran was acknowledged and never reached us. */
#define IRQ_STUCK_TICKS 20
static uint32_t irq_runs[16];

/* The in-service register: OCW3 "read ISR", then the command port
 * (Intel 8259A datasheet, OCW3). */
static uint8_t pic_isr(uint16_t port)
{
	pio_outb(port, 0x0b);
	return pio_inb(port);
}

/* Ends IRQ irq with a specific EOI (OCW2 0x60 | level), at the slave and
 * at the master's cascade input for 8-15. */
static void pic_end(int irq)
{
	if (irq >= 8) {
		pio_outb(0xa0, (uint8_t)(0x60 | (irq - 8)));
		irq = 2;
	}
	pio_outb(0x20, (uint8_t)(0x60 | irq));
}

/* From the PIT's interrupt: an interrupt accepted at the 8259 and lost on
 * its way to us (under QEMU's TCG with SVM a COM1 interrupt once stayed
 * in service with its handler never run, and with it, in fully nested
 * mode, every later COM1 interrupt: the console froze, waiting for input
 * the UART held; docs/ARCHITECTURE.md). Handlers run with interrupts off
 * and end with an EOI, so between two ticks nothing of ours is in
 * service for long: what stays there is run, ended and counted
 * (Get-VMHost InterruptsLost). */
static void irq_watch(void)
{
	static uint32_t seen[16];
	static uint8_t stuck[16];
	uint16_t isr = (uint16_t)(pic_isr(0x20) | pic_isr(0xa0) << 8);

	for (int irq = 1; irq < 16; irq++) {
		if (irq == 2 || !(isr & (1u << irq)) || irq_runs[irq] != seen[irq]) {
			seen[irq] = irq_runs[irq];
			stuck[irq] = 0;
			continue;
		}
		if (++stuck[irq] < IRQ_STUCK_TICKS)
			continue;
		stuck[irq] = 0;
		lost_interrupts++;
		if (irq_handlers[irq])
			irq_handlers[irq]();
		pic_end(irq);
	}
}

void parent_trap(struct parent_frame *f)
{
	int irq;

	if (f->vector < IRQ_BASE)
		fatal_exception(f);
	/* An interrupt cannot arrive where RFLAGS.IF was clear: one that
	 * did is a second delivery of one already taken (QEMU's TCG did it
	 * after EVENTINJ, docs/ARCHITECTURE.md "QEMU 7.2's TCG delivers an
	 * EVENTINJ interrupt twice"). Its handler already ran and ended it
	 * at the 8259; running it again inside itself moved typed
	 * characters, and a second EOI would end another IRQ. Counted for
	 * Get-VMHost, and dropped. */
	if (!(f->rflags & RFLAGS_IF)) {
		masked_deliveries++;
		return;
	}
	if (f->vector >= IRQ_BASE + 16) {
		/* Injected by hv, not from the PIC: no EOI. */
		if (f->vector == VSP_VECTOR)
			vsp_irq_pending = 1;   /* a VMBus message or event (vsp_host.h) */
		if (f->vector == HVPART_NOTIFY_VECTOR)
			hv_notified = 1;       /* an intercept, or a child stopped */
		if (f->vector == PSMP_VECTOR)
			psmp_sint_taken();     /* another processor's SINT (psmp.h) */
		return;
	}
	irq = (int)f->vector - IRQ_BASE;
	irq_runs[irq]++;
	if (irq_handlers[irq])
		irq_handlers[irq]();
	if (irq == 0)
		irq_watch();
	if (irq >= 8)
		pio_outb(0xa0, 0x20);   /* non-specific EOI to the slave */
	pio_outb(0x20, 0x20);
}

int cpu_lose_interrupt(void)
{
	int irq = -1;

	/* COM1's transmitter-empty interrupt asks for IRQ 4 at once (PC16550D,
	 * IER bit 1, THR empty). The 8259's poll command (OCW3 0x0c, then a
	 * read) acknowledges the highest request as an INTA would (Intel
	 * 8259A datasheet, "Poll command"); a timer tick found first is
	 * ended and the poll made again. */
	__asm__ volatile("cli" ::: "memory");
	pio_outb(0x3f9, 0x03);
	for (int i = 0; i < 4 && irq != 4; i++) {
		pio_outb(0x20, 0x0c);
		irq = pio_inb(0x20);
		irq = irq & 0x80 ? irq & 7 : -1;
		if (irq >= 0 && irq != 4)
			pic_end(irq);
	}
	pio_outb(0x3f9, 0x01);
	(void)pio_inb(0x3fa);        /* IIR: the THRE interrupt is over */
	__asm__ volatile("sti" ::: "memory");
	return irq == 4 ? 0 : -EIO;
}

void cpu_force_triple_fault(void)
{
	struct dtr d = { 0, 0 };

	/* No IDT: the next exception cannot be delivered, which escalates to
	 * a double and then a triple fault (SDM Vol. 3A §6.15, vector 8). */
	__asm__ volatile("lidt %0; int3" : : "m"(d));
	for (;;)
		;
}
