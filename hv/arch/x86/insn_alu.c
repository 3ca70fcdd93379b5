/* The ALU of the emulated memory-operand instructions: the two-operand
 * operations, NOT, NEG, the bit tests, and the multiplies and divides;
 * see insn.h. Portable C (no __int128 division: hv is freestanding and
 * links no libgcc). */
#include "insn.h"

#define FL_CF (1ull << 0)
#define FL_PF (1ull << 2)
#define FL_AF (1ull << 4)
#define FL_ZF (1ull << 6)
#define FL_SF (1ull << 7)
#define FL_OF (1ull << 11)

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* The value of size bytes, sign-extended to 64 bits. */
static int64_t sext(unsigned size, uint64_t v)
{
	unsigned sh = 64 - 8 * size;

	return (int64_t)(v << sh) >> sh;
}

static uint64_t flags_of(unsigned size, uint64_t res, bool cf, bool of, bool af)
{
	uint64_t sign = 1ull << (8 * size - 1), f = 0;

	if (cf)
		f |= FL_CF;
	if (of)
		f |= FL_OF;
	if (af)
		f |= FL_AF;
	if (!res)
		f |= FL_ZF;
	if (res & sign)
		f |= FL_SF;
	if (!(__builtin_popcount((unsigned)(res & 0xff)) & 1))
		f |= FL_PF;                      /* parity of the low byte */
	return f;
}

/* The bit tests: CF = the bit; BTS sets it, BTR clears it, BTC flips it. */
static uint64_t bit_op(enum insn_alu op, unsigned size, uint64_t a, uint64_t b, uint64_t *rflags)
{
	uint64_t bit = 1ull << (b & (8 * size - 1));

	*rflags = (*rflags & ~FL_CF) | ((a & bit) ? FL_CF : 0);
	switch (op) {
	case ALU_BTS: return a | bit;
	case ALU_BTR: return a & ~bit;
	case ALU_BTC: return a ^ bit;
	default: return a;
	}
}

static uint64_t alu_arith(enum insn_alu op, unsigned size, uint64_t a, uint64_t b, uint64_t *rflags)
{
	uint64_t mask = mask_of(size), sign, res, cin;
	bool sub = op == ALU_SUB || op == ALU_SBB || op == ALU_CMP, cf, of;

	a &= mask;
	b &= mask;
	sign = 1ull << (8 * size - 1);
	cin = (op == ALU_ADC || op == ALU_SBB) ? (*rflags & FL_CF) : 0;
	switch (op) {
	case ALU_OR: res = a | b; break;
	case ALU_AND: case ALU_TEST: res = a & b; break;
	case ALU_XOR: res = a ^ b; break;
	default:
		res = (sub ? a - b - cin : a + b + cin) & mask;
		cf = sub ? (b > a || (cin && b == a)) : (res < a || (cin && res == a));
		of = sub ? ((a ^ b) & (a ^ res) & sign) : (~(a ^ b) & (a ^ res) & sign);
		*rflags = (*rflags & ~INSN_FLAGS_STATUS) |
			  flags_of(size, res, cf, of, (a ^ b ^ res) & 0x10);
		return res;
	}
	*rflags = (*rflags & ~INSN_FLAGS_STATUS) | flags_of(size, res, false, false, false);
	return res;
}

/* a * b of size bytes, signed or not: the low and high halves of the
 * double-width product (SDM Vol. 2A "MUL", "IMUL"), and whether the
 * high half is significant (MUL: not 0; IMUL: not the sign extension
 * of the low half), which is CF and OF. */
static bool mul_full(bool sgn, unsigned size, uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
	unsigned bits = 8 * size;
	unsigned __int128 p;

	if (sgn)
		p = (unsigned __int128)((__int128)sext(size, a) * sext(size, b));
	else
		p = (unsigned __int128)(a & mask_of(size)) * (b & mask_of(size));
	*lo = (uint64_t)p & mask_of(size);
	*hi = (uint64_t)(p >> bits) & mask_of(size);
	if (!sgn)
		return *hi != 0;
	return *hi != ((*lo >> (bits - 1)) ? mask_of(size) : 0);
}

static void mul_flags(unsigned size, uint64_t lo, bool sig, uint64_t *rflags)
{
	*rflags = (*rflags & ~INSN_FLAGS_STATUS) | flags_of(size, lo, sig, sig, false);
}

uint64_t insn_alu(enum insn_alu op, unsigned size, uint64_t a, uint64_t b, uint64_t *rflags)
{
	uint64_t lo, hi;
	bool sig;

	switch (op) {
	case ALU_NOT: return ~a & mask_of(size);                   /* flags: none */
	case ALU_NEG: return alu_arith(ALU_SUB, size, 0, a, rflags);   /* SDM "NEG" */
	case ALU_BT: case ALU_BTS: case ALU_BTR: case ALU_BTC:
		return bit_op(op, size, a & mask_of(size), b, rflags);
	case ALU_IMUL2:
		sig = mul_full(true, size, a, b, &lo, &hi);
		mul_flags(size, lo, sig, rflags);
		return lo;
	case ALU_MUL: case ALU_IMUL: case ALU_DIV: case ALU_IDIV:
		return a & mask_of(size);            /* insn_muldiv's, not two-operand */
	default: return alu_arith(op, size, a, b, rflags);
	}
}

/* ---- MUL IMUL DIV IDIV (group 3 /4-/7) ---- */

/* A size-byte write to a 64-bit register: merge below 32 bits,
 * zero-extend at 32 (SDM Vol. 1 §3.4.1.1). */
static uint64_t merge(uint64_t reg, unsigned size, uint64_t val)
{
	if (size == 4)
		return (uint32_t)val;
	return (reg & ~mask_of(size)) | (val & mask_of(size));
}

/* hi:lo / d with hi < d (so the quotient fits 64 bits): shift and
 * subtract, one quotient bit a step. */
static uint64_t udiv128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
	for (int i = 0; i < 64; i++) {
		bool carry = hi >> 63;

		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		if (carry || hi >= d) {
			hi -= d;
			lo |= 1;
		}
	}
	*rem = hi;
	return lo;
}

/* The dividend, double the operand size: AX, DX:AX, EDX:EAX, RDX:RAX. */
static void dividend(unsigned size, uint64_t rax, uint64_t rdx, uint64_t *hi, uint64_t *lo)
{
	if (size == 8) {
		*hi = rdx;
		*lo = rax;
		return;
	}
	*hi = 0;
	*lo = size == 1 ? rax & 0xffff : ((rdx & mask_of(size)) << (8 * size)) | (rax & mask_of(size));
}

/* Unsigned: #DE when d is 0 or the quotient needs more than size bytes
 * (SDM Vol. 2A "DIV", Table 3-15). */
static int div_u(unsigned size, uint64_t hi, uint64_t lo, uint64_t d, uint64_t *q, uint64_t *r)
{
	d &= mask_of(size);
	if (!d || (size == 8 && hi >= d))
		return INSN_DE;
	if (size == 8) {
		*q = udiv128(hi, lo, d, r);
		return 0;
	}
	*q = lo / d;
	*r = lo % d;
	return *q > mask_of(size) ? INSN_DE : 0;
}

/* Signed: the quotient truncates toward 0 and the remainder takes the
 * dividend's sign; #DE when d is 0 or the quotient is outside the
 * operand's signed range (SDM Vol. 2A "IDIV", Table 3-51), checked on
 * magnitudes so nothing overflows here. */
static int div_s(unsigned size, uint64_t hi, uint64_t lo, uint64_t d, uint64_t *q, uint64_t *r)
{
	unsigned bits = 8 * size;
	bool nn, nd;
	uint64_t ad, qm, rm;
	int rc;

	if (size < 8) {                      /* sign-extend the 2*size-byte dividend */
		hi = (uint64_t)(sext(2 * size, lo) >> 63);
		lo = (uint64_t)sext(2 * size, lo);
	}
	nn = hi >> 63;
	nd = (d >> (bits - 1)) & 1;
	if (nn) {                            /* |hi:lo| */
		lo = ~lo + 1;
		hi = ~hi + !lo;
	}
	ad = (nd ? ~d + 1 : d) & mask_of(size);
	rc = div_u(8, hi, lo, ad, &qm, &rm);
	if (rc || qm > (1ull << (bits - 1)) - (nn == nd))
		return INSN_DE;
	*q = (nn != nd ? ~qm + 1 : qm) & mask_of(size);
	*r = (nn ? ~rm + 1 : rm) & mask_of(size);
	return 0;
}

static int divide(enum insn_alu op, unsigned size, uint64_t src, uint64_t *rax, uint64_t *rdx)
{
	uint64_t hi, lo, q = 0, r = 0;
	int rc;

	dividend(size, *rax, *rdx, &hi, &lo);
	rc = op == ALU_DIV ? div_u(size, hi, lo, src, &q, &r) : div_s(size, hi, lo, src, &q, &r);
	if (rc)
		return rc;
	if (size == 1) {
		*rax = merge(*rax, 2, (r << 8) | q);   /* AL quotient, AH remainder */
		return 0;
	}
	*rax = merge(*rax, size, q);
	*rdx = merge(*rdx, size, r);
	return 0;
}

int insn_muldiv(enum insn_alu op, unsigned size, uint64_t src, uint64_t *rax, uint64_t *rdx,
		uint64_t *rflags)
{
	uint64_t lo, hi;
	bool sig;

	if (op == ALU_DIV || op == ALU_IDIV)
		return divide(op, size, src, rax, rdx);
	if (op != ALU_MUL && op != ALU_IMUL)
		return INSN_UNSUPPORTED;
	sig = mul_full(op == ALU_IMUL, size, *rax, src, &lo, &hi);
	mul_flags(size, lo, sig, rflags);
	if (size == 1) {
		*rax = merge(*rax, 2, (hi << 8) | lo);   /* AX = AL * r/m8 */
		return 0;
	}
	*rax = merge(*rax, size, lo);
	*rdx = merge(*rdx, size, hi);
	return 0;
}
