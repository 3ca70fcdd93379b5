/* Host tests for hv/arch/x86/insn_len.c, the length decoder SVM uses
 * without NRIPS. Expected lengths are what the CPU's nRIP would give
 * (the prefixed cases cross-checked against objdump -D -b binary
 * -m i386:x86-64 of the same bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/arch/x86/insn_len.h"

#define LEN(m, op, ...) insn_len_of((const uint8_t[]){ __VA_ARGS__ }, \
	sizeof((const uint8_t[]){ __VA_ARGS__ }), m, op)

static void test_bare(void **st)
{
	(void)st;
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_CPUID, 0x0f, 0xa2), 2);
	assert_int_equal(LEN(INSN_MODE32, INSN_OP_RDMSR, 0x0f, 0x32), 2);
	assert_int_equal(LEN(INSN_MODE16, INSN_OP_WRMSR, 0x0f, 0x30), 2);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_HLT, 0xf4), 1);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_VMMCALL, 0x0f, 0x01, 0xd9), 3);
	assert_int_equal(LEN(INSN_MODE32, INSN_OP_XSETBV, 0x0f, 0x01, 0xd1), 3);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_PAUSE, 0xf3, 0x90), 2);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_INVD, 0x0f, 0x08), 2);
	for (int op = 0; op < INSN_OP_COUNT; op++)
		assert_true(insn_len_bare(op) >= 1 && insn_len_bare(op) <= 3);
	assert_int_equal(insn_len_bare(INSN_OP_PAUSE), 2);
}

/* Trailing bytes belong to the next instruction and do not count. */
static void test_trailing(void **st)
{
	(void)st;
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_CPUID, 0x0f, 0xa2, 0x0f, 0xa2, 0x90), 2);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_HLT, 0xf4, 0xeb, 0xfd), 1);
}

static void test_prefixes(void **st)
{
	(void)st;
	/* REX.W wrmsr, as some assemblers emit; 48 0F 30. */
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_WRMSR, 0x48, 0x0f, 0x30), 3);
	/* In 32-bit mode 0x48 is DEC EAX, not a prefix. */
	assert_int_equal(LEN(INSN_MODE32, INSN_OP_WRMSR, 0x48, 0x0f, 0x30), -1);
	/* Operand size, segment override, REX: 66 2E 41 0F A2. */
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_CPUID, 0x66, 0x2e, 0x41, 0x0f, 0xa2), 5);
	/* A REX before a legacy prefix is ignored but still a byte. */
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_CPUID, 0x41, 0x66, 0x0f, 0xa2), 4);
	/* PAUSE with extra prefixes; 66 F3 90. */
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_PAUSE, 0x66, 0xf3, 0x90), 3);
	/* 14 prefixes and a 1-byte opcode: 15 bytes, the limit. */
	assert_int_equal(LEN(INSN_MODE32, INSN_OP_HLT, 0x66, 0x66, 0x66, 0x66,
			     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			     0x66, 0x66, 0xf4), 15);
	/* 15 prefixes: longer than any instruction may be (#GP on a CPU). */
	assert_int_equal(LEN(INSN_MODE32, INSN_OP_HLT, 0x66, 0x66, 0x66, 0x66,
			     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			     0x66, 0x66, 0x66, 0xf4), -1);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_VMMCALL, 0x3e, 0x0f, 0x01, 0xd9), 4);
}

static void test_mismatch(void **st)
{
	(void)st;
	/* Not the instruction the exit named. */
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_CPUID, 0x0f, 0x32), -1);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_VMMCALL, 0x0f, 0x01, 0xc1), -1);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_XSETBV, 0x0f, 0x01, 0xd9), -1);
	/* 90 without F3 is NOP (or, with REX.B, XCHG r8, rAX). */
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_PAUSE, 0x90), -1);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_PAUSE, 0x41, 0x90), -1);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_PAUSE, 0xf3, 0x41, 0x90), 3);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_PAUSE, 0xf3, 0x48, 0x90), 3);
	/* Cut short. */
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_VMMCALL, 0x0f, 0x01), -1);
	assert_int_equal(LEN(INSN_MODE64, INSN_OP_CPUID, 0x66), -1);
	assert_int_equal(insn_len_of(NULL, 0, INSN_MODE64, INSN_OP_HLT), -1);
	assert_int_equal(insn_len_of((const uint8_t[]){ 0xf4 }, 1, INSN_MODE64,
				     INSN_OP_COUNT), -1);
	assert_int_equal(insn_len_bare(INSN_OP_COUNT), 0);
}

#define MOVDR(m, o, ...) insn_mov_dr_decode((const uint8_t[]){ __VA_ARGS__ }, \
	sizeof((const uint8_t[]){ __VA_ARGS__ }), m, o)

/* MOV DR: the bytes cross-checked with objdump -D -b binary -m i386 (and
 * i386:x86-64) of the same. */
static void test_mov_dr(void **st)
{
	struct insn_mov_dr o;

	(void)st;
	/* 0f 23 f8: mov %eax, %db7. */
	assert_int_equal(MOVDR(INSN_MODE32, &o, 0x0f, 0x23, 0xf8), 3);
	assert_true(o.write && o.dr == 7 && o.gpr == 0 && o.len == 3);
	/* 0f 23 fb: mov %ebx, %db7; 0f 21 c1: mov %db0, %ecx. */
	assert_int_equal(MOVDR(INSN_MODE32, &o, 0x0f, 0x23, 0xfb), 3);
	assert_true(o.write && o.dr == 7 && o.gpr == 3);
	assert_int_equal(MOVDR(INSN_MODE32, &o, 0x0f, 0x21, 0xc1), 3);
	assert_true(!o.write && o.dr == 0 && o.gpr == 1);
	/* 41 0f 23 f9: mov %r9, %db7; 44 0f 23 c0: mov %rax, %db8 (#UD). */
	assert_int_equal(MOVDR(INSN_MODE64, &o, 0x41, 0x0f, 0x23, 0xf9), 4);
	assert_true(o.write && o.dr == 7 && o.gpr == 9);
	assert_int_equal(MOVDR(INSN_MODE64, &o, 0x44, 0x0f, 0x23, 0xc0), 4);
	assert_int_equal(o.dr, 8);
	/* mod is ignored: 0f 23 38 is still mov %eax, %db7. */
	assert_int_equal(MOVDR(INSN_MODE32, &o, 0x0f, 0x23, 0x38), 3);
	assert_true(o.dr == 7 && o.gpr == 0);
	/* 66 0f 23 e8: mov %eax, %db5; 48 is DEC EAX in 32-bit code. */
	assert_int_equal(MOVDR(INSN_MODE64, &o, 0x66, 0x0f, 0x23, 0xe8), 4);
	assert_int_equal(o.dr, 5);
	assert_int_equal(MOVDR(INSN_MODE32, &o, 0x48, 0x0f, 0x23, 0xf8), -1);
	/* Not MOV DR, or cut short. */
	assert_int_equal(MOVDR(INSN_MODE32, &o, 0x0f, 0x22, 0xd8), -1);
	assert_int_equal(MOVDR(INSN_MODE32, &o, 0x0f, 0x23), -1);
	assert_int_equal(insn_mov_dr_decode(NULL, 0, INSN_MODE64, &o), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bare),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_mov_dr),
	};

	return cmocka_run_group_tests_name("insn_len", tests, NULL, NULL);
}
