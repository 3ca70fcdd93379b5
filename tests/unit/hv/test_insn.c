/* Host tests for hv/arch/x86/insn.c: the memory-operand decoder against
 * a table of encodings (checked with objdump when written), and the ALU
 * against the host CPU itself (the flags oracle). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	static const uint8_t cut[] = { 0x8b, 0x05, 1, 2 };      /* disp32 cut short */
	static const uint8_t c7_bad_reg[] = { 0xc7, 0x08, 0, 0, 0, 0 };
	static const uint8_t prefixes[16] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					      0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x8b, 0x00 };

	(void)s;
	dec(reg_form, sizeof(reg_form), INSN_MODE32, -1);
	dec(ud2, sizeof(ud2), INSN_MODE32, -1);
	dec(cut, sizeof(cut), INSN_MODE32, -1);
	dec(c7_bad_reg, sizeof(c7_bad_reg), INSN_MODE32, -1);
	dec(prefixes, sizeof(prefixes), INSN_MODE32, -1);      /* over 15 bytes */
	dec(reg_form, 0, INSN_MODE32, -1);
}


#define D64(...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; dec(b_, sizeof(b_), INSN_MODE64, 0); })
#define D16(...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; dec(b_, sizeof(b_), INSN_MODE16, 0); })
#define RC(mode, rc, ...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; dec(b_, sizeof(b_), mode, rc); })

/* What Linux's readl/writel and friends compile to (arch/x86/include/asm/io.h
 * build_mmio_read/write: "mov" with an "m" operand), and the IOAPIC/HPET
 * register accesses through them. */
static void test_linux_accessors(void **s)
{
	struct insn_mem o;

	(void)s;
	o = D64(0x8b, 0x00);                          /* readl: mov (%rax),%eax */
	assert_int_equal(o.kind, INSN_LOAD);
	assert_int_equal(o.size, 4);
	o = D64(0x89, 0x10);                          /* writel: mov %edx,(%rax) */
	assert_int_equal(o.kind, INSN_STORE);
	assert_int_equal(o.reg, 2);
	o = D64(0x48, 0x8b, 0x87, 0xf0, 0, 0, 0);     /* readq: mov 0xf0(%rdi),%rax */
	assert_int_equal(o.size, 8);
	assert_int_equal(o.len, 7);
	o = D64(0x44, 0x89, 0x4c, 0x24, 0x10);        /* mov %r9d,0x10(%rsp) */
	assert_int_equal(o.reg, 9);
	assert_int_equal(o.len, 5);
	o = D64(0x0f, 0xb7, 0x47, 0x02);              /* readw: movzwl 2(%rdi),%eax */
	assert_int_equal(o.size, 2);
	assert_int_equal(o.dst_size, 4);
	assert_false(o.sign_extend);
	o = D64(0x66, 0x89, 0x37);                    /* writew: mov %si,(%rdi) */
	assert_int_equal(o.size, 2);
	o = D64(0x40, 0x88, 0x37);                    /* writeb: mov %sil,(%rdi) */
	assert_int_equal(o.size, 1);
	assert_false(o.high_byte);                    /* REX: SIL, not DH */
	assert_int_equal(o.reg, 6);
	o = D64(0x8b, 0x05, 0x10, 0, 0, 0);           /* mov 0x10(%rip),%eax */
	assert_int_equal(o.len, 6);
	o = D64(0xc7, 0x80, 0xb0, 0, 0, 0, 0, 0, 0, 0);  /* movl $0,0xb0(%rax): APIC EOI */
	assert_int_equal(o.len, 10);
	assert_true(o.has_imm);
	assert_int_equal(o.imm, 0);
}

static void test_alu_forms(void **s)
{
	struct insn_mem o;

	(void)s;
	o = D32(0x01, 0x18);                          /* add %ebx,(%eax) */
	assert_int_equal(o.kind, INSN_ALU_MEM);
	assert_int_equal(o.alu, ALU_ADD);
	assert_true(o.read && o.write);
	o = D32(0x2b, 0x08);                          /* sub (%eax),%ecx */
	assert_int_equal(o.kind, INSN_ALU_REG);
	assert_int_equal(o.alu, ALU_SUB);
	assert_int_equal(o.reg, 1);
	assert_false(o.write);
	o = D32(0x39, 0x08);                          /* cmp %ecx,(%eax) */
	assert_int_equal(o.alu, ALU_CMP);
	assert_false(o.write);
	o = D32(0x20, 0x20);                          /* and %ah,(%eax) */
	assert_int_equal(o.size, 1);
	assert_true(o.high_byte);
	o = D32(0x83, 0x48, 0x04, 0xf0);              /* orl $-16,4(%eax) */
	assert_int_equal(o.alu, ALU_OR);
	assert_int_equal(o.imm, 0xfffffff0);
	assert_int_equal(o.len, 4);
	o = D32(0x81, 0x30, 0x78, 0x56, 0x34, 0x12);  /* xorl $0x12345678,(%eax) */
	assert_int_equal(o.alu, ALU_XOR);
	assert_int_equal(o.imm, 0x12345678);
	o = D32(0x66, 0x81, 0x38, 0x34, 0x12);        /* cmpw $0x1234,(%eax) */
	assert_int_equal(o.size, 2);
	assert_int_equal(o.len, 5);
	o = D64(0x48, 0x81, 0x20, 0x00, 0xff, 0xff, 0xff);  /* andq $-256,(%rax) */
	assert_int_equal(o.imm, 0xffffffffffffff00ull);
	o = D32(0x80, 0x08, 0x80);                    /* orb $0x80,(%eax) */
	assert_int_equal(o.imm, 0x80);
	o = D32(0x85, 0x03);                          /* test %eax,(%ebx) */
	assert_int_equal(o.alu, ALU_TEST);
	assert_false(o.write);
	o = D32(0xf7, 0x00, 1, 0, 0, 0);              /* testl $1,(%eax) */
	assert_int_equal(o.alu, ALU_TEST);
	assert_int_equal(o.len, 6);
	o = D32(0xf6, 0x40, 0x10, 0x02);              /* testb $2,0x10(%eax) */
	assert_int_equal(o.len, 4);
	o = D32(0x87, 0x18);                          /* xchg %ebx,(%eax) */
	assert_int_equal(o.kind, INSN_XCHG);
	o = D32(0xf0, 0x09, 0x18);                    /* lock or %ebx,(%eax) */
	assert_true(o.lock);
	o = D32(0x0f, 0xbe, 0x00);                    /* movsbl (%eax),%eax */
	assert_true(o.sign_extend);
	assert_int_equal(o.size, 1);
	o = D64(0x48, 0x63, 0x07);                    /* movslq (%rdi),%rax */
	assert_true(o.sign_extend);
	assert_int_equal(o.size, 4);
	assert_int_equal(o.dst_size, 8);
}

static void test_strings_and_prefixes(void **s)
{
	struct insn_mem o;

	(void)s;
	o = D32(0xab);                                /* stos %eax,%es:(%edi) */
	assert_int_equal(o.kind, INSN_STOS);
	assert_int_equal(o.size, 4);
	assert_int_equal(o.addr_size, 4);
	o = D64(0x48, 0xa5);                          /* movsq */
	assert_int_equal(o.kind, INSN_MOVS);
	assert_int_equal(o.size, 8);
	assert_int_equal(o.addr_size, 8);
	o = D64(0x67, 0x64, 0xa4);                    /* movsb %fs:(%esi),%es:(%edi) */
	assert_int_equal(o.seg, INSN_FS);
	assert_int_equal(o.addr_size, 4);
	o = D16(0xaa);
	assert_int_equal(o.addr_size, 2);
	o = D16(0x66, 0x67, 0x8b, 0x00);              /* mov (%eax),%eax in 16-bit code */
	assert_int_equal(o.size, 4);
	assert_int_equal(o.len, 4);
	o = D16(0x8b, 0x47, 0x02);                    /* mov 2(%bx),%ax */
	assert_int_equal(o.len, 3);
	o = D64(0x65, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0);   /* mov %gs:0,%rax */
	assert_int_equal(o.seg, INSN_GS);
	assert_int_equal(o.len, 9);
	RC(INSN_MODE32, INSN_UNSUPPORTED, 0xf2, 0xa4);          /* repne movsb */
	RC(INSN_MODE32, INSN_UNSUPPORTED, 0xf3, 0x0f, 0xb8, 0x00); /* popcnt */
	RC(INSN_MODE32, INSN_UD, 0xf0, 0x89, 0x18);             /* lock mov */
	RC(INSN_MODE32, INSN_UD, 0xf0, 0x39, 0x18);             /* lock cmp */
	RC(INSN_MODE32, INSN_UD, 0xf0, 0xab);                   /* lock stos */
	RC(INSN_MODE64, INSN_UD, 0x82, 0x00, 0x01);             /* 82 in 64-bit code */
	RC(INSN_MODE32, INSN_UNSUPPORTED, 0x63, 0x00);          /* arpl */
	RC(INSN_MODE32, INSN_UNSUPPORTED, 0x0f, 0xc1, 0x00);    /* xadd: not emulated */
	RC(INSN_MODE32, INSN_UNSUPPORTED, 0x05, 1, 0, 0, 0);    /* add $1,%eax: no memory */
	RC(INSN_MODE32, INSN_UNSUPPORTED, 0x01, 0xc0);          /* add %eax,%eax */
	RC(INSN_MODE32, INSN_UNSUPPORTED, 0x81, 0x00, 1, 2);    /* cut imm32 */
}

/* ---- a table of encodings: bit tests, NOT/NEG, REP strings ----
 * The bytes are GNU as 2.40's for the text in each comment (objdump
 * -d, -Mi8086 for the 16-bit rows). */

struct row {
	enum insn_mode mode;
	uint8_t b[15], n;
	int rc;
	uint8_t len, kind, alu, size, addr_size, reg, seg;
	bool write, lock, rep, has_imm;
	uint64_t imm;
};

#define M16 INSN_MODE16
#define M32 INSN_MODE32
#define M64 INSN_MODE64
#define B(...) { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })
#define BTR(mode, bytes, op, sz, r, w) \
	{ mode, bytes, 0, 0, INSN_ALU_MEM, op, sz, 0, r, INSN_DS, w, false, false, false, 0 }
#define BTI(mode, bytes, op, sz, w, i) \
	{ mode, bytes, 0, 0, INSN_ALU_MEM, op, sz, 0, 0, INSN_DS, w, false, false, true, i }
#define STR(mode, bytes, k, sz, asz, sg, rp) \
	{ mode, bytes, 0, 0, k, 0, sz, asz, 0, sg, true, false, rp, false, 0 }
#define BAD(mode, bytes, rc) { mode, bytes, rc, 0, 0, 0, 0, 0, 0, 0, false, false, false, false, 0 }

static const struct row rows[] = {
	BTR(M64, B(0x0f, 0xa3, 0x07), ALU_BT, 4, 0, false),                 /* bt %eax,(%rdi) */
	BTR(M64, B(0x48, 0x0f, 0xab, 0x0f), ALU_BTS, 8, 1, true),           /* bts %rcx,(%rdi) */
	BTR(M64, B(0x66, 0x44, 0x0f, 0xb3, 0x48, 0x10), ALU_BTR, 2, 9, true), /* btr %r9w,0x10(%rax) */
	BTR(M64, B(0x0f, 0xbb, 0x15, 0, 1, 0, 0), ALU_BTC, 4, 2, true),     /* btc %edx,0x100(%rip) */
	BTR(M32, B(0x0f, 0xa3, 0x03), ALU_BT, 4, 0, false),                 /* bt %eax,(%ebx) */
	BTR(M32, B(0x64, 0x0f, 0xb3, 0x08), ALU_BTR, 4, 1, true),           /* btr %ecx,%fs:(%eax) */
	BTR(M16, B(0x0f, 0xa3, 0x07), ALU_BT, 2, 0, false),                 /* bt %ax,(%bx) */
	BTR(M16, B(0x66, 0x0f, 0xab, 0x07), ALU_BTS, 4, 0, true),           /* bts %eax,(%bx) */
	BTI(M64, B(0x0f, 0xba, 0x27, 0x05), ALU_BT, 4, false, 5),           /* btl $5,(%rdi) */
	BTI(M64, B(0x66, 0x0f, 0xba, 0x3b, 0x11), ALU_BTC, 2, true, 1),     /* btcw $17,(%rbx): mod 16 */
	BTI(M64, B(0xf0, 0x48, 0x0f, 0xba, 0x37, 0x3f), ALU_BTR, 8, true, 63), /* lock btrq $63,(%rdi) */
	BTI(M32, B(0x0f, 0xba, 0x28, 0x03), ALU_BTS, 4, true, 3),           /* btsl $3,(%eax) */
	BTI(M32, B(0xf0, 0x0f, 0xba, 0x38, 0x01), ALU_BTC, 4, true, 1),     /* lock btcl $1,(%eax) */
	BTI(M16, B(0x0f, 0xba, 0x66, 0x02, 0x0f), ALU_BT, 2, false, 15),    /* btw $15,2(%bp) */
	BTR(M16, B(0xf0, 0x0f, 0xab, 0x0d), ALU_BTS, 2, 1, true),           /* lock bts %cx,(%di) */
	BTR(M64, B(0x0f, 0xb3, 0x38), ALU_BTR, 4, 7, true),                 /* btr %edi,(%rax) */
	BTR(M64, B(0x48, 0xf7, 0x58, 0x08), ALU_NEG, 8, 3, true),           /* negq 8(%rax) */
	BTR(M64, B(0xf7, 0x17), ALU_NOT, 4, 2, true),                       /* notl (%rdi) */
	BTR(M64, B(0xf0, 0xf6, 0x17), ALU_NOT, 1, 2, true),                 /* lock notb (%rdi) */
	BTR(M64, B(0x66, 0xf0, 0x41, 0xf7, 0x18), ALU_NEG, 2, 3, true),     /* lock negw (%r8) */
	BTR(M32, B(0xf7, 0x10), ALU_NOT, 4, 2, true),                       /* notl (%eax) */
	BTR(M32, B(0xf6, 0x59, 0x04), ALU_NEG, 1, 3, true),                 /* negb 4(%ecx) */
	BTR(M16, B(0xf7, 0x1c), ALU_NEG, 2, 3, true),                       /* negw (%si) */
	STR(M64, B(0xf3, 0x48, 0xab), INSN_STOS, 8, 8, INSN_DS, true),      /* rep stos %rax */
	STR(M64, B(0xf3, 0xaa), INSN_STOS, 1, 8, INSN_DS, true),            /* rep stos %al */
	STR(M64, B(0xf3, 0xa5), INSN_MOVS, 4, 8, INSN_DS, true),            /* rep movsl */
	STR(M64, B(0x67, 0xf3, 0xa5), INSN_MOVS, 4, 4, INSN_DS, true),      /* rep movsl (%esi),(%edi) */
	STR(M64, B(0x65, 0xf3, 0xa4), INSN_MOVS, 1, 8, INSN_GS, true),      /* rep movsb %gs:(%rsi) */
	STR(M32, B(0xf3, 0xab), INSN_STOS, 4, 4, INSN_DS, true),            /* rep stos %eax */
	STR(M32, B(0x67, 0xf3, 0xab), INSN_STOS, 4, 2, INSN_DS, true),      /* rep stos %eax,(%di) */
	STR(M16, B(0xf3, 0xab), INSN_STOS, 2, 2, INSN_DS, true),            /* rep stos %ax,(%di) */
	STR(M16, B(0x67, 0x66, 0xf3, 0xa5), INSN_MOVS, 4, 4, INSN_DS, true), /* rep movsl (%esi),(%edi) */
	STR(M16, B(0xa5), INSN_MOVS, 2, 2, INSN_DS, false),                 /* movsw */
	BAD(M64, B(0xf0, 0x0f, 0xa3, 0x07), INSN_UD),                       /* lock bt: #UD */
	BAD(M64, B(0xf0, 0x0f, 0xba, 0x27, 0x05), INSN_UD),                 /* lock bt imm: #UD */
	BAD(M64, B(0x0f, 0xba, 0x07, 0x05), INSN_UD),                       /* 0f ba /0: reserved */
	BAD(M32, B(0x0f, 0xba, 0x18, 0x05), INSN_UD),                       /* 0f ba /3: reserved */
	BAD(M64, B(0xf0, 0xf3, 0xab), INSN_UD),                             /* lock rep stos */
	BAD(M64, B(0xf2, 0xab), INSN_UNSUPPORTED),                          /* repne stos: reserved */
	BAD(M64, B(0xf3, 0x0f, 0xbc, 0x07), INSN_UNSUPPORTED),              /* tzcnt (%rdi),%eax */
	BAD(M64, B(0xf3, 0x0f, 0xa3, 0x07), INSN_UNSUPPORTED),              /* F3 bt: reserved */
	BAD(M64, B(0x0f, 0xa3, 0xc3), INSN_UNSUPPORTED),                    /* bt %eax,%ebx: no memory */
	BAD(M64, B(0xf7, 0xd0), INSN_UNSUPPORTED),                          /* not %eax */
	BAD(M64, B(0xf6, 0xe7), INSN_UNSUPPORTED),                          /* mul %bh: no memory */
	BAD(M64, B(0xf3, 0x0f, 0xaf, 0x07), INSN_UNSUPPORTED),              /* F3 imul: reserved */
	BAD(M64, B(0x0f, 0xba, 0x27), INSN_UNSUPPORTED),                    /* imm8 cut short */
	BAD(M64, B(0xf3, 0x90), INSN_UNSUPPORTED),                          /* pause */
};

/* The first field of the decoded form that differs from the row, or NULL. */
static const char *row_mismatch(const struct row *r)
{
	struct insn_mem o;
	int rc = insn_decode_mem(r->b, r->n, r->mode, &o);
	bool alu = r->kind == INSN_ALU_MEM;

	if (rc != r->rc)
		return "rc";
	if (rc)
		return NULL;
	if (o.len != r->n || o.kind != r->kind || o.size != r->size ||
	    o.read != (alu || r->kind == INSN_MOVS))
		return "len, kind, size or read";
	if (o.write != r->write || o.rep != r->rep || o.has_imm != r->has_imm)
		return "write, rep or has_imm";
	if (o.lock != (r->b[0] == 0xf0 || r->b[1] == 0xf0))
		return "lock";
	if (alu ? o.alu != r->alu : (o.addr_size != r->addr_size || o.seg != r->seg))
		return "alu, or addr_size and seg";
	if (r->has_imm ? o.imm != r->imm : (alu && o.reg != r->reg))
		return "imm or reg";
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

/* ---- the ALU against the host CPU ---- */

#define HOST_OP(name, insn, sfx, T)                                           \
	static uint64_t name(uint64_t a, uint64_t b, uint64_t *fl)            \
	{                                                                     \
		T x = (T)a, y = (T)b;                                         \
		uint64_t f = *fl;                                             \
		__asm__("lea -128(%%rsp),%%rsp\n\tpush %[f]\n\tpopfq\n\t"     \
			insn sfx " %[y],%[x]\n\tpushfq\n\tpop %[f]\n\t"        \
			"lea 128(%%rsp),%%rsp"                                \
			: [x] "+q"(x), [f] "+r"(f) : [y] "q"(y) : "cc", "memory"); \
		*fl = f;                                                      \
		return (uint64_t)x;                                           \
	}
#define HOST_SIZES(insn)                                                      \
	HOST_OP(host_##insn##1, #insn, "b", uint8_t)                          \
	HOST_OP(host_##insn##2, #insn, "w", uint16_t)                         \
	HOST_OP(host_##insn##4, #insn, "l", uint32_t)                         \
	HOST_OP(host_##insn##8, #insn, "q", uint64_t)
HOST_SIZES(add) HOST_SIZES(or) HOST_SIZES(adc) HOST_SIZES(sbb)
HOST_SIZES(and) HOST_SIZES(sub) HOST_SIZES(xor) HOST_SIZES(cmp) HOST_SIZES(test)

typedef uint64_t (*host_fn)(uint64_t, uint64_t, uint64_t *);
#define ROW(insn) { host_##insn##1, host_##insn##2, host_##insn##4, host_##insn##8 }
static const host_fn host_ops[9][4] = {
	ROW(add), ROW(or), ROW(adc), ROW(sbb), ROW(and), ROW(sub), ROW(xor), ROW(cmp), ROW(test),
};

static uint64_t interesting(unsigned i)
{
	static const uint64_t v[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffull,
		0x8000000000000000ull, ~0ull, 0x0f, 0x10 };

	if (i < sizeof(v) / sizeof(v[0]))
		return v[i];
	return ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^ (uint64_t)rand();
}

static void test_alu_vs_host(void **s)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	unsigned checked = 0;

	(void)s;
	srand(12);
	for (unsigned op = 0; op <= ALU_TEST; op++)
		for (unsigned z = 0; z < 4; z++)
			for (unsigned i = 0; i < 40; i++)
				for (unsigned j = 0; j < 40; j++)
					for (uint64_t cf = 0; cf < 2; cf++) {
						uint64_t a = interesting(i), b = interesting(j);
						uint64_t hf = 0x2 | cf, ef = 0x2 | cf;
						uint64_t mask = z == 3 ? ~0ull : (1ull << (8 * sizes[z])) - 1;
						uint64_t want = host_ops[op][z](a, b, &hf);
						uint64_t got = insn_alu(op, sizes[z], a, b, &ef);
						uint64_t fm = INSN_FLAGS_STATUS;

						if (op == ALU_OR || op == ALU_AND || op == ALU_XOR || op == ALU_TEST)
							fm &= ~0x10ull;   /* AF undefined */
						if (op != ALU_CMP && op != ALU_TEST)
							assert_int_equal(got, want & mask);
						assert_int_equal(ef & fm, hf & fm);
						checked++;
					}
	assert_int_equal(checked, 9 * 4 * 40 * 40 * 2);
}

#define HOST_UN(name, insn, sfx, T)                                           \
	static uint64_t name(uint64_t a, uint64_t b, uint64_t *fl)            \
	{                                                                     \
		T x = (T)a;                                                   \
		uint64_t f = *fl;                                             \
		(void)b;                                                      \
		__asm__("lea -128(%%rsp),%%rsp\n\tpush %[f]\n\tpopfq\n\t"     \
			insn sfx " %[x]\n\tpushfq\n\tpop %[f]\n\t"               \
			"lea 128(%%rsp),%%rsp"                                \
			: [x] "+q"(x), [f] "+r"(f) : : "cc", "memory");       \
		*fl = f;                                                      \
		return (uint64_t)x;                                           \
	}
#define HOST_UN_SIZES(insn)                                                   \
	HOST_UN(host_##insn##1, #insn, "b", uint8_t)                          \
	HOST_UN(host_##insn##2, #insn, "w", uint16_t)                         \
	HOST_UN(host_##insn##4, #insn, "l", uint32_t)                         \
	HOST_UN(host_##insn##8, #insn, "q", uint64_t)
/* The bit tests have no byte form (the row's first entry is unused). */
#define HOST_BT_SIZES(insn)                                                   \
	HOST_OP(host_##insn##2, #insn, "w", uint16_t)                         \
	HOST_OP(host_##insn##4, #insn, "l", uint32_t)                         \
	HOST_OP(host_##insn##8, #insn, "q", uint64_t)
HOST_UN_SIZES(not) HOST_UN_SIZES(neg)
HOST_BT_SIZES(bt) HOST_BT_SIZES(bts) HOST_BT_SIZES(btr) HOST_BT_SIZES(btc)
#define BT_ROW(insn) { NULL, host_##insn##2, host_##insn##4, host_##insn##8 }
static const host_fn host_more[6][4] = {
	ROW(not), ROW(neg), BT_ROW(bt), BT_ROW(bts), BT_ROW(btr), BT_ROW(btc),
};

/* The flags each of NOT NEG BT BTS BTR BTC defines: none; all six; CF
 * (and ZF, unaffected: both start from the same RFLAGS). */
static uint64_t defined_flags(unsigned op)
{
	if (op == ALU_NOT)
		return INSN_FLAGS_STATUS;        /* unchanged, so equal */
	return op == ALU_NEG ? INSN_FLAGS_STATUS : 0x41;
}

static void test_unary_and_bits_vs_host(void **s)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	unsigned checked = 0;

	(void)s;
	srand(13);
	for (unsigned op = ALU_NOT; op <= ALU_BTC; op++)
		for (unsigned z = op >= ALU_BT; z < 4; z++)
			for (unsigned i = 0; i < 40; i++)
				for (unsigned j = 0; j < 40; j++) {
					uint64_t a = interesting(i), b = interesting(j) + j;
					uint64_t hf = 0x2 | (j & 0x41), ef = hf;
					uint64_t mask = z == 3 ? ~0ull : (1ull << (8 * sizes[z])) - 1;
					uint64_t want = host_more[op - ALU_NOT][z](a, b, &hf);
					uint64_t got = insn_alu(op, sizes[z], a, b, &ef);

					assert_int_equal(got, want & mask);
					assert_int_equal(ef & defined_flags(op), hf & defined_flags(op));
					if (op != ALU_NEG)   /* only NEG writes OF SF AF PF here */
						assert_int_equal(ef & 0x890, (0x2 | (j & 0x41)) & 0x890);
					checked++;
				}
	assert_int_equal(checked, 2 * 4 * 1600 + 4 * 3 * 1600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_and_stores),
		cmocka_unit_test(test_immediates_and_movzx),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_linux_accessors),
		cmocka_unit_test(test_alu_forms),
		cmocka_unit_test(test_strings_and_prefixes),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_alu_vs_host),
		cmocka_unit_test(test_unary_and_bits_vs_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
