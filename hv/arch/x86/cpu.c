/* GDT, TSS and IDT for hv itself. Any exception in hv (but a guest's #DB,
 * guest_breakpoint) is an hv bug: it is
 * reported with the faulting state and the machine halts. Vectors 32-255
 * take the physical interrupts hv accepts for the parent in
 * arch_cpu_take_interrupt (VM exits leave the IDTR limit at 0xffff, SDM Vol. 3C
 * §28.5.2, so every vector needs a gate). */
#include "cpu.h"
#include <hv/arch.h>
#include <hv/percpu.h>
#include <hv/lib.h>
#include <hv/x86.h>

extern const uint64_t trap_stub_table[32];
extern const uint8_t irq_stubs[];

/* Each CPU has its own GDT and TSS (LTR marks the TSS descriptor busy,
 * SDM Vol. 3A §8.2.3, so two CPUs cannot load one) and its own IST stack;
 * the IDT is shared. */
struct cpu_tables {
	uint64_t gdt[5];
	struct tss64 tss;
	uint8_t ist1_stack[8192] __attribute__((aligned(16)));
};
static struct cpu_tables tables[HV_MAX_CPUS];
static struct idt_gate idt[256];

static struct cpu_tables *my_tables(void)
{
	return &tables[this_cpu()->index];
}

static void gdt_set_tss(uint64_t *gdt, const struct tss64 *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	/* 16-byte system descriptor, type 9 = available 64-bit TSS
	 * (SDM Vol. 3A §8.2.3). */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
}

static void idt_set(int vec, uint64_t handler)
{
	idt[vec] = (struct idt_gate){
		.off_lo = handler & 0xffff,
		.sel = HV_SEL_CODE,
		.ist = 1, /* a known-good stack even if RSP is corrupt */
		.type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
		.off_mid = (handler >> 16) & 0xffff,
		.off_hi = handler >> 32,
	};
}

void arch_cpu_init(void)
{
	struct cpu_tables *t = my_tables();
	struct desc_ptr gp, ip;

	t->gdt[0] = 0;
	t->gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
	t->gdt[2] = 0x00cf92000000ffffull; /* data */
	gdt_set_tss(t->gdt, &t->tss);
	t->tss.ist[0] = (uint64_t)(t->ist1_stack + sizeof(t->ist1_stack));
	t->tss.iomap_base = sizeof(t->tss);
	if (!this_cpu()->index) {
		for (int v = 0; v < 32; v++)
			idt_set(v, trap_stub_table[v]);
		for (int v = 32; v < 256; v++)
			idt_set(v, (uint64_t)(irq_stubs + (v - 32) * 16));
	}
	gp = (struct desc_ptr){ sizeof(t->gdt) - 1, (uint64_t)t->gdt };
	ip = (struct desc_ptr){ sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lgdt %0" : : "m"(gp));
	__asm__ volatile("lidt %0" : : "m"(ip));
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)HV_SEL_TSS));
	/* Reload CS and the data segments from our own GDT. */
	__asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:\n\t"
			 "movw %w1, %%ax; movw %%ax, %%ds; movw %%ax, %%es; movw %%ax, %%ss"
			 : : "i"(HV_SEL_CODE), "i"(HV_SEL_DATA) : "rax", "memory");
}

/* Open interrupts in VMX root for one instruction boundary: STI blocks
 * interrupts until after the next instruction (SDM Vol. 2B "STI"), so one
 * pending physical interrupt, if any, is delivered between NOP and CLI,
 * acknowledged at its controller as any delivery is, and its vector
 * recorded by irq_common. Each backend's arch_cpu_take_interrupt calls it
 * (the SVM one filters out its own timer's vector). */
static int take_one(void)
{
	struct percpu *c = this_cpu();

	c->irq_vector = ~0ull;
	__asm__ volatile("sti; nop; cli" ::: "memory");
	return c->irq_vector == ~0ull ? -1 : (int)c->irq_vector;
}

/* CR8 is the TPR's priority class (SDM Vol. 3A §11.8.6): 0xe holds
 * back every LAPIC vector below 0xf0. The TPR does not hold what the
 * 8259 sends through LINT0 as ExtINT (§11.8.3.1), and QEMU hands that
 * over before the LAPIC's vectors: its vector is returned, the kick
 * stays pending. hv otherwise runs with CR8 at 0. */
int x86_take_kick(void)
{
	int vec;

	__asm__ volatile("mov %0, %%cr8" : : "r"(0xeull) : "memory");
	vec = take_one();
	__asm__ volatile("mov %0, %%cr8" : : "r"(0ull) : "memory");
	if (vec == HV_KICK_VECTOR)
		x86_lapic_eoi();
	return vec;
}

/* HLT with interrupts open until one comes ("sti; hlt" cannot miss one
 * that arrives between them: STI's shadow, SDM Vol. 2B "STI"); its
 * vector as irq_common recorded it, or -1. */
int x86_wait_interrupt(void)
{
	struct percpu *c = this_cpu();

	c->irq_vector = ~0ull;
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	return c->irq_vector == ~0ull ? -1 : (int)c->irq_vector;
}

/* Another CPU's kick (x86_kick) only made this one exit or wake: it is
 * EOIed and dropped here. */
int x86_take_interrupt(void)
{
	for (int i = 0; i < 3; i++) {
		int vec = take_one();

		if (vec != HV_KICK_VECTOR)
			return vec;
		x86_lapic_eoi();
	}
	return -1;
}

uint64_t cpu_gdt_base(void) { return (uint64_t)my_tables()->gdt; }
uint64_t cpu_idt_base(void) { return (uint64_t)idt; }
uint64_t cpu_tss_base(void) { return (uint64_t)&my_tables()->tss; }

/* A #DB from a guest's breakpoint armed in hv for the moment (the SVM
 * backend under QEMU, svm_dr.c): not hv's. DR6 is cleared of it, and RF
 * lets an instruction breakpoint's faulting instruction run (SDM Vol. 3B
 * §18.3.1.1); a data breakpoint is a trap, after the access. */
static bool guest_breakpoint(struct trap_frame *tf)
{
	static bool told;

	if (tf->vector != 1 || !this_cpu()->guest_breakpoints)
		return false;
	if (!told) {
		told = true;
		hv_info("hv: a child's breakpoint fired in hv at %#lx (QEMU; dismissed)", tf->rip);
	}
	__asm__ volatile("mov %0, %%db6" : : "r"(0xffff0ff0ull));
	tf->rflags |= 1ull << 16;
	return true;
}

/* Returns only for a #DB guest_breakpoint dismisses (entry.S). */
void cpu_handle_trap(struct trap_frame *tf)
{
	uint64_t cr2;

	if (guest_breakpoint(tf))
		return;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	hv_err("hv: exception %lu error %#lx at rip %#lx rsp %#lx cr2 %#lx",
	       tf->vector, tf->error, tf->rip, tf->rsp, cr2);
	hv_err("hv: rax %#lx rbx %#lx rcx %#lx rdx %#lx rsi %#lx rdi %#lx",
	       tf->rax, tf->rbx, tf->rcx, tf->rdx, tf->rsi, tf->rdi);
	hv_panic("unexpected exception in hv");
}
