/* Host tests for hv/arch/x86/insn_string.c: STOS and MOVS, single and
 * REP, on a fake address space: linear = guest-physical, RAM below
 * 0x20000, a page that does not translate at HOLE (#PF), and a bus with
 * nothing on it above DEV (reads all ones, writes go nowhere), which is
 * what hv's MMIO emulation sees (hv/core/mmio.c). The instructions come
 * from the decoder (insn.c), so the two are tested together. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "hv/arch/x86/insn_string.h"

#define RAM_SIZE 0x20000u
#define HOLE     0x8000u           /* one page that does not translate */
#define DEV      0xfee00000u       /* from here up: nothing answers */

struct fake {
	uint8_t ram[RAM_SIZE];
	uint64_t fault_lin;
	unsigned faults, dev_reads, dev_writes, translations;
};

static struct fake mem;

static int f_translate(void *ctx, uint64_t lin, bool write, uint64_t *gpa)
{
	struct fake *f = ctx;

	(void)write;
	f->translations++;
	if (lin >= HOLE && lin < HOLE + 0x1000) {
		f->fault_lin = lin;
		f->faults++;
		return -EFAULT;
	}
	*gpa = lin;
	return 0;
}

static int f_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct fake *f = ctx;

	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	if (gpa >= DEV) {
		f->dev_reads++;
		*val = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
		return 0;
	}
	assert_true(gpa + size <= RAM_SIZE);
	*val = 0;
	memcpy(val, f->ram + gpa, size);
	return 0;
}

static int f_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct fake *f = ctx;

	if (gpa >= DEV) {
		f->dev_writes++;
		return 0;
	}
	assert_true(gpa + size <= RAM_SIZE);
	memcpy(f->ram + gpa, &val, size);
	return 0;
}

static const struct insn_string_ops ops = { &mem, f_translate, f_read, f_write };

static struct insn_mem decode(enum insn_mode mode, const uint8_t *b, size_t n)
{
	struct insn_mem m;

	assert_int_equal(insn_decode_mem(b, n, mode, &m), 0);
	return m;
}

#define DEC(mode, ...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; decode(mode, b_, sizeof(b_)); })

static int setup(void **s)
{
	(void)s;
	memset(&mem, 0, sizeof(mem));
	return 0;
}

/* Runs m until done, 128 elements a call; the number of calls. */
static unsigned run_all(const struct insn_mem *m, struct insn_string_state *st)
{
	unsigned calls = 0;
	bool done = false;

	while (!done) {
		assert_int_equal(insn_string_run(m, st, &ops, 128, &done), 0);
		calls++;
		assert_true(calls < 1000);
	}
	return calls;
}

/* rep stosl to the device in 32-bit code: 300 elements in chunks of
 * 128, RIP held (not done) until ECX is 0, EDI 1200 on, writes dropped. */
static void test_rep_stos_chunks(void **s)
{
	struct insn_mem m = DEC(INSN_MODE32, 0xf3, 0xab);
	struct insn_string_state st = { .rax = 0x12345678, .rcx = 300, .rdi = DEV + 0x10 };
	bool done = true;

	(void)s;
	assert_int_equal(insn_string_run(&m, &st, &ops, 128, &done), 0);
	assert_false(done);
	assert_int_equal(st.rcx, 172);
	assert_int_equal(st.rdi, DEV + 0x10 + 128 * 4);
	assert_int_equal(run_all(&m, &st), 2);
	assert_int_equal(st.rcx, 0);
	assert_int_equal(st.rdi, DEV + 0x10 + 1200);
	assert_int_equal(mem.dev_writes, 300);
}

/* A count of 0 touches nothing and completes (SDM Vol. 2B "REP"). */
static void test_rep_zero_count(void **s)
{
	struct insn_mem m = DEC(INSN_MODE64, 0xf3, 0x48, 0xa5);
	struct insn_string_state st = { .rcx = 0, .rsi = 0x100, .rdi = DEV };
	bool done = false;

	(void)s;
	assert_int_equal(insn_string_run(&m, &st, &ops, 128, &done), 0);
	assert_true(done);
	assert_int_equal(mem.translations, 0);
	assert_int_equal(st.rsi, 0x100);
	assert_int_equal(st.rdi, DEV);
}

/* RFLAGS.DF: rep stosb into RAM downwards; a single stos leaves rCX. */
static void test_df_backwards(void **s)
{
	struct insn_mem m = DEC(INSN_MODE64, 0xf3, 0xaa);
	struct insn_mem one = DEC(INSN_MODE64, 0xab);
	struct insn_string_state st = { .rax = 0xab, .rcx = 4, .rdi = 0x203, .df = true, .wide = true };

	(void)s;
	run_all(&m, &st);
	assert_int_equal(st.rdi, 0x1ff);
	assert_int_equal(st.rcx, 0);
	assert_int_equal(mem.ram[0x200], 0xab);
	assert_int_equal(mem.ram[0x203], 0xab);
	assert_int_equal(mem.ram[0x1ff], 0);
	st.rcx = 77;
	st.rax = 0x11223344;
	run_all(&one, &st);
	assert_int_equal(st.rcx, 77);
	assert_int_equal(st.rdi, 0x1fb);
	assert_int_equal(mem.ram[0x1ff], 0x44);
}

/* 16-bit addresses: CX and DI count and wrap in 16 bits, the upper bits
 * of ECX and EDI stay; the linear address is ES base + DI. */
static void test_addr16(void **s)
{
	struct insn_mem m = DEC(INSN_MODE16, 0xf3, 0xab);              /* rep stosw */
	struct insn_string_state st = { .rax = 0xbeef, .rcx = 0xdead0003, .rdi = 0x7777fffe,
					.dst_base = 0x1000 };

	(void)s;
	run_all(&m, &st);
	assert_int_equal(st.rcx, 0xdead0000);
	assert_int_equal(st.rdi, 0x77770004);
	assert_int_equal(mem.ram[0x1000 + 0xfffe], 0xef);
	assert_int_equal(mem.ram[0x1000 + 0x0000], 0xef);   /* wrapped */
	assert_int_equal(mem.ram[0x1000 + 0x0002], 0xef);
}

/* 67 in 64-bit code: ECX and EDI count and write as 32-bit registers
 * (upper halves cleared); without it all of RCX counts. */
static void test_addr32_in_64(void **s)
{
	struct insn_mem m = DEC(INSN_MODE64, 0x67, 0xf3, 0xaa);
	struct insn_mem m64 = DEC(INSN_MODE64, 0xf3, 0xaa);
	struct insn_string_state st = { .rcx = 0xffffffff00000002ull, .rdi = 0x5500000100ull,
					.wide = true };
	bool done;

	(void)s;
	run_all(&m, &st);
	assert_int_equal(st.rcx, 0);
	assert_int_equal(st.rdi, 0x102);
	st.rcx = 0x100000000ull;                         /* ECX is 0, RCX is not */
	st.rdi = DEV;
	assert_int_equal(insn_string_run(&m64, &st, &ops, 3, &done), 0);
	assert_false(done);
	assert_int_equal(st.rcx, 0xfffffffdull);
}

/* rep movsl from the device into RAM fills it with ones; from RAM to the
 * device reads RAM and drops the writes; %fs: overrides the source. */
static void test_rep_movs_both_ways(void **s)
{
	struct insn_mem m = DEC(INSN_MODE32, 0xf3, 0xa5);
	struct insn_mem fs = DEC(INSN_MODE32, 0x64, 0xf3, 0xa5);
	struct insn_string_state st = { .rcx = 5, .rsi = DEV, .rdi = 0x300 };

	(void)s;
	run_all(&m, &st);
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(mem.ram[0x300 + i], 0xff);
	assert_int_equal(mem.ram[0x314], 0);
	assert_int_equal(st.rsi, DEV + 20);
	assert_int_equal(mem.dev_reads, 5);
	st = (struct insn_string_state){ .rcx = 3, .rsi = 0x300, .rdi = 0x10, .dst_base = DEV,
					 .src_base = 0 };
	run_all(&m, &st);
	assert_int_equal(mem.dev_writes, 3);
	st = (struct insn_string_state){ .rcx = 1, .rsi = 0x10, .rdi = 0x400, .src_base = DEV };
	run_all(&fs, &st);
	assert_int_equal(mem.ram[0x400], 0xff);
}

/* A destination that stops translating part-way: the #PF for its
 * address, and the registers as after the last element done, so the
 * guest's handler can map the page and IRET into the instruction. */
static void test_fault_midway(void **s)
{
	struct insn_mem m = DEC(INSN_MODE32, 0xf3, 0xa5);
	struct insn_string_state st = { .rcx = 10, .rsi = DEV, .rdi = HOLE - 12 };
	bool done = true;

	(void)s;
	assert_int_equal(insn_string_run(&m, &st, &ops, 128, &done), -EFAULT);
	assert_false(done);
	assert_int_equal(mem.fault_lin, HOLE);
	assert_int_equal(st.rcx, 7);
	assert_int_equal(st.rsi, DEV + 12);
	assert_int_equal(st.rdi, HOLE);
	assert_int_equal(mem.ram[HOLE - 1], 0xff);
}

/* MOVS translates its source before its destination: with both in the
 * hole, CR2 is the source's. A single MOVS that faults moves nothing. */
static void test_fault_order(void **s)
{
	struct insn_mem m = DEC(INSN_MODE32, 0xa5);
	struct insn_string_state st = { .rsi = HOLE + 8, .rdi = HOLE + 0x10 };
	bool done = true;

	(void)s;
	assert_int_equal(insn_string_run(&m, &st, &ops, 128, &done), -EFAULT);
	assert_false(done);
	assert_int_equal(mem.fault_lin, HOLE + 8);
	assert_int_equal(st.rsi, HOLE + 8);
	assert_int_equal(st.rdi, HOLE + 0x10);
}

/* Outside 64-bit code the linear address wraps at 4 GiB. */
static void test_wrap_4g(void **s)
{
	struct insn_mem m = DEC(INSN_MODE32, 0xaa);
	struct insn_string_state st = { .rax = 0x5a, .rdi = 0x20, .dst_base = 0xfffff000u + 0x1000 };

	(void)s;
	run_all(&m, &st);
	assert_int_equal(mem.ram[0x20], 0x5a);
}

static void test_not_a_string(void **s)
{
	struct insn_mem m = DEC(INSN_MODE32, 0x8b, 0x00);
	struct insn_string_state st = { 0 };
	bool done = true;

	(void)s;
	assert_int_equal(insn_string_run(&m, &st, &ops, 128, &done), -EINVAL);
	assert_false(done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rep_stos_chunks, setup),
		cmocka_unit_test_setup(test_rep_zero_count, setup),
		cmocka_unit_test_setup(test_df_backwards, setup),
		cmocka_unit_test_setup(test_addr16, setup),
		cmocka_unit_test_setup(test_addr32_in_64, setup),
		cmocka_unit_test_setup(test_rep_movs_both_ways, setup),
		cmocka_unit_test_setup(test_fault_midway, setup),
		cmocka_unit_test_setup(test_fault_order, setup),
		cmocka_unit_test_setup(test_wrap_4g, setup),
		cmocka_unit_test_setup(test_not_a_string, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
