/*
 * More instruction forms on the xAPIC page, run in both phases (paging
 * off and on), bare and under hvpart with the same checks: MUL, IMUL
 * (one-, two- and three-operand), DIV and IDIV with TPR as the operand
 * (SDM Vol. 2A "MUL", "IMUL", "DIV", "IDIV"), #DE for a zero divisor and
 * for a quotient too wide, with the registers unchanged; LODS, CMPS
 * (TPR against PPR: both operands on the page), SCAS, REPE/REPNE with
 * their ZF stop; MOVSX/MOVZX widths; CMP reg,mem; and a LOCK prefix on
 * MOV and CMP, which is #UD (SDM Vol. 2A "LOCK"); a REP STOS that runs
 * past ES's limit (#GP) and one that wraps DI at 64 KiB. TPR is read and
 * written whole (bits 7:0, SDM Vol. 3A §11.8.3.1); PPR follows it while
 * nothing is in service.
 */
#include "guest.h"
#include "xapic.h"

#define FL_CF 0x001u
#define FL_ZF 0x040u
#define FL_SF 0x080u
#define FL_OF 0x800u
#define TPR_OFF (0x08 * 16)
#define PPR_OFF (0x0a * 16)

static int failed;
static const char *phase;
static volatile uint32_t fault_vector, fault_count, skip_len;

static void check(int ok, const char *what)
{
	if (!ok) {
		guest_printf("xapic: %s: check failed: %s\n", phase, what);
		failed = 1;
	}
}

/* #DE, #UD and #GP: record, and step over the faulting instruction, whose
 * length the caller put in skip_len. */
static void on_fault(struct guest_frame *f)
{
	fault_vector = f->vector;
	fault_count++;
	f->eip += skip_len;
}

static void muls(volatile uint32_t *tpr)
{
	uint32_t a = 0x01000001, d = 0xdeadbeef, c, f;

	*tpr = 0x30;
	__asm__ volatile("mull (%3)\n\tpushf\n\tpop %2" : "+a"(a), "+d"(d), "=r"(f) : "b"(tpr) : "cc", "memory");
	check(a == 0x30000030 && d == 0 && !(f & (FL_CF | FL_OF)), "MUL m32: EDX:EAX, CF = OF = 0");
	a = 0x10000000;
	__asm__ volatile("mull (%3)\n\tpushf\n\tpop %2" : "+a"(a), "+d"(d), "=r"(f) : "b"(tpr) : "cc", "memory");
	check(a == 0 && d == 3 && (f & FL_CF) && (f & FL_OF), "MUL m32: high half 3, CF = OF = 1");
	a = 0xfffffffe;                              /* -2 * 0x30 = -0x60 */
	__asm__ volatile("imull (%3)\n\tpushf\n\tpop %2" : "+a"(a), "+d"(d), "=r"(f) : "b"(tpr) : "cc", "memory");
	check(a == 0xffffffa0 && d == 0xffffffff && !(f & FL_CF), "IMUL m32: sign-extended into EDX");
	__asm__ volatile("imul $-3, (%1), %0" : "=r"(c) : "b"(tpr) : "cc", "memory");
	check(c == 0xffffff70, "IMUL r32, m32, imm8");
	a = 0x05555556;
	__asm__ volatile("imul (%2), %0\n\tpushf\n\tpop %1" : "+r"(a), "=r"(f) : "b"(tpr) : "cc", "memory");
	check(a == 0x20 && (f & FL_CF) && (f & FL_OF), "IMUL r32, m32: truncated, CF = OF = 1");
	a = 0xdead00fe;                              /* AL -2 */
	__asm__ volatile("imulb (%1)" : "+a"(a) : "b"(tpr) : "cc", "memory");
	check(a == 0xdeadffa0, "IMUL m8: AX = -0x60, upper EAX kept");
}

static void divs(volatile uint32_t *tpr)
{
	uint32_t a = 1000, d = 0;

	*tpr = 0x30;
	__asm__ volatile("divl (%2)" : "+a"(a), "+d"(d) : "b"(tpr) : "cc", "memory");
	check(a == 20 && d == 40, "DIV m32: 1000 / 48 = 20 rem 40");
	a = 0x1234ff9c;                              /* AX -100 */
	__asm__ volatile("idivb (%1)" : "+a"(a) : "b"(tpr) : "cc", "memory");
	check(a == 0x1234fcfe, "IDIV m8: -100 / 48 = -2 rem -4 (AL, AH)");
	a = 0xfc18, d = 0xffff;                      /* DX:AX -1000 */
	__asm__ volatile("idivw (%2)" : "+a"(a), "+d"(d) : "b"(tpr) : "cc", "memory");
	check(a == 0xffec && d == 0xffd8, "IDIV m16: -1000 / 48 = -20 rem -40");
}

/* The faulting form's length goes to skip_len: divl (%ebx) is F7 33. */
static void divide_errors(volatile uint32_t *tpr)
{
	uint32_t a = 1000, d = 0;

	fault_count = 0;
	skip_len = 2;
	*tpr = 0;
	__asm__ volatile("divl (%2)" : "+a"(a), "+d"(d) : "b"(tpr) : "cc", "memory");
	check(fault_count == 1 && fault_vector == 0 && a == 1000 && d == 0, "DIV by 0: #DE, EDX:EAX kept");
	*tpr = 0x10;
	a = 0, d = 0x10;                             /* 2^36 / 16 = 2^32: too wide */
	__asm__ volatile("divl (%2)" : "+a"(a), "+d"(d) : "b"(tpr) : "cc", "memory");
	check(fault_count == 2 && fault_vector == 0 && a == 0 && d == 0x10, "DIV quotient 2^32: #DE");
	*tpr = 0xff;                                 /* -1 as a byte */
	a = 0x8000;                                  /* -32768 / -1 = 32768 */
	__asm__ volatile("idivb (%1)" : "+a"(a) : "b"(tpr) : "cc", "memory");   /* F6 3B */
	check(fault_count == 3 && fault_vector == 0 && a == 0x8000, "IDIV m8 quotient 128: #DE");
	*tpr = 0;
}

static void strings(volatile uint8_t *apic)
{
	volatile uint32_t *tpr = (volatile uint32_t *)(apic + TPR_OFF);
	uint32_t a = 0xdeadbeef, c, f, ram = 0x31;
	const volatile void *s = tpr;
	const volatile void *t;

	*tpr = 0x30;
	__asm__ volatile("cld; lodsl" : "+a"(a), "+S"(s) : : "memory");
	check(a == 0x30 && s == (const volatile uint8_t *)tpr + 4, "LODS from TPR, ESI steps");
	s = tpr;
	c = 1;
	__asm__ volatile("rep lodsb" : "+a"(a), "+S"(s), "+c"(c) : : "memory");
	check(a == 0x30 && c == 0, "REP LODSB ECX 1");
	s = tpr;
	t = (const void *)(apic + PPR_OFF);
	__asm__ volatile("cmpsl\n\tpushf\n\tpop %2" : "+S"(s), "+D"(t), "=r"(f) : : "cc", "memory");
	check((f & FL_ZF) && t == apic + PPR_OFF + 4, "CMPS TPR with PPR: equal, both step");
	s = tpr;
	t = &ram;
	c = 1;
	__asm__ volatile("repe cmpsl\n\tpushf\n\tpop %2" : "+S"(s), "+D"(t), "=r"(f), "+c"(c) : : "cc", "memory");
	check(!(f & FL_ZF) && (f & FL_CF) && c == 0, "REPE CMPS TPR with 0x31: ZF 0, CF 1");
	t = tpr;
	__asm__ volatile("scasl\n\tpushf\n\tpop %1" : "+D"(t), "=r"(f) : "a"(0x30) : "cc", "memory");
	check((f & FL_ZF) && t == (const volatile uint8_t *)tpr + 4, "SCAS TPR: equal, EDI steps");
	t = tpr;
	c = 1;
	__asm__ volatile("repne scasl\n\tpushf\n\tpop %1" : "+D"(t), "=r"(f), "+c"(c) : "a"(0x31) : "cc", "memory");
	check(!(f & FL_ZF) && c == 0, "REPNE SCAS TPR for 0x31: ECX 0, ZF 0");
	*tpr = 0;
}

static void widths_and_lock(volatile uint32_t *tpr)
{
	uint32_t a, f;

	*tpr = 0x90;
	__asm__ volatile("movsbl (%1), %0" : "=r"(a) : "b"(tpr) : "memory");
	check(a == 0xffffff90, "MOVSX m8");
	__asm__ volatile("movswl (%1), %0" : "=r"(a) : "b"(tpr) : "memory");
	check(a == 0x90, "MOVSX m16");
	a = 0xdeadbeef;
	__asm__ volatile("movzbw (%1), %w0" : "+r"(a) : "b"(tpr) : "memory");
	check(a == 0xdead0090, "MOVZX r16, m8");
	a = 0x91;
	__asm__ volatile("cmp %2, (%1)\n\tpushf\n\tpop %0" : "=r"(f) : "b"(tpr), "r"(a) : "cc", "memory");
	check((f & (FL_CF | FL_ZF | FL_SF)) == (FL_CF | FL_SF), "CMP m32, r32: 0x90 - 0x91");
	fault_count = 0;
	skip_len = 3;
	__asm__ volatile(".byte 0xf0\n\tmovl %0, (%1)" : : "a"(0x20), "b"(tpr) : "memory");  /* F0 89 03 */
	check(fault_count == 1 && fault_vector == 6 && *tpr == 0x90, "LOCK MOV: #UD, TPR kept");
	__asm__ volatile(".byte 0xf0\n\tcmpl %0, (%1)" : : "a"(0x20), "b"(tpr) : "cc", "memory");  /* F0 39 03 */
	check(fault_count == 2 && fault_vector == 6, "LOCK CMP: #UD");
	*tpr = 0;
}

/* ES := a byte-granular data segment (type 2, S, P, D/B; SDM Vol. 3A
 * §3.4.5) in the GDT's spare entry (lib/entry.S), and back to flat. */
extern uint64_t guest_gdt_spare;
#define SEL_SPARE 0x30

static void es_limited(uint32_t base, uint32_t limit)
{
	guest_gdt_spare = (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | (0x92ull << 40) |
			  ((uint64_t)((limit >> 16) & 0xf) << 48) | (0x4ull << 52) |
			  ((uint64_t)(base >> 24) << 56);
	__asm__ volatile("mov %w0, %%es" : : "r"(SEL_SPARE) : "memory");
}

static void es_flat(void)
{
	__asm__ volatile("mov %w0, %%es" : : "r"(GUEST_SEL_DATA) : "memory");
}

/* A REP STOSL whose first element is TPR and whose second lies past
 * ES's limit: TPR written, then #GP(0) with ECX and EDI as after one
 * element (SDM Vol. 3A §5.3). Then with a 16-bit address size (67): DI
 * wraps from 0xfffc to 0 within a 64 KiB segment, and CX and DI keep
 * their upper halves (SDM Vol. 2B "REP", "STOS"). */
static void limits(volatile uint8_t *apic)
{
	volatile uint32_t *tpr = (volatile uint32_t *)(apic + TPR_OFF);
	uint32_t c = 2, d = TPR_OFF;

	fault_count = 0;
	skip_len = 2;                                /* F3 AB */
	*tpr = 0;
	es_limited((uint32_t)apic, TPR_OFF + 3);
	__asm__ volatile("cld; rep stosl" : "+c"(c), "+D"(d) : "a"(0x40) : "memory");
	es_flat();
	check(fault_count == 1 && fault_vector == 13 && c == 1 && d == TPR_OFF + 4 && *tpr == 0x40,
	      "REP STOS past ES's limit: #GP after the first element");
	c = 0xabcd0002;
	d = 0x1234fffc;
	es_limited((uint32_t)apic + TPR_OFF - 0xfffc, 0xffff);
	__asm__ volatile(".byte 0x67\n\trep stosl" : "+c"(c), "+D"(d) : "a"(0x50) : "memory");
	es_flat();
	check(fault_count == 1 && c == 0xabcd0000 && d == 0x12340004 && *tpr == 0x50,
	      "REP STOS with 16-bit addresses: DI wraps, upper ECX/EDI kept");
	*tpr = 0;
}

int xapic_forms(volatile uint32_t *apic, const char *ph)
{
	volatile uint32_t *tpr = (volatile uint32_t *)((volatile uint8_t *)apic + TPR_OFF);

	phase = ph;
	failed = 0;
	guest_set_handler(0, on_fault);
	guest_set_handler(6, on_fault);
	muls(tpr);
	divs(tpr);
	divide_errors(tpr);
	strings((volatile uint8_t *)apic);
	widths_and_lock(tpr);
	guest_set_handler(13, on_fault);
	limits((volatile uint8_t *)apic);
	return failed;
}
