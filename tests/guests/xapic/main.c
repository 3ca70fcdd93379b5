/*
 * xapic: the local APIC through its xAPIC MMIO page (SDM Vol. 3A
 * chapter 11, Table 11-1), first with paging off at the APIC base, then
 * with paging on (32-bit paging, 4 MiB pages, the page also mapped at
 * 0xc0000000 through a 4 KiB PTE), with the instruction forms hv's MMIO
 * emulation decodes: MOV loads and stores (plain, imm, MOVZX), OR, AND,
 * XOR, ADD, CMP, TEST, XCHG, BT/BTS/BTR/BTC (one with a register offset
 * that reaches PPR from TPR and back), STOS and MOVS both ways, REP STOS
 * (ECX 1 and 0), and forms.c's MUL/IMUL/DIV/IDIV (#DE), LODS/CMPS/SCAS,
 * MOVSX and LOCK #UD; and a MOVS from the page to an unmapped address, which
 * must raise #PF with CR2 and error code 2 (write, not present). Registers: ID, version, TPR/PPR, SVR,
 * LDR/DFR, IRR/ISR, EOI, ESR, ICR (a fixed self IPI, an NMI to its own
 * ID, an illegal vector that the error LVT reports), EOI by MOV and by
 * STOS, the LVT timer with initial/current count and divide configuration.
 * Runs bare (Bochs starts in xAPIC mode) and as a child (x2APIC at start:
 * the guest goes x2APIC -> disabled -> xAPIC, the legal way, §11.12.5),
 * with the same output. Under hvpart it also checks the reset state of
 * the LVTs (masked) and that an address with no device reads all ones,
 * and with paging on runs absent.c's checks on such an address.
 * Option bench=N: with paging on, time N TPR reads and N EOI writes
 * through the page (tests/bench/vcpu) and print the mean ticks of each.
 */
#include "guest.h"
#include "xapic.h"

#define MSR_APIC_BASE 0x1b
#define BASE_EN   (1u << 11)
#define BASE_EXTD (1u << 10)
#define APIC_PHYS 0xfee00000u

enum { ID = 0x02, VER = 0x03, TPR = 0x08, PPR = 0x0a, EOI = 0x0b, LDR = 0x0d, DFR = 0x0e,
       SVR = 0x0f, ISR = 0x10, IRR = 0x20, ESR = 0x28, ICR = 0x30, ICR2 = 0x31,
       LVT_TIMER = 0x32, LVT_THERMAL = 0x33, LVT_PERF = 0x34, LVT_LINT0 = 0x35,
       LVT_LINT1 = 0x36, LVT_ERROR = 0x37, TMICT = 0x38, TMCCT = 0x39, TDCR = 0x3e };

#define V_IPI   0x50
#define V_TIMER 0x51
#define V_ERROR 0x52

static volatile uint32_t *apic;
static int failed, strict;
static volatile uint32_t got_ipi, ipi_isr, ipi_no_eoi, got_nmi, got_timer, got_error;
static volatile uint32_t pf_cr2, pf_error, got_pf;
static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pt[1024] __attribute__((aligned(4096)));

static volatile uint32_t *reg(unsigned r)
{
	return apic + r * 4;
}

static void check(int ok, const char *phase, const char *what)
{
	if (!ok) {
		guest_printf("xapic: %s: check failed: %s\n", phase, what);
		failed = 1;
	}
}

static void on_ipi(struct guest_frame *f)
{
	(void)f;
	got_ipi++;
	ipi_isr = *reg(ISR + V_IPI / 32);
	if (!ipi_no_eoi)
		__asm__ volatile("movl $0, (%0)" : : "r"(reg(EOI)) : "memory");   /* C7 /0 */
}

static volatile uint32_t nmi_nested_test, nmi_seen_inside;

/* With nmi_nested_test, the first NMI sends itself another: the CPU
 * holds it until this handler's IRET (SDM Vol. 3A §6.7.1). */
static void on_nmi(struct guest_frame *f)
{
	(void)f;
	got_nmi++;
	if (nmi_nested_test && got_nmi == 1) {
		*reg(ICR) = 4u << 8;              /* ICR2 still names this APIC */
		for (int i = 0; i < 2000; i++)
			guest_pause();
		nmi_seen_inside = got_nmi;
	}
}

static void on_timer(struct guest_frame *f)
{
	(void)f;
	got_timer++;
	*reg(EOI) = 0;
}

static void on_error(struct guest_frame *f)
{
	(void)f;
	got_error++;
	*reg(EOI) = 0;
}

/* The MOVS to an unmapped page: record, and step over the 1-byte MOVSL. */
static void on_pf(struct guest_frame *f)
{
	uint32_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	pf_cr2 = cr2;
	pf_error = f->error;
	got_pf++;
	f->eip += 1;
}

static void registers(const char *ph)
{
	uint32_t v = *reg(VER), b;

	check((v & 0xff) >= 0x10 && ((v >> 16) & 0xff) >= 5, ph, "version: integrated APIC, 6 LVTs");
	__asm__ volatile("movzbl (%1), %0" : "=r"(b) : "r"(reg(VER)));
	check(b == (v & 0xff), ph, "MOVZX of the version byte");
	check((*reg(ID) >> 24) == 0, ph, "APIC ID 0");
	*reg(SVR) = 0x1ff;
	check((*reg(SVR) & 0x1ff) == 0x1ff, ph, "SVR enable + vector 0xff");
	*reg(TPR) = 0x20;
	check(*reg(TPR) == 0x20 && *reg(PPR) == 0x20, ph, "TPR 0x20, PPR follows");
	*reg(DFR) = 0xffffffffu;
	check(*reg(DFR) == 0xffffffffu, ph, "DFR flat model");
	*reg(LDR) = 0x02000000u;
	check(*reg(LDR) == 0x02000000u, ph, "LDR logical ID 2");
}

/* CF after a bit test on the APIC page (setc). */
#define BT_CF(insn, ...) ({                                                    \
	uint32_t c_;                                                           \
	__asm__ volatile(insn "\n\tsetc %b0\n\tmovzbl %b0, %0" : "=q"(c_) : __VA_ARGS__ : "cc", "memory"); \
	c_; })

/* TPR 0x20 and PPR following it (nothing in service). A register
 * offset of 260 from TPR is bit 4 of the dword 32 bytes on, PPR; -252
 * from PPR is bit 4 of TPR (floor(-252 / 32) = -8; SDM Vol. 2A "BT"). */
static void bit_tests(const char *ph)
{
	*reg(TPR) = 0x20;
	check(BT_CF("btl $5, (%1)", "r"(reg(TPR))) == 1, ph, "BT imm: CF");
	check(BT_CF("btsl $4, (%1)", "r"(reg(TPR))) == 0 && *reg(TPR) == 0x30, ph, "BTS imm");
	check(BT_CF("lock btrl %2, (%1)", "r"(reg(TPR)), "r"(5u)) == 1 && *reg(TPR) == 0x10, ph, "LOCK BTR reg");
	check(BT_CF("btcl $7, (%1)", "r"(reg(TPR))) == 0 && *reg(TPR) == 0x90, ph, "BTC imm");
	check(BT_CF("bt %2, (%1)", "r"(reg(TPR)), "r"(260u)) == 1, ph, "BT reg offset 260: PPR bit 4");
	check(BT_CF("bt %2, (%1)", "r"(reg(PPR)), "r"(-252)) == 1, ph, "BT reg offset -252: TPR bit 4");
	check(BT_CF("bt %2, (%1)", "r"(reg(TPR)), "r"(262u)) == 0, ph, "BT reg offset 262: PPR bit 6");
	*reg(TPR) = 0;
}

static void alu_forms(const char *ph)
{
	uint32_t x, zf, nz;

	*reg(TPR) = 0x20;
	__asm__ volatile("orl $0x10, (%0)" : : "r"(reg(TPR)) : "memory");
	check(*reg(TPR) == 0x30, ph, "OR imm8");
	__asm__ volatile("andl $0xf0, (%0)" : : "r"(reg(TPR)) : "memory");
	check(*reg(TPR) == 0x30, ph, "AND imm32");
	x = 0x50;
	__asm__ volatile("xorl %1, (%0)" : : "r"(reg(TPR)), "r"(x) : "memory");
	check(*reg(TPR) == 0x60, ph, "XOR reg");
	__asm__ volatile("addl $0x10, (%0)" : : "r"(reg(TPR)) : "memory");
	check(*reg(TPR) == 0x70, ph, "ADD");
	__asm__ volatile("lock orl $0x80, (%0)" : : "r"(reg(TPR)) : "memory");
	check(*reg(TPR) == 0xf0, ph, "LOCK OR");
	__asm__ volatile("cmpl $0xf0, (%1); sete %b0; movzbl %b0, %0" : "=q"(zf) : "r"(reg(TPR)) : "cc");
	check(zf == 1, ph, "CMP sets ZF");
	__asm__ volatile("testl $0x100, (%1); setnz %b0; movzbl %b0, %0" : "=q"(nz) : "r"(reg(SVR)) : "cc");
	check(nz == 1, ph, "TEST of SVR.enable");
	x = 0x10;
	__asm__ volatile("subl (%1), %0" : "+r"(x) : "r"(reg(TPR)) : "cc");
	check(x == 0x10 - 0xf0u, ph, "SUB mem from reg");
	x = 0x40;
	__asm__ volatile("xchgl %0, (%1)" : "+r"(x) : "r"(reg(TPR)) : "memory");
	check(x == 0xf0 && *reg(TPR) == 0x40, ph, "XCHG");
	bit_tests(ph);
}

static void strings(const char *ph)
{
	uint32_t src = 0x50, dst = 0, *d;
	volatile uint32_t *t = reg(TPR);

	__asm__ volatile("cld; stosl" : "+D"(t) : "a"(0x30) : "memory");
	check(*reg(TPR) == 0x30 && t == reg(TPR) + 1, ph, "STOS to TPR, EDI steps");
	{
		uint32_t c = 1;

		t = reg(TPR);
		__asm__ volatile("rep stosl" : "+c"(c), "+D"(t) : "a"(0x40) : "memory");
		check(*reg(TPR) == 0x40 && t == reg(TPR) + 1 && c == 0, ph, "REP STOS ECX 1 to TPR");
		t = reg(TPR);
		__asm__ volatile("rep stosl" : "+c"(c), "+D"(t) : "a"(0x50) : "memory");
		check(*reg(TPR) == 0x40 && t == reg(TPR) && c == 0, ph, "REP STOS ECX 0: nothing");
	}
	{
		const uint32_t *s = &src;
		volatile uint32_t *dd = reg(TPR);

		__asm__ volatile("movsl" : "+S"(s), "+D"(dd) : : "memory");
		check(*reg(TPR) == 0x50 && s == &src + 1, ph, "MOVS RAM to TPR");
	}
	{
		volatile uint32_t *s = reg(TPR);

		d = &dst;
		__asm__ volatile("movsl" : "+S"(s), "+D"(d) : : "memory");
		check(dst == 0x50 && d == &dst + 1, ph, "MOVS TPR to RAM");
	}
	*reg(TPR) = 0;
}

/* An EOI by STOS, after EOIs by MOV: under hvpart on VT-x a MOV to EOI
 * that hv has decoded once at its address is not decoded again there
 * (hv/core/mmio.c, eoi_site); a STOS elsewhere still is: EDI steps. */
static void stos_eoi(const char *ph)
{
	volatile uint32_t *t = reg(EOI);
	uint32_t bit = 1u << (V_IPI % 32);

	ipi_no_eoi = 1;
	*reg(ICR) = (1u << 18) | V_IPI;               /* self, fixed */
	guest_sti();
	__asm__ volatile("nop; nop" ::: "memory");
	guest_cli();
	ipi_no_eoi = 0;
	check(*reg(ISR + V_IPI / 32) & bit, ph, "self IPI in service, not yet EOIed");
	__asm__ volatile("cld; stosl" : "+D"(t) : "a"(0) : "memory");
	check(t == reg(EOI) + 1 && !(*reg(ISR + V_IPI / 32) & bit), ph,
	      "STOS to EOI: EDI steps, ISR cleared");
}

static void interrupts(const char *ph)
{
	uint32_t id = *reg(ID) >> 24, esr;

	got_ipi = got_nmi = got_error = 0;
	*reg(ICR2) = 0;
	*reg(ICR) = (1u << 18) | V_IPI;               /* self, fixed */
	check(*reg(IRR + V_IPI / 32) & (1u << (V_IPI % 32)), ph, "self IPI pending in IRR");
	guest_sti();
	__asm__ volatile("nop; nop" ::: "memory");
	guest_cli();
	check(got_ipi == 1 && (ipi_isr & (1u << (V_IPI % 32))), ph, "self IPI taken, in ISR meanwhile");
	check(!(*reg(ISR + V_IPI / 32) & (1u << (V_IPI % 32))), ph, "EOI cleared ISR");
	stos_eoi(ph);
	*reg(ICR2) = id << 24;
	*reg(ICR) = 4u << 8;                          /* NMI to its own ID */
	for (int i = 0; i < 100 && !got_nmi; i++)
		guest_pause();
	check(got_nmi == 1, ph, "NMI IPI to self");
	got_nmi = 0;
	nmi_nested_test = 1;
	*reg(ICR) = 4u << 8;
	for (int i = 0; i < 1000 && got_nmi < 2; i++)
		(void)*reg(TPR);                      /* under hvpart: an exit, an entry */
	nmi_nested_test = 0;
	check(nmi_seen_inside == 1 && got_nmi == 2, ph, "an NMI in the NMI handler waits for IRET");
	*reg(LVT_ERROR) = V_ERROR;
	*reg(ESR) = 0;
	*reg(ICR) = (1u << 18) | 3;                   /* illegal vector 3 */
	*reg(ESR) = 0;
	esr = *reg(ESR);
	check(esr & 0x60, ph, "ESR: illegal vector");
	guest_sti();
	__asm__ volatile("nop; nop" ::: "memory");
	guest_cli();
	check(got_error == 1, ph, "error LVT interrupt");
	*reg(LVT_ERROR) = 1u << 16;
	*reg(ESR) = 0;
}

#define TIMER_COUNT 10000000u

static void timer(const char *ph)
{
	uint32_t c1, c2;

	got_timer = 0;
	*reg(TDCR) = 0xb;                              /* divide by 1 */
	check((*reg(TDCR) & 0xb) == 0xb, ph, "divide configuration");
	*reg(LVT_TIMER) = V_TIMER;
	/* Long enough that the two reads come before it expires even where
	 * each is an exit of tens of microseconds (QEMU TCG's SVM). */
	*reg(TMICT) = TIMER_COUNT;
	c1 = *reg(TMCCT);
	c2 = *reg(TMCCT);
	check(*reg(TMICT) == TIMER_COUNT && c1 <= TIMER_COUNT && c2 < c1, ph, "current count runs down");
	while (!got_timer)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	check(got_timer == 1 && *reg(TMCCT) == 0, ph, "one-shot fired once");
	*reg(LVT_TIMER) = 1u << 16;
}

static void phase(const char *ph)
{
	registers(ph);
	alu_forms(ph);
	strings(ph);
	if (xapic_forms(apic, ph))
		failed = 1;
	interrupts(ph);
	timer(ph);
	guest_printf("xapic: %s: done\n", ph);
}

/* 32-bit paging (§4.3): 4 MiB identity pages, and at ALIAS a page table
 * with the APIC page at PTE 0 and nothing at PTE 1. */
void xapic_map(unsigned idx, uint32_t phys)
{
	pt[idx] = phys | 0x3;
	__asm__ volatile("invlpg (%0)" : : "r"(ALIAS + idx * 4096) : "memory");
}

static void paging_on(void)
{
	for (uint32_t i = 0; i < 1024; i++)
		pd[i] = (i << 22) | 0x83;                 /* P, RW, PS */
	pt[0] = APIC_PHYS | 0x1b;                     /* P, RW, PWT, PCD */
	pd[ALIAS >> 22] = (uint32_t)pt | 0x3;
	__asm__ volatile("mov %%cr4, %%eax; or $0x10, %%eax; mov %%eax, %%cr4\n\t"
			 "mov %0, %%cr3\n\t"
			 "mov %%cr0, %%eax; or $0x80010000, %%eax; mov %%eax, %%cr0"
			 : : "r"(pd) : "eax", "memory");
}

static void unmapped_movs(void)
{
	volatile uint32_t *s = reg(TPR);
	uint32_t *d = (uint32_t *)(ALIAS + 0x1000);

	got_pf = 0;
	__asm__ volatile("movsl" : "+S"(s), "+D"(d) : : "memory");
	check(got_pf == 1 && pf_cr2 == ALIAS + 0x1000 && pf_error == 2, "paging on",
	      "MOVS to an unmapped page: #PF, CR2, error code 2");
	guest_printf("xapic: paging on: #PF at 0x%x error %u\n", pf_cr2, pf_error);
}

static void to_xapic(void)
{
	uint64_t b = guest_rdmsr(MSR_APIC_BASE);

	if (b & BASE_EXTD) {
		guest_wrmsr(MSR_APIC_BASE, b & ~(uint64_t)(BASE_EN | BASE_EXTD));
		guest_wrmsr(MSR_APIC_BASE, (b & ~(uint64_t)BASE_EXTD) | BASE_EN);
	}
	check((guest_rdmsr(MSR_APIC_BASE) & (BASE_EN | BASE_EXTD)) == BASE_EN, "start", "xAPIC mode");
}

static void reset_state(void)
{
	static const unsigned lvts[] = { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };
	volatile uint32_t *absent = (volatile uint32_t *)0xfed00000u;

	for (unsigned i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		check(*reg(lvts[i]) == 0x10000, "start", "LVTs masked after reset");
	check(*reg(SVR) == 0xff && *reg(DFR) == 0xffffffffu, "start", "SVR and DFR reset values");
	check(*absent == 0xffffffffu, "start", "no device at 0xfed00000: all ones");
}

/* Mean TSC ticks of one TPR read and one EOI write through the alias. */
static void bench(uint32_t n)
{
	uint64_t t0, t1, t2;
	uint32_t sink = 0;

	t0 = guest_rdtsc();
	for (uint32_t i = 0; i < n; i++)
		sink += *reg(TPR);
	t1 = guest_rdtsc();
	for (uint32_t i = 0; i < n; i++)
		*reg(EOI) = 0;
	t2 = guest_rdtsc();
	guest_printf("xapic: mmio_read_ticks=%u eoi_ticks=%u (%u reads, sum %u)\n",
		     (uint32_t)(t1 - t0) / n, (uint32_t)(t2 - t1) / n, n, sink);
}

void guest_main(void)
{
	uint32_t n = guest_get_arg_u32("bench", 0);

	guest_puts("xapic: start\n");
	strict = guest_detect_hv();
	to_xapic();
	apic = (volatile uint32_t *)APIC_PHYS;
	if (strict)
		reset_state();
	*reg(LVT_LINT0) = 1u << 16;
	*reg(LVT_LINT1) = 1u << 16;
	guest_set_handler(2, on_nmi);
	guest_set_handler(14, on_pf);
	guest_set_handler(V_IPI, on_ipi);
	guest_set_handler(V_TIMER, on_timer);
	guest_set_handler(V_ERROR, on_error);
	if (!n)
		phase("paging off");
	paging_on();
	apic = (volatile uint32_t *)ALIAS;
	if (n) {
		bench(n);
		guest_pass("xapic");
	}
	phase("paging on");
	unmapped_movs();
	if (strict && xapic_absent_checks())
		failed = 1;
	if (failed)
		guest_fail("xapic", "see the checks above");
	guest_pass("xapic");
}
