/* Host tests for hv/arch/x86/insn.c, the memory-operand MOV decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "hv/arch/x86/insn.h"

static struct insn_mem dec(const uint8_t *b, size_t n, enum insn_mode m, int want_rc)
{
	struct insn_mem o;

	assert_int_equal(insn_decode_mem(b, n, m, &o), want_rc);
	return o;
}

#define D32(...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; dec(b_, sizeof(b_), INSN_MODE32, 0); })

static void test_loads_and_stores(void **s)
{
	struct insn_mem o;

	(void)s;
	o = D32(0x8b, 0x00);                          /* mov (%eax),%eax */
	assert_int_equal(o.len, 2);
	assert_int_equal(o.size, 4);
	assert_false(o.write);
	assert_int_equal(o.reg, 0);
	o = D32(0x89, 0x18);                          /* mov %ebx,(%eax) */
	assert_true(o.write);
	assert_int_equal(o.reg, 3);
	assert_int_equal(D32(0x8b, 0x45, 0x08).len, 3);             /* disp8 */
	assert_int_equal(D32(0x8b, 0x04, 0x24).len, 3);             /* SIB */
	assert_int_equal(D32(0x8b, 0x05, 1, 2, 3, 4).len, 6);       /* disp32 */
	assert_int_equal(D32(0x8b, 0x84, 0x24, 1, 2, 3, 4).len, 7); /* SIB + disp32 */
	assert_int_equal(D32(0x8b, 0x04, 0x25, 1, 2, 3, 4).len, 7); /* SIB, no base */
	o = D32(0x66, 0x89, 0x08);                    /* mov %cx,(%eax) */
	assert_int_equal(o.len, 3);
	assert_int_equal(o.size, 2);
	o = D32(0x88, 0x20);                          /* mov %ah,(%eax) */
	assert_true(o.high_byte);
	assert_int_equal(o.size, 1);
	o = D32(0x3e, 0xa1, 1, 2, 3, 4);              /* mov moffs32,%eax (DS:) */
	assert_int_equal(o.len, 6);
	assert_int_equal(o.size, 4);
}

static void test_immediates_and_movzx(void **s)
{
	struct insn_mem o;
	static const uint8_t movq_imm[] = { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff };

	(void)s;
	o = D32(0xc7, 0x00, 0x78, 0x56, 0x34, 0x12);  /* movl $0x12345678,(%eax) */
	assert_int_equal(o.len, 6);
	assert_true(o.write && o.has_imm);
	assert_int_equal(o.imm, 0x12345678);
	o = D32(0xc6, 0x05, 1, 2, 3, 4, 0xab);        /* movb $0xab,disp32 */
	assert_int_equal(o.len, 7);
	assert_int_equal(o.imm, 0xab);
	o = D32(0x0f, 0xb6, 0x00);                    /* movzbl (%eax),%eax */
	assert_int_equal(o.len, 3);
	assert_int_equal(o.size, 1);
	assert_int_equal(o.dst_size, 4);
	o = dec(movq_imm, sizeof(movq_imm), INSN_MODE64, 0);
	assert_int_equal(o.size, 8);
	assert_int_equal(o.imm, 0xffffffffffffffffull);  /* imm32 sign-extended */
}

static void test_modes(void **s)
{
	static const uint8_t mov64[] = { 0x4c, 0x8b, 0x00 };       /* mov (%rax),%r8 */
	static const uint8_t rip[] = { 0x8b, 0x05, 1, 2, 3, 4 };    /* RIP-relative */
	static const uint8_t m16[] = { 0x8b, 0x06, 0x34, 0x12 };    /* mov disp16,%ax */
	static const uint8_t moff64[] = { 0xa1, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct insn_mem o;

	(void)s;
	o = dec(mov64, sizeof(mov64), INSN_MODE64, 0);
	assert_int_equal(o.reg, 8);
	assert_int_equal(o.size, 8);
	assert_int_equal(dec(rip, sizeof(rip), INSN_MODE64, 0).len, 6);
	o = dec(m16, sizeof(m16), INSN_MODE16, 0);
	assert_int_equal(o.len, 4);
	assert_int_equal(o.size, 2);
	assert_int_equal(dec(moff64, sizeof(moff64), INSN_MODE64, 0).len, 9);
}

static void test_refused(void **s)
{
	static const uint8_t reg_form[] = { 0x8b, 0xc0 };       /* mov %eax,%eax */
	static const uint8_t rep_movs[] = { 0xf3, 0xa5 };
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	static const uint8_t cut[] = { 0x8b, 0x05, 1, 2 };      /* disp32 cut short */
	static const uint8_t c7_bad_reg[] = { 0xc7, 0x08, 0, 0, 0, 0 };
	static const uint8_t prefixes[16] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					      0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x8b, 0x00 };

	(void)s;
	dec(reg_form, sizeof(reg_form), INSN_MODE32, -1);
	dec(rep_movs, sizeof(rep_movs), INSN_MODE32, -1);
	dec(ud2, sizeof(ud2), INSN_MODE32, -1);
	dec(cut, sizeof(cut), INSN_MODE32, -1);
	dec(c7_bad_reg, sizeof(c7_bad_reg), INSN_MODE32, -1);
	dec(prefixes, sizeof(prefixes), INSN_MODE32, -1);      /* over 15 bytes */
	dec(reg_form, 0, INSN_MODE32, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_and_stores),
		cmocka_unit_test(test_immediates_and_movzx),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
