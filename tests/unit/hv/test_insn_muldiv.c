/* Host tests for the decoder's multiply, divide and string forms, the
 * 16-bit addressing forms, MOVZX/MOVSX, MOVNTI, CMP and TEST (hv/arch/x86/insn.c)
 * against a table of encodings (GNU objdump 2.40's text for each in its
 * comment; -Mi8086 for the 16-bit rows), and insn_muldiv and IMUL2
 * (insn_alu.c) against the host CPU: the same instruction run on a host
 * buffer, a divide error caught as SIGFPE. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "hv/arch/x86/insn.h"

struct row {
	enum insn_mode mode;
	uint8_t b[15], n;
	int rc;
	uint8_t kind, alu, size, dst_size, reg;
	uint8_t flags;               /* R_* */
	uint64_t imm;
};

#define R_REP    0x01
#define R_REPNE  0x02
#define R_IMM    0x04
#define R_HIGH   0x08
#define R_SX     0x10
#define R_WRITE  0x20

#define M16 INSN_MODE16
#define M32 INSN_MODE32
#define M64 INSN_MODE64
#define B(...) { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })
#define MD(mode, bytes, op, sz) { mode, bytes, 0, INSN_MULDIV, op, sz, sz, 0, 0, 0 }
#define IM(mode, bytes, sz, r, fl, i) { mode, bytes, 0, INSN_ALU_REG, ALU_IMUL2, sz, sz, r, fl, i }
#define ST(mode, bytes, k, sz, fl) { mode, bytes, 0, k, 0, sz, sz, 0, fl, 0 }
#define LD(mode, bytes, sz, dsz, r, fl) { mode, bytes, 0, INSN_LOAD, 0, sz, dsz, r, fl, 0 }
#define AL(mode, bytes, k, op, sz, r, fl, i) { mode, bytes, 0, k, op, sz, sz, r, fl, i }
#define BAD(mode, bytes, rc) { mode, bytes, rc, 0, 0, 0, 0, 0, 0, 0 }

static const struct row rows[] = {
	MD(M64, B(0xf6, 0x27), ALU_MUL, 1),                            /* mulb (%rdi) */
	MD(M64, B(0xf6, 0x6f, 0x04), ALU_IMUL, 1),                     /* imulb 0x4(%rdi) */
	MD(M64, B(0x66, 0xf7, 0x33), ALU_DIV, 2),                      /* divw (%rbx) */
	MD(M64, B(0x48, 0xf7, 0x3e), ALU_IDIV, 8),                     /* idivq (%rsi) */
	MD(M64, B(0x41, 0xf7, 0x60, 0x08), ALU_MUL, 4),                /* mull 0x8(%r8) */
	MD(M32, B(0xf7, 0x20), ALU_MUL, 4),                            /* mull (%eax) */
	MD(M32, B(0xf6, 0x78, 0x02), ALU_IDIV, 1),                     /* idivb 0x2(%eax) */
	MD(M32, B(0x66, 0xf7, 0x30), ALU_DIV, 2),                      /* divw (%eax) */
	MD(M16, B(0xf7, 0x27), ALU_MUL, 2),                            /* mulw (%bx) */
	MD(M16, B(0x66, 0xf7, 0x3f), ALU_IDIV, 4),                     /* idivl (%bx) */
	MD(M16, B(0xf6, 0x62, 0x02), ALU_MUL, 1),                      /* mulb 0x2(%bp,%si) */
	IM(M64, B(0x0f, 0xaf, 0x07), 4, 0, 0, 0),                      /* imul (%rdi),%eax */
	IM(M64, B(0x48, 0x0f, 0xaf, 0x47, 0x08), 8, 0, 0, 0),          /* imul 0x8(%rdi),%rax */
	IM(M64, B(0x66, 0x44, 0x0f, 0xaf, 0x0f), 2, 9, 0, 0),          /* imul (%rdi),%r9w */
	IM(M64, B(0x69, 0x07, 0x78, 0x56, 0x34, 0x12), 4, 0, R_IMM, 0x12345678), /* imul $0x12345678,(%rdi),%eax */
	IM(M64, B(0x66, 0x69, 0x07, 0x34, 0x12), 2, 0, R_IMM, 0x1234),  /* imul $0x1234,(%rdi),%ax */
	IM(M64, B(0x48, 0x6b, 0x47, 0x10, 0xf0), 8, 0, R_IMM, 0xfffffffffffffff0ull), /* imul $-16,0x10(%rdi),%rax */
	IM(M64, B(0x6b, 0x07, 0x80), 4, 0, R_IMM, 0xffffff80),          /* imul $0xffffff80,(%rdi),%eax */
	IM(M32, B(0x6b, 0x00, 0xff), 4, 0, R_IMM, 0xffffffff),          /* imul $0xffffffff,(%eax),%eax */
	IM(M32, B(0x0f, 0xaf, 0x08), 4, 1, 0, 0),                       /* imul (%eax),%ecx */
	IM(M16, B(0x69, 0x07, 0x34, 0x12), 2, 0, R_IMM, 0x1234),        /* imul $0x1234,(%bx),%ax */
	ST(M64, B(0xac), INSN_LODS, 1, 0),                              /* lods %ds:(%rsi),%al */
	ST(M64, B(0x48, 0xad), INSN_LODS, 8, 0),                        /* lods %ds:(%rsi),%rax */
	ST(M64, B(0xf3, 0xac), INSN_LODS, 1, R_REP),                    /* rep lods %ds:(%rsi),%al */
	ST(M64, B(0xa6), INSN_CMPS, 1, 0),                              /* cmpsb %es:(%rdi),%ds:(%rsi) */
	ST(M64, B(0xf3, 0xa7), INSN_CMPS, 4, R_REP),                    /* repz cmpsl */
	ST(M64, B(0xf2, 0x48, 0xa7), INSN_CMPS, 8, R_REP | R_REPNE),    /* repnz cmpsq */
	ST(M64, B(0x67, 0xf2, 0xae), INSN_SCAS, 1, R_REP | R_REPNE),    /* repnz scas %es:(%edi),%al */
	ST(M64, B(0xf3, 0xaf), INSN_SCAS, 4, R_REP),                    /* repz scas %es:(%rdi),%eax */
	ST(M64, B(0x65, 0xa6), INSN_CMPS, 1, 0),                        /* cmpsb %es:(%rdi),%gs:(%rsi) */
	ST(M32, B(0xf3, 0xa6), INSN_CMPS, 1, R_REP),                    /* repz cmpsb */
	ST(M32, B(0x66, 0xad), INSN_LODS, 2, 0),                        /* lods %ds:(%esi),%ax */
	ST(M16, B(0xf2, 0xaf), INSN_SCAS, 2, R_REP | R_REPNE),          /* repnz scas %es:(%di),%ax */
	ST(M16, B(0xf3, 0xa6), INSN_CMPS, 1, R_REP),                    /* repz cmpsb %es:(%di),%ds:(%si) */
	ST(M16, B(0x26, 0xac), INSN_LODS, 1, 0),                        /* lods %es:(%si),%al */
	LD(M16, B(0x8b, 0x00), 2, 2, 0, 0),                             /* mov (%bx,%si),%ax */
	LD(M16, B(0x8b, 0x06, 0x34, 0x12), 2, 2, 0, 0),                 /* mov 0x1234,%ax */
	LD(M16, B(0x8b, 0x46, 0x02), 2, 2, 0, 0),                       /* mov 0x2(%bp),%ax */
	LD(M16, B(0x8b, 0x87, 0x34, 0x12), 2, 2, 0, 0),                 /* mov 0x1234(%bx),%ax */
	LD(M16, B(0x0f, 0xb6, 0x07), 1, 2, 0, 0),                       /* movzbw (%bx),%ax */
	LD(M16, B(0x66, 0x0f, 0xbf, 0x04), 2, 4, 0, R_SX),              /* movswl (%si),%eax */
	LD(M16, B(0x67, 0x8b, 0x04, 0x24), 2, 2, 0, 0),                 /* mov (%esp),%ax */
	LD(M32, B(0x67, 0x8b, 0x07), 4, 4, 0, 0),                       /* mov (%bx),%eax */
	LD(M64, B(0x48, 0x0f, 0xbe, 0x07), 1, 8, 0, R_SX),              /* movsbq (%rdi),%rax */
	LD(M64, B(0x66, 0x0f, 0xb6, 0x07), 1, 2, 0, 0),                 /* movzbw (%rdi),%ax */
	LD(M64, B(0x44, 0x0f, 0xb7, 0x0f), 2, 4, 9, 0),                 /* movzwl (%rdi),%r9d */
	AL(M16, B(0x3b, 0x4a, 0xfe), INSN_ALU_REG, ALU_CMP, 2, 1, 0, 0), /* cmp -0x2(%bp,%si),%cx */
	AL(M16, B(0x85, 0x1d), INSN_ALU_MEM, ALU_TEST, 2, 3, 0, 0),     /* test %bx,(%di) */
	AL(M16, B(0x3a, 0x66, 0x00), INSN_ALU_REG, ALU_CMP, 1, 4, R_HIGH, 0), /* cmp 0x0(%bp),%ah */
	AL(M32, B(0x67, 0x89, 0x46, 0xfe), INSN_STORE, 0, 4, 0, R_WRITE, 0), /* mov %eax,-0x2(%bp) */
	AL(M64, B(0x80, 0x3f, 0x05), INSN_ALU_MEM, ALU_CMP, 1, 0, R_IMM, 5), /* cmpb $0x5,(%rdi) */
	AL(M64, B(0x48, 0x39, 0x07), INSN_ALU_MEM, ALU_CMP, 8, 0, 0, 0), /* cmp %rax,(%rdi) */
	AL(M64, B(0x3a, 0x27), INSN_ALU_REG, ALU_CMP, 1, 4, R_HIGH, 0), /* cmp (%rdi),%ah */
	AL(M64, B(0xf6, 0x07, 0x80), INSN_ALU_MEM, ALU_TEST, 1, 0, R_IMM, 0x80), /* testb $0x80,(%rdi) */
	AL(M64, B(0x48, 0x85, 0x07), INSN_ALU_MEM, ALU_TEST, 8, 0, 0, 0), /* test %rax,(%rdi) */
	AL(M64, B(0xf7, 0x4f, 0x04, 1, 0, 0, 0), INSN_ALU_MEM, ALU_TEST, 4, 1, R_IMM, 1), /* testl $0x1,0x4(%rdi) (/1) */
	AL(M64, B(0x48, 0x83, 0x7f, 0x08, 0xff), INSN_ALU_MEM, ALU_CMP, 8, 7, R_IMM, ~0ull), /* cmpq $-1,0x8(%rdi) */
	AL(M64, B(0x0f, 0xc3, 0x07), INSN_STORE, 0, 4, 0, R_WRITE, 0),  /* movnti %eax,(%rdi) */
	AL(M64, B(0x48, 0x0f, 0xc3, 0x47, 0x08), INSN_STORE, 0, 8, 0, R_WRITE, 0), /* movnti %rax,0x8(%rdi) */
	AL(M64, B(0x44, 0x0f, 0xc3, 0x0f), INSN_STORE, 0, 4, 9, R_WRITE, 0), /* movnti %r9d,(%rdi) */
	AL(M32, B(0x0f, 0xc3, 0x08), INSN_STORE, 0, 4, 1, R_WRITE, 0),  /* movnti %ecx,(%eax) */
	BAD(M64, B(0x66, 0x0f, 0xc3, 0x07), INSN_UD),                  /* 66 movnti: (bad) */
	BAD(M64, B(0xf0, 0x0f, 0xc3, 0x07), INSN_UD),                  /* lock movnti */
	BAD(M64, B(0x0f, 0xc3, 0xc7), INSN_UNSUPPORTED),               /* register form: no memory */
	BAD(M64, B(0xf0, 0xf7, 0x37), INSN_UD),                        /* lock divl (%rdi) */
	BAD(M64, B(0xf0, 0x0f, 0xaf, 0x07), INSN_UD),                  /* lock imul (%rdi),%eax */
	BAD(M64, B(0xf0, 0xa6), INSN_UD),                              /* lock cmpsb */
	BAD(M64, B(0xf0, 0xac), INSN_UD),                              /* lock lodsb */
	BAD(M64, B(0xf2, 0xac), INSN_UNSUPPORTED),                     /* repnz lods: undefined */
	BAD(M64, B(0xf7, 0xf7), INSN_UNSUPPORTED),                     /* div %edi: no memory */
	BAD(M64, B(0x69, 0xc0, 1, 0, 0, 0), INSN_UNSUPPORTED),         /* imul $1,%eax,%eax */
	BAD(M64, B(0x69, 0x07, 1, 0, 0), INSN_UNSUPPORTED),            /* imm32 cut short */
	BAD(M64, B(0xa8, 0x01), INSN_UNSUPPORTED),                     /* test $1,%al */
};

static const char *row_mismatch(const struct row *r)
{
	struct insn_mem o;
	int rc = insn_decode_mem(r->b, r->n, r->mode, &o);

	if (rc != r->rc)
		return "rc";
	if (rc)
		return NULL;
	if (o.len != r->n || o.kind != r->kind || o.size != r->size || o.dst_size != r->dst_size)
		return "len, kind, size or dst_size";
	if ((r->kind == INSN_MULDIV || r->kind == INSN_ALU_REG || r->kind == INSN_ALU_MEM) && o.alu != r->alu)
		return "alu";
	if (o.rep != !!(r->flags & R_REP) || o.repne != !!(r->flags & R_REPNE))
		return "rep or repne";
	if (o.has_imm != !!(r->flags & R_IMM) || (o.has_imm && o.imm != r->imm))
		return "imm";
	if (o.high_byte != !!(r->flags & R_HIGH) || o.sign_extend != !!(r->flags & R_SX))
		return "high_byte or sign_extend";
	if (r->kind != INSN_MULDIV && r->kind < INSN_STOS && !(r->flags & R_IMM) && o.reg != r->reg)
		return "reg";
	if (r->kind == INSN_MULDIV && (o.write || !o.read))
		return "read/write";
	if (r->kind == INSN_STORE && !o.write)
		return "write";
	return NULL;
}

static void test_table(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *bad = row_mismatch(&rows[i]);

		if (bad)
			fail_msg("row %zu: %s", i, bad);
	}
}

/* 16-bit addressing (SDM Vol. 2A Table 2-1): every mod 0-2 and rm, with
 * the displacement each takes; mod 0 rm 6 is disp16 alone. */
static void test_addr16_lengths(void **s)
{
	uint8_t b[4] = { 0x8b, 0, 0x11, 0x22 };
	struct insn_mem o;

	(void)s;
	for (unsigned mod = 0; mod < 3; mod++)
		for (unsigned rm = 0; rm < 8; rm++) {
			unsigned disp = mod == 1 ? 1 : mod == 2 || rm == 6 ? 2 : 0;

			if (mod && rm == 6)
				disp = mod;              /* disp8/disp16 off BP */
			b[1] = (uint8_t)(mod << 6 | rm);
			assert_int_equal(insn_decode_mem(b, sizeof(b), INSN_MODE16, &o), 0);
			assert_int_equal(o.len, 2 + disp);
		}
}

/* ---- MUL IMUL DIV IDIV against the host CPU ---- */

static sigjmp_buf de_jump;

static void on_sigfpe(int sig)
{
	(void)sig;
	siglongjmp(de_jump, 1);
}

/* The instruction on (%p) with RAX, RDX and RFLAGS loaded; the stack
 * pointer is moved past the red zone around the pushes. */
#define HOST_MD(name, insn)                                                     \
	static void name(const void *p, uint64_t *rax, uint64_t *rdx, uint64_t *fl) \
	{                                                                       \
		uint64_t a = *rax, d = *rdx, f = *fl;                           \
		__asm__ volatile("lea -128(%%rsp),%%rsp\n\tpush %[f]\n\tpopfq\n\t"  \
				 insn " (%[p])\n\tpushfq\n\tpop %[f]\n\t"      \
				 "lea 128(%%rsp),%%rsp"                        \
				 : "+a"(a), "+d"(d), [f] "+r"(f) : [p] "r"(p) : "cc", "memory"); \
		*rax = a;                                                       \
		*rdx = d;                                                       \
		*fl = f;                                                        \
	}
#define HOST_MD_SIZES(insn)                                                     \
	HOST_MD(host_##insn##1, #insn "b") HOST_MD(host_##insn##2, #insn "w")   \
	HOST_MD(host_##insn##4, #insn "l") HOST_MD(host_##insn##8, #insn "q")
HOST_MD_SIZES(mul) HOST_MD_SIZES(imul) HOST_MD_SIZES(div) HOST_MD_SIZES(idiv)

typedef void (*host_md)(const void *, uint64_t *, uint64_t *, uint64_t *);
#define MD_ROW(insn) { host_##insn##1, host_##insn##2, host_##insn##4, host_##insn##8 }
static const host_md host_ops[4][4] = { MD_ROW(mul), MD_ROW(imul), MD_ROW(div), MD_ROW(idiv) };

static uint64_t rnd64(void)
{
	return ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^ (uint64_t)rand();
}

static uint64_t pick(unsigned i)
{
	static const uint64_t v[] = { 0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffull,
		0x8000000000000000ull, ~0ull, ~1ull, 0xffffffffffffff80ull };

	if (i < sizeof(v) / sizeof(v[0]))
		return v[i];
	return rnd64() >> (rand() % 64);
}

/* The host's result: 0, or INSN_DE when it raised #DE (SIGFPE). */
static int host_run(unsigned op, unsigned z, uint64_t src, uint64_t *rax, uint64_t *rdx, uint64_t *fl)
{
	static volatile uint64_t buf;
	uint64_t a = *rax, d = *rdx, f = *fl;

	buf = src;
	if (sigsetjmp(de_jump, 1))
		return INSN_DE;
	host_ops[op][z]((const void *)&buf, &a, &d, &f);
	*rax = a;
	*rdx = d;
	*fl = f;
	return 0;
}

static void test_muldiv_vs_host(void **s)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	unsigned checked = 0, des = 0;
	struct sigaction sa = { .sa_handler = on_sigfpe }, old;

	(void)s;
	srand(14);
	assert_int_equal(sigaction(SIGFPE, &sa, &old), 0);
	for (unsigned op = 0; op < 4; op++)
		for (unsigned z = 0; z < 4; z++)
			for (unsigned i = 0; i < 30; i++)
				for (unsigned j = 0; j < 30; j++)
					for (unsigned k = 0; k < 4; k++) {
						uint64_t src = pick(i), ha = pick(j), hd = k == 0 ? 0 : k == 1 ? ~0ull : pick(j + k * 7);
						uint64_t hf = 0x202 | (k & 1) | (j & 0x8c4), ea = ha, ed = hd, ef = hf;
						int want = host_run(op, z, src, &ha, &hd, &hf);
						int got = insn_muldiv(ALU_MUL + op, sizes[z], src, &ea, &ed, &ef);
						uint64_t fm = op < 2 ? 0x801 : 0;   /* CF OF; DIV: none */

						assert_int_equal(got, want);
						assert_int_equal(ea, ha);
						assert_int_equal(ed, hd);
						assert_int_equal(ef & fm, hf & fm);
						assert_int_equal(ef & ~(uint64_t)INSN_FLAGS_STATUS, hf & ~(uint64_t)INSN_FLAGS_STATUS);
						des += got == INSN_DE;
						checked++;
					}
	sigaction(SIGFPE, &old, NULL);
	assert_int_equal(checked, 16 * 30 * 30 * 4);
	assert_true(des > 1000 && des < checked / 2);   /* both outcomes exercised */
}

/* The cases the SDM names: divide by 0; a quotient one too wide; the
 * most negative dividend by -1; truncation toward 0 with the remainder
 * taking the dividend's sign. */
static void test_divide_cases(void **s)
{
	uint64_t a, d, f = 2;

	(void)s;
	a = 100, d = 0;
	assert_int_equal(insn_muldiv(ALU_DIV, 4, 0, &a, &d, &f), INSN_DE);
	assert_int_equal(a, 100);
	a = 0x10000, d = 0;                  /* AX / 1 = 0x10000 > 0xff... AX is 0 */
	assert_int_equal(insn_muldiv(ALU_DIV, 1, 1, &a, &d, &f), 0);
	a = 0x1ff, d = 0;
	assert_int_equal(insn_muldiv(ALU_DIV, 1, 1, &a, &d, &f), INSN_DE);
	a = 0, d = 0x8000000000000000ull;
	assert_int_equal(insn_muldiv(ALU_IDIV, 8, ~0ull, &a, &d, &f), INSN_DE);
	a = 0x8000000000000000ull, d = ~0ull;   /* -2^63 / -1 */
	assert_int_equal(insn_muldiv(ALU_IDIV, 8, ~0ull, &a, &d, &f), INSN_DE);
	a = 0x8000000000000000ull, d = ~0ull;   /* -2^63 / 1 fits */
	assert_int_equal(insn_muldiv(ALU_IDIV, 8, 1, &a, &d, &f), 0);
	assert_int_equal(a, 0x8000000000000000ull);
	a = 0xdead0080, d = 7;                   /* AX 128 / -1 = -128: fits */
	assert_int_equal(insn_muldiv(ALU_IDIV, 1, 0xff, &a, &d, &f), 0);
	assert_int_equal(a, 0xdead0080);     /* AL -128, AH 0; rDX kept */
	assert_int_equal(d, 7);
	a = 0xff80;                              /* AX -128 / -1 = 128: does not */
	assert_int_equal(insn_muldiv(ALU_IDIV, 1, 0xff, &a, &d, &f), INSN_DE);
	a = (uint64_t)-7, d = ~0ull;             /* -7 / 2 = -3 rem -1 */
	assert_int_equal(insn_muldiv(ALU_IDIV, 8, 2, &a, &d, &f), 0);
	assert_int_equal(a, (uint64_t)-3);
	assert_int_equal(d, (uint64_t)-1);
	a = 0x1122334455667788ull, d = 0xaabbccdd00000001ull;  /* EDX:EAX = 0x1_55667788 */
	assert_int_equal(insn_muldiv(ALU_DIV, 4, 0x10, &a, &d, &f), 0);
	assert_int_equal(a, 0x15566778);     /* 32-bit results zero-extend */
	assert_int_equal(d, 8);
}

/* IMUL r, r/m (and with imm: the same truncating product) vs the host. */
#define HOST_IMUL2(name, sfx, T)                                                \
	static uint64_t name(uint64_t a, uint64_t b, uint64_t *fl)              \
	{                                                                       \
		static volatile T m;                                            \
		T x = (T)a;                                                     \
		uint64_t f = *fl;                                               \
		m = (T)b;                                                       \
		__asm__ volatile("lea -128(%%rsp),%%rsp\n\tpush %[f]\n\tpopfq\n\t" \
				 "imul" sfx " (%[p]),%[x]\n\tpushfq\n\tpop %[f]\n\t" \
				 "lea 128(%%rsp),%%rsp"                         \
				 : [x] "+r"(x), [f] "+r"(f) : [p] "r"(&m) : "cc", "memory"); \
		*fl = f;                                                        \
		return (uint64_t)x;                                             \
	}
HOST_IMUL2(host_imul2_2, "w", uint16_t)
HOST_IMUL2(host_imul2_4, "l", uint32_t)
HOST_IMUL2(host_imul2_8, "q", uint64_t)

static void test_imul2_vs_host(void **s)
{
	uint64_t (*const host[3])(uint64_t, uint64_t, uint64_t *) = { host_imul2_2, host_imul2_4, host_imul2_8 };
	unsigned checked = 0;

	(void)s;
	srand(15);
	for (unsigned z = 0; z < 3; z++)
		for (unsigned i = 0; i < 40; i++)
			for (unsigned j = 0; j < 40; j++) {
				uint64_t a = pick(i), b = pick(j), hf = 0x202 | (j & 0x8d5), ef = hf;
				uint64_t want = host[z](a, b, &hf);
				uint64_t got = insn_alu(ALU_IMUL2, 2u << z, a, b, &ef);
				uint64_t mask = z == 2 ? ~0ull : (1ull << (16u << z)) - 1;

				assert_int_equal(got, want & mask);
				assert_int_equal(ef & 0x801, hf & 0x801);
				checked++;
			}
	assert_int_equal(checked, 3 * 1600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_addr16_lengths),
		cmocka_unit_test(test_muldiv_vs_host),
		cmocka_unit_test(test_divide_cases),
		cmocka_unit_test(test_imul2_vs_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
