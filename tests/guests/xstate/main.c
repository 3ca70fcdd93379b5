/*
 * xstate: the XSAVE feature set as a child sees it (SDM Vol. 1 Chapter
 * 13; issue 12 item 3). Options: seed=N (default 1) picks the register
 * values, rounds=N (default 40) how often it sleeps, count=N (default
 * 200000) the APIC timer's one-shot count for each sleep.
 *  1. Fresh state: XMM0-7 (and the YMM upper halves once AVX is on) are
 *     0 and MXCSR is 0x1f80, the state after reset (SDM Vol. 3A Table
 *     9-1): nothing of the parent's or another child's registers.
 *  2. CPUID.1:ECX.OSXSAVE follows CR4.OSXSAVE both ways; XCR0 is 1 after
 *     reset; leaf 0xD sub-leaf 0 offers x87 and SSE, and EBX is the area
 *     size for the current XCR0 (576, then the end of the AVX component).
 *  3. XSETBV with a bad value (XCR0[0] clear, AVX without SSE, a bit not
 *     offered, EDX bits, half of AVX-512) or ECX != 0, and any XSETBV at
 *     CPL 3, raise #GP(0) and leave XCR0 as it was; the guest goes on.
 *  4. rounds times: distinctive XMM/YMM values, MXCSR and x87 control
 *     word (from seed and round), sleep (STI; HLT until the timer),
 *     check them all. Run two at once with different seeds: each must
 *     get its own values back (the TSC range printed shows the overlap).
 * With bench=N it also times N XSETBVs (alternating x87|SSE and the
 * value it uses) and prints `xstate: xsetbv_ticks=T` (tests/bench/vcpu).
 * Runs bare (Bochs, QEMU) and as a child with the same result.
 */
#include "guest.h"

#define CPUID1_ECX_XSAVE   (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX     (1u << 28)
#define CR0_EM (1u << 2)
#define CR0_MP (1u << 1)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE    (1u << 18)
#define XCR0_X87 1u
#define XCR0_SSE 2u
#define XCR0_AVX 4u
#define XCR0_AVX512 0xe0u
#define MXCSR_INIT 0x1f80u
#define VEC_GP 13

static uint32_t regs[8][8] __attribute__((aligned(32)));   /* YMM0-7 */
static uint32_t back[8][8] __attribute__((aligned(32)));
static int failed;
static int avx;
static uint32_t offered;

static void check(int ok, const char *what)
{
	if (!ok) {
		guest_printf("xstate: check failed: %s\n", what);
		failed = 1;
	}
}

static uint32_t read_cr(int n)
{
	uint32_t v = 0;

	if (n == 0)
		__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	else
		__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr(int n, uint32_t v)
{
	if (n == 0)
		__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
	else
		__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/* XSETBV; a #GP it raises is counted by on_gp, which skips it (3 bytes:
 * 0F 01 D1). */
static volatile uint32_t gp_count;

static void xsetbv(uint32_t xcr, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(xcr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

static void on_gp(struct guest_frame *f)
{
	const uint8_t *p = (const uint8_t *)f->eip;

	if (p[0] != 0x0f || p[1] != 0x01 || p[2] != 0xd1) {
		guest_printf("xstate: #GP at 0x%x, not at XSETBV\n", f->eip);
		guest_exit(GUEST_EXIT_EXC_BASE + VEC_GP);
	}
	check(f->error == 0, "#GP error code 0");
	gp_count++;
	f->eip += 3;
}

static void cpuid_sub(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static int osxsave_bit(void)
{
	uint32_t r[4];

	guest_cpuid(1, r);
	return (r[2] & CPUID1_ECX_OSXSAVE) != 0;
}

/* Register images: all 8 XMM (or YMM with AVX) registers at once. */
static void load_regs(void)
{
	if (avx)
		__asm__ volatile("vmovdqa 0(%0), %%ymm0\n\tvmovdqa 32(%0), %%ymm1\n\t"
				 "vmovdqa 64(%0), %%ymm2\n\tvmovdqa 96(%0), %%ymm3\n\t"
				 "vmovdqa 128(%0), %%ymm4\n\tvmovdqa 160(%0), %%ymm5\n\t"
				 "vmovdqa 192(%0), %%ymm6\n\tvmovdqa 224(%0), %%ymm7"
				 : : "r"(regs) : "memory");
	else
		__asm__ volatile("movdqa 0(%0), %%xmm0\n\tmovdqa 32(%0), %%xmm1\n\t"
				 "movdqa 64(%0), %%xmm2\n\tmovdqa 96(%0), %%xmm3\n\t"
				 "movdqa 128(%0), %%xmm4\n\tmovdqa 160(%0), %%xmm5\n\t"
				 "movdqa 192(%0), %%xmm6\n\tmovdqa 224(%0), %%xmm7"
				 : : "r"(regs) : "memory");
}

static void store_regs(void)
{
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			back[i][j] = 0x5a5a5a5a;
	if (avx)
		__asm__ volatile("vmovdqa %%ymm0, 0(%0)\n\tvmovdqa %%ymm1, 32(%0)\n\t"
				 "vmovdqa %%ymm2, 64(%0)\n\tvmovdqa %%ymm3, 96(%0)\n\t"
				 "vmovdqa %%ymm4, 128(%0)\n\tvmovdqa %%ymm5, 160(%0)\n\t"
				 "vmovdqa %%ymm6, 192(%0)\n\tvmovdqa %%ymm7, 224(%0)"
				 : : "r"(back) : "memory");
	else
		__asm__ volatile("movdqa %%xmm0, 0(%0)\n\tmovdqa %%xmm1, 32(%0)\n\t"
				 "movdqa %%xmm2, 64(%0)\n\tmovdqa %%xmm3, 96(%0)\n\t"
				 "movdqa %%xmm4, 128(%0)\n\tmovdqa %%xmm5, 160(%0)\n\t"
				 "movdqa %%xmm6, 192(%0)\n\tmovdqa %%xmm7, 224(%0)"
				 : : "r"(back) : "memory");
}

/* How many of the register dwords differ from want (YMM upper halves
 * only with AVX); want NULL: from zero. */
static int regs_differ(uint32_t (*want)[8])
{
	int n = 0;

	store_regs();
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < (avx ? 8 : 4); j++)
			n += back[i][j] != (want ? want[i][j] : 0);
	return n;
}

static uint32_t stmxcsr(void)
{
	uint32_t v;

	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static void ldmxcsr(uint32_t v)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(v));
}

static uint16_t fnstcw(void)
{
	uint16_t v;

	__asm__ volatile("fnstcw %0" : "=m"(v));
	return v;
}

static void fldcw(uint16_t v)
{
	__asm__ volatile("fldcw %0" : : "m"(v));
}

/* x87 and SSE on (CR0.EM clear, MP set; CR4.OSFXSR, OSXMMEXCPT: SDM Vol.
 * 3A §13.1.3), then the fresh-state checks. */
static void enable_sse(void)
{
	write_cr(0, (read_cr(0) & ~CR0_EM) | CR0_MP);
	write_cr(4, read_cr(4) | CR4_OSFXSR | CR4_OSXMMEXCPT);
	check(regs_differ(NULL) == 0, "XMM0-7 are 0 at start");
	guest_printf("xstate: at start MXCSR 0x%x, XMM0-7 %s\n", stmxcsr(),
		     regs_differ(NULL) ? "not zero" : "zero");
	check(stmxcsr() == MXCSR_INIT, "MXCSR is 0x1f80 at start");
}

/* CPUID.1:ECX.OSXSAVE mirrors CR4.OSXSAVE (SDM Vol. 2A CPUID, bit 27). */
static void enable_osxsave(void)
{
	uint32_t cr4 = read_cr(4);

	check(!osxsave_bit(), "OSXSAVE clear while CR4.OSXSAVE is clear");
	write_cr(4, cr4 | CR4_OSXSAVE);
	check(osxsave_bit(), "OSXSAVE set once CR4.OSXSAVE is set");
	write_cr(4, cr4);
	check(!osxsave_bit(), "OSXSAVE clear again");
	write_cr(4, cr4 | CR4_OSXSAVE);
	check(xgetbv0() == XCR0_X87, "XCR0 is 1 after reset");
}

static void check_leaf_d(uint64_t xcr0, const char *when)
{
	uint32_t r[4], c[4], want = 576;

	cpuid_sub(0xd, 0, r);
	if (xcr0 & XCR0_AVX) {
		cpuid_sub(0xd, 2, c);
		want = c[0] + c[1];
	}
	guest_printf("xstate: CPUID 0xd %s: offered 0x%x, size %u (want %u), max %u\n",
		     when, r[0], r[1], want, r[2]);
	check(r[1] == want, "CPUID.(0xd,0).EBX is the size for XCR0");
	check(r[2] >= r[1], "CPUID.(0xd,0).ECX covers every offered component");
}

static void bad_xsetbv(uint32_t xcr, uint64_t val, const char *what)
{
	uint32_t before = gp_count;
	uint64_t xcr0 = xgetbv0();

	xsetbv(xcr, val);
	if (gp_count != before + 1 || xgetbv0() != xcr0) {
		guest_printf("xstate: XSETBV(%u, 0x%llx) [%s]: %u #GP, XCR0 0x%llx\n", xcr,
			     val, what, gp_count - before, xgetbv0());
		failed = 1;
	}
}

static void user_xsetbv(void)
{
	xsetbv(0, xgetbv0());
	__asm__ volatile("ud2");
}

static void test_bad_values(void)
{
	uint32_t vec;

	bad_xsetbv(0, 0, "XCR0[0] clear");
	bad_xsetbv(0, XCR0_SSE, "XCR0[0] clear, SSE");
	bad_xsetbv(0, XCR0_X87 | XCR0_AVX, "AVX without SSE");
	bad_xsetbv(0, XCR0_X87 | (1u << 8), "bit 8");
	bad_xsetbv(0, XCR0_X87 | (1u << 9), "PKRU, not offered");
	bad_xsetbv(0, XCR0_X87 | (1ull << 32), "EDX bit 0");
	bad_xsetbv(0, XCR0_X87 | (1ull << 63), "bit 63");
	bad_xsetbv(1, XCR0_X87 | XCR0_SSE, "XCR1");
	if (offered & XCR0_AVX512)
		bad_xsetbv(0, 7 | 0x20, "opmask without the ZMM components");
	if (!(offered & XCR0_AVX))
		bad_xsetbv(0, 7, "AVX not offered");
	/* At CPL 3 even a good value faults; the guest resumes at CPL 0. */
	guest_init_user();
	vec = guest_run_user(user_xsetbv);
	check(vec == VEC_GP && guest_user_error == 0, "XSETBV at CPL 3 raises #GP(0)");
	guest_printf("xstate: bad XSETBVs: %u #GP, XSETBV at CPL 3: vector %u\n", gp_count, vec);
}

static void enable_xcr0(void)
{
	uint32_t r[4];
	uint64_t want = XCR0_X87 | XCR0_SSE;

	guest_cpuid(1, r);
	avx = (r[2] & CPUID1_ECX_AVX) && (offered & XCR0_AVX);
	if (avx)
		want |= XCR0_AVX;
	xsetbv(0, want);
	check(xgetbv0() == want, "XSETBV took a good value");
	check_leaf_d(want, "after XSETBV");
	if (avx)
		check(regs_differ(NULL) == 0, "YMM upper halves are 0 at start");
}

static void bench_xsetbv(uint32_t n)
{
	uint64_t use = xgetbv0(), t0, t1;

	if (!n)
		return;
	t0 = guest_rdtsc();
	for (uint32_t i = 0; i < n; i++)
		xsetbv(0, i & 1 ? use : XCR0_X87 | XCR0_SSE);
	t1 = guest_rdtsc();
	xsetbv(0, use);
	/* No 64-bit division in the freestanding 32-bit guest: the loop is
	 * far shorter than 2^32 ticks. */
	guest_printf("xstate: xsetbv_ticks=%u\n", (uint32_t)(t1 - t0) / n);
}

static void fill(uint32_t seed, uint32_t round)
{
	for (uint32_t i = 0; i < 8; i++)
		for (uint32_t j = 0; j < 8; j++)
			regs[i][j] = seed << 24 | round << 12 | i << 4 | j;
}

static void rounds_loop(uint32_t seed, uint32_t rounds, uint32_t count)
{
	uint64_t t0 = guest_rdtsc();
	int bad = 0;

	for (uint32_t r = 1; r <= rounds; r++) {
		uint32_t mxcsr = MXCSR_INIT ^ ((seed + r) & 3) << 13;     /* rounding control */
		uint16_t fcw = (uint16_t)(0x037f ^ ((seed + r) & 3) << 10); /* x87 rounding */

		fill(seed, r);
		load_regs();
		ldmxcsr(mxcsr);
		fldcw(fcw);
		guest_sleep(count);
		if (regs_differ(regs) || stmxcsr() != mxcsr || fnstcw() != fcw) {
			if (!bad++)
				guest_printf("xstate: round %u: %d dwords, MXCSR 0x%x (want 0x%x), FCW 0x%x (want 0x%x) differ; XMM0 0x%x\n",
					     r, regs_differ(regs), stmxcsr(), mxcsr, fnstcw(), fcw, back[0][0]);
		}
	}
	guest_printf("xstate: seed %u: %u rounds, %d with lost registers (TSC %llu to %llu)\n",
		     seed, rounds, bad, t0, guest_rdtsc());
	check(!bad, "every register survives every sleep");
}

void guest_main(void)
{
	uint32_t seed = guest_get_arg_u32("seed", 1), r[4];

	guest_puts("xstate: start\n");
	guest_cpuid(1, r);
	if (!(r[2] & CPUID1_ECX_XSAVE))
		guest_fail("xstate", "CPUID.1:ECX.XSAVE clear");
	guest_set_handler(VEC_GP, on_gp);
	enable_sse();
	enable_osxsave();
	cpuid_sub(0xd, 0, r);
	offered = r[0];
	check((offered & 3) == 3 && r[3] == 0, "leaf 0xd offers x87 and SSE only in EAX");
	check_leaf_d(XCR0_X87, "at start");
	test_bad_values();
	enable_xcr0();
	bench_xsetbv(guest_get_arg_u32("bench", 0));
	rounds_loop(seed, guest_get_arg_u32("rounds", 40), guest_get_arg_u32("count", 200000));
	if (failed)
		guest_fail("xstate", "see the checks above");
	guest_pass("xstate");
}
