/*
 * Under hvpart, with paging on: instructions on a GPA with nothing behind
 * it (ABSENT, outside the child's RAM; paging_on's 4 MiB identity pages
 * map it), which hv emulates as a bus that returns all ones and drops
 * writes (docs/child-platform.md, "Memory-mapped I/O"). Each check is
 * the architectural result of the instruction on that memory:
 *   BT/BTS/BTR/BTC (imm8 and register offsets, one beyond the operand
 *   and one negative, SDM Vol. 2A "BT"): CF = 1, ZF kept, memory still
 *   all ones; NOT: flags kept; NEG of all ones: 1, so CF = 1, ZF = SF =
 *   OF = 0 (SDM "NEG"); REP STOS/MOVS (SDM Vol. 2B "REP", "STOS",
 *   "MOVS"): more elements than hv does per exit, DF = 1, a zero count,
 *   ECX and EDI/ESI after, RAM filled with ones by MOVS from the bus, a
 *   REP STOS that runs from the bus into a RAM page (ALIAS + 0x2000,
 *   + 0x3000) and a REP MOVS that runs into the unmapped page at ALIAS
 *   + 0x1000 after two elements: #PF, CR2, error code 2, ECX/ESI/EDI as
 *   after those two; MUL and DIV by all ones, REPE/REPNE SCAS, REPE
 *   CMPS and LODS (more_forms).
 */
#include "guest.h"
#include "xapic.h"

#define ABSENT 0xfed00000u
#define FL_CF 0x001u
#define FL_ZF 0x040u
#define FL_SF 0x080u
#define FL_OF 0x800u

static int failed;
static volatile uint32_t pf_cr2, pf_error, pf_count;
static uint32_t buf[512];
static uint32_t ram_page[1024] __attribute__((aligned(4096)));

static void check(int ok, const char *what)
{
	if (!ok) {
		guest_printf("xapic: unbacked GPA: check failed: %s\n", what);
		failed = 1;
	}
}

static volatile uint32_t *at(uint32_t off)
{
	return (volatile uint32_t *)(ABSENT + off);
}

/* EFLAGS right after insn (operands from %1). */
#define FLAGS_AFTER(insn, ...) ({                                              \
	uint32_t f_;                                                           \
	__asm__ volatile(insn "\n\tpushf\n\tpop %0" : "=r"(f_) : __VA_ARGS__ : "cc", "memory"); \
	f_; })

static void bit_tests(void)
{
	volatile uint32_t *a = at(0x100);
	uint32_t f;

	f = FLAGS_AFTER("cmp %1, %1; clc; btl $5, (%1)", "r"(a));
	check((f & (FL_CF | FL_ZF)) == (FL_CF | FL_ZF), "BT imm8: CF = 1, ZF kept");
	f = FLAGS_AFTER("clc; btw $15, 2(%1)", "r"(a));
	check(f & FL_CF, "BT m16 imm8: CF = 1");
	f = FLAGS_AFTER("clc; bt %2, (%1)", "r"(a), "r"(100u));
	check(f & FL_CF, "BT reg offset 100 (the dword at +12): CF = 1");
	f = FLAGS_AFTER("clc; bt %2, (%1)", "r"(a), "r"(-100));
	check(f & FL_CF, "BT reg offset -100 (the dword at -16): CF = 1");
	f = FLAGS_AFTER("clc; lock btsl $3, (%1)", "r"(a));
	check((f & FL_CF) && *a == 0xffffffffu, "LOCK BTS: CF = 1, the write ignored");
	f = FLAGS_AFTER("clc; btrl %2, (%1)", "r"(a), "r"(7u));
	check((f & FL_CF) && *a == 0xffffffffu, "BTR reg: CF = 1, the write ignored");
	f = FLAGS_AFTER("clc; lock btcw %w2, (%1)", "r"(a), "r"(0x21u));
	check(f & FL_CF, "LOCK BTC m16 reg: CF = 1");
}

static void not_neg(void)
{
	volatile uint32_t *a = at(0x180);
	uint32_t f;

	f = FLAGS_AFTER("stc; notl (%1)", "r"(a));
	check((f & FL_CF) && *a == 0xffffffffu, "NOT: flags kept, the write ignored");
	f = FLAGS_AFTER("negl (%1)", "r"(a));
	check((f & (FL_CF | FL_ZF | FL_SF | FL_OF)) == FL_CF, "NEG of all ones: CF 1, ZF SF OF 0");
	f = FLAGS_AFTER("lock negb 1(%1)", "r"(a));
	check((f & (FL_CF | FL_ZF)) == FL_CF && *a == 0xffffffffu, "LOCK NEG m8: CF 1, write ignored");
}

static void rep_stos(void)
{
	uint32_t c = 300, d = ABSENT + 0x200;

	__asm__ volatile("cld; rep stosl" : "+c"(c), "+D"(d) : "a"(0x12345678) : "memory");
	check(c == 0 && d == ABSENT + 0x200 + 1200, "REP STOSL x300: ECX 0, EDI + 1200");
	check(*at(0x200) == 0xffffffffu && *at(0x200 + 1196) == 0xffffffffu, "REP STOS: writes ignored");
	c = 5;
	d = ABSENT + 0x300;
	__asm__ volatile("std; rep stosw; cld" : "+c"(c), "+D"(d) : "a"(0) : "memory");
	check(c == 0 && d == ABSENT + 0x300 - 10, "REP STOSW with DF = 1: EDI - 10");
	c = 0;
	d = ABSENT;
	__asm__ volatile("rep stosl" : "+c"(c), "+D"(d) : "a"(0) : "memory");
	check(c == 0 && d == ABSENT, "REP STOS with ECX 0: nothing");
	/* From the bus at ALIAS + 0x2000 on into the RAM page at + 0x3000. */
	xapic_map(2, ABSENT);
	xapic_map(3, (uint32_t)ram_page);
	c = 8;
	d = ALIAS + 0x3000 - 16;
	__asm__ volatile("rep stosl" : "+c"(c), "+D"(d) : "a"(0xa5a5a5a5u) : "memory");
	check(c == 0 && d == ALIAS + 0x3000 + 16, "REP STOS from the bus into RAM: ECX, EDI");
	check(ram_page[0] == 0xa5a5a5a5u && ram_page[3] == 0xa5a5a5a5u && ram_page[4] == 0,
	      "REP STOS from the bus into RAM: the RAM part stored");
}

static void rep_movs(void)
{
	uint32_t c = 300, s = ABSENT + 0x400, d = (uint32_t)buf;

	for (unsigned i = 0; i < 512; i++)
		buf[i] = 0;
	__asm__ volatile("cld; rep movsl" : "+c"(c), "+S"(s), "+D"(d) : : "memory");
	check(c == 0 && s == ABSENT + 0x400 + 1200 && d == (uint32_t)&buf[300], "REP MOVSL x300 bus to RAM: ECX ESI EDI");
	check(buf[0] == 0xffffffffu && buf[299] == 0xffffffffu && buf[300] == 0, "REP MOVS bus to RAM: all ones");
	buf[400] = 0x11111111u;
	c = 200;
	s = (uint32_t)&buf[400];
	d = ABSENT;
	__asm__ volatile("std; rep movsb; cld" : "+c"(c), "+S"(s), "+D"(d) : : "memory");
	check(c == 0 && s == (uint32_t)&buf[400] - 200 && d == ABSENT - 200, "REP MOVSB RAM to bus, DF = 1");
	check(buf[400] == 0x11111111u, "REP MOVS RAM to bus: RAM unchanged");
}

static void on_pf(struct guest_frame *f)
{
	uint32_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	pf_cr2 = cr2;
	pf_error = f->error;
	pf_count++;
	f->eip += 2;                         /* over the REP MOVSL */
}

static void rep_movs_fault(void)
{
	uint32_t c = 4, s = ABSENT, d = ALIAS + 0x1000 - 8;

	guest_set_handler(14, on_pf);
	__asm__ volatile("rep movsl" : "+c"(c), "+S"(s), "+D"(d) : : "memory");
	check(pf_count == 1 && pf_cr2 == ALIAS + 0x1000 && pf_error == 2,
	      "REP MOVS into an unmapped page: #PF, CR2, error code 2");
	check(c == 2 && s == ABSENT + 8 && d == ALIAS + 0x1000, "REP MOVS #PF: ECX ESI EDI after 2 elements");
}

/* MUL and DIV by all ones; REPE SCAS over more elements than hv does
 * per exit (it compares equal all the way), REPNE SCAS that stops on
 * the first, REPE CMPS bus against bus, LODS (SDM Vol. 2B "SCAS",
 * "REP"; Vol. 2A "CMPS", "LODS", "DIV"). */
static void more_forms(void)
{
	volatile uint32_t *a = at(0x500);
	uint32_t x = 0, d = 0xfffffffeu, c, f;
	const volatile void *s, *t;

	__asm__ volatile("divl (%2)" : "+a"(x), "+d"(d) : "b"(a) : "cc", "memory");
	/* (2^32 - 2) * 2^32 = (2^32 - 1)^2 - 1: quotient and remainder 2^32 - 2 */
	check(x == 0xfffffffeu && d == 0xfffffffeu, "DIV by all ones: quotient and remainder");
	x = 2;
	__asm__ volatile("mull (%3)\n\tpushf\n\tpop %2" : "+a"(x), "+d"(d), "=r"(f) : "b"(a) : "cc", "memory");
	check(x == 0xfffffffeu && d == 1 && (f & FL_CF), "MUL by all ones: EDX 1, CF 1");
	c = 300;
	t = a;
	__asm__ volatile("cld; repe scasl\n\tpushf\n\tpop %1" : "+D"(t), "=r"(f), "+c"(c) : "a"(~0u) : "cc", "memory");
	check(c == 0 && (f & FL_ZF) && t == (const volatile uint8_t *)a + 1200, "REPE SCAS x300: ECX 0, ZF 1");
	c = 300;
	t = a;
	__asm__ volatile("repne scasl\n\tpushf\n\tpop %1" : "+D"(t), "=r"(f), "+c"(c) : "a"(~0u) : "cc", "memory");
	check(c == 299 && (f & FL_ZF) && t == (const volatile uint8_t *)a + 4, "REPNE SCAS: stops at the first");
	c = 200;
	s = a;
	t = at(0x1000);
	__asm__ volatile("repe cmpsl\n\tpushf\n\tpop %2" : "+S"(s), "+D"(t), "=r"(f), "+c"(c) : : "cc", "memory");
	check(c == 0 && (f & FL_ZF) && s == (const volatile uint8_t *)a + 800, "REPE CMPS bus with bus: ECX 0, ZF 1");
	x = 0x12340000u;
	s = a;
	__asm__ volatile("lodsw" : "+a"(x), "+S"(s) : : "memory");
	check(x == 0x1234ffffu, "LODSW: AX all ones, upper EAX kept");
}

int xapic_absent_checks(void)
{
	more_forms();
	guest_printf("xapic: unbacked GPA: MUL, DIV, REPE/REPNE SCAS, REPE CMPS, LODS: done\n");
	bit_tests();
	not_neg();
	rep_stos();
	rep_movs();
	rep_movs_fault();
	guest_printf("xapic: unbacked GPA: BT/BTS/BTR/BTC, NOT, NEG, REP STOS/MOVS: done\n");
	return failed;
}
