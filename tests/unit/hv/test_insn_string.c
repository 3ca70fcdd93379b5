/* Host tests for hv/arch/x86/insn_string.c: STOS and MOVS, single and
 * REP, INS and OUTS against a fake port, on a fake address space: linear = guest-physical, RAM below
 * 0x20000, a page that does not translate at HOLE (#PF), and a bus with
 * nothing on it above DEV (reads all ones, writes go nowhere), which is
 * what hv's MMIO emulation sees (hv/core/mmio.c). The instructions come
 * from the decoder (insn.c), so the two are tested together. */
#include <errno.h>
#include <stdlib.h>
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
	unsigned faults, dev_reads, dev_writes, translations, raised, vector;
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

static void f_raise(void *ctx, unsigned vector)
{
	struct fake *f = ctx;

	f->raised++;
	f->vector = vector;
}

static const struct insn_string_ops ops = { &mem, f_translate, f_read, f_write, f_raise, NULL, NULL };

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

/* ---- LODS, CMPS, SCAS against the host CPU ----
 * The same instruction runs on the host over the same bytes (the fake's
 * RAM: linear address = offset into it) from the same registers; the
 * registers, the status flags and the memory must come out equal. */

struct regs {
	uint64_t rax, rcx, rsi, rdi, fl;
};

#define HOST_STR(name, insn)                                                    \
	static void name(struct regs *r)                                        \
	{                                                                       \
		uint64_t f = r->fl;                                             \
		__asm__ volatile("lea -128(%%rsp),%%rsp\n\tpush %[f]\n\tpopfq\n\t"  \
				 insn "\n\tpushfq\n\tpop %[f]\n\tcld\n\t"      \
				 "lea 128(%%rsp),%%rsp"                        \
				 : "+a"(r->rax), "+c"(r->rcx), "+S"(r->rsi), "+D"(r->rdi), \
				   [f] "+r"(f) : : "cc", "memory");              \
		r->fl = f;                                                      \
	}
HOST_STR(h_cmpsb, "cmpsb") HOST_STR(h_repe_cmpsb, "repe cmpsb") HOST_STR(h_repne_cmpsb, "repne cmpsb")
HOST_STR(h_repe_cmpsw, "repe cmpsw") HOST_STR(h_repe_cmpsl, "repe cmpsl") HOST_STR(h_repne_cmpsq, "repne cmpsq")
HOST_STR(h_scasb, "scasb") HOST_STR(h_repne_scasb, "repne scasb") HOST_STR(h_repe_scasl, "repe scasl")
HOST_STR(h_repne_scasw, "repne scasw") HOST_STR(h_repe_scasq, "repe scasq")
HOST_STR(h_lodsb, "lodsb") HOST_STR(h_rep_lodsb, "rep lodsb") HOST_STR(h_lodsq, "lodsq")
HOST_STR(h_rep_lodsw, "rep lodsw") HOST_STR(h_rep_movsl, "rep movsl") HOST_STR(h_rep_stosw, "rep stosw")

static const struct {
	uint8_t b[3], n;
	void (*host)(struct regs *);
} host_rows[] = {
	{ { 0xa6 }, 1, h_cmpsb },                    /* cmpsb */
	{ { 0xf3, 0xa6 }, 2, h_repe_cmpsb },         /* repz cmpsb */
	{ { 0xf2, 0xa6 }, 2, h_repne_cmpsb },        /* repnz cmpsb */
	{ { 0x66, 0xf3, 0xa7 }, 3, h_repe_cmpsw },   /* repz cmpsw */
	{ { 0xf3, 0xa7 }, 2, h_repe_cmpsl },         /* repz cmpsl */
	{ { 0xf2, 0x48, 0xa7 }, 3, h_repne_cmpsq },  /* repnz cmpsq */
	{ { 0xae }, 1, h_scasb },                    /* scas %es:(%rdi),%al */
	{ { 0xf2, 0xae }, 2, h_repne_scasb },        /* repnz scas %es:(%rdi),%al */
	{ { 0xf3, 0xaf }, 2, h_repe_scasl },         /* repz scas %es:(%rdi),%eax */
	{ { 0x66, 0xf2, 0xaf }, 3, h_repne_scasw },  /* repnz scas %es:(%rdi),%ax */
	{ { 0xf3, 0x48, 0xaf }, 3, h_repe_scasq },   /* repz scas %es:(%rdi),%rax */
	{ { 0xac }, 1, h_lodsb },                    /* lods %ds:(%rsi),%al */
	{ { 0xf3, 0xac }, 2, h_rep_lodsb },          /* rep lods %ds:(%rsi),%al */
	{ { 0x48, 0xad }, 2, h_lodsq },              /* lods %ds:(%rsi),%rax */
	{ { 0x66, 0xf3, 0xad }, 3, h_rep_lodsw },    /* rep lods %ds:(%rsi),%ax */
	{ { 0xf3, 0xa5 }, 2, h_rep_movsl },          /* rep movsl */
	{ { 0x66, 0xf3, 0xab }, 3, h_rep_stosw },    /* rep stos %ax,%es:(%rdi) */
};

#define SRC 0x1000u
#define DST 0x3000u

/* Two 0x1000-byte areas, equal but for a few bytes; rAX a value that
 * occurs in the destination, or not. */
static void fill(unsigned trial, uint64_t *rax)
{
	for (unsigned i = 0; i < 0x1000; i++)
		mem.ram[SRC + i] = mem.ram[DST + i] = (uint8_t)(rand() % 3);
	for (unsigned k = trial % 4; k; k--)
		mem.ram[DST + rand() % 0x1000] ^= (uint8_t)(1 + rand() % 255);
	*rax = trial & 1 ? 0x0101010101010101ull * (uint64_t)(rand() % 3) : ((uint64_t)rand() << 31) ^ (uint64_t)rand();
}

/* One trial: host and emulator from the same start; max elements per
 * call (the chunks a REP takes in hv). */
static void one_string_trial(unsigned row, unsigned trial, unsigned max)
{
	static uint8_t host_ram[RAM_SIZE];
	struct insn_mem m = decode(INSN_MODE64, host_rows[row].b, host_rows[row].n);
	bool df = trial & 2, done = false;
	uint64_t base = (uint64_t)(uintptr_t)host_ram, rax;
	unsigned off = df ? 0xf00 : 0x10, calls = 0;
	struct insn_string_state st;
	struct regs h;

	fill(trial, &rax);
	memcpy(host_ram, mem.ram, RAM_SIZE);
	st = (struct insn_string_state){ .rax = rax, .rcx = (unsigned)rand() % 40, .rsi = SRC + off,
					 .rdi = DST + off, .rflags = 0x202 | (trial & 0x8d5), .df = df,
					 .wide = true };
	h = (struct regs){ st.rax, st.rcx, base + st.rsi, base + st.rdi, st.rflags | (df ? 0x400 : 0) };
	host_rows[row].host(&h);
	while (!done) {
		assert_int_equal(insn_string_run(&m, &st, &ops, max, &done), 0);
		assert_true(++calls < 100);
	}
	assert_int_equal(st.rax, h.rax);
	assert_int_equal(st.rcx, h.rcx);
	assert_int_equal(st.rsi, h.rsi - base);
	assert_int_equal(st.rdi, h.rdi - base);
	assert_int_equal(st.rflags & 0x8d5, h.fl & 0x8d5);
	assert_memory_equal(mem.ram, host_ram, RAM_SIZE);
}

static void test_strings_vs_host(void **s)
{
	unsigned n = 0;

	(void)s;
	srand(16);
	for (unsigned row = 0; row < sizeof(host_rows) / sizeof(host_rows[0]); row++)
		for (unsigned trial = 0; trial < 64; trial++, n++)
			one_string_trial(row, trial, trial % 5 ? 128 : 3);
	assert_int_equal(n, 17 * 64);
}

/* REPE CMPS stops at the first difference with rCX counted down past
 * it; REPNE SCAS at the first match; both leave ZF telling which. */
static void test_repe_repne_stop(void **s)
{
	struct insn_mem cmps = DEC(INSN_MODE32, 0xf3, 0xa6);         /* repz cmpsb */
	struct insn_mem scas = DEC(INSN_MODE32, 0xf2, 0xae);         /* repnz scasb */
	struct insn_string_state st = { .rcx = 10, .rsi = 0x100, .rdi = 0x200 };

	(void)s;
	memcpy(mem.ram + 0x100, "abcdefghij", 10);
	memcpy(mem.ram + 0x200, "abcdXfghij", 10);
	run_all(&cmps, &st);
	assert_int_equal(st.rcx, 5);
	assert_int_equal(st.rsi, 0x105);
	assert_int_equal(st.rdi, 0x205);
	assert_false(st.rflags & 0x40);
	st = (struct insn_string_state){ .rax = 'X', .rcx = 10, .rdi = 0x200, .rflags = 0x40 };
	run_all(&scas, &st);
	assert_int_equal(st.rcx, 5);
	assert_int_equal(st.rdi, 0x205);
	assert_true(st.rflags & 0x40);
	st = (struct insn_string_state){ .rax = 'Z', .rcx = 10, .rdi = 0x200 };
	run_all(&scas, &st);
	assert_int_equal(st.rcx, 0);
	assert_false(st.rflags & 0x40);
}

/* ---- segment limits and canonical addresses (SDM Vol. 3A §5.3) ---- */

static const struct insn_limit flat = { .limit = 0xffffffffu };

/* 16-bit code: a word at DI 0xffff ends past the 64 KiB limit (the
 * address size's wrap): #GP(0), nothing stored, DI unchanged. */
static void test_limit_16bit_wrap(void **s)
{
	struct insn_mem m = DEC(INSN_MODE16, 0xab);                   /* stosw */
	struct insn_string_state st = { .rax = 0x1234, .rdi = 0xffff, .dst_base = 0x1000,
					.src_limit = { .limit = 0xffff }, .dst_limit = { .limit = 0xffff },
					.limits = true };
	bool done = true;

	(void)s;
	assert_int_equal(insn_string_run(&m, &st, &ops, 128, &done), -EFAULT);
	assert_false(done);
	assert_int_equal(mem.raised, 1);
	assert_int_equal(mem.vector, 13);
	assert_int_equal(st.rdi, 0xffff);
	assert_int_equal(mem.ram[0x1000 + 0xffff], 0);
	assert_int_equal(mem.translations, 0);
	st.rdi = 0xfffe;                                  /* the last whole word: fine */
	assert_int_equal(insn_string_run(&m, &st, &ops, 128, &done), 0);
	assert_int_equal(mem.ram[0x1000 + 0xffff], 0x12);
	assert_int_equal(st.rdi, 0);
}

/* REP STOSL running into ES's limit: the elements below it done, then
 * #GP(0) with ECX and EDI as after them. */
static void test_limit_midway(void **s)
{
	struct insn_mem m = DEC(INSN_MODE32, 0xf3, 0xab);
	struct insn_string_state st = { .rax = 0x11223344, .rcx = 4, .rdi = 0x10f8,
					.src_limit = flat, .dst_limit = { .limit = 0x10ff }, .limits = true };
	bool done = true;

	(void)s;
	assert_int_equal(insn_string_run(&m, &st, &ops, 128, &done), -EFAULT);
	assert_false(done);
	assert_int_equal(mem.vector, 13);
	assert_int_equal(st.rcx, 2);
	assert_int_equal(st.rdi, 0x1100);
	assert_int_equal(mem.ram[0x10ff], 0x11);
	assert_int_equal(mem.ram[0x1100], 0);
}

/* The source through SS (36 prefix): #SS(0) past its limit; an
 * expand-down ES admits only offsets above its limit. */
static void test_limit_ss_and_expand_down(void **s)
{
	struct insn_mem movs = DEC(INSN_MODE32, 0x36, 0xa4);          /* movsb %ss:(%esi),%es:(%edi) */
	struct insn_mem stos = DEC(INSN_MODE32, 0xaa);
	struct insn_string_state st = { .rsi = 0x1000, .rdi = 0x2000,
					.src_limit = { .limit = 0xfff, .stack = true }, .dst_limit = flat,
					.limits = true };
	bool done;

	(void)s;
	assert_int_equal(insn_string_run(&movs, &st, &ops, 128, &done), -EFAULT);
	assert_int_equal(mem.vector, 12);
	st.src_limit = flat;
	st.dst_limit = (struct insn_limit){ .limit = 0x2fff, .expand_down = true, .big = true };
	assert_int_equal(insn_string_run(&stos, &st, &ops, 128, &done), -EFAULT);
	assert_int_equal(mem.vector, 13);
	assert_int_equal(mem.raised, 2);
	st.rdi = 0x3000;
	assert_int_equal(insn_string_run(&stos, &st, &ops, 128, &done), 0);
	st.dst_limit.big = false;                         /* upper bound 0xffff */
	st.rdi = 0xffff;
	assert_int_equal(insn_string_run(&stos, &st, &ops, 128, &done), 0);
	st.rdi = 0x10000;
	assert_int_equal(insn_string_run(&stos, &st, &ops, 128, &done), -EFAULT);
	assert_int_equal(mem.raised, 3);
}

/* 64-bit code: no limits, but an element must be canonical in all its
 * bytes: 48 bits, or 57 with 5-level paging. */
static void test_canonical(void **s)
{
	struct insn_mem m = DEC(INSN_MODE64, 0x48, 0xab);             /* stosq */
	struct insn_string_state st = { .rdi = 0x00007ffffffffffcull, .wide = true,
					.dst_limit = { .limit = 0 }, .limits = true };
	bool done;

	(void)s;
	assert_int_equal(insn_string_run(&m, &st, &ops, 128, &done), -EFAULT);
	assert_int_equal(mem.vector, 13);
	st.la57 = true;
	assert_int_equal(insn_string_run(&m, &st, &ops, 128, &done), 0);
	assert_int_equal(mem.dev_writes, 1);
	st.rdi = 0xfe00000000000000ull;                 /* bit 56 clear, 63:57 set */
	assert_int_equal(insn_string_run(&m, &st, &ops, 128, &done), -EFAULT);
	assert_int_equal(mem.raised, 2);
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

/* ---- INS and OUTS ---- */

/* A port that reads 0x1000, 0x1001, ... (or -EAGAIN while busy: the
 * parent has not answered yet) and logs what is written to it. */
struct fake_port {
	uint16_t port;
	unsigned reads, writes, size;
	uint64_t next, out[64];
	bool busy;
};

static struct fake_port fport;

static int p_in(void *ctx, uint16_t port, unsigned size, uint64_t *val)
{
	(void)ctx;
	if (fport.busy)
		return -EAGAIN;
	fport.port = port;
	fport.size = size;
	fport.reads++;
	*val = fport.next++;
	return 0;
}

static int p_out(void *ctx, uint16_t port, unsigned size, uint64_t val)
{
	(void)ctx;
	if (fport.busy)
		return -EAGAIN;
	fport.port = port;
	fport.size = size;
	assert_true(fport.writes < 64);
	fport.out[fport.writes++] = val;
	return 0;
}

static const struct insn_string_ops pops = { &mem, f_translate, f_read, f_write, f_raise, p_in, p_out };

static int setup_port(void **s)
{
	memset(&fport, 0, sizeof(fport));
	fport.next = 0x1000;
	return setup(s);
}

/* The sizes: 6C byte; 6D/6F 16 or 32 bits by 66 and the code size, never
 * 64 (REX.W ignored); F2 refused; OUTS takes a segment override. */
static void test_port_decode(void **s)
{
	static const struct {
		enum insn_mode mode;
		uint8_t b[4], n, size, kind, addr, seg;
		bool rep;
	} cases[] = {
		{ INSN_MODE32, { 0x6c }, 1, 1, INSN_INS, 4, INSN_DS, false },
		{ INSN_MODE32, { 0x66, 0xf3, 0x6d }, 3, 2, INSN_INS, 4, INSN_DS, true },
		{ INSN_MODE16, { 0xf3, 0x6d }, 2, 2, INSN_INS, 2, INSN_DS, true },
		{ INSN_MODE16, { 0x66, 0x67, 0x6f }, 3, 4, INSN_OUTS, 4, INSN_DS, false },
		{ INSN_MODE64, { 0xf3, 0x48, 0x6f }, 3, 4, INSN_OUTS, 8, INSN_DS, true },
		{ INSN_MODE64, { 0x66, 0x48, 0x6d }, 3, 2, INSN_INS, 8, INSN_DS, false },
		{ INSN_MODE64, { 0x67, 0x64, 0x6e }, 3, 1, INSN_OUTS, 4, INSN_FS, false },
	};
	struct insn_mem m;

	(void)s;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(insn_decode_mem(cases[i].b, cases[i].n, cases[i].mode, &m), 0);
		assert_int_equal(m.len, cases[i].n);
		assert_int_equal(m.size, cases[i].size);
		assert_int_equal(m.kind, cases[i].kind);
		assert_int_equal(m.addr_size, cases[i].addr);
		assert_int_equal(m.seg, cases[i].seg);
		assert_int_equal(m.rep, cases[i].rep);
	}
	assert_int_equal(insn_decode_mem((const uint8_t[]){ 0xf2, 0x6d }, 2, INSN_MODE32, &m),
			 INSN_UNSUPPORTED);
}

/* rep insw with 16-bit addresses in 32-bit code (67): DI and CX step in
 * 16 bits with the upper halves kept, the words land at ES base + DI in
 * the order the port gave them. */
static void test_rep_insw(void **s)
{
	struct insn_mem m = DEC(INSN_MODE32, 0x67, 0xf3, 0x66, 0x6d);
	struct insn_string_state st = { .rcx = 0xabcd0003, .rdi = 0x12340100, .dst_base = 0x2000,
					.port = 0x1f0 };
	unsigned calls = 0;
	bool done = false;

	(void)s;
	while (!done) {
		assert_int_equal(insn_string_run(&m, &st, &pops, 1, &done), 0);
		calls++;
	}
	assert_int_equal(calls, 3);
	assert_int_equal(st.rcx, 0xabcd0000);
	assert_int_equal(st.rdi, 0x12340106);
	assert_int_equal(fport.reads, 3);
	assert_int_equal(fport.port, 0x1f0);
	assert_int_equal(fport.size, 2);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(mem.ram[0x2100 + 2 * i], (0x1000 + i) & 0xff);
		assert_int_equal(mem.ram[0x2101 + 2 * i], 0x10);
	}
}

/* rep outsd with FS's base and DF: the dwords go out from the top down;
 * RSI steps down, RDI is untouched. */
static void test_rep_outsd_backwards(void **s)
{
	struct insn_mem m = DEC(INSN_MODE64, 0xf3, 0x64, 0x6f);
	struct insn_string_state st = { .rcx = 3, .rsi = 0x308, .rdi = 0x55, .src_base = 0x1000,
					.df = true, .wide = true, .port = 0x170 };
	uint32_t v[3] = { 0x11111111, 0x22222222, 0x33333333 };
	bool done = false;

	(void)s;
	memcpy(mem.ram + 0x1300, v, sizeof(v));
	assert_int_equal(insn_string_run(&m, &st, &pops, 128, &done), 0);
	assert_true(done);
	assert_int_equal(st.rcx, 0);
	assert_int_equal(st.rsi, 0x2fc);
	assert_int_equal(st.rdi, 0x55);
	assert_int_equal(fport.writes, 3);
	assert_int_equal(fport.out[0], 0x33333333);
	assert_int_equal(fport.out[1], 0x22222222);
	assert_int_equal(fport.out[2], 0x11111111);
}

/* A port that answers later: the element stops with nothing stepped and
 * runs whole once the answer is there (hv's child: the parent's
 * intercept); OUTS read its memory before. */
static void test_port_answers_later(void **s)
{
	struct insn_mem in = DEC(INSN_MODE64, 0xf3, 0x6c);
	struct insn_mem out = DEC(INSN_MODE64, 0x6e);
	struct insn_string_state st = { .rcx = 2, .rsi = 0x400, .rdi = 0x500, .wide = true };
	bool done = true;

	(void)s;
	mem.ram[0x400] = 0x5a;
	fport.busy = true;
	assert_int_equal(insn_string_run(&in, &st, &pops, 1, &done), -EAGAIN);
	assert_false(done);
	assert_int_equal(st.rcx, 2);
	assert_int_equal(st.rdi, 0x500);
	assert_int_equal(insn_string_run(&out, &st, &pops, 1, &done), -EAGAIN);
	assert_int_equal(st.rsi, 0x400);
	fport.busy = false;
	assert_int_equal(insn_string_run(&in, &st, &pops, 1, &done), 0);
	assert_false(done);
	assert_int_equal(st.rcx, 1);
	assert_int_equal(st.rdi, 0x501);
	assert_int_equal(mem.ram[0x500], 0x00);             /* 0x1000's low byte */
	assert_int_equal(insn_string_run(&out, &st, &pops, 1, &done), 0);
	assert_true(done);
	assert_int_equal(st.rsi, 0x401);
	assert_int_equal(st.rcx, 1);                        /* not a REP */
	assert_int_equal(fport.out[0], 0x5a);
}

/* INS to a page that does not translate: #PF before the port is read
 * (a read moves the device on); OUTS from one: no write. Without port
 * ops the engine refuses them. */
static void test_port_fault(void **s)
{
	struct insn_mem in = DEC(INSN_MODE32, 0xf3, 0x6d);
	struct insn_mem out = DEC(INSN_MODE32, 0x6f);
	struct insn_string_state st = { .rcx = 5, .rdi = HOLE - 4, .rsi = HOLE };
	bool done;

	(void)s;
	assert_int_equal(insn_string_run(&in, &st, &pops, 128, &done), -EFAULT);
	assert_int_equal(fport.reads, 1);
	assert_int_equal(st.rcx, 4);
	assert_int_equal(st.rdi, HOLE);
	assert_int_equal(mem.faults, 1);
	assert_int_equal(insn_string_run(&out, &st, &pops, 1, &done), -EFAULT);
	assert_int_equal(fport.writes, 0);
	assert_int_equal(insn_string_run(&in, &st, &ops, 1, &done), -EINVAL);
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
		cmocka_unit_test_setup(test_strings_vs_host, setup),
		cmocka_unit_test_setup(test_repe_repne_stop, setup),
		cmocka_unit_test_setup(test_limit_16bit_wrap, setup),
		cmocka_unit_test_setup(test_limit_midway, setup),
		cmocka_unit_test_setup(test_limit_ss_and_expand_down, setup),
		cmocka_unit_test_setup(test_canonical, setup),
		cmocka_unit_test_setup(test_port_decode, setup_port),
		cmocka_unit_test_setup(test_rep_insw, setup_port),
		cmocka_unit_test_setup(test_rep_outsd_backwards, setup_port),
		cmocka_unit_test_setup(test_port_answers_later, setup_port),
		cmocka_unit_test_setup(test_port_fault, setup_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
