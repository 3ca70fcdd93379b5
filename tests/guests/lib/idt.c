/*
 * The guest IDT: 32-bit interrupt gates (SDM Vol. 3A §6.11) for the 32
 * exception vectors, the APIC timer vector 0x40, the SynIC vectors
 * 0x50-0x53 and the spurious vector 0xff. Unhandled exceptions print the vector and exit with
 * GUEST_EXIT_EXC_BASE + vector.
 */
#include "guest.h"

#define IDT_VECTORS 256

void guest_isr_0(void);  void guest_isr_1(void);  void guest_isr_2(void);
void guest_isr_3(void);  void guest_isr_4(void);  void guest_isr_5(void);
void guest_isr_6(void);  void guest_isr_7(void);  void guest_isr_8(void);
void guest_isr_9(void);  void guest_isr_10(void); void guest_isr_11(void);
void guest_isr_12(void); void guest_isr_13(void); void guest_isr_14(void);
void guest_isr_15(void); void guest_isr_16(void); void guest_isr_17(void);
void guest_isr_18(void); void guest_isr_19(void); void guest_isr_20(void);
void guest_isr_21(void); void guest_isr_22(void); void guest_isr_23(void);
void guest_isr_24(void); void guest_isr_25(void); void guest_isr_26(void);
void guest_isr_27(void); void guest_isr_28(void); void guest_isr_29(void);
void guest_isr_30(void); void guest_isr_31(void); void guest_isr_64(void);
void guest_isr_255(void);
void guest_isr_80(void); void guest_isr_81(void); void guest_isr_82(void);
void guest_isr_83(void);

static void (*const exc_stubs[32])(void) = {
	guest_isr_0, guest_isr_1, guest_isr_2, guest_isr_3, guest_isr_4,
	guest_isr_5, guest_isr_6, guest_isr_7, guest_isr_8, guest_isr_9,
	guest_isr_10, guest_isr_11, guest_isr_12, guest_isr_13, guest_isr_14,
	guest_isr_15, guest_isr_16, guest_isr_17, guest_isr_18, guest_isr_19,
	guest_isr_20, guest_isr_21, guest_isr_22, guest_isr_23, guest_isr_24,
	guest_isr_25, guest_isr_26, guest_isr_27, guest_isr_28, guest_isr_29,
	guest_isr_30, guest_isr_31,
};

static struct guest_idt_gate idt[IDT_VECTORS] __attribute__((aligned(8)));
static guest_isr_fn handlers[IDT_VECTORS];

static void set_gate(uint8_t vec, void (*stub)(void))
{
	uint32_t off = (uint32_t)stub;

	idt[vec].offset_lo = (uint16_t)off;
	idt[vec].selector = GUEST_SEL_CODE;
	idt[vec].zero = 0;
	idt[vec].type_attr = GUEST_IDT_INTGATE32;
	idt[vec].offset_hi = (uint16_t)(off >> 16);
}

static void load_idt(uint32_t base, uint16_t limit)
{
	struct guest_desc_ptr p = { .limit = limit, .base = base };

	__asm__ volatile("lidt %0" : : "m"(p));
}

void guest_init_idt(void)
{
	for (int v = 0; v < 32; v++)
		set_gate((uint8_t)v, exc_stubs[v]);
	set_gate(0x40, guest_isr_64);
	/* 0x50-0x53: SynIC SINTs and synthetic timers (tests/guests/synic). */
	set_gate(0x50, guest_isr_80);
	set_gate(0x51, guest_isr_81);
	set_gate(0x52, guest_isr_82);
	set_gate(0x53, guest_isr_83);
	set_gate(0xff, guest_isr_255);
	load_idt((uint32_t)idt, sizeof(idt) - 1);
}

void guest_set_handler(uint8_t vector, guest_isr_fn fn)
{
	handlers[vector] = fn;
}

/* An IDT with limit 0: any vector is outside it, so the next event
 * raises #GP, whose delivery fails too: #DF, then a triple fault
 * (SDM Vol. 3A §6.14, Table 6-5; §6.15 "Interrupt 8"). */
void guest_load_empty_idt(void)
{
	load_idt(0, 0);
}

static void report_unexpected(const struct guest_frame *f)
{
	guest_printf("guest: unexpected exception %u at eip 0x%x error 0x%x\n",
		     f->vector, f->eip, f->error);
	guest_exit(GUEST_EXIT_EXC_BASE + f->vector);
}

uint32_t guest_user_error;

void guest_dispatch_vector(struct guest_frame *f)
{
	guest_isr_fn fn = handlers[f->vector & 0xff];

	/* An exception from CPL 3 (CS.RPL, SDM Vol. 3A §5.5) ends the
	 * function guest_run_user runs: back to its caller. */
	if ((f->cs & 3) == 3) {
		guest_user_error = f->error;
		guest_user_return(f->vector);
	}
	if (f->vector == 13 && guest_msr_fixup(f))
		return;

	if (fn) {
		fn(f);
		return;
	}
	if (f->vector < 32)
		report_unexpected(f);
	/* Spurious (0xff) or an interrupt nobody asked for: ignore. */
}
