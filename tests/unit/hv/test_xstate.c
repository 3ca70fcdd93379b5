/*
 * Host tests for hv/core/xstate.h: the XSETBV rules for a new XCR0 (SDM
 * Vol. 2D "XSETBV") and the XSAVE area sizes CPUID leaf 0xD reports
 * (SDM Vol. 1 §13.4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "hv/core/xstate.h"

#define X87_SSE (XFEAT_X87 | XFEAT_SSE)
#define AVX_ON (X87_SSE | XFEAT_AVX)

static void test_bit0_and_offered_bits(void **s)
{
	(void)s;
	assert_true(xcr0_valid(XFEAT_X87, XFEAT_OFFERABLE));
	assert_true(xcr0_valid(X87_SSE, XFEAT_OFFERABLE));
	assert_false(xcr0_valid(0, XFEAT_OFFERABLE));                  /* XCR0[0] = 0 */
	assert_false(xcr0_valid(XFEAT_SSE, XFEAT_OFFERABLE));
	assert_false(xcr0_valid(XFEAT_X87 | (1ull << 8), XFEAT_OFFERABLE)); /* IA32_XSS-only bit */
	assert_false(xcr0_valid(XFEAT_X87 | XFEAT_PKRU, XFEAT_OFFERABLE)); /* not offered */
	assert_false(xcr0_valid(XFEAT_X87 | (1ull << 63), XFEAT_OFFERABLE));
	assert_false(xcr0_valid(AVX_ON, X87_SSE));                     /* CPU without AVX */
	assert_false(xcr0_valid(XFEAT_X87, 0));                        /* no XSAVE at all */
}

static void test_avx_needs_sse(void **s)
{
	(void)s;
	assert_true(xcr0_valid(AVX_ON, XFEAT_OFFERABLE));
	assert_false(xcr0_valid(XFEAT_X87 | XFEAT_AVX, XFEAT_OFFERABLE)); /* XCR0[2:1] = 10b */
}

static void test_avx512_whole_and_with_avx(void **s)
{
	(void)s;
	assert_true(xcr0_valid(AVX_ON | XFEAT_AVX512, XFEAT_OFFERABLE));
	assert_false(xcr0_valid(AVX_ON | XFEAT_OPMASK, XFEAT_OFFERABLE));
	assert_false(xcr0_valid(AVX_ON | XFEAT_OPMASK | XFEAT_ZMM_HI256, XFEAT_OFFERABLE));
	assert_false(xcr0_valid(AVX_ON | XFEAT_HI16_ZMM, XFEAT_OFFERABLE));
	assert_false(xcr0_valid(X87_SSE | XFEAT_AVX512, XFEAT_OFFERABLE)); /* without AVX */
}

static void test_paired_components(void **s)
{
	uint64_t all = ~0ull;

	(void)s;
	assert_true(xcr0_valid(XFEAT_X87 | XFEAT_BNDREGS | XFEAT_BNDCSR, all));
	assert_false(xcr0_valid(XFEAT_X87 | XFEAT_BNDREGS, all));
	assert_false(xcr0_valid(XFEAT_X87 | XFEAT_BNDCSR, all));
	assert_true(xcr0_valid(AVX_ON | XFEAT_TILECFG | XFEAT_TILEDATA, all));
	assert_false(xcr0_valid(AVX_ON | XFEAT_TILECFG, all));
	assert_false(xcr0_valid(AVX_ON | XFEAT_TILEDATA, all));
}

/* The layout of a Skylake-SP class CPU (CPUID.(EAX=0DH,ECX=2..7)). */
static const struct xstate_layout skx = {
	.size = { 0, 0, 256, 64, 64, 64, 512, 1024 },
	.offset = { 0, 0, 576, 960, 1024, 1088, 1152, 1664 },
	.align64 = { false },
};

static void test_sizes(void **s)
{
	struct xstate_layout aligned = skx;

	(void)s;
	assert_int_equal(xstate_size_standard(&skx, XFEAT_X87), 576);
	assert_int_equal(xstate_size_standard(&skx, X87_SSE), 576);
	assert_int_equal(xstate_size_standard(&skx, AVX_ON), 832);
	assert_int_equal(xstate_size_standard(&skx, AVX_ON | XFEAT_AVX512), 2688);
	/* compacted: components back to back, no MPX hole */
	assert_int_equal(xstate_size_compacted(&skx, AVX_ON), 832);
	assert_int_equal(xstate_size_compacted(&skx, AVX_ON | XFEAT_AVX512), 832 + 64 + 512 + 1024);
	/* a component that asks for 64-byte alignment starts on one */
	aligned.size[2] = 200;
	aligned.align64[5] = true;
	assert_int_equal(xstate_size_compacted(&aligned, AVX_ON | XFEAT_AVX512),
			 576 + 200 + 56 + 64 + 512 + 1024);      /* 776 -> 832 */
	assert_int_equal(xstate_size_compacted(&aligned, AVX_ON), 776);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bit0_and_offered_bits),
		cmocka_unit_test(test_avx_needs_sse),
		cmocka_unit_test(test_avx512_whole_and_with_avx),
		cmocka_unit_test(test_paired_components),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
