/*
 * cpumsr: CPUID and the MSRs agree (issue 12 item 2). For every feature
 * CPUID advertises, its MSRs exist and behave as the SDM says (values
 * stick, reserved bits and bad memory types #GP); the MSRs of features it
 * does not advertise, and MSRs that exist nowhere, raise #GP (SDM Vol. 4
 * §2.1, Vol. 2B RDMSR/WRMSR). Under Hyper-V (hvpart) it also checks the
 * child's CPUID policy (docs/child-platform.md): no PDCM, no PMU, leaf 6
 * only ARAT, one logical processor. Every change is undone after its
 * check. Prints one line per failed check; `cpumsr: N checks` at the end.
 * With rounds=N (and seed=S, count=C): N times, seed-derived values in
 * the MSRs a guest uses without exits (STAR, LSTAR, FMASK,
 * KERNEL_GS_BASE, TSC_AUX, SYSENTER, PAT) and CSTAR, a sleep of C APIC
 * ticks in HLT, and a check that they are still there: run two at once
 * to check that no partition sees another's.
 * Runs bare (Bochs, QEMU) and as a child.
 */
#include "guest.h"

#define BIT(n) (1u << (n))

static int failed, checks, strict;
static uint32_t c1[4], c7[4], cx1[4], ca[4], cd1[4], maxphy;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok) {
		guest_printf("cpumsr: check failed: %s\n", what);
		failed = 1;
	}
}

static void cpuid_sub(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

/* The MSR exists exactly when want says so. */
static void exists(uint32_t msr, int want, const char *name)
{
	uint64_t v;
	int ok = guest_rdmsr_safe(msr, &v) == 0;

	if (ok != want)
		guest_printf("cpumsr: MSR 0x%x (%s): RDMSR %s, CPUID says it %s\n", msr, name,
			     ok ? "works" : "#GP", want ? "exists" : "does not");
	check(ok == want, name);
}

/* A value written reads back; then the old value goes back. */
static void sticks(uint32_t msr, uint64_t val, const char *name)
{
	uint64_t old, now = 0;
	int ok = guest_rdmsr_safe(msr, &old) == 0 && guest_wrmsr_safe(msr, val) == 0 &&
		 guest_rdmsr_safe(msr, &now) == 0 && now == val;

	if (!ok)
		guest_printf("cpumsr: MSR 0x%x (%s): wrote 0x%llx, read 0x%llx\n", msr, name, val, now);
	check(ok, name);
	guest_wrmsr_safe(msr, old);
}

/* Writing val raises #GP and changes nothing. */
static void refuses(uint32_t msr, uint64_t val, const char *name)
{
	uint64_t old = 0, now = 0;
	int ok = guest_rdmsr_safe(msr, &old) == 0 && guest_wrmsr_safe(msr, val) == -1 &&
		 guest_rdmsr_safe(msr, &now) == 0 && now == old;

	if (!ok)
		guest_printf("cpumsr: MSR 0x%x (%s): writing 0x%llx did not #GP (now 0x%llx)\n",
			     msr, name, val, now);
	check(ok, name);
}

static void test_tsc(void)
{
	uint64_t t0, t1, m, adj, adj2;
	int has_adj = (c7[1] & BIT(1)) != 0;

	t0 = guest_rdtsc();
	check(guest_rdmsr_safe(0x10, &m) == 0, "IA32_TSC reads");
	t1 = guest_rdtsc();
	check(t0 <= m && m <= t1, "IA32_TSC lies between two RDTSCs");
	exists(0x3b, has_adj, "IA32_TSC_ADJUST iff CPUID.7.EBX[1]");
	if (!has_adj)
		return;
	guest_rdmsr_safe(0x3b, &adj);
	/* WRMSR to the TSC moves TSC_ADJUST by as much (SDM Vol. 3B
	 * §18.17.3): by 10^9 less the ticks between the RDTSC and the write,
	 * which under QEMU TCG (the host's TSC, a busy host) can pass 10^6:
	 * a tenth of the step is allowed. */
	check(guest_wrmsr_safe(0x10, guest_rdtsc() + 1000000000ull) == 0, "IA32_TSC writes");
	t1 = guest_rdtsc();
	guest_rdmsr_safe(0x3b, &adj2);
	check(adj2 - adj <= 1000000000ull && adj2 - adj > 1000000000ull - 100000000ull,
	      "writing IA32_TSC moves IA32_TSC_ADJUST by the difference");
	check(t1 - t0 >= 1000000000ull, "RDTSC follows a written IA32_TSC");
	/* ... and writing TSC_ADJUST moves the TSC back. */
	guest_wrmsr_safe(0x3b, adj);
	t1 = guest_rdtsc();
	check(t1 - t0 < 1000000000ull, "writing IA32_TSC_ADJUST moves the TSC");
}

static void test_mtrr(void)
{
	uint64_t cap = 0, phys = (1ull << maxphy) - 1;
	uint32_t vcnt;

	exists(0xfe, (c1[3] & BIT(12)) != 0, "MTRRcap iff CPUID.1.EDX.MTRR");
	if (!(c1[3] & BIT(12)) || guest_rdmsr_safe(0xfe, &cap))
		return;
	vcnt = cap & 0xff;
	sticks(0x2ff, (1u << 11) | 6, "MTRRdefType E, WB");
	refuses(0x2ff, (1u << 11) | 2, "MTRRdefType type 2 is reserved");
	refuses(0x2ff, (1u << 11) | (1u << 9) | 6, "MTRRdefType bit 9 is reserved");
	exists(0x250, (cap & BIT(8)) != 0, "MTRRfix64K iff MTRRcap.FIX");
	if (cap & BIT(8)) {
		sticks(0x259, 0x0606060606060606ull, "MTRRfix16K_A0000 all WB");
		sticks(0x26f, 0x0504010006060606ull, "MTRRfix4K_F8000 mixed types");
		refuses(0x268, 0x0606060606060603ull, "MTRRfix4K byte of type 3");
	}
	check(vcnt >= 1, "MTRRcap.VCNT >= 1");
	sticks(0x200, 0x80000000ull | 6, "MTRRphysBase0");
	sticks(0x201, (phys & ~0xfffull) | BIT(11), "MTRRphysMask0 valid");
	refuses(0x200, 0x80000000ull | 0x100 | 6, "MTRRphysBase0 bit 8 is reserved");
	refuses(0x200, 0x80000000ull | 7, "MTRRphysBase0 type 7 is reserved");
	refuses(0x201, BIT(11) | 1, "MTRRphysMask0 bit 0 is reserved");
	refuses(0x201, (1ull << maxphy) | BIT(11), "MTRRphysMask0 above MAXPHYADDR");
	exists(0x200 + 2 * vcnt, 0, "MTRRphysBase beyond VCNT");
}

static void test_pat_sysenter_mca(void)
{
	uint64_t cap = 0;

	exists(0x277, (c1[3] & BIT(16)) != 0, "IA32_PAT iff CPUID.1.EDX.PAT");
	if (c1[3] & BIT(16)) {
		sticks(0x277, 0x0007010600070106ull, "IA32_PAT with WC");
		refuses(0x277, 0x0007040600070402ull, "IA32_PAT type 2 is reserved");
	}
	if (c1[3] & BIT(11)) {
		sticks(0x174, 0x08, "SYSENTER_CS");
		sticks(0x175, 0x12345000, "SYSENTER_ESP");
		sticks(0x176, 0x00100010, "SYSENTER_EIP");
	}
	exists(0x179, (c1[3] & BIT(14)) != 0, "IA32_MCG_CAP iff CPUID.1.EDX.MCA");
	if (!(c1[3] & BIT(14)) || guest_rdmsr_safe(0x179, &cap))
		return;
	refuses(0x179, cap ^ 1, "IA32_MCG_CAP is read-only");
	exists(0x17a, 1, "IA32_MCG_STATUS");
	sticks(0x17a, 0, "IA32_MCG_STATUS 0");
	exists(0x17b, (cap & BIT(8)) != 0, "IA32_MCG_CTL iff MCG_CAP.MCG_CTL_P");
	exists(0x400, (cap & 0xff) != 0, "IA32_MC0_CTL iff MCG_CAP.Count > 0");
	guest_printf("cpumsr: MCG_CAP 0x%llx\n", cap);
}

static void test_pmu_and_spec(void)
{
	uint32_t version = ca[0] & 0xff;

	exists(0x345, (c1[2] & BIT(15)) != 0, "IA32_PERF_CAPABILITIES iff CPUID.1.ECX.PDCM");
	exists(0x186, version > 0 && ((ca[0] >> 8) & 0xff) > 0, "IA32_PERFEVTSEL0 iff leaf 0xA counters");
	exists(0xc1, version > 0 && ((ca[0] >> 8) & 0xff) > 0, "IA32_PMC0 iff leaf 0xA counters");
	exists(0x38f, version > 1, "IA32_PERF_GLOBAL_CTRL iff leaf 0xA version > 1");
	exists(0x48, (c7[3] & (BIT(26) | BIT(27) | BIT(31))) != 0, "IA32_SPEC_CTRL iff IBRS/STIBP/SSBD");
	exists(0x10a, (c7[3] & BIT(29)) != 0, "IA32_ARCH_CAPABILITIES iff CPUID.7.EDX[29]");
	exists(0xda0, (cd1[0] & BIT(3)) != 0, "IA32_XSS iff XSAVES");
	exists(0x3a, (c1[2] & (BIT(5) | BIT(6))) != 0, "IA32_FEATURE_CONTROL iff VMX or SMX");
	exists(0x6e0, (c1[2] & BIT(24)) != 0, "IA32_TSC_DEADLINE iff CPUID.1.ECX[24]");
}

/* LSTAR takes an address canonical for this vCPU's linear-address width,
 * 57 bits where CPUID.(7,0):ECX[16] offers 5-level paging, else 48 (SDM
 * Vol. 1 §3.3.7.1; Vol. 2B WRMSR): the first address past each end of
 * the lower half is refused, and a 48-bit-wide vCPU refuses bit 47 where
 * a 57-bit one takes it. */
static void test_canonical_edge(void)
{
	unsigned w = (c7[2] & BIT(16)) ? 57 : 48;
	uint64_t edge = 1ull << (w - 1);

	guest_printf("cpumsr: linear addresses are %u bits wide\n", w);
	refuses(0xc0000082, edge, "IA32_LSTAR past the lower half");
	refuses(0xc0000082, ~edge, "IA32_LSTAR below the upper half");
	sticks(0xc0000082, edge - 0x1000, "IA32_LSTAR at the top of the lower half");
	if (w == 57)
		sticks(0xc0000082, 1ull << 47, "IA32_LSTAR bit 47 (57-bit canonical)");
	else
		refuses(0xc0000082, 1ull << 47, "IA32_LSTAR bit 47 (48-bit non-canonical)");
}

static void test_long_mode_msrs(void)
{
	uint64_t efer = 0, aux;
	uint32_t lo, hi, ecx;
	int lm = (cx1[3] & BIT(29)) != 0;

	exists(0xc0000080, lm || (cx1[3] & (BIT(11) | BIT(20))), "IA32_EFER");
	exists(0xc0000082, lm, "IA32_LSTAR iff long mode");
	exists(0xc0000102, lm, "IA32_KERNEL_GS_BASE iff long mode");
	if (lm) {
		sticks(0xc0000081, 0x0023001000000000ull, "IA32_STAR");
		sticks(0xc0000082, 0xffffffff81000000ull, "IA32_LSTAR");
		sticks(0xc0000084, 0x47700, "IA32_FMASK");
		sticks(0xc0000102, 0xffff888000000000ull, "IA32_KERNEL_GS_BASE");
		sticks(0xc0000100, 0x1000, "IA32_FS_BASE");
		test_canonical_edge();
		guest_rdmsr_safe(0xc0000080, &efer);
		sticks(0xc0000080, efer | 1, "IA32_EFER.SCE");
		refuses(0xc0000080, efer | 2, "IA32_EFER bit 1 is reserved");
		if (cx1[3] & BIT(20))
			sticks(0xc0000080, efer | BIT(11), "IA32_EFER.NXE");
	}
	exists(0xc0000103, (cx1[3] & BIT(27)) || (c7[2] & BIT(22)), "IA32_TSC_AUX iff RDTSCP or RDPID");
	if (!(cx1[3] & BIT(27)))
		return;
	guest_rdmsr_safe(0xc0000103, &aux);
	guest_wrmsr_safe(0xc0000103, 0x1234);
	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(ecx));
	check(ecx == 0x1234, "RDTSCP returns IA32_TSC_AUX in ECX");
	guest_wrmsr_safe(0xc0000103, aux);
}

/* MISC_ENABLE bit 22 limits CPUID leaf 0 to 2 (SDM Vol. 4 Table 2-2). */
static void test_misc_enable(void)
{
	uint64_t misc = 0;
	uint32_t r[4], max;

	check(guest_rdmsr_safe(0x1a0, &misc) == 0, "IA32_MISC_ENABLE reads");
	guest_cpuid(0, r);
	max = r[0];
	if (guest_wrmsr_safe(0x1a0, misc | BIT(22)) == 0) {
		guest_cpuid(0, r);
		check(r[0] == (max < 2 ? max : 2), "MISC_ENABLE.LIMIT_CPUID caps leaf 0 at 2");
	} else {
		check(0, "MISC_ENABLE.LIMIT_CPUID writes");
	}
	guest_wrmsr_safe(0x1a0, misc);
	guest_cpuid(0, r);
	check(r[0] == max, "clearing LIMIT_CPUID restores leaf 0");
	exists(0x8b, 1, "IA32_BIOS_SIGN_ID");
}

/* The child's CPUID policy (docs/child-platform.md). */
static void test_policy(void)
{
	uint32_t r[4];

	check(!(c1[2] & BIT(15)), "no PDCM");
	check(ca[0] == 0 && ca[1] == 0 && ca[2] == 0 && ca[3] == 0, "leaf 0xA is 0: no PMU");
	cpuid_sub(6, 0, r);
	check(r[0] == BIT(2) && !r[1] && !r[2] && !r[3], "leaf 6 is ARAT only");
	check(((c1[1] >> 16) & 0xff) == 1 && (c1[1] >> 24) == 0, "one logical processor, APIC ID 0");
	cpuid_sub(0xb, 0, r);
	check(r[1] == 1 && r[3] == 0 && ((r[2] >> 8) & 0xff) == 1, "leaf 0xB: one thread, x2APIC ID 0");
	check(!(c1[2] & (BIT(3) | BIT(5) | BIT(6))), "no MONITOR, VMX, SMX");
	check(!(c7[2] & BIT(3)), "no PKU");
	exists(0x400000ff, 0, "an undefined synthetic MSR");
}

/* The MSRs a guest uses without exits, and CSTAR. */
static const uint32_t own_msrs[] = {
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000102, 0xc0000103,
	0x174, 0x175, 0x176, 0x277,
};
#define NOWN (sizeof(own_msrs) / sizeof(own_msrs[0]))

/* A value each of them accepts: canonical addresses, 32 bits for
 * SYSENTER_CS, FMASK and TSC_AUX, PAT bytes that are memory types (0 UC,
 * 1 WC, 4 WT, 5 WP, 6 WB). */
static uint64_t own_value(uint32_t i, uint32_t seed, uint32_t round)
{
	static const uint8_t types[] = { 0, 1, 4, 5, 6 };
	uint64_t pat = 0, tag = (uint64_t)seed << 20 | round << 4 | i;

	if (own_msrs[i] != 0x277)
		return (own_msrs[i] == 0xc0000103 || own_msrs[i] == 0xc0000084 ||
			own_msrs[i] == 0x174) ? tag & 0xffffffff :
			0x00007f0000000000ull | tag << 4;
	for (int b = 0; b < 8; b++)
		pat |= (uint64_t)types[(seed + round + b) % 5] << (8 * b);
	return pat;
}

static void test_isolation(uint32_t seed, uint32_t rounds, uint32_t count)
{
	uint64_t v, t0 = guest_rdtsc();
	int bad = 0;

	if (!rounds || !(cx1[3] & BIT(29)) || !(cx1[3] & BIT(27)))
		return;
	for (uint32_t r = 1; r <= rounds; r++) {
		for (uint32_t i = 0; i < NOWN; i++)
			guest_wrmsr_safe(own_msrs[i], own_value(i, seed, r));
		guest_sleep(count);
		for (uint32_t i = 0; i < NOWN; i++)
			if (guest_rdmsr_safe(own_msrs[i], &v) || v != own_value(i, seed, r)) {
				if (!bad++)
					guest_printf("cpumsr: round %u: MSR 0x%x is 0x%llx, not 0x%llx\n",
						     r, own_msrs[i], v, own_value(i, seed, r));
			}
	}
	guest_printf("cpumsr: seed %u: %u rounds, %d MSRs lost (TSC %llu to %llu)\n", seed,
		     rounds, bad, t0, guest_rdtsc());
	check(!bad, "the MSRs a guest owns survive every sleep");
}

void guest_main(void)
{
	uint32_t r[4];

	guest_puts("cpumsr: start\n");
	strict = guest_detect_hv();
	guest_cpuid(1, c1);
	cpuid_sub(7, 0, c7);
	cpuid_sub(0x80000001u, 0, cx1);
	cpuid_sub(0xa, 0, ca);
	cpuid_sub(0xd, 1, cd1);
	cpuid_sub(0x80000008u, 0, r);
	maxphy = r[0] & 0xff;
	guest_printf("cpumsr: CPUID.1 ECX 0x%x EDX 0x%x, 7 EBX 0x%x ECX 0x%x EDX 0x%x, 0xA EAX 0x%x\n",
		     c1[2], c1[3], c7[1], c7[2], c7[3], ca[0]);
	test_tsc();
	test_mtrr();
	test_pat_sysenter_mca();
	test_pmu_and_spec();
	test_long_mode_msrs();
	test_misc_enable();
	exists(0x1234, 0, "MSR 0x1234 exists nowhere");
	exists(0xc0011234, 0, "MSR 0xc0011234 exists nowhere");
	if (strict)
		test_policy();
	test_isolation(guest_get_arg_u32("seed", 1), guest_get_arg_u32("rounds", 0),
		       guest_get_arg_u32("count", 200000));
	guest_printf("cpumsr: %d checks%s\n", checks, strict ? " (with the child's CPUID policy)" : "");
	if (failed)
		guest_fail("cpumsr", "see the checks above");
	guest_pass("cpumsr");
}
